"""A dry run of action.yml: its `run` steps, in order, as a GitHub runner would run them
(inputs and step outputs substituted, GITHUB_OUTPUT and GITHUB_ACTION_PATH set), with the
release download pointed at a local folder that holds an archive made the way the release
workflow makes it. `uses:` steps (the SARIF upload) are listed, not run.

usage: action-dry-run.py ACTION_YML DOWNLOAD_BASE VERSION WORKDIR [input=value ...]
exits with the check step's exit code (1 for findings, as moat does).
"""
import os
import re
import subprocess
import sys
import tempfile

import yaml

action_path, base, version, workdir = sys.argv[1:5]
given = dict(arg.split("=", 1) for arg in sys.argv[5:])
action = yaml.safe_load(open(action_path))
assert action["runs"]["using"] == "composite", "a composite action"
for key in ("name", "description", "inputs", "runs"):
    assert key in action, f"action.yml lacks `{key}`"
inputs = {k: str(given.get(k, v.get("default", ""))) for k, v in action["inputs"].items()}
unknown = set(given) - set(inputs)
assert not unknown, f"no such inputs: {unknown}"
outputs = {}
context = {"github.action_ref": version}


def expression(match):
    expr = match.group(1).strip()
    # `a || b`: the first that is not empty, as GitHub evaluates it.
    for part in expr.split("||"):
        part = part.strip()
        if part.startswith("inputs."):
            value = inputs[part[len("inputs."):]]
        elif part.startswith("steps."):
            _, step, _, name = part.split(".")
            value = outputs.get(step, {}).get(name, "")
        elif part in context:
            value = context[part]
        else:
            raise SystemExit(f"action.yml: expression `{expr}` is not one the dry run knows")
        if value:
            return value
    return ""


def substitute(text):
    return re.sub(r"\$\{\{(.*?)\}\}", expression, str(text))


code = 0
for step in action["runs"]["steps"]:
    if "uses" in step:
        print(f"dry run: would use {step['uses']} (if: {step.get('if', 'always')})")
        continue
    assert step.get("shell") == "bash", "every run step names its shell"
    with tempfile.NamedTemporaryFile("r", delete=False) as out:
        env = dict(os.environ)
        env.update({k: substitute(v) for k, v in step.get("env", {}).items()})
        env.update(
            GITHUB_OUTPUT=out.name,
            GITHUB_ACTION_PATH=os.path.dirname(os.path.abspath(action_path)),
            MOAT_DOWNLOAD_BASE=base,
            MOAT_CACHE=os.path.join(workdir, "cache"),
        )
        result = subprocess.run(["bash", "-e", "-c", substitute(step["run"])], cwd=workdir, env=env)
        values = dict(line.rstrip("\n").split("=", 1) for line in open(out.name) if "=" in line)
    outputs[step.get("id", "")] = values
    print(f"dry run: step {step.get('id')} exited {result.returncode}, outputs {values}")
    code = result.returncode
    if code != 0:
        break
sys.exit(code)
