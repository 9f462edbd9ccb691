"""Validate a JSON document against a JSON schema (draft-07/2020-12, as the schema says).
Usage: validate-json-schema.py SCHEMA DOCUMENT"""
import json
import sys

import jsonschema

schema_path, doc_path = sys.argv[1], sys.argv[2]
with open(schema_path, encoding="utf-8") as f:
    schema = json.load(f)
with open(doc_path, encoding="utf-8") as f:
    doc = json.load(f)
cls = jsonschema.validators.validator_for(schema)
errors = sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.path))
for e in errors[:20]:
    print(f"{doc_path}: {'/'.join(map(str, e.path))}: {e.message}", file=sys.stderr)
if errors:
    sys.exit(1)
print(f"{doc_path}: valid against {schema_path}")
