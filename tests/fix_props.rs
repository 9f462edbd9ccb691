//! `--fix` never loses data: generated valid Compose files, Dockerfiles and redis.conf files of
//! the shapes that have fixes (published ports, literal secrets, `ENV` TLS switches, `bind`,
//! `protected-mode`), with LF or CRLF, with or without a BOM, go through the same steps as
//! `moat check --fix --unsafe-fixes` (lint, `fix_all`, `write_atomically`). Every byte outside
//! the values a fix may edit must come back unchanged, each edited value must be one of its
//! fix's replacements, the file must still parse, and linting it again must fix nothing.
//!
//! Cases default to 64 per kind so `cargo test` stays quick; `PROPTEST_CASES=N` runs more.

use moat::diagnostic::{Diagnostic, PARSE_ERROR};
use moat::fix;
use moat::rules::eval::Engine;
use moat::settings::Settings;
use moat::{check, Input, Report};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};
use std::path::Path;
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(moat::rules::load::embedded().expect("rules load")))
}

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    Config::with_cases(cases)
}

/// A generated file: text the fixes must keep byte for byte, and values a fix may replace.
#[derive(Debug, Clone)]
enum Seg {
    Keep(String),
    /// The value as written, and what the fixes that target it write instead.
    Edit(String, Vec<String>),
}

#[derive(Debug, Clone)]
struct Case {
    segs: Vec<Seg>,
    crlf: bool,
    bom: bool,
}

impl Case {
    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if self.bom {
            out.extend_from_slice(&[0xEF, 0xBB, 0xBF]);
        }
        for s in &self.segs {
            let t = match s {
                Seg::Keep(t) | Seg::Edit(t, _) => t,
            };
            out.extend_from_slice(t.as_bytes());
        }
        out
    }
}

/// Segments from pieces written with `\n`; with CRLF every line ending becomes `\r\n`
/// (a block scalar's edited text holds line endings too; replacements never do).
fn finish(pieces: Vec<Seg>, crlf: bool, bom: bool) -> Case {
    let segs = pieces
        .into_iter()
        .map(|s| match s {
            Seg::Keep(t) if crlf => Seg::Keep(t.replace('\n', "\r\n")),
            Seg::Edit(t, r) if crlf => Seg::Edit(t.replace('\n', "\r\n"), r),
            other => other,
        })
        .collect();
    Case { segs, crlf, bom }
}

/// Does `out` read as the segments, each edited value either kept or replaced by one of its
/// replacements? Backtracking, but a wrong choice fails at the next kept text.
fn matches(out: &str, segs: &[Seg]) -> bool {
    match segs.split_first() {
        None => out.is_empty(),
        Some((Seg::Keep(t), rest)) => out
            .strip_prefix(t.as_str())
            .is_some_and(|r| matches(r, rest)),
        Some((Seg::Edit(orig, fixed), rest)) => std::iter::once(orig).chain(fixed).any(|v| {
            out.strip_prefix(v.as_str())
                .is_some_and(|r| matches(r, rest))
        }),
    }
}

fn lint(path: &Path) -> Report {
    check(
        engine(),
        &Settings::default(),
        Input::Paths(vec![path.to_path_buf()]),
    )
    .expect("lint")
}

fn parse_errors(report: &Report) -> Vec<&Diagnostic> {
    report
        .diagnostics
        .iter()
        .filter(|d| &*d.rule == PARSE_ERROR)
        .collect()
}

