# Sourced by profile.sh and windows.sh (from the repository's root), which measure one running app: empties OUT, starts
# a throwaway redis-server on REDIS_PORT and samples/SessionDemo (Release, built if missing) on APP_PORT with the
# caller's arguments ("$@") and APP_ENV (extra VAR=value settings for the app), seeds 1000 users and loads the app
# with wrk (MIX, default rmw) for WARMUP s so that tiered compilation has settled. Leaves APP (the app's pid),
# REDIS_PID, URL, the wrk settings (COOKIE_FILE, COOKIE_NAME, WRK_THREADS, WRK_MIX) and ticks() set; both servers stop
# on exit.
rm -rf "$OUT"; mkdir -p "$OUT"
APP_DLL=$PWD/samples/SessionDemo/bin/Release/net10.0/SessionDemo.dll
[ -f "$APP_DLL" ] || dotnet build samples/SessionDemo -c Release -v quiet -nologo >/dev/null
URL=http://127.0.0.1:$APP_PORT
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --dir "$OUT" \
  --pidfile "$OUT/redis.pid" --logfile "$OUT/redis.log"
APP=
cleanup() { [ -n "$APP" ] && { kill "$APP" 2>/dev/null; wait "$APP" 2>/dev/null; }; kill "$(cat "$OUT/redis.pid")" 2>/dev/null || true; }
trap cleanup EXIT
until redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; do sleep 0.1; done
REDIS_PID=$(cat "$OUT/redis.pid")
# shellcheck disable=SC2086 # APP_ENV is a list of VAR=value words
env ${APP_ENV:-} dotnet "$APP_DLL" "$@" --bench-counters true --urls "$URL" >"$OUT/app.log" 2>&1 &
APP=$!
for _ in $(seq 300); do curl -s -o /dev/null "$URL/get-session" && break; sleep 0.1; done
python3 benchmarks/e2e/client.py seed "$URL" demo.sid 1000 "$OUT/cookies"
export COOKIE_FILE=$OUT/cookies COOKIE_NAME=demo.sid WRK_THREADS=2 WRK_MIX=${MIX:-rmw}
wrk -t2 -c32 -d"${WARMUP}s" -s benchmarks/e2e/roundrobin.lua "$URL/" >/dev/null

# CPU ticks (user + system) a process has used so far, its exited threads included.
ticks() { sed 's/.*) //' /proc/"$1"/stat | awk '{print $12 + $13}'; }
