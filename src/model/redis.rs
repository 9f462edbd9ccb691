//! Redis: one `redis` node per redis.conf / sentinel.conf file, and one per service that runs
//! Redis (HARDENING-FACTS §3). A service's node joins, in the order Redis applies them: the
//! image's defaults, the configuration file named on the `redis-server` command line (read
//! from the repository when the Compose file bind-mounts it), its `include`s, Bitnami's
//! environment variables, and the `--name value` arguments. Every effective setting keeps
//! where it was set in the linted file: its line, its argument, or the Compose line that
//! brings a joined file in (the volume entry, the `include` line), or the image line when it
//! is the image's default. Version-dependent semantics (protected mode, the Lua CVEs) and the
//! ACL evaluation are computed here so that rule conditions stay simple.

use super::component::Component;
use super::nodes::{FileCtx, Node, NodeKind, ServiceCtx};
use super::related::{FileId, Joined, Joiner};
use super::version::{self, Stated};
use super::{is_loopback, ImageRef, MountKind, Service};
use crate::model::nodes::{fact, to_json};
use crate::parse::redis_conf::{self, Arg, Directive};
use crate::parse::Problem;
use crate::source::Span;
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Span keys a `redis` rule may name.
pub const SPAN_KEYS: &[&str] = &[
    "redis",
    // Where the effective configuration comes from: the command, a mounted file, the image.
    "redis.source",
    // Where authentication is set, or, when it is not, where it would have to be.
    "redis.auth",
    "redis.password",
    "redis.bind",
    "redis.bind.value",
    "redis.port",
    "redis.protected_mode",
    "redis.protected_mode.value",
    "redis.dangerous_commands",
    "redis.acl",
    "redis.tls",
    // The published ports (or host network) that reach the Redis port.
    "redis.published",
    "service",
    "service.image",
    "service.ports",
    "service.exposed_ports",
    "service.network_mode",
];

/// Nested `include`s deeper than this are not followed.
const MAX_INCLUDE_DEPTH: usize = 8;

/// Passwords published in documentation and examples.
const WELL_KNOWN_PASSWORDS: &[&str] = &[
    "foobared",
    "password",
    "passw0rd",
    "redis",
    "redispassword",
    "redis_password",
    "redispass",
    "redis123",
    "changeme",
    "change-me",
    "changeit",
    "secret",
    "secretpassword",
    "mypassword",
    "yourpassword",
    "your_password",
    "admin",
    "root",
    "default",
    "test",
    "pass",
    "123456",
    "12345678",
    "qwerty",
    "letmein",
    "example",
];

/// Passwords shorter than this are called short: Redis answers fast, so a password is brute
/// forced at network speed (redis.io security guide; the sample redis.conf's warning).
const MIN_PASSWORD_LEN: usize = 12;

/// One effective setting and where it was set.
#[derive(Debug, Clone)]
struct Set {
    args: Vec<String>,
    /// Where it was set, in the linted file.
    span: Span,
    /// The values as written in the linted file, where a fix may rewrite them.
    value_span: Option<Span>,
    /// For messages: "line 3", "the command line", "`./redis.conf` mounted at `/etc/redis.conf`".
    from: String,
}

impl Set {
    fn arg(&self, i: usize) -> &str {
        self.args.get(i).map_or("", String::as_str)
    }
}

/// Where a list of directives comes from, for their spans.
enum Place<'a> {
    /// Lines of the linted file (indexed, for line numbers).
    File(&'a crate::source::SourceFile),
    /// `redis-server` arguments in the linted file; `precise` when each argument has a span of
    /// its own (a folded YAML scalar's words all share the scalar's span).
    Args { precise: bool },
    /// Read from another file: every directive points at the line that brought it in.
    Joined { span: Span, from: String },
}

/// The directives in effect: last one wins; `user` lines accumulate per user name;
/// `rename-command` per command.
#[derive(Debug, Default)]
struct Config {
    last: HashMap<String, Set>,
    users: Vec<(String, Set)>,
    renames: HashMap<String, Set>,
    sentinel: bool,
    /// Files that were named but could not be read, with why: settings may be missing.
    unread: Vec<String>,
    /// Files that were read and joined.
    joined: Vec<String>,
}

impl Config {
    fn get(&self, name: &str) -> Option<&Set> {
        self.last.get(name)
    }

    fn set(&mut self, d: &Directive, place: &Place) {
        let args: Vec<String> = d.args.iter().map(|a| a.value.clone()).collect();
        let (span, value_span, from) = match place {
            Place::File(source) => (
                d.span,
                d.args_span(),
                format!("line {}", source.position(d.span.start).line),
            ),
            // The flag: its values may sit on other lines (a YAML block list).
            Place::Args { precise } => (
                d.name_span,
                d.args_span().filter(|_| *precise),
                "on the command line".to_string(),
            ),
            Place::Joined { span, from } => (*span, None, from.clone()),
        };
        let set = Set {
            args,
            span,
            value_span,
            from,
        };
        match d.name.as_str() {
            "user" => {
                let name = set.arg(0).to_string();
                self.users.retain(|(n, _)| *n != name);
                self.users.push((name, set));
            }
            "rename-command" => {
                let cmd = set.arg(0).to_ascii_lowercase();
                self.renames.insert(cmd, set);
            }
            "sentinel" => self.sentinel = true,
            name => {
                self.last.insert(name.to_string(), set);
            }
        }
    }

    fn user(&self, name: &str) -> Option<&Set> {
        self.users.iter().find(|(n, _)| n == name).map(|(_, s)| s)
    }
}

/// An `include`d or mounted file as read: the path to resolve its own includes against (in the
/// resolver's namespace), its identity, its text, and the span in the linted file its settings
/// should point at (`None`: the `include` line).
struct Resolved {
    path: PathBuf,
    id: FileId,
    text: std::sync::Arc<str>,
    span: Option<Span>,
}

/// Reads an `include`d or mounted file, given the argument as written, the path of the
/// including file, and the span of the line that names it.
type Resolve<'r> = dyn Fn(&str, &Path, Span) -> Result<Resolved, String> + 'r;

/// Includes followed so far for one node: each file is read and applied once (a second
/// `include` of it, or a cycle, is noted and skipped), at most `MAX_INCLUDES` of them.
struct Includes<'j> {
    related: &'j Joiner<'j>,
    /// Every file applied, the linted one first.
    seen: std::collections::HashSet<FileId>,
    /// The chain of files being applied, to tell a cycle from a second include.
    stack: Vec<FileId>,
}

/// Files included into one configuration at most (each file counts once).
const MAX_INCLUDES: usize = 256;

/// Apply `directives` to `cfg`, following `include`s through `resolve`.
fn load(
    cfg: &mut Config,
    directives: &[Directive],
    place: &Place,
    current: &Path,
    resolve: &Resolve,
    includes: &mut Includes,
) {
    for d in directives {
        if d.name != "include" {
            cfg.set(d, place);
            continue;
        }
        let Some(arg) = d.arg(0) else { continue };
        let at = match place {
            Place::Joined { span, .. } => *span,
            _ => d.span,
        };
        if includes.stack.len() > MAX_INCLUDE_DEPTH {
            cfg.unread
                .push(format!("`{arg}` (includes nested too deeply)"));
            includes.related.note(
                at,
                format!("`{arg}` was not read: includes nest deeper than {MAX_INCLUDE_DEPTH}"),
            );
            continue;
        }
        if arg.contains(['*', '?', '[']) {
            cfg.unread
                .push(format!("`{arg}` (a pattern; moat does not expand it)"));
            continue;
        }
        if includes.seen.len() > MAX_INCLUDES {
            cfg.unread.push(format!("`{arg}` (too many includes)"));
            includes.related.note(
                at,
                format!("`{arg}` was not read: moat stops after {MAX_INCLUDES} included files"),
            );
            continue;
        }
        match resolve(arg, current, at) {
            Ok(r) => {
                if includes.stack.contains(&r.id) {
                    includes.related.note(
                        at,
                        format!("`{arg}` includes itself (an include cycle): not followed again"),
                    );
                    continue;
                }
                if !includes.seen.insert(r.id.clone()) {
                    includes.related.note(
                        at,
                        format!("`{arg}` is included more than once: read and applied once"),
                    );
                    continue;
                }
                let (file, _) = redis_conf::parse(&r.text);
                cfg.joined.push(arg.to_string());
                let inner = Place::Joined {
                    span: r.span.unwrap_or(at),
                    from: format!("`{arg}`, included"),
                };
                includes.stack.push(r.id);
                load(cfg, &file.directives, &inner, &r.path, resolve, includes);
                includes.stack.pop();
            }
            Err(why) => cfg.unread.push(format!("`{arg}` ({why})")),
        }
    }
}

/// Which image's documented defaults apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavor {
    /// Docker Hub `redis`: no config file, protected mode compiled off, no password.
    Official,
    /// `bitnami/redis` (and `bitnamilegacy`): configured by environment; refuses to start
    /// without a password unless `ALLOW_EMPTY_PASSWORD=yes`, always allows remote access.
    Bitnami,
    /// Anything else (valkey, redis-stack, own builds): Redis's built-in defaults.
    Other,
    /// A redis.conf / sentinel.conf file on its own.
    File,
}

