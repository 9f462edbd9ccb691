//! The bundled stacks: the exposed example is flagged for what 2025's surveys found on the
//! internet; the hardened one raises nothing at medium or above.

use moat::diagnostic::Severity;
use moat::rules::eval::Engine;
use moat::settings::Settings;
use moat::{check, Input};
use std::path::PathBuf;

fn lint(stack: &str) -> moat::Report {
    let engine = Engine::new(moat::rules::load::embedded().unwrap());
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/stacks")
        .join(stack);
    check(&engine, &Settings::default(), Input::Paths(vec![dir])).unwrap()
}

#[test]
fn the_hardened_stack_raises_nothing_at_medium_or_above() {
    let report = lint("hardened");
    let serious: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity >= Severity::Medium)
        .map(|d| format!("{} {}", d.rule, d.message))
        .collect();
    assert!(serious.is_empty(), "{serious:#?}");
    assert!(report.files.len() >= 2);
}

#[test]
fn the_exposed_stack_is_flagged_where_it_matters() {
    let report = lint("example");
    let critical: Vec<&str> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Critical)
        .map(|d| &*d.rule)
        .collect();
    for rule in ["OL001", "RD001", "DC003"] {
        assert!(
            critical.contains(&rule),
            "{rule} is not critical here: {critical:?}"
        );
    }
}
