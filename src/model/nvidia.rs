//! NVIDIA Container Toolkit config.toml: being written (issue 3).

use super::nodes::{FileCtx, Node};
use crate::parse::Problem;

/// Span keys a `toolkit` rule may name.
pub const SPAN_KEYS: &[&str] = &["toolkit"];

pub fn file_nodes(_ctx: &FileCtx, _out: &mut Vec<Node>) -> Vec<Problem> {
    Vec::new()
}
