//! The command line (clap derive) and what each subcommand does. Returns the exit code:
//! 0 nothing at or above `--fail-on`, 1 findings at or above it, 2 usage/config/I/O error.

use crate::config::Loaded;
use crate::diagnostic::{escape_control, escape_control_lines, Severity};
use crate::discover::Walk;
use crate::report::{self, Format};
use crate::rules::eval::Engine;
use crate::rules::load::{self, Rule};
use crate::rules::schema::RuleSet;
use crate::settings::{Scope, Settings};
use crate::{fix, Input, Report};
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
    Check(Box<CheckArgs>),
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
    /// Print the nodes and facts moat builds for files, as rule conditions see them (JSON),
    /// or with `--schema` the JSON Schema of every node kind's facts.
    Facts(FactsArgs),
    /// Show the documentation of one rule.
    Explain {
        /// Rule id (`DF001`) or name (`dockerfile-runs-as-root`).
        rule: String,
        #[arg(long = "rule-dir", value_name = "DIR")]
        rule_dirs: Vec<PathBuf>,
    },
    /// Print the settings that govern a path (default: the current folder) and where each
    /// comes from: the nearest `.moat.toml`, else the user-level configuration, else defaults.
    Config {
        path: Option<PathBuf>,
        /// Read this configuration file instead of looking for one.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Print a shell completion script: `moat completions bash > /etc/bash_completion.d/moat`.
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff) to standard output: `moat man > moat.1`.
    #[command(hide = true)]
    Man,
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
    /// Print the format of an advisory file (documented, with an example) and exit.
    #[arg(long)]
    pub advisories_format: bool,
}

#[derive(Debug, clap::Args)]
pub struct FactsArgs {
    /// Files or folders (default: the current folder).
    pub paths: Vec<PathBuf>,
    /// Print the JSON Schema of the facts (every node kind, its variables and their fields)
    /// instead.
    #[arg(long, conflicts_with = "paths")]
    pub schema: bool,
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

/// When human output is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal; `FORCE_COLOR` or `CLICOLOR_FORCE` turn it on anywhere, `NO_COLOR` off.
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour output going to a terminal (`terminal`) or not. Explicit choices win
    /// over the environment; of the variables, forcing wins over `NO_COLOR`, as the
    /// force-color.org and no-color.org conventions read together (a CI job that forces colour
    /// meant it).
    pub fn resolve(self, terminal: bool) -> bool {
        let set = |name: &str| {
            std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
        };
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto if set("FORCE_COLOR") || set("CLICOLOR_FORCE") => true,
            ColorChoice::Auto if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) => {
                false
            }
            ColorChoice::Auto => terminal && std::env::var("TERM").map_or(true, |t| t != "dumb"),
        }
    }
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
    #[arg(long, value_enum, env = "MOAT_FORMAT")]
    pub format: Option<Format>,
    /// Write the report to FILE instead of standard output; the summary stays on the terminal.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Print the report and errors only: no summary line, no notes.
    #[arg(short, long)]
    pub quiet: bool,
    /// Print how many findings each rule has instead of the findings (a table, or JSON with
    /// --format json).
    #[arg(long)]
    pub statistics: bool,
    /// Exit 0 even with findings at or above --fail-on (errors still exit 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// Colour of human output.
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    pub color: ColorChoice,
    /// Files and folders not to lint, as .gitignore lines (`vendor/`, `*.generated.yaml`),
    /// relative to the working folder; replaces the configuration's `exclude`.
    #[arg(long, value_delimiter = ',', value_name = "PATTERN")]
    pub exclude: Vec<String>,
    /// The folder SARIF paths are relative to (default: the nearest folder above the working
    /// folder that holds `.git`, else the working folder).
    #[arg(long, value_name = "DIR")]
    pub project_root: Option<PathBuf>,
    /// Like --exclude, but added to the configuration's `exclude`.
    #[arg(long, value_delimiter = ',', value_name = "PATTERN")]
    pub extend_exclude: Vec<String>,
    /// Only these rules, instead of the default set: ids, names, id prefixes, `hardening`
    /// (the opt-in set) or `ALL` (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// These rules too, on top of the default set or the configuration's `select`
    /// (`--extend-select hardening`).
    #[arg(long, value_delimiter = ',', value_name = "SELECT")]
    pub extend_select: Vec<String>,
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
    /// Read standard input and classify and report it as this file name.
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
                say(format_args!("invalid advisory file: {e}"));
            }
            Err(2)
        }
    }
}