fn flavor_of(image: Option<&ImageRef>) -> Flavor {
    let Some(i) = image.filter(|i| !i.unresolved) else {
        return Flavor::Other;
    };
    match i.hub_repository() {
        Some("redis") => Flavor::Official,
        Some(
            "bitnami/redis"
            | "bitnamilegacy/redis"
            | "bitnamisecure/redis"
            | "bitnami/redis-cluster"
            | "bitnamilegacy/redis-cluster"
            | "bitnami/valkey"
            | "bitnamilegacy/valkey"
            | "bitnami/valkey-cluster"
            | "bitnamilegacy/valkey-cluster",
        ) => Flavor::Bitnami,
        _ => Flavor::Other,
    }
}

/// The version an image tag names (as numbers: `[]` is the newest release), whether a
/// floating tag (`7`, `7.2`, `alpine`) is rebuilt with every patch release (the official image
/// is; a digest pins it), and the version as `model::version` states it for the advisory table.
fn tag_version(image: Option<&ImageRef>, flavor: Flavor) -> (Option<Vec<u32>>, bool, Stated) {
    let Some(i) = image.filter(|i| !i.unresolved) else {
        return (None, false, Stated::None);
    };
    if !matches!(flavor, Flavor::Official | Flavor::Bitnami) {
        return (None, false, Stated::None);
    }
    let fresh = flavor == Flavor::Official && i.digest.is_none();
    let tag = match i.tag.as_deref() {
        Some(t) => t,
        None if i.digest.is_some() => return (None, false, Stated::None),
        None => "latest",
    };
    let stated = version::from_tag(tag, version::Scheme::Semver);
    let nums: Vec<u32> = match &stated {
        Stated::Exact(v) | Stated::Line(v) | Stated::Prerelease(v, _) => v
            .parts()
            .iter()
            .take(3)
            .map(|p| u32::try_from(*p).unwrap_or(u32::MAX))
            .collect(),
        // `latest`, `alpine`, `bookworm`: the newest release.
        Stated::None => Vec::new(),
    };
    (Some(nums), fresh, stated)
}

/// The advisory whose affected ranges and fixes stand for the Lua CVEs of October 2025
/// (CVE-2025-46817, -46818 and -46819 share them; the earlier CVE-2024-46981 and -31449 are
/// fixed by the same or older releases). Read from the advisory table, so that RD006 and the
/// `AV` rules agree on which Redis versions are affected.
const LUA_ADVISORY: &str = "CVE-2025-49844";

fn lua_entry() -> Option<&'static crate::advisory::Entry> {
    crate::advisory::active()
        .advisory(LUA_ADVISORY)
        .and_then(|a| a.entries.first())
}

/// `fixed`, `vulnerable` or `unknown` for the Lua CVEs. A release line is vulnerable when
/// every release of it is (7.0 got no fix); a floating official tag of a line that has a fix
/// is rebuilt with it; a pre-release, or an advisory table without the Lua CVEs, is unknown.
fn lua_cve_status(stated: &Stated, fresh: bool) -> LuaCveStatus {
    use crate::advisory::Verdict;
    let Some(entry) = lua_entry() else {
        return LuaCveStatus::Unknown;
    };
    match entry.verdict(stated) {
        Verdict::Affected => LuaCveStatus::Vulnerable,
        Verdict::NotAffected => LuaCveStatus::Fixed,
        Verdict::Unknown if fresh && !matches!(stated, Stated::Prerelease(..)) => {
            LuaCveStatus::Fixed
        }
        Verdict::Unknown => LuaCveStatus::Unknown,
    }
}

/// Since 7.0 protected mode applies whenever the default user has no password; before, only
/// when no `bind` is set. `None`: not known.
fn modern_protected_mode(version: Option<&[u32]>) -> Option<bool> {
    match version? {
        [] => Some(true),
        [maj, ..] => Some(*maj >= 7),
    }
}

/// What the default user may do, from its `user default ...` line. Redis resets the user
/// before applying the line (`reset`: off, no passwords, no commands).
#[derive(Debug, Default)]
struct Acl {
    on: bool,
    nopass: bool,
    /// Plain-text `>password` rules in effect.
    passwords: Vec<String>,
    /// `#<sha256>` rules in effect.
    hashed: bool,
    /// The command rules, in order.
    rules: Vec<String>,
}

fn acl(rules: &[String]) -> Acl {
    let mut a = Acl::default();
    for r in rules {
        let lower = r.to_ascii_lowercase();
        match lower.as_str() {
            "on" => a.on = true,
            "off" => a.on = false,
            "nopass" => {
                a.nopass = true;
                a.passwords.clear();
                a.hashed = false;
            }
            "resetpass" => {
                a.nopass = false;
                a.passwords.clear();
                a.hashed = false;
            }
            "reset" => a = Acl::default(),
            _ if r.starts_with('>') => {
                a.nopass = false;
                a.passwords.push(r[1..].to_string());
            }
            _ if r.starts_with('<') => a.passwords.retain(|p| *p != r[1..]),
            _ if r.starts_with('#') => {
                a.nopass = false;
                a.hashed = true;
            }
            _ if r.starts_with(['+', '-']) || lower == "allcommands" || lower == "nocommands" => {
                a.rules.push(lower)
            }
            _ => {}
        }
    }
    a
}

/// The commands that run Lua: `EVAL` runs a script directly; `EVALSHA` after `SCRIPT LOAD`;
/// `FCALL` after `FUNCTION LOAD`. All are in the `@scripting` (and `@slow`) category.
const SCRIPTING: &[&str] = &[
    "eval",
    "eval_ro",
    "evalsha",
    "evalsha_ro",
    "script",
    "function",
    "fcall",
    "fcall_ro",
];

/// Whether command rules (in order, after a reset) allow `cmd`, one of `SCRIPTING`.
fn allows(rules: &[String], cmd: &str) -> bool {
    let mut allowed = false;
    for r in rules {
        let (plus, what) = match r.as_str() {
            "allcommands" => (true, "@all"),
            "nocommands" => (false, "@all"),
            _ => (r.starts_with('+'), &r[1..]),
        };
        let hit = match what {
            "@all" | "@scripting" | "@slow" => true,
            w if w.starts_with('@') => false,
            w => match w.split_once('|') {
                // `-script|load` takes away what matters; `+script|exists` gives little.
                Some((c, sub)) => c == cmd && (plus || sub == "load"),
                None => w == cmd,
            },
        };
        if hit {
            allowed = plus;
        }
    }
    allowed
}

/// Where a service's Redis configuration comes from.
struct Launch {
    /// The `redis-server` arguments (after the program name).
    args: Vec<Arg>,
    precise: bool,
    /// Span of the command or entrypoint that holds them, when one does.
    span: Option<Span>,
    /// False when the service runs something moat cannot read (a script of its own).
    known: bool,
}

fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

fn is_server(word: &str) -> bool {
    matches!(
        basename(word),
        "redis-server" | "valkey-server" | "redis-stack-server"
    )
}

fn is_shell(word: &str) -> bool {
    matches!(basename(word), "sh" | "bash" | "ash" | "dash" | "zsh")
}

/// What the container runs, as the image's entrypoint would start it.
fn launch(s: &Service, flavor: Flavor) -> Launch {
    let to_args = |c: &super::Command| -> Vec<Arg> {
        c.args
            .iter()
            .map(|a| Arg {
                value: a.value.clone(),
                span: a.span,
            })
            .collect()
    };
    let mut argv: Vec<Arg> = Vec::new();
    let mut span: Option<Span> = None;
    for c in [&s.entrypoint, &s.command].into_iter().flatten() {
        argv.extend(to_args(c));
        span = Some(span.map_or(c.span, |sp: Span| sp.cover(c.span)));
    }
    let none = |known| Launch {
        args: Vec::new(),
        precise: true,
        span: None,
        known,
    };
    if argv.is_empty() {
        // The image's own command: `redis-server` with no arguments for the official image
        // and plain builds; Bitnami's run script (configured by environment).
        return none(true);
    }
    // The official entrypoint prepends `redis-server` to `-…` and `….conf` arguments.
    if s.entrypoint.is_none()
        && flavor != Flavor::Bitnami
        && (argv[0].value.starts_with('-') || argv[0].value.ends_with(".conf"))
    {
        return with_precision(argv, span);
    }
    if let Some(k) = argv.iter().position(|a| {
        is_server(&a.value) || (flavor == Flavor::Bitnami && basename(&a.value) == "run.sh")
    }) {
        // Wrappers before it (`docker-entrypoint.sh`, `exec`, `tini --`) pass it through; a
        // shell script with `redis-server` as a word is handled below.
        if !argv[..k].iter().any(|a| is_shell(&a.value)) {
            let args = argv[k + 1..].to_vec();
            return with_precision(args, span);
        }
    }
    // `sh -c "… redis-server --requirepass $$PW …"`.
    if is_shell(&argv[0].value) {
        if let Some(script) = argv.iter().skip(1).find(|a| !a.value.starts_with('-')) {
            let v = &script.value;
            let sp = script.span;
            let (base, precise) = if sp.len() == v.len() {
                (sp.start, true)
            } else if sp.len() == v.len() + 2 {
                (sp.start + 1, true)
            } else {
                (0, false)
            };
            let words = super::shellwords::split(v, base);
            if let Some(k) = words.iter().position(|w| is_server(&w.value)) {
                let args: Vec<Arg> = words[k + 1..]
                    .iter()
                    .take_while(|w| !matches!(w.value.as_str(), "&&" | "||" | ";" | "|" | "&"))
                    .map(|w| Arg {
                        value: w.value.trim_end_matches(';').to_string(),
                        span: if precise { w.span } else { sp },
                    })
                    .collect();
                let mut l = with_precision(args, span);
                l.precise &= precise;
                return l;
            }
        }
    }
    none(false)
}

