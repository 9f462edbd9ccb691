//! The command line (clap derive) and what each subcommand does. Returns the exit code:
//! 0 nothing at or above `--fail-on`, 1 findings at or above it, 2 usage/config/I/O error.

use crate::config::Loaded;
use crate::diagnostic::{escape_control, Severity};
use crate::discover::Walk;
use crate::report::{self, Format};
use crate::rules::eval::Engine;
use crate::rules::load::{self, Rule};
use crate::settings::{Scope, Settings};
use crate::{fix, Input};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Parser)]
#[command(
    name = "moat",
    version,
    about = "Configuration-hardening linter for self-hosted AI serving stacks"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint files and folders (default: the current folder).
    Check(CheckArgs),
    /// List the rules.
    Rules {
        #[arg(long, value_enum, default_value = "human")]
        format: ListFormat,
        /// Also load the rules in these folders.
        #[arg(long = "rule-dir", value_name = "DIR")]
        rule_dirs: Vec<PathBuf>,
    },
    /// Run the language server on standard input and output (for editors).
    Lsp,
    /// List the components the files run (images and pinned packages): versions, where,
    /// exposure, advisories; as a table or a CycloneDX 1.6 BOM.
    Inventory(InventoryArgs),
    /// Show the documentation of one rule.
    Explain {
        /// Rule id (`DF001`) or name (`dockerfile-runs-as-root`).
        rule: String,
        #[arg(long = "rule-dir", value_name = "DIR")]
        rule_dirs: Vec<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
pub struct InventoryArgs {
    /// Files or folders (default: the current folder).
    pub paths: Vec<PathBuf>,
    /// `table` for people, `cyclonedx` for a CycloneDX 1.6 JSON BOM.
    #[arg(long, value_enum, default_value = "table")]
    pub format: InventoryFormat,
    /// An advisory file in the format of rules/advisories.toml: its advisories are added to
    /// the built-in table (same id: replaced), or replace it with `table = "replace"`.
    #[arg(long, value_name = "FILE")]
    pub advisories: Option<PathBuf>,
    /// Do not respect .gitignore and .ignore files.
    #[arg(long)]
    pub no_ignore: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InventoryFormat {
    Table,
    Cyclonedx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl From<SeverityArg> for Severity {
    fn from(s: SeverityArg) -> Severity {
        match s {
            SeverityArg::Critical => Severity::Critical,
            SeverityArg::High => Severity::High,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::Low => Severity::Low,
            SeverityArg::Info => Severity::Info,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or folders; `-` reads standard input (name it with --stdin-filename).
    pub paths: Vec<PathBuf>,
    /// Output format (human on a terminal, concise otherwise).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Only these rules: ids, names or id prefixes (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Never these rules: ids, names or id prefixes.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Exit 1 when a finding is at or above this severity [default: low].
    #[arg(long, value_enum)]
    pub fail_on: Option<SeverityArg>,
    /// The configuration file (default: the nearest .moat.toml above each path).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Apply safe fixes.
    #[arg(long)]
    pub fix: bool,
    /// With --fix or --diff, apply unsafe fixes too.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff; write nothing.
    #[arg(long)]
    pub diff: bool,
    /// Do not respect .gitignore and .ignore files.
    #[arg(long)]
    pub no_ignore: bool,
    /// The file name to classify and report standard input as.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<PathBuf>,
    /// Also load the rules in these folders.
    #[arg(long = "rule-dir", value_name = "DIR")]
    pub rule_dirs: Vec<PathBuf>,
    /// Record the current findings in FILE (then exit 0).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Report only findings that FILE (from --write-baseline) does not record.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Report `# moat: ignore[...]` comments that suppress nothing.
    #[arg(long)]
    pub report_unused_ignores: bool,
    /// An advisory file for the `AV` rules (see `moat inventory --help`).
    #[arg(long, value_name = "FILE")]
    pub advisories: Option<PathBuf>,
}

/// Use the advisory table `path` names (built-in plus the file) for this run.
fn install_advisories(path: Option<&Path>) -> Result<(), i32> {
    let Some(path) = path else { return Ok(()) };
    match crate::advisory::from_file(path) {
        Ok(table) => {
            crate::advisory::install(table);
            Ok(())
        }
        Err(errors) => {
            for e in errors {
                eprintln!("moat: invalid advisory file: {e}");
            }
            Err(2)
        }
    }
}

fn inventory(args: InventoryArgs) -> i32 {
    if let Err(code) = install_advisories(args.advisories.as_deref()) {
        return code;
    }
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let settings = Settings {
        no_ignore: args.no_ignore,
        roots: crate::discover::roots(&paths),
        ..Settings::default()
    };
    let inv = match crate::inventory::collect(&settings, Input::Paths(paths)) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("moat: {e}");
            return 2;
        }
    };
    print(&match args.format {
        InventoryFormat::Table => crate::inventory::table(&inv),
        InventoryFormat::Cyclonedx => crate::inventory::cyclonedx::render(&inv),
    });
    for p in &inv.problems {
        eprintln!("moat: {}", escape_control(p));
    }
    for e in &inv.io_errors {
        eprintln!("moat: {}", escape_control(e));
    }
    if inv.io_errors.is_empty() {
        0
    } else {
        2
    }
}

fn load_rules(dirs: &[load::RuleDir]) -> Result<Vec<Rule>, i32> {
    let loaded = if dirs.is_empty() {
        load::embedded()
    } else {
        load::with_dirs(dirs)
    };
    loaded.map_err(|errors| {
        for e in errors {
            eprintln!("moat: invalid rule: {e}");
        }
        2
    })
}

pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Inventory(args) => inventory(args),
        Command::Lsp => crate::lsp::run(),
        Command::Rules { format, rule_dirs } => match load_rules(&anywhere(rule_dirs)) {
            Ok(rules) => {
                let text = match format {
                    ListFormat::Human => rules_table(&rules),
                    ListFormat::Json => rules_json(&rules),
                };
                print(&text);
                0
            }
            Err(code) => code,
        },
        Command::Explain { rule, rule_dirs } => match load_rules(&anywhere(rule_dirs)) {
            Ok(rules) => match rules
                .iter()
                .find(|r| r.id.eq_ignore_ascii_case(&rule) || *r.name == *rule)
            {
                Some(r) => {
                    print(&explain(r));
                    0
                }
                None => {
                    eprintln!("moat: no rule `{rule}` (see `moat rules`)");
                    2
                }
            },
            Err(code) => code,
        },
    }
}

/// Rule folders named on the command line: the user's own choice, read wherever they are.
fn anywhere(dirs: Vec<PathBuf>) -> Vec<load::RuleDir> {
    dirs.into_iter().map(load::RuleDir::anywhere).collect()
}

fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`moat rules | head`) is not an error worth a panic.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// The paths to check: those given, else the working folder.
fn given_paths(args: &CheckArgs) -> Vec<PathBuf> {
    if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    }
}

