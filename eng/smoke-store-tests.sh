#!/usr/bin/env bash
# A store author's first run (issue #13, item 6): creates a test project from the `dotnet new sessionstore-tests`
# template (templates/SessionStores.StoreTests) in a temporary directory outside the repository, takes
# SessionStores.Abstractions and SessionStores.Conformance at exactly VERSION (just packed by eng/smoke-test.sh, whose
# nuget.config in a parent of WORKDIR takes them from its folder only), and runs the conformance kit against the
# template's store with `dotnet test`; it must pass.
# Usage: eng/smoke-store-tests.sh VERSION WORKDIR
set -euo pipefail
cd "$(dirname "$0")/.."
version=$1 work=$2
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
mkdir -p "$work"
say() { echo "smoke-store-tests: $*"; }

dotnet new install templates/SessionStores.StoreTests --debug:custom-hive "$work/hive" >/dev/null
dotnet new sessionstore-tests -n Acme -o "$work/Acme.Tests" --sessionstores-version "$version" --debug:custom-hive "$work/hive" >/dev/null
(cd "$work/Acme.Tests" && dotnet build -c Release -nologo -v quiet >/dev/null)
for package in Abstractions Conformance; do
  if ! grep -q "\"SessionStores.$package/$version\"" "$work/Acme.Tests/obj/project.assets.json"; then
    say "the project did not restore SessionStores.$package $version from the folder"; exit 1
  fi
done
say "a project from the template restored SessionStores.Abstractions and SessionStores.Conformance $version from the folder"
(cd "$work/Acme.Tests" && dotnet test -c Release --no-build -nologo) | tee "$work/test.log" | grep -E "^(Passed|Failed)!" || true
if grep -q "Passed!" "$work/test.log" && ! grep -q "Failed!" "$work/test.log"; then
  say "passed: the conformance kit runs out of the box from the template"
else
  cat "$work/test.log"; say "the template's test project failed"; exit 1
fi
