//! Shared by the per-format targets: the fuzz input as text, and a file context whose folder
//! does not exist, so a model that follows `include` or `env_file:` reads nothing from the
//! machine running the fuzzer and every run is reproducible.

#![allow(dead_code)] // each target uses part of it

use moat::model::nodes::{self, FileCtx, Node};
use moat::parse::Problem;
use moat::source::SourceFile;

/// A folder that cannot exist (its parent does not), so relative reads find nothing.
pub const ROOT: &str = "/nonexistent-moat-fuzz/project";

/// Parsers take text; invalid UTF-8 is rejected before them in the pipeline, so map it away
/// here rather than waste the input.
pub fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

pub fn source(name: &str, text: String) -> SourceFile {
    SourceFile::new(format!("{ROOT}/{name}").into(), name.to_string(), text, 0)
}

/// Run one of the `file_nodes` readers of `moat::model` over `data` as the file `name`.
pub fn file_nodes(
    name: &str,
    kind: &str,
    data: &[u8],
    reader: fn(&FileCtx, &mut Vec<Node>) -> Vec<Problem>,
) {
    let source = source(name, text(data));
    let facts = nodes::file_facts(name, kind);
    let related = moat::model::related::Related::default();
    let joiner = related.joiner();
    let ctx = FileCtx {
        source: &source,
        file: 0,
        file_facts: &facts,
        related: &joiner,
    };
    let mut out = Vec::new();
    let _problems = reader(&ctx, &mut out);
}
