#!/usr/bin/env bash
# The path a real user takes (issue #13): pack our packages to a folder, create a fresh web app outside the repository
# (`dotnet new web`), add our packages from that folder only (a prerelease version unique to this run, so a stale copy
# in the NuGet cache can never stand in for it), and run a session round trip over HTTP against the File store and a
# throwaway redis-server; a store author's test project from the template runs the conformance kit from the same
# folder (eng/smoke-store-tests.sh). Run after the Release build of the solution (eng/test.sh runs it after the tests); exits
# non-zero when any step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
repo=$(pwd)
work=$(mktemp -d)
app_pid="" redis_pid=""
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
  [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
say() { echo "smoke-test: $*"; }

version="0.1.0-smoke.$(date -u +%Y%m%d%H%M%S)"
# Every packable project of the solution in one invocation (its nodes pack in parallel).
dotnet pack SessionStores.sln -c Release --no-build -p:PackageVersion="$version" -p:PackageOutputPath="$work/feed" -nologo -v quiet
# Every package carries its README, icon and XML docs, and has its symbol package beside it.
python3 - "$work/feed" <<'PY'
import glob, os, sys, zipfile
for nupkg in glob.glob(os.path.join(sys.argv[1], "*.nupkg")):
    package = zipfile.ZipFile(nupkg)
    names = package.namelist()
    missing = [n for n in ("README.md", "icon.png") if n not in names]
    if not any(n.endswith(".xml") and n.startswith("lib/") for n in names) and not any(n.startswith("tools/") for n in names):  # a .NET tool has no library docs
        missing.append("XML docs")
    # The XML docs describe the public API only (src/Directory.Build.props filters them): no internal namespace, no
    # source-generated helper.
    for doc in (n for n in names if n.startswith("lib/") and n.endswith(".xml")):
        text = package.read(doc).decode("utf-8")
        if ".Internal." in text or "RegularExpressions.Generated" in text:
            missing.append(f"XML docs of public API only ({doc} documents internal members)")
    if not os.path.exists(nupkg[:-len(".nupkg")] + ".snupkg"):
        missing.append("its .snupkg")
    if missing:
        sys.exit(f"smoke-test: {os.path.basename(nupkg)} lacks {', '.join(missing)}")
PY
say "packed $(ls "$work/feed"/*.nupkg | wc -l) packages as $version, each with README, icon, XML docs of its public API only and a symbol package, validated against eng/package-baseline"

# Our packages from the folder only, everything else from the machine's usual source: for every project made below
# $work (NuGet reads the nuget.config of each parent directory).
cat > "$work/nuget.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$work/feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local"><package pattern="SessionStores.*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
EOF

# The C# snippets of README.md and the package READMEs build as written against these packages.
python3 eng/readme-snippets.py "$work/feed" "$version" "$work/snippets"

# A store author's test project from the `dotnet new sessionstore-tests` template runs the kit from these packages.
eng/smoke-store-tests.sh "$version" "$work/store-tests"

mkdir -p "$work/app"
(cd "$work/app" && dotnet new web -n SmokeApp -o . --force >/dev/null)
for package in AspNetCore File Redis; do
  (cd "$work/app" && dotnet add package "SessionStores.$package" --version "$version" >/dev/null)
done

# The smallest setup of src/Stores.AspNetCore/README.md, with the store chosen by the environment.
cat > "$work/app/Program.cs" <<'EOF'
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSession(o => o.IdleTimeout = TimeSpan.FromMinutes(20));
if (Environment.GetEnvironmentVariable("SMOKE_REDIS") is { } redis)
{
    builder.Services.AddRedisSessionStore(o => o.ConnectionString = redis);
}
else
{
    builder.Services.AddFileSessionStore(Environment.GetEnvironmentVariable("SMOKE_DIRECTORY")!);
}

builder.Services.AddStoreBackedSession();
var app = builder.Build();
app.UseSession();
app.MapGet("/", async (HttpContext context) =>
{
    await context.Session.LoadAsync();
    var views = (context.Session.GetInt32("views") ?? 0) + 1;
    context.Session.SetInt32("views", views);
    return $"views: {views}";
});
app.Run();
EOF
(cd "$work/app" && dotnet build -c Release -nologo -v quiet >/dev/null)
if grep -rq "SessionStores.*$version" "$work/app/obj/project.assets.json"; then say "the app restored our packages from the folder"; else say "the app did not restore $version"; exit 1; fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Two requests with one cookie jar must count 1 then 2: the session was stored and found again.
round_trip() {
  local store=$1 port jar
  port=$(free_port)
  jar="$work/cookies-$store"
  (cd "$work/app" && exec dotnet bin/Release/net10.0/SmokeApp.dll --urls "http://127.0.0.1:$port") >"$work/app-$store.log" 2>&1 &
  app_pid=$!
  for _ in $(seq 1 100); do
    curl -fs -o /dev/null "http://127.0.0.1:$port/" -c "$work/probe" 2>/dev/null && break
    sleep 0.2
  done
  local first second
  first=$(curl -fsS -c "$jar" -b "$jar" "http://127.0.0.1:$port/")
  second=$(curl -fsS -c "$jar" -b "$jar" "http://127.0.0.1:$port/")
  kill "$app_pid"; wait "$app_pid" 2>/dev/null || true; app_pid=""
  if [ "$first" = "views: 1" ] && [ "$second" = "views: 2" ]; then
    say "$store: a fresh app kept its session across requests ($first, $second)"
  else
    say "$store: expected 'views: 1' then 'views: 2', got '$first' then '$second'"; cat "$work/app-$store.log"; exit 1
  fi
}

export SMOKE_DIRECTORY="$work/sessions"
round_trip file
unset SMOKE_DIRECTORY

# The admin tool as an operator installs it: from the folder, then reading the session the app just stored.
dotnet tool install SessionStores.Admin --version "$version" --add-source "$work/feed" --tool-path "$work/tool" >/dev/null
count=$("$work/tool/sessionstores" count --store file --directory "$work/sessions")
# At least the round trip's session (the readiness probe may have left one of its own).
if [[ "$count" =~ ^[0-9]+$ ]] && [ "$count" -ge 1 ]; then say "dotnet tool install gave a working sessionstores: it counts the app's $count session(s)"; else say "sessionstores count printed '$count', expected 1 or more"; exit 1; fi

# The README's admin snippet as written, against the app's sessions: the tool is the one installed above (its install
# line is left out) and the directory is this run's.
python3 - README.md >"$work/admin-snippet.sh" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
print(re.search(r"<!-- snippet-run: admin -->\n```bash\n(.*?)\n```", text, re.S).group(1))
PY
sed -i -e '/dotnet tool install/d' -e "s|/var/lib/myapp/sessions|$work/sessions|g" "$work/admin-snippet.sh"
if PATH="$work/tool:$PATH" bash -euo pipefail "$work/admin-snippet.sh" >"$work/admin-snippet.log" 2>&1; then
  say "the README's admin snippet ran as written ($(grep -c . "$work/admin-snippet.sh") commands)"
else
  cat "$work/admin-snippet.log"; say "the README's admin snippet failed"; exit 1
fi

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$work/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
export SMOKE_REDIS="127.0.0.1:$redis_port"
round_trip redis
say "passed"
