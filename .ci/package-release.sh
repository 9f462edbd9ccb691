#!/usr/bin/env bash
# One release archive, as the release workflow publishes it and action/install.sh expects it:
#   moat-VERSION-TARGET.tar.gz holding moat-VERSION-TARGET/{moat, README.md, CHANGELOG.md,
#   moat.1, completions/} and moat-VERSION-TARGET.tar.gz.sha256 beside it.
# usage: package-release.sh BINARY VERSION TARGET OUTDIR
set -euo pipefail
bin="$1" version="$2" target="$3" out="$4"
here="$(cd "$(dirname "$0")/.." && pwd)"
name="moat-$version-$target"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name/completions" "$out"
cp "$bin" "$stage/$name/"
cp "$here/README.md" "$here/CHANGELOG.md" "$stage/$name/"
# The man page and completions come from the binary itself when it runs here (a cross-built
# one does not; the release workflow's native jobs provide them).
if "$bin" --version >/dev/null 2>&1; then
  "$bin" man > "$stage/$name/moat.1"
  for shell in bash zsh fish powershell elvish; do
    "$bin" completions "$shell" > "$stage/$name/completions/moat.$shell"
  done
fi
tar -C "$stage" -czf "$out/$name.tar.gz" "$name"
(cd "$out" && sha256sum "$name.tar.gz" > "$name.tar.gz.sha256")
echo "$out/$name.tar.gz"
