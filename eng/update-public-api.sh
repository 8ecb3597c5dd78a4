#!/usr/bin/env bash
# Records new public API of the shipped projects in their PublicAPI.Unshipped.txt (RS0016), so that every API
# change shows up in review as a diff of that file. Usage: eng/update-public-api.sh [src/Project ...]
set -euo pipefail
cd "$(dirname "$0")/.."
projects=("$@"); [ ${#projects[@]} -gt 0 ] || projects=(src/*/)
for dir in "${projects[@]}"; do
  dir=${dir%/}; file="$dir/PublicAPI.Unshipped.txt"
  [ -f "$file" ] || printf '#nullable enable\n' > "$file"
  for _ in 1 2 3; do   # a fix can surface more symbols (e.g. members of a newly declared type)
    out=$(dotnet build "$dir" --no-restore -p:TreatWarningsAsErrors=false 2>&1 || true)
    new=$(grep -oP "RS0016: Symbol '\K.*?(?=' is not part of the declared public API)" <<<"$out" | sort -u || true)
    [ -n "$new" ] || break
    { tail -n +2 "$file"; printf '%s\n' "$new"; } | sort -u > "$file.tmp"
    { printf '#nullable enable\n'; cat "$file.tmp"; } > "$file"; rm "$file.tmp"
  done
  echo "$file: $(($(wc -l < "$file") - 1)) entries"
done
