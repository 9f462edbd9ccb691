//! `moat inventory`: every component occurrence the model finds (images in Compose,
//! Kubernetes and Helm files, Dockerfile `FROM`s, GPU Operator components, packages of the
//! advisory table pinned in `RUN` lines), with its version, where it is, whether it is
//! reachable from other hosts, and the advisories that apply; as a table or as a CycloneDX
//! 1.6 BOM. It runs the same pipeline as `moat check`, with no rules and an observer of the
//! model's `component` nodes.

pub mod cyclonedx;

use crate::model::packages::{Kind, Package};
use crate::model::version::Stated;
use crate::rules::eval::Engine;
use crate::settings::Settings;
use crate::Input;
use std::sync::{Arc, Mutex};

/// One place a file names a component.
#[derive(Debug, Clone)]
pub struct Occurrence {
    /// The file as `moat check` prints it.
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub package: Arc<Package>,
}

/// A Compose service that builds its image (`build:`): it runs what the build makes, which
/// no registry names, so it has no component occurrence; it is a service of the stack all the
/// same.
#[derive(Debug, Clone)]
pub struct BuiltService {
    pub file: String,
    pub line: usize,
    pub name: String,
    /// The build context as written.
    pub build: String,
    /// The tag the build is given (`image:` beside `build:`), if any.
    pub image: Option<String>,
    pub exposed: bool,
    pub exposure: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Inventory {
    /// Sorted by file, line, column.
    pub occurrences: Vec<Occurrence>,
    /// Sorted by file and line.
    pub built: Vec<BuiltService>,
    /// Files that could not be read, skipped files, and files that did not parse: what the
    /// inventory may be missing.
    pub problems: Vec<String>,
    /// I/O errors (the run exits 2, as `moat check` does).
    pub io_errors: Vec<String>,
}

/// Read `input` as `moat check` would and collect its component occurrences.
pub fn collect(settings: &Settings, input: Input) -> Result<Inventory, crate::Error> {
    let found: Arc<Mutex<Vec<Occurrence>>> = Arc::default();
    let sink = Arc::clone(&found);
    let built: Arc<Mutex<Vec<BuiltService>>> = Arc::default();
    let built_sink = Arc::clone(&built);
    let mut engine = Engine::new(Vec::new());
    engine.observer = Some(Box::new(move |source, nodes| {
        let builds: Vec<BuiltService> = nodes
            .iter()
            .filter(|n| n.kind == crate::model::nodes::NodeKind::Service)
            .filter_map(|n| built_service(source, n))
            .collect();
        if !builds.is_empty() {
            built_sink
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(builds);
        }
        let mine: Vec<Occurrence> = nodes
            .iter()
            .filter_map(|n| n.package.as_ref())
            .map(|p| {
                let at = source.position(p.span.start);
                Occurrence {
                    file: source.display.clone(),
                    line: at.line,
                    column: at.column,
                    package: Arc::clone(p),
                }
            })
            .collect();
        // A poisoned lock means another file's observer panicked; its data is still a list.
        found_push(&sink, mine);
    }));
    let mut inventory = Inventory::default();
    crate::check_batches(&engine, settings, input, |batch| {
        // The engine runs no rules: what remains is parse errors and skipped files, where
        // the inventory may be missing something. Empty files are not worth a note.
        for d in batch
            .diagnostics
            .iter()
            .filter(|d| !d.message.starts_with("empty file"))
        {
            let f = &batch.files[d.file];
            let at = f.position(d.span.start);
            inventory.problems.push(format!(
                "{}:{}:{}: {}: {}",
                f.display, at.line, at.column, d.rule, d.message
            ));
        }
        inventory.io_errors.extend(batch.io_errors);
    })?;
    let mut occurrences = std::mem::take(&mut *found.lock().unwrap_or_else(|e| e.into_inner()));
    occurrences.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.package.reference).cmp(&(
            &b.file,
            b.line,
            b.column,
            &b.package.reference,
        ))
    });
    inventory.occurrences = occurrences;
    let mut built = std::mem::take(&mut *built.lock().unwrap_or_else(|e| e.into_inner()));
    built.sort_by(|a, b| (&a.file, a.line, &a.name).cmp(&(&b.file, b.line, &b.name)));
    inventory.built = built;
    Ok(inventory)
}

/// The Compose service a `service` node is, when it builds its image.
fn built_service(
    source: &crate::source::SourceFile,
    node: &crate::model::nodes::Node,
) -> Option<BuiltService> {
    let facts = node.vars.iter().find(|(k, _)| *k == "service")?.1.clone();
    if facts["origin"] != "compose" {
        return None;
    }
    let build = facts["build"].as_str()?.to_string();
    let span = node.spans.get("service").next()?;
    let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
    Some(BuiltService {
        file: source.display.clone(),
        line: source.position(span.start).line,
        name: text(&facts["name"])?,
        build,
        image: text(&facts["image"]["text"]).or_else(|| text(&facts["image"]["raw"])),
        exposed: facts["exposed"].as_bool().unwrap_or(false),
        exposure: facts["exposures"]
            .as_array()
            .map(|a| a.iter().filter_map(text).collect())
            .unwrap_or_default(),
    })
}

fn found_push(sink: &Mutex<Vec<Occurrence>>, mine: Vec<Occurrence>) {
    sink.lock().unwrap_or_else(|e| e.into_inner()).extend(mine);
}

