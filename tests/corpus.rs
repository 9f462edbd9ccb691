//! moat over every file of ../shared/corpus: no panic, no rule that fails to evaluate, and
//! every parse error is one we have read and recorded as a genuinely invalid file.
//! Skipped (with a message) when ../shared is absent; under CI it must be there.

use moat::rules::eval::Engine;
use moat::settings::Settings;
use moat::{check, Input};
use std::path::PathBuf;

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must have ../shared/corpus beside the checkout"
    );
    eprintln!("skipped: ../shared/corpus is not here");
    None
}

#[test]
fn whole_corpus_lints_without_panics_or_unexpected_parse_errors() {
    let Some(dir) = corpus() else { return };
    let engine = Engine::new(moat::rules::load::embedded().expect("rules load"));
    let report = check(
        &engine,
        // Every rule, as `--select ALL`: the corpus checks what any rule can meet.
        &Settings::all(),
        Input::Paths(vec![dir.clone()]),
    )
    .expect("corpus is readable");
    assert!(
        report.rule_errors.is_empty(),
        "rules failed to evaluate: {:?}",
        report.rule_errors
    );
    assert!(
        report.io_errors.is_empty(),
        "I/O errors: {:?}",
        report.io_errors
    );
    assert!(
        report.files.len() > 1450,
        "only {} files linted",
        report.files.len()
    );

    let known = include_str!("../testdata/corpus-parse-errors.txt");
    let expected: Vec<&str> = known
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    let mut actual: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| &*d.rule == "parse-error")
        .map(|d| {
            let f = &report.files[d.file];
            f.path
                .strip_prefix(&dir)
                .unwrap_or(&f.path)
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    actual.sort();
    actual.dedup();
    assert_eq!(actual, expected, "parse errors in the corpus changed: a new one is a bug to fix or an invalid file to record in testdata/corpus-parse-errors.txt with its reason");
}

/// Every corpus YAML file that PyYAML accepts parses in moat too (`.ci/yaml-conformance.py`
/// writes the list and `.ci/run` passes it in): moat's YAML reader rejecting a file another
/// conforming parser reads is a moat bug, never a finding.
#[test]
fn yaml_that_pyyaml_accepts_parses_in_moat() {
    let Some(dir) = corpus() else { return };
    let Some(list) = std::env::var_os("MOAT_PYYAML_ACCEPTED") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run .ci/yaml-conformance.py and set MOAT_PYYAML_ACCEPTED"
        );
        eprintln!("skipped: MOAT_PYYAML_ACCEPTED is not set (see .ci/run)");
        return;
    };
    let list = std::fs::read_to_string(list).expect("the PyYAML list is readable");
    let files: Vec<&str> = list.lines().filter(|l| !l.is_empty()).collect();
    assert!(
        files.len() > 500,
        "only {} files in the PyYAML list",
        files.len()
    );
    let rejected: Vec<String> = files
        .iter()
        .filter_map(|rel| {
            let text = std::fs::read_to_string(dir.join(rel)).ok()?;
            let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
            moat::parse::yaml::parse_documents(text)
                .err()
                .map(|e| format!("{rel}: {}", e.message))
        })
        .collect();
    assert!(
        rejected.is_empty(),
        "PyYAML accepts these and moat does not:\n{}",
        rejected.join("\n")
    );
}
