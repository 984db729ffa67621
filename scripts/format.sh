#!/usr/bin/env bash
# Formats kmirror's C++ with .clang-format (Debian's clang-format). `--check` changes
# nothing and fails naming the files that differ (ctest: format.check, label unit).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-}
mapfile -t files < <(git ls-files -- 'src/*.cpp' 'src/*.h' 'include/*.h' 'tests/*.cpp' 'tests/*.h' 'bench/*.cpp' 2>/dev/null ||
                     find src include tests bench -name '*.cpp' -o -name '*.h')
if [ "$mode" = "--check" ]; then
  bad=()
  for f in "${files[@]}"; do
    [ -f "$f" ] || continue
    if ! clang-format --style=file "$f" | cmp -s - "$f"; then bad+=("$f"); fi
  done
  if [ ${#bad[@]} -gt 0 ]; then
    printf 'not formatted (run scripts/format.sh): %s\n' "${bad[@]}"
    exit 1
  fi
  echo "format OK: ${#files[@]} files"
else
  clang-format --style=file -i "${files[@]}"
fi