fn with_precision(args: Vec<Arg>, span: Option<Span>) -> Launch {
    let mut seen = std::collections::HashSet::new();
    let precise = args.iter().all(|a| seen.insert(a.span));
    Launch {
        args,
        precise,
        span,
        known: true,
    }
}

/// The repository file a container path comes from through a bind mount, with the mount
/// entry's span: the longest mount target that is the path or a folder above it.
fn mounted(s: &Service, path: &str) -> Option<(String, Span)> {
    let path = path.trim_end_matches('/');
    s.mounts
        .iter()
        .filter(|m| m.kind == MountKind::Bind && m.source.is_some())
        .filter_map(|m| {
            let target = m.target.trim_end_matches('/');
            let source = m.source.as_deref()?;
            if path == target {
                Some((target.len(), source.to_string(), m.span))
            } else {
                let rest = path.strip_prefix(target)?.strip_prefix('/')?;
                Some((
                    target.len(),
                    format!("{}/{rest}", source.trim_end_matches('/')),
                    m.span,
                ))
            }
        })
        .max_by_key(|(len, _, _)| *len)
        .map(|(_, source, span)| (source, span))
}

/// Settings read from the environment (Bitnami's image, redis-stack's `REDIS_ARGS`).
fn env_directives(ctx: &ServiceCtx, flavor: Flavor, cfg: &mut Config, repository: &str) {
    let (vars, _) = ctx.env();
    let get = |n: &str| super::envfile::get(vars, n);
    let from = |v: &super::envfile::Setting| format!("`{}`, {}", v.name, v.from);
    let mut set = |name: &str, value: &str, v: &super::envfile::Setting| {
        let d = Directive {
            name: name.to_string(),
            name_span: v.span,
            args: vec![Arg {
                value: value.to_string(),
                span: v.span,
            }],
            span: v.span,
        };
        cfg.set(
            &d,
            &Place::Joined {
                span: v.span,
                from: from(v),
            },
        );
    };
    // Bitnami's Valkey images name their variables `VALKEY_*` where the Redis ones say `REDIS_*`.
    let prefix = if repository.contains("valkey") {
        "VALKEY"
    } else {
        "REDIS"
    };
    let var = |suffix: &str| format!("{prefix}_{suffix}");
    if flavor == Flavor::Bitnami {
        if let Some(v) = get(&var("PASSWORD")) {
            // A value moat cannot see (a variable) is a password nonetheless.
            let value = v
                .value
                .clone()
                .unwrap_or_else(|| format!("${{{}}}", var("PASSWORD")));
            if !value.is_empty() {
                set("requirepass", &value, v);
            }
        }
        if let Some(v) = get(&var("PASSWORD_FILE")) {
            set("requirepass", &format!("${{{}}}", var("PASSWORD_FILE")), v);
        }
        if let Some(v) = get(&var("TLS_ENABLED")) {
            if v.value.as_deref().is_some_and(truthy) {
                set("tls-port", "6379", v);
                set("port", "0", v);
            }
        }
        if let Some(v) = get(&var("PORT_NUMBER")) {
            if let Some(p) = v.value.as_deref() {
                set("port", p, v);
            }
        }
        if let Some(v) = get("ALLOW_EMPTY_PASSWORD") {
            if v.value.as_deref().is_some_and(truthy) {
                set("allow-empty-password", "yes", v);
            }
        }
    }
    let extra = match flavor {
        Flavor::Bitnami => get(&var("EXTRA_FLAGS")),
        _ if repository.contains("redis-stack") => get("REDIS_ARGS"),
        _ => None,
    };
    if let Some(v) = extra {
        if let Some(text) = v.value.as_deref() {
            let words: Vec<Arg> = super::shellwords::split(text, 0)
                .into_iter()
                .map(|w| Arg {
                    value: w.value,
                    span: v.span,
                })
                .collect();
            let (_, directives) = redis_conf::from_args(&words);
            let place = Place::Joined {
                span: v.span,
                from: from(v),
            };
            for d in &directives {
                cfg.set(d, &place);
            }
        }
    }
}

fn truthy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "yes" | "true" | "1" | "on"
    )
}

/// Everything known about one Redis instance, before it becomes facts.
struct Instance<'a> {
    cfg: Config,
    flavor: Flavor,
    service: Option<&'a Service>,
    /// The config could not be read in full (a script we cannot read, an unread file).
    known: bool,
    version: Option<Vec<u32>>,
    /// The version as the advisory table reads it.
    stated: Stated,
    version_text: Option<String>,
    fresh: bool,
    sentinel: bool,
    /// Span for the node itself and for image defaults.
    anchor: Span,
    /// Where the configuration comes from (command, mounted files, or the image line).
    sources: Vec<Span>,
    /// "Redis in service `cache`", "This redis.conf".
    what: String,
    default_from: String,
}

pub fn service_nodes(ctx: &ServiceCtx, out: &mut Vec<Node>) {
    let s = ctx.service;
    if s.component != Some(Component::Redis) {
        return;
    }
    let flavor = flavor_of(s.image.as_ref());
    let (version, fresh, stated) = tag_version(s.image.as_ref(), flavor);
    let anchor = s.image.as_ref().map_or(s.span, |i| i.span);
    let mut cfg = Config::default();
    let l = launch(s, flavor);
    let mut sources: Vec<Span> = Vec::new();
    let (conf, directives) = redis_conf::from_args(&l.args);
    let mut known = l.known;
    if let Some(conf) = conf {
        let path = conf.value.clone();
        let declared = s.declared_in.clone();
        let resolve = |arg: &str, _cur: &Path, at: Span| -> Result<Resolved, String> {
            if !arg.starts_with('/') {
                return Err("relative to Redis's working directory, not known here".into());
            }
            let (source, span) = mounted(s, arg)
                .ok_or_else(|| "not bind-mounted from this repository".to_string())?;
            let declared = declared
                .as_deref()
                .ok_or_else(|| "no file to resolve it against".to_string())?;
            // A mount's notes go to its volume entry; an include's to its line.
            let at = if at == Span::default() { span } else { at };
            let Joined { id, text, .. } = ctx
                .related
                .read(declared, &source, at)
                .map_err(|why| format!("`{source}`: {why}"))?;
            Ok(Resolved {
                path: PathBuf::from(arg),
                id,
                text,
                span: Some(span),
            })
        };
        match resolve(&path, Path::new("/"), Span::default()) {
            Ok(r) => {
                let span = r.span.unwrap_or(conf.span);
                sources.push(span);
                let source = mounted(s, &path).map(|m| m.0).unwrap_or_default();
                let (file, _) = redis_conf::parse(&r.text);
                cfg.joined.push(source.clone());
                let place = Place::Joined {
                    span,
                    from: format!("`{source}`, mounted at `{path}`"),
                };
                let mut includes = Includes {
                    related: ctx.related,
                    seen: [r.id.clone()].into(),
                    stack: vec![r.id],
                };
                load(
                    &mut cfg,
                    &file.directives,
                    &place,
                    &r.path,
                    &resolve,
                    &mut includes,
                );
            }
            Err(why) => {
                cfg.unread.push(format!("`{path}` ({why})"));
                sources.push(conf.span);
            }
        }
    }
    if let Some(sp) = l.span {
        if !l.args.is_empty() {
            sources.push(sp);
        }
    }
    env_directives(
        ctx,
        flavor,
        &mut cfg,
        s.image.as_ref().map_or("", |i| i.repository.as_str()),
    );
    let place = Place::Args { precise: l.precise };
    for d in &directives {
        if d.name == "include" {
            cfg.unread.push(format!(
                "`{}` (included from the command line)",
                d.arg(0).unwrap_or("")
            ));
        } else {
            cfg.set(d, &place);
        }
    }
    if !cfg.unread.is_empty() {
        known = false;
    }
    if sources.is_empty() {
        sources.push(anchor);
    }
    let sentinel = cfg.sentinel || directives.iter().any(|d| d.name == "sentinel");
    let image_text = s.image.as_ref().map(|i| i.text.clone());
    let inst = Instance {
        sentinel,
        cfg,
        flavor,
        service: Some(s),
        known,
        version_text: version.as_ref().map(|_| {
            s.image
                .as_ref()
                .and_then(|i| i.tag.clone())
                .unwrap_or_else(|| "latest".into())
        }),
        version,
        stated,
        fresh,
        anchor,
        sources,
        what: match s.origin {
            Some(super::Origin::Kubernetes | super::Origin::Helm) => {
                format!("Redis in container `{}`", s.name)
            }
            _ => format!("Redis in service `{}`", s.name),
        },
        default_from: match (flavor, image_text) {
            (Flavor::Official, Some(i)) => format!("the default of image `{i}`"),
            (Flavor::Bitnami, Some(i)) => format!("the default of image `{i}`"),
            _ => "Redis's built-in default".to_string(),
        },
    };
    facts_into(&inst, ctx, out);
}

