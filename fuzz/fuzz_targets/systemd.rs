//! `moat::model::systemd::file_nodes` (parser and model) on `ollama.service`.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::file_nodes(
        "ollama.service",
        "systemd",
        data,
        moat::model::systemd::file_nodes,
    );
});