/// Run the fix steps of `moat check --fix --unsafe-fixes` on `case` written as `name`, and
/// check everything the module comment promises. `must_fix`: the case holds a value that a
/// fix always edits, so a run that changes nothing is a failure too.
fn fix_roundtrip(name: &str, case: &Case, must_fix: bool) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    let original = case.bytes();
    std::fs::write(&path, &original).unwrap();
    let text = String::from_utf8_lossy(&original).into_owned();

    let report = lint(&path);
    prop_assert!(
        parse_errors(&report).is_empty(),
        "the generator wrote an invalid file:\n{text}\n{:?}",
        parse_errors(&report)
    );
    let fixed = fix::fix_all(engine(), &Settings::default(), &report, true);
    prop_assert!(fixed.len() <= 1);
    if must_fix {
        prop_assert!(
            fixed.first().is_some_and(|f| f.applied > 0),
            "nothing fixed in:\n{text}"
        );
    }
    for f in &fixed {
        prop_assert!(f.converged, "fixes did not converge:\n{}", f.fixed);
        fix::write_atomically(f).unwrap();
    }

    let written = std::fs::read(&path).unwrap();
    let body = match written.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(rest) => {
            prop_assert!(case.bom, "a BOM appeared");
            rest
        }
        None => {
            prop_assert!(!case.bom, "the BOM was lost");
            &written[..]
        }
    };
    let body = std::str::from_utf8(body).expect("fixes write UTF-8");
    prop_assert!(
        matches(body, &case.segs),
        "bytes outside the edits changed.\n--- before\n{text}\n--- after\n{body}"
    );
    if case.crlf {
        prop_assert!(
            !body.replace("\r\n", "").contains('\n'),
            "a bare LF in a CRLF file"
        );
    }

    if name.ends_with(".yaml") {
        same_documents_but_edits(&text, body, &case.segs)?;
    }

    let again = lint(&path);
    prop_assert!(
        parse_errors(&again).is_empty(),
        "the fixed file no longer parses:\n{body}\n{:?}",
        parse_errors(&again)
    );
    let second = fix::fix_all(engine(), &Settings::default(), &again, true);
    prop_assert!(
        second.is_empty(),
        "a second pass changed the file again:\n{:?}",
        second.first().map(|f| &f.fixed)
    );
    Ok(())
}

/// Every leaf of the YAML documents, by path, as text.
fn leaves(src: &str) -> Vec<(String, String)> {
    use moat::parse::yaml::{parse_documents, YNode, YValue};
    fn walk(n: &YNode, src: &str, path: String, out: &mut Vec<(String, String)>) {
        match &n.value {
            YValue::Map(entries) => {
                for (k, v) in entries {
                    let key = k.scalar_text(src).unwrap_or_default();
                    walk(v, src, format!("{path}/{key}"), out);
                }
            }
            YValue::Seq(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, src, format!("{path}/{i}"), out);
                }
            }
            YValue::Null => out.push((path, "~".into())),
            _ => out.push((path, n.scalar_text(src).unwrap_or_default())),
        }
    }
    let mut out = Vec::new();
    for (i, d) in parse_documents(src).expect("parses").iter().enumerate() {
        walk(d, src, format!("{i}"), &mut out);
    }
    out
}

/// Parsed before and after, the documents are the same but for the edited values: each
/// differing leaf was an edited value before and is one of its replacements after.
fn same_documents_but_edits(before: &str, after: &str, segs: &[Seg]) -> Result<(), TestCaseError> {
    let before_src = before.trim_start_matches('\u{feff}');
    let (a, b) = (leaves(before_src), leaves(after));
    prop_assert_eq!(
        a.iter().map(|l| &l.0).collect::<Vec<_>>(),
        b.iter().map(|l| &l.0).collect::<Vec<_>>(),
        "the keys changed"
    );
    for ((path, old), (_, new)) in a.iter().zip(&b) {
        if old == new {
            continue;
        }
        let edited = segs.iter().any(|s| match s {
            Seg::Edit(orig, fixed) => {
                // A block scalar's value is its content; other values are written as is.
                let value = match orig.split_once('\n') {
                    Some((header, content)) if header.starts_with(['|', '>']) => content,
                    _ => orig.as_str(),
                };
                // The leaf may hold more than the value (`KEY=value` in a list).
                old.contains(value.trim())
                    && fixed
                        .iter()
                        .any(|f| old.trim().replacen(value.trim(), f, 1) == new.trim())
            }
            Seg::Keep(_) => false,
        });
        prop_assert!(edited, "{path} changed from {old:?} to {new:?}");
    }
    Ok(())
}

fn keep(s: impl Into<String>) -> Seg {
    Seg::Keep(s.into())
}

/// Comments with multi-byte characters, so a fix that slices by characters or lines shows.
fn comment() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "# plain comment",
        "# é, ü and ß",
        "# 日本語のコメント",
        "#",
        "# emoji 🚀 here",
    ])
}

#[derive(Debug, Clone, Copy)]
enum Quote {
    None,
    Double,
    Single,
}

impl Quote {
    fn mark(self) -> &'static str {
        match self {
            Quote::None => "",
            Quote::Double => "\"",
            Quote::Single => "'",
        }
    }
}