/// The advisory file format, documented, with an example (generated by build.rs).
const ADVISORIES_FORMAT: &str = include_str!(concat!(env!("OUT_DIR"), "/advisories_format.toml"));

fn inventory(args: InventoryArgs) -> i32 {
    if args.advisories_format {
        print(ADVISORIES_FORMAT);
        return 0;
    }
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
            say(format_args!("{e}"));
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

fn facts(args: FactsArgs) -> i32 {
    let pretty = |v: &serde_json::Value| {
        let mut text = serde_json::to_string_pretty(v).unwrap_or_default();
        text.push('\n');
        text
    };
    if args.schema {
        print(&pretty(crate::facts::registry::document()));
        return 0;
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
    match crate::facts::dump::dump(&settings, Input::Paths(paths)) {
        Ok(facts) => {
            print(&pretty(&facts));
            0
        }
        Err(e) => {
            say(format_args!("{e}"));
            2
        }
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
            say(format_args!("invalid rule: {e}"));
        }
        2
    })
}

pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Check(args) => check(*args),
        Command::Inventory(args) => inventory(args),
        Command::Facts(args) => facts(args),
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
            Ok(rules) => match load::find(&rules, &rule) {
                Some(r) => {
                    if !r.id.eq_ignore_ascii_case(rule.trim()) && *r.name != *rule.trim() {
                        // As ruff says for a redirected code: the old name still works.
                        eprintln!("moat: `{}` is now {} {}", rule.trim(), r.id, r.name);
                    }
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
        Command::Config { path, config } => show_config(path, config),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "moat",
                &mut out,
            );
            print(&String::from_utf8_lossy(&out));
            0
        }
        Command::Man => {
            let mut out = Vec::new();
            match clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut out) {
                Ok(()) => {
                    print(&String::from_utf8_lossy(&out));
                    0
                }
                Err(e) => {
                    eprintln!("moat: cannot render the man page: {e}");
                    2
                }
            }
        }
    }
}

/// Rule folders named on the command line: the user's own choice, read wherever they are.
fn anywhere(dirs: Vec<PathBuf>) -> Vec<load::RuleDir> {
    dirs.into_iter().map(load::RuleDir::anywhere).collect()
}

/// `moat config`: the settings that govern `path`, as a `.moat.toml` would say them, with
/// where they come from.
fn show_config(path: Option<PathBuf>, config: Option<PathBuf>) -> i32 {
    let path = path.unwrap_or_else(|| PathBuf::from("."));
    if !path.exists() {
        eprintln!(
            "moat: {}: no such file or directory",
            escape_control(&path.display().to_string())
        );
        return 2;
    }
    let source = config
        .or_else(|| crate::config::find(&path))
        .or_else(crate::config::user_config);
    let loaded = match source.as_deref().map(crate::config::load).transpose() {
        Ok(l) => l.unwrap_or_default(),
        Err(e) => {
            eprintln!("moat: invalid configuration: {e}");
            return 2;
        }
    };
    print(&effective_config(&path, &loaded));
    0
}

