//! Every rule's executed examples, the content test over all rule files, and the snapshot
//! of every fixture under `testdata/rules/<ID>-<name>/<case>/`.

use moat::rules::eval::Engine;
use moat::rules::load::{self, Rule};
use moat::settings::Settings;
use moat::{check, Input};
use std::path::{Path, PathBuf};

fn rules() -> Vec<Rule> {
    match load::embedded_checked() {
        Ok(r) => r,
        Err(errors) => panic!(
            "rule files fail the content test:\n{}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

/// A run parses the embedded rules' CEL with cel's fast Pratt parser; the content test and
/// users' rules go through `Env::compile`. Both must read every expression the same way.
#[test]
fn both_cel_parsers_read_every_embedded_expression_alike() {
    let rules = rules();
    let mut checked = 0;
    for r in &rules {
        for e in r.expressions() {
            assert!(
                e.parsers_agree(),
                "{}: the two CEL parsers read `{}` differently",
                r.id,
                e.source
            );
            checked += 1;
        }
    }
    assert!(
        checked > 3 * rules.len(),
        "only {checked} expressions found"
    );
}

#[test]
fn content_test_passes_for_every_rule() {
    let rules = rules();
    assert!(!rules.is_empty());
    for r in &rules {
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("testdata/rules")
                .join(format!("{}-{}", r.id, r.name))
                .is_dir(),
            "{} has no fixtures folder testdata/rules/{}-{}/",
            r.id,
            r.id,
            r.name
        );
    }
}

#[test]
fn every_example_behaves_as_documented() {
    let engine = Engine::new(rules());
    let failures: Vec<String> = engine
        .rules
        .iter()
        .flat_map(|r| {
            moat::rules::examples::failures(&engine, r)
                .into_iter()
                .map(move |(_, m)| format!("{}: {m}", r.id))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The snapshot text of one case: each diagnostic of the rule under test with its exact
/// location, labels, help and the fix as a diff.
fn render_case(report: &moat::Report, rule: &str) -> String {
    let mut out = String::new();
    for d in report
        .diagnostics
        .iter()
        .filter(|d| &*d.rule == rule || &*d.rule == "parse-error")
    {
        let f = &report.files[d.file];
        let (s, e) = (f.position(d.span.start), f.position(d.span.end));
        let name = Path::new(&f.display)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        out.push_str(&format!(
            "{name}:{}:{}-{}:{} {}[{}] {}\n",
            s.line, s.column, e.line, e.column, d.severity, d.rule, d.message
        ));
        out.push_str(&format!(
            "  | {}\n",
            f.slice(d.span).replace('\n', "\n  | ")
        ));
        for l in &d.labels {
            let lf = &report.files[l.file];
            let p = lf.position(l.span.start);
            out.push_str(&format!("  label {}:{}: {}\n", p.line, p.column, l.message));
        }
        if let Some(h) = &d.help {
            out.push_str(&format!("  help: {h}\n"));
        }
        if let Some(fix) = &d.fix {
            out.push_str(&format!(
                "  fix ({:?}): {}\n",
                fix.applicability, fix.description
            ));
            for e in &fix.edits {
                let ef = &report.files[e.file];
                out.push_str(&format!(
                    "    - {}\n    + {}\n",
                    ef.slice(e.span),
                    e.replacement
                ));
            }
        }
    }
    if out.is_empty() {
        out.push_str("(no diagnostics)\n");
    }
    out
}

#[test]
fn fixtures_match_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rules");
    let engine = Engine::new(rules());
    let mut cases = 0;
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("testdata/rules exists")
        .flatten()
        .map(|e| e.path())
        .collect();
    folders.sort();
    for folder in folders {
        let stem = folder.file_name().unwrap().to_string_lossy().to_string();
        let id = stem.split('-').next().unwrap().to_string();
        assert!(
            engine.rule(&id).is_some(),
            "testdata/rules/{stem} names no rule"
        );
        let mut case_dirs: Vec<PathBuf> = std::fs::read_dir(&folder)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        case_dirs.sort();
        let (mut bad, mut good) = (0, 0);
        for case in case_dirs {
            let case_name = case.file_name().unwrap().to_string_lossy().to_string();
            // The rule alone: a rule that supersedes it must not hide it from its own fixtures.
            // A case folder may hold a `.moat.toml` for a rule that reads configuration.
            let config = case.join(moat::config::FILE_NAME);
            let configured = match config.exists() {
                true => Settings::from_config(moat::config::load(&config).unwrap()),
                false => Settings::default(),
            };
            let only_this_rule = Settings {
                select: vec![id.clone()],
                ..configured
            };
            let report = check(&engine, &only_this_rule, Input::Paths(vec![case.clone()])).unwrap();
            let text = render_case(&report, &id);
            let fired = report.diagnostics.iter().any(|d| *d.rule == *id);
            if case_name.starts_with("bad") {
                bad += 1;
                assert!(fired, "{stem}/{case_name}: bad case does not fire");
            } else if case_name.starts_with("good") {
                good += 1;
                assert!(!fired, "{stem}/{case_name}: good case fires:\n{text}");
            } else {
                panic!("{stem}/{case_name}: case folders start with `bad` or `good`");
            }
            let mut settings = insta::Settings::clone_current();
            settings.set_snapshot_path(&folder);
            settings.set_prepend_module_to_snapshot(false);
            settings.set_omit_expression(true);
            settings.bind(|| insta::assert_snapshot!(case_name.clone(), text));
            cases += 1;
        }
        assert!(
            bad > 0 && good > 0,
            "{stem}: needs at least one bad and one good case (has {bad} bad, {good} good)"
        );
    }
    assert!(cases > 0);
}
