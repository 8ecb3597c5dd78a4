"""Renders docs/reliability.md from the figures tests/Reliability writes in report mode (see eng/reliability.sh)."""
import glob
import json
import os
import platform
import re
import subprocess
import xml.etree.ElementTree as ET

results = os.environ["RESULTS"]
records = [json.loads(line) for line in open(os.path.join(results, "figures.jsonl"), encoding="utf-8") if line.strip()]

outcomes = {}
for trx in glob.glob(os.path.join(results, "**", "*.trx"), recursive=True):
    for node in ET.parse(trx).getroot().iter():
        if node.tag.endswith("UnitTestResult"):
            outcomes[node.get("testName")] = node.get("outcome")
passed = sum(1 for o in outcomes.values() if o == "Passed")
failed = sum(1 for o in outcomes.values() if o not in ("Passed", "NotExecuted"))


def cell(value):
    if isinstance(value, dict):
        if set(value) >= {"requests", "statuses"}:
            return f"{value['requests']} req ({cell(value['statuses'])}), max {value['max_ms']} ms"
        return ", ".join(f"{k}: {cell(v)}" for k, v in value.items())
    return str(value)


def commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


backend_order = ["memory", "file", "redis", "redis-cluster", "postgres"]
print("# Reliability figures")
print()
print(f"Produced by `{os.environ['COMMAND']}` on {os.environ['STARTED']}, commit `{commit()}`, "
      f"{os.cpu_count()} cores, {platform.system()} {platform.release()}. "
      f"Tests: {passed} passed, {failed} failed (`dotnet test` exit code {os.environ['STATUS']}).")
print()
print("Every app process is the sample (`samples/SessionDemo`) started with `dotnet SessionDemo.dll` on a loopback port; "
      "every server is a real throwaway one (tests/TestServers). Latencies are client-side, per request, in ms. "
      "The tests assert behaviour (status codes, exact counts, the bounds of issue #11); these figures are measured, not asserted. "
      "The normal test run (`eng/test.sh`) runs the same scenarios at a smaller scale.")
print()

scenarios = []
for record in records:
    if record["scenario"] not in scenarios:
        scenarios.append(record["scenario"])

for scenario in scenarios:
    rows = [r for r in records if r["scenario"] == scenario]
    rows.sort(key=lambda r: backend_order.index(r["backend"]) if r["backend"] in backend_order else 99)
    keys = []
    for r in rows:
        for k in r["figures"]:
            if k not in keys:
                keys.append(k)
    print(f"## {scenario}")
    print()
    print("| backend | test | " + " | ".join(keys) + " |")
    print("|---|---|" + "---|" * len(keys))
    for r in rows:
        outcome = outcomes.get(r.get("test"), "?")
        outcome = "pass" if outcome == "Passed" else outcome.upper()
        print(f"| {r['backend']} | {outcome} | " + " | ".join(cell(r["figures"].get(k, "")) for k in keys) + " |")
    print()

unrecorded = sorted(n for n, o in outcomes.items() if o not in ("Passed", "NotExecuted") and n not in {r.get("test") for r in records})
if unrecorded:
    print("## Tests that failed before recording figures")
    print()
    for name in unrecorded:
        print(f"- {re.sub(r'[|]', '/', name)}")
    print()
