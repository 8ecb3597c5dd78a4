#!/usr/bin/env bash
# Runs the reliability suite (tests/Reliability) in report mode: the same scenarios as the normal test run, at the full
# scale of issue #11, against throwaway real servers on loopback; then writes the figures (status counts, latency
# percentiles, recovery times, conflict rates, per backend and scenario) to docs/reliability.md.
# Usage: eng/reliability.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

export SESSIONSTORES_REQUIRED_BACKENDS="${SESSIONSTORES_REQUIRED_BACKENDS:-memory,file,redis,redis-cluster,postgres,mysql,memcached}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
results_dir=TestResults/reliability
rm -rf "$results_dir"
mkdir -p "$results_dir"
export SESSIONSTORES_RELIABILITY_REPORT="$PWD/$results_dir/figures.jsonl"
: > "$SESSIONSTORES_RELIABILITY_REPORT"

command_line="eng/reliability.sh${*:+ $*}"
started=$(date -u +"%Y-%m-%d %H:%M UTC")
status=0
dotnet test tests/Reliability/Reliability.csproj -c Release --logger "trx;LogFileName=reliability.trx" --results-directory "$results_dir" "$@" || status=$?

COMMAND="$command_line" STARTED="$started" STATUS=$status RESULTS="$results_dir" python3 eng/reliability-report.py > docs/reliability.md
echo "Wrote docs/reliability.md (dotnet test exited with $status)"
exit $status
