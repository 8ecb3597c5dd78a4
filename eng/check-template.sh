#!/usr/bin/env bash
# Proves the store template (templates/SessionStores.Templates, `dotnet new sessionstore`) still makes a store that
# compiles in this repository: installs it into a throwaway template hive, generates a store named Sample at the
# repository root as docs/adding-a-store.md says (so Directory.Build.props, the analyzers and the central package
# versions apply), builds its source and test projects in Release, and removes everything it made. The generated
# projects are never added to the solution. Exits non-zero when generating or building fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

name=Sample
src="src/Stores.$name" tests="tests/Stores.$name.Tests"
for dir in "$src" "$tests"; do
  if [ -e "$dir" ]; then echo "check-template: $dir exists; the check generates a store there, so it stops." >&2; exit 1; fi
done
hive=$(mktemp -d)
cleanup() { rm -rf "$hive" "$src" "$tests"; }
trap cleanup EXIT

dotnet new install templates/SessionStores.Templates --debug:custom-hive "$hive" >/dev/null
dotnet new sessionstore -n "$name" --backend-display "Sample DB" --system-name sample --event-ids 9900 -o . \
  --debug:custom-hive "$hive" >/dev/null
dotnet build "$src" -c Release -nologo -v quiet
dotnet build "$tests" -c Release -nologo -v quiet
echo "check-template: the generated store $name builds"
