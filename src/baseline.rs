//! Baselines: record today's findings (`--write-baseline`), then report only new ones
//! (`--baseline`). Entries are keyed by rule, path and a fingerprint of the text at the span
//! (not the line), so adding lines above a known finding keeps it baselined.

use crate::report::fingerprints;
use crate::Report;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub rule: String,
    pub path: String,
    pub fingerprint: String,
}

pub fn entries(report: &Report) -> Vec<Entry> {
    report
        .diagnostics
        .iter()
        .zip(fingerprints(report))
        .map(|(d, fingerprint)| Entry {
            rule: d.rule.to_string(),
            path: report.files[d.file].display.clone(),
            fingerprint,
        })
        .collect()
}

/// Write the entries of a whole run (collected batch by batch with `entries`), the way fixes
/// are written: never through a symlink, a temporary file renamed over the old baseline.
pub fn write(findings: Vec<Entry>, path: &Path) -> Result<usize, crate::files::WriteError> {
    let b = Baseline {
        version: 1,
        findings,
    };
    let mut text = serde_json::to_string_pretty(&b).expect("baseline serializes");
    text.push('\n');
    crate::files::create_in_tree(path, text.as_bytes())?;
    Ok(b.findings.len())
}

pub fn read(path: &Path) -> Result<Baseline, String> {
    let text = crate::files::read_text(path, crate::files::MAX_BASELINE_BYTES)
        .map_err(|e| format!("{}: cannot read baseline: {e}", path.display()))?;
    let b: Baseline = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}:{}:{}: invalid baseline: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })?;
    if b.version != 1 {
        return Err(format!(
            "{}: baseline version {} is not supported (1 is)",
            path.display(),
            b.version
        ));
    }
    Ok(b)
}

/// Drop the findings the baseline knows; returns how many were dropped.
pub fn filter(report: &mut Report, baseline: &Baseline) -> usize {
    let known: HashSet<&Entry> = baseline.findings.iter().collect();
    let keep: Vec<bool> = entries(report).iter().map(|e| !known.contains(e)).collect();
    let before = report.diagnostics.len();
    let mut i = 0;
    report.diagnostics.retain(|_| {
        i += 1;
        keep[i - 1]
    });
    before - report.diagnostics.len()
}
