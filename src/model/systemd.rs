//! systemd units and drop-ins: the `[Service]` environment (`Environment=` assignments in
//! order, an empty `Environment=` resetting the list, as systemd does) becomes settings; a
//! unit or drop-in that sets Ollama server variables gets an `ollama` node (and one that sets
//! Chroma server variables a `chromadb` node). `EnvironmentFile=` paths are absolute host
//! paths: recorded as facts, never read.

use super::envfile::{component_nodes, ConfiguredBy, Setting};
use super::nodes::{FileCtx, Node};
use crate::parse::systemd;
use crate::parse::Problem;

pub fn file_nodes(ctx: &FileCtx, out: &mut Vec<Node>) -> Vec<Problem> {
    let (unit, problems) = systemd::parse(&ctx.source.text);
    let mut vars: Vec<Setting> = Vec::new();
    for e in unit.entries("Service", "Environment") {
        if e.value.trim().is_empty() {
            vars.clear();
            continue;
        }
        for a in systemd::environment(e) {
            vars.push(Setting {
                name: a.name,
                value: Some(a.value),
                span: a.span,
                from: "Environment=".to_string(),
            });
        }
    }
    let files: Vec<String> = systemd::environment_files(&unit)
        .into_iter()
        .map(|(p, _, _)| p)
        .collect();
    component_nodes(ctx, &vars, ConfiguredBy::Systemd, &files, out);
    problems
}
