//! A rule's `[[example]]`s, executed: a `bad` example fires exactly once, a `good` one not at
//! all, a `fixed` text is what the fix gives and no longer fires. The content test holds the
//! built-in rules to it; users' rules are held to it when they load, so an example that
//! does not show what it says is an error, not documentation that lies.

use super::eval::Engine;
use super::load::Rule;
use super::schema::ExampleKind;
use crate::diagnostic::Diagnostic;
use crate::settings::Settings;
use crate::source::SourceFile;
use std::path::PathBuf;

/// What is wrong with `rule`'s examples, one message per problem, each naming the example
/// (1-based) it is about.
pub fn failures(engine: &Engine, rule: &Rule) -> Vec<(usize, String)> {
    let mut failures = Vec::new();
    for (i, ex) in rule.examples.iter().enumerate() {
        let n = i + 1;
        let mut fail = |m: String| failures.push((n, m));
        let settings = match ex.settings() {
            Ok(s) => s,
            Err(e) => {
                fail(format!("example {n}'s `config` is invalid: {e}"));
                continue;
            }
        };
        let diags = match lint_text(engine, &settings, &ex.file, &ex.code) {
            Ok(d) => d,
            Err(e) => {
                fail(format!("example {n}: {e}"));
                continue;
            }
        };
        let mine: Vec<&Diagnostic> = diags.iter().filter(|d| d.rule == rule.id).collect();
        if let Some(p) = diags
            .iter()
            .find(|d| &*d.rule == crate::diagnostic::PARSE_ERROR)
        {
            fail(format!("example {n} does not parse: {}", p.message));
        }
        match ex.kind {
            ExampleKind::Bad if mine.len() != 1 => fail(format!(
                "bad example {n} gives {} diagnostics, expected exactly 1",
                mine.len()
            )),
            ExampleKind::Good if !mine.is_empty() => {
                fail(format!("good example {n} fires: {}", mine[0].message))
            }
            _ => {}
        }
        let has_fix = mine.first().is_some_and(|d| d.fix.is_some());
        match &ex.fixed {
            Some(_) if !has_fix => fail(format!("example {n} has `fixed` but no fix")),
            Some(fixed) => {
                let only: Vec<Diagnostic> = mine.iter().map(|d| (*d).clone()).collect();
                let (text, _) = crate::fix::apply_edits(&ex.code, &only, true);
                if &text != fixed {
                    fail(format!(
                        "example {n} fix gives:\n{text}\nexpected:\n{fixed}"
                    ));
                } else if lint_text(engine, &settings, &ex.file, &text)
                    .is_ok_and(|d| d.iter().any(|d| d.rule == rule.id))
                {
                    fail(format!("example {n}: the fixed file still fires"));
                }
            }
            None if ex.kind == ExampleKind::Bad && has_fix => {
                fail(format!("bad example {n} has a fix: show it with `fixed`"))
            }
            None => {}
        }
    }
    failures
}

/// Lint one example's text as a file of its name, with every rule of `engine`.
fn lint_text(
    engine: &Engine,
    settings: &Settings,
    name: &str,
    text: &str,
) -> Result<Vec<Diagnostic>, String> {
    let path = PathBuf::from(name);
    let kind = crate::classify::by_name_or_content(&path, text)
        .ok_or_else(|| format!("file name `{name}` is not recognised as any kind"))?;
    let source = SourceFile::new(path, name.to_string(), text.to_string(), 0);
    let mut out = Vec::new();
    let mut errors = Vec::new();
    crate::lint_source(
        engine,
        settings,
        &crate::model::related::Related::default(),
        &source,
        kind,
        0,
        &mut out,
        &mut errors,
    );
    match errors.first() {
        Some(e) => Err(format!("rule evaluation failed: {}", e.message)),
        None => Ok(out),
    }
}
