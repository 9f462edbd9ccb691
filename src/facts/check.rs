//! Field names in CEL checked against the fact types: `ollama.origins_wildcrd` is an error
//! naming the field and what the type has, not a condition that is quietly never true.
//! CEL's own checker knows no schema; this walks the expression with the schema document.

use crate::model::nodes::NodeKind;
use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue};
use serde_json::Value;

/// What an expression is known to be, as far as field access is concerned.
#[derive(Clone, Copy)]
enum Shape<'a> {
    /// A schema from the document.
    Schema(&'a Value),
    /// Not known here (a function's result, an untyped variable, a literal map).
    Any,
}

/// Every misspelt or unknown field `expression` reads, as messages.
pub fn unknown_fields(expression: &IdedExpr, kind: NodeKind) -> Vec<String> {
    let doc = super::registry::document();
    let vars = &doc["properties"][kind.name()]["properties"];
    let mut scope: Vec<(String, Shape)> = Vec::new();
    if let Some(vars) = vars.as_object() {
        for (name, schema) in vars {
            scope.push((name.clone(), Shape::Schema(schema)));
        }
    }
    let mut errors = Vec::new();
    walk(expression, &mut scope, doc, &mut errors);
    errors.sort();
    errors.dedup();
    errors
}

fn walk<'a>(
    e: &IdedExpr,
    scope: &mut Vec<(String, Shape<'a>)>,
    doc: &'a Value,
    errors: &mut Vec<String>,
) -> Shape<'a> {
    match &e.expr {
        Expr::Ident(name) => scope
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map_or(Shape::Any, |(_, s)| *s),
        Expr::Select(select) => {
            let operand = walk(&select.operand, scope, doc, errors);
            field(
                operand,
                &select.field,
                doc,
                || path(&select.operand),
                errors,
            )
        }
        Expr::Call(call) => {
            if let Some(t) = &call.target {
                walk(t, scope, doc, errors);
            }
            let args: Vec<Shape> = call
                .args
                .iter()
                .map(|a| walk(a, scope, doc, errors))
                .collect();
            if call.func_name == "_[_]" {
                if let (Some(base), Some(index)) = (args.first(), call.args.get(1)) {
                    if let Expr::Literal(LiteralValue::String(key)) = &index.expr {
                        return field(*base, key.inner(), doc, || path(&call.args[0]), errors);
                    }
                    return element(*base, doc);
                }
            }
            Shape::Any
        }
        Expr::Comprehension(c) => {
            let range = walk(&c.iter_range, scope, doc, errors);
            let depth = scope.len();
            scope.push((c.iter_var.clone(), element(range, doc)));
            if let Some(v2) = &c.iter_var2 {
                scope.push((v2.clone(), Shape::Any));
            }
            let _ = walk(&c.accu_init, scope, doc, errors);
            scope.push((c.accu_var.clone(), Shape::Any));
            let _ = walk(&c.loop_cond, scope, doc, errors);
            let _ = walk(&c.loop_step, scope, doc, errors);
            let _ = walk(&c.result, scope, doc, errors);
            scope.truncate(depth);
            Shape::Any
        }
        Expr::List(list) => {
            for x in &list.elements {
                walk(x, scope, doc, errors);
            }
            Shape::Any
        }
        Expr::Map(map) => {
            for entry in &map.entries {
                if let EntryExpr::MapEntry(m) = &entry.expr {
                    walk(&m.key, scope, doc, errors);
                    walk(&m.value, scope, doc, errors);
                }
            }
            Shape::Any
        }
        Expr::Struct(s) => {
            for entry in &s.entries {
                match &entry.expr {
                    EntryExpr::MapEntry(m) => {
                        walk(&m.value, scope, doc, errors);
                    }
                    EntryExpr::StructField(f) => {
                        walk(&f.value, scope, doc, errors);
                    }
                }
            }
            Shape::Any
        }
        Expr::Literal(_) | Expr::Unspecified => Shape::Any,
    }
}

/// The dotted name of an operand, for messages (`service.image`).
fn path(e: &IdedExpr) -> String {
    match &e.expr {
        Expr::Ident(n) => n.clone(),
        Expr::Select(s) => format!("{}.{}", path(&s.operand), s.field),
        _ => "the value".to_string(),
    }
}

fn resolve<'a>(mut schema: &'a Value, doc: &'a Value) -> &'a Value {
    while let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.trim_start_matches("#/$defs/");
        match doc["$defs"].get(name) {
            Some(s) => schema = s,
            None => break,
        }
    }
    schema
}

