#!/usr/bin/env bash
# Records the package validation baseline (eng/package-baseline/): each library package packed at the plain
# $(Version) of Directory.Build.props. Every later pack (a local prerelease, the smoke test's, a release) is compared
# with it by package validation (EnablePackageValidation + PackageValidationBaselinePath, set in Directory.Build.props):
# a public type or member removed or changed in a way that breaks callers compiled against the baseline fails the pack
# (ApiCompat CP0001/CP0002/...), as do lost target frameworks. Additions pass. Rerun this script, and commit the folder,
# when a release ships (the baseline is then that release) or when a break before the first release is intended
# (together with PublicAPI.Unshipped.txt, which eng/update-public-api.sh updates). Needs the Release build.
# Usage: eng/update-package-baseline.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out=eng/package-baseline
rm -rf "$out"; mkdir -p "$out"
for project in src/Stores.*/ tests/Conformance; do
  case $project in *Stores.Admin*) continue ;; esac   # a .NET tool: no API for others to compile against
  dotnet pack "$project" -c Release --no-build -p:SessionStoresRelease=true -p:DisablePackageBaselineValidation=true \
    -p:IncludeSymbols=false -o "$out" -nologo -v quiet
done
echo "update-package-baseline: $(ls "$out"/*.nupkg | wc -l) packages in $out"
