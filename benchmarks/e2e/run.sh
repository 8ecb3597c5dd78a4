#!/usr/bin/env bash
# End-to-end benchmark: the SessionDemo app (Release) driven by wrk on its GET / read-modify-write route, round-robin
# over 1000 users' session cookies, in one invocation for:
#   ours over Redis, PostgreSQL, File and memory   (AddSession + UseSession + AddStoreBackedSession)
#   ASP.NET Core's built-in session over AddStackExchangeRedisCache and over AddDistributedMemoryCache
# For each: req/s, p50/p99 latency, app CPU per request, store work per request, and a check that every user's
# counter equals the increments the app acknowledged (no lost update). Needs root or sudo for apt on first run.
# Usage: benchmarks/e2e/run.sh            (DURATION=10 THREADS=2 CONNECTIONS=32 USERS=1000 VARIANTS="...")
# Extra variants: ours-redis-late (commit after the response), ours-redis-optimistic and ours-memory-optimistic
# (no per-session coordination: the cost of the default Serialized mode).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
DURATION=${DURATION:-10}; THREADS=${THREADS:-2}; CONNECTIONS=${CONNECTIONS:-32}; USERS=${USERS:-1000}
VARIANTS=${VARIANTS:-"ours-redis builtin-redis builtin-memory ours-memory ours-postgres ours-file"}
REDIS_PORT=${REDIS_PORT:-16479}; PG_PORT=${PG_PORT:-15532}; APP_PORT=${APP_PORT:-5090}
WORK=$(mktemp -d /tmp/sessionstores-e2e.XXXXXX); chmod 755 "$WORK"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

need=()
for tool in wrk redis-server strace curl python3; do command -v $tool >/dev/null 2>&1 || need+=($tool); done
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  need=("${need[@]/redis-server/redis-server redis-tools}")
  SUDO=(); [ "$(id -u)" = 0 ] || SUDO=(sudo)
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends ${need[*]} >/dev/null
fi

APP_PID=; PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
if [ "$(id -u)" = 0 ]; then id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres; AS=(runuser -u postgres --); else AS=(); fi
cleanup() {
  [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null && wait "$APP_PID" 2>/dev/null || true
  [ -f "$WORK/redis/redis.pid" ] && kill "$(cat "$WORK/redis/redis.pid")" 2>/dev/null || true
  [ -d "$WORK/pg/data" ] && (cd "$WORK/pg" && "${AS[@]}" "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m fast -w stop >/dev/null 2>&1) || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== build (Release)"
dotnet build samples/SessionDemo -c Release -v quiet -nologo >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
APP_DLL=$ROOT/samples/SessionDemo/bin/Release/net10.0/SessionDemo.dll

echo "== start redis-server on 127.0.0.1:$REDIS_PORT and PostgreSQL on 127.0.0.1:$PG_PORT"
mkdir -p "$WORK/redis" "$WORK/pg"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --dir "$WORK/redis" --pidfile "$WORK/redis/redis.pid" --logfile "$WORK/redis/redis.log"
until redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; do sleep 0.1; done
[ "$(id -u)" = 0 ] && chown postgres: "$WORK/pg"
(cd "$WORK/pg" && "${AS[@]}" "$PGBIN/initdb" -D "$WORK/pg/data" -U postgres -A trust -E UTF8 --no-sync >"$WORK/pg/initdb.log" \
  && "${AS[@]}" "$PGBIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/server.log" -w -t 60 \
     -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $WORK/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_preload_libraries=pg_stat_statements" start >/dev/null)
"$PGBIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT" -t 30 >/dev/null
PG_CS="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"
psql_q() { "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Atqc "$1"; }
psql_q "create extension if not exists pg_stat_statements" >/dev/null

store_args() {
  case $1 in
    ours-redis) echo "--store redis --connection 127.0.0.1:$REDIS_PORT" ;;
    ours-redis-late) echo "--store redis --connection 127.0.0.1:$REDIS_PORT --commit-before-response false" ;;
    ours-redis-optimistic) echo "--store redis --connection 127.0.0.1:$REDIS_PORT --session-concurrency optimistic" ;;
    ours-memory-optimistic) echo "--store memory --session-concurrency optimistic" ;;
    builtin-redis) echo "--store builtin-redis --connection 127.0.0.1:$REDIS_PORT" ;;
    builtin-memory) echo "--store builtin-memory" ;;
    ours-memory) echo "--store memory" ;;
    ours-postgres) echo "--store postgres --connection $PG_CS" ;;
    ours-file) echo "--store file --connection $WORK/files" ;;
  esac
}

