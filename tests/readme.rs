//! The rules table in README.md is generated from the rule files; this test keeps it in
//! sync (`MOAT_UPDATE_README=1 cargo test --test readme` rewrites it).

const START: &str = "<!-- rules:start (generated from rules/ by `MOAT_UPDATE_README=1 cargo test --test readme`) -->";
const END: &str = "<!-- rules:end -->";

fn table() -> String {
    let rules = moat::rules::load::embedded().expect("rules load");
    let mut out = String::from(
        "\n| id | name | severity | set | what it flags | fix |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for r in &rules {
        let fix = match r.fix.as_ref().map(|f| f.applicability) {
            Some(moat::diagnostic::Applicability::Safe) => "safe",
            Some(moat::diagnostic::Applicability::Unsafe) => "unsafe",
            None => "",
        };
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} | {} |\n",
            r.id,
            r.name,
            r.severity,
            r.set,
            r.title.replace('|', "\\|"),
            fix
        ));
    }
    out
}

#[test]
fn readme_rules_table_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let start = readme
        .find(START)
        .expect("README has the rules start marker")
        + START.len();
    let end = readme.find(END).expect("README has the rules end marker");
    let wanted = table();
    if readme[start..end] != wanted {
        if std::env::var_os("MOAT_UPDATE_README").is_some() {
            let updated = format!("{}{}{}", &readme[..start], wanted, &readme[end..]);
            std::fs::write(path, updated).unwrap();
        } else {
            panic!("README.md's rules table is stale: run `MOAT_UPDATE_README=1 cargo test --test readme`");
        }
    }
}
