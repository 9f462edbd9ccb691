//! triton: being written (issue 3). Builds `triton` nodes for services that run it.

use super::nodes::{Node, ServiceCtx};

/// Span keys a `triton` rule may name.
pub const SPAN_KEYS: &[&str] = &[
    "triton",
    "service",
    "service.image",
    "service.ports",
    "service.exposed_ports",
];

pub fn service_nodes(_ctx: &ServiceCtx, _out: &mut Vec<Node>) {}
