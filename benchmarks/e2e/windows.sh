#!/usr/bin/env bash
# Whether a variant's speed moves within one process or between processes: starts samples/SessionDemo (Release, as
# built) once with the given arguments, seeds 1000 users, warms up for WARMUP s, then runs WINDOWS consecutive
# read-modify-write windows of DURATION s (wrk, 2 threads, 32 connections) and prints each window's req/s and the
# app's and redis-server's CPU per request. A throwaway redis-server runs on REDIS_PORT (pass --connection
# 127.0.0.1:$REDIS_PORT to the Redis variants). Used on 2026-12-04 to show that this machine's swings are in time,
# not in the process (docs/benchmarks.md, "Redis, three rounds").
# Usage: flock /tmp/sessionstores-bench.lock benchmarks/e2e/windows.sh --store redis --connection 127.0.0.1:16483
#        (WINDOWS=4 WARMUP=12 DURATION=10 REDIS_PORT=16483 APP_PORT=5093 OUT=/tmp/sessionstores-windows)
set -euo pipefail
cd "$(dirname "$0")/../.."
WINDOWS=${WINDOWS:-4}; WARMUP=${WARMUP:-12}; DURATION=${DURATION:-10}; REDIS_PORT=${REDIS_PORT:-16483}; APP_PORT=${APP_PORT:-5093}
OUT=${OUT:-/tmp/sessionstores-windows}
source benchmarks/e2e/loaded-app.sh

HZ=$(getconf CLK_TCK)
for window in $(seq "$WINDOWS"); do
  app0=$(ticks "$APP"); redis0=$(ticks "$REDIS_PID")
  wrk -t2 -c32 -d"${DURATION}s" -s benchmarks/e2e/roundrobin.lua "$URL/" >"$OUT/wrk.txt"
  app1=$(ticks "$APP"); redis1=$(ticks "$REDIS_PID")
  requests=$(awk '/^ *[0-9]+ requests in/ {print $1}' "$OUT/wrk.txt")
  awk -v w="$window" -v n="$requests" -v d="$DURATION" -v hz="$HZ" -v a=$((app1 - app0)) -v r=$((redis1 - redis0)) 'BEGIN {
    printf "window %d: %6.0f req/s  app CPU %6.1f µs/req  redis-server CPU %5.1f µs/req\n", w, n / d, a * 1e6 / hz / n, r * 1e6 / hz / n }'
done
