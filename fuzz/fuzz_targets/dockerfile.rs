//! The Dockerfile parser and what the model builds from it: a service, instruction, command
//! and image nodes.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use moat::model::nodes;

fuzz_target!(|data: &[u8]| {
    let text = common::text(data);
    let Ok(df) = moat::parse::dockerfile::parse(&text) else {
        return;
    };
    let facts = nodes::file_facts("Dockerfile", "dockerfile");
    let mut out = Vec::new();
    let expansion = moat::model::interpolate::Expansion::default();
    let related = moat::model::related::Related::default();
    if let Some(service) =
        moat::model::dockerfile::service_from_dockerfile(&df, &text, "Dockerfile", &expansion)
    {
        nodes::service_nodes(&service, 0, &facts, &related.joiner(), &mut out);
    }
    nodes::dockerfile_nodes(&df, &text, 0, &facts, &expansion, &mut out);
});
