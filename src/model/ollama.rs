//! ollama: being written (issue 3). Builds `ollama` nodes for services that run it.

use super::nodes::{Node, ServiceCtx};

/// Span keys a `ollama` rule may name.
pub const SPAN_KEYS: &[&str] = &[
    "ollama",
    "service",
    "service.image",
    "service.ports",
    "service.exposed_ports",
];

pub fn service_nodes(_ctx: &ServiceCtx, _out: &mut Vec<Node>) {}