/// The `.moat.toml` files that govern this run: `--config` for everything; else, for standard
/// input, the nearest one above the working folder; else the nearest one above each path and
/// those inside the folders given, each governing the files under its own folder.
/// The second value says whether one configuration governs every file (`--config`, standard
/// input, or every path under the same `.moat.toml`).
fn configurations(args: &CheckArgs, walk: Option<&Walk>) -> Result<(Vec<Loaded>, bool), i32> {
    let given = given_paths(args);
    let (paths, uniform): (Vec<PathBuf>, bool) = if let Some(c) = &args.config {
        (vec![c.clone()], true)
    } else if given.iter().any(|p| p.as_os_str() == "-") {
        (
            crate::config::find(Path::new(".")).into_iter().collect(),
            true,
        )
    } else {
        let found: Vec<Option<PathBuf>> = crate::config::find_each(&given);
        // A folder's own `.moat.toml` files below it govern their subtrees, as the nearest
        // configuration above each file.
        let nested = walk.map(Walk::configs).unwrap_or_default();
        let mut seen: std::collections::HashSet<PathBuf> = found
            .iter()
            .flatten()
            .filter_map(|c| std::fs::canonicalize(c).ok())
            .collect();
        let nested: Vec<PathBuf> = nested
            .into_iter()
            .filter(|c| std::fs::canonicalize(c).is_ok_and(|c| seen.insert(c)))
            .collect();
        let uniform = nested.is_empty() && found.windows(2).all(|w| w[0] == w[1]);
        let mut distinct_above = std::collections::HashSet::new();
        let distinct = found
            .into_iter()
            .flatten()
            .filter(|c| distinct_above.insert(c.clone()))
            .chain(nested)
            .collect();
        (distinct, uniform)
    };
    let roots = crate::discover::roots(&given);
    let loaded = paths
        .iter()
        .map(|p| match args.config {
            Some(_) => crate::config::load(p),
            None => crate::config::load_found(p, &roots),
        })
        .collect::<Result<_, _>>()
        .map_err(|e| {
            eprintln!("moat: invalid configuration: {e}");
            2
        })?;
    Ok((loaded, uniform))
}

