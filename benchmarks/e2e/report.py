#!/usr/bin/env python3
"""benchmarks/e2e report: one result row per load run, the counters check, and the summary with the issue's targets.

  report.py counters <acked counts> <stored counters>       -> "1000/1000 (lost 0, extra 0)"
  report.py row <round> <variant> <scenario> <wrk output> <app ticks> <store ticks> <redis usec> <store calls>
               <round trips RMW> <round trips read-only> <counters>   -> one TSV line
  report.py summary <results.tsv>                           -> markdown tables and the target ratios
  report.py compact <results.tsv>                           -> the shorter table for docs/benchmarks.md
"""
import os
import re
import statistics
import sys
import urllib.parse

HZ = os.sysconf('SC_CLK_TCK')
COLUMNS = ["round", "variant", "scenario", "req/s", "p50 ms", "p99 ms", "app CPU µs/req", "store CPU µs/req",
           "Redis cmd µs/req", "store calls/req", "round trips/req", "non-2xx", "socket errors", "counters"]


def counters(acked_file, stored_file):
    acked = {}
    for line in open(acked_file):
        if line.strip():
            cookie, count = line.rsplit(' ', 1)
            acked[cookie] = int(count)
    lost = extra = total = 0
    for line in open(stored_file):
        parts = line.split()
        if not parts:
            continue
        cookie = urllib.parse.unquote(parts[0])
        stored = int(parts[1]) if len(parts) > 1 else 0
        total += 1
        # lost: an acknowledged increment is missing (a lost update). extra: a write landed whose response the app
        # never counted (requests cut off when wrk closes its connections at the end).
        if stored < acked.get(cookie, 0):
            lost += 1
        elif stored > acked.get(cookie, 0):
            extra += 1
    return f"{total - lost - extra}/{total} (lost {lost}, extra {extra})"


def latency_ms(text, percentile):
    m = re.search(rf'^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$', text, re.M)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == 'us' else value * 1000 if unit == 's' else value


def per_request(delta, requests, scale=1.0):
    return f"{int(delta) * scale / requests:.1f}" if int(delta) else "-"


def round_trips(scenario, rmw, read_only):
    """Per request of the scenario's mix: 1 in 10 requests is GET / in read-mostly."""
    try:
        rmw_f, ro_f = float(rmw), float(read_only)
    except ValueError:
        return rmw if scenario == 'rmw' or rmw == read_only == '-' else f"RMW {rmw}; read-only {read_only}"
    return f"{rmw_f:.2f}" if scenario == 'rmw' else f"{(rmw_f + 9 * ro_f) / 10:.2f}"


def row(args):
    rnd, variant, scenario, wrk, app_ticks, store_ticks, redis_usec, calls, rt_rmw, rt_ro, counted = args
    text = open(wrk).read()
    requests = int(re.search(r'(\d+) requests in', text).group(1))
    rps = float(re.search(r'Requests/sec:\s+([\d.]+)', text).group(1))
    non2xx = re.search(r'Non-2xx or 3xx responses: (\d+)', text)
    errors = re.search(r'Socket errors: (.*)', text)
    tick_us = 1e6 / HZ
    return "\t".join([rnd, variant, scenario, f"{rps:.0f}", f"{latency_ms(text, 50):.2f}", f"{latency_ms(text, 99):.2f}",
                      per_request(app_ticks, requests, tick_us), per_request(store_ticks, requests, tick_us),
                      per_request(redis_usec, requests), f"{int(calls) / requests:.2f}" if int(calls) else "-",
                      round_trips(scenario, rt_rmw, rt_ro), non2xx.group(1) if non2xx else "0",
                      errors.group(1) if errors else "none", counted])


