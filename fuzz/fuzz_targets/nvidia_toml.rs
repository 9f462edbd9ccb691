//! `moat::model::nvidia::file_nodes` (parser and model) on `nvidia-container-runtime/config.toml`.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::file_nodes(
        "nvidia-container-runtime/config.toml",
        "nvidia-toml",
        data,
        moat::model::nvidia::file_nodes,
    );
});
