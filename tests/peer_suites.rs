//! moat's accuracy on labelled cases written by other linters' authors: KICS's Dockerfile,
//! Compose and Kubernetes query samples and hadolint's rule specs, read from ../shared/peer-suites (never
//! copied into this repository). `docs/peer-mapping.toml` says which moat rules answer each
//! peer check; `docs/peer-misses.toml` lists every case moat scores wrong, with the reason.
//!
//! The test fails when: a peer check has no mapping row; a mapped rule does not exist or does
//! not name the peer check in its `sources`; a case is missed (or falsely flagged) and not
//! listed, or is listed and no longer missed; the totals on the agreed labels fall below the
//! targets; `docs/accuracy.md` differs from what this run measured
//! (`MOAT_UPDATE_ACCURACY=1 cargo test --test peer_suites` rewrites it). Skipped, with a
//! message, when ../shared/peer-suites is absent; under `CI` it must be there.

use moat::classify::FileKind;
use moat::diagnostic::Diagnostic;
use moat::rules::eval::Engine;
use moat::settings::Settings;
use moat::source::{SourceFile, Span};
use moat::{check, Input, Report};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const RECALL_TARGET: f64 = 0.95;
const FALSE_ALARM_TARGET: f64 = 0.02;
/// The KICS platforms moat measures now; other platforms' rows must be `pending`.
const KICS_PLATFORMS: [(&str, FileKind); 3] = [
    ("dockerfile", FileKind::Dockerfile),
    ("dockerCompose", FileKind::Compose),
    ("k8s", FileKind::Kubernetes),
];

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn suites() -> Option<PathBuf> {
    let dir = manifest().join("../shared/peer-suites");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must have ../shared/peer-suites beside the checkout"
    );
    eprintln!("skipped: ../shared/peer-suites is not here");
    None
}

// ---------------------------------------------------------------------------------------------
// The data files

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Mapping {
    categories: BTreeMap<String, String>,
    kics: Vec<KicsRow>,
    hadolint: Vec<HadolintRow>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "kebab-case")]
