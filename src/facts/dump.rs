//! `moat facts FILE`: the nodes and facts moat builds for files, as rules see them (like
//! `conftest parse`), for rule authors. It runs the pipeline of `moat check` with no rules
//! and an observer of the model.

use crate::model::nodes::Node;
use crate::rules::eval::Engine;
use crate::settings::Settings;
use crate::source::SourceFile;
use crate::Input;
use serde_json::{json, Map, Value};
use std::sync::{Arc, Mutex};

/// One JSON document: `files`, each with its kind, nodes and the problems met reading it.
pub fn dump(settings: &Settings, input: Input) -> Result<Value, crate::Error> {
    let files: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = Arc::clone(&files);
    let mut engine = Engine::new(Vec::new());
    engine.observer = Some(Box::new(move |source, nodes| {
        let file = file_entry(source, nodes);
        // A poisoned lock means another file's observer panicked; its data is still a list.
        sink.lock().unwrap_or_else(|e| e.into_inner()).push(file);
    }));
    let mut problems: Vec<String> = Vec::new();
    crate::check_batches(&engine, settings, input, |batch| {
        for d in &batch.diagnostics {
            let f = &batch.files[d.file];
            let at = f.position(d.span.start);
            problems.push(format!(
                "{}:{}:{}: {}: {}",
                f.display, at.line, at.column, d.rule, d.message
            ));
        }
        problems.extend(batch.io_errors);
    })?;
    let mut files = std::mem::take(&mut *files.lock().unwrap_or_else(|e| e.into_inner()));
    files.sort_by(|a, b| a["path"].as_str().cmp(&b["path"].as_str()));
    Ok(json!({ "files": files, "problems": problems }))
}

fn file_entry(source: &SourceFile, nodes: &[Node]) -> Value {
    let file_facts = nodes
        .first()
        .and_then(|n| n.vars.iter().find(|(name, _)| *name == "file"))
        .map(|(_, f)| (**f).clone());
    let mut seen: Vec<(*const Value, String)> = Vec::new();
    let nodes: Vec<Value> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| node_entry(source, i, n, &mut seen))
        .collect();
    json!({
        "path": source.display,
        "file": file_facts,
        "nodes": nodes,
    })
}

/// `seen`: facts already printed (nodes of one service share its facts), by where.
fn node_entry(
    source: &SourceFile,
    index: usize,
    node: &Node,
    seen: &mut Vec<(*const Value, String)>,
) -> Value {
    let position = |offset: usize| {
        let p = source.position(offset);
        format!("{}:{}", p.line, p.column)
    };
    let mut vars = Map::new();
    for (name, facts) in &node.vars {
        // The file's facts are the same on every node: said once, on the file.
        if *name == "file" {
            continue;
        }
        // Shared facts are printed once; later nodes point at them.
        let ptr = Arc::as_ptr(facts);
        let value = match seen.iter().find(|(p, _)| *p == ptr) {
            Some((_, at)) => json!({ "same_as": at }),
            None => {
                seen.push((ptr, format!("nodes[{index}].vars.{name}")));
                (**facts).clone()
            }
        };
        vars.insert(name.to_string(), value);
    }
    let mut spans: Map<String, Value> = Map::new();
    for (key, span) in node.spans.iter() {
        let at = format!("{}-{}", position(span.start), position(span.end));
        match spans.get_mut(*key) {
            Some(Value::Array(list)) => list.push(Value::String(at)),
            _ => {
                spans.insert(key.to_string(), json!([at]));
            }
        }
    }
    json!({ "kind": node.kind.name(), "vars": vars, "spans": spans })
}
