#!/usr/bin/env bash
# End-to-end benchmark: the same session routes served by
#   ours-*      samples/SessionDemo (Release) at its defaults over our Redis / PostgreSQL / File / memory stores
#               (AddSession + UseSession + AddStoreBackedSession; the near cache on for Redis and PostgreSQL when the
#               sample has it); *-nonear with --near-cache false; ours-postgres-relaxed with --postgres-durability relaxed
#               (the store's writes do not wait for their WAL flush)
#   builtin-*   the same sample with ASP.NET Core's built-in session over AddStackExchangeRedisCache / memory
#   express-*   benchmarks/e2e/express (Express 5 + express-session) over connect-redis / connect-pg-simple /
#               session-file-store
# driven by wrk round-robin over USERS users' session cookies, in two scenarios per variant, in one invocation:
#   rmw          every request GET / (read-modify-write of a counter)
#   read-mostly  per user 9 GET /get-session (read-only) to 1 GET /
# For each: req/s, p50/p99, app CPU µs/request, store server CPU µs/request (redis-server; PostgreSQL's processes),
# Redis command time µs/request (INFO commandstats), client round trips to the store per request (strace), non-2xx,
# and a check that every user's counter equals the increments the app acknowledged (no lost update).
# PostgreSQL runs at full durability (fsync on, synchronous_commit on) unless PG_SERVER_OPTS says otherwise.
# Usage: flock /tmp/sessionstores-bench.lock benchmarks/e2e/run.sh
#   DURATION=10 WARMUP=12 THREADS=2 CONNECTIONS=32 USERS=1000 ROUNDS=1 SCENARIOS="rmw read-mostly" VARIANTS="..."
#   (with ROUNDS > 1, even rounds run VARIANTS in reverse order; the summary's ratios are medians over the rounds)
# Extra variants: ours-redis-late (commit after the response), ours-redis-optimistic and ours-memory-optimistic
# (no per-session coordination), express-postgres-relaxed, ours-file-noflush (FlushToDisk off: no fsync),
# ours-file-noreuse (ReuseFiles off: a new file per write). Needs root or sudo for apt and npm on first run.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
DURATION=${DURATION:-10}; WARMUP=${WARMUP:-12}; THREADS=${THREADS:-2}; CONNECTIONS=${CONNECTIONS:-32}; USERS=${USERS:-1000}; ROUNDS=${ROUNDS:-1}
SCENARIOS=${SCENARIOS:-"rmw read-mostly"}
VARIANTS=${VARIANTS:-"builtin-redis ours-redis ours-redis-nonear express-redis builtin-memory ours-memory express-postgres ours-postgres ours-postgres-nonear ours-postgres-relaxed express-file ours-file"}
REDIS_PORT=${REDIS_PORT:-16479}; PG_PORT=${PG_PORT:-15532}; APP_PORT=${APP_PORT:-5090}
PG_SERVER_OPTS=${PG_SERVER_OPTS:-}
WORK=$(mktemp -d /tmp/sessionstores-e2e.XXXXXX); chmod 755 "$WORK"
LOGS=/tmp/sessionstores-e2e-logs; mkdir -p "$LOGS"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

need=()
for tool in wrk redis-server strace curl python3 node npm; do command -v $tool >/dev/null 2>&1 || need+=($tool); done
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  need=("${need[@]/redis-server/redis-server redis-tools}"); need=("${need[@]/node/nodejs}")
  SUDO=(); [ "$(id -u)" = 0 ] || SUDO=(sudo)
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends ${need[*]} >/dev/null
fi

