-- wrk script: round-robin over the seeded users' session cookies.
-- WRK_MIX=rmw: every request is GET / (read-modify-write).
-- WRK_MIX=read-mostly: per user, 1 request in 10 is GET / and 9 are GET /get-session (read-only). A thread walks all
-- users once per pass; user i gets GET / on the passes where (i + pass) % 10 == 0, so the writes spread evenly
-- over users and time instead of arriving as every tenth pass.
-- Each thread starts at a different offset so two threads rarely hit the same user at the same moment.
local cookies = {}
local threads = {}
local counter = 1
local pass = 0
local mix = "rmw"
local cookieName = "demo.sid"

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
  mix = os.getenv("WRK_MIX") or "rmw"
  cookieName = os.getenv("COOKIE_NAME")
end

function request()
  local index = counter
  counter = counter + 1
  if counter > #cookies then
    counter = 1
    pass = pass + 1
  end
  local path = "/"
  if mix == "read-mostly" and (index + pass) % 10 ~= 0 then path = "/get-session" end
  return wrk.format("GET", path, { ["Cookie"] = cookieName .. "=" .. cookies[index] })
end
