//! Reporters: each renders a batch of a run's `Report`; adding a format is one module and
//! one arm per `Stream` method.

pub mod concise;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use crate::diagnostic::Severity;
use crate::rules::load::Rule;
use crate::Report;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Concise,
    Json,
    Sarif,
    Github,
}

/// Counts over a whole run, for what is printed after the last batch.
#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    pub files: usize,
    /// Indexed like `Severity::ALL`.
    pub by_severity: [usize; 5],
}

impl Totals {
    pub fn add(&mut self, report: &Report) {
        self.files += report.files.len();
        for d in &report.diagnostics {
            if let Some(i) = Severity::ALL.iter().position(|s| *s == d.severity) {
                self.by_severity[i] += 1;
            }
        }
    }

    pub fn diagnostics(&self) -> usize {
        self.by_severity.iter().sum()
    }

    pub fn count(&self, severity: Severity) -> usize {
        Severity::ALL
            .iter()
            .position(|s| *s == severity)
            .map_or(0, |i| self.by_severity[i])
    }
}

/// A run rendered batch by batch, so that output (and memory) does not wait for the whole
/// tree: `header`, then `batch` for each report in path order, then `finish`.
pub struct Stream<'a> {
    format: Format,
    rules: &'a [Rule],
    color: bool,
    totals: Totals,
}

impl<'a> Stream<'a> {
    pub fn new(format: Format, rules: &'a [Rule], color: bool) -> Self {
        Stream {
            format,
            rules,
            color,
            totals: Totals::default(),
        }
    }

    pub fn header(&self) -> String {
        match self.format {
            Format::Json => json::header(),
            Format::Sarif => sarif::header(),
            Format::Human | Format::Concise | Format::Github => String::new(),
        }
    }

    pub fn batch(&mut self, report: &Report) -> String {
        let first = self.totals.diagnostics() == 0;
        self.totals.add(report);
        match self.format {
            Format::Human => human::render(report, self.rules, self.color),
            Format::Concise => concise::render(report),
            Format::Json => json::batch(report, first),
            Format::Sarif => sarif::batch(report, self.rules, first),
            Format::Github => github::render(report),
        }
    }

    pub fn finish(&self) -> String {
        match self.format {
            Format::Human => human::summary(&self.totals),
            Format::Json => json::footer(&self.totals),
            Format::Sarif => sarif::footer(self.rules, self.totals.diagnostics() > 0),
            Format::Concise | Format::Github => String::new(),
        }
    }
}

/// A whole report at once.
pub fn render(format: Format, report: &Report, rules: &[Rule], color: bool) -> String {
    let mut stream = Stream::new(format, rules, color);
    let mut out = stream.header();
    out.push_str(&stream.batch(report));
    out.push_str(&stream.finish());
    out
}

/// Pretty JSON of `value`, every line but the first indented by `indent` spaces, to nest it
/// in a document written piece by piece.
pub(crate) fn nested_json<T: serde::Serialize>(value: &T, indent: usize) -> String {
    let text = serde_json::to_string_pretty(value).expect("reports serialize");
    let pad = " ".repeat(indent);
    text.replace('\n', &format!("\n{pad}"))
}

/// Fingerprints of every finding in the report, in order: rule, path and the text at the
/// span, plus the occurrence number among identical ones. Used by SARIF
/// `partialFingerprints` and baselines, so findings survive lines moving above them.
pub fn fingerprints(report: &Report) -> Vec<String> {
    let mut seen: std::collections::HashMap<(&str, &str, &str), usize> =
        std::collections::HashMap::new();
    report
        .diagnostics
        .iter()
        .map(|d| {
            let f = &report.files[d.file];
            let text = f.slice(d.span);
            let occurrence = seen.entry((&d.rule, &f.display, text)).or_insert(0);
            let mut h = Fnv::default();
            h.write(d.rule.as_bytes());
            h.write(&[0]);
            h.write(f.display.as_bytes());
            h.write(&[0]);
            h.write(text.as_bytes());
            let fp = format!("{:016x}:{occurrence}", h.0);
            *occurrence += 1;
            fp
        })
        .collect()
}

/// FNV-1a, 64 bit: stable across runs and platforms, unlike std's `DefaultHasher`.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}