fn quote() -> impl Strategy<Value = Quote> {
    prop_oneof![Just(Quote::None), Just(Quote::Double), Just(Quote::Single)]
}

/// How an `environment:` mapping value is written: inline (plain or quoted), or as a block
/// scalar with its header (`|`, `>-`, `|2`, `>+`: every chomping and indentation indicator
/// form), optionally with a comment on the header line.
#[derive(Debug, Clone)]
enum Style {
    Inline(Quote),
    Block {
        header: &'static str,
        /// The indentation indicator, when the header has one: content is indented by it.
        indent: Option<usize>,
        comment: bool,
    },
}

fn style() -> impl Strategy<Value = Style> {
    prop_oneof![
        quote().prop_map(Style::Inline),
        (
            prop::sample::select(vec![
                ("|", None),
                ("|-", None),
                ("|+", None),
                (">", None),
                (">-", None),
                (">+", None),
                ("|2", Some(2)),
                ("|2-", Some(2)),
                ("|-2", Some(2)),
                (">4+", Some(4)),
                (">+1", Some(1)),
            ]),
            any::<bool>(),
        )
            .prop_map(|((header, indent), comment)| Style::Block {
                header,
                indent,
                comment
            }),
    ]
}

// ---------------------------------------------------------------- Compose

#[derive(Debug, Clone)]
struct PortItem {
    spec: String,
    /// DC001 may rewrite it (published on every interface, no host address).
    editable: bool,
    quote: Quote,
    comment: Option<&'static str>,
}

fn port_item() -> impl Strategy<Value = PortItem> {
    let spec = prop_oneof![
        // host:container, published on every interface
        (
            1024u16..,
            1u16..,
            prop::sample::select(vec!["", "/tcp", "/udp"])
        )
            .prop_map(|(h, c, p)| (format!("{h}:{c}{p}"), true)),
        // container only: an ephemeral host port on every interface
        (1u16..).prop_map(|c| (c.to_string(), true)),
        // already on loopback or a private address
        (
            prop::sample::select(vec!["127.0.0.1", "10.0.0.5"]),
            1024u16..,
            1u16..
        )
            .prop_map(|(ip, h, c)| (format!("{ip}:{h}:{c}"), false)),
        // a stack's HTTP(S) entry points are meant to be public
        prop::sample::select(vec!["80:80", "443:443", "80:8080"]).prop_map(|s| (s.into(), false)),
    ];
    (spec, quote(), prop::option::of(comment())).prop_map(|((spec, editable), quote, comment)| {
        PortItem {
            spec,
            editable,
            quote,
            comment,
        }
    })
}