# Store work counters: Redis commands (INFO commandstats, scripts' inner commands included), PostgreSQL statements
# (pg_stat_statements calls, updated as each statement ends; pg_stat_database lags by seconds; Npgsql's DISCARD ALL
# on returning a pooled connection is left out), nothing for the others
# (file operations are counted with strace below).
store_counter() {
  case $1 in
    *redis*) redis-cli -p "$REDIS_PORT" info commandstats | grep -v 'cmdstat_info\|cmdstat_config' | sed -n 's/.*:calls=\([0-9]*\),.*/\1/p' | awk '{s+=$1} END {print s+0}' ;;
    *postgres) psql_q "select coalesce(sum(calls), 0) from pg_stat_statements where query not ilike '%pg_stat_statements%' and query not ilike 'discard%'" ;;
    *) echo 0 ;;
  esac
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# Exact client round trips per request: MONITOR shows every command, those run inside scripts tagged "lua".
redis_round_trips() { # $1 path, $2 requests
  redis-cli -p "$REDIS_PORT" monitor >"$WORK/monitor.log" & local mon=$!
  sleep 0.3
  for c in $(head -n "$2" "$WORK/cookies"); do curl -s -o /dev/null -b "$COOKIE_NAME=$c" "$URL$1"; done
  sleep 0.3; kill $mon; wait $mon 2>/dev/null || true
  python3 - "$WORK/monitor.log" "$2" <<'PY'
import sys
lines = [l for l in open(sys.argv[1], errors='replace') if l[:1].isdigit()]
client = [l for l in lines if ' lua]' not in l]
print(f"{len(client)/int(sys.argv[2]):.2f}")
PY
}

file_ops() { # $1 path, $2 requests: file-system syscalls of the app per request, from strace -c
  strace -f -c -qq -e trace=openat,rename,renameat,renameat2,unlink,unlinkat,fsync,fdatasync,flock,fcntl,read,pread64,write,pwrite64,close,newfstatat,statx,ftruncate -p "$APP_PID" -o "$WORK/strace.txt" & local st=$!
  sleep 0.5
  for c in $(head -n "$2" "$WORK/cookies"); do curl -s -o /dev/null -b "$COOKIE_NAME=$c" "$URL$1"; done
  sleep 0.3; kill -INT $st; wait $st 2>/dev/null || true
  python3 - "$WORK/strace.txt" "$2" <<'PY'
import sys, re
calls = {}
for line in open(sys.argv[1]):
    m = re.match(r'\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$', line)
    if m: calls[m.group(2)] = int(m.group(1))
n = int(sys.argv[2])
fs = {k: v for k, v in calls.items() if k in ('openat','rename','renameat','renameat2','unlink','unlinkat','fsync','fdatasync','flock','ftruncate')}
print(" ".join(f"{k}={v/n:.1f}" for k, v in sorted(fs.items())) or "-")
PY
}

COOKIE_NAME=demo.sid
RESULTS=$WORK/results.tsv; : >"$RESULTS"
for variant in $VARIANTS; do
  echo "== $variant"
  redis-cli -p "$REDIS_PORT" flushall >/dev/null
  psql_q "drop table if exists public.sessions" >/dev/null 2>&1 || true
  rm -rf "$WORK/files"
  URL=http://127.0.0.1:$APP_PORT
  # shellcheck disable=SC2046
  dotnet "$APP_DLL" $(store_args "$variant") --bench-counters true --urls "$URL" >"$WORK/app-$variant.log" 2>&1 &
  APP_PID=$!
  for _ in $(seq 300); do curl -s -o /dev/null "$URL/get-session" && break; sleep 0.1; done

  # 1000 users, each with a session (anonymous, as the built-in session has no subjects; see docs/benchmarks/e2e.md).
  seq "$USERS" | xargs -P 8 -I{} curl -s -D - -o /dev/null "$URL/set-session?key=name&value=user{}" \
    | sed -n "s/^[Ss]et-[Cc]ookie: $COOKIE_NAME=\([^;]*\);.*/\1/p" >"$WORK/cookies"
  [ "$(wc -l <"$WORK/cookies")" = "$USERS" ] || { echo "seeding failed: $(wc -l <"$WORK/cookies") cookies"; tail "$WORK/app-$variant.log"; exit 1; }

  export COOKIE_FILE=$WORK/cookies COOKIE_NAME WRK_THREADS=$THREADS WRK_PATH=/
  wrk -t "$THREADS" -c "$CONNECTIONS" -d 3s -s benchmarks/e2e/roundrobin.lua "$URL/" >/dev/null   # warm-up (JIT, pools)

  cmd0=$(store_counter "$variant"); cpu0=$(cpu_ticks "$APP_PID")
  wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --latency -s benchmarks/e2e/roundrobin.lua "$URL/" >"$WORK/wrk-$variant.txt"
  cpu1=$(cpu_ticks "$APP_PID"); cmd1=$(store_counter "$variant")

  # Exact per-request store round trips for one read-modify-write (GET /) and one read-only (GET /get-session).
  case $variant in
    *redis*) rt_rmw=$(redis_round_trips / 100); rt_ro=$(redis_round_trips /get-session 100) ;;
    *postgres) a=$(store_counter "$variant"); for c in $(head -n 100 "$WORK/cookies"); do curl -s -o /dev/null -b "$COOKIE_NAME=$c" "$URL/"; done
               b=$(store_counter "$variant"); for c in $(head -n 100 "$WORK/cookies"); do curl -s -o /dev/null -b "$COOKIE_NAME=$c" "$URL/get-session"; done
               c2=$(store_counter "$variant"); rt_rmw=$(python3 -c "print(f'{($b-$a)/100:.2f}')"); rt_ro=$(python3 -c "print(f'{($c2-$b)/100:.2f}')") ;;
    *file) rt_rmw=$(file_ops / 100); rt_ro=$(file_ops /get-session 100) ;;
    *) rt_rmw=-; rt_ro=- ;;
  esac

  # Every user's stored counter must equal the GET / successes the app acknowledged for that cookie.
  curl -s "$URL/bench/counts" >"$WORK/counts"
  while read -r c; do printf '%s ' "$c"; curl -s -b "$COOKIE_NAME=$c" "$URL/get-session" | sed -n 's/^views=//p' | tr -d '\n'; echo; done <"$WORK/cookies" >"$WORK/stored"
  kill "$APP_PID"; wait "$APP_PID" 2>/dev/null || true; APP_PID=
  mkdir -p /tmp/sessionstores-e2e-logs && cp "$WORK/app-$variant.log" "$WORK/wrk-$variant.txt" /tmp/sessionstores-e2e-logs/

  python3 - "$variant" "$WORK/wrk-$variant.txt" "$cpu0" "$cpu1" "$cmd0" "$cmd1" "$rt_rmw" "$rt_ro" "$WORK/counts" "$WORK/stored" "$WORK/cookies" >>"$RESULTS" <<'PY'