enum Status {
    Mapped,
    OutOfScope,
    Pending,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct KicsRow {
    query: String,
    kics_id: String,
    status: Status,
    #[serde(default)]
    rules: Vec<String>,
    category: Option<String>,
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HadolintRow {
    rule: String,
    status: Status,
    #[serde(default)]
    rules: Vec<String>,
    category: Option<String>,
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Misses {
    miss: Vec<Miss>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "kebab-case")]
enum MissKind {
    /// moat disagrees with the peer's label: left out of the agreed-label figures.
    Disputed,
    /// moat should get this right and does not yet: counted against the targets.
    Gap,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Miss {
    case: String,
    kind: MissKind,
    reason: String,
}

/// What is wrong with a row's decision, if anything.
fn bad_decision(
    status: Status,
    rules: &[String],
    category: Option<&String>,
    reason: Option<&String>,
    categories: &BTreeMap<String, String>,
) -> Option<&'static str> {
    match status {
        Status::Mapped if rules.is_empty() || category.is_some() => {
            Some("a mapped row has `rules` and no `category`")
        }
        Status::OutOfScope
            if !rules.is_empty() || category.is_none_or(|c| !categories.contains_key(c)) =>
        {
            Some("an out-of-scope row has a `category` from [categories] and no `rules`")
        }
        Status::Pending if !rules.is_empty() || reason.is_none() => {
            Some("a pending row has a `reason` and no `rules`")
        }
        _ => None,
    }
}

fn load_mapping(problems: &mut Vec<String>) -> Mapping {
    let text = std::fs::read_to_string(manifest().join("docs/peer-mapping.toml"))
        .expect("docs/peer-mapping.toml is readable");
    let m: Mapping = toml::from_str(&text).expect("docs/peer-mapping.toml is valid");
    let c = &m.categories;
    for r in &m.kics {
        let bad = bad_decision(
            r.status,
            &r.rules,
            r.category.as_ref(),
            r.reason.as_ref(),
            c,
        );
        problems.extend(bad.map(|b| format!("kics {}: {b}", r.query)));
    }
    for r in &m.hadolint {
        let bad = bad_decision(
            r.status,
            &r.rules,
            r.category.as_ref(),
            r.reason.as_ref(),
            c,
        );
        problems.extend(bad.map(|b| format!("hadolint {}: {b}", r.rule)));
    }
    m
}

// ---------------------------------------------------------------------------------------------
// Cases and their outcomes

/// One scored unit: an expected KICS line, a KICS negative sample, or a hadolint case.
struct Case {
    /// `kics:<platform>/<query>/<file>:<line>`, `kics:<platform>/<query>/<file>`, or
    /// `hadolint:<spec file>:<line>`: the key in docs/peer-misses.toml.
    id: String,
    /// `kics:dockerfile/missing_user_instruction`, `hadolint:DL3002`.
    peer: String,
    rules: Vec<String>,
    positive: bool,
    /// Positive: a mapped rule found it. Negative: a mapped rule fired.
    fired: bool,
    /// What moat reported, for the failure message.
    seen: String,
}

impl Case {
    fn wrong(&self) -> bool {
        self.positive != self.fired
    }
}

fn lint(engine: &Engine, name: &str, text: &str, kind: FileKind) -> Report {
    lint_with(engine, name, text, kind, Vec::new())
}

fn lint_with(
    engine: &Engine,
    name: &str,
    text: &str,
    kind: FileKind,
    trusted_registries: Vec<String>,
) -> Report {
    let settings = Settings {
        kinds: vec![(globset::Glob::new("*").unwrap().compile_matcher(), kind)],
        trusted_registries,
        // Every rule, as `--select ALL`: a peer's case is judged against any moat rule.
        ..Settings::all()
    };
    let report = check(
        engine,
        &settings,
        Input::Text {
            name: PathBuf::from(name),
            text: text.as_bytes().to_vec(),
        },
    )
    .expect("linting text cannot fail");
    assert!(
        report.rule_errors.is_empty(),
        "rules failed to evaluate on {name}: {:?}",
        report.rule_errors
    );
    assert!(
        !report.diagnostics.iter().any(|d| &*d.rule == "skipped"),
        "{name} was skipped instead of read as {kind:?}"
    );
    report
}

/// 1-based first and last line of a span (a span ending at a line start ends on the line
/// before).
fn lines_of(file: &SourceFile, span: Span) -> (usize, usize) {
    let start = file.position(span.start).line;
    let end = file
        .position(span.end.saturating_sub(1).max(span.start))
        .line;
    (start, end.max(start))
}

/// The lines a line opens: a YAML key's indented block (list items at the key's own
/// indentation included), a Dockerfile `FROM`'s stage; otherwise the line itself.
fn block(lines: &[&str], kind: FileKind, line: usize) -> (usize, usize) {
    let Some(first) = lines.get(line.wrapping_sub(1)) else {
        return (line, line);
    };
    let indent = |l: &str| l.len() - l.trim_start_matches(' ').len();
    let mut last = line;
    match kind {
        FileKind::Dockerfile => {
            let is_from = |l: &str| {
                l.trim_start()
                    .get(..5)
                    .is_some_and(|w| w.eq_ignore_ascii_case("FROM "))
            };
            if !is_from(first) {
                return (line, line);
            }
            while last < lines.len() && !is_from(lines[last]) {
                last += 1;
            }
        }
        _ => {
            let base = indent(first);
            let item = first.trim_start().starts_with("- ");
            for (i, l) in lines.iter().enumerate().skip(line) {
                let t = l.trim();
                if t.is_empty() || t.starts_with('#') {
                    continue;
                }
                let deeper =
                    indent(l) > base || (!item && indent(l) == base && t.starts_with("- "));
                if !deeper {
                    break;
                }
                last = i + 1;
            }
        }
    }
    (line, last)
}

/// The YAML line that holds `line` as its direct child: the nearest line above with less
/// indentation, or, for a `- ` item, a key at the same indentation.
fn parent(lines: &[&str], line: usize) -> Option<usize> {
    let indent = |l: &str| l.len() - l.trim_start_matches(' ').len();
    let me = lines.get(line.checked_sub(1)?)?;
    let item = me.trim_start().starts_with("- ");
    (1..line).rev().find(|&i| {
        let l = lines[i - 1];
        let t = l.trim();
        !t.is_empty()
            && !t.starts_with('#')
            && (indent(l) < indent(me) || (item && indent(l) == indent(me) && !t.starts_with("- ")))
    })
}

/// Does a diagnostic of a mapped rule account for the peer's expected line? See the scoring
/// notes in docs/accuracy.md: (a) its span or a label covers the line; (b) it starts on a
/// service key, a Kubernetes container's `- name:` item or a `FROM` whose block holds the line
/// (the peer anchors a "missing X" on the deepest key that exists); (c) the line is the key
/// directly holding the line moat points at (the peer anchors on `ports:`, moat on the port).
fn accounts_for(file: &SourceFile, kind: FileKind, d: &Diagnostic, line: usize) -> bool {
    let lines: Vec<&str> = file.text.lines().collect();
    let (start, end) = lines_of(file, d.span);
    let covers = |(a, b): (usize, usize)| a <= line && line <= b;
    covers((start, end))
        || d.labels.iter().any(|l| covers(lines_of(file, l.span)))
        || covers(block(&lines, kind, start))
        || (kind != FileKind::Dockerfile && parent(&lines, start) == Some(line))
}

fn summary(report: &Report) -> String {
    let f = &report.files[0];
    let mut v: Vec<String> = report
        .diagnostics
        .iter()
        .map(|d| format!("{}@{}", d.rule, lines_of(f, d.span).0))
        .collect();
    v.dedup();
    if v.is_empty() {
        "nothing".into()
    } else {
        v.join(" ")
    }
}

fn kics_cases(
    root: &Path,
    engine: &Engine,
    mapping: &Mapping,
    problems: &mut Vec<String>,
) -> Vec<Case> {
    let kics = root.join("kics");
    // Every query folder has exactly one row, and every row a folder.
    let mut folders = BTreeSet::new();
    for platform in std::fs::read_dir(&kics)
        .expect("kics/ is readable")
        .flatten()
    {
        if !platform.path().is_dir() {
            continue;
        }
        for q in std::fs::read_dir(platform.path()).unwrap().flatten() {
            if q.path().join("test").is_dir() {
                folders.insert(format!(
                    "{}/{}",
                    platform.file_name().to_string_lossy(),
                    q.file_name().to_string_lossy()
                ));
            }
        }
    }
    let rows: BTreeSet<String> = mapping.kics.iter().map(|r| r.query.clone()).collect();
    if rows.len() != mapping.kics.len() {
        problems.push("docs/peer-mapping.toml maps a KICS query twice".into());
    }
    for q in folders.difference(&rows) {
        problems.push(format!(
            "KICS query {q} has no row in docs/peer-mapping.toml"
        ));
    }
    for q in rows.difference(&folders) {
        problems.push(format!(
            "docs/peer-mapping.toml maps KICS query {q}, which is not in the suite"
        ));
    }

    let mut expected: BTreeMap<(String, String), BTreeSet<usize>> = BTreeMap::new();
    let tsv = std::fs::read_to_string(kics.join("EXPECTED.tsv")).expect("EXPECTED.tsv");
    for line in tsv.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let n: usize = f[3].parse().expect("EXPECTED.tsv line numbers");
        expected
            .entry((format!("{}/{}", f[0], f[1]), f[2].to_string()))
            .or_default()
            .insert(n);
    }

    let mut cases = Vec::new();
    for row in &mapping.kics {
        let platform = row.query.split('/').next().unwrap_or("");
        let kind = KICS_PLATFORMS
            .iter()
            .find(|(p, _)| *p == platform)
            .map(|(_, k)| *k);
        match (row.status, kind) {
            (Status::Mapped, Some(_)) => {}
            (Status::Mapped, None) => {
                problems.push(format!(
                    "{}: platform {platform} is not measured yet; mark it pending",
                    row.query
                ));
                continue;
            }
            _ => continue,
        }
        let kind = kind.unwrap();
        let meta = std::fs::read_to_string(kics.join(&row.query).join("metadata.json"))
            .unwrap_or_default();
        if !meta.contains(&row.kics_id) {
            problems.push(format!(
                "{}: kics-id {} is not the query's id",
                row.query, row.kics_id
            ));
        }
        let dir = kics.join(&row.query).join("test");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| !n.ends_with(".json"))
            .collect();
        files.sort();
        for name in files {
            let text = std::fs::read_to_string(dir.join(&name)).expect("samples are UTF-8");
            let report = lint(engine, &name, &text, kind);
            let file = &report.files[0];
            let mine: Vec<&Diagnostic> = report
                .diagnostics
                .iter()
                .filter(|d| row.rules.iter().any(|r| **r == *d.rule))
                .collect();
            let seen = summary(&report);
            let peer = format!("kics:{}", row.query);
            if name.starts_with("positive") {
                let lines = expected
                    .get(&(row.query.clone(), name.clone()))
                    .cloned()
                    .unwrap_or_default();
                for line in lines {
                    cases.push(Case {
                        id: format!("kics:{}/{name}:{line}", row.query),
                        peer: peer.clone(),
                        rules: row.rules.clone(),
                        positive: true,
                        fired: mine.iter().any(|d| accounts_for(file, kind, d, line)),
                        seen: seen.clone(),
                    });
                }
            } else if name.starts_with("negative") {
                cases.push(Case {
                    id: format!("kics:{}/{name}", row.query),
                    peer,
                    rules: row.rules.clone(),
                    positive: false,
                    fired: !mine.is_empty(),
                    seen,
                });
            }
        }
    }
    cases
}

