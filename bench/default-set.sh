#!/usr/bin/env bash
# The field figures behind moat's default rule set (README, "The default set"): every rule run
# over ../shared/corpus, then, per rule, its share of all findings, and how many corpus
# projects (MANIFEST.tsv's `repo`) a default `moat check` fails (`--fail-on low`) when every
# rule is reported, as before the default set, against only the default set.
# Membership is read from `moat rules --format json`, so the figures follow the rule files.
#
# Usage: bench/default-set.sh        (MOAT=path/to/moat to use a built binary)
#        WHAT_IF=CT007,DF002 bench/default-set.sh   also counts with these rules moved out of
#        the default set, to weigh a candidate before editing its rule file
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="../shared/corpus"
[ -d "$corpus" ] || { echo "default-set: $corpus is missing" >&2; exit 1; }
bin="${MOAT:-}"
if [ -z "$bin" ]; then
  cargo build --release --quiet --bin moat
  bin="target/release/moat"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bin" rules --format json > "$work/rules.json"
# Exit 1 means findings, which the corpus has; 2 is an error.
set +e
"$bin" check --select ALL --format json --quiet "$corpus" > "$work/all.json"
code=$?
set -e
[ "$code" -le 1 ] || { echo "default-set: moat exited $code" >&2; exit 1; }
python3 - "$work/rules.json" "$work/all.json" "$corpus" "${WHAT_IF:-}" <<'PY'
import collections, csv, json, os, sys

rules = {r["id"]: r for r in json.load(open(sys.argv[1]))}
report = json.load(open(sys.argv[2]))
corpus = sys.argv[3].rstrip("/") + "/"
repo_of = {row["path"]: row["repo"]
           for row in csv.DictReader(open(os.path.join(corpus, "MANIFEST.tsv")), delimiter="\t")}

def project(path):
    rel = path[len(corpus):] if path.startswith(corpus) else path
    return repo_of.get(rel, "/".join(rel.split("/")[:2]))

def in_default(rule, moved=()):
    # parse-error and skipped are not rule files: always reported.
    return rule not in moved and (rules[rule]["default"] if rule in rules else True)

SEVERITIES = ["info", "low", "medium", "high", "critical"]

def failing(moved=(), fail_on="low"):
    """Projects with a reported finding at or above fail_on."""
    return {project(d["path"]) for d in findings
            if SEVERITIES.index(d["severity"]) >= SEVERITIES.index(fail_on)
            and in_default(d["rule"], moved)}

findings = report["diagnostics"]
total = len(findings)
per_rule = collections.Counter(d["rule"] for d in findings)
hidden = sum(n for r, n in per_rule.items() if not in_default(r))
projects = sorted(set(repo_of.values()))
# Before the default set every rule was reported.
fails_before = {project(d["path"]) for d in findings if d["severity"] != "info"}
fails_now = failing()

print(f"{report['summary']['files']} files, {len(projects)} projects, {total} findings with --select ALL")
print()
print("| rule | set | findings | share of all |")
print("| --- | --- | ---: | ---: |")
for rule, n in sorted(per_rule.items(), key=lambda kv: (-kv[1], kv[0])):
    if rule not in rules:
        continue
    print(f"| {rule} `{rules[rule]['name']}` | {rules[rule]['set']} | {n} | {100 * n / total:.1f}% |")
print()
print(f"outside the default set: {hidden} of {total} findings ({100 * hidden / total:.1f}%)")
print(f"projects failing at --fail-on low: {len(fails_before)} of {len(projects)} with every rule, "
      f"{len(fails_now)} of {len(projects)} with the default set")
print("passing now, failing with every rule: " + ", ".join(sorted(fails_before - fails_now)))
medium = {project(d["path"]) for d in findings
          if SEVERITIES.index(d["severity"]) >= SEVERITIES.index("medium")}
print(f"a severity floor instead (every rule, --fail-on medium): {len(medium)} of {len(projects)} fail")
what_if = [r for r in sys.argv[4].split(",") if r]
if what_if:
    moved = set(what_if)
    n = sum(per_rule[r] for r in moved)
    also = failing(moved)
    print(f"with {', '.join(sorted(moved))} out of the default set too: {hidden + n} of {total} "
          f"findings hidden ({100 * (hidden + n) / total:.1f}%), {len(also)} of {len(projects)} "
          f"projects fail; passing then: " + ", ".join(sorted(fails_now - also)))
PY