/// The version as the inventory shows it: the release, or why there is none.
pub fn version_cell(p: &Package) -> String {
    match &p.stated {
        Stated::Exact(v) => match &p.release {
            Some(r) => format!("{v} ({r})"),
            None => v.to_string(),
        },
        Stated::Line(v) => format!("{v} (newest of the line)"),
        Stated::Prerelease(_, t) => format!("{t} (pre-release)"),
        Stated::None if p.component.is_none() => match (&p.tag, &p.digest) {
            // Not a component of the advisory table: the tag as written, not a version.
            (Some(t), _) => format!("tag {t}"),
            (None, Some(_)) => "digest".into(),
            (None, None) => "-".into(),
        },
        Stated::None => format!("unknown ({})", p.version_short),
    }
}

/// The advisories as the inventory shows them, most severe first.
pub fn advisories_cell(p: &Package) -> String {
    let a = &p.assessment;
    let mut parts = Vec::new();
    if let Some(first) = a.fixable.first() {
        let more = if a.fixable.len() > 1 {
            format!(" +{}", a.fixable.len() - 1)
        } else {
            String::new()
        };
        let worst = a.worst().map_or("conditional", |s| s.as_str());
        let fix = a
            .upgrade
            .as_ref()
            .map_or(String::new(), |u| format!(", fixed in {u}"));
        parts.push(format!("{}{more} ({worst}{fix})", first.advisory.id));
    }
    let unfixed = a.unfixed.len() + a.open_ended.len();
    if unfixed > 0 {
        let first = a
            .unfixed
            .first()
            .or(a.open_ended.first())
            .map_or("", |x| x.advisory.id.as_str());
        let more = if unfixed > 1 {
            format!(" +{}", unfixed - 1)
        } else {
            String::new()
        };
        parts.push(format!("{first}{more} (no fix)"));
    }
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join("; ")
    }
}

/// The advisory table's component; a component moat recognises by other means (Valkey as
/// Redis, Open WebUI) is starred: the table does not list that image.
fn component_cell(p: &Package) -> String {
    match (p.component, &p.runs) {
        (Some(c), _) => c.to_string(),
        (None, Some(r)) => format!("{r}*"),
        (None, None) => "-".into(),
    }
}

/// The human table: one row per occurrence, then notes on versions moat could not tell.
pub fn table(inv: &Inventory) -> String {
    use crate::diagnostic::escape_control;
    let header = [
        "COMPONENT",
        "VERSION",
        "IMAGE OR PACKAGE",
        "WHERE",
        "EXPOSED",
        "ADVISORIES",
    ];
    let rows: Vec<[String; 6]> = inv
        .occurrences
        .iter()
        .map(|o| {
            let p = &o.package;
            let what = match p.kind {
                Kind::Image => p.reference.clone(),
                Kind::Package(_) => format!("{} ({})", p.reference, p.kind.name()),
            };
            [
                component_cell(p),
                version_cell(p),
                what,
                format!("{}:{} ({})", o.file, o.line, p.service),
                if p.exposed { "yes" } else { "no" }.to_string(),
                advisories_cell(p),
            ]
            // Every cell may hold text from a scanned file (or its name).
            .map(|cell| escape_control(&cell).into_owned())
        })
        .collect();
    let rows: Vec<[String; 6]> = rows
        .into_iter()
        .chain(inv.built.iter().map(|b| {
            [
                "-".to_string(),
                "-".to_string(),
                match &b.image {
                    Some(i) => format!("{i} (built from {})", b.build),
                    None => format!("built from {}", b.build),
                },
                format!("{}:{} ({})", b.file, b.line, b.name),
                if b.exposed { "yes" } else { "no" }.to_string(),
                "-".to_string(),
            ]
        }))
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let mut l = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                l.push_str(c);
            } else {
                l.push_str(c);
                l.push_str(&" ".repeat(w - c.chars().count() + 2));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&header);
    for r in &rows {
        let cells: Vec<&str> = r.iter().map(String::as_str).collect();
        line(&cells);
    }
    let notes: Vec<String> = inv
        .occurrences
        .iter()
        .filter(|o| !o.package.version_note.is_empty())
        .map(|o| {
            let note = format!(
                "{}:{}: {}: {}",
                o.file, o.line, o.package.reference, o.package.version_note
            );
            format!("  {}", escape_control(&note))
        })
        .collect();
    if !notes.is_empty() {
        out.push_str("\nVersions moat cannot tell:\n");
        for n in notes {
            out.push_str(&n);
            out.push('\n');
        }
    }
    if rows.iter().any(|r| r[0].ends_with('*')) {
        out.push_str(
            "\n* moat recognises the component, but its advisory table does not list this image\n",
        );
    }
    let with_advisories = inv
        .occurrences
        .iter()
        .filter(|o| !o.package.assessment.fixable.is_empty())
        .count();
    out.push_str(&format!(
        "\n{} occurrence(s), {} with advisories fixed in later releases (details: `moat check --select AV`)\n",
        inv.occurrences.len(),
        with_advisories
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_inventory_still_has_a_header() {
        let t = table(&Inventory::default());
        assert!(t.starts_with("COMPONENT  VERSION  IMAGE OR PACKAGE  WHERE  EXPOSED  ADVISORIES\n"));
        assert!(t.contains("0 occurrence(s)"));
    }
}