/// The non-null alternatives of a schema (`Option<T>` is `T` or null).
fn alternatives<'a>(schema: &'a Value, doc: &'a Value) -> Vec<&'a Value> {
    let schema = resolve(schema, doc);
    for key in ["anyOf", "oneOf"] {
        if let Some(list) = schema.get(key).and_then(Value::as_array) {
            return list
                .iter()
                .map(|s| resolve(s, doc))
                .filter(|s| s.get("type").and_then(Value::as_str) != Some("null"))
                .flat_map(|s| alternatives(s, doc))
                .collect();
        }
    }
    vec![schema]
}

fn types(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn field<'a>(
    operand: Shape<'a>,
    name: &str,
    doc: &'a Value,
    operand_path: impl Fn() -> String,
    errors: &mut Vec<String>,
) -> Shape<'a> {
    let Shape::Schema(schema) = operand else {
        return Shape::Any;
    };
    let mut known: Vec<&str> = Vec::new();
    let mut kinds: Vec<&str> = Vec::new();
    for alt in alternatives(schema, doc) {
        let ts = types(alt);
        let props = alt.get("properties").and_then(Value::as_object);
        if let Some(found) = props.and_then(|p| p.get(name)) {
            return Shape::Schema(found);
        }
        let open = match alt.get("additionalProperties") {
            Some(Value::Bool(false)) => false,
            Some(extra @ Value::Object(_)) => return Shape::Schema(extra),
            // An object without declared fields takes any key.
            _ => props.is_none() && (ts.is_empty() || ts.contains(&"object")),
        };
        if open {
            return Shape::Any;
        }
        match props {
            Some(p) => known.extend(p.keys().map(String::as_str)),
            None => kinds.extend(ts.iter().filter(|t| **t != "null")),
        }
    }
    let of = operand_path();
    if known.is_empty() {
        let what = kinds.first().copied().unwrap_or("a value");
        errors.push(format!(
            "`{of}.{name}`: `{of}` is {} {what}, which has no fields",
            if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            }
        ));
    } else {
        let hint = closest(name, &known)
            .map(|c| format!(" (did you mean `{c}`?)"))
            .unwrap_or_default();
        errors.push(format!(
            "`{of}.{name}`: `{of}` has no field `{name}`{hint}; see `moat facts --schema` or docs/facts.md"
        ));
    }
    Shape::Any
}

/// The element type of a list (or the key of a map, a string).
fn element<'a>(shape: Shape<'a>, doc: &'a Value) -> Shape<'a> {
    let Shape::Schema(schema) = shape else {
        return Shape::Any;
    };
    for alt in alternatives(schema, doc) {
        if let Some(items) = alt.get("items") {
            return Shape::Schema(items);
        }
    }
    Shape::Any
}

/// The known name nearest to a misspelt one, when it is near enough to be meant.
fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edit_distance(name, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(src: &str, kind: NodeKind) -> Vec<String> {
        let program = crate::rules::cel::parse_fast(src).unwrap();
        unknown_fields(&program, kind)
    }

    #[test]
    fn misspelt_fields_are_named_with_a_suggestion() {
        let e = check("service.privilegd", NodeKind::Service);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].contains("`service.privilegd`"), "{e:?}");
        assert!(e[0].contains("did you mean `privileged`"), "{e:?}");
        assert!(check(
            "service.privileged && file.kind == 'compose'",
            NodeKind::Service
        )
        .is_empty());
    }

    #[test]
    fn optional_objects_lists_and_comprehensions_are_followed() {
        assert!(check("service.image.tag == 'latest'", NodeKind::Service).is_empty());
        assert_eq!(
            check("service.image.tga == 'x'", NodeKind::Service).len(),
            1
        );
        assert!(check("service.ports.exists(p, p.reachable)", NodeKind::Service).is_empty());
        let e = check("service.ports.exists(p, p.reachabel)", NodeKind::Service);
        assert!(e[0].contains("`p.reachabel`"), "{e:?}");
        assert!(check("service.ports[0].text != ''", NodeKind::Service).is_empty());
        assert_eq!(check("service['nmae'] != ''", NodeKind::Service).len(), 1);
    }

    #[test]
    fn scalars_have_no_fields_and_free_maps_take_any_key() {
        let e = check("service.name.first", NodeKind::Service);
        assert!(e[0].contains("is a string"), "{e:?}");
        assert!(check("instruction.flags.chmod == '777'", NodeKind::Instruction).is_empty());
        assert!(check("has(instruction.flags.chown)", NodeKind::Instruction).is_empty());
    }

    #[test]
    fn functions_and_bound_names_are_not_guessed_at() {
        assert!(check("service.exposures.join(', ').size() > 0", NodeKind::Service).is_empty());
        assert!(check("[1, 2].exists(x, x > 1)", NodeKind::Service).is_empty());
    }
}
