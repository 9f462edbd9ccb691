//! `moat::model::kubernetes::file_nodes` (parser and model) on `deployment.yaml`.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::file_nodes(
        "deployment.yaml",
        "kubernetes",
        data,
        moat::model::kubernetes::file_nodes,
    );
});
