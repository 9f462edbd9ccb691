//! Which fact type each CEL variable of each node kind is, and the JSON Schema of them all
//! (`moat facts --schema`, `docs/facts.md`, and the field check of rule conditions).

use super::*;
use crate::model::nodes::NodeKind;
use schemars::{generate::SchemaSettings, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

fn of<T: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<T>()
}

/// The type of `var` on a node of `kind`; `None` for a variable whose facts are not typed
/// yet (its fields are not checked).
pub fn var_type(kind: NodeKind, var: &str) -> Option<SchemaFn> {
    Some(match (kind, var) {
        (_, "file") => of::<FileFacts>,
        (_, "service") => of::<ServiceFacts>,
        (NodeKind::Port, "port") => of::<PortFacts>,
        (NodeKind::Env, "env") => of::<EnvFacts>,
        (NodeKind::Mount, "mount") => of::<MountFacts>,
        (NodeKind::Image, "image") => of::<ImageFacts>,
        (NodeKind::Instruction, "instruction") => of::<InstructionFacts>,
        (NodeKind::Command, "instruction") => of::<RunFacts>,
        (NodeKind::Command, "command") => of::<CommandFacts>,
        (NodeKind::Server, "server") => of::<server::ServerFacts>,
        (NodeKind::Redis, "redis") => of::<crate::model::redis::RedisFacts>,
        (NodeKind::Ollama, "ollama") => of::<crate::model::ollama::OllamaFacts>,
        (NodeKind::Chromadb, "chromadb") => of::<crate::model::chromadb::ChromadbFacts>,
        (NodeKind::Triton, "triton") => of::<crate::model::triton::TritonFacts>,
        (NodeKind::Toolkit, "toolkit") => of::<crate::model::nvidia::ToolkitFacts>,
        (NodeKind::Chart, "chart") => of::<crate::model::helm::ChartFacts>,
        (NodeKind::Component, "component") => of::<crate::model::packages::ComponentFacts>,
        _ => return None,
    })
}

/// The schema document: `$defs` holds every fact type; `properties` has one entry per node
/// kind, an object of its variables.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(build)
}

fn build() -> Value {
    let mut settings = SchemaSettings::draft2020_12();
    settings.meta_schema = None;
    let mut generator = SchemaGenerator::new(settings);
    let mut nodes = Map::new();
    for kind in NodeKind::ALL {
        let mut vars = Map::new();
        for var in kind.vars() {
            let schema = match var_type(kind, var) {
                Some(f) => f(&mut generator).to_value(),
                None => {
                    json!({ "type": "object", "description": "not typed yet: fields are not checked" })
                }
            };
            vars.insert(var.to_string(), schema);
        }
        nodes.insert(
            kind.name().to_string(),
            json!({
                "type": "object",
                "description": kind.description(),
                "properties": vars,
                "required": kind.vars(),
                "additionalProperties": false,
            }),
        );
    }
    let defs: Map<String, Value> = generator.take_definitions(true).into_iter().collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "moat facts",
        "description": "The CEL variables each node kind gives rule conditions, and their fields.",
        "type": "object",
        "properties": nodes,
        "$defs": defs,
    })
}
