#!/usr/bin/env bash
# The minimum Rust version (`rust-version` in Cargo.toml, the one place it is stated) is true:
# no locked dependency moat builds with asks for a newer one, and that toolchain builds moat.
set -euo pipefail
cd "$(dirname "$0")/.."

msrv="$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)"
[ -n "$msrv" ] || { echo "error: Cargo.toml states no rust-version" >&2; exit 1; }
echo "MSRV $msrv"

# The dependencies `cargo install moat` builds (normal and build edges, not dev-dependencies).
cargo tree --locked -e normal,build --prefix none --format '{p}' | awk '{print $1, $2}' | sort -u > "${TMPDIR:-/tmp}/moat-msrv-deps.txt"
cargo metadata --locked --format-version 1 | python3 -c '
import json, sys
msrv = tuple(int(x) for x in sys.argv[1].split("."))
used = {tuple(line.split()) for line in open(sys.argv[2])}
newer = []
for p in json.load(sys.stdin)["packages"]:
    rv = p.get("rust_version")
    if rv and (p["name"], "v" + p["version"]) in used:
        need = tuple(int(x) for x in rv.split("."))
        if need + (0,) * (3 - len(need)) > msrv + (0,) * (3 - len(msrv)):
            newer.append(f"{p['name']} {p['version']} needs Rust {rv}")
for n in newer:
    print("error:", n, file=sys.stderr)
sys.exit(1 if newer else 0)
' "$msrv" "${TMPDIR:-/tmp}/moat-msrv-deps.txt"

# Then the toolchain itself, when rustup can fetch it.
if rustup toolchain install "$msrv" --profile minimal >/dev/null 2>&1; then
  cargo "+$msrv" check --locked --target-dir "${TMPDIR:-/tmp}/moat-msrv-target"
else
  echo "error: rustup cannot install Rust $msrv; the lock-file check above is all that ran" >&2
  exit 1
fi
