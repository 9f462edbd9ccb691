#!/usr/bin/env bash
# Lint ../shared/corpus (and N scaled copies of it) with a release build; print files/s,
# MB/s, wall time and peak RSS. Usage: bench/corpus.sh [COPIES]   (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
copies="${1:-1}"
corpus="../shared/corpus"
[ -d "$corpus" ] || { echo "bench: $corpus is missing" >&2; exit 1; }
cargo build --release --quiet
bin="$PWD/target/release/moat"

target="$corpus"
if [ "$copies" -gt 1 ]; then
  target="$(mktemp -d)"
  trap 'rm -rf "$target"' EXIT
  for i in $(seq 1 "$copies"); do cp -r "$corpus" "$target/copy$i"; done
fi

# Exit code 1 only means findings.
lint() { "$bin" check "$target" --format json > "$1" || [ $? -eq 1 ]; }
out=/tmp/moat-bench.json
lint "$out"
files=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["files"])' "$out")
bytes=$(find "$target" -type f \( -iname '*dockerfile*' -o -iname '*compose*.y*ml' -o -iname '*.y*ml' \) -printf '%s\n' | awk '{s+=$1} END {print s}')

best=""
for _ in 1 2 3 4 5; do
  start=$(date +%s.%N)
  lint /dev/null
  end=$(date +%s.%N)
  t=$(echo "$end - $start" | bc -l)
  if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
done
rss_kb=$( { /usr/bin/time -f '%M' "$bin" check "$target" --format json > /dev/null || true; } 2>&1 | tail -1)

printf 'files linted: %s (%s copies of the corpus)\n' "$files" "$copies"
printf 'wall time (best of 5): %.3f s\n' "$best"
printf 'files/s: %.0f\n' "$(echo "$files / $best" | bc -l)"
printf 'MB/s (YAML + Dockerfiles in the tree): %.1f\n' "$(echo "$bytes / 1000000 / $best" | bc -l)"
printf 'peak RSS: %.1f MB\n' "$(echo "$rss_kb / 1024" | bc -l)"
