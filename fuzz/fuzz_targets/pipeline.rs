//! The whole pipeline on arbitrary bytes under an arbitrary name: read checks (BOM, UTF-16,
//! NUL, invalid UTF-8), classification by name or content, every parser and model, the rule
//! engine, suppressions, then `--fix --unsafe-fixes` on whatever has fixes: the fixes must
//! settle, and must not break a file that parsed.
//!
//! The first byte picks a conventional file name (so each kind is reached often); past the
//! list, the name is taken from the input up to its first newline. The rest is the file.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use moat::diagnostic::{Diagnostic, PARSE_ERROR};
use moat::rules::eval::Engine;
use moat::settings::Settings;
use moat::source::SourceFile;
use std::sync::OnceLock;

const NAMES: &[&str] = &[
    "Dockerfile",
    "compose.yaml",
    "redis.conf",
    ".env",
    "ollama.service",
    "nvidia-container-runtime/config.toml",
    "values.yaml",
    "manifests.yaml",
    "stdin",
];

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(moat::rules::load::embedded().expect("embedded rules load")))
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let (name, bytes) = match NAMES.get(pick as usize) {
        Some(n) => (n.to_string(), rest),
        None => {
            let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            let name = String::from_utf8_lossy(&rest[..end]).into_owned();
            (name, rest.get(end + 1..).unwrap_or_default())
        }
    };
    // Every rule, as `--select ALL`, so the fuzzer reaches all of them.
    let settings = Settings::all();
    let input = moat::Input::Text {
        name: format!("{}/{name}", common::ROOT).into(),
        text: bytes.to_vec(),
    };
    let report = moat::check(engine(), &settings, input).expect("text input has no discovery");
    // What leaves the pipeline is inside its file and on character boundaries: reporters and
    // fixes slice with these spans.
    for d in &report.diagnostics {
        let text = &report.files[d.file].text;
        for span in std::iter::once(d.span).chain(d.labels.iter().map(|l| l.span)) {
            assert!(span.start <= span.end && span.end <= text.len(), "{d:?}");
            assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
        }
    }
    for fixed in moat::fix::fix_all(engine(), &settings, &report, true) {
        // A fix whose result still needs fixing after every pass never settles: each run of
        // `moat --fix` would change the file again.
        assert!(fixed.converged, "fixes do not converge:\n{}", fixed.fixed);
        // A fix must not break a file that parsed: the fixed text is linted as its kind again.
        let index = report
            .files
            .iter()
            .position(|f| f.path == fixed.path)
            .expect("fixed file");
        let parsed = |d: &&Diagnostic| d.file == index && &*d.rule == PARSE_ERROR;
        if report.diagnostics.iter().any(|d| parsed(&d)) {
            continue;
        }
        let kind = moat::classify::by_name_or_content(&fixed.path, &fixed.original)
            .expect("a file with fixes has a kind");
        let source = SourceFile::new(fixed.path.clone(), fixed.display.clone(), fixed.fixed, 0);
        let mut after = Vec::new();
        moat::lint_source(
            engine(),
            &settings,
            &moat::model::related::Related::default(),
            &source,
            kind,
            index,
            &mut after,
            &mut Vec::new(),
        );
        let broken: Vec<&Diagnostic> = after.iter().filter(parsed).collect();
        assert!(
            broken.is_empty(),
            "the fix broke the file:\n{}\n{broken:?}",
            source.text
        );
    }
});
