#!/usr/bin/env bash
# Download moat's release binary for this machine, verify its SHA-256 against the release's
# checksum file, and print the binary's path. Used by action.yml and the `moat-binary`
# pre-commit hook; nothing is compiled.
#   MOAT_VERSION        release tag, e.g. v0.2.0 (required)
#   MOAT_DOWNLOAD_BASE  where releases live (default: the GitHub releases of the repository)
#   MOAT_CACHE          where binaries are kept (default: ${XDG_CACHE_HOME:-~/.cache}/moat)
set -euo pipefail

version="${MOAT_VERSION:?set MOAT_VERSION to a release tag such as v0.2.0}"
base="${MOAT_DOWNLOAD_BASE:-https://github.com/OWNER/moat/releases/download}"
cache="${MOAT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/moat}"

os="$(uname -s)"
arch="$(uname -m)"
case "$os/$arch" in
  Linux/x86_64) target=x86_64-unknown-linux-musl ;;
  Linux/aarch64 | Linux/arm64) target=aarch64-unknown-linux-musl ;;
  Darwin/x86_64) target=x86_64-apple-darwin ;;
  Darwin/arm64) target=aarch64-apple-darwin ;;
  MINGW*/* | MSYS*/* | CYGWIN*/*) target=x86_64-pc-windows-msvc ;;
  *) echo "moat: no release binary for $os/$arch; install with cargo instead" >&2; exit 1 ;;
esac
exe=moat
[ "$target" = x86_64-pc-windows-msvc ] && exe=moat.exe

dir="$cache/$version/$target"
if [ -x "$dir/$exe" ]; then
  echo "$dir/$exe"
  exit 0
fi

archive="moat-$version-$target.tar.gz"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
curl -fsSL --retry 3 -o "$work/$archive" "$base/$version/$archive"
curl -fsSL --retry 3 -o "$work/$archive.sha256" "$base/$version/$archive.sha256"
want="$(awk '{print $1; exit}' "$work/$archive.sha256")"
if command -v sha256sum >/dev/null 2>&1; then
  got="$(sha256sum "$work/$archive" | awk '{print $1}')"
else
  got="$(shasum -a 256 "$work/$archive" | awk '{print $1}')"
fi
if [ -z "$want" ] || [ "$want" != "$got" ]; then
  echo "moat: checksum mismatch for $archive (expected ${want:-nothing}, got $got)" >&2
  exit 1
fi
mkdir -p "$dir"
tar -xzf "$work/$archive" -C "$work"
mv "$work/moat-$version-$target/$exe" "$dir/$exe"
chmod +x "$dir/$exe"
echo "$dir/$exe"
