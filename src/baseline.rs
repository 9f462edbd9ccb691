//! Baselines: record today's findings (`--write-baseline`), then report only new ones
//! (`--baseline`). An entry is a finding's rule, its path relative to the baseline's folder
//! (so `moat check .` and `moat check ./compose.yaml`, or a run from a subfolder, name a file
//! alike) and a fingerprint of the structure it sits in and the text at its span (not its
//! line). Identical findings are counted: a baseline with two matches two, and a third is new.

use crate::report::finding_hashes;
use crate::source::SourceFile;
use crate::Report;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The version this moat writes and reads. Version 1 fingerprinted without context, so its
/// entries cannot be matched.
pub const VERSION: u32 = 2;

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

/// The folder a baseline's paths are relative to: the baseline file's, canonical.
pub fn folder(baseline: &Path) -> PathBuf {
    let parent = match baseline.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::canonicalize(parent).unwrap_or_else(|_| parent.to_path_buf())
}

/// `file`'s path relative to `folder` with `/` separators, else its absolute path.
fn path_key(file: &SourceFile, folder: &Path) -> String {
    let abs = std::fs::canonicalize(&file.path).unwrap_or_else(|_| {
        let cwd = std::env::current_dir().unwrap_or_default();
        crate::report::lexically_normal(&cwd.join(&file.path))
    });
    let rel = abs.strip_prefix(folder).unwrap_or(&abs);
    rel.to_string_lossy().replace('\\', "/")
}

pub fn entries(report: &Report, folder: &Path) -> Vec<Entry> {
    let keys: Vec<String> = report.files.iter().map(|f| path_key(f, folder)).collect();
    report
        .diagnostics
        .iter()
        .zip(finding_hashes(report, |f| path_key(f, folder)))
        .map(|(d, fingerprint)| Entry {
            rule: d.rule.to_string(),
            path: keys[d.file].clone(),
            fingerprint,
        })
        .collect()
}

/// Write the entries of a whole run (collected batch by batch with `entries`), the way fixes
/// are written: never through a symlink, a temporary file renamed over the old baseline.
pub fn write(findings: Vec<Entry>, path: &Path) -> Result<usize, crate::files::WriteError> {
    let b = Baseline {
        version: VERSION,
        findings,
    };
    let mut text = serde_json::to_string_pretty(&b).expect("baseline serializes");
    text.push('\n');
    crate::files::create_in_tree(path, text.as_bytes())?;
    Ok(b.findings.len())
}

/// How many findings of each entry the baseline still covers.
pub struct Remaining(HashMap<Entry, usize>);

impl Remaining {
    /// An entry written before a rule was merged into another names its former id: it counts
    /// for the rule it became (`rules`' aliases).
    pub fn new(baseline: &Baseline, rules: &[crate::rules::load::Rule]) -> Self {
        let mut counts = HashMap::new();
        for e in &baseline.findings {
            let mut e = e.clone();
            if let Some(r) = crate::rules::load::find(rules, &e.rule) {
                e.rule = r.id.to_string();
            }
            *counts.entry(e).or_insert(0) += 1;
        }
        Remaining(counts)
    }
}

pub fn read(path: &Path) -> Result<Baseline, String> {
    let text = crate::files::read_text(path, crate::files::MAX_BASELINE_BYTES)
        .map_err(|e| format!("{}: cannot read baseline: {e}", path.display()))?;
    if text.trim().is_empty() {
        return Err(format!(
            "{}:1:1: invalid baseline: the file is empty (`--write-baseline` writes one)",
            path.display()
        ));
    }
    let b: Baseline = serde_json::from_str(&text).map_err(|e| {
        // serde_json counts columns from 0 at the start of a line; positions here from 1.
        format!(
            "{}:{}:{}: invalid baseline: {e}",
            path.display(),
            e.line(),
            e.column().max(1)
        )
    })?;
    if b.version != VERSION {
        let at = text.find("\"version\"").unwrap_or(0);
        let before = &text[..at];
        return Err(format!(
            "{}:{}:{}: baseline version {} is not supported ({VERSION} is); write it again with --write-baseline",
            path.display(),
            before.matches('\n').count() + 1,
            before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
            b.version
        ));
    }
    Ok(b)
}

/// Drop the findings the baseline knows, each entry matching one finding; returns how many
/// were dropped. `remaining` carries the unmatched counts across a run's batches.
pub fn filter(report: &mut Report, remaining: &mut Remaining, folder: &Path) -> usize {
    let keep: Vec<bool> = entries(report, folder)
        .into_iter()
        .map(|e| match remaining.0.get_mut(&e) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .collect();
    let before = report.diagnostics.len();
    let mut i = 0;
    report.diagnostics.retain(|_| {
        i += 1;
        keep[i - 1]
    });
    before - report.diagnostics.len()
}
