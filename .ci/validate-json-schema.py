"""Validate a JSON document against a JSON schema (draft-07/2020-12, as the schema says).
Usage: validate-json-schema.py SCHEMA DOCUMENT

Schemas that `$ref` other schema files (CycloneDX refers to spdx.schema.json and
jsf-0.82.schema.json) are resolved from the files beside SCHEMA, never from the network; a
referenced file missing there is an error."""
import json
import os
import sys
from urllib.parse import urldefrag, urljoin

import jsonschema
from referencing import Registry, Resource

schema_path, doc_path = sys.argv[1], sys.argv[2]
with open(schema_path, encoding="utf-8") as f:
    schema = json.load(f)
with open(doc_path, encoding="utf-8") as f:
    doc = json.load(f)


def external_refs(node):
    """Every `$ref` that names another document (not a `#/...` pointer into this one)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and not v.startswith("#"):
                yield urldefrag(v)[0]
            else:
                yield from external_refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from external_refs(v)


base = schema.get("$id", "")
folder = os.path.dirname(os.path.abspath(schema_path))
resources, pending, seen = [], [schema], set()
while pending:
    for ref in sorted(set(external_refs(pending.pop()))):
        if ref in seen:
            continue
        seen.add(ref)
        local = os.path.join(folder, os.path.basename(ref))
        if not os.path.isfile(local):
            print(f"{schema_path}: refers to `{ref}`, which is not in {folder}", file=sys.stderr)
            sys.exit(1)
        with open(local, encoding="utf-8") as f:
            contents = json.load(f)
        resources.append((contents.get("$id") or urljoin(base, ref), Resource.from_contents(contents)))
        pending.append(contents)
registry = Registry().with_resources(resources)
# Resolve every external reference now: a broken one fails even when this document does not
# happen to reach it.
resolver = registry.resolver(base_uri=base)
for ref in sorted(seen):
    resolver.lookup(ref)
cls = jsonschema.validators.validator_for(schema)
errors = sorted(cls(schema, registry=registry).iter_errors(doc), key=lambda e: list(e.path))
for e in errors[:20]:
    print(f"{doc_path}: {'/'.join(map(str, e.path))}: {e.message}", file=sys.stderr)
if errors:
    sys.exit(1)
print(f"{doc_path}: valid against {schema_path} ({len(seen)} referenced schema(s) resolved offline)")
