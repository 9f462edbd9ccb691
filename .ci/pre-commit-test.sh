#!/usr/bin/env bash
# The pre-commit hook as users run it: the real `pre-commit` tool, a throwaway repository
# that uses this checkout as the hook source; a commit with a bad file fails, a good one passes.
# usage: pre-commit-test.sh [TAG]  (TAG and MOAT_RELEASE_DIR: also test the moat-binary hook)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="${TMPDIR:-/tmp}/moat-ci-venv"
[ -x "$venv/bin/pre-commit" ] || "$venv/bin/pip" install --quiet pre-commit
rev="$(git -C "$here" rev-parse HEAD)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export PRE_COMMIT_HOME="$work/cache"
cd "$work"
git init -q repo && cd repo
git config user.email ci@example.invalid && git config user.name ci
cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $here
    rev: $rev
    hooks:
      - id: moat
YAML
git add .pre-commit-config.yaml && git commit -qm "config"
"$venv/bin/pre-commit" install >/dev/null

printf 'services:\n  api:\n    image: ollama/ollama:0.5.7\n    user: "1000"\n    ports: ["11434:11434"]\n' > compose.yaml
git add compose.yaml
if git commit -qm "bad" 2>"$work/bad.log"; then
  echo "pre-commit let a file with findings through" >&2; cat "$work/bad.log" >&2; exit 1
fi
grep -q "SV001" "$work/bad.log" || { echo "the hook did not report SV001 (exposed without authentication):" >&2; cat "$work/bad.log" >&2; exit 1; }

cat > compose.yaml <<'YAML'
services:
  api:
    image: ollama/ollama:0.17.1
    user: "1000"
    read_only: true
    security_opt: ["no-new-privileges:true"]
    mem_limit: 8g
    ports: ["127.0.0.1:11434:11434"]
YAML
git add compose.yaml
git commit -qm "good" || { echo "pre-commit refused a clean file" >&2; exit 1; }
echo "pre-commit hook: a bad commit failed, a good one passed"

# `moat-binary`: the release binary of the hook's tag, from MOAT_RELEASE_DIR (an archive made
# by package-release.sh) instead of GitHub; nothing is compiled.
if [ -z "${MOAT_RELEASE_DIR:-}" ]; then
  [ "${CI:-}" = true ] && { echo "error: MOAT_RELEASE_DIR is not set; the moat-binary hook was not tested" >&2; exit 1; }
  exit 0
fi
tag="$1"
git clone -q "$here" "$work/hook-source"
git -C "$work/hook-source" tag "$tag"
export MOAT_DOWNLOAD_BASE="file://$MOAT_RELEASE_DIR" MOAT_CACHE="$work/moat-cache"
cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $work/hook-source
    rev: $tag
    hooks:
      - id: moat-binary
YAML
git add .pre-commit-config.yaml && git commit -qm "binary hook" --no-verify
printf 'services:\n  api:\n    image: ollama/ollama:0.5.7\n    user: "1000"\n    ports: ["11434:11434"]\n' > compose.yaml
git add compose.yaml
if git commit -qm "bad" 2>"$work/bad-binary.log"; then
  echo "moat-binary let a file with findings through" >&2; cat "$work/bad-binary.log" >&2; exit 1
fi
grep -q "SV001" "$work/bad-binary.log" || { echo "moat-binary did not report SV001:" >&2; cat "$work/bad-binary.log" >&2; exit 1; }
echo "pre-commit moat-binary hook: the release binary refused a bad commit"