/// One configuration merged with the flags, which win.
fn settings_from(config: &Loaded, args: &CheckArgs, rules: &[Rule]) -> Result<Settings, i32> {
    let select = if args.select.is_empty() {
        config.select.clone()
    } else {
        args.select.clone()
    };
    let mut ignore = config.ignore.clone();
    ignore.extend(args.ignore.iter().cloned());
    let configured_rules = config
        .severity
        .iter()
        .map(|(r, _)| r)
        .chain(config.per_file_ignores.iter().flat_map(|(_, r)| r));
    for s in select.iter().chain(&ignore).chain(configured_rules) {
        let known = rules.iter().any(|r| {
            r.id.to_ascii_uppercase()
                .starts_with(&s.to_ascii_uppercase())
                || *r.name == **s
        }) || matches!(
            s.as_str(),
            "parse-error"
                | "skipped"
                | "suppression-without-reason"
                | "unused-suppression"
                | "ALL"
                | "all"
        );
        if !known {
            let whence = config
                .path
                .as_ref()
                .map_or(String::new(), |p| format!(" (in {})", p.display()));
            eprintln!("moat: `{s}` matches no rule id, name or prefix{whence} (see `moat rules`)");
            return Err(2);
        }
    }
    let mut rule_dirs = config.rule_dirs.clone();
    rule_dirs.extend(args.rule_dirs.iter().cloned());
    Ok(Settings {
        select,
        ignore,
        fail_on: args
            .fail_on
            .map(Severity::from)
            .or(config.fail_on)
            .unwrap_or(Severity::Low),
        rule_dirs,
        roots: crate::discover::roots(&given_paths(args)),
        no_ignore: args.no_ignore,
        report_unused_ignores: args.report_unused_ignores,
        severity: config.severity.clone(),
        kinds: config.kinds.clone(),
        per_file_ignores: config.per_file_ignores.clone(),
        trusted_registries: config.trusted_registries.clone(),
        ..Settings::default()
    })
}

/// Every configuration's settings; with several, each governs its own folder.
fn merged_settings(
    (configs, uniform): &(Vec<Loaded>, bool),
    args: &CheckArgs,
    rules: &[Rule],
) -> Result<Settings, i32> {
    match configs.as_slice() {
        [] => settings_from(&Loaded::default(), args, rules),
        [only] if *uniform => settings_from(only, args, rules),
        _ => {
            let mut base = settings_from(&Loaded::default(), args, rules)?;
            let from_any_config = |r: &&Rule| {
                let origin = Path::new(&r.origin);
                configs
                    .iter()
                    .any(|c| c.rule_dirs.iter().any(|d| origin.starts_with(d)))
            };
            base.foreign_rules = rules
                .iter()
                .filter(from_any_config)
                .map(|r| r.id.to_string())
                .collect();
            for config in configs {
                let mut settings = settings_from(config, args, rules)?;
                // A rule from another configuration's rule-dirs stays in that one's folder.
                settings.foreign_rules = rules
                    .iter()
                    .filter(|r| {
                        let origin = Path::new(&r.origin);
                        let from = |c: &Loaded| c.rule_dirs.iter().any(|d| origin.starts_with(d));
                        configs.iter().any(from) && !from(config)
                    })
                    .map(|r| r.id.to_string())
                    .collect();
                let Some(root) = config
                    .path
                    .as_deref()
                    .and_then(Path::parent)
                    .and_then(|d| std::fs::canonicalize(d).ok())
                else {
                    continue;
                };
                base.scopes.push(Scope { root, settings });
            }
            Ok(base)
        }
    }
}

