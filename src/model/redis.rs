//! redis: being written (issue 3). Builds `redis` nodes for services that run it.

use super::nodes::{Node, ServiceCtx};

/// Span keys a `redis` rule may name.
pub const SPAN_KEYS: &[&str] = &[
    "redis",
    "service",
    "service.image",
    "service.ports",
    "service.exposed_ports",
];

pub fn service_nodes(_ctx: &ServiceCtx, _out: &mut Vec<Node>) {}

pub fn file_nodes(
    _ctx: &super::nodes::FileCtx,
    _out: &mut Vec<Node>,
) -> Vec<crate::parse::Problem> {
    Vec::new()
}
