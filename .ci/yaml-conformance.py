#!/usr/bin/env python3
"""List the corpus YAML files that PyYAML (a conforming YAML 1.1 parser) accepts.

tests/corpus.rs reads the list (MOAT_PYYAML_ACCEPTED) and asserts that moat's YAML reader
accepts every one of them: a file another parser reads and moat rejects is a moat bug.
Usage: yaml-conformance.py CORPUS OUT
"""
import os
import sys

import yaml

try:
    Loader = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    Loader = yaml.SafeLoader


class Tolerant(Loader):
    """Unknown tags (`!reference`, `!Ref`) are the application's business, not YAML's."""


Tolerant.add_multi_constructor("", lambda loader, suffix, node: None)

corpus, out = sys.argv[1], sys.argv[2]
accepted, rejected = [], 0
for root, dirs, files in os.walk(corpus):
    dirs.sort()
    for name in sorted(files):
        if not name.lower().endswith((".yml", ".yaml")):
            continue
        path = os.path.join(root, name)
        rel = os.path.relpath(path, corpus)
        try:
            with open(path, encoding="utf-8") as f:
                for _ in yaml.load_all(f, Loader=Tolerant):
                    pass
        except (yaml.YAMLError, UnicodeDecodeError, RecursionError):
            rejected += 1
            continue
        accepted.append(rel)
with open(out, "w", encoding="utf-8") as f:
    f.write("\n".join(accepted) + "\n")
print(f"PyYAML accepts {len(accepted)} corpus YAML files and rejects {rejected}")
