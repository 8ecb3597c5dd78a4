#!/usr/bin/env bash
# What each piece of a compare-and-set write costs inside Redis, against a native SET: per-call server time
# (INFO commandstats usec_per_call) of small Lua scripts shaped like the store's write script (src/Stores.Redis/Internal/
# RedisCommands.Set.cs; the scripts here are stand-ins built up piece by piece, not that script), each run by
# redis-benchmark (300,000 calls, 16 clients, pipelines of 8) on a throwaway redis-server on loopback.
# Usage: flock /tmp/sessionstores-bench.lock benchmarks/redis-script-cost/run.sh   (PORT=16490 CALLS=300000)
set -euo pipefail
PORT=${PORT:-16490}; CALLS=${CALLS:-300000}
command -v redis-benchmark >/dev/null || { echo "needs redis-server and redis-tools (apt-get install redis-server redis-tools)"; exit 1; }
DIR=$(mktemp -d /tmp/redis-script-cost.XXXXXX)
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --dir "$DIR" --pidfile "$DIR/pid" --logfile "$DIR/log"
trap 'kill "$(cat "$DIR/pid")" 2>/dev/null; rm -rf "$DIR"' EXIT
until redis-cli -p "$PORT" ping 2>/dev/null | grep -q PONG; do sleep 0.1; done
R=(redis-cli -p "$PORT")
HEADER=S100000000001501a23fa98f540000000000000000000000000000
DATA=$(head -c 180 /dev/zero | tr '\0' 'x')
# A subscriber, so that PUBSUB NUMSUB has something to count.
(timeout 600 redis-cli -p "$PORT" subscribe bench:ch >/dev/null 2>&1 &)

per_call() { "${R[@]}" info commandstats | grep "^cmdstat_$1:" | sed 's/.*usec_per_call=\([0-9.]*\).*/\1/'; }
run() { # label, script
  local sha; sha=$("${R[@]}" script load "$2")
  "${R[@]}" set bench:k "${HEADER}seed" >/dev/null
  "${R[@]}" config resetstat >/dev/null
  redis-benchmark -p "$PORT" -n "$CALLS" -c 16 -P 8 -q evalsha "$sha" 1 bench:k 20 1200000 "" "$DATA" bench:ch bench:own \
    000000000015 S1000000000015 53 0000 >/dev/null
  # A script that writes must have taken its full path (its SET) for its figure to count.
  if [[ $2 == *SET* ]] && [ "$("${R[@]}" get bench:k)" != "$HEADER$DATA" ]; then echo "the script '$1' did not write"; exit 1; fi
  printf '| %s | %s |\n' "$1" "$(per_call evalsha)"
}

MATCH='local h = redis.call("GETRANGE", KEYS[1], "0", ARGV[9])
local v, c, z = string.match(h, "^S1(%x%x%x%x%x%x%x%x%x%x%x%x)([0-9a-dA-D]%x%x%x%x%x%x%x%x%x%x%x)[0-9a-dA-D]%x%x%x%x%x%x%x%x%x%x%x(%x%x%x%x%x%x%x%x%x%x%x%x)")
if v ~= ARGV[7] or string.sub(h, 51) ~= ARGV[10] then return -1 end'
SET='redis.call("SET", KEYS[1], ARGV[8] .. c .. "000000000000" .. z .. ARGV[10] .. ARGV[4], "PX", ARGV[2])'
NUMSUB='local n = redis.call("PUBSUB", "NUMSUB", ARGV[5], ARGV[6])
if n[2] > n[4] + 1 then redis.call("PUBLISH", ARGV[5], KEYS[1]) end'

echo "| script (EVALSHA, one key, 10 arguments) | µs per call in Redis |"
echo "|---|---:|"
run 'return 1 (the floor of EVALSHA)' 'return 1'
run 'SET PX only' 'redis.call("SET", KEYS[1], ARGV[8] .. "01a23fa98f54000000000000000000000000" .. ARGV[10] .. ARGV[4], "PX", ARGV[2]) return 1'
run 'GETRANGE of the header, then SET PX' 'local h = redis.call("GETRANGE", KEYS[1], "0", ARGV[9]) redis.call("SET", KEYS[1], ARGV[8] .. "01a23fa98f54000000000000000000000000" .. ARGV[10] .. ARGV[4], "PX", ARGV[2]) return 1'
run '+ header check by pattern (string.match)' "$MATCH
$SET
return 21"
run '+ PUBSUB NUMSUB (the near-cache listener check)' "$MATCH
$SET
$NUMSUB
return 21"
"${R[@]}" config resetstat >/dev/null
redis-benchmark -p "$PORT" -n "$CALLS" -c 16 -P 8 -q set bench:k2 "$HEADER$DATA" px 1200000 >/dev/null
printf '| native SET PX (no script) | %s |\n' "$(per_call set)"
