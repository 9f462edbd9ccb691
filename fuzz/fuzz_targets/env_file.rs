//! `moat::model::envfile::file_nodes` (parser and model) on `.env`.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::file_nodes(".env", "env", data, moat::model::envfile::file_nodes);
});
