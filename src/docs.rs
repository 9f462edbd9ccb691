//! Rule documentation pages (`docs/rules/<ID>.md`, generated from the rule files by
//! `MOAT_UPDATE_DOCS=1 cargo test --test docs`) and the links to them that SARIF, the
//! language server and `moat explain` give.

use crate::diagnostic::Severity;
use crate::rules::load::Rule;
use crate::rules::schema::RuleSet;

/// Pseudo-rules for what moat reports about its input, so every result and notification
/// names a rule that has a page: id, title, severity, what it means.
pub const INPUT_RULES: [(&str, &str, Severity, &str); 4] = [
    (
        crate::diagnostic::PARSE_ERROR,
        "The file does not parse",
        Severity::High,
        "moat could not parse the file, so no rule checked it. The message gives the parser's reason and location; fix the syntax, or map the file to the right kind in `[kinds]`.",
    ),
    (
        crate::diagnostic::SKIPPED,
        "The file was not linted",
        Severity::Info,
        "moat skipped the file: it is empty, binary, not UTF-8, over the 10 MiB size limit, or of no kind moat reads. The message says which.",
    ),
    (
        crate::suppress::UNEXPLAINED,
        "A suppression gives no reason",
        Severity::Low,
        "A `# moat: ignore[...]` comment must say why the finding does not apply: write the reason after the closing bracket.",
    ),
    (
        crate::suppress::UNUSED,
        "A suppression suppresses nothing",
        Severity::Low,
        "A `# moat: ignore[...]` comment matches no finding any more (reported with `--report-unused-ignores`): remove it.",
    ),
];

/// Where the pages live: the repository of `Cargo.toml`'s `repository`, `docs/rules/`.
pub fn rule_url(id: &str) -> String {
    format!(
        "{}/blob/main/docs/rules/{id}.md",
        env!("CARGO_PKG_REPOSITORY")
    )
}

/// The page of one rule: `moat explain`'s text, as Markdown.
pub fn rule_page(rule: &Rule) -> String {
    let mut out = format!("# {} {}\n\n", rule.id, rule.name);
    out.push_str(&format!(
        "Severity: **{}**. Set: **{}**{}. {}\n\n",
        rule.severity,
        rule.set,
        match rule.set {
            RuleSet::Default => " (reported by default)",
            _ => " (not reported by default)",
        },
        rule.title
    ));
    out.push_str("```text\n");
    out.push_str(&crate::cli::explain(rule));
    out.push_str("```\n");
    out
}

/// The page of an input pseudo-rule.
pub fn input_rule_page(&(id, title, severity, what): &(&str, &str, Severity, &str)) -> String {
    format!("# {id}\n\nSeverity: **{severity}**. {title}.\n\n{what}\n")
}

/// Every page, by file name under `docs/rules/`, and the index (`README.md`).
pub fn pages(rules: &[Rule]) -> Vec<(String, String)> {
    let mut index = String::from(
        "# moat rules\n\nGenerated from `rules/` (`MOAT_UPDATE_DOCS=1 cargo test --test docs`); `moat explain <ID>` prints the same text.\n\n| id | name | severity | set | title |\n| --- | --- | --- | --- | --- |\n",
    );
    let mut pages = Vec::new();
    for r in rules {
        index.push_str(&format!(
            "| [{id}]({id}.md) | `{}` | {} | {} | {} |\n",
            r.name,
            r.severity,
            r.set,
            r.title.replace('|', "\\|"),
            id = r.id
        ));
        pages.push((format!("{}.md", r.id), rule_page(r)));
    }
    for input in &INPUT_RULES {
        index.push_str(&format!(
            "| [{id}]({id}.md) | `{id}` | {} | default | {} |\n",
            input.2,
            input.1,
            id = input.0
        ));
        pages.push((format!("{}.md", input.0), input_rule_page(input)));
    }
    pages.push(("README.md".into(), index));
    pages
}
