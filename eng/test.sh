#!/usr/bin/env bash
# The one test command: installs what the tests need (on Debian/Ubuntu, as root or with sudo), then runs every test
# project against real servers. Servers are started by the tests themselves from local binaries (see
# tests/TestServers); set SESSIONSTORES_REDIS / _REDIS_CLUSTER / _POSTGRES / _MYSQL / _MONGO / _SQLSERVER / _MEMCACHED
# (/ _MEMCACHED_SET) to use your own.
# Backends listed in SESSIONSTORES_REQUIRED_BACKENDS fail instead of skipping when no server can be had.
# Usage: eng/test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v python3 >/dev/null 2>&1 || need+=(python3)   # the summary line below
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v memcached >/dev/null 2>&1 || [ -x /usr/bin/memcached ] || need+=(memcached)
command -v curl >/dev/null 2>&1 || need+=(curl)          # the consumer smoke test (eng/smoke-test.sh)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)   # the MySQL store's tests start a throwaway MariaDB
# The ExpressCompat tests run a real Express app beside the .NET one (Debian 12's nodejs is 18.20; a NodeSource
# nodejs brings its own npm, so npm is only asked for when missing).
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
# The browser test also accepts Google Chrome with CHROMEWEBDRIVER (GitHub's Ubuntu runners, where apt's chromium is a snap).
if ! { [ -x /usr/bin/google-chrome ] && [ -n "${CHROMEWEBDRIVER:-}" ]; }; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing: ${need[*]}"
  SUDO=(); [ "$(id -u)" = 0 ] || SUDO=(sudo)
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The Express app's npm packages, exactly as its package-lock.json pins them (again only when the lock file changed).
express_app=tests/Stores.ExpressCompat.Tests/express-app
if [ ! -f "$express_app/node_modules/.package-lock.json" ] || [ "$express_app/package-lock.json" -nt "$express_app/node_modules/.package-lock.json" ]; then
  (cd "$express_app" && npm ci --no-audit --no-fund --loglevel=error)
fi

export SESSIONSTORES_REQUIRED_BACKENDS="${SESSIONSTORES_REQUIRED_BACKENDS:-memory,file,redis,redis-cluster,postgres,mysql,memcached,chromium,node}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

rm -rf TestResults
status=0
# The store template must still make a store that compiles here (docs/adding-a-store.md); a full run only. A failure
# here has no test result: the summary below counts it as one failure.
if [ $# -eq 0 ]; then
  eng/check-template.sh || status=$?
fi
if [ $# -eq 0 ]; then
  # The reliability suite asserts time bounds under load it makes itself (answers within the store deadline + 1 s):
  # it runs after the other projects, alone, not beside them on the same cores.
  dotnet test SessionStores.sln -c Release --logger "trx" --results-directory TestResults \
    --filter "FullyQualifiedName!~SessionStores.Reliability" || status=$?
  dotnet test tests/Reliability -c Release --no-build --logger "trx" --results-directory TestResults || status=$?
  # A fresh web app installs our packages from a local folder and keeps a session (File and Redis), as a user would.
  eng/smoke-test.sh || status=$?
else
  dotnet test SessionStores.sln -c Release --logger "trx" --results-directory TestResults "$@" || status=$?
fi

STATUS=$status python3 - <<'PY'
import glob, html, os, re
p = f = s = 0
for path in glob.glob('TestResults/**/*.trx', recursive=True):
    counters = re.search(r'<Counters [^>]*>', open(path, encoding='utf-8').read()).group(0)
    c = {k: int(v) for k, v in re.findall(r'(\w+)="(\d+)"', counters)}
    p += c['passed']; f += c['failed'] + c.get('error', 0) + c.get('timeout', 0) + c.get('aborted', 0)
    s += c['total'] - c['executed']
    # Name every failed test and the start of its message here, so the last lines of a CI log say what failed.
    for m in re.finditer(r'<UnitTestResult [^>]*?testName="([^"]*)"[^>]*?outcome="Failed"[^>]*>(.*?)</UnitTestResult>', open(path, encoding='utf-8').read(), re.S):
        msg = re.search(r'<Message>(.*?)</Message>', m.group(2), re.S)
        text = html.unescape(msg.group(1)).strip().replace('\n', ' | ')[:600] if msg else '(no message)'
        print(f"FAILED {html.unescape(m.group(1))}: {text}")
status = int(os.environ['STATUS'])
if status != 0 and f == 0:
    # A build error or a crashed test host leaves no failed test behind; it must not read as a clean run.
    print(f"dotnet test exited with {status} without a failed test result: counted as one failure")
    f = 1
print(f"{p} passed, {f} failed, {s} skipped")
PY
exit $status