#[derive(Debug, Clone)]
enum EnvItem {
    /// A secret-named variable with a literal value: CT005 may replace the value.
    Secret(&'static str, String),
    Plain(&'static str, &'static str),
    Reference(&'static str),
}

impl EnvItem {
    fn name(&self) -> &'static str {
        match self {
            EnvItem::Secret(n, _) | EnvItem::Plain(n, _) | EnvItem::Reference(n) => n,
        }
    }
}

fn env_item() -> impl Strategy<Value = EnvItem> {
    prop_oneof![
        (
            prop::sample::select(vec![
                "DB_PASSWORD",
                "API_TOKEN",
                "APP_SECRET",
                "OPENAI_API_KEY",
                "REDIS_PASSWORD",
            ]),
            "[a-z][a-z0-9]{7,15}"
        )
            .prop_map(|(n, v)| EnvItem::Secret(n, v)),
        prop::sample::select(vec![
            ("LOG_LEVEL", "info"),
            ("TZ", "UTC"),
            ("WORKERS", "4"),
            ("MODEL_DIR", "/models"),
        ])
        .prop_map(|(n, v)| EnvItem::Plain(n, v)),
        prop::sample::select(vec!["DB_PASSWORD", "HF_TOKEN", "SESSION_SECRET"])
            .prop_map(EnvItem::Reference),
    ]
}

#[derive(Debug, Clone)]
struct ServiceSpec {
    image: &'static str,
    ports: Vec<PortItem>,
    flow_ports: bool,
    /// Each with its style, a trailing comment or not, and (map form) a quoted key or not.
    env: Vec<(EnvItem, Style, bool, bool)>,
    /// 0: a block mapping, 1: a list of `KEY=VALUE`, 2: a flow mapping `{KEY: value, ...}`.
    env_form: u8,
    comment: Option<&'static str>,
    restart: bool,
}

fn service_spec() -> impl Strategy<Value = ServiceSpec> {
    (
        prop::sample::select(vec![
            "ollama/ollama:0.5.7",
            "postgres:16.4",
            "nginx:1.27",
            "ghcr.io/open-webui/open-webui:v0.5.20",
        ]),
        prop::collection::vec(port_item(), 0..4),
        any::<bool>(),
        prop::collection::vec((env_item(), style(), any::<bool>(), any::<bool>()), 0..5),
        0u8..3,
        prop::option::of(comment()),
        any::<bool>(),
    )
        .prop_map(
            |(image, ports, flow_ports, env, env_form, comment, restart)| ServiceSpec {
                image,
                ports,
                flow_ports,
                env,
                env_form,
                comment,
                restart,
            },
        )
}

/// The first service always publishes `8080:80` on every interface: DC001 must fix it.
fn compose_case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(service_spec(), 1..4),
        prop::sample::select(vec![2usize, 4]),
        prop::option::of(comment()),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(mut services, unit, top_comment, crlf, bom)| {
            services[0].ports.insert(
                0,
                PortItem {
                    spec: "8080:80".into(),
                    editable: true,
                    quote: Quote::Double,
                    comment: None,
                },
            );
            let i1 = " ".repeat(unit);
            let i2 = " ".repeat(unit * 2);
            let i3 = " ".repeat(unit * 3);
            let mut s = Vec::new();
            if let Some(c) = top_comment {
                s.push(keep(format!("{c}\n")));
            }
            s.push(keep("name: stack\nservices:\n"));
            for (n, svc) in services.iter().enumerate() {
                s.push(keep(format!("{i1}svc{n}:\n{i2}image: {}\n", svc.image)));
                if let Some(c) = svc.comment {
                    s.push(keep(format!("{i2}{c}\n")));
                }
                if !svc.ports.is_empty() {
                    let flow = svc.flow_ports;
                    s.push(keep(format!(
                        "{i2}ports:{}",
                        if flow { " [" } else { "\n" }
                    )));
                    for (k, p) in svc.ports.iter().enumerate() {
                        // Flow sequences need quotes around `host:container`.
                        let q = match (flow, p.quote) {
                            (true, Quote::None) => Quote::Double,
                            (_, q) => q,
                        }
                        .mark();
                        if flow {
                            s.push(keep(format!("{}{q}", if k > 0 { ", " } else { "" })));
                        } else {
                            s.push(keep(format!("{i3}- {q}")));
                        }
                        if p.editable {
                            s.push(Seg::Edit(
                                p.spec.clone(),
                                vec![
                                    format!("127.0.0.1:{}", p.spec),
                                    format!("127.0.0.1::{}", p.spec),
                                ],
                            ));
                        } else {
                            s.push(keep(p.spec.clone()));
                        }
                        match (flow, p.comment) {
                            (true, _) => s.push(keep(q)),
                            (false, Some(c)) => s.push(keep(format!("{q}  {c}\n"))),
                            (false, None) => s.push(keep(format!("{q}\n"))),
                        }
                    }
                    if flow {
                        s.push(keep("]\n"));
                    }
                }
                let mut seen = Vec::new();
                let env: Vec<_> = svc
                    .env
                    .iter()
                    .filter(|(e, ..)| {
                        // A repeated key is a YAML error, and a repeated entry a Compose one.
                        let new = !seen.contains(&e.name());
                        seen.push(e.name());
                        new
                    })
                    .collect();
                if !env.is_empty() {
                    s.push(keep(format!(
                        "{i2}environment:{}",
                        if svc.env_form == 2 { " {" } else { "\n" }
                    )));
                }
                let has_env = !env.is_empty();
                for (k, (e, style, comment, quoted_key)) in env.into_iter().enumerate() {
                    let value = match e {
                        EnvItem::Secret(_, v) => v.clone(),
                        EnvItem::Plain(_, v) => v.to_string(),
                        EnvItem::Reference(n) => format!("${{{n}}}"),
                    };
                    let replacement = match e {
                        EnvItem::Secret(n, _) => Some(format!("${{{n}:?}}")),
                        _ => None,
                    };
                    let key = if *quoted_key {
                        format!("\"{}\"", e.name())
                    } else {
                        e.name().to_string()
                    };
                    // Block scalars exist only in block mappings; elsewhere they are quoted.
                    let style = match (style, svc.env_form) {
                        (Style::Block { .. }, 1 | 2) => &Style::Inline(Quote::Double),
                        (s, _) => s,
                    };
                    match style {
                        Style::Inline(q) => {
                            // A plain scalar in a flow mapping is not offered a fix: `{` and
                            // `}` would end `${VAR:?}`.
                            let q = match (svc.env_form, q) {
                                (2, Quote::None) => Quote::Double,
                                (_, q) => *q,
                            }
                            .mark();
                            let head = match svc.env_form {
                                1 => format!("{i3}- {q}{}=", e.name()),
                                2 => format!("{}{key}: {q}", if k > 0 { ", " } else { "" }),
                                _ => format!("{i3}{key}: {q}"),
                            };
                            s.push(keep(head));
                            match replacement {
                                Some(r) => s.push(Seg::Edit(value, vec![r])),
                                None => s.push(keep(value)),
                            }
                            s.push(keep(match (svc.env_form, comment) {
                                (2, _) => q.to_string(),
                                (_, true) => format!("{q}  # note é\n"),
                                (_, false) => format!("{q}\n"),
                            }));
                        }
                        Style::Block {
                            header,
                            indent,
                            comment: header_comment,
                        } => {
                            s.push(keep(format!("{i3}{key}: ")));
                            let content = " ".repeat(unit * 3 + indent.unwrap_or(unit));
                            let block = format!("{header}\n{content}{value}");
                            match replacement {
                                // The header comment is inside the value's span: no fix.
                                Some(r) if !header_comment => s.push(Seg::Edit(block, vec![r])),
                                _ if *header_comment => {
                                    s.push(keep(format!("{header}  # note é\n{content}{value}")))
                                }
                                _ => s.push(keep(block)),
                            }
                            s.push(keep("\n"));
                            if *comment {
                                // A comment line after the block, less indented than its
                                // content: not part of the value, and must stay.
                                s.push(keep(format!("\n{i3}# after the block é\n")));
                            }
                        }
                    }
                }
                if svc.env_form == 2 && has_env {
                    s.push(keep("}\n"));
                }
                if svc.restart {
                    s.push(keep(format!("{i2}restart: unless-stopped\n")));
                }
            }
            finish(s, crlf, bom)
        })
}

