//! Generated documentation stays true: `docs/rules/` (one page per rule, `moat explain`'s
//! text; `MOAT_UPDATE_DOCS=1 cargo test --test docs` rewrites it) and README.md's JSON
//! example, which is the real output of a run (`MOAT_UPDATE_README=1` rewrites it).

use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `docs/facts.md` is the reference the fact types generate; every field has a meaning.
#[test]
fn facts_reference_is_current_and_complete() {
    let path = Path::new(ROOT).join("docs/facts.md");
    let wanted = moat::facts::reference::markdown();
    if std::env::var_os("MOAT_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &wanted).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == wanted,
        "docs/facts.md is stale: run `MOAT_UPDATE_DOCS=1 cargo test --test docs`"
    );
    let doc = moat::facts::registry::document();
    let mut undocumented = Vec::new();
    for (name, schema) in doc["$defs"].as_object().unwrap() {
        for (field, s) in schema["properties"].as_object().into_iter().flatten() {
            if s.get("description").is_none() {
                undocumented.push(format!("{name}.{field}"));
            }
        }
    }
    assert!(
        undocumented.is_empty(),
        "fact fields without a doc comment: {}",
        undocumented.join(", ")
    );
}

#[test]
fn rule_pages_are_current() {
    let rules = moat::rules::load::embedded().expect("rules load");
    let dir = Path::new(ROOT).join("docs/rules");
    let wanted = moat::docs::pages(&rules);
    let update = std::env::var_os("MOAT_UPDATE_DOCS").is_some();
    if update {
        std::fs::create_dir_all(&dir).unwrap();
    }
    let mut stale = Vec::new();
    for (name, text) in &wanted {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
            if update {
                std::fs::write(&path, text).unwrap();
            } else {
                stale.push(name.clone());
            }
        }
    }
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !wanted.iter().any(|(w, _)| *w == name) {
            if update {
                std::fs::remove_file(entry.path()).unwrap();
            } else {
                stale.push(format!("{name} (no such rule)"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "docs/rules is stale ({}): run `MOAT_UPDATE_DOCS=1 cargo test --test docs`",
        stale.join(", ")
    );
    // Every page a link points at exists.
    for r in &rules {
        let url = moat::docs::rule_url(&r.id);
        assert!(url.ends_with(&format!("docs/rules/{}.md", r.id)), "{url}");
    }
}

const JSON_START: &str = "<!-- json-example:start (output of `moat check stack/compose.yaml --select DC001 --format json` in testdata/readme; `MOAT_UPDATE_README=1 cargo test --test docs` rewrites it) -->\n```json\n";
const JSON_END: &str = "```\n<!-- json-example:end -->";

#[test]
fn readme_json_example_is_real_output() {
    let o = Command::new(env!("CARGO_BIN_EXE_moat"))
        .current_dir(Path::new(ROOT).join("testdata/readme"))
        .args([
            "check",
            "stack/compose.yaml",
            "--select",
            "DC001",
            "--format",
            "json",
            "-q",
        ])
        .env("XDG_CONFIG_HOME", "/nonexistent/moat-tests")
        .env_remove("MOAT_FORMAT")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let output = String::from_utf8(o.stdout).unwrap();
    let path = Path::new(ROOT).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let start = readme
        .find(JSON_START)
        .expect("README has the JSON example's start marker")
        + JSON_START.len();
    let end = readme
        .find(JSON_END)
        .expect("README has the JSON example's end marker");
    if readme[start..end] != output {
        if std::env::var_os("MOAT_UPDATE_README").is_some() {
            std::fs::write(
                &path,
                format!("{}{output}{}", &readme[..start], &readme[end..]),
            )
            .unwrap();
        } else {
            panic!("README.md's JSON example is not moat's output: run `MOAT_UPDATE_README=1 cargo test --test docs`");
        }
    }
}

/// The `.moat.toml` example in README.md is a configuration moat accepts, with every key it
/// shows in effect (a key after a `[table]` header would silently belong to the table).
#[test]
fn readme_configuration_example_loads() {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let start = readme
        .find("```toml\nselect = ")
        .expect("the README's .moat.toml example")
        + 8;
    let end = start + readme[start..].find("```").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".moat.toml");
    let loaded = moat::config::parse(&readme[start..end], &path).expect("the example loads");
    assert_eq!(loaded.fail_on, Some(moat::diagnostic::Severity::Medium));
    assert!(!loaded.rule_dirs.is_empty() && !loaded.exclude.is_empty());
    assert_eq!(loaded.trusted_registries.len(), 3);
    assert_eq!(loaded.kinds.len(), 1);
}
