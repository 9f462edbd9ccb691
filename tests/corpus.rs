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
        &Settings::default(),
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
