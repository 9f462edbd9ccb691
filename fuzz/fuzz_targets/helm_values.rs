//! `moat::model::helm::file_nodes` (parser and model) on `values.yaml`.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::file_nodes(
        "values.yaml",
        "helm-values",
        data,
        moat::model::helm::file_nodes,
    );
});