#[derive(Deserialize)]
struct HadolintCase {
    rule: String,
    dockerfile: String,
    expect: String,
    onbuild: bool,
    config: Option<String>,
    source: String,
}

fn hadolint_cases(
    root: &Path,
    engine: &Engine,
    mapping: &Mapping,
    problems: &mut Vec<String>,
) -> Vec<Case> {
    let dir = root.join("hadolint");
    let index = std::fs::read_to_string(dir.join("INDEX.tsv")).expect("hadolint INDEX.tsv");
    let rules: BTreeSet<String> = index
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .map(str::to_string)
        .collect();
    let rows: BTreeSet<String> = mapping.hadolint.iter().map(|r| r.rule.clone()).collect();
    if rows.len() != mapping.hadolint.len() {
        problems.push("docs/peer-mapping.toml maps a hadolint rule twice".into());
    }
    for r in rules.difference(&rows) {
        problems.push(format!(
            "hadolint rule {r} has no row in docs/peer-mapping.toml"
        ));
    }
    for r in rows.difference(&rules) {
        problems.push(format!(
            "docs/peer-mapping.toml maps hadolint rule {r}, which is not in the suite"
        ));
    }
    let text = std::fs::read_to_string(dir.join("cases.jsonl")).expect("hadolint cases.jsonl");
    let mut cases = Vec::new();
    let mut ids = HashSet::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let c: HadolintCase = serde_json::from_str(line).expect("cases.jsonl rows");
        // ONBUILD duplicates, hadolint's own pragmas and cases configured with anything but an
        // allowed-registry list (moat's `trusted-registries`) are not scored.
        let trusted = match &c.config {
            None => Vec::new(),
            Some(config) => match allowed_registries(config) {
                Some(list) => list,
                None => continue,
            },
        };
        if c.onbuild || c.source.contains("PragmaSpec") {
            continue;
        }
        let Some(row) = mapping
            .hadolint
            .iter()
            .find(|r| r.rule == c.rule && r.status == Status::Mapped)
        else {
            continue;
        };
        let report = lint_with(
            engine,
            "Dockerfile",
            &c.dockerfile,
            FileKind::Dockerfile,
            trusted,
        );
        let fired = report
            .diagnostics
            .iter()
            .any(|d| row.rules.iter().any(|r| **r == *d.rule));
        let id = format!("hadolint:{}", c.source.trim_start_matches("test/"));
        assert!(ids.insert(id.clone()), "two hadolint cases share {id}");
        cases.push(Case {
            id,
            peer: format!("hadolint:{}", c.rule),
            rules: row.rules.clone(),
            positive: c.expect == "catch",
            fired,
            seen: summary(&report),
        });
    }
    cases
}