APP_PID=; PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
if [ "$(id -u)" = 0 ]; then id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres; AS=(runuser -u postgres --); else AS=(); fi
stop_app() { if [ -n "$APP_PID" ]; then kill "$APP_PID" 2>/dev/null || true; wait "$APP_PID" 2>/dev/null || true; APP_PID=; fi; }
cleanup() {
  stop_app
  [ -f "$WORK/redis/redis.pid" ] && kill "$(cat "$WORK/redis/redis.pid")" 2>/dev/null || true
  [ -d "$WORK/pg/data" ] && (cd "$WORK/pg" && "${AS[@]}" "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m fast -w stop >/dev/null 2>&1) || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== build (Release)"
dotnet build samples/SessionDemo -c Release -v quiet -nologo >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
APP_DLL=$ROOT/samples/SessionDemo/bin/Release/net10.0/SessionDemo.dll
EXPRESS=$ROOT/benchmarks/e2e/express
if [[ " $VARIANTS " == *" express-"* ]]; then
  echo "== npm ci (benchmarks/e2e/express: $(node --version))"
  (cd "$EXPRESS" && npm ci --no-audit --no-fund --loglevel=error >"$WORK/npm.log" 2>&1) || { cat "$WORK/npm.log"; exit 1; }
fi
NEAR_CACHE=no; grep -q 'near-cache' samples/SessionDemo/*.cs && NEAR_CACHE=yes

echo "== start redis-server on 127.0.0.1:$REDIS_PORT and PostgreSQL on 127.0.0.1:$PG_PORT"
mkdir -p "$WORK/redis" "$WORK/pg"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --dir "$WORK/redis" --pidfile "$WORK/redis/redis.pid" --logfile "$WORK/redis/redis.log"
until redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; do sleep 0.1; done
[ "$(id -u)" = 0 ] && chown postgres: "$WORK/pg"
(cd "$WORK/pg" && "${AS[@]}" "$PGBIN/initdb" -D "$WORK/pg/data" -U postgres -A trust -E UTF8 --no-sync >"$WORK/pg/initdb.log" \
  && "${AS[@]}" "$PGBIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/server.log" -w -t 60 \
     -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $WORK/pg -c max_connections=200 -c shared_preload_libraries=pg_stat_statements $PG_SERVER_OPTS" start >/dev/null)
"$PGBIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT" -t 30 >/dev/null
PG_CS="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"
PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
psql_q() { "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Atqc "$1"; }
psql_q "create extension if not exists pg_stat_statements" >/dev/null
echo "   PostgreSQL fsync=$(psql_q 'show fsync') synchronous_commit=$(psql_q 'show synchronous_commit')"
if [[ " $VARIANTS " == *postgres* ]]; then
  # What one commit's WAL flush costs on this disk: it bounds a full-durability write's latency for both stacks.
  (cd "$WORK/pg" && "${AS[@]}" "$PGBIN/pg_test_fsync" -s 1 -f "$WORK/pg/fsync.test" >"$WORK/pg_test_fsync.txt" 2>&1) || true
  echo "   pg_test_fsync (one 8kB write + flush, ops/s): $(grep -m1 -E '^\s+fdatasync' "$WORK/pg_test_fsync.txt" | tr -s ' ')"
  cp "$WORK/pg_test_fsync.txt" "$LOGS/"
fi

source "$ROOT/benchmarks/e2e/measure.sh"

start_app() { # $1 variant; sets APP_PID, COOKIE_NAME
  local args
  case $1 in
    express-redis) args=(--store redis --connection "redis://127.0.0.1:$REDIS_PORT") ;;
    express-postgres) args=(--store postgres --connection "$PG_URL") ;;
    express-postgres-relaxed) args=(--store postgres --connection "$PG_URL?options=-c%20synchronous_commit%3Doff") ;;
    express-file) args=(--store file --connection "$WORK/files") ;;
    ours-redis|ours-redis-nonear) args=(--store redis --connection "127.0.0.1:$REDIS_PORT") ;;
    ours-redis-late) args=(--store redis --connection "127.0.0.1:$REDIS_PORT" --commit-before-response false) ;;
    ours-redis-optimistic) args=(--store redis --connection "127.0.0.1:$REDIS_PORT" --session-concurrency optimistic) ;;
    ours-memory-optimistic) args=(--store memory --session-concurrency optimistic) ;;
    builtin-redis) args=(--store builtin-redis --connection "127.0.0.1:$REDIS_PORT") ;;
    builtin-memory) args=(--store builtin-memory) ;;
    ours-memory) args=(--store memory) ;;
    ours-postgres|ours-postgres-nonear) args=(--store postgres --connection "$PG_CS") ;;
    ours-postgres-relaxed) args=(--store postgres --connection "$PG_CS" --postgres-durability relaxed) ;;
    ours-file) args=(--store file --connection "$WORK/files") ;;
    ours-file-noflush) args=(--store file --connection "$WORK/files" --file-flush-to-disk false) ;;
    ours-file-noreuse) args=(--store file --connection "$WORK/files" --file-reuse-files false) ;;
    *) echo "unknown variant $1"; exit 2 ;;
  esac
  [[ $1 == *-nonear ]] && args+=(--near-cache false)
  if [[ $1 == express-* ]]; then
    COOKIE_NAME=connect.sid
    node "$EXPRESS/app.mjs" "${args[@]}" --port "$APP_PORT" >"$WORK/app-$1.log" 2>&1 &
  else
    COOKIE_NAME=demo.sid
    dotnet "$APP_DLL" "${args[@]}" --bench-counters true --urls "$URL" >"$WORK/app-$1.log" 2>&1 &
  fi
  APP_PID=$!
  for _ in $(seq 300); do curl -s -o /dev/null "$URL/get-session" && return 0; sleep 0.1; done
  echo "the app did not start"; cat "$WORK/app-$1.log"; exit 1
}

load() { # $1 scenario, $2 seconds, $3 output
  WRK_MIX=$1 wrk -t "$THREADS" -c "$CONNECTIONS" -d "${2}s" --latency -s benchmarks/e2e/roundrobin.lua "$URL/" >"$3"
}

URL=http://127.0.0.1:$APP_PORT
RESULTS=$WORK/results.tsv; : >"$RESULTS"
for round in $(seq "$ROUNDS"); do
# Even rounds run the variants in reverse order, so a drift of the machine during a run hits every variant alike.
order=$VARIANTS; [ $((round % 2)) = 0 ] && order=$(printf '%s\n' $VARIANTS | tac | tr '\n' ' ')
for variant in $order; do
  if [[ $variant == *-nonear && $NEAR_CACHE == no ]]; then echo "== $variant: skipped (the sample has no near cache)"; continue; fi
  echo "== round $round: $variant"
  redis-cli -p "$REDIS_PORT" flushall >/dev/null; redis-cli -p "$REDIS_PORT" config resetstat >/dev/null
  # Every table of the previous variant (sessions, leases, the schema-version record, connect-pg-simple's session).
  psql_q "do \$\$ declare t text; begin for t in select tablename from pg_tables where schemaname = 'public' loop
            execute format('drop table public.%I cascade', t); end loop; end \$\$" >/dev/null
  psql_q "select pg_stat_statements_reset()" >/dev/null
  rm -rf "$WORK/files" "$WORK/script-inner"; mkdir -p "$WORK/files"
  start_app "$variant"

  # USERS users, each with a session (anonymous, as the built-in session has no subjects).
  python3 benchmarks/e2e/client.py seed "$URL" "$COOKIE_NAME" "$USERS" "$WORK/cookies" || { tail -30 "$WORK/app-$variant.log"; exit 1; }
  export COOKIE_FILE=$WORK/cookies COOKIE_NAME WRK_THREADS=$THREADS
  # Warm-up: tiered compilation (tier-0, instrumented, then optimized code) keeps the JIT thread busy for about 10 s
  # of load; measured inside that window, a variant pays up to ~13 µs of JIT CPU per request (profiled 2026-12-04).
  load rmw "$WARMUP" /dev/null

  # Exact per-request store round trips of one GET / and one GET /get-session, measured on sequential requests.
  IFS=$'\t' read -r rt_rmw rt_ro < <(route_costs "$variant")
  [[ $variant == *redis* ]] && script_inner_commands

  for scenario in $SCENARIOS; do
    load "$scenario" 2 /dev/null
    app0=$(proc_ticks "$APP_PID"); st0=$(store_ticks "$variant"); calls0=$(store_calls "$variant")
    us0=0; [[ $variant == *redis* ]] && us0=$(redis_command_usec)
    load "$scenario" "$DURATION" "$WORK/wrk-$variant-$scenario.txt"
    app1=$(proc_ticks "$APP_PID"); st1=$(store_ticks "$variant"); calls1=$(store_calls "$variant")
    us1=0; [[ $variant == *redis* ]] && us1=$(redis_command_usec)
    printf '%s\t' "$round" "$variant" "$scenario" $((app1 - app0)) $((st1 - st0)) $((us1 - us0)) $((calls1 - calls0)) "$rt_rmw" >>"$WORK/pending"
    printf '%s\n' "$rt_ro" >>"$WORK/pending"
    cp "$WORK/wrk-$variant-$scenario.txt" "$LOGS/wrk-$round-$variant-$scenario.txt"
  done

  # Every user's stored counter must equal the GET / successes the app acknowledged for that cookie.
  curl -s "$URL/bench/counts" >"$WORK/counts"
  python3 benchmarks/e2e/client.py stored "$URL" "$COOKIE_NAME" "$WORK/cookies" >"$WORK/stored"
  stop_app
  cp "$WORK/app-$variant.log" "$LOGS/"
  if [[ $variant == *postgres* ]]; then   # what the statements per request are made of
    psql_q "select calls, left(regexp_replace(query, '\s+', ' ', 'g'), 160) from pg_stat_statements order by calls desc limit 12" >"$LOGS/statements-$variant.txt"
  fi
  counted=$(python3 benchmarks/e2e/report.py counters "$WORK/counts" "$WORK/stored")
  while IFS=$'\t' read -r r v s app st us calls rm ro; do
    python3 benchmarks/e2e/report.py row "$r" "$v" "$s" "$WORK/wrk-$v-$s.txt" "$app" "$st" "$us" "$calls" "$rm" "$ro" "$counted" >>"$RESULTS"
    tail -1 "$RESULTS" | cut -f2-6,11
  done <"$WORK/pending"
  rm -f "$WORK/pending"
done
done

echo
cp "$RESULTS" "$LOGS/results.tsv"
python3 benchmarks/e2e/report.py summary "$RESULTS" | tee "$LOGS/summary.md"
