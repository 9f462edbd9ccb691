#!/usr/bin/env bash
# Fuzz smoke run: build every cargo-fuzz target under fuzz/ and run each for a short bounded
# time (FUZZ_SECONDS, default 20) from its committed corpus, so a parser regression that the
# corpus or a few thousand mutations reach fails CI. Fails when any target crashes, hangs
# (over 10 s on one input) or goes over 2 GB; the input that did it is kept under
# fuzz/artifacts/<target>/ and named in the output.
#
# The toolchain here is stable: cargo-fuzz needs nightly flags (-Zsanitizer), which
# RUSTC_BOOTSTRAP=1 allows on stable.
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${FUZZ_SECONDS:-20}"
export RUSTC_BOOTSTRAP=1
export CARGO_TERM_COLOR=never

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --version '^0.13'
fi

# fuzz/Cargo.lock must be current, as Cargo.lock is for the main crate (cargo fuzz has no --locked).
cargo metadata --locked --format-version 1 --manifest-path fuzz/Cargo.toml >/dev/null

cd fuzz
echo "== cargo fmt --check (fuzz/)"
cargo fmt --check
echo "== cargo fuzz build"
cargo fuzz build

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=()
for target in $(cargo fuzz list); do
  echo "== fuzz $target for ${secs}s"
  # Run on a copy: what the run finds must not grow the committed corpus.
  mkdir -p "$work/$target"
  if [ -d "corpus/$target" ]; then
    cp -r "corpus/$target/." "$work/$target/"
  fi
  if ! cargo fuzz run "$target" "$work/$target" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -max_len=16384 -timeout=10 \
    -print_final_stats=1 >"$work/$target.log" 2>&1; then
    tail -n 40 "$work/$target.log" >&2
    failed+=("$target")
  fi
  grep -E 'stat::number_of_executed_units|Done [0-9]+ runs' "$work/$target.log" || true
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz targets failed: ${failed[*]} (inputs under fuzz/artifacts/)" >&2
  exit 1
fi
echo "all fuzz targets ran ${secs}s without a crash"
