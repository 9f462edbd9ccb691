//! Every rule's executed examples, the content test over all rule files, and the snapshot
//! of every fixture under `testdata/rules/<ID>-<name>/<case>/`.

use moat::classify;
use moat::diagnostic::Diagnostic;
use moat::rules::eval::Engine;
use moat::rules::load::{self, Rule};
use moat::rules::schema::ExampleKind;
use moat::settings::Settings;
use moat::source::SourceFile;
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

fn lint_text(engine: &Engine, settings: &Settings, name: &str, text: &str) -> Vec<Diagnostic> {
    let path = PathBuf::from(name);
    let kind = classify::by_name_or_content(&path, text)
        .unwrap_or_else(|| panic!("example file `{name}` has no kind"));
    let source = SourceFile::new(path, name.to_string(), text.to_string(), 0);
    let mut out = Vec::new();
    let mut errors = Vec::new();
    moat::lint_source(
        engine,
        settings,
        &moat::model::related::Related::default(),
        &source,
        kind,
        0,
        &mut out,
        &mut errors,
    );
    assert!(
        errors.is_empty(),
        "rule evaluation failed on {name}: {errors:?}"
    );
    out
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
    let mut failures = Vec::new();
    for r in &engine.rules {
        for (i, ex) in r.examples.iter().enumerate() {
            let settings = ex
                .settings()
                .expect("the content test checks example configs");
            let diags = lint_text(&engine, &settings, &ex.file, &ex.code);
            let mine: Vec<&Diagnostic> = diags.iter().filter(|d| d.rule == r.id).collect();
            let parse_errors: Vec<&Diagnostic> =
                diags.iter().filter(|d| &*d.rule == "parse-error").collect();
            if !parse_errors.is_empty() {
                failures.push(format!(
                    "{} example {} does not parse: {}",
                    r.id,
                    i + 1,
                    parse_errors[0].message
                ));
            }
            match ex.kind {
                ExampleKind::Bad if mine.len() != 1 => failures.push(format!(
                    "{} bad example {} gives {} diagnostics, expected exactly 1",
                    r.id,
                    i + 1,
                    mine.len()
                )),
                ExampleKind::Good if !mine.is_empty() => failures.push(format!(
                    "{} good example {} fires: {}",
                    r.id,
                    i + 1,
                    mine[0].message
                )),
                _ => {}
            }
            if let Some(fixed) = &ex.fixed {
                let fix = mine.first().and_then(|d| d.fix.clone());
                match fix {
                    None => {
                        failures.push(format!("{} example {} has `fixed` but no fix", r.id, i + 1))
                    }
                    Some(_) => {
                        let only: Vec<Diagnostic> = mine.iter().map(|d| (*d).clone()).collect();
                        let (text, _) = moat::fix::apply_edits(&ex.code, &only, true);
                        if &text != fixed {
                            failures.push(format!(
                                "{} example {} fix gives:\n{text}\nexpected:\n{fixed}",
                                r.id,
                                i + 1
                            ));
                        } else if lint_text(&engine, &settings, &ex.file, &text)
                            .iter()
                            .any(|d| d.rule == r.id)
                        {
                            failures.push(format!(
                                "{} example {}: the fixed file still fires",
                                r.id,
                                i + 1
                            ));
                        }
                    }
                }
            } else if ex.kind == ExampleKind::Bad && mine.first().is_some_and(|d| d.fix.is_some()) {
                failures.push(format!(
                    "{} bad example {} has a fix: show it with `fixed`",
                    r.id,
                    i + 1
                ));
            }
        }
    }
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