fn check(args: CheckArgs) -> i32 {
    if let Err(code) = install_advisories(args.advisories.as_deref()) {
        return code;
    }
    let stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    // One walk finds both the files to lint and the configurations inside the folders given.
    let walk = if stdin {
        None
    } else {
        match crate::discover::discover(&given_paths(&args), args.no_ignore) {
            Ok(w) => Some(w),
            Err(e) => {
                eprintln!("moat: {e}");
                return 2;
            }
        }
    };
    let configs = match configurations(&args, walk.as_ref()) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let roots = crate::discover::roots(&given_paths(&args));
    let mut rule_dirs = Vec::new();
    for config in &configs.0 {
        if args.config.is_some() {
            rule_dirs.extend(anywhere(config.rule_dirs.clone()));
            continue;
        }
        match config.rule_dirs_within(&roots) {
            Ok(dirs) => rule_dirs.extend(dirs),
            Err(e) => {
                eprintln!("moat: invalid configuration: {e}");
                return 2;
            }
        }
    }
    rule_dirs.extend(anywhere(args.rule_dirs.clone()));
    let rules = match load_rules(&rule_dirs) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let settings = match merged_settings(&configs, &args, &rules) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let engine = Engine::new(rules);
    let input = if let Some(walk) = walk {
        Input::Walked(walk)
    } else {
        if args.paths.len() > 1 {
            eprintln!("moat: `-` (standard input) cannot be combined with other paths");
            return 2;
        }
        if args.fix {
            eprintln!("moat: --fix cannot write to standard input; use --diff");
            return 2;
        }
        let Some(name) = args.stdin_filename.clone() else {
            eprintln!("moat: reading standard input needs --stdin-filename NAME to know its kind");
            return 2;
        };
        let mut text = Vec::new();
        if let Err(e) = std::io::stdin()
            .take(crate::MAX_FILE_BYTES + 1)
            .read_to_end(&mut text)
        {
            eprintln!("moat: cannot read standard input: {e}");
            return 2;
        }
        Input::Text { name, text }
    };
    let mut code = 0;
    // --fix and --diff: a first pass edits the files (or prints the diffs), batch by batch;
    // then what remains is reported from the files as they now are on disk.
    let input = if args.fix || args.diff {
        // The fixes rename and add nothing: the second pass reads the same files.
        let again = match &input {
            Input::Walked(walk) => Some(walk.clone()),
            Input::Paths(_) | Input::Text { .. } => None,
        };
        let (mut files, mut applied, mut held_back) = (0, 0, 0);
        let linted = crate::check_batches(&engine, &settings, input, |batch| {
            if !args.unsafe_fixes {
                held_back += batch
                    .diagnostics
                    .iter()
                    .filter(|d| {
                        d.fix.as_ref().is_some_and(|f| {
                            f.applicability == crate::diagnostic::Applicability::Unsafe
                        })
                    })
                    .count();
            }
            for f in fix::fix_all(&engine, &settings, &batch, args.unsafe_fixes) {
                if args.diff {
                    print(&fix::unified_diff(&f));
                } else if let Err(e) = fix::write_atomically(&f) {
                    // Only what reached the disk is counted as applied.
                    eprintln!(
                        "moat: {}: {} fix(es) not applied: {}",
                        escape_control(&f.display),
                        f.applied,
                        escape_control(&e.to_string())
                    );
                    code = 2;
                    continue;
                }
                if !f.converged {
                    eprintln!(
                        "moat: {}: fixes did not converge after {} passes",
                        f.display,
                        fix::MAX_PASSES
                    );
                }
                files += 1;
                applied += f.applied;
            }
        });
        if let Err(e) = linted {
            eprintln!("moat: {e}");
            return 2;
        }
        // As ruff does: fixes that change behaviour are announced, never applied unasked.
        let unsafe_note = match held_back {
            0 => None,
            n => Some(format!(
                "moat: {n} more fix(es) are available with --unsafe-fixes (they change behaviour; review them with --diff --unsafe-fixes)"
            )),
        };
        if args.diff {
            eprintln!("moat: {applied} fix(es) available in {files} file(s)");
            if let Some(note) = &unsafe_note {
                eprintln!("{note}");
            }
            return if applied > 0 { 1 } else { 0 };
        }
        if files > 0 {
            eprintln!("moat: applied {applied} fix(es) in {files} file(s)");
        }
        if let Some(note) = &unsafe_note {
            eprintln!("{note}");
        }
        match again {
            Some(walk) => Input::Walked(walk),
            None => Input::Paths(Vec::new()),
        }
    } else {
        input
    };
    let baseline = match args
        .baseline
        .as_deref()
        .map(crate::baseline::read)
        .transpose()
    {
        Ok(b) => b,
        Err(e) => {
            eprintln!("moat: {e}");
            return 2;
        }
    };
    let terminal = std::io::stdout().is_terminal();
    let format = args.format.unwrap_or(if terminal {
        Format::Human
    } else {
        Format::Concise
    });
    let color = terminal && std::env::var_os("NO_COLOR").is_none();
    let mut stream = report::Stream::new(format, &engine.rules, color);
    let mut baseline_entries = Vec::new();
    let (mut failing, mut started) = (0, false);
    let (mut io_errors, mut rule_errors) = (Vec::new(), Vec::new());
    let linted = crate::check_batches(&engine, &settings, input, |mut batch| {
        if args.write_baseline.is_some() {
            baseline_entries.extend(crate::baseline::entries(&batch));
        } else {
            if let Some(b) = &baseline {
                crate::baseline::filter(&mut batch, b);
            }
            // The header waits for the first batch: a run that fails to start prints nothing.
            if !started {
                print(&stream.header());
                started = true;
            }
            print(&stream.batch(&batch));
            failing += batch.count_failing(&settings);
        }
        io_errors.append(&mut batch.io_errors);
        rule_errors.append(&mut batch.rule_errors);
    });
    if let Err(e) = linted {
        eprintln!("moat: {e}");
        return 2;
    }
    if let Some(path) = &args.write_baseline {
        return match crate::baseline::write(baseline_entries, path) {
            Ok(n) => {
                eprintln!("moat: wrote {n} finding(s) to {}", path.display());
                0
            }
            Err(e) => {
                eprintln!("moat: {}: cannot write baseline: {e}", path.display());
                2
            }
        };
    }
    print(&stream.finish());
    for e in &io_errors {
        eprintln!("moat: {}", escape_control(e));
    }
    let mut seen = std::collections::HashSet::new();
    for e in &rule_errors {
        if seen.insert(e.rule.clone()) {
            eprintln!("moat: rule {} failed to evaluate: {}", e.rule, e.message);
        }
    }
    if !io_errors.is_empty() || !rule_errors.is_empty() || code == 2 {
        return 2;
    }
    if failing > 0 {
        1
    } else {
        0
    }
}

