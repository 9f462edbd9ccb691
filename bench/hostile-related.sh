#!/usr/bin/env bash
# Hostile shapes of related files (issue 15, items 6 and 7), with a release build: wall time
# and peak RSS of `moat check` on each, best of RUNS. Each must end well under a second and
# under 100 MB; the README's performance section quotes these figures.
#   include-self      redis.conf with six `include self/redis.conf` through `self -> .`
#   include-lattice   nine redis-*.conf, each including the eight others
#   env-file-x1000    1000 Compose services naming the same 1.3 MB env_file
#   env-file-x1000-distinct  1000 services, each naming its own 64 KB env_file
# Usage: bench/hostile-related.sh      Environment: RUNS=5
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-5}"
cargo build --release --quiet --bin moat
bin="$PWD/target/release/moat"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/include-self" "$work/include-lattice" "$work/env-file-x1000" \
  "$work/env-file-x1000-distinct"
ln -s . "$work/include-self/self"
python3 - "$work" <<'PY'
import sys
w = sys.argv[1]
open(f"{w}/include-self/redis.conf", "w").write("include self/redis.conf\n" * 6 + "bind 0.0.0.0\n")
for i in range(9):
    text = "".join(f"include redis-{j}.conf\n" for j in range(9) if j != i)
    open(f"{w}/include-lattice/redis-{i}.conf", "w").write(text + f"maxclients {i}\n")
env = "".join(f"VAR_{i}=value\n" for i in range(85_000))
open(f"{w}/env-file-x1000/big.env", "w").write(env)
open(f"{w}/env-file-x1000/compose.yaml", "w").write("services:\n" + "".join(
    f"  s{i}:\n    image: ollama/ollama:0.5.7\n    env_file: big.env\n" for i in range(1000)))
small = "".join(f"VAR_{i}=value\n" for i in range(4_000))
for i in range(1000):
    open(f"{w}/env-file-x1000-distinct/{i}.env", "w").write(small)
open(f"{w}/env-file-x1000-distinct/compose.yaml", "w").write("services:\n" + "".join(
    f"  s{i}:\n    image: ollama/ollama:0.5.7\n    env_file: {i}.env\n" for i in range(1000)))
PY

printf '%-26s %10s %12s\n' shape "wall (s)" "peak RSS (MB)"
# The env shapes lint only compose.yaml: the env files are the related files, not inputs.
for shape in include-self include-lattice env-file-x1000/compose.yaml \
  env-file-x1000-distinct/compose.yaml; do
  best=""
  rss=""
  for _ in $(seq 1 "$runs"); do
    # Exit 1 (findings) is the expected result.
    out="$( { /usr/bin/time -f '%e %M' "$bin" check --select ALL "$work/$shape" --format json >/dev/null || true; } 2>&1 | tail -1)"
    wall="${out% *}"
    kb="${out#* }"
    if [ -z "$best" ] || awk "BEGIN{exit !($wall < $best)}"; then best="$wall"; rss="$kb"; fi
  done
  printf '%-26s %10s %12s\n' "${shape%/compose.yaml}" "$best" "$((rss / 1024))"
done
