//! Embeds every rule file under `rules/` (so that adding a rule edits no Rust file) and the
//! advisory table, each as its TOML text and as that text pre-parsed into CBOR.
//!
//! Why the CBOR: parsing the 270 KB of TOML at every start was a third of a one-file run;
//! decoding the same values from CBOR is several times faster. The TOML stays embedded for
//! the content test, which reads it with spans for its error messages. A file that does not
//! parse gets no CBOR, so the run falls back to the TOML and reports the error with its line.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=rules");
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let mut files = Vec::new();
    let rules = root.join("rules");
    collect(&rules, &mut files);
    // Only area folders hold rules; `rules/advisories.toml` is the advisory table.
    files.retain(|f| f.parent() != Some(rules.as_path()));
    files.sort();
    let mut out = String::from("&[\n");
    for file in &files {
        let rel = file
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        println!("cargo:rerun-if-changed={}", file.display());
        let cbor = pre_parse(file, &out_dir.join(rel.replace('/', "__") + ".cbor"));
        out.push_str(&format!(
            "    ({rel:?}, include_str!({:?}), {cbor}),\n",
            file.display().to_string()
        ));
    }
    out.push_str("]\n");
    std::fs::write(out_dir.join("embedded_rules.rs"), out).unwrap();

    let advisories = rules.join("advisories.toml");
    println!("cargo:rerun-if-changed={}", advisories.display());
    let cbor = pre_parse(&advisories, &out_dir.join("advisories.cbor"));
    std::fs::write(out_dir.join("embedded_advisories.rs"), cbor).unwrap();
    std::fs::write(
        out_dir.join("advisories_format.toml"),
        advisories_format(&advisories),
    )
    .unwrap();
}

/// What `moat inventory --advisories-format` prints: the table's header comment, which
/// documents the format, and its first advisory as an example (an installed binary has no
/// `rules/advisories.toml` beside it to read).
fn advisories_format(table: &Path) -> String {
    let text = std::fs::read_to_string(table).unwrap_or_default();
    let mut out: String = text
        .lines()
        .take_while(|l| l.starts_with('#') || l.trim().is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    let out_trimmed = out.trim_end().len();
    out.truncate(out_trimmed);
    out.push_str("\n\n# An example, the first advisory of the built-in table:\n");
    if let Some(start) = text.find("\n[[advisory]]\n") {
        let block = &text[start + 1..];
        let end = block.find("\n\n").map_or(block.len(), |e| e + 1);
        out.push_str(&block[..end]);
    }
    out
}

/// `Some(include_bytes!(…))` of the CBOR form of `toml_file`, written to `dest`; `None` when
/// the file is not valid TOML.
fn pre_parse(toml_file: &Path, dest: &Path) -> String {
    let Ok(text) = std::fs::read_to_string(toml_file) else {
        return "None".into();
    };
    let Ok(value) = toml::from_str::<toml::Value>(&text) else {
        return "None".into();
    };
    let mut bytes = Vec::new();
    ciborium::into_writer(&value, &mut bytes).unwrap();
    std::fs::write(dest, bytes).unwrap();
    format!("Some(include_bytes!({:?}))", dest.display().to_string())
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
}