pub fn rules_table(rules: &[Rule]) -> String {
    let mut out = String::new();
    for r in rules {
        out.push_str(&format!(
            "{:<6} {:<9} {:<44} {}\n",
            r.id, r.severity, r.name, r.title
        ));
    }
    out
}

fn rules_json(rules: &[Rule]) -> String {
    let list: Vec<serde_json::Value> = rules
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": &*r.id, "name": &*r.name, "title": r.title, "area": r.area,
                "severity": r.severity, "node": r.node.name(),
                "kinds": r.kinds.iter().map(|k| k.name()).collect::<Vec<_>>(),
                "references": &*r.references, "cwe": r.cwe, "sources": r.sources,
                "fix": r.fix.as_ref().map(|f| f.applicability),
                "what": r.what, "why": r.why.trim(),
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&list).expect("rules serialize");
    s.push('\n');
    s
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

pub fn explain(r: &Rule) -> String {
    let mut out = format!("{} {} ({})\n{}\n\n", r.id, r.name, r.severity, r.title);
    out.push_str(&format!(
        "What it does\n{}\nWhy is this bad?\n",
        indent(r.what.trim())
    ));
    for line in r.why.trim().lines() {
        out.push_str(&format!("  {line}\n"));
    }
    out.push_str(&format!(
        "\nHow to fix\n{}",
        indent(&crate::rules::cel::documented(r.help_text.trim()))
    ));
    if let Some(fs) = &r.fix_safety {
        out.push_str("\nFix safety\n");
        for line in fs.trim().lines() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    for ex in &r.examples {
        let kind = match ex.kind {
            crate::rules::schema::ExampleKind::Bad => "Bad",
            crate::rules::schema::ExampleKind::Good => "Good",
        };
        out.push_str(&format!("\n{kind} example ({})", ex.file));
        if let Some(n) = &ex.note {
            out.push_str(&format!(": {n}"));
        }
        out.push('\n');
        if let Some(config) = &ex.config {
            out.push_str("  with this .moat.toml:\n");
            for line in config.trim().lines() {
                out.push_str(&format!("    {line}\n"));
            }
            out.push_str("  this file:\n");
        }
        for line in ex.code.lines() {
            out.push_str(&format!("    {line}\n"));
        }
        if let Some(fixed) = &ex.fixed {
            out.push_str("  after the fix:\n");
            for line in fixed.lines() {
                out.push_str(&format!("    {line}\n"));
            }
        }
    }
    out.push_str("\nReferences\n");
    for reference in r.references.iter() {
        out.push_str(&format!("  - {reference}\n"));
    }
    if !r.sources.is_empty() {
        out.push_str(&format!("\nEquivalent checks: {}\n", r.sources.join(", ")));
    }
    if !r.supersedes.is_empty() {
        let ids: Vec<&str> = r.supersedes.iter().map(|s| &**s).collect();
        out.push_str(&format!(
            "\nReported instead of {} where both fire at the same place\n",
            ids.join(", ")
        ));
    }
    out
}