/// hadolint's `def { allowedRegistries = ["a", "b"] }`, as a `trusted-registries` list.
fn allowed_registries(config: &str) -> Option<Vec<String>> {
    let list = config
        .trim()
        .strip_prefix("def {")?
        .strip_suffix('}')?
        .trim()
        .strip_prefix("allowedRegistries")?
        .trim_start()
        .strip_prefix('=')?
        .trim()
        .strip_prefix('[')?
        .strip_suffix(']')?;
    Some(
        list.split(',')
            .map(|e| e.trim().trim_matches('"').to_string())
            .filter(|e| !e.is_empty())
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// Figures and the report

#[derive(Default, Clone, Copy)]
struct Tally {
    positives: usize,
    found: usize,
    disputed_misses: usize,
    negatives: usize,
    false_alarms: usize,
    disputed_alarms: usize,
}

impl Tally {
    fn add(&mut self, c: &Case, disputed: bool) {
        if c.positive {
            self.positives += 1;
            self.found += usize::from(c.fired);
            self.disputed_misses += usize::from(disputed);
        } else {
            self.negatives += 1;
            self.false_alarms += usize::from(c.fired);
            self.disputed_alarms += usize::from(disputed);
        }
    }
    /// On the labels moat agrees with.
    fn recall(&self) -> Option<f64> {
        ratio(self.found, self.positives - self.disputed_misses)
    }
    fn false_alarm_rate(&self) -> Option<f64> {
        ratio(
            self.false_alarms - self.disputed_alarms,
            self.negatives - self.disputed_alarms,
        )
    }
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn fmt(r: Option<f64>) -> String {
    r.map_or("n/a".into(), |r| format!("{r:.2}"))
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn render(mapping: &Mapping, cases: &[Case], misses: &BTreeMap<String, &Miss>) -> (String, Tally) {
    let mut out = String::new();
    out.push_str("# Accuracy on other linters' test suites\n\n");
    out.push_str("<!-- Generated by `MOAT_UPDATE_ACCURACY=1 cargo test --test peer_suites`; the test fails when this file is stale. -->\n\n");
    out.push_str(
        "moat run in-process on the labelled cases KICS and hadolint ship with their checks, read from \
`../shared/peer-suites` (see its README for the upstream commits and licenses). The mapping from \
peer checks to moat rules is `docs/peer-mapping.toml`; every case moat scores wrong is in \
`docs/peer-misses.toml` with its reason. Every case in the suites is scored; what the figures \
leave out is named: out-of-scope checks (with their reasons) and the *disputed* labels.\n\n",
    );
    out.push_str("## How cases are scored\n\n");
    out.push_str(
        "- **KICS positive samples**: one unit per distinct expected line (KICS lists a line twice \
when it reports two things there). The line is *found* when a diagnostic of a mapped rule (a) \
covers it with its span or one of its labels; (b) starts on the line that opens the block holding \
it: KICS anchors a \"missing X\" finding on the deepest key that exists (Compose `limits:` or \
`security_opt:`, a Kubernetes container's `securityContext:`, `capabilities:` or `resources:`), \
moat on what lacks X: the Compose service key, the Dockerfile stage's `FROM`, the Kubernetes \
container's list item (`- name: ...`, whose block is the whole container); or (c) starts on a \
line the expected line directly holds: KICS anchors on the enclosing key (`ports:`, \
`cap_add:`), moat on the item. A block is a YAML key's or list item's indented lines, or a \
`FROM`'s stage. A pod-level setting (`hostPID: true`) is anchored on its own line by both.\n\
- **KICS negative samples**: a *false alarm* when any mapped rule fires anywhere in the sample.\n\
- **hadolint cases**: plain cases with the default configuration, and DL3026's with its allowed \
registries given to moat as `trusted-registries` (ONBUILD duplicates, otherwise configured \
cases and `PragmaSpec` are left out). A `catch` case is found when a mapped rule fires; a `pass` \
case is a false alarm when one does. hadolint's exact counts are not compared: moat reports per \
declaration or instruction where hadolint may report per word.\n\
- **disputed**: moat disagrees with the peer's label, for the reason listed below; such cases are \
left out of the recall and false-alarm rate (the *agreed* labels) and counted in the raw figures. \
**gap**: moat should get it right and does not yet; counted everywhere.\n\n",
    );

    // Mapping counts.
    out.push_str("## Mapping\n\n| peer checks | mapped | out of scope | pending |\n| --- | ---: | ---: | ---: |\n");
    let mut groups: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    let mut categories: BTreeMap<String, usize> = BTreeMap::new();
    let statuses = mapping
        .kics
        .iter()
        .map(|r| {
            (
                format!("KICS {}", r.query.split('/').next().unwrap_or("")),
                r.status,
                &r.category,
            )
        })
        .chain(
            mapping
                .hadolint
                .iter()
                .map(|r| ("hadolint".to_string(), r.status, &r.category)),
        );
    for (group, status, category) in statuses {
        let g = groups.entry(group).or_default();
        g[status as usize] += 1;
        if let Some(c) = category {
            *categories.entry(c.clone()).or_default() += 1;
        }
    }
    for (g, [m, o, p]) in &groups {
        let _ = writeln!(out, "| {g} | {m} | {o} | {p} |");
    }
    out.push_str("\nOut of scope, by category: ");
    out.push_str(
        &categories
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    out.push_str(" (definitions in `docs/peer-mapping.toml`).\n\n");

    // Per moat rule, then per peer check.
    let mut by_rule: BTreeMap<String, (BTreeSet<String>, Tally)> = BTreeMap::new();
    let mut by_peer: BTreeMap<(String, String), Tally> = BTreeMap::new();
    let mut total = Tally::default();
    for c in cases {
        let disputed = misses
            .get(&c.id)
            .is_some_and(|m| m.kind == MissKind::Disputed && c.wrong());
        let key = c.rules.join(" + ");
        let e = by_rule.entry(key.clone()).or_default();
        e.0.insert(c.peer.clone());
        e.1.add(c, disputed);
        by_peer
            .entry((key, c.peer.clone()))
            .or_default()
            .add(c, disputed);
        total.add(c, disputed);
    }
    let header = "| positives | found | disputed | recall | negatives | false alarms | disputed | false-alarm rate |\n";
    let rule_line = "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
    let row = |t: &Tally| {
        format!(
            "{} | {} | {} | {} | {} | {} | {} | {} |",
            t.positives,
            t.found,
            t.disputed_misses,
            fmt(t.recall()),
            t.negatives,
            t.false_alarms,
            t.disputed_alarms,
            fmt(t.false_alarm_rate())
        )
    };
    out.push_str("## Per moat rule\n\nRecall and false-alarm rate on the agreed labels.\n\n| rule | peer checks ");
    out.push_str(header);
    out.push_str(rule_line);
    for (rule, (peers, t)) in &by_rule {
        let peers: Vec<String> = peers.iter().map(|p| format!("`{p}`")).collect();
        let _ = writeln!(out, "| {rule} | {} | {}", peers.join(", "), row(t));
    }
    let _ = writeln!(out, "| **all** | | {}", row(&total));
    out.push_str("\n## Totals\n\n");
    let _ = writeln!(
        out,
        "- Recall on the agreed labels: {} of {} = **{}** (target ≥ {RECALL_TARGET:.2}); on all labels: {} of {} = {}.",
        total.found,
        total.positives - total.disputed_misses,
        fmt(total.recall()),
        total.found,
        total.positives,
        fmt(ratio(total.found, total.positives))
    );
    let _ = writeln!(
        out,
        "- False-alarm rate on the agreed labels: {} of {} = **{}** (target ≤ {FALSE_ALARM_TARGET:.2}); on all labels: {} of {} = {}.",
        total.false_alarms - total.disputed_alarms,
        total.negatives - total.disputed_alarms,
        fmt(total.false_alarm_rate()),
        total.false_alarms,
        total.negatives,
        fmt(ratio(total.false_alarms, total.negatives))
    );
    // The same figures per suite: KICS by platform, and hadolint.
    let mut by_suite: BTreeMap<&str, Tally> = BTreeMap::new();
    for c in cases {
        let disputed = misses
            .get(&c.id)
            .is_some_and(|m| m.kind == MissKind::Disputed && c.wrong());
        let suite = c.peer.split(['/', ':']).take(2).last().unwrap_or("");
        let suite = if c.peer.starts_with("hadolint:") {
            "hadolint"
        } else {
            suite
        };
        by_suite.entry(suite).or_default().add(c, disputed);
    }
    out.push_str("\nBy suite (KICS platform, or hadolint):\n\n| suite ");
    out.push_str(header);
    out.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (suite, t) in &by_suite {
        let _ = writeln!(out, "| {suite} | {}", row(t));
    }

    out.push_str("\n## Per peer check\n\n| rule | peer check ");
    out.push_str(header);
    out.push_str(rule_line);
    for ((rule, peer), t) in &by_peer {
        let _ = writeln!(out, "| {rule} | `{peer}` | {}", row(t));
    }

    out.push_str("\n## Known misses\n\nEvery case moat scores wrong: a missed positive, or a negative it flags.\n\n| case | moat rule | missed / false alarm | kind | reason |\n| --- | --- | --- | --- | --- |\n");
    for c in cases.iter().filter(|c| c.wrong()) {
        if let Some(m) = misses.get(&c.id) {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} |",
                c.id,
                c.rules.join(" + "),
                if c.positive { "missed" } else { "false alarm" },
                match m.kind {
                    MissKind::Disputed => "disputed",
                    MissKind::Gap => "gap",
                },
                cell(&m.reason)
            );
        }
    }
    (out, total)
}

#[test]
fn accuracy_on_peer_suites() {
    let Some(root) = suites() else { return };
    let engine = Engine::new(moat::rules::load::embedded().expect("rules load"));
    let mut problems = Vec::new();
    let mapping = load_mapping(&mut problems);

    // Mapped rules exist and name the peer check in `sources`, and every peer source a rule
    // names is mapped to it.
    let mut mapped: BTreeSet<(String, String)> = BTreeSet::new();
    for r in mapping.kics.iter().filter(|r| r.status == Status::Mapped) {
        for id in &r.rules {
            mapped.insert((id.clone(), format!("kics:{}", r.kics_id)));
        }
    }
    for r in mapping
        .hadolint
        .iter()
        .filter(|r| r.status == Status::Mapped)
    {
        for id in &r.rules {
            mapped.insert((id.clone(), format!("hadolint:{}", r.rule)));
        }
    }
    for (id, source) in &mapped {
        match engine.rule(id) {
            None => problems.push(format!(
                "docs/peer-mapping.toml maps to {id}, which is no rule"
            )),
            Some(rule) if !rule.sources.contains(source) => problems.push(format!(
                "{id} answers {source} but its `sources` does not say so"
            )),
            _ => {}
        }
    }
    for rule in &engine.rules {
        for s in &rule.sources {
            let peer = s.starts_with("kics:") || s.starts_with("hadolint:");
            if peer && !mapped.contains(&(rule.id.to_string(), s.clone())) {
                problems.push(format!(
                    "{} names {s} in `sources`, but docs/peer-mapping.toml does not map it to {}",
                    rule.id, rule.id
                ));
            }
        }
    }

    let mut cases = kics_cases(&root, &engine, &mapping, &mut problems);
    cases.extend(hadolint_cases(&root, &engine, &mapping, &mut problems));

    let misses_text = std::fs::read_to_string(manifest().join("docs/peer-misses.toml"))
        .expect("docs/peer-misses.toml is readable");
    let misses_file: Misses = toml::from_str(&misses_text).expect("docs/peer-misses.toml is valid");
    let mut misses: BTreeMap<String, &Miss> = BTreeMap::new();
    for m in &misses_file.miss {
        if misses.insert(m.case.clone(), m).is_some() {
            problems.push(format!("docs/peer-misses.toml lists {} twice", m.case));
        }
        if m.reason.trim().is_empty() {
            problems.push(format!("docs/peer-misses.toml: {} has no reason", m.case));
        }
    }
    let ids: HashSet<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    for m in &misses_file.miss {
        if !ids.contains(m.case.as_str()) {
            problems.push(format!(
                "docs/peer-misses.toml lists {}, which is not a scored case",
                m.case
            ));
        }
    }
    for c in &cases {
        match (c.wrong(), misses.contains_key(&c.id)) {
            (true, false) => problems.push(format!(
                "{} {} by {} and not in docs/peer-misses.toml (moat: {})",
                c.id,
                if c.positive {
                    "missed"
                } else {
                    "falsely flagged"
                },
                c.rules.join(" + "),
                c.seen
            )),
            (false, true) => problems.push(format!(
                "{} is right now: remove it from docs/peer-misses.toml",
                c.id
            )),
            _ => {}
        }
    }

    let (doc, total) = render(&mapping, &cases, &misses);
    println!("{doc}");
    if total.recall().unwrap_or(0.0) < RECALL_TARGET {
        problems.push(format!(
            "recall on the agreed labels is {}, below {RECALL_TARGET}",
            fmt(total.recall())
        ));
    }
    if total.false_alarm_rate().unwrap_or(1.0) > FALSE_ALARM_TARGET {
        problems.push(format!(
            "false-alarm rate on the agreed labels is {}, above {FALSE_ALARM_TARGET}",
            fmt(total.false_alarm_rate())
        ));
    }
    let path = manifest().join("docs/accuracy.md");
    if std::env::var_os("MOAT_UPDATE_ACCURACY").is_some() {
        std::fs::write(&path, &doc).expect("docs/accuracy.md is writable");
    } else if std::fs::read_to_string(&path).ok().as_deref() != Some(doc.as_str()) {
        problems.push(
            "docs/accuracy.md is stale: run `MOAT_UPDATE_ACCURACY=1 cargo test --test peer_suites`"
                .into(),
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