/// A TOML rendering of `loaded` with every default spelled out.
pub fn effective_config(path: &Path, loaded: &Loaded) -> String {
    let quoted = |items: &mut dyn Iterator<Item = String>| {
        let v: Vec<String> = items.map(|s| toml_string(&s)).collect();
        format!("[{}]", v.join(", "))
    };
    let from = match &loaded.path {
        Some(p) => format!("# from {}", escape_control(&p.display().to_string())),
        None => "# no configuration file: defaults".to_string(),
    };
    let mut out = format!(
        "# the settings for {}\n{from}\n",
        escape_control(&path.display().to_string())
    );
    out.push_str(&format!(
        "select = {}{}\n",
        quoted(&mut loaded.select.iter().cloned()),
        if loaded.select.is_empty() {
            "  # the default set (not `hardening`; \"ALL\" for every rule)"
        } else {
            ""
        }
    ));
    out.push_str(&format!(
        "extend-select = {}\n",
        quoted(&mut loaded.extend_select.iter().cloned())
    ));
    out.push_str(&format!(
        "ignore = {}\n",
        quoted(&mut loaded.ignore.iter().cloned())
    ));
    out.push_str(&format!(
        "fail-on = \"{}\"\n",
        loaded.fail_on.unwrap_or(Severity::Low)
    ));
    out.push_str(&format!(
        "exclude = {}\n",
        quoted(&mut loaded.exclude.iter().cloned())
    ));
    out.push_str(&format!(
        "extend-exclude = {}\n",
        quoted(&mut loaded.extend_exclude.iter().cloned())
    ));
    out.push_str(&format!(
        "rule-dirs = {}\n",
        quoted(&mut loaded.rule_dirs.iter().map(|d| d.display().to_string()))
    ));
    out.push_str(&format!(
        "trusted-registries = {}\n",
        quoted(&mut loaded.trusted_registries.iter().cloned())
    ));
    out.push_str("\n[severity]\n");
    for (rule, severity) in &loaded.severity {
        out.push_str(&format!("{} = \"{severity}\"\n", toml_key(rule)));
    }
    out.push_str("\n[per-file-ignores]\n");
    for (glob, rules) in &loaded.per_file_ignores {
        out.push_str(&format!(
            "{} = {}\n",
            toml_string(glob.glob().glob()),
            quoted(&mut rules.iter().cloned())
        ));
    }
    out.push_str("\n[kinds]\n");
    for (glob, kind) in &loaded.kinds {
        out.push_str(&format!(
            "{} = \"{}\"\n",
            toml_string(glob.glob().glob()),
            kind.name()
        ));
    }
    out
}

/// A TOML key: bare when it may be, else quoted.
fn toml_key(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        s.to_string()
    } else {
        toml_string(s)
    }
}

/// A TOML basic string (the `toml` crate's quoting, so any character round-trips).
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
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
/// input, or every path under the same `.moat.toml`); the third is the user-level
/// configuration, which governs the files no `.moat.toml` governs (never with `--config`).
fn configurations(args: &CheckArgs, walk: Option<&Walk>) -> Result<Configurations, i32> {
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
    let report = |e: crate::config::ConfigError| {
        say(format_args!("invalid configuration: {e}"));
        2
    };
    let loaded = paths
        .iter()
        .map(|p| match args.config {
            Some(_) => crate::config::load(p),
            None => crate::config::load_found(p, &roots),
        })
        .collect::<Result<_, _>>()
        .map_err(report)?;
    // The user-level configuration is the user's own choice, like `--config`: read where it is.
    let user = match &args.config {
        Some(_) => None,
        None => crate::config::user_config()
            .map(|p| crate::config::load(&p))
            .transpose()
            .map_err(report)?,
    };
    Ok((loaded, uniform, user))
}

/// Project configurations, whether one governs every file, and the user-level one.
type Configurations = (Vec<Loaded>, bool, Option<Loaded>);

