//! `docs/facts.md`, generated from the schema document (so from the fact types and their doc
//! comments): what each node kind gives a rule, field by field.

use serde_json::Value;

pub fn markdown() -> String {
    let doc = super::registry::document();
    let mut out = String::from(
        "# Facts\n\nGenerated from the fact types in `src/` (`MOAT_UPDATE_DOCS=1 cargo test --test docs`). \
         A rule names one node kind in `[applies-to] node`; its CEL sees that kind's variables. \
         `moat facts FILE` prints the nodes and facts moat builds for a file, `moat facts --schema` \
         this reference as JSON Schema. A field name a rule misspells is an error when the rule loads.\n\n\
         ## Node kinds\n\n| node | variables | one per |\n| --- | --- | --- |\n",
    );
    let nodes = doc["properties"].as_object().cloned().unwrap_or_default();
    for (kind, schema) in &nodes {
        let vars: Vec<String> = schema["properties"]
            .as_object()
            .map(|vars| {
                vars.iter()
                    .map(|(name, s)| format!("`{name}`: {}", type_name(s)))
                    .collect()
            })
            .unwrap_or_default();
        out.push_str(&format!(
            "| `{kind}` | {} | {} |\n",
            vars.join(", "),
            cell(schema["description"].as_str().unwrap_or(""))
        ));
    }
    let defs = doc["$defs"].as_object().cloned().unwrap_or_default();
    for (name, schema) in &defs {
        out.push_str(&format!("\n## {name}\n\n"));
        if let Some(d) = schema["description"].as_str() {
            out.push_str(&format!("{}\n\n", d.trim()));
        }
        if let Some(props) = schema["properties"].as_object() {
            out.push_str("| field | type | meaning |\n| --- | --- | --- |\n");
            for (field, s) in props {
                out.push_str(&format!(
                    "| `{field}` | {} | {} |\n",
                    type_name(s),
                    cell(s["description"].as_str().unwrap_or(""))
                ));
            }
        } else if let Some(values) = enum_values(schema) {
            out.push_str("| value | meaning |\n| --- | --- |\n");
            for (v, d) in values {
                out.push_str(&format!("| `{v}` | {} |\n", cell(&d)));
            }
        }
    }
    out
}

/// A table cell: one line, pipes escaped.
fn cell(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

fn enum_values(schema: &Value) -> Option<Vec<(String, String)>> {
    if let Some(list) = schema["enum"].as_array() {
        return Some(
            list.iter()
                .filter_map(|v| v.as_str().map(|s| (s.to_string(), String::new())))
                .collect(),
        );
    }
    // `oneOf` for a plain enum; `anyOf` when a catch-all variant keeps any other string (shown
    // as `(other)`).
    let list = schema["oneOf"]
        .as_array()
        .or_else(|| schema["anyOf"].as_array())?;
    let values: Option<Vec<(String, String)>> = list
        .iter()
        .map(|alt| {
            let description = alt["description"].as_str().unwrap_or("").to_string();
            let value = alt["const"]
                .as_str()
                .or_else(|| alt["enum"].as_array()?.first()?.as_str());
            match value {
                Some(v) => Some((v.to_string(), description)),
                None if alt["type"] == "string" && alt.get("$ref").is_none() => {
                    Some(("(other)".to_string(), description))
                }
                None => None,
            }
        })
        .collect();
    values.filter(|v| v.iter().any(|(name, _)| name != "(other)"))
}

/// A schema as a reader names its type: `string`, `list of PortFacts`, `ServiceFacts or null`.
pub fn type_name(schema: &Value) -> String {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/$defs/");
        return format!("[{name}](#{})", name.to_ascii_lowercase());
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(list) = schema[key].as_array() {
            if enum_values(schema).is_some() {
                break;
            }
            return list.iter().map(type_name).collect::<Vec<_>>().join(" or ");
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let named: Vec<String> = types
        .iter()
        .map(|t| match *t {
            "array" => format!("list of {}", type_name(&schema["items"])),
            "object" => match &schema["additionalProperties"] {
                v @ Value::Object(_) => format!("map of string to {}", type_name(v)),
                _ => "object".to_string(),
            },
            "integer" | "number" => "number".to_string(),
            "boolean" => "bool".to_string(),
            other => other.to_string(),
        })
        .collect();
    if let Some(values) = enum_values(schema) {
        return values
            .iter()
            .map(|(v, _)| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(" \\| ");
    }
    if named.is_empty() {
        "any".to_string()
    } else {
        named.join(" or ")
    }
}
