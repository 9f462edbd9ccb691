#!/usr/bin/env bash
# The `moat-binary` pre-commit hook: the release binary of the version pre-commit checked out
# (the `rev:` of .pre-commit-config.yaml), installed by install.sh on first use, run with the
# hook's arguments.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ -z "${MOAT_VERSION:-}" ]; then
  # pre-commit fetches `rev:` alone, without tags; the release of that commit is its
  # Cargo.toml version (the release workflow refuses a tag that is not `v` + that version).
  version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$here/../Cargo.toml" | head -n 1)"
  [ -n "$version" ] || { echo "moat-binary: no version in the hook's Cargo.toml" >&2; exit 2; }
  MOAT_VERSION="v$version"
fi
export MOAT_VERSION
moat="$("$here/install.sh")"
exec "$moat" "$@"
