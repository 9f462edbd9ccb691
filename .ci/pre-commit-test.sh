#!/usr/bin/env bash
# The pre-commit hook as users run it: the real `pre-commit` tool, a throwaway repository
# that uses this checkout as the hook source; a commit with a bad file fails, a good one passes.
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
grep -q "OL001" "$work/bad.log" || { echo "the hook did not report OL001:" >&2; cat "$work/bad.log" >&2; exit 1; }

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
