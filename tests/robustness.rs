//! Hostile and broken input through the whole pipeline: nothing panics, everything ends in
//! bounded time with a diagnostic or a note.

use moat::classify::FileKind;
use moat::rules::eval::Engine;
use moat::source::SourceFile;

fn engine() -> Engine {
    Engine::new(moat::rules::load::embedded().expect("rules load"))
}

fn lint(
    engine: &Engine,
    name: &str,
    kind: FileKind,
    text: &str,
) -> Vec<moat::diagnostic::Diagnostic> {
    let source = SourceFile::new(name.into(), name.into(), text.to_string(), 0);
    let mut out = Vec::new();
    moat::lint_source(
        engine,
        &moat::settings::Settings::default(),
        &moat::model::related::Related::default(),
        &source,
        kind,
        0,
        &mut out,
        &mut Vec::new(),
    );
    for d in &out {
        assert!(
            d.span.start <= d.span.end && d.span.end <= text.len(),
            "span out of bounds in {name}: {d:?}"
        );
        assert!(text.is_char_boundary(d.span.start) && text.is_char_boundary(d.span.end));
    }
    out
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn samples() -> Vec<(String, FileKind, String)> {
    let mut out = Vec::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Some(kind) = moat::classify::by_name(&p) {
                if let Ok(text) = std::fs::read_to_string(&p) {
                    out.push((p.display().to_string(), kind, text));
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn mutated_fixtures_never_panic() {
    let engine = engine();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let pieces = [
        "\n",
        "\r\n",
        "\r",
        " ",
        "\\",
        "\"",
        "'",
        "{",
        "[",
        "&a ",
        "*a",
        "<<: *a",
        "- ",
        ": ",
        "${",
        "}",
        "\t",
        "é",
        "\u{1b}[2J",
        "\0",
        "RUN ",
        "FROM ",
        "<<EOF\n",
        "#",
    ];
    for (name, kind, text) in samples() {
        for _ in 0..150 {
            let mut t: Vec<char> = text.chars().collect();
            for _ in 0..1 + rng.below(4) {
                match rng.below(3) {
                    0 if !t.is_empty() => {
                        let at = rng.below(t.len());
                        let len = rng.below(8).min(t.len() - at);
                        t.drain(at..at + len);
                    }
                    1 => {
                        let at = rng.below(t.len() + 1);
                        let piece = pieces[rng.below(pieces.len())];
                        for (i, c) in piece.chars().enumerate() {
                            t.insert(at + i, c);
                        }
                    }
                    _ => {
                        let cut = rng.below(t.len() + 1);
                        t.truncate(cut);
                    }
                }
            }
            let mutated: String = t.into_iter().collect();
            lint(&engine, &name, kind, &mutated);
        }
    }
}

#[test]
fn hostile_yaml_ends_in_a_clear_error() {
    let engine = engine();
    let mut bomb = String::from(
        "services: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..10u8 {
        let (prev, cur) = if i == 1 {
            ("a".to_string(), "b".to_string())
        } else {
            (
                ((b'a' + i - 1) as char).to_string(),
                ((b'a' + i) as char).to_string(),
            )
        };
        bomb.push_str(&format!(
            "{cur}: &{cur} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
    }
    let deep_flow = format!("services: {}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_block: String = std::iter::once("services:\n".to_string())
        .chain((1..5000).map(|i| format!("{}a:\n", " ".repeat(i))))
        .collect();
    for (what, text) in [
        ("alias bomb", bomb),
        ("deep flow", deep_flow),
        ("deep block", deep_block),
    ] {
        let out = lint(&engine, "compose.yaml", FileKind::Compose, &text);
        assert!(
            out.iter().any(|d| &*d.rule == "parse-error"),
            "{what}: {out:?}"
        );
    }
}

#[test]
fn long_lines_and_odd_bytes_are_linted() {
    let engine = engine();
    let long = format!(
        "services:\n  a:\n    image: redis:7\n    command: [\"{}\"]\n",
        "x".repeat(1_000_000)
    );
    lint(&engine, "compose.yaml", FileKind::Compose, &long);
    let long_run = format!("FROM alpine:3\nRUN {}\n", "echo a && ".repeat(100_000));
    lint(&engine, "Dockerfile", FileKind::Dockerfile, &long_run);
    lint(
        &engine,
        "Dockerfile",
        FileKind::Dockerfile,
        "FROM alpine:3\rRUN echo\rUSER app\r",
    );
}
