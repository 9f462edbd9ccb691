//! `moat::model::redis::file_nodes` (parser and model) on `redis.conf`.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::file_nodes(
        "redis.conf",
        "redis-conf",
        data,
        moat::model::redis::file_nodes,
    );
});
