-- wrk script: GET / round-robin over the seeded users' session cookies.
-- Each thread starts at a different offset so two threads rarely hit the same user at the same moment.
local cookies = {}
local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(os.getenv("COOKIE_FILE"), "r"))
  for line in file:lines() do
    if #line > 0 then table.insert(cookies, line) end
  end
  file:close()
  local nthreads = tonumber(os.getenv("WRK_THREADS") or "1")
  counter = 1 + math.floor(id * #cookies / nthreads)
end

function request()
  local cookie = cookies[counter]
  counter = counter + 1
  if counter > #cookies then counter = 1 end
  return wrk.format("GET", os.getenv("WRK_PATH") or "/", { ["Cookie"] = os.getenv("COOKIE_NAME") .. "=" .. cookie })
end