# (target, ours candidates in order of preference, baseline, scenario, minimum ratio)
TARGETS = [
    ("RMW over Redis vs built-in over Microsoft's RedisCache", ["ours-redis"], "builtin-redis", "rmw", 1.5),
    ("read-mostly over Redis vs built-in over memory (ceiling)", ["ours-redis"], "builtin-memory", "read-mostly", 0.7),
    ("RMW over PostgreSQL vs connect-pg-simple, full durability", ["ours-postgres"], "express-postgres", "rmw", 2.0),
    ("read-mostly over PostgreSQL vs connect-pg-simple, full durability", ["ours-postgres"], "express-postgres", "read-mostly", 2.0),
    ("RMW over PostgreSQL, relaxed durability, vs connect-pg-simple at full", ["ours-postgres-relaxed"], "express-postgres", "rmw", 3.0),
    ("RMW over File vs session-file-store", ["ours-file"], "express-file", "rmw", 3.0),
    ("read-mostly over File vs session-file-store", ["ours-file"], "express-file", "read-mostly", 3.0),
    ("RMW over Redis vs Express + connect-redis (no target)", ["ours-redis"], "express-redis", "rmw", None),
    ("RMW over Redis, near cache on vs off (no target)", ["ours-redis"], "ours-redis-nonear", "rmw", None),
    ("read-mostly over Redis, near cache on vs off (no target)", ["ours-redis"], "ours-redis-nonear", "read-mostly", None),
    ("RMW over PostgreSQL, near cache on vs off (no target)", ["ours-postgres"], "ours-postgres-nonear", "rmw", None),
    ("read-mostly over PostgreSQL, near cache on vs off (no target)", ["ours-postgres"], "ours-postgres-nonear", "read-mostly", None),
    ("RMW over memory vs built-in over memory (no target)", ["ours-memory"], "builtin-memory", "rmw", None),
    ("RMW over File, FlushToDisk off, vs session-file-store (no target)", ["ours-file-noflush"], "express-file", "rmw", None),
    ("read-mostly over File, FlushToDisk off, vs session-file-store (no target)", ["ours-file-noflush"], "express-file", "read-mostly", None),
]


def summary(path):
    rows = [line.rstrip('\n').split('\t') for line in open(path) if line.strip()]
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    rps = {(r[0], r[1], r[2]): float(r[3]) for r in rows}
    rounds = sorted({r[0] for r in rows}, key=int)
    print("\nTargets (ratios of req/s within each round; median over rounds):")
    for name, candidates, baseline, scenario, minimum in TARGETS:
        ours = next((c for c in candidates if any(k[1] == c for k in rps)), None)
        ratios = [rps[(rnd, ours, scenario)] / rps[(rnd, baseline, scenario)] for rnd in rounds
                  if (rnd, ours, scenario) in rps and (rnd, baseline, scenario) in rps]
        if not ratios:
            continue
        median = statistics.median(ratios)
        verdict = "" if minimum is None else f" (target ≥ {minimum}×: {'met' if median >= minimum else 'NOT met'})"
        print(f"- {name}: {ours} / {baseline} = {median:.2f}×{verdict}; per round "
              + ", ".join(f"{x:.2f}" for x in ratios))
    by_key = {(r[0], r[1], r[2]): r for r in rows}
    for rnd in rounds:
        for ours in ("ours-redis", "ours-redis-nonear"):
            mine, theirs = by_key.get((rnd, ours, "rmw")), by_key.get((rnd, "builtin-redis", "rmw"))
            if mine and theirs:
                print(f"- round {rnd}, RMW, Redis CPU per request (target: ours ≤ built-in): {ours} {mine[7]} µs "
                      f"(commands {mine[8]} µs), builtin-redis {theirs[7]} µs (commands {theirs[8]} µs); "
                      f"client round trips per request {mine[10]} (target ≤ 1.05), built-in {theirs[10]}")
    bad = [f"{r[0]}/{r[1]}/{r[2]}: non-2xx {r[11]}, {r[13]}" for r in rows
           if r[11] != "0" or not re.search(r'\(lost 0,', r[13])]
    print("- non-2xx or lost updates: " + ("none" if not bad else "; ".join(bad)))


def compact(path):
    """The table for docs/benchmarks.md: no round column, counters as exact / lost N, file work as fsync and open calls."""
    def work(cell):
        if "fsync=" not in cell:
            return cell
        def short(part):
            calls = dict(x.split("=") for x in part.replace("RMW ", "").replace("read-only ", "").split())
            return f"{calls.get('fsync', '0')} fsync, {calls.get('openat', '0')} open"
        return " / ".join(short(part) for part in cell.split("; "))
    print("| variant | scenario | req/s | p50 ms | p99 ms | app CPU µs/req | store CPU µs/req | Redis cmd µs/req | round trips/req | non-2xx | counters |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|---:|---|")
    for r in (line.rstrip('\n').split('\t') for line in open(path) if line.strip()):
        lost = re.search(r'\(lost (\d+),', r[13]).group(1)
        print(f"| {r[1]} | {r[2]} | {r[3]} | {r[4]} | {r[5]} | {r[6]} | {r[7]} | {r[8]} | {work(r[10])} | {r[11]} | "
              f"{'exact' if lost == '0' else 'lost ' + lost} |")


if __name__ == '__main__':
    command, rest = sys.argv[1], sys.argv[2:]
    if command == 'counters':
        print(counters(*rest))
    elif command == 'row':
        print(row(rest))
    elif command == 'summary':
        summary(*rest)
    elif command == 'compact':
        compact(*rest)
    else:
        sys.exit(f"unknown command {command}")