import sys, re, os, urllib.parse
variant, wrk, cpu0, cpu1, cmd0, cmd1, rt_rmw, rt_ro, counts, stored, cookies = sys.argv[1:]
text = open(wrk).read()
reqs = int(re.search(r'(\d+) requests in', text).group(1))
rps = float(re.search(r'Requests/sec:\s+([\d.]+)', text).group(1))
def lat(p):
    m = re.search(rf'^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$', text, re.M)
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == 'us' else v * 1000 if u == 's' else v
non2xx = re.search(r'Non-2xx or 3xx responses: (\d+)', text)
errors = re.search(r'Socket errors: (.*)', text)
hz = os.sysconf('SC_CLK_TCK')
cpu_ms = (int(cpu1) - int(cpu0)) * 1000 / hz / reqs
store = (int(cmd1) - int(cmd0)) / reqs if variant.endswith(('redis', 'postgres')) else None
acked = {}
for line in open(counts):
    k, v = line.split(); acked[k] = int(v)
lost = extra = 0; total = 0
for line in open(stored):
    parts = line.split()
    c = urllib.parse.unquote(parts[0]); v = int(parts[1]) if len(parts) > 1 else 0
    total += 1
    # lost: an acknowledged increment is missing (a lost update). extra: a write landed whose response never
    # reached the app's count (requests cut off when wrk closes its connections at the end).
    if v < acked.get(c, 0): lost += 1
    elif v > acked.get(c, 0): extra += 1
print("\t".join([variant, f"{rps:.0f}", f"{lat(50):.2f}", f"{lat(99):.2f}", f"{cpu_ms:.3f}",
                 "-" if store is None else f"{store:.2f}", rt_rmw, rt_ro,
                 non2xx.group(1) if non2xx else "0", (errors.group(1) if errors else "none"),
                 f"{total - lost - extra}/{total} (lost {lost}, extra {extra})" ]))
PY
  tail -1 "$RESULTS" | cut -f1-4
done

echo
python3 - "$RESULTS" <<'PY'
import sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1]) if l.strip()]
head = ["variant", "req/s", "p50 ms", "p99 ms", "app CPU ms/req", "store cmds|stmts/req (load)", "round trips/RMW", "round trips/read-only", "non-2xx", "socket errors", "counters exact"]
print("| " + " | ".join(head) + " |"); print("|" + "---|" * len(head))
for r in rows: print("| " + " | ".join(r) + " |")
by = {r[0]: float(r[1]) for r in rows}
for a, b in [("ours-redis", "builtin-redis"), ("ours-redis-late", "builtin-redis"), ("ours-redis", "builtin-memory"), ("ours-memory", "builtin-memory"), ("ours-redis", "ours-redis-optimistic"), ("ours-memory", "ours-memory-optimistic")]:
    if a in by and b in by: print(f"\n{a} / {b}: {by[a] / by[b]:.2f}x", end="")
print()
PY
