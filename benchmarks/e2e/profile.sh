#!/usr/bin/env bash
# Where one sample variant's CPU goes under the e2e read-modify-write load: starts samples/SessionDemo (Release, as
# built) with the given arguments, seeds 1000 users, warms up (WARMUP s: tiered compilation settles after about 10 s of
# load), then loads it for DURATION s with wrk (2 threads, 32 connections) and prints req/s, the app's CPU and context
# switches per request, and the same split by thread name (.NET TP Worker, .NET Sockets, .NET Tiered Compilation, ...).
# PERF=1 also records `perf record -g` of the app during the load (perf.data in OUT; symbols for JIT code from
# DOTNET_PerfMapEnabled, e.g. `perf report -i $OUT/perf.data --no-children --sort dso,sym`).
# A throwaway redis-server runs on REDIS_PORT for the variants that want one (pass --connection 127.0.0.1:$REDIS_PORT).
# Usage: flock /tmp/sessionstores-bench.lock benchmarks/e2e/profile.sh --store redis --connection 127.0.0.1:16481
#        (WARMUP=12 DURATION=10 PERF=0 REDIS_PORT=16481 APP_PORT=5092 OUT=/tmp/sessionstores-profile)
set -euo pipefail
cd "$(dirname "$0")/../.."
WARMUP=${WARMUP:-12}; DURATION=${DURATION:-10}; PERF=${PERF:-0}; REDIS_PORT=${REDIS_PORT:-16481}; APP_PORT=${APP_PORT:-5092}
OUT=${OUT:-/tmp/sessionstores-profile}
APP_ENV="DOTNET_PerfMapEnabled=$PERF DOTNET_EnableWriteXorExecute=$((1 - PERF))"
source benchmarks/e2e/loaded-app.sh

# Per thread name: threads, CPU ticks (user + system), context switches (voluntary + involuntary). A thread that exits
# while it is read is left out (an empty name would break the join below); the "all" line's CPU comes from the
# process's own counters, which keep the time of threads that exited meanwhile.
threads() { for t in /proc/"$APP"/task/*; do
    name=$(tr ' ' '_' 2>/dev/null <"$t/comm") || continue
    ticks=$(sed 's/.*) //' "$t/stat" 2>/dev/null | awk '{print $12 + $13}') || continue
    switches=$(awk '/ctxt_switches/ {s += $2} END {print s}' "$t/status" 2>/dev/null) || continue
    if [ -n "$name" ] && [ -n "$ticks" ] && [ -n "$switches" ]; then printf '%s %s %s\n' "$name" "$ticks" "$switches"; fi
  done | awk '{c[$1] += $2; s[$1] += $3; n[$1]++} END {for (k in c) print k, n[k], c[k], s[k]}' | sort; }
threads >"$OUT/threads0"; ticks "$APP" >"$OUT/process0"
PERF_PID=
if [ "$PERF" = 1 ]; then perf record -F 999 -g -p "$APP" -o "$OUT/perf.data" -- sleep "$DURATION" >/dev/null 2>&1 & PERF_PID=$!; fi
wrk -t2 -c32 -d"${DURATION}s" --latency -s benchmarks/e2e/roundrobin.lua "$URL/" >"$OUT/wrk.txt"
threads >"$OUT/threads1"; ticks "$APP" >"$OUT/process1"
[ -n "$PERF_PID" ] && wait "$PERF_PID"
requests=$(awk '/^ *[0-9]+ requests in/ {print $1}' "$OUT/wrk.txt")
echo "$(grep Requests/sec "$OUT/wrk.txt")  ($requests requests; $* ; MIX=${MIX:-rmw})"
join "$OUT/threads0" "$OUT/threads1" | awk -v n="$requests" -v hz="$(getconf CLK_TCK)" \
    -v cpu="$(( $(cat "$OUT/process1") - $(cat "$OUT/process0") ))" '
  {cs += $7 - $4; printf "  %-18s threads %2d  CPU %6.1f µs/req  switches %5.2f/req\n", $1, $5, ($6 - $3) * 1e6 / hz / n, ($7 - $4) / n}
  END {printf "  %-18s           CPU %6.1f µs/req  switches %5.2f/req\n", "all", cpu * 1e6 / hz / n, cs / n}'
