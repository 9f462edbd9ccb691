//! Reporters: each renders a finished `Report`; adding a format is one module and one arm.

pub mod concise;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

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

pub fn render(format: Format, report: &Report, rules: &[Rule], color: bool) -> String {
    match format {
        Format::Human => human::render(report, rules, color),
        Format::Concise => concise::render(report),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report, rules),
        Format::Github => github::render(report),
    }
}

/// A fingerprint of a finding that does not depend on its line: rule, path and the text at
/// the span, plus its occurrence number among identical ones. Used by SARIF
/// `partialFingerprints` (and baselines), so findings survive lines moving above them.
pub fn fingerprint(report: &Report, index: usize) -> String {
    let d = &report.diagnostics[index];
    let key = |i: usize| {
        let x = &report.diagnostics[i];
        let f = &report.files[x.file];
        (
            x.rule.clone(),
            f.display.clone(),
            f.slice(x.span).to_string(),
        )
    };
    let mine = key(index);
    let occurrence = (0..index).filter(|&i| key(i) == mine).count();
    let f = &report.files[d.file];
    let mut h = Fnv::default();
    h.write(d.rule.as_bytes());
    h.write(&[0]);
    h.write(f.display.as_bytes());
    h.write(&[0]);
    h.write(f.slice(d.span).as_bytes());
    format!("{:016x}:{occurrence}", h.0)
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
