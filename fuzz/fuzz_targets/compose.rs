//! The YAML parser and the Compose model on every document of the file.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use moat::model::nodes;

fuzz_target!(|data: &[u8]| {
    let text = common::text(data);
    let Ok(docs) = moat::parse::yaml::parse_documents(&text) else {
        return;
    };
    let facts = nodes::file_facts("compose.yaml", "compose");
    let related = moat::model::related::Related::default();
    let mut out = Vec::new();
    for doc in docs.iter().filter(|d| !d.is_null()) {
        let (services, _problems) = moat::model::compose::services_from_compose(&text, doc);
        for mut s in services {
            s.declared_in = Some(format!("{}/compose.yaml", common::ROOT).into());
            s.component = moat::model::component::identify(
                s.image.as_ref(),
                s.command.as_ref(),
                s.entrypoint.as_ref(),
            );
            nodes::service_nodes(&s, 0, &facts, &related.joiner(), &mut out);
        }
    }
});