/// One configuration merged with the flags, which win.
fn settings_from(config: &Loaded, args: &CheckArgs, rules: &[Rule]) -> Result<Settings, i32> {
    // As ruff: `--select` replaces the configuration's selection, its `extend-select` too;
    // `--extend-select` adds to whichever selection stands.
    let (select, mut extend_select) = if args.select.is_empty() {
        (config.select.clone(), config.extend_select.clone())
    } else {
        (args.select.clone(), Vec::new())
    };
    extend_select.extend(args.extend_select.iter().cloned());
    let mut ignore = config.ignore.clone();
    ignore.extend(args.ignore.iter().cloned());
    let configured_rules = config
        .severity
        .iter()
        .map(|(r, _)| r)
        .chain(config.per_file_ignores.iter().flat_map(|(_, r)| r));
    for s in select
        .iter()
        .chain(&extend_select)
        .chain(&ignore)
        .chain(configured_rules)
    {
        let known = rules.iter().any(|r| {
            crate::settings::matches(
                s,
                crate::settings::RuleKey {
                    id: &r.id,
                    name: &r.name,
                    set: RuleSet::Default,
                    aliases: &r.aliases,
                },
            )
        }) || RuleSet::named(s).is_some()
            || matches!(
                s.as_str(),
                "parse-error"
                    | "skipped"
                    | "suppression-without-reason"
                    | "unused-suppression"
                    | "ALL"
                    | "all"
            );
        if !known {
            // Named in the configuration: say where; on the command line: say so.
            let place = config.rule_refs.iter().find(|(r, _)| r == s);
            match place {
                Some((_, at)) => say(format_args!(
                    "{at}: `{s}` matches no rule id, name or prefix (see `moat rules`)"
                )),
                None => say(format_args!(
                    "`{s}` matches no rule id, name or prefix (see `moat rules`)"
                )),
            }
            return Err(2);
        }
    }
    let mut rule_dirs = config.rule_dirs.clone();
    rule_dirs.extend(args.rule_dirs.iter().cloned());
    let exclude = config
        .exclusions(&args.exclude, &args.extend_exclude)
        .map_err(|e| {
            eprintln!("moat: {e}");
            2
        })?;
    Ok(Settings {
        exclude,
        select,
        extend_select,
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
    (configs, uniform, user): &Configurations,
    args: &CheckArgs,
    rules: &[Rule],
) -> Result<Settings, i32> {
    let fallback = Loaded::default();
    let outside = user.as_ref().unwrap_or(&fallback);
    match configs.as_slice() {
        [] => settings_from(outside, args, rules),
        [only] if *uniform => settings_from(only, args, rules),
        _ => {
            let mut base = settings_from(outside, args, rules)?;
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

/// Where a report goes: standard output, or the file of `--output-file`.
enum Sink {
    Stdout,
    File {
        path: PathBuf,
        out: std::io::BufWriter<std::fs::File>,
        failed: Option<std::io::Error>,
    },
}

impl Sink {
    fn open(path: Option<&Path>) -> Result<Sink, String> {
        let Some(path) = path else {
            return Ok(Sink::Stdout);
        };
        let file = std::fs::File::create(path).map_err(|e| {
            format!(
                "{}: cannot write the report: {e}",
                escape_control(&path.display().to_string())
            )
        })?;
        Ok(Sink::File {
            path: path.to_path_buf(),
            out: std::io::BufWriter::new(file),
            failed: None,
        })
    }

    fn terminal(&self) -> bool {
        matches!(self, Sink::Stdout) && std::io::stdout().is_terminal()
    }

    fn print(&mut self, text: &str) {
        match self {
            Sink::Stdout => print(text),
            Sink::File { out, failed, .. } => {
                if failed.is_none() {
                    if let Err(e) = out.write_all(text.as_bytes()) {
                        *failed = Some(e);
                    }
                }
            }
        }
    }

    /// Flush the file; an error writing it is the run's error.
    fn close(self) -> Result<(), String> {
        match self {
            Sink::Stdout => Ok(()),
            Sink::File {
                path,
                mut out,
                failed,
            } => match failed.map_or_else(|| out.flush(), Err) {
                Ok(()) => Ok(()),
                Err(e) => Err(format!(
                    "{}: cannot write the report: {e}",
                    escape_control(&path.display().to_string())
                )),
            },
        }
    }
}

/// The report's width for human output: the terminal's, else `COLUMNS`, else 100.
fn report_width(sink: &Sink) -> usize {
    let from_terminal = sink
        .terminal()
        .then(|| terminal_size::terminal_size_of(std::io::stdout()))
        .flatten()
        .map(|(w, _)| usize::from(w.0));
    from_terminal
        .or_else(|| std::env::var("COLUMNS").ok()?.trim().parse().ok())
        .filter(|w| *w >= 20)
        .unwrap_or(100)
}

/// The paths named on the command line that are folders, to warn when moat read nothing in
/// one of them (a mistyped or emptied folder in CI must not pass silently).
struct NamedFolders {
    /// Canonical folder, as given, whether any file under it was read.
    folders: Vec<(PathBuf, PathBuf, bool)>,
}

impl NamedFolders {
    fn new(paths: &[PathBuf]) -> Self {
        let folders = paths
            .iter()
            .filter(|p| p.is_dir())
            .filter_map(|p| Some((std::fs::canonicalize(p).ok()?, p.clone(), false)))
            .collect();
        NamedFolders { folders }
    }

    fn saw(&mut self, report: &Report) {
        for f in &report.files {
            if self.folders.iter().all(|(_, _, seen)| *seen) {
                return;
            }
            let Ok(abs) = std::fs::canonicalize(&f.path) else {
                continue;
            };
            for (root, _, seen) in &mut self.folders {
                *seen |= abs.starts_with(root);
            }
        }
    }

    fn empty(&self) -> impl Iterator<Item = &Path> {
        self.folders
            .iter()
            .filter(|(_, _, seen)| !seen)
            .map(|(_, given, _)| given.as_path())
    }
}

/// Per-rule counts for `--statistics`.
#[derive(Default)]
struct Statistics {
    rules: std::collections::BTreeMap<String, RuleCount>,
}

struct RuleCount {
    name: String,
    severity: Severity,
    count: usize,
    fixable: usize,
}

impl Statistics {
    fn add(&mut self, report: &Report) {
        for d in &report.diagnostics {
            let entry = self
                .rules
                .entry(d.rule.to_string())
                .or_insert_with(|| RuleCount {
                    name: d.name.to_string(),
                    severity: d.severity,
                    count: 0,
                    fixable: 0,
                });
            entry.count += 1;
            entry.severity = entry.severity.max(d.severity);
            entry.fixable += usize::from(d.fix.is_some());
        }
    }

    /// Most frequent first, then by rule id.
    fn sorted(&self) -> Vec<(&String, &RuleCount)> {
        let mut rows: Vec<_> = self.rules.iter().collect();
        rows.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
        rows
    }

    fn render(&self, format: Format) -> String {
        let rows = self.sorted();
        if format == Format::Json {
            let list: Vec<serde_json::Value> = rows
                .iter()
                .map(|(rule, c)| {
                    serde_json::json!({
                        "rule": rule, "name": c.name, "severity": c.severity,
                        "count": c.count, "fixable": c.fixable,
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&list).expect("statistics serialize");
            s.push('\n');
            return s;
        }
        let width = |f: &dyn Fn(&RuleCount, &String) -> usize| {
            rows.iter().map(|(r, c)| f(c, r)).max().unwrap_or(0)
        };
        let count_w = width(&|c, _| c.count.to_string().len());
        let rule_w = width(&|_, r| r.len());
        let sev_w = width(&|c, _| c.severity.as_str().len());
        let name_w = width(&|c, _| c.name.len());
        rows.iter()
            .map(|(rule, c)| {
                let fix = if c.fixable > 0 {
                    format!("{} fixable", c.fixable)
                } else {
                    String::new()
                };
                let line = format!(
                    "{:>count_w$}  {rule:<rule_w$}  {:<sev_w$}  {:<name_w$}  {fix}",
                    c.count,
                    c.severity.as_str(),
                    c.name
                );
                format!("{}\n", line.trim_end())
            })
            .collect()
    }
}

/// Standard input is read when `-` is a path, or when `--stdin-filename` names it and no
/// path is given (as ruff and prettier read it).
fn reads_stdin(args: &CheckArgs) -> bool {
    args.paths.iter().any(|p| p.as_os_str() == "-")
        || (args.paths.is_empty() && args.stdin_filename.is_some())
}

fn check(mut args: CheckArgs) -> i32 {
    if let Err(code) = install_advisories(args.advisories.as_deref()) {
        return code;
    }
    let stdin = reads_stdin(&args);
    if stdin && args.paths.is_empty() {
        args.paths.push(PathBuf::from("-"));
    } else if !stdin && args.stdin_filename.is_some() {
        eprintln!("moat: --stdin-filename names standard input: give `-` as the path, or no path");
        return 2;
    }
    // One walk finds both the files to lint and the configurations inside the folders given.
    let mut walk = if stdin {
        None
    } else {
        match crate::discover::discover(&given_paths(&args), args.no_ignore) {
            Ok(w) => Some(w),
            Err(e) => {
                say(format_args!("{e}"));
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
    if let Some(user) = &configs.2 {
        rule_dirs.extend(anywhere(user.rule_dirs.clone()));
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
    let mut excluded = 0;
    if let Some(walk) = &mut walk {
        let before = walk.candidates.len();
        walk.candidates.retain(|c| !settings.excludes(&c.path));
        excluded = before - walk.candidates.len();
    }
    let mut named_folders = NamedFolders::new(&args.paths);
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
            say(format_args!("cannot read standard input: {e}"));
            return 2;
        }
        Input::Text { name, text }
    };
    let mut sink = match Sink::open(args.output_file.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("moat: {e}");
            return 2;
        }
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
                    sink.print(&fix::unified_diff(&f));
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
                        escape_control(&f.display),
                        fix::MAX_PASSES
                    );
                }
                files += 1;
                applied += f.applied;
            }
        });
        if let Err(e) = linted {
            say(format_args!("{e}"));
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
            if !args.quiet {
                eprintln!("moat: {applied} fix(es) available in {files} file(s)");
                if let Some(note) = &unsafe_note {
                    eprintln!("{note}");
                }
            }
            if let Err(e) = sink.close() {
                eprintln!("moat: {e}");
                return 2;
            }
            return if applied > 0 && !args.exit_zero { 1 } else { 0 };
        }
        if files > 0 && !args.quiet {
            eprintln!("moat: applied {applied} fix(es) in {files} file(s)");
        }
        if let Some(note) = unsafe_note.as_ref().filter(|_| !args.quiet) {
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
            say(format_args!("{e}"));
            return 2;
        }
    };
    let format = args.format.unwrap_or(if sink.terminal() {
        Format::Human
    } else {
        Format::Concise
    });
    if args.statistics && !matches!(format, Format::Human | Format::Concise | Format::Json) {
        eprintln!("moat: --statistics prints a table (human, concise) or JSON, not {format:?}");
        return 2;
    }
    let color = args.color.resolve(sink.terminal());
    let mut stream = report::Stream::new(format, &engine.rules, color).width(report_width(&sink));
    if format == Format::Sarif {
        match report::sarif::ProjectRoot::find(args.project_root.as_deref()) {
            Ok(root) => stream = stream.project_root(root),
            Err(e) => {
                let given = args.project_root.as_deref().unwrap_or(Path::new("."));
                eprintln!(
                    "moat: {}: cannot use as the project root: {e}",
                    escape_control(&given.display().to_string())
                );
                return 2;
            }
        }
    }
    let mut statistics = Statistics::default();
    let mut baseline_entries = Vec::new();
    let mut remaining = baseline
        .as_ref()
        .map(|b| crate::baseline::Remaining::new(b, &engine.rules));
    let baseline_folder = args
        .write_baseline
        .as_deref()
        .or(args.baseline.as_deref())
        .map(crate::baseline::folder)
        .unwrap_or_default();
    let (mut failing, mut started, mut baselined, mut files_read) = (0, false, 0, 0);
    let (mut io_errors, mut rule_errors) = (Vec::new(), Vec::new());
    let mut hidden = crate::Hidden::new();
    let linted = crate::check_batches(&engine, &settings, input, |mut batch| {
        named_folders.saw(&batch);
        for (rule, n) in std::mem::take(&mut batch.hidden) {
            *hidden.entry(rule).or_default() += n;
        }
        files_read += batch.files.len();
        if args.write_baseline.is_some() {
            baseline_entries.extend(crate::baseline::entries(&batch, &baseline_folder));
        } else {
            if let Some(remaining) = &mut remaining {
                baselined += crate::baseline::filter(&mut batch, remaining, &baseline_folder);
            }
            if args.statistics {
                stream.count(&batch);
                statistics.add(&batch);
            } else {
                // The header waits for the first batch: a run that fails to start prints
                // nothing.
                if !started {
                    sink.print(&stream.header());
                    started = true;
                }
                sink.print(&stream.batch(&batch));
            }
            failing += batch.count_failing(&settings);
        }
        io_errors.append(&mut batch.io_errors);
        rule_errors.append(&mut batch.rule_errors);
    });
    if let Err(e) = linted {
        say(format_args!("{e}"));
        return 2;
    }
    let mut nothing_read = false;
    let excluded_note = if excluded > 0 {
        format!(" ({excluded} file(s) excluded)")
    } else {
        String::new()
    };
    for folder in named_folders.empty() {
        eprintln!(
            "moat: warning: no file moat reads in `{}`{excluded_note} (see `moat check --help` for the kinds, `[kinds]` in .moat.toml to map others)",
            escape_control(&folder.display().to_string())
        );
        nothing_read = true;
    }
    if !stdin && files_read == 0 && !nothing_read {
        if args.paths.is_empty() {
            if !args.quiet {
                eprintln!("moat: warning: no file moat reads in the current folder{excluded_note}");
            }
        } else {
            // Every path named was excluded.
            eprintln!("moat: warning: no file moat reads in the paths given{excluded_note}");
            nothing_read = true;
        }
    }
    if let Some(path) = &args.write_baseline {
        return match crate::baseline::write(baseline_entries, path) {
            Ok(n) => {
                if !args.quiet {
                    say(format_args!("wrote {n} finding(s) to {}", path.display()));
                }
                if nothing_read {
                    2
                } else {
                    0
                }
            }
            Err(e) => {
                say(format_args!(
                    "{}: cannot write baseline: {e}",
                    path.display()
                ));
                2
            }
        };
    }
    if args.statistics {
        sink.print(&statistics.render(format));
    } else {
        sink.print(&stream.finish());
    }
    if let Err(e) = sink.close() {
        eprintln!("moat: {e}");
        code = 2;
    }
    if !args.quiet {
        let mut line = report::summary(stream.totals());
        if baselined > 0 {
            line = format!(
                "{} ({baselined} in the baseline not shown)\n",
                line.trim_end()
            );
        }
        // The summary follows a human report on standard output; machine formats keep their
        // output to the report alone.
        if format == Format::Human && args.output_file.is_none() && !args.statistics {
            print(&line);
        } else {
            eprint!("{line}");
        }
        if let Some(note) = hidden_note(&hidden, &engine.rules) {
            eprintln!("{note}");
        }
    }
    for e in &io_errors {
        eprintln!("moat: {}", escape_control(e));
    }
    let mut seen = std::collections::HashSet::new();
    for e in &rule_errors {
        if seen.insert(e.rule.clone()) {
            eprintln!(
                "moat: {}",
                escape_control(&format!(
                    "{}: rule {} failed to evaluate: {}",
                    e.place, e.rule, e.message
                ))
            );
        }
    }
    if !io_errors.is_empty() || !rule_errors.is_empty() || code == 2 || nothing_read {
        return 2;
    }
    if failing > 0 && !args.exit_zero {
        1
    } else {
        0
    }
}

/// The rules named in the note on findings outside the default set; the others are counted.
const NOTE_RULES: usize = 3;

/// One line on what rules outside the default set would have reported, and the flag that
/// shows it: a finding moat keeps out of the default report stays one flag away. `None` when
/// there is none (or the user's `select` or `ignore` left them out on purpose).
pub fn hidden_note(hidden: &crate::Hidden, rules: &[Rule]) -> Option<String> {
    let total: usize = hidden.values().sum();
    if total == 0 {
        return None;
    }
    let mut by_count: Vec<_> = hidden.iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let named: Vec<String> = by_count
        .iter()
        .take(NOTE_RULES)
        .map(|((id, name), n)| format!("{id} {name} ({n})"))
        .collect();
    let more = by_count.len().saturating_sub(NOTE_RULES);
    let mut listed = named.join(", ");
    if more > 0 {
        listed.push_str(&format!(
            " and {more} more rule{}",
            if more == 1 { "" } else { "s" }
        ));
    }
    let mut sets: Vec<RuleSet> = by_count
        .iter()
        .map(|((id, _), _)| crate::settings::set_of(rules, id))
        .collect();
    sets.sort();
    sets.dedup();
    let sets: Vec<&str> = sets.iter().map(|s| s.as_str()).collect();
    Some(
        escape_control(&format!(
            "moat: note: {total} more finding(s) from rules outside the default set: {listed}; \
         --extend-select {} or --select ALL to see them",
            sets.join(",")
        ))
        .into_owned(),
    )
}

/// `moat rules`: a header and one row per rule, each column as wide as its longest cell.
/// SET says which rules a plain `moat check` reports (`default`) and which are opted into.
pub fn rules_table(rules: &[Rule]) -> String {
    let header = ["ID", "SEVERITY", "SET", "NAME", "TITLE"];
    let rows: Vec<[String; 5]> = rules
        .iter()
        .map(|r| {
            [
                r.id.to_string(),
                r.severity.to_string(),
                r.set.to_string(),
                r.name.to_string(),
                escape_control(&r.title).into_owned(),
            ]
        })
        .collect();
    let width = |i: usize| {
        rows.iter()
            .map(|row| row[i].chars().count())
            .chain([header[i].len()])
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2, w3) = (width(0), width(1), width(2), width(3));
    let mut out = format!(
        "{:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {}\n",
        header[0], header[1], header[2], header[3], header[4]
    );
    for [id, severity, set, name, title] in &rows {
        out.push_str(&format!(
            "{id:<w0$}  {severity:<w1$}  {set:<w2$}  {name:<w3$}  {title}\n"
        ));
    }
    // Former ids, as ruff lists its redirects: each still selects the rule it became.
    let redirects: Vec<String> = rules
        .iter()
        .flat_map(|r| {
            r.aliases
                .iter()
                .filter(|a| !a.contains('-'))
                .map(move |a| format!("{a} -> {} {}", r.id, r.name))
        })
        .collect();
    if !redirects.is_empty() {
        out.push_str("\nRedirected (former ids still select, ignore and suppress the rule):\n");
        for line in redirects {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out
}

/// Whether `moat check` reports the rule by default, and how to opt in when it does not.
pub fn set_line(r: &Rule) -> String {
    match r.set {
        RuleSet::Default => "In the default set: a plain `moat check` reports it.".into(),
        set => format!(
            "Not in the default set: in `{set}`, reported with `--extend-select {set}`, \
             `--select {}` or `--select ALL`.",
            r.id
        ),
    }
}

fn rules_json(rules: &[Rule]) -> String {
    let list: Vec<serde_json::Value> = rules
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": &*r.id, "name": &*r.name, "title": r.title, "area": r.area,
                "severity": r.severity, "set": r.set.as_str(),
                "aliases": r.aliases.iter().map(|a| &**a).collect::<Vec<_>>(),
                "default": r.set == RuleSet::Default, "node": r.node.name(),
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
    let mut out = format!(
        "{} {} ({})\n{}\n{}\n\n",
        r.id,
        r.name,
        r.severity,
        r.title,
        set_line(r)
    );
    if !r.aliases.is_empty() {
        out.push_str(&format!(
            "Formerly: {} (they still select, ignore and suppress it)\n\n",
            r.aliases.join(", ")
        ));
    }
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

/// A message on stderr, `moat: ` first. Messages carry paths and text from scanned files and
/// configurations, so they are escaped like every text output.
fn say(message: std::fmt::Arguments) {
    eprintln!("moat: {}", escape_control_lines(&message.to_string()));
}
