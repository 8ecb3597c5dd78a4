# Sourced by run.sh: what is measured around each load run. Needs REDIS_PORT, PG_PORT, PGBIN, WORK, URL, APP_PID,
# COOKIE_NAME and psql_q from run.sh.

proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# CPU ticks of a store's server processes: redis-server; for PostgreSQL the postmaster and every child (the backends
# serving the app's pooled connections, WAL writer, checkpointer...). A backend that exits between two samples takes
# its ticks with it: both stacks keep their pooled connections open through a run, so none should.
store_ticks() {
  case $1 in
    *redis*) proc_ticks "$(cat "$WORK/redis/redis.pid")" ;;
    *postgres*)
      local postmaster sum child
      postmaster=$(head -1 "$WORK/pg/data/postmaster.pid"); sum=$(proc_ticks "$postmaster")
      for child in $(pgrep -P "$postmaster"); do sum=$((sum + $(proc_ticks "$child"))); done
      echo "$sum" ;;
    *) echo 0 ;;
  esac
}

# Redis server time inside commands (INFO commandstats usec). A script's inner commands are counted in their own
# lines as well as in the script's time, so commands seen only inside scripts (script_inner_commands) are left out.
redis_command_usec() {
  redis-cli -p "$REDIS_PORT" info commandstats | tr -d '\r' \
    | sed -n 's/^cmdstat_\([^:]*\):calls=[0-9]*,usec=\([0-9]*\),.*/\1 \2/p' >"$WORK/cmdstats"
  python3 - "$WORK/cmdstats" "$WORK/script-inner" <<'PY'
import os, sys
skip = {'info', 'config', 'monitor', 'flushall', 'ping', 'client', 'hello', 'select', 'cluster', 'script'}
if os.path.exists(sys.argv[2]): skip |= set(open(sys.argv[2]).read().split())
print(sum(int(v) for k, v in (line.split() for line in open(sys.argv[1]) if line.strip()) if k.lower() not in skip))
PY
}

# Which commands run only inside scripts (MONITOR tags those "lua"), from 20 requests of each route.
script_inner_commands() {
  redis-cli -p "$REDIS_PORT" monitor >"$WORK/monitor.log" & local mon=$!
  sleep 0.3
  sequential_requests / 20; sequential_requests /get-session 20
  sleep 0.3; kill $mon; wait $mon 2>/dev/null || true
  python3 - "$WORK/monitor.log" >"$WORK/script-inner" <<'PY'
import re, sys
inner, client = set(), set()
for line in open(sys.argv[1], errors='replace'):
    m = re.match(r'[\d.]+ \[\d+ (\S+)\] "([^"]+)"', line)
    if m: (inner if m.group(1) == 'lua' else client).add(m.group(2).lower())
print(" ".join(sorted(inner - client)))
PY
}

# Store calls during the load (Redis: every command, scripts' inner ones included; PostgreSQL: pg_stat_statements
# calls, updated as each statement ends, without the benchmark's own queries and Npgsql's reset of a pooled connection,
# which it prepends to the connection's next command: DISCARD ALL, or with prepared statements RESET ALL, CLOSE ALL,
# UNLISTEN *, SET SESSION AUTHORIZATION DEFAULT, pg_advisory_unlock_all(), DISCARD TEMP, DISCARD SEQUENCES).
store_calls() {
  case $1 in
    *redis*) redis-cli -p "$REDIS_PORT" info commandstats | tr -d '\r' | grep -v 'cmdstat_info\|cmdstat_config' \
               | sed -n 's/.*:calls=\([0-9]*\),.*/\1/p' | awk '{s+=$1} END {print s+0}' ;;
    *postgres*) psql_q "select coalesce(sum(calls), 0) from pg_stat_statements where query not ilike '%pg_stat_statements%'
                          and query !~* '^(discard|reset all|close all|unlisten|set session authorization default|select pg_advisory_unlock_all)'" ;;
    *) echo 0 ;;
  esac
}

sequential_requests() { # $1 path, $2 count: one request at a time, each with its own user's cookie
  python3 "$ROOT/benchmarks/e2e/client.py" get "$URL" "$COOKIE_NAME" "$WORK/cookies" "$1" "$2"
}

# Client round trips to the store per request, for .NET and Node alike: the app's send-family syscalls on sockets
# connected to the store's port (strace -yy names each socket's peer), over sequential requests; a pipelined batch
# is one send, so one round trip. Background sends within the window (batched touches) count too.
round_trips() { # $1 path, $2 requests, $3 store port
  strace -f -qq -yy -e trace=sendto,sendmsg,write,writev -p "$APP_PID" -o "$WORK/strace-rt.txt" & local st=$!
  sleep 0.5
  sequential_requests "$1" "$2"
  sleep 0.5; kill -INT $st; wait $st 2>/dev/null || true
  python3 - "$WORK/strace-rt.txt" "$2" "$3" <<'PY'
import re, sys
pattern = re.compile(r'\b(?:sendto|sendmsg|write|writev)\(\d+<TCP:\[[^\]]*->127\.0\.0\.1:' + sys.argv[3] + r'\]>')
print(f"{sum(1 for line in open(sys.argv[1]) if pattern.search(line)) / int(sys.argv[2]):.2f}")
PY
}

file_ops() { # $1 path, $2 requests: the app's file-system syscalls per request, from strace -c
  strace -f -c -qq -e trace=openat,rename,renameat,renameat2,unlink,unlinkat,fsync,fdatasync,flock,fcntl,read,pread64,write,pwrite64,close,newfstatat,statx,ftruncate,utimensat -p "$APP_PID" -o "$WORK/strace.txt" & local st=$!
  sleep 0.5
  sequential_requests "$1" "$2"
  sleep 0.3; kill -INT $st; wait $st 2>/dev/null || true
  python3 - "$WORK/strace.txt" "$2" <<'PY'
import sys, re
calls = {}
for line in open(sys.argv[1]):
    m = re.match(r'\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$', line)
    if m: calls[m.group(2)] = int(m.group(1))
n = int(sys.argv[2])
fs = {k: v for k, v in calls.items() if k in ('openat','rename','renameat','renameat2','unlink','unlinkat','fsync','fdatasync','flock','ftruncate','utimensat')}
print(" ".join(f"{k}={v/n:.1f}" for k, v in sorted(fs.items())) or "-")
PY
}

# Per-request store round trips of GET / and of GET /get-session (file-system calls for the file stores).
route_costs() { # $1 variant -> "rmw<TAB>read-only"
  case $1 in
    *redis*) printf '%s\t%s\n' "$(round_trips / 100 "$REDIS_PORT")" "$(round_trips /get-session 100 "$REDIS_PORT")" ;;
    *postgres*) printf '%s\t%s\n' "$(round_trips / 100 "$PG_PORT")" "$(round_trips /get-session 100 "$PG_PORT")" ;;
    *file*) printf '%s\t%s\n' "$(file_ops / 100)" "$(file_ops /get-session 100)" ;;
    *) printf -- '-\t-\n' ;;
  esac
}
