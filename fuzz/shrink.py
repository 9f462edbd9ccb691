#!/usr/bin/env python3
"""Shrink a fuzz target's corpus to at most N inputs that keep the most coverage.

libFuzzer's own minimisation (`cargo fuzz cmin`, `-merge=1`) keeps every input that adds a
feature, which is hundreds to thousands of files per target here. This asks libFuzzer for
the edges each input covers (a set-cover merge without hit counters, whose control file
lists every input's features), then picks inputs greedily by the edges they add, smaller
inputs first on a tie, until N inputs or nothing new. It prints how much of the coverage the
kept inputs reach.

Usage: fuzz/shrink.py TARGET N DIR... (from fuzz/, after `cargo fuzz build`): the inputs of
every DIR are considered and the result replaces corpus/TARGET.
"""

import os
import shutil
import subprocess
import sys
import tempfile


def main() -> int:
    target, limit, dirs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    binary = os.path.join("target", "x86_64-unknown-linux-gnu", "release", target)
    with tempfile.TemporaryDirectory() as tmp:
        control = os.path.join(tmp, "control")
        out = os.path.join(tmp, "out")
        os.mkdir(out)
        subprocess.run(
            [binary, "-merge=1", "-set_cover_merge=1", "-use_counters=0",
             "-rss_limit_mb=2048", "-timeout=10", f"-merge_control_file={control}", out, *dirs],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        with open(control) as f:
            lines = f.read().splitlines()
        count = int(lines[0])
        paths = lines[2:2 + count]
        features = {}
        for line in lines[2 + count:]:
            parts = line.split()
            if parts and parts[0] == "FT":
                features[int(parts[1])] = set(map(int, parts[2:]))
        total = set().union(*features.values()) if features else set()
        size = {i: os.path.getsize(paths[i]) for i in features}
        covered, chosen = set(), []
        while len(chosen) < limit:
            best = max(features, key=lambda i: (len(features[i] - covered), -size[i]), default=None)
            if best is None or not features[best] - covered:
                break
            covered |= features.pop(best)
            chosen.append(paths[best])
        data = {os.path.basename(p): open(p, "rb").read() for p in chosen}
    dest = os.path.join("corpus", target)
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    for name, body in data.items():
        with open(os.path.join(dest, name), "wb") as f:
            f.write(body)
    share = 100 * len(covered) / max(len(total), 1)
    print(f"{target}: kept {len(data)} inputs, {len(covered)} of {len(total)} features ({share:.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
