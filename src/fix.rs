//! Applying fixes: non-overlapping edits, re-lint, repeat until nothing applies (at most
//! `MAX_PASSES`), then write each changed file atomically, keeping its permissions, owner,
//! extended attributes, BOM and every byte outside the edits, unless it changed meanwhile.

use crate::classify::{self, FileKind};
use crate::diagnostic::{Applicability, Diagnostic};
use crate::rules::eval::Engine;
use crate::settings::Settings;
use crate::source::SourceFile;
use crate::Report;
use std::path::PathBuf;

pub const MAX_PASSES: usize = 8;

#[derive(Debug)]
pub struct FixedFile {
    pub path: PathBuf,
    pub display: String,
    pub original: String,
    pub fixed: String,
    pub bom_len: usize,
    pub applied: usize,
    /// Still changing after `MAX_PASSES`: a rule's fix does not converge.
    pub converged: bool,
}

fn allowed(d: &Diagnostic, unsafe_fixes: bool) -> bool {
    d.fix
        .as_ref()
        .is_some_and(|f| f.applicability == Applicability::Safe || unsafe_fixes)
}

/// Apply the non-overlapping edits of `diags` to `text`; returns how many fixes were applied.
pub fn apply_edits(text: &str, diags: &[Diagnostic], unsafe_fixes: bool) -> (String, usize) {
    let mut chosen: Vec<(usize, usize, &str)> = Vec::new();
    // The chosen spans, ordered, so that a fix is checked against its neighbours only
    // (checking it against every chosen edit was quadratic: `--fix` on 30,000 services).
    let mut taken: std::collections::BTreeSet<(usize, usize)> = std::collections::BTreeSet::new();
    let mut applied = 0;
    for d in diags.iter().filter(|d| allowed(d, unsafe_fixes)) {
        let fix = d.fix.as_ref().expect("allowed() checked the fix");
        let overlaps = fix
            .edits
            .iter()
            .any(|e| overlaps_taken(&taken, e.span.start, e.span.end));
        let in_bounds = fix.edits.iter().all(|e| {
            e.span.end <= text.len()
                && text.is_char_boundary(e.span.start)
                && text.is_char_boundary(e.span.end)
        });
        if overlaps || !in_bounds {
            continue; // the next pass will see it again
        }
        chosen.extend(
            fix.edits
                .iter()
                .map(|e| (e.span.start, e.span.end, e.replacement.as_str())),
        );
        taken.extend(fix.edits.iter().map(|e| (e.span.start, e.span.end)));
        applied += 1;
    }
    chosen.sort_by_key(|(s, e, _)| (*s, *e));
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for (s, e, r) in chosen {
        out.push_str(&text[pos..s]);
        out.push_str(r);
        pos = e;
    }
    out.push_str(&text[pos..]);
    (out, applied)
}

/// Whether an edit of `start..end` conflicts with a chosen one: they overlap, or replace the
/// same span (two insertions at one place). Chosen spans conflict with none of each other,
/// so walking back from the last one starting before `end`, the first that ends at or before
/// `start` closes the search: every earlier one ends before it starts.
fn overlaps_taken(
    taken: &std::collections::BTreeSet<(usize, usize)>,
    start: usize,
    end: usize,
) -> bool {
    if taken.contains(&(start, end)) {
        return true;
    }
    for &(s, e) in taken.range(..(end, 0)).rev() {
        if start < e && s < end {
            return true;
        }
        if e <= start {
            return false;
        }
    }
    false
}

fn kind_of(settings: &Settings, file: &SourceFile) -> Option<FileKind> {
    match classify::classify(&file.path, &file.text, settings.kind_for(&file.path)) {
        classify::Classified::Kind(k) => Some(k),
        _ => None,
    }
}

/// Compute the fixed text of every file that has applicable fixes.
pub fn fix_all(
    engine: &Engine,
    settings: &Settings,
    report: &Report,
    unsafe_fixes: bool,
) -> Vec<FixedFile> {
    let mut out = Vec::new();
    let related = crate::model::related::Related::new(settings.roots.clone());
    for (index, file) in report.files.iter().enumerate() {
        let diags: Vec<Diagnostic> = report
            .diagnostics
            .iter()
            .filter(|d| d.file == index)
            .cloned()
            .collect();
        if !diags.iter().any(|d| allowed(d, unsafe_fixes)) {
            continue;
        }
        let settings = settings.for_path(&file.path);
        let Some(kind) = kind_of(settings, file) else {
            continue;
        };
        let mut text = file.text.clone();
        let mut current = diags;
        let mut applied = 0;
        let mut converged = false;
        for _ in 0..MAX_PASSES {
            let (next, n) = apply_edits(&text, &current, unsafe_fixes);
            if n == 0 {
                converged = true;
                break;
            }
            applied += n;
            text = next;
            let relinted = SourceFile::new(
                file.path.clone(),
                file.display.clone(),
                text.clone(),
                file.bom_len,
            );
            current = Vec::new();
            crate::lint_source(
                engine,
                settings,
                &related,
                &relinted,
                kind,
                0,
                &mut current,
                &mut Vec::new(),
            );
            crate::suppress::apply(&relinted, 0, &mut current, false);
            current.retain(|d| {
                settings.selects(&engine.rules, &file.path, d) == crate::settings::Selection::Shown
            });
            crate::drop_superseded(&engine.rules, &mut current);
        }
        if text != file.text {
            out.push(FixedFile {
                path: file.path.clone(),
                display: file.display.clone(),
                original: file.text.clone(),
                fixed: text,
                bom_len: file.bom_len,
                applied,
                converged,
            });
        }
    }
    out
}

/// Write the fixed text over the file (`files::replace`): atomically, keeping its mode,
/// owner, group and extended attributes and the BOM stripped on reading, and only if the
/// file still holds what moat read. Symlinks, hard-linked and read-only files are left alone.
pub fn write_atomically(f: &FixedFile) -> Result<(), crate::files::WriteError> {
    let bom: &[u8] = if f.bom_len > 0 {
        &[0xEF, 0xBB, 0xBF]
    } else {
        &[]
    };
    let with_bom = |text: &str| [bom, text.as_bytes()].concat();
    crate::files::replace(&f.path, &with_bom(&f.fixed), Some(&with_bom(&f.original)))
}

/// A unified diff of the change, for `--diff`, with control characters of the file's text
/// and name escaped: it is printed on a terminal (line breaks are kept; a line of a file with
/// control characters in it shows them escaped, as every text output does).
pub fn unified_diff(f: &FixedFile) -> String {
    let name = crate::diagnostic::escape_control(&f.display);
    let diff = similar::TextDiff::from_lines(&f.original, &f.fixed)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string();
    crate::diagnostic::escape_control_lines(&diff).into_owned()
}