// ---------------------------------------------------------------- Dockerfile

/// TLS switches DF007 fixes, the value that turns verification off, and the fix's value.
const TLS: &[(&str, &str, &str)] = &[
    ("NODE_TLS_REJECT_UNAUTHORIZED", "0", "1"),
    ("PYTHONHTTPSVERIFY", "0", "1"),
    ("NPM_CONFIG_STRICT_SSL", "false", "true"),
    ("npm_config_strict_ssl", "false", "true"),
    ("YARN_STRICT_SSL", "false", "true"),
];

#[derive(Debug, Clone)]
enum DLine {
    /// `ENV`/`ARG` of a TLS switch: form (0 `ENV k=v`, 1 `ENV k v`, 2 `ENV a=b k=v`, 3 `ARG k=v`,
    /// 4 `ENV a=b` continued on the next line with `k=v`).
    Tls(usize, u8, Quote),
    Filler(&'static str),
}

fn dockerfile_case() -> impl Strategy<Value = Case> {
    let line = prop_oneof![
        (0..TLS.len(), 0u8..5, quote()).prop_map(|(i, f, q)| DLine::Tls(i, f, q)),
        prop::sample::select(vec![
            "RUN npm ci",
            "WORKDIR /app",
            "# é comment",
            "# 日本語",
            "COPY . .",
            "RUN apt-get update \\\n    && apt-get install -y --no-install-recommends curl",
            "ENV NODE_ENV=production",
            "USER node",
            "EXPOSE 3000",
            "",
            "FROM node:22-bookworm-slim",
            "CMD [\"node\", \"server.js\"]",
        ])
        .prop_map(DLine::Filler),
    ];
    (
        prop::collection::vec(line, 0..12),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(lines, backtick, crlf, bom)| {
            // The escape directive changes the line continuation character.
            let (mut s, esc) = if backtick {
                (vec![keep("# escape=`\nFROM node:22-bookworm-slim\n")], '`')
            } else {
                (vec![keep("FROM node:22-bookworm-slim\n")], '\\')
            };
            // Always one switch a fix must turn back on.
            for line in std::iter::once(DLine::Tls(0, 0, Quote::None)).chain(lines) {
                match line {
                    DLine::Filler(t) => {
                        s.push(keep(format!("{}\n", t.replace('\\', &esc.to_string()))))
                    }
                    DLine::Tls(i, form, q) => {
                        let (name, off, on) = TLS[i];
                        // The legacy `ENV k v` form takes the rest of the line as it is.
                        let q = if form == 1 { "" } else { q.mark() };
                        s.push(keep(match form {
                            0 => format!("ENV {name}={q}"),
                            1 => format!("ENV {name} "),
                            2 => format!("ENV LANG=C.UTF-8 {name}={q}"),
                            3 => format!("ARG {name}={q}"),
                            _ => format!("ENV LANG=C.UTF-8 {esc}\n    {name}={q}"),
                        }));
                        s.push(Seg::Edit(off.into(), vec![on.into()]));
                        s.push(keep(format!("{q}\n")));
                    }
                }
            }
            finish(s, crlf, bom)
        })
}

// ---------------------------------------------------------------- redis.conf

fn redis_case() -> impl Strategy<Value = Case> {
    let filler = prop::sample::select(vec![
        "port 6379",
        "maxmemory 100mb",
        "appendonly yes",
        "# bind 127.0.0.1 (commented out)",
        "# é comment",
        "",
        "save \"\"",
        "tcp-keepalive 300",
        "  loglevel notice",
    ]);
    (
        prop::collection::vec(filler, 0..8),
        prop::sample::select(vec!["0.0.0.0", "*", "::", "0.0.0.0 ::", "* -::*"]),
        prop::option::of((quote(), any::<bool>())),
        prop::option::of("[a-z0-9]{16,32}"),
        prop::collection::vec(prop::sample::select(vec!["maxclients 100", "# end"]), 0..3),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(head, bind, protected, password, tail, crlf, bom)| {
            let mut s: Vec<Seg> = head.iter().map(|l| keep(format!("{l}\n"))).collect();
            // Every interface: RD003 must rewrite it to loopback.
            s.push(keep("bind "));
            s.push(Seg::Edit(bind.into(), vec!["127.0.0.1 -::1".into()]));
            s.push(keep("\n"));
            if let Some((q, upper)) = protected {
                let q = match q {
                    Quote::Single => "'",
                    Quote::Double => "\"",
                    Quote::None => "",
                };
                s.push(keep(if upper {
                    "PROTECTED-MODE "
                } else {
                    "protected-mode "
                }));
                // RD004 replaces the whole argument, quotes included.
                s.push(Seg::Edit(format!("{q}no{q}"), vec!["yes".into()]));
                s.push(keep("\n"));
            }
            if let Some(p) = password {
                s.push(keep(format!("requirepass {p}\n")));
            }
            s.extend(tail.iter().map(|l| keep(format!("{l}\n"))));
            finish(s, crlf, bom)
        })
}

#[test]
fn compose_fixes_keep_every_other_byte() {
    proptest!(config(), |(case in compose_case())| {
        fix_roundtrip("compose.yaml", &case, true)?;
    });
}

#[test]
fn dockerfile_fixes_keep_every_other_byte() {
    proptest!(config(), |(case in dockerfile_case())| {
        fix_roundtrip("Dockerfile", &case, true)?;
    });
}

#[test]
fn redis_conf_fixes_keep_every_other_byte() {
    proptest!(config(), |(case in redis_case())| {
        fix_roundtrip("redis.conf", &case, true)?;
    });
}

/// The checker itself: a changed byte outside an edit, or an edit to a value no fix writes,
/// must not match (else every property above would pass vacuously).
#[test]
fn the_byte_check_catches_changes() {
    let segs = vec![
        keep("a: "),
        Seg::Edit("x".into(), vec!["y".into()]),
        keep("\n"),
    ];
    assert!(matches("a: x\n", &segs));
    assert!(matches("a: y\n", &segs));
    assert!(!matches("a: z\n", &segs));
    assert!(!matches("a:  y\n", &segs));
    assert!(!matches("a: y\r\n", &segs));
    assert!(!matches("a: y", &segs));
}
