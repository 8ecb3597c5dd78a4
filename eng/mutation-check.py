#!/usr/bin/env python3
"""Breaks one rule at a time in a copy of the in-memory store and runs the conformance suite against it.

Every mutant must be caught (at least one conformance test fails). Prints, per mutation, the tests that caught it.
Usage: python3 eng/mutation-check.py            (takes a few minutes: one build + test run per mutant)
"""
import os, re, shutil, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The store's partial files; each mutation names the text it breaks, found in whichever of them holds it.
STORE_DIR = "src/Stores.Abstractions/Memory"
MAIN = "MemorySessionStore.cs"

REBIND_CLEANUP = (
    "            if (exists && current!.Subject is { } oldSubject && !string.Equals(oldSubject, write.Subject, StringComparison.Ordinal))\n"
    "            {\n                RemoveFromSubject(oldSubject, id);\n            }\n")

MUTANTS = [
    ("Touch resurrects an expired session",
     "            _entries[id] = e.WithExpiry(now + SessionValidation.ToMilliseconds(ttl));\n            return Task.FromResult(true);",
     None,
     # replace the liveness guard of TouchAsync only (the second occurrence of the guard in the file)
     ),
    ("Set ignores the expected version",
     "if (write.ExpectedVersion is { } expected && expected != liveVersion)",
     "if (write.ExpectedVersion is { } expected && expected != liveVersion && expected < 0)"),
    ("Touch bumps the version",
     "public Entry WithExpiry(long expiresAtMs) => new(Data, Version, expiresAtMs, CreatedAtMs, Subject);",
     "public Entry WithExpiry(long expiresAtMs) => new(Data, Version + 1, expiresAtMs, CreatedAtMs, Subject);"),
    ("Expiry is off by one millisecond (alive at now == expiry)",
     "public bool IsLive(long nowMs) => nowMs < ExpiresAtMs;",
     "public bool IsLive(long nowMs) => nowMs <= ExpiresAtMs;"),
    ("Count includes expired sessions",
     "if (_entries.TryGetValue(id, out var e) && e.IsLive(now) && Matches(e, query.Subject))\n            {\n                count++;",
     "if (_entries.TryGetValue(id, out var e) && Matches(e, query.Subject))\n            {\n                count++;"),
    # Dropping only the index cleanup is an equivalent mutant (queries re-check each record's subject), so the
    # meaningful break is both together: a stale index entry that queries trust.
    ("Rebinding leaves a stale subject-index entry and queries trust the index",
     None, "stale-and-trusting"),
    ("DestroyMany counts expired sessions",
     "                    if (e.IsLive(now))\n                    {\n                        count++;",
     "                    if (e.Version > 0)\n                    {\n                        count++;"),
    ("Created-at is reset by every write",
     "live ? current!.CreatedAtMs : now",
     "now"),
    ("TTL truncated to whole seconds",
     "var next = new Entry(data, liveVersion + 1, now + SessionValidation.ToMilliseconds(write.Ttl),",
     "var next = new Entry(data, liveVersion + 1, now + (((long)write.Ttl.TotalSeconds + 1) * 1000),"),
    ("Get returns expired sessions",
     "_entries.TryGetValue(id, out var e) && e.IsLive(NowMs()) ? e.ToRecord(id) : null;",
     "_entries.TryGetValue(id, out var e) ? e.ToRecord(id) : null;"),
    ("Version continues after expiry instead of restarting at 1",
     "var liveVersion = live ? current!.Version : 0;",
     "var liveVersion = exists ? current!.Version : 0;"),
    ("Destroy reports true for an expired session",
     "return onlyIfExpired || e.IsLive(now);",
     "return true;"),
]


def replace_once(sources, old, new, name):
    holders = [f for f, text in sources.items() if old in text]
    assert holders, f"mutation '{name}' no longer matches the store's source"
    sources[holders[0]] = sources[holders[0]].replace(old, new, 1)


def apply(originals, mutant):
    """The store's files (name -> source) with one mutation applied."""
    name, old, new = mutant
    sources = dict(originals)
    if new == "stale-and-trusting":
        replace_once(sources, REBIND_CLEANUP, "", name)
        replace_once(sources,
            "private static bool Matches(Entry e, string? subject) => subject is null || string.Equals(e.Subject, subject, StringComparison.Ordinal);",
            "private static bool Matches(Entry e, string? subject) => true;", name)
    elif new is None:  # Touch resurrects: drop the liveness check of the touch that TouchAsync runs
        source = sources[MAIN]
        i = source.index("public Task<bool> TouchAsync(")
        j = source.index("|| !e.IsLive(now))", i)
        sources[MAIN] = source[:j] + ")" + source[j + len("|| !e.IsLive(now))"):]
    else:
        replace_once(sources, old, new, name)
    return sources


def main():
    work = tempfile.mkdtemp(prefix="mutants-")
    for item in ["src", "tests", "Directory.Build.props", "Directory.Packages.props", ".editorconfig", "global.json"]:
        src = os.path.join(ROOT, item)
        dst = os.path.join(work, item)
        if os.path.isdir(src):
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("bin", "obj", "TestResults"))
        else:
            shutil.copy(src, dst)
    store_dir = os.path.join(ROOT, STORE_DIR)
    originals = {f: open(os.path.join(store_dir, f), encoding="utf-8").read() for f in os.listdir(store_dir) if f.endswith(".cs")}
    survivors = 0
    for mutant in MUTANTS:
        for f, text in apply(originals, mutant).items():
            open(os.path.join(work, STORE_DIR, f), "w", encoding="utf-8").write(text)
        run = subprocess.run(
            ["dotnet", "test", "tests/Stores.Abstractions.Tests", "--filter",
             "FullyQualifiedName~MemoryConformance|FullyQualifiedName~MemoryFakeClockConformance"],
            cwd=work, capture_output=True, text=True)
        failed = sorted(set(re.findall(r"\.(\w+?)(?:\(.*?\))? \[FAIL\]", run.stdout + run.stderr)))
        if "error CS" in run.stdout:
            print(f"- {mutant[0]}: DOES NOT COMPILE\n{run.stdout[-2000:]}")
            survivors += 1
        elif failed:
            print(f"- {mutant[0]}: caught by {len(failed)} test(s): {', '.join(failed)}")
        else:
            print(f"- {mutant[0]}: SURVIVED (no test failed)")
            survivors += 1
        sys.stdout.flush()
    shutil.rmtree(work, ignore_errors=True)
    print(f"{len(MUTANTS) - survivors} of {len(MUTANTS)} mutants caught")
    sys.exit(1 if survivors else 0)


if __name__ == "__main__":
    main()