pub fn file_nodes(ctx: &FileCtx, out: &mut Vec<Node>) -> Vec<Problem> {
    let text = &ctx.source.text;
    let (file, problems) = redis_conf::parse(text);
    let mut cfg = Config::default();
    let resolve = |arg: &str, cur: &Path, at: Span| -> Result<Resolved, String> {
        ctx.related.read(cur, arg, at).map(|j| Resolved {
            path: j.path,
            id: j.id,
            text: j.text,
            span: None,
        })
    };
    let path = ctx.source.path.clone();
    // The linted file itself, when it is on disk (the editor's buffer may not be).
    let own: Vec<FileId> = FileId::of(&path).into_iter().collect();
    let mut includes = Includes {
        related: ctx.related,
        seen: own.iter().cloned().collect(),
        stack: own,
    };
    load(
        &mut cfg,
        &file.directives,
        &Place::File(ctx.source),
        &path,
        &resolve,
        &mut includes,
    );
    let name = ctx
        .source
        .path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("redis.conf")
        .to_ascii_lowercase();
    let sentinel = name.starts_with("sentinel") || cfg.sentinel;
    let first_line = Span::new(0, text.find('\n').unwrap_or(text.len()));
    let anchor = file.directives.first().map_or(first_line, |d| d.span);
    let service = super::envfile::file_service(ctx, anchor);
    let facts = fact(super::nodes::service_facts(&service));
    let sctx = ServiceCtx::new(&service, &facts, ctx.file, ctx.file_facts, ctx.related);
    let known = cfg.unread.is_empty();
    let inst = Instance {
        cfg,
        flavor: Flavor::File,
        service: None,
        known,
        version: None,
        stated: Stated::None,
        version_text: None,
        fresh: false,
        sentinel,
        anchor,
        sources: vec![anchor],
        what: if sentinel {
            "This Sentinel configuration".into()
        } else {
            "This Redis configuration".into()
        },
        default_from: "Redis's built-in default".into(),
    };
    facts_into(&inst, &sctx, out);
    problems
}

fn all_interfaces(addr: &str) -> bool {
    super::address::scope(addr) == super::address::HostScope::Every
}

const LUA_CVES: &str =
    "CVE-2025-49844 (RediShell, remote code execution, CVSS 10.0) and the other Lua CVEs of October 2025";

/// Why the Lua CVEs apply, or why the version cannot be told, for messages.
fn lua_note(inst: &Instance, status: LuaCveStatus) -> String {
    let tag = inst.version_text.as_deref().unwrap_or("");
    let v = inst.version.as_deref().unwrap_or(&[]);
    let name = v.iter().map(u32::to_string).collect::<Vec<_>>().join(".");
    let fixed: Vec<String> = lua_entry()
        .map(|e| e.fixed.iter().map(|f| f.to_string()).collect())
        .unwrap_or_default();
    let fixes = match fixed.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => "a fixed release".into(),
    };
    match status {
        LuaCveStatus::Vulnerable => {
            // The fix on this release's own branch, if the branch got one.
            let own = match &inst.stated {
                Stated::Exact(x) | Stated::Line(x) | Stated::Prerelease(x, _) => lua_entry()
                    .and_then(|e| e.fixed.iter().find(|f| f.same_branch(x)))
                    .map(|f| f.to_string()),
                Stated::None => None,
            };
            match own {
                Some(f) => format!("image tag `{tag}` is Redis {name}; {LUA_CVES} are fixed in {f}"),
                None => format!(
                    "image tag `{tag}` is Redis {name}, a branch with no fixed release for {LUA_CVES}"
                ),
            }
        }
        _ => {
            let why = match (inst.flavor, inst.service.and_then(|s| s.image.as_ref())) {
                (Flavor::File, _) => "a configuration file does not say which Redis runs it".to_string(),
                (_, None) => "no image names it".to_string(),
                (_, Some(i)) if i.unresolved => format!("image `{}` is set by a variable", i.raw),
                (Flavor::Official, Some(i)) if i.digest.is_some() => {
                    format!("image `{}` is pinned by digest to a build moat cannot date", i.text)
                }
                (Flavor::Bitnami, Some(i)) => format!(
                    "Bitnami tag `{}` is not a full version, and Bitnami no longer rebuilds all of its public tags",
                    i.tag.as_deref().unwrap_or("latest")
                ),
                (_, Some(i)) if i.repository.contains("valkey") => format!(
                    "image `{}` is Valkey, whose releases moat's advisory data does not cover",
                    i.text
                ),
                (_, Some(i)) => format!(
                    "image `{}` is not the official or Bitnami Redis image",
                    i.text
                ),
            };
            format!("moat cannot tell its version ({why}); {LUA_CVES} affect every Redis with Lua before {fixes}")
        }
    }
}

fn password_weakness(pw: &str) -> PasswordWeakness {
    let lower = pw.to_ascii_lowercase();
    if WELL_KNOWN_PASSWORDS.contains(&lower.as_str()) {
        PasswordWeakness::WellKnown
    } else if pw.chars().count() < MIN_PASSWORD_LEN {
        PasswordWeakness::Short
    } else {
        PasswordWeakness::None
    }
}

/// `redis`: one Redis (or Valkey, or Sentinel) server, as its settings take effect: the
/// image's defaults, the mounted configuration file and its `include`s, the image's
/// environment variables, then the `redis-server` arguments.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RedisFacts {
    /// The server, for messages: ``Redis in service `cache` ``, `This Redis configuration`,
    /// `This Sentinel configuration`.
    pub what: String,
    /// Runs as Redis Sentinel: a `sentinel` directive or argument, or a file named
    /// `sentinel*`.
    pub sentinel: bool,
    /// The configuration was read in full; false when a named file or `include` was not read
    /// (see `unread`) or the command that starts Redis is not understood (a script).
    pub config_known: bool,
    /// Files named but not read, each with why (`` `/etc/redis.conf` (not bind-mounted from
    /// this repository) ``): settings may be missing.
    pub unread: Vec<String>,
    /// Files read and joined in order: the mounted file's path in the repository, then each
    /// `include` as written.
    pub joined: Vec<String>,
    /// Whose defaults apply to what nothing sets.
    pub image_defaults: RedisImageDefaults,
    /// The plaintext port (`port`; 6379, 26379 for Sentinel, when unset), as written; `0`
    /// turns the plaintext listener off.
    pub port: String,
    /// The TLS port (`tls-port`, Bitnami's `REDIS_TLS_ENABLED`); `null` when unset or `0`.
    pub tls_port: Option<String>,
    /// A TLS listener is configured (`tls_port` is not `null`).
    pub tls: bool,
    /// The plaintext listener is on (`port` is not `0`).
    pub plaintext_port: bool,
    /// Redis listens on TCP at all (plaintext or TLS).
    pub listens_tcp: bool,
    /// The `bind` addresses as written; Redis's default `["*", "-::*"]` when `bind` is unset.
    pub bind: Vec<String>,
    /// `bind` is set.
    pub bind_set: bool,
    /// The `bind` addresses joined by spaces, or `all interfaces` when unset, for messages.
    pub bind_text: String,
    /// Where `bind` is set (`line 3`, `on the command line`, ``` `./redis.conf`, mounted at
    /// `/etc/redis.conf` ```), or whose default applies (``the default of image `redis:7` ``,
    /// `Redis's built-in default`), for messages.
    pub bind_from: String,
    /// Listens on TCP, and a `bind` address is every interface (`*`, `0.0.0.0`, `::`).
    pub binds_all_interfaces: bool,
    /// `binds_all_interfaces`, and those are the host's interfaces: a service on the host's
    /// network, or a standalone file with an explicit `bind`.
    pub binds_all_host_interfaces: bool,
    /// Listens on TCP on an address that is not loopback (a leading `-` ignored).
    pub listens_beyond_loopback: bool,
    /// Listens beyond loopback, and other hosts reach a Redis port: a port published beyond
    /// loopback, the host's network, or an exposure path (LoadBalancer, NodePort, Ingress).
    pub exposed: bool,
    /// How other hosts reach the Redis ports, comma-separated, for messages (``port `6379:6379`
    /// published on all interfaces``); `''` when nothing does. Set even when Redis listens
    /// on loopback only (then `exposed` is false).
    pub exposed_text: String,
    /// Other hosts can connect: `exposed` for a service; for a standalone file, an explicit
    /// `bind` beyond loopback.
    pub reachable_beyond_host: bool,
    /// Clients must authenticate: an `aclfile`, a `user default` line that is not `on nopass`,
    /// a non-empty `requirepass`, or a Bitnami image without `ALLOW_EMPTY_PASSWORD=yes`.
    pub auth_required: bool,
    /// What decides authentication.
    pub auth_by: RedisAuthBy,
    /// Where authentication is set, as in `bind_from` (for the Bitnami image, its default), or
    /// why there is none (``the default user is `nopass`, line 2``), for messages.
    pub auth_from: String,
    /// Where the setting that decides authentication is (`aclfile`, `user default`,
    /// `requirepass`), as in `bind_from`; `''` when none is set.
    pub password_from: String,
    /// The password is a `$` reference (a variable, Bitnami's `REDIS_PASSWORD_FILE`): its
    /// value is not known here.
    pub password_from_variable: bool,
    /// How a literal password is weak; `''` when it is not, or there is no literal password.
    pub password_weakness: PasswordWeakness,
    /// The literal password's length in characters; 0 when there is none.
    pub password_length: usize,
    /// A literal password on a service's `redis-server` command line (`--requirepass x`):
    /// in version control, `docker inspect` and the process list.
    pub password_inline: bool,
    /// `requirepass` on its own, whether or not an ACL overrides it.
    pub requirepass: RequirepassFacts,
    /// Protected mode is on: `protected-mode` is not `no`; unset, off in the official and
    /// Bitnami images, on otherwise.
    pub protected_mode: bool,
    /// `protected-mode no` is set (in a file, an argument or the environment).
    pub protected_mode_explicit_off: bool,
    /// Protected mode refuses remote clients here: it is on, no password is required, and
    /// `bind` is unset or Redis is 7.0 or later.
    pub protected_mode_guards: bool,
    /// Where `protected-mode` is set, or whose default applies and why, as in `bind_from`.
    pub protected_mode_from: String,
    /// Serves every client without a password: the configuration is known, Redis listens
    /// beyond loopback, requires no authentication, and protected mode does not guard it.
    pub open: bool,
    /// Clients beyond loopback get a session (after `AUTH` when required): the configuration
    /// is known, Redis listens beyond loopback, and protected mode does not guard it.
    pub remote_clients: bool,
    /// Who reaches the server, for messages: `exposed_text` when exposed, else a phrase such
    /// as `other hosts, on every interface` or `not published, but every other container on
    /// its networks`.
    pub reach_text: String,
    /// Why the server would serve every client (its password, address and protected-mode
    /// state, joined by `; `), for messages; set whether or not `open` is true.
    pub open_reason: String,
    /// Which of `enable-debug-command`, `enable-module-command`, `enable-protected-configs`
    /// are `yes` (for every client).
    pub dangerous_commands_enabled: Vec<String>,
    /// Which of them are `local` (loopback clients only).
    pub dangerous_commands_local: Vec<String>,
    /// `enable-protected-configs` in lower case as written; `no` when unset.
    pub protected_configs: String,
    /// The default user may run Lua scripts: not Sentinel, the configuration known, no
    /// `aclfile`, the user on, and `EVAL`, or `SCRIPT` with `EVALSHA`, or `FUNCTION` with
    /// `FCALL`, neither renamed away nor taken away by its ACL.
    pub lua_open: bool,
    /// The Lua commands (lower case: `eval`, `evalsha`, `script`, `fcall`, ...) the default
    /// user may run.
    pub scripting_commands: Vec<String>,
    /// The image tag the version is read from (`7.2.4`, `latest` when there is no tag), for
    /// the official and Bitnami images; `null` otherwise, or when a variable or only a digest
    /// names it.
    pub version: Option<String>,
    /// The version against the Lua CVEs of October 2025 (CVE-2025-49844, RediShell).
    pub version_status: LuaCveStatus,
    /// Why the Lua CVEs apply, or why the version cannot be told: a sentence for messages.
    pub lua_cve_note: String,
    /// `bind` is set on another line than the one `redis.auth` points at: a label there adds
    /// something.
    pub bind_own_line: bool,
    /// `protected-mode` is set on another line than the one `redis.auth` points at.
    pub protected_mode_own_line: bool,
}

