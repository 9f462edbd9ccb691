//! The bundled stacks: the exposed example is flagged for what 2025's surveys found on the
//! internet; the hardened one raises nothing at medium or above.

use moat::diagnostic::Severity;
use moat::rules::eval::Engine;
use moat::settings::Settings;
use moat::{check, Input};
use std::path::PathBuf;

fn lint(stack: &str) -> moat::Report {
    lint_with(stack, Settings::default())
}

fn lint_with(stack: &str, settings: Settings) -> moat::Report {
    let engine = Engine::new(moat::rules::load::embedded().unwrap());
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/stacks")
        .join(stack);
    check(&engine, &settings, Input::Paths(vec![dir])).unwrap()
}

#[test]
fn a_refined_finding_replaces_the_generic_one_at_the_same_place() {
    let at = |report: &moat::Report, rule: &str| -> Vec<(usize, usize)> {
        report
            .diagnostics
            .iter()
            .filter(|d| &*d.rule == rule)
            .map(|d| (d.file, d.span.start))
            .collect()
    };
    // Every rule: DC013 is outside the default set, and OL005 must still replace it.
    let report = lint_with("example", Settings::all());
    // SV001 (exposed without authentication) on Ollama and Redis.
    let exposed = at(&report, "SV001");
    assert_eq!(exposed.len(), 2);
    let ollama = &exposed[..1];
    assert!(
        !at(&report, "DC001").contains(&ollama[0]),
        "SV001 supersedes DC001"
    );
    assert!(
        at(&report, "DC013").is_empty(),
        "OL005 supersedes DC013 on the Ollama service"
    );
    let sv001 = report
        .diagnostics
        .iter()
        .find(|d| &*d.rule == "SV001" && d.message.starts_with("Ollama"))
        .unwrap();
    assert_eq!((sv001.file, sv001.span.start), ollama[0]);
    let fix = sv001.fix.as_ref().expect("DC001's fix moves to SV001");
    assert_eq!(fix.edits[0].replacement, "127.0.0.1:11434:11434");
    // Ignoring the refined rule (here by its former id) brings the generic one back.
    let without = lint_with(
        "example",
        Settings {
            ignore: vec!["OL001".into()],
            ..Settings::all()
        },
    );
    assert!(at(&without, "DC001").contains(&ollama[0]));
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
    for rule in ["SV001", "CT002"] {
        assert!(
            critical.contains(&rule),
            "{rule} is not critical here: {critical:?}"
        );
    }
    let exposed: Vec<&str> = report
        .diagnostics
        .iter()
        .filter(|d| &*d.rule == "SV001" && d.severity == Severity::Critical)
        .map(|d| d.message.split(' ').next().unwrap_or(""))
        .collect();
    assert_eq!(exposed, ["Ollama", "Redis"]);
}

/// What the README's first command shows: the default set only, with the hardening findings
/// counted for the note (DC013 on the Ollama service is replaced by OL005, so not counted), and all of it with
/// `--select ALL`.
#[test]
fn the_example_shows_the_default_set_and_counts_the_rest() {
    let default = lint("example");
    let shown: std::collections::BTreeSet<&str> =
        default.diagnostics.iter().map(|d| &*d.rule).collect();
    let hidden: Vec<(String, usize)> = default
        .hidden
        .iter()
        .map(|((id, _), n)| (id.to_string(), *n))
        .collect();
    assert_eq!(
        shown.into_iter().collect::<Vec<_>>(),
        [
            "AV001", "CT002", "CT005", "CT007", "DC001", "DC005", "DF005", "DF006", "OL002",
            "OL005", "RD008", "SV001", "TR002", "TR004"
        ]
    );
    assert_eq!(
        hidden,
        [
            ("CT006".to_string(), 4),
            ("DC011".to_string(), 4),
            ("DF001".to_string(), 1),
            ("DF013".to_string(), 1)
        ]
    );
    let all = lint_with("example", Settings::all());
    assert!(all.hidden.is_empty());
    let count =
        |r: &moat::Report, id: &str| r.diagnostics.iter().filter(|d| &*d.rule == id).count();
    for (id, n) in &hidden {
        assert_eq!(count(&all, id), *n, "{id}");
    }
    assert_eq!(
        all.diagnostics.len(),
        default.diagnostics.len() + hidden.iter().map(|(_, n)| n).sum::<usize>()
    );
}
