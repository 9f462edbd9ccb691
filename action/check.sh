#!/usr/bin/env bash
# The action's check step: `moat check` over the inputs, SARIF written first when asked.
#   MOAT, INPUT_PATHS, INPUT_FORMAT, INPUT_FAIL_ON, INPUT_ARGS, INPUT_SARIF, INPUT_SARIF_FILE
set -euo pipefail
moat="${MOAT:?the moat binary}"
# Paths and extra arguments are split on white space, as a shell would. Empty arrays are
# expanded with `${a[@]+...}`: macOS runners' bash 3.2 calls a bare empty one unbound.
read -r -a paths <<< "${INPUT_PATHS:-.}"
read -r -a extra <<< "${INPUT_ARGS:-}"
common=()
[ -n "${INPUT_FAIL_ON:-}" ] && common+=(--fail-on "$INPUT_FAIL_ON")
if [ "${INPUT_SARIF:-false}" = true ]; then
  "$moat" check "${paths[@]}" ${common[@]+"${common[@]}"} ${extra[@]+"${extra[@]}"} --format sarif \
    -o "${INPUT_SARIF_FILE:-moat.sarif}" --exit-zero -q
fi
exec "$moat" check "${paths[@]}" ${common[@]+"${common[@]}"} ${extra[@]+"${extra[@]}"} --format "${INPUT_FORMAT:-github}"
