//! The rule file format (one TOML file per rule), deserialized strictly: an unknown key is an
//! error with its file and line, so a typo never silently disables part of a rule.

use crate::diagnostic::{Applicability, Severity};
use crate::embedded::Spanned;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleFile {
    pub id: Spanned<String>,
    pub name: Spanned<String>,
    pub title: String,
    pub severity: Severity,
    #[serde(default = "stable")]
    pub status: Status,
    /// The named set the rule belongs to; absent: the default set, reported by a plain
    /// `moat check`. Membership lives here, not in a list in Rust, so it follows the rule
    /// through merges and renames.
    #[serde(default)]
    pub set: RuleSet,
    pub since: String,
    #[serde(default)]
    pub cwe: Vec<String>,
    /// Peer equivalents, e.g. `hadolint:DL3007`, `kics:<uuid>`.
    #[serde(default)]
    pub sources: Vec<String>,
    pub references: Spanned<Vec<String>>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub applies_to: AppliesTo,
    #[serde(rename = "match")]
    pub matcher: Match,
    /// Raise the severity when a condition holds (e.g. the service is exposed).
    #[serde(default)]
    pub escalate: Vec<Escalate>,
    /// Former ids and names of this rule (rules merged into one concept, renamed rules): they
    /// still select, ignore, suppress and match baselines, and `moat explain` finds it by them.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Generic rules this one refines: where both fire at the same place, only this one is
    /// reported (Redis exposed without auth says everything "port on all interfaces" would).
    #[serde(default)]
    pub supersedes: Vec<String>,
    pub message: Message,
    pub docs: Docs,
    pub fix: Option<FixTemplate>,
    #[serde(default, rename = "example")]
    pub examples: Vec<Example>,
}

fn stable() -> Status {
    Status::Stable
}

/// The sets rules are grouped in. A set outside the default is opted into by its name
/// (`--extend-select hardening`, `select = ["hardening"]`), as ruff's rules outside its
/// default selection are by their codes; `ALL` selects every set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleSet {
    /// What a maintainer would fix today: exposure, container escapes, secrets, known
    /// vulnerable versions, turned-off verification.
    #[default]
    Default,
    /// Defence in depth that applies to nearly every service (memory limits, a non-root
    /// user, no-new-privileges, health checks): worth having, rarely the finding to act on
    /// first.
    Hardening,
}

impl RuleSet {
    /// Every set, the default first.
    pub const ALL: [RuleSet; 2] = [RuleSet::Default, RuleSet::Hardening];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleSet::Default => "default",
            RuleSet::Hardening => "hardening",
        }
    }

    /// The sets a selector may name: every one but the default, which is what an empty
    /// selection means.
    pub fn selectable() -> impl Iterator<Item = RuleSet> {
        RuleSet::ALL.into_iter().filter(|s| *s != RuleSet::Default)
    }

    /// The set `selector` names, ignoring case.
    pub fn named(selector: &str) -> Option<RuleSet> {
        RuleSet::selectable().find(|s| s.as_str().eq_ignore_ascii_case(selector.trim()))
    }
}

impl std::fmt::Display for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Stable,
    Preview,
    Deprecated,
    Removed,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AppliesTo {
    pub node: Spanned<String>,
    /// The file kinds the rule runs on; absent: every kind whose reader builds `node`
    /// (`NodeKind::produced_by`), so a rule on a concept follows it to each format.
    pub kinds: Option<Spanned<Vec<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Match {
    pub condition: Spanned<String>,
    /// Span keys tried in order; the first the node has is the primary location.
    pub at: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    pub labels: Vec<LabelTemplate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LabelTemplate {
    pub at: Spanned<String>,
    pub message: Spanned<String>,
    pub when: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Escalate {
    pub when: Spanned<String>,
    pub severity: Severity,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Message {
    pub text: Spanned<String>,
    pub help: Spanned<String>,
    /// CEL giving a list of URLs that this diagnostic adds to the rule's references (the
    /// advisories that apply to one component version, say).
    pub references: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Docs {
    pub what: Spanned<String>,
    pub why: Spanned<String>,
    pub fix_safety: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FixTemplate {
    pub applicability: Applicability,
    pub description: Spanned<String>,
    pub when: Option<Spanned<String>>,
    pub edits: Vec<EditTemplate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct EditTemplate {
    pub at: Spanned<String>,
    /// Template: `{…}` placeholders are CEL over the node.
    pub replace: Spanned<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExampleKind {
    Bad,
    Good,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Example {
    pub kind: ExampleKind,
    /// File name: drives classification as in a real repository.
    pub file: String,
    pub code: String,
    /// For bad examples with a fix: the file after the fix.
    pub fixed: Option<String>,
    /// What the example shows, for `moat explain`.
    pub note: Option<String>,
    /// `.moat.toml` text the example is linted under, for a rule that reads configuration.
    pub config: Option<String>,
}

impl Example {
    /// The settings the example is linted under: its `config`, else the defaults; with every
    /// rule selected, since an example shows its rule whichever set that is in.
    pub fn settings(&self) -> Result<crate::settings::Settings, crate::config::ConfigError> {
        let mut settings = match &self.config {
            None => crate::settings::Settings::default(),
            Some(text) => {
                crate::config::parse(text, std::path::Path::new(crate::config::FILE_NAME))
                    .map(crate::settings::Settings::from_config)?
            }
        };
        settings.extend_select.push("ALL".into());
        Ok(settings)
    }
}
