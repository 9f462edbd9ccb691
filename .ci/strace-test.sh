#!/usr/bin/env bash
# moat on a hostile tree, under strace: a fixture tree full of symlinks out of it (folders,
# files, related files, includes, configurations, rule folders, a baseline) is linted, fixed
# and inventoried. The run must open nothing outside the tree (beyond the system files the
# loader and runtime open, and the ignore files and configuration moat looks for by name in
# the folders above), execute nothing but moat itself, and connect to nothing.
# Usage: .ci/strace-test.sh [path/to/moat]  (default: target/release/moat)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
moat="$(realpath "${1:-$here/target/release/moat}")"

if ! command -v strace >/dev/null 2>&1; then
  # Debian's registry only.
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq strace >/dev/null
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
outside="$work/outside"
tree="$work/tree"
mkdir -p "$outside/rules" "$tree/charts/app" "$tree/conf" "$tree/rules"

# What lies outside: secrets, configurations, rules, anything a tree could point at.
printf 'OLLAMA_HOST=0.0.0.0\nTOKEN=outside-secret\n' > "$outside/secret.env"
printf 'requirepass outside-secret\n' > "$outside/redis.conf"
printf 'services:\n  x:\n    image: redis:7\n' > "$outside/compose.yaml"
printf 'apiVersion: v2\nname: redis\nversion: 1.0.0\n' > "$outside/Chart.yaml"
printf 'select = ["DF"]\n' > "$outside/moat.toml"
cp "$here/rules/compose/DC001-"*.toml "$outside/rules/" 2>/dev/null || true
printf '{"version":1,"findings":[]}\n' > "$outside/baseline.json"

# The tree: every kind of link out.
ln -s ../outside "$tree/linkdir"
ln -s ../outside/compose.yaml "$tree/docker-compose.yml"
ln -s "$outside/secret.env" "$tree/.env"
ln -s /etc/passwd "$tree/Dockerfile"
ln -s . "$tree/loop"
ln -s ../outside "$tree/conf/up"
ln -s ../../outside/Chart.yaml "$tree/charts/app/Chart.yaml"
ln -s /proc/self/pagemap "$tree/conf/pagemap.env"
cat > "$tree/compose.yaml" <<'YAML'
services:
  llm:
    image: ollama/ollama:0.5.7
    ports: ["11434:11434"]
    env_file:
      - linkdir/secret.env
      - conf/up/secret.env
      - conf/pagemap.env
  cache:
    image: redis:7.4
    command: redis-server /etc/redis/redis.conf
    ports: ["6379:6379"]
    volumes:
      - ./linkdir/redis.conf:/etc/redis/redis.conf
YAML
printf 'include linkdir/redis.conf\ninclude conf/up/redis.conf\ninclude loop/redis.conf\nbind 0.0.0.0\n' > "$tree/redis.conf"
printf 'image:\n  repository: redis\n  tag: "7.4"\n' > "$tree/charts/app/values.yaml"
printf 'rule-dirs = ["rules"]\n' > "$tree/.moat.toml"
ln -s . "$tree/rules/self"

runs=0
run() {
  echo "   moat $*"
  runs=$((runs + 1))
  (cd "$tree" && strace -f -qq -e trace=open,openat,openat2,execve,execveat,connect,socket \
    -o "$work/trace.$runs" "$moat" "$@" >/dev/null 2>"$work/stderr") || {
    code=$?
    # 0 and 1 are results; 2 is an error worth seeing (still checked below).
    [ "$code" -le 2 ] || { cat "$work/stderr" >&2; exit 1; }
  }
}
run check . --format json
run check . --fix --unsafe-fixes --format concise
run check . --write-baseline baseline.json
run inventory .
# A rule folder outside the tree, named in the in-tree configuration: refused before reading.
printf 'rule-dirs = ["linkdir/rules"]\n' > "$tree/.moat.toml"
run check .

python3 - "$work" "$tree" "$outside" "$moat" <<'PY'
import os, re, sys
work, tree, outside, moat = sys.argv[1:]
home = os.path.expanduser("~")
xdg = os.environ.get("XDG_CONFIG_HOME", os.path.join(home, ".config"))
ancestors = []
d = os.path.dirname(tree)
while True:
    ancestors.append(d)
    if d == "/":
        break
    d = os.path.dirname(d)
# Files moat looks for by name above the tree (git's ignore rules and the nearest
# .moat.toml), the user's global git ignore settings, and what the loader and runtime open.
by_name = {os.path.join(a, n) for a in ancestors for n in (".gitignore", ".ignore", ".moat.toml", ".git")}
allowed_files = {os.path.join(home, ".gitconfig"), os.path.join(xdg, "git", "config"),
                 os.path.join(xdg, "git", "ignore"), "/etc/gitconfig", moat}
system = ("/etc/ld.so.cache", "/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "/proc/self/",
          "/proc/thread-self/", "/sys/fs/cgroup/", "/sys/devices/system/cpu/", "/dev/null",
          "/dev/urandom", "/etc/localtime")
failures = []
for name in sorted(os.listdir(work)):
    if not name.startswith("trace."):
        continue
    execs = 0
    for line in open(os.path.join(work, name)):
        m = re.search(r'\b(execve|execveat)\("([^"]*)"', line)
        if m:
            execs += 1
            if os.path.realpath(m.group(2)) != moat:
                failures.append(f"{name}: executed {m.group(2)}")
            continue
        if re.search(r'\b(connect|socket)\(', line):
            failures.append(f"{name}: {line.strip()}")
            continue
        m = re.search(r'\bopen(?:at2?)?\((?:AT_FDCWD, |\d+<[^>]*>, )?"([^"]*)"', line)
        if not m:
            continue
        path = m.group(1)
        full = os.path.normpath(os.path.join(tree, path))
        real = os.path.realpath(full)
        if real == tree or real.startswith(tree + "/") or real.startswith(work + "/tree/"):
            continue
        if real.startswith(outside) or full.startswith(outside):
            failures.append(f"run {name[6:]}: opened outside the tree: {path} -> {real}")
            continue
        if full in by_name or full.startswith(tuple(a + "/.git/" for a in ancestors)):
            continue
        if full in allowed_files or path.startswith(system) or real.startswith(system):
            continue
        failures.append(f"{name}: opened {path} ({real})")
    if execs != 1:
        failures.append(f"{name}: {execs} execve calls (moat itself only)")
if failures:
    print("strace test failed:", *failures, sep="\n  ")
    sys.exit(1)
print("   nothing outside the tree opened, nothing executed, nothing connected")
PY