/// `redis.requirepass`: the `requirepass` setting, apart from ACLs.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RequirepassFacts {
    /// A non-empty `requirepass` is in effect (also from Bitnami's `REDIS_PASSWORD`).
    pub set: bool,
    /// Its value is written out (no `$`) and weak: well known, or under 12 characters.
    pub weak: bool,
    /// Its value is a password published in documentation and examples (`foobared`, ...).
    pub well_known: bool,
}

/// Whose defaults fill in what the configuration does not set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RedisImageDefaults {
    /// Docker Hub `redis`: no configuration file, protected mode built off, no password.
    Official,
    /// Bitnami's Redis and Valkey images: configured by environment, refuse to start without
    /// a password unless `ALLOW_EMPTY_PASSWORD=yes`, allow remote access.
    Bitnami,
    /// Any other image (Valkey, redis-stack, own builds): Redis's built-in defaults.
    BuiltIn,
    /// A standalone redis.conf or sentinel.conf: no image (Redis's built-in defaults apply).
    None,
}

/// What decides whether clients must authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RedisAuthBy {
    /// An `aclfile` holds the users.
    Aclfile,
    /// A `user default` line that requires a password (or turns the user off).
    Acl,
    /// `requirepass`.
    Requirepass,
    /// The Bitnami image, which will not start without a password.
    Image,
    /// Nothing: no password, or a `user default ... nopass` line.
    None,
}

/// How a literal password is weak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum PasswordWeakness {
    /// Published in documentation and examples (`foobared`, `password`, `changeme`, ...).
    #[serde(rename = "well-known")]
    WellKnown,
    /// Fewer than 12 characters.
    #[serde(rename = "short")]
    Short,
    /// Not weak, or no literal password.
    #[serde(rename = "")]
    None,
}

/// A version's standing against the Lua CVEs of October 2025.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LuaCveStatus {
    /// A fixed release, or a floating official tag of a line that has the fix (it is rebuilt).
    Fixed,
    /// Every release the tag can be is affected (7.0 got no fix).
    Vulnerable,
    /// Not known: no version, a pre-release, a floating tag that is not rebuilt, or an
    /// advisory table without these CVEs.
    Unknown,
}

