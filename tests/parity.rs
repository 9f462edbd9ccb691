//! One stack, every format, the same findings: each case under `testdata/parity/<case>/` is
//! one small stack written as Compose, Kubernetes manifests, Helm values (and, where it
//! applies, a Dockerfile, an env file, a systemd unit, a redis.conf). Its `parity.toml` names
//! the concepts (rule ids) the case is about and the severity each must have; every form
//! listed under `[forms]` must give exactly those, and a form that differs is listed under
//! `[[exception]]` with what it gives instead and why. A difference nobody wrote down fails.

use moat::diagnostic::Severity;
use moat::rules::eval::Engine;
use moat::settings::Settings;
use moat::{check, Input};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// What the stack is, for failure messages.
    stack: String,
    /// Rule id → severity every form must give (and no other severity for these ids).
    expect: BTreeMap<String, String>,
    /// Rule ids no form may give (what the stack is right not to be flagged for).
    #[serde(default)]
    absent: Vec<String>,
    /// Form name → file, relative to the case folder.
    forms: BTreeMap<String, String>,
    #[serde(default, rename = "exception")]
    exceptions: Vec<Exception>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Exception {
    form: String,
    file: String,
    /// What this form gives for the case's concepts instead.
    expect: BTreeMap<String, String>,
    /// Why the difference is right.
    reason: String,
}

/// The case's concepts as one form gives them: the highest severity per rule id.
fn concepts(engine: &Engine, file: &Path, ids: &[&String]) -> BTreeMap<String, String> {
    let report = check(
        engine,
        &Settings::all(),
        Input::Paths(vec![file.to_path_buf()]),
    )
    .unwrap();
    let mut found: BTreeMap<String, Severity> = BTreeMap::new();
    for d in &report.diagnostics {
        assert_ne!(&*d.rule, "parse-error", "{}: {}", file.display(), d.message);
        if ids.iter().any(|id| ***id == *d.rule) {
            let s = found.entry(d.rule.to_string()).or_insert(d.severity);
            *s = (*s).max(d.severity);
        }
    }
    found
        .into_iter()
        .map(|(id, s)| (id, s.to_string()))
        .collect()
}

#[test]
fn every_format_of_a_stack_gives_the_same_concepts() {
    let engine = Engine::new(moat::rules::load::embedded().unwrap());
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/parity");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("parity.toml").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 5, "parity cases: {cases:?}");
    let mut failures = Vec::new();
    for dir in &cases {
        let case: Case = toml::from_str(&std::fs::read_to_string(dir.join("parity.toml")).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        assert!(!case.expect.is_empty(), "{}: no concepts", dir.display());
        assert!(
            case.forms.len() >= 2 && case.forms.len() + case.exceptions.len() >= 3,
            "{}: a case is at least three forms, two of them agreeing",
            dir.display()
        );
        let ids: Vec<&String> = case
            .expect
            .keys()
            .chain(case.exceptions.iter().flat_map(|e| e.expect.keys()))
            .chain(&case.absent)
            .collect();
        let mut check_form = |form: &str, file: &str, want: &BTreeMap<String, String>| {
            let got = concepts(&engine, &dir.join(file), &ids);
            if &got != want {
                failures.push(format!(
                    "{} ({}), {form} `{file}`: expected {want:?}, got {got:?}",
                    dir.file_name().unwrap().to_string_lossy(),
                    case.stack
                ));
            }
        };
        for (form, file) in &case.forms {
            check_form(form, file, &case.expect);
        }
        for e in &case.exceptions {
            assert!(
                e.reason.len() > 20,
                "{}: say why {} differs",
                dir.display(),
                e.form
            );
            check_form(&e.form, &e.file, &e.expect);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
