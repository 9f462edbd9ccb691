#!/usr/bin/env bash
# Benchmark moat on hostile inputs, each at two sizes (n and 2n), with a release build: wall
# time and peak RSS of one `moat check` (best of RUNS), and the time ratio 2n / n, which is
# about 2 when cost is linear (4 when quadratic). The shapes are those of issue 15:
#
#   env-doubling       `ENV a=$a$a` repeated (each line doubles the value): expansion budget
#   arg-doubling       `ARG a=${a}${a}` repeated, used in `FROM`
#   run-nesting        one `RUN echo $($($(…x)))` of n levels
#   compose-services   n services, each with an image and a port
#   compose-fix        `--fix` on the same file (on a copy)
#   dockerfile-stages  n `FROM … AS sN` stages
#   compose-ports      one service with n ports, the embedded rules only
#   cel-linear-rule    a user rule (`--rule-dir`) looping over a service's n ports
#   cel-nested-rule    the same rule nested three deep: refused at load, whatever n is
#   advisories         an `--advisories` file of n advisories for one image, two images
#
# Usage: bench/hostile.sh            Environment: RUNS=3 (best of), SHAPES="a b" (only those)
# Needs python3 (it generates the inputs and reads rusage); nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-3}"
cargo build --release --quiet --bin moat
bin="$PWD/target/release/moat"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# measure CMD...: best wall time (s) and peak RSS (MB) over $runs runs, output discarded.
measure() {
  python3 -c '
import resource, subprocess, sys, time
n, cmd = int(sys.argv[1]), sys.argv[2:]
best, rss = None, 0
for _ in range(n):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = __import__("os").wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    best = wall if best is None else min(best, wall)
    rss = max(rss, usage.ru_maxrss)
print(f"{best:.3f} {rss / 1024:.1f}")' "$runs" "$@"
}

# gen SHAPE N DIR: writes the input of SHAPE at size N into DIR; prints the moat arguments.
gen() {
  python3 - "$1" "$2" "$3" "$PWD" <<'EOF'
import os, sys
shape, n, d, repo = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
os.makedirs(d, exist_ok=True)
def write(name, text):
    with open(os.path.join(d, name), "w") as f:
        f.write(text)
    return os.path.join(d, name)
def compose(n):
    return "services:\n" + "".join(
        f"  s{i}:\n    image: redis:7.2.4\n    ports: [\"{1024 + i % 60000}:6379\"]\n" for i in range(n))
def ports_rule(condition):
    rule = open(os.path.join(repo, "rules/compose/DC001-port-published-on-all-interfaces.toml")).read()
    rule = rule.replace("DC001", "DC990").replace('"port-published-on-all-interfaces"', '"bench"')
    old = next(l for l in rule.splitlines() if l.startswith("condition"))
    os.makedirs(os.path.join(d, "rules/compose"), exist_ok=True)
    with open(os.path.join(d, "rules/compose/DC990-bench.toml"), "w") as f:
        f.write(rule.replace(old, f'condition = "{condition}"'))
    return os.path.join(d, "rules")
# Every rule reported (--select ALL): the worst case for output, as before the default set.
if shape == "env-doubling":
    f = write("Dockerfile", "FROM alpine:3.20\nENV a=x\n" + "ENV a=$a$a\n" * n + "RUN echo $a\n")
    print("check", "--select", "ALL", f)
elif shape == "arg-doubling":
    f = write("Dockerfile", "ARG a=x\n" + "ARG a=${a}${a}\n" * n + "FROM redis:$a\n")
    print("check", "--select", "ALL", f)
elif shape == "run-nesting":
    f = write("Dockerfile", "FROM alpine:3.20\nRUN echo " + "$(" * n + "x" + ")" * n + "\n")
    print("check", "--select", "ALL", f)
elif shape in ("compose-services", "compose-fix"):
    f = write("compose.yaml", compose(n))
    print("check", "--select", "ALL", f, *(["--fix", "--unsafe-fixes"] if shape == "compose-fix" else []))
elif shape == "dockerfile-stages":
    f = write("Dockerfile", "".join(f"FROM alpine:3.20 AS s{i}\n" for i in range(n)))
    print("check", "--select", "ALL", f)
elif shape == "compose-ports":
    ports = "".join(f"      - \"{1024 + i % 60000}:80\"\n" for i in range(n))
    f = write("compose.yaml", "services:\n  a:\n    image: nginx:1.27\n    ports:\n" + ports)
    print("check", "--select", "ALL", f)
elif shape in ("cel-linear-rule", "cel-nested-rule"):
    ports = "".join(f"      - \"{1024 + i % 60000}:80\"\n" for i in range(n))
    f = write("compose.yaml", "services:\n  a:\n    image: nginx:1.27\n    ports:\n" + ports)
    cond = ("service.ports.exists(p, p.host_port == '1')" if shape == "cel-linear-rule" else
            "service.ports.all(a, service.ports.all(b, service.ports.all(c, a == b)))")
    print("check", f, "--rule-dir", ports_rule(cond), "--select", "DC990")
elif shape == "advisories":
    adv = "".join(f'''[[advisory]]
id = "CVE-2099-{i}"
component = "redis"
images = ["redis"]
affected = ["<7.{i % 50}.{i % 7 + 5}"]
fixed = ["7.{i % 50}.{i % 7 + 5}"]
severity = "high"
summary = "Synthetic advisory {i} for the load benchmark of the advisory table reader, padded to a realistic length."
url = "https://example.com/advisories/{i}"

''' for i in range(n))
    a = write("advisories.toml", adv)
    f = write("compose.yaml", "services:\n  a:\n    image: redis:7.2.4\n  b:\n    image: redis:6.0.1\n")
    print("check", "--select", "ALL", f, "--advisories", a)
EOF
}

