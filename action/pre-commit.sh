#!/usr/bin/env bash
# The `moat-binary` pre-commit hook: the release binary of the tag pre-commit checked out (the
# `rev:` of .pre-commit-config.yaml), installed by install.sh on first use, run with the
# hook's arguments.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ -z "${MOAT_VERSION:-}" ]; then
  # pre-commit clones the hook repository at `rev:`; that commit's tag is the release.
  MOAT_VERSION="$(git -C "$here" describe --tags --exact-match 2>/dev/null || true)"
fi
if [ -z "$MOAT_VERSION" ]; then
  echo "moat-binary: the hook's rev is not a release tag; use a tag such as v0.2.0, or the \`moat\` hook" >&2
  exit 2
fi
export MOAT_VERSION
moat="$("$here/install.sh")"
exec "$moat" "$@"