/// The facts and spans of one instance, onto its node.
/// The `redis` node of one instance, and its `server` block.
fn facts_into(inst: &Instance, ctx: &ServiceCtx, out: &mut Vec<Node>) {
    let mut redis_node = ctx.node(NodeKind::Redis);
    let node = &mut redis_node;
    let cfg = &inst.cfg;
    let s = inst.service;
    let get = |n: &str| cfg.get(n);
    let version = inst.version.as_deref();

    // Listening.
    let default_port = if inst.sentinel { "26379" } else { "6379" };
    let port = get("port").map_or(default_port, |p| p.arg(0)).to_string();
    let tls_port = get("tls-port")
        .map(|p| p.arg(0).to_string())
        .filter(|p| !p.is_empty() && p != "0");
    let plaintext = port != "0";
    let listens_tcp = plaintext || tls_port.is_some();
    let bind = get("bind");
    let addrs: Vec<String> = match bind {
        Some(b) => b.args.clone(),
        None => vec!["*".into(), "-::*".into()],
    };
    let binds_all = addrs.iter().any(|a| all_interfaces(a));
    let beyond_loopback = listens_tcp
        && addrs
            .iter()
            .any(|a| !is_loopback(a.trim_start_matches('-')));
    let bind_text = match bind {
        Some(b) => b.args.join(" "),
        None => "all interfaces".to_string(),
    };
    let bind_from = bind.map_or(inst.default_from.clone(), |b| b.from.clone());

    // Reachability: the plaintext and TLS ports.
    let api_ports: Vec<&str> = [Some(port.as_str()), tls_port.as_deref()]
        .into_iter()
        .flatten()
        .filter(|p| *p != "0")
        .collect();
    let reach = match s {
        Some(s) => crate::facts::server::reach(s, &api_ports),
        // A settings file on its own is not a service anything publishes.
        None => crate::facts::server::Reach::none(),
    };
    let host_network = s.is_some_and(|s| s.host_network());
    let exposed = beyond_loopback && reach.any();
    let reachable_beyond_host = match s {
        Some(_) => exposed,
        None => beyond_loopback && bind.is_some(),
    };
    let binds_all_host_interfaces = binds_all
        && match s {
            Some(_) => host_network,
            None => bind.is_some(),
        };

    // Authentication.
    let aclfile = get("aclfile");
    let default_user = cfg.user("default");
    let requirepass = get("requirepass").filter(|r| !r.arg(0).is_empty());
    let bitnami_empty = cfg.get("allow-empty-password").is_some();
    let (auth_required, auth_by, password, password_set): (
        bool,
        RedisAuthBy,
        Option<String>,
        Option<&Set>,
    ) = if let Some(a) = aclfile {
        (true, RedisAuthBy::Aclfile, None, Some(a))
    } else if let Some(u) = default_user {
        let a = acl(&u.args[1.min(u.args.len())..]);
        let required = !(a.on && a.nopass);
        (
            required,
            if required {
                RedisAuthBy::Acl
            } else {
                RedisAuthBy::None
            },
            a.passwords.last().cloned(),
            Some(u),
        )
    } else if let Some(r) = requirepass {
        (
            true,
            RedisAuthBy::Requirepass,
            Some(r.arg(0).to_string()),
            Some(r),
        )
    } else if inst.flavor == Flavor::Bitnami && !bitnami_empty {
        // The image refuses to start without a password.
        (true, RedisAuthBy::Image, None, None)
    } else {
        (false, RedisAuthBy::None, None, None)
    };
    let from_variable = password.as_deref().is_some_and(|p| p.contains('$'));
    let literal = password.as_deref().filter(|_| !from_variable);
    let weakness = literal.map_or(PasswordWeakness::None, password_weakness);
    let inline = literal.is_some()
        && password_set.is_some_and(|p| p.from == "on the command line")
        && s.is_some();
    let allow_empty = get("allow-empty-password");
    let auth_from = match (auth_by, password_set) {
        (RedisAuthBy::None, Some(u)) => format!("the default user is `nopass`, {}", u.from),
        (RedisAuthBy::None, None) => match allow_empty {
            Some(_) => "`ALLOW_EMPTY_PASSWORD=yes` lets the image start without one".to_string(),
            None => "nothing sets `requirepass` or an ACL password".to_string(),
        },
        (_, Some(p)) => p.from.clone(),
        (_, None) => inst.default_from.clone(),
    };

    // Protected mode.
    let pm = get("protected-mode");
    let image_pm_off = matches!(inst.flavor, Flavor::Official | Flavor::Bitnami);
    let protected_mode = match pm {
        Some(p) => !p.arg(0).eq_ignore_ascii_case("no"),
        None => !image_pm_off,
    };
    let pm_explicit_off = pm.is_some_and(|p| p.arg(0).eq_ignore_ascii_case("no"));
    let modern = modern_protected_mode(version);
    let pm_guards = protected_mode && !auth_required && (bind.is_none() || modern == Some(true));
    let pm_from = match pm {
        Some(p) => p.from.clone(),
        None if image_pm_off => match inst.flavor {
            Flavor::Official => format!(
                "{}: the official image is built with it off",
                inst.default_from
            ),
            _ => format!(
                "{}: it allows remote access without protected mode",
                inst.default_from
            ),
        },
        None => "Redis's built-in default".into(),
    };
    let open = inst.known && beyond_loopback && !auth_required && !pm_guards;
    // Clients from other hosts or containers get a session (after AUTH when one is needed).
    let remote_clients = inst.known && beyond_loopback && !pm_guards;
    let reach_text = if exposed {
        reach.text()
    } else {
        match s.and_then(|s| s.origin) {
            None | Some(super::Origin::File) if bind.is_some() => {
                format!("other hosts, through `bind {bind_text}`")
            }
            None | Some(super::Origin::File) => "other hosts, on every interface".to_string(),
            Some(super::Origin::Compose) => {
                "not published, but every other container on its networks".to_string()
            }
            Some(_) => "anything that reaches the container".to_string(),
        }
    };
    let mut why: Vec<String> = vec![
        format!("no password ({auth_from})"),
        format!("listening on {bind_text} ({bind_from})"),
    ];
    if protected_mode {
        why.push(format!(
            "protected mode is on but does not guard an explicit `bind` before Redis 7.0, and the version {}",
            match &inst.version_text {
                Some(v) => format!("(`{v}`) is older"),
                None => "is not known".into(),
            }
        ));
    } else {
        why.push(format!("protected mode off ({pm_from})"));
    }

    // Dangerous commands and protected configs.
    let mut dangerous: Vec<String> = Vec::new();
    let mut dangerous_local: Vec<String> = Vec::new();
    let mut dangerous_spans: Vec<Span> = Vec::new();
    for name in [
        "enable-debug-command",
        "enable-module-command",
        "enable-protected-configs",
    ] {
        if let Some(d) = get(name) {
            match d.arg(0).to_ascii_lowercase().as_str() {
                "yes" => {
                    dangerous.push(name.to_string());
                    dangerous_spans.push(d.span);
                }
                "local" => dangerous_local.push(name.to_string()),
                _ => {}
            }
        }
    }
    let protected_configs =
        get("enable-protected-configs").map_or("no".to_string(), |d| d.arg(0).to_ascii_lowercase());

    // Lua.
    let renamed_away = |c: &str| cfg.renames.get(c).is_some_and(|r| r.arg(1).is_empty());
    let default_acl = default_user.map(|u| acl(&u.args[1.min(u.args.len())..]));
    let can = |c: &str| {
        !renamed_away(c)
            && match &default_acl {
                Some(a) => allows(&a.rules, c),
                None => true,
            }
    };
    let default_on = default_acl.as_ref().is_none_or(|a| a.on);
    let scripting: Vec<&str> = SCRIPTING.iter().copied().filter(|c| can(c)).collect();
    let lua_open = !inst.sentinel
        && inst.known
        && aclfile.is_none()
        && default_on
        && (can("eval")
            || can("eval_ro")
            || (can("script") && (can("evalsha") || can("evalsha_ro")))
            || (can("function") && (can("fcall") || can("fcall_ro"))));
    let lua_status = if inst.version.is_some() {
        lua_cve_status(&inst.stated, inst.fresh)
    } else {
        LuaCveStatus::Unknown
    };
    let lua_note = lua_note(inst, lua_status);
    let auth_span = match (password_set, allow_empty) {
        (Some(p), _) => p.span,
        (None, Some(a)) => a.span,
        (None, None) => inst.sources[0],
    };

    let facts = RedisFacts {
        what: inst.what.clone(),
        sentinel: inst.sentinel,
        config_known: inst.known,
        unread: cfg.unread.clone(),
        joined: cfg.joined.clone(),
        image_defaults: match inst.flavor {
            Flavor::Official => RedisImageDefaults::Official,
            Flavor::Bitnami => RedisImageDefaults::Bitnami,
            Flavor::Other => RedisImageDefaults::BuiltIn,
            Flavor::File => RedisImageDefaults::None,
        },
        port,
        tls: tls_port.is_some(),
        tls_port,
        plaintext_port: plaintext,
        listens_tcp,
        bind: addrs,
        bind_set: bind.is_some(),
        bind_text,
        bind_from,
        binds_all_interfaces: listens_tcp && binds_all,
        binds_all_host_interfaces: listens_tcp && binds_all_host_interfaces,
        listens_beyond_loopback: beyond_loopback,
        exposed,
        exposed_text: reach.text(),
        reachable_beyond_host,
        auth_required,
        auth_by,
        auth_from,
        password_from: password_set.map_or(String::new(), |p| p.from.clone()),
        password_from_variable: from_variable,
        password_weakness: weakness,
        password_length: literal.map_or(0, |p| p.chars().count()),
        password_inline: inline,
        requirepass: RequirepassFacts {
            set: requirepass.is_some(),
            weak: requirepass.is_some_and(|r| {
                !r.arg(0).contains('$') && password_weakness(r.arg(0)) != PasswordWeakness::None
            }),
            well_known: requirepass
                .is_some_and(|r| password_weakness(r.arg(0)) == PasswordWeakness::WellKnown),
        },
        protected_mode,
        protected_mode_explicit_off: pm_explicit_off,
        protected_mode_guards: pm_guards,
        protected_mode_from: pm_from,
        open,
        remote_clients,
        reach_text,
        open_reason: why.join("; "),
        dangerous_commands_enabled: dangerous,
        dangerous_commands_local: dangerous_local,
        protected_configs,
        lua_open,
        scripting_commands: scripting.iter().map(|c| c.to_string()).collect(),
        version: inst.version_text.clone(),
        version_status: lua_status,
        lua_cve_note: lua_note,
        // A label at the setting adds something: it is not where the password is missing.
        bind_own_line: bind.is_some_and(|b| b.span != auth_span),
        protected_mode_own_line: pm.is_some_and(|p| p.span != auth_span),
    };
    node.vars.push(("redis", fact(to_json(&facts))));

    // Spans.
    node.span("redis", inst.anchor);
    for sp in &inst.sources {
        node.span("redis.source", *sp);
    }
    match password_set {
        Some(p) if auth_required => {
            node.span("redis.password", p.span);
            node.span("redis.auth", p.span);
        }
        Some(p) => node.span("redis.auth", p.span),
        None => match allow_empty {
            Some(a) => node.span("redis.auth", a.span),
            // Where a password would go: the mounted file, else the command, else the image.
            None => node.span("redis.auth", inst.sources[0]),
        },
    }
    if let Some(b) = bind {
        node.span("redis.bind", b.span);
        node.opt_span("redis.bind.value", b.value_span);
    }
    if let Some(p) = get("port") {
        node.span("redis.port", p.span);
    }
    if let Some(p) = pm {
        node.span("redis.protected_mode", p.span);
        node.opt_span("redis.protected_mode.value", p.value_span);
    }
    for sp in dangerous_spans {
        node.span("redis.dangerous_commands", sp);
    }
    if let Some(u) = default_user {
        node.span("redis.acl", u.span);
    }
    if let Some(t) = get("tls-port") {
        node.span("redis.tls", t.span);
    }
    if exposed {
        // Published ports, the host's network, a Kubernetes Service or Ingress.
        for sp in &reach.spans {
            node.span("redis.published", *sp);
        }
    }
    out.push(redis_node);

    use crate::facts::server::{self, Auth};
    let (auth, auth_reason) = if !inst.known {
        (
            Auth::Unknown,
            "its configuration was not all read".to_string(),
        )
    } else if open {
        (Auth::NotRequired, why.join("; "))
    } else if auth_required {
        (
            Auth::Required,
            format!("a password is required ({})", facts.auth_from),
        )
    } else {
        (
            Auth::Required,
            "no password is set, and protected mode refuses clients from other hosts".into(),
        )
    };
    out.push(server::node(
        ctx,
        server::Server {
            component: super::component::Component::Redis,
            listen: server::ListenFacts {
                address: Some(facts.bind_text.clone()),
                port: facts.port.clone(),
                from: facts.bind_from.clone(),
                beyond_loopback,
            },
            listen_span: bind.map(|b| b.span),
            reach: &reach,
            auth,
            auth_reason,
            auth_note: match auth {
                Auth::NotRequired => format!("no password is set here ({})", facts.auth_from),
                _ => String::new(),
            },
            auth_span: Some(auth_span),
            version: inst.version_text.clone(),
            anchor: inst.anchor,
        },
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    /// The redis node of a file of `kind`, as `lint_source` builds it.
    fn node(name: &str, src: &str) -> Node {
        let path = PathBuf::from(name);
        let source = SourceFile::new(path.clone(), name.into(), src.into(), 0);
        let kind = crate::classify::by_name_or_content(&path, src).unwrap();
        let facts = super::super::nodes::file_facts(name, kind.name());
        let mut out = Vec::new();
        match kind {
            crate::classify::FileKind::RedisConf => {
                let related = crate::model::related::Related::default();
                let joiner = related.joiner();
                let ctx = FileCtx {
                    source: &source,
                    file: 0,
                    file_facts: &facts,
                    related: &joiner,
                };
                file_nodes(&ctx, &mut out);
            }
            crate::classify::FileKind::Compose => {
                let docs = crate::parse::yaml::parse_documents(src).unwrap();
                let (mut services, _) = super::super::compose::services_from_compose(src, &docs[0]);
                for s in &mut services {
                    s.component = super::super::component::identify(
                        s.image.as_ref(),
                        s.command.as_ref(),
                        s.entrypoint.as_ref(),
                    );
                    super::super::nodes::service_nodes(
                        s,
                        0,
                        &facts,
                        &crate::model::related::Related::default().joiner(),
                        &mut out,
                    );
                }
            }
            crate::classify::FileKind::Dockerfile => {
                let df = crate::parse::dockerfile::parse(src).unwrap();
                let mut s = super::super::dockerfile::service_from_dockerfile(
                    &df,
                    src,
                    "Dockerfile",
                    &Default::default(),
                )
                .unwrap();
                s.component = super::super::component::identify(
                    s.image.as_ref(),
                    s.command.as_ref(),
                    s.entrypoint.as_ref(),
                );
                super::super::nodes::service_nodes(
                    &s,
                    0,
                    &facts,
                    &crate::model::related::Related::default().joiner(),
                    &mut out,
                );
            }
            _ => unreachable!(),
        }
        out.into_iter()
            .find(|n| n.kind == NodeKind::Redis)
            .expect("a redis node")
    }

    use crate::rules::eval::eval_on_node as eval;

    fn at<'a>(src: &'a str, n: &Node, key: &str) -> &'a str {
        let s = *n.spans.get(key).next().unwrap();
        &src[s.start..s.end]
    }

    #[test]
    fn file_settings_last_wins_and_bind_lists() {
        let src =
            "bind 127.0.0.1\nport 6380\nbind 0.0.0.0 -::1\nprotected-mode no\nprotected-mode yes\n";
        let n = node("redis.conf", src);
        assert_eq!(eval(&n, "redis.bind_text"), "0.0.0.0 -::1");
        assert_eq!(eval(&n, "redis.binds_all_interfaces"), "true");
        assert_eq!(eval(&n, "redis.binds_all_host_interfaces"), "true");
        assert_eq!(eval(&n, "redis.port"), "6380");
        assert_eq!(eval(&n, "redis.protected_mode"), "true");
        assert_eq!(at(src, &n, "redis.bind"), "bind 0.0.0.0 -::1");
        assert_eq!(at(src, &n, "redis.bind.value"), "0.0.0.0 -::1");
        assert_eq!(at(src, &n, "redis.protected_mode"), "protected-mode yes");
        assert_eq!(eval(&n, "redis.bind_from"), "line 3");
        // An explicit bind is not guarded by protected mode before 7.0; the version is unknown.
        assert_eq!(eval(&n, "redis.open"), "true");
        assert_eq!(eval(&n, "redis.auth_by"), "none");
    }

    #[test]
    fn no_bind_means_all_interfaces_but_protected_mode_guards_it() {
        let n = node("redis.conf", "appendonly yes\n");
        assert_eq!(eval(&n, "redis.binds_all_interfaces"), "true");
        assert_eq!(eval(&n, "redis.binds_all_host_interfaces"), "false");
        assert_eq!(eval(&n, "redis.protected_mode_guards"), "true");
        assert_eq!(eval(&n, "redis.open"), "false");
        let n = node(
            "redis.conf",
            "port 0\nunixsocket /tmp/r.sock\nunixsocketperm 777\n",
        );
        assert_eq!(eval(&n, "redis.listens_tcp"), "false");
        assert_eq!(eval(&n, "redis.listens_beyond_loopback"), "false");
    }

    #[test]
    fn authentication_by_requirepass_and_acl() {
        let n = node("redis.conf", "requirepass foobared\n");
        assert_eq!(eval(&n, "redis.auth_required"), "true");
        assert_eq!(eval(&n, "redis.auth_by"), "requirepass");
        assert_eq!(eval(&n, "redis.password_weakness"), "well-known");
        assert_eq!(eval(&n, "redis.requirepass.well_known"), "true");
        let n = node("redis.conf", "requirepass \"\"\n");
        assert_eq!(eval(&n, "redis.auth_required"), "false");
        let n = node("redis.conf", "user default on nopass ~* +@all\n");
        assert_eq!(eval(&n, "redis.auth_by"), "none");
        assert_eq!(eval(&n, "redis.lua_open"), "true");
        let n = node(
            "redis.conf",
            "requirepass x\nuser default on nopass ~* +@all\n",
        );
        assert_eq!(eval(&n, "redis.auth_required"), "false");
        let src = "user default on >a-long-enough-password ~* &* +@all -@scripting\nuser app on >p ~* +@all\n";
        let n = node("redis.conf", src);
        assert_eq!(eval(&n, "redis.auth_by"), "acl");
        assert_eq!(eval(&n, "redis.password_weakness"), "");
        assert_eq!(eval(&n, "redis.lua_open"), "false");
        assert_eq!(
            at(src, &n, "redis.acl"),
            "user default on >a-long-enough-password ~* &* +@all -@scripting"
        );
        let n = node("redis.conf", "user default off\n");
        assert_eq!(eval(&n, "redis.auth_required"), "true");
        assert_eq!(eval(&n, "redis.lua_open"), "false");
        let n = node("redis.conf", "user default on #5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8 ~* +@all -eval -evalsha -function\n");
        // `EVAL_RO` (7.0+) runs scripts too.
        assert_eq!(eval(&n, "redis.lua_open"), "true");
        let n = node("redis.conf", "user default on #5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8 ~* +@all -eval -eval_ro -script -function\n");
        assert_eq!(eval(&n, "redis.lua_open"), "false");
        assert_eq!(eval(&n, "redis.password_weakness"), "");
        let n = node("redis.conf", "aclfile /etc/redis/users.acl\n");
        assert_eq!(eval(&n, "redis.auth_by"), "aclfile");
        assert_eq!(eval(&n, "redis.lua_open"), "false");
        let n = node("redis.conf", "rename-command EVAL \"\"\nrename-command EVAL_RO \"\"\nrename-command SCRIPT \"\"\nrename-command FUNCTION \"\"\n");
        assert_eq!(eval(&n, "redis.lua_open"), "false");
    }

    #[test]
    fn dangerous_commands() {
        let src =
            "enable-debug-command yes\nenable-module-command local\nenable-protected-configs yes\n";
        let n = node("redis.conf", src);
        assert_eq!(
            eval(&n, "redis.dangerous_commands_enabled.join(',')"),
            "enable-debug-command,enable-protected-configs"
        );
        assert_eq!(
            eval(&n, "redis.dangerous_commands_local.join(',')"),
            "enable-module-command"
        );
        assert_eq!(n.spans.get("redis.dangerous_commands").count(), 2);
    }

    #[test]
    fn includes_resolve_relative_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("base.conf"),
            "requirepass a-very-long-password\ninclude base.conf\n",
        )
        .unwrap();
        let path = dir.path().join("redis.conf");
        let src = "include base.conf\ninclude /etc/redis/missing.conf\nbind 0.0.0.0\n";
        let source = SourceFile::new(path.clone(), "redis.conf".into(), src.into(), 0);
        let facts = super::super::nodes::file_facts("redis.conf", "redis-conf");
        let related = crate::model::related::Related::default();
        let joiner = related.joiner();
        let ctx = FileCtx {
            source: &source,
            file: 0,
            file_facts: &facts,
            related: &joiner,
        };
        let mut out = Vec::new();
        file_nodes(&ctx, &mut out);
        let n = &out[0];
        assert_eq!(eval(n, "redis.auth_by"), "requirepass");
        assert_eq!(at(src, n, "redis.password"), "include base.conf");
        assert_eq!(eval(n, "redis.auth_from"), "`base.conf`, included");
        assert_eq!(eval(n, "redis.config_known"), "false");
        assert_eq!(
            eval(n, "redis.unread[0]"),
            "`/etc/redis/missing.conf` (an absolute path outside this repository)"
        );
    }

    #[test]
    fn official_image_defaults() {
        let src = "services:\n  cache:\n    image: redis:7.4\n    ports: [\"6379:6379\"]\n";
        let n = node("compose.yaml", src);
        assert_eq!(eval(&n, "redis.open"), "true");
        assert_eq!(eval(&n, "redis.exposed"), "true");
        assert_eq!(eval(&n, "redis.protected_mode"), "false");
        assert_eq!(eval(&n, "redis.version_status"), "fixed");
        assert_eq!(at(src, &n, "redis.auth"), "redis:7.4");
        assert_eq!(at(src, &n, "redis.published"), "\"6379:6379\"");
        assert!(eval(&n, "redis.open_reason").contains("the official image is built with it off"));
        // Another port published: Redis itself is not reachable.
        let n = node(
            "compose.yaml",
            "services:\n  cache:\n    image: redis:7.4\n    ports: [\"8001:8001\"]\n",
        );
        assert_eq!(eval(&n, "redis.exposed"), "false");
        // Valkey keeps Redis's built-in defaults here (protected mode on).
        let n = node(
            "compose.yaml",
            "services:\n  cache:\n    image: valkey/valkey:8\n",
        );
        assert_eq!(eval(&n, "redis.open"), "false");
        assert_eq!(eval(&n, "redis.version_status"), "unknown");
    }

    #[test]
    fn command_line_forms() {
        let src = "services:\n  a:\n    image: redis:7.0.15\n    command: redis-server --requirepass foobared --protected-mode no\n";
        let n = node("compose.yaml", src);
        assert_eq!(eval(&n, "redis.auth_by"), "requirepass");
        assert_eq!(eval(&n, "redis.password_inline"), "true");
        assert_eq!(at(src, &n, "redis.password"), "--requirepass");
        assert_eq!(at(src, &n, "redis.protected_mode.value"), "no");
        assert_eq!(eval(&n, "redis.version_status"), "vulnerable");
        let src = "services:\n  a:\n    image: redis:6.2.5-alpine\n    command: [\"--requirepass\", \"${REDIS_PASSWORD}\"]\n";
        let n = node("compose.yaml", src);
        assert_eq!(eval(&n, "redis.auth_required"), "true");
        assert_eq!(eval(&n, "redis.password_from_variable"), "true");
        assert_eq!(eval(&n, "redis.password_inline"), "false");
        assert_eq!(eval(&n, "redis.version_status"), "vulnerable");
        let src = "services:\n  a:\n    image: redis:alpine\n    command:\n      - sh\n      - -c\n      - redis-server --requirepass \"$${REDIS_PASSWORD:-x}\" && echo\n";
        let n = node("compose.yaml", src);
        assert_eq!(eval(&n, "redis.auth_by"), "requirepass");
        assert_eq!(eval(&n, "redis.password_from_variable"), "true");
        assert_eq!(at(src, &n, "redis.password"), "--requirepass");
        let n = node(
            "compose.yaml",
            "services:\n  a:\n    image: redis\n    command: /start.sh\n",
        );
        assert_eq!(eval(&n, "redis.config_known"), "false");
        assert_eq!(eval(&n, "redis.open"), "false");
    }

    #[test]
    fn mounted_config_file_is_joined() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("conf")).unwrap();
        std::fs::write(
            dir.path().join("conf/redis.conf"),
            "bind 0.0.0.0\nprotected-mode no\nenable-debug-command yes\n",
        )
        .unwrap();
        let src = "services:\n  r:\n    image: redis:7.2\n    command: [\"redis-server\", \"/usr/local/etc/redis/redis.conf\", \"--port\", \"6380\"]\n    volumes:\n      - ./conf:/usr/local/etc/redis:ro\n    ports: [\"6380:6380\"]\n";
        let path = dir.path().join("compose.yaml");
        let docs = crate::parse::yaml::parse_documents(src).unwrap();
        let (mut services, _) = super::super::compose::services_from_compose(src, &docs[0]);
        let s = &mut services[0];
        s.declared_in = Some(path);
        s.component = Some(Component::Redis);
        let facts = super::super::nodes::file_facts("compose.yaml", "compose");
        let mut out = Vec::new();
        super::super::nodes::service_nodes(
            s,
            0,
            &facts,
            &crate::model::related::Related::default().joiner(),
            &mut out,
        );
        let n = out.iter().find(|n| n.kind == NodeKind::Redis).unwrap();
        assert_eq!(eval(n, "redis.config_known"), "true");
        assert_eq!(eval(n, "redis.port"), "6380");
        assert_eq!(eval(n, "redis.exposed"), "true");
        assert_eq!(eval(n, "redis.protected_mode_explicit_off"), "true");
        assert_eq!(
            at(src, n, "redis.protected_mode"),
            "./conf:/usr/local/etc/redis:ro"
        );
        assert!(n.spans.get("redis.protected_mode.value").next().is_none());
        assert_eq!(
            eval(n, "redis.protected_mode_from"),
            "`./conf/redis.conf`, mounted at `/usr/local/etc/redis/redis.conf`"
        );
        assert_eq!(
            eval(n, "redis.dangerous_commands_enabled[0]"),
            "enable-debug-command"
        );
    }

    #[test]
    fn bitnami_environment() {
        let n = node("compose.yaml", "services:\n  r:\n    image: bitnami/redis:7.0.9-debian-11-r6\n    environment:\n      - ALLOW_EMPTY_PASSWORD=yes\n");
        assert_eq!(eval(&n, "redis.open"), "true");
        assert_eq!(eval(&n, "redis.version_status"), "vulnerable");
        let n = node("compose.yaml", "services:\n  r:\n    image: bitnami/redis:7.2\n    environment:\n      REDIS_PASSWORD: changeme\n");
        assert_eq!(eval(&n, "redis.auth_by"), "requirepass");
        assert_eq!(eval(&n, "redis.password_weakness"), "well-known");
        assert_eq!(eval(&n, "redis.password_inline"), "false");
        assert_eq!(eval(&n, "redis.version_status"), "unknown");
        let n = node(
            "compose.yaml",
            "services:\n  r:\n    image: bitnami/redis:latest\n",
        );
        assert_eq!(eval(&n, "redis.auth_required"), "true");
    }

    #[test]
    fn dockerfile_cmd() {
        let src = "FROM redis:7.4.1\nCMD [\"redis-server\", \"--protected-mode\", \"no\"]\n";
        let n = node("Dockerfile", src);
        assert_eq!(eval(&n, "redis.protected_mode_explicit_off"), "true");
        assert_eq!(at(src, &n, "redis.protected_mode.value"), "\"no\"");
        assert_eq!(eval(&n, "redis.version_status"), "vulnerable");
    }

    #[test]
    fn lua_versions() {
        let s = |tag: &str, fresh| {
            lua_cve_status(&version::from_tag(tag, version::Scheme::Semver), fresh)
        };
        assert_eq!(s("latest", true), LuaCveStatus::Fixed);
        assert_eq!(s("alpine", false), LuaCveStatus::Unknown);
        assert_eq!(s("7", true), LuaCveStatus::Fixed);
        assert_eq!(s("5", true), LuaCveStatus::Vulnerable);
        assert_eq!(s("7.0", true), LuaCveStatus::Vulnerable);
        assert_eq!(s("7.2", true), LuaCveStatus::Fixed);
        assert_eq!(s("7.2", false), LuaCveStatus::Unknown);
        assert_eq!(s("7.2.10", true), LuaCveStatus::Vulnerable);
        assert_eq!(s("7.2.11-alpine", false), LuaCveStatus::Fixed);
        assert_eq!(s("8.2.1-debian-12-r0", true), LuaCveStatus::Vulnerable);
        assert_eq!(s("8.8", true), LuaCveStatus::Fixed);
        // A line no affected range touches is not affected, floating or not.
        assert_eq!(s("8.8", false), LuaCveStatus::Fixed);
        // A pre-release is not compared with releases.
        assert_eq!(s("8.0-rc1", true), LuaCveStatus::Unknown);
    }

    /// Mutated configuration files and Compose commands go through the whole model without
    /// panicking.
    #[test]
    fn mutated_inputs_never_panic() {
        let conf = "bind 0.0.0.0 -::1\nuser default on >pw nopass ~* +@all -@scripting +eval|x\nrename-command EVAL \"\"\nrequirepass \"a\\x41\"\ninclude x.conf\nenable-debug-command yes\ntls-port 6380\nport 0\n";
        let compose = "services:\n  r:\n    image: redis:7.2.4\n    command: sh -c 'redis-server --requirepass x --user default on >p && y'\n    ports: [\"6379:6379\"]\n";
        let pieces = [
            "\"", "'", "\\", "\n", " ", "--", "-", "user ", "é", "$$", "|", "#",
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..600 {
            let (name, seed) = if round % 2 == 0 {
                ("redis.conf", conf)
            } else {
                ("compose.yaml", compose)
            };
            let mut text = seed.to_string();
            for _ in 0..(next() % 5 + 1) {
                let mut at = (next() as usize) % (text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                text.insert_str(at, pieces[(next() as usize) % pieces.len()]);
            }
            if name == "compose.yaml" && crate::parse::yaml::parse_documents(&text).is_err() {
                continue;
            }
            let path = PathBuf::from(name);
            if crate::classify::by_name_or_content(&path, &text).is_none() {
                continue;
            }
            let n = std::panic::catch_unwind(|| {
                let path = PathBuf::from(name);
                let source = SourceFile::new(path.clone(), name.into(), text.clone(), 0);
                let kind = crate::classify::by_name_or_content(&path, &text).unwrap();
                let facts = super::super::nodes::file_facts(name, kind.name());
                let mut out = Vec::new();
                if kind == crate::classify::FileKind::RedisConf {
                    let related = crate::model::related::Related::default();
                    let joiner = related.joiner();
                    let ctx = FileCtx {
                        source: &source,
                        file: 0,
                        file_facts: &facts,
                        related: &joiner,
                    };
                    file_nodes(&ctx, &mut out);
                } else if let Ok(docs) = crate::parse::yaml::parse_documents(&text) {
                    for d in docs.iter().filter(|d| !d.is_null()) {
                        let (mut services, _) =
                            super::super::compose::services_from_compose(&text, d);
                        for s in &mut services {
                            s.component = Some(Component::Redis);
                            super::super::nodes::service_nodes(
                                s,
                                0,
                                &facts,
                                &crate::model::related::Related::default().joiner(),
                                &mut out,
                            );
                        }
                    }
                }
                out
            });
            let nodes = n.unwrap_or_else(|_| panic!("panicked on {text:?}"));
            for n in nodes.iter().filter(|n| n.kind == NodeKind::Redis) {
                for (_, sp) in n.spans.iter() {
                    assert!(sp.start <= sp.end && sp.end <= text.len(), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn acl_rules() {
        let r = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        let a = acl(&r("on >x ~* +@all -@scripting +eval"));
        assert!(allows(&a.rules, "eval"));
        assert!(!allows(&a.rules, "evalsha"));
        assert!(!allows(&acl(&r("on nopass ~*")).rules, "eval"));
        assert!(!allows(&acl(&r("on +@all -script|load")).rules, "script"));
        assert!(allows(&acl(&r("allcommands")).rules, "fcall"));
    }
}