printf '%-18s %9s %9s | %8s %8s | %8s %8s | %s\n' shape n input "n: s" "MB" "2n: s" "MB" "2n/n time"
row() { # shape n
  local shape=$1 n=$2 a b ta tb
  case " ${SHAPES:-$shape} " in *" $shape "*) ;; *) return 0 ;; esac
  read -r -a a <<< "$(gen "$shape" "$n" "$work/$shape-1")"
  read -r -a b <<< "$(gen "$shape" $((2 * n)) "$work/$shape-2")"
  local size
  size=$(du -sb "$work/$shape-1" | cut -f 1)
  # --fix edits its input: every run gets a fresh copy.
  if [ "$shape" = compose-fix ]; then
    cp "$work/$shape-1/compose.yaml" "$work/c1.yaml"
    cp "$work/$shape-2/compose.yaml" "$work/c2.yaml"
    fix() { cp "$1" "$2" && "$bin" "${@:3}" > /dev/null 2>&1 || true; }
    export -f fix
    export bin
    ta=$(measure bash -c 'fix "$@"' _ "$work/c1.yaml" "${a[1]}" "${a[@]}")
    tb=$(measure bash -c 'fix "$@"' _ "$work/c2.yaml" "${b[1]}" "${b[@]}")
  else
    ta=$(measure "$bin" "${a[@]}")
    tb=$(measure "$bin" "${b[@]}")
  fi
  printf '%-18s %9s %8.1fK | %8s %8s | %8s %8s | %.2f\n' "$shape" "$n" "$(awk -v s="$size" 'BEGIN { print s / 1024 }')" \
    ${ta} ${tb} "$(awk -v a="${ta%% *}" -v b="${tb%% *}" 'BEGIN { print (a > 0 ? b / a : 0) }')"
}
row env-doubling 26
row arg-doubling 40
row run-nesting 1000000
row compose-services 15000
row compose-fix 15000
row dockerfile-stages 50000
row compose-ports 50000
row cel-linear-rule 50000
row cel-nested-rule 50000
row advisories 15000
