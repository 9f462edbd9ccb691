//! Ollama: one `ollama` node per service that runs it (Compose, a Dockerfile's final stage)
//! and per env file or systemd unit that sets Ollama server variables. The effective settings
//! are computed here from the joined environment and the image's defaults (HARDENING-FACTS
//! §2): the binary listens on `127.0.0.1:11434` when `OLLAMA_HOST` is unset, the official
//! image sets `OLLAMA_HOST=0.0.0.0:11434` and has no `USER`; the server has no authentication.

use super::envfile::{self, ConfiguredBy, Setting};
use super::nodes::{is_root_user, Node, NodeKind, ServiceCtx};
use super::{component::Component, ImageRef};
use crate::facts::server;
use crate::model::nodes::{fact, to_json};
use crate::source::Span;
use schemars::JsonSchema;
use serde::Serialize;

/// Span keys a `ollama` rule may name.
pub const SPAN_KEYS: &[&str] = &[
    "ollama",
    "ollama.host",
    "ollama.origins",
    "ollama.debug_log_requests",
    "ollama.published",
    "service",
    "service.image",
    "service.user",
    "service.ports",
    "service.exposed_ports",
];

/// Variables the Ollama server reads (`envconfig`): a file that sets one of them configures
/// a server. Client-side names other apps use (`OLLAMA_BASE_URL`, `OLLAMA_BASE_PATH`,
/// `OLLAMA_MODEL_PREF`) are not among them.
const SERVER_VARIABLES: &[&str] = &[
    "OLLAMA_HOST",
    "OLLAMA_ORIGINS",
    "OLLAMA_MODELS",
    "OLLAMA_NOPRUNE",
    "OLLAMA_DEBUG",
    "OLLAMA_DEBUG_LOG_REQUESTS",
    "OLLAMA_REMOTES",
    "OLLAMA_NO_CLOUD",
    "OLLAMA_KEEP_ALIVE",
    "OLLAMA_MAX_QUEUE",
    "OLLAMA_NUM_PARALLEL",
    "OLLAMA_MAX_LOADED_MODELS",
    "OLLAMA_LOAD_TIMEOUT",
    "OLLAMA_CONTEXT_LENGTH",
    "OLLAMA_FLASH_ATTENTION",
    "OLLAMA_KV_CACHE_TYPE",
    "OLLAMA_SCHED_SPREAD",
    "OLLAMA_GPU_OVERHEAD",
    "OLLAMA_RUNNERS_DIR",
    "OLLAMA_TMPDIR",
];

pub fn is_server_variable(name: &str) -> bool {
    SERVER_VARIABLES.contains(&name)
}

/// The official image (`ollama/ollama`, also through a registry mirror).
pub fn official_image(image: &ImageRef) -> bool {
    known_repository(image).as_deref() == Some("ollama/ollama")
}

/// The repository, also of a reference whose tag or digest alone comes from a variable:
/// `ghcr.io/chroma-core/chroma:${VERSION}` is `chroma-core/chroma`. `None` when the name
/// itself is not known (`${REGISTRY}/ollama/ollama`, `${IMAGE}`).
pub fn known_repository(image: &ImageRef) -> Option<String> {
    if !image.unresolved {
        return Some(image.repository.clone());
    }
    let raw = image.raw.trim();
    let dollar = raw.find('$')?;
    let sep = raw[..dollar].rfind([':', '@'])?;
    if raw[sep..dollar].contains('/') {
        return None;
    }
    let name = &raw[..sep];
    let parsed = super::image::parse_image_ref(name, name, Span::default());
    (!parsed.unresolved && !parsed.repository.is_empty()).then_some(parsed.repository)
}

pub fn service_nodes(ctx: &ServiceCtx, out: &mut Vec<Node>) {
    if ctx.service.component != Some(Component::Ollama) {
        return;
    }
    let (vars, unread) = ctx.env();
    node_from(ctx, vars, unread, ConfiguredBy::Service, &[], out);
}

/// Go's `envconfig.Var`: trimmed, surrounding quotes removed.
fn var(s: &Setting) -> Option<String> {
    s.value
        .as_deref()
        .map(|v| v.trim().trim_matches(['"', '\'']).to_string())
}

/// `OLLAMA_HOST` as `envconfig.Host` reads it: `[scheme://]host[:port][/path]`; no port means
/// 11434 without a scheme, 80/443 with one; an unparsable host:port keeps the text as host.
pub fn parse_host(value: &str) -> (String, String) {
    let s = value.trim();
    let (scheme, hostport) = match s.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, s),
    };
    let default_port = match scheme {
        Some("http") => "80",
        Some("https") => "443",
        _ => "11434",
    };
    let hostport = hostport.split('/').next().unwrap_or("");
    if hostport.is_empty() {
        return ("127.0.0.1".into(), default_port.into());
    }
    // `[v6]:port`, `host:port`, or a bare host / IPv6 address.
    let split = if let Some(rest) = hostport.strip_prefix('[') {
        rest.split_once(']')
            .and_then(|(h, p)| p.strip_prefix(':').map(|p| (h.to_string(), p.to_string())))
    } else if hostport.matches(':').count() == 1 {
        hostport
            .split_once(':')
            .map(|(h, p)| (h.to_string(), p.to_string()))
    } else {
        None
    };
    let (host, port) = match split {
        Some((h, p)) => (h, p),
        None => (
            hostport.trim_matches(['[', ']']).to_string(),
            default_port.to_string(),
        ),
    };
    let port = match port.parse::<u32>() {
        Ok(n) if n <= 65535 => port,
        _ => default_port.to_string(),
    };
    (host, port)
}

pub fn all_interfaces(host: &str) -> bool {
    super::address::scope(host) == super::address::HostScope::Every
}

/// Go's `strconv.ParseBool` true values.
fn go_true(v: &str) -> bool {
    matches!(v, "1" | "t" | "T" | "TRUE" | "true" | "True")
}

/// The image tag as a version (read by `model::version`, as the advisory rules read it):
/// `v0.5.1` and `0.5.7-rocm` give `0.5.1` and `0.5.7`; `latest`, `rocm`, a bare major number
/// or no tag give `None`.
pub fn tag_version(image: Option<&ImageRef>) -> Option<String> {
    use super::version::{from_tag, Scheme, Stated};
    match from_tag(image?.tag.as_deref()?, Scheme::Semver) {
        Stated::Exact(v) | Stated::Line(v) | Stated::Prerelease(v, _) if v.parts().len() >= 2 => {
            Some(v.to_string())
        }
        _ => None,
    }
}

/// `ollama`: one Ollama server, as its environment and its image's defaults configure it.
/// Ollama has no authentication of its own.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OllamaFacts {
    /// Where it listens, as `host:port` (`0.0.0.0:11434`, `[::]:11434`); `null` when not
    /// known (see `host_source`).
    pub host: Option<String>,
    /// `OLLAMA_HOST` as written, else the image's default (`0.0.0.0:11434`), or `''` for the
    /// binary's default (`127.0.0.1:11434`); `null` when not known.
    pub host_text: Option<String>,
    /// Where `OLLAMA_HOST` comes from, for messages: the setting's place (`environment`,
    /// ``env_file `ollama.env` ``, `Environment=`), ``the default of the image `...` ``, `the
    /// default`, `unknown for this image` or `unknown (an env_file was not read)`.
    pub host_source: String,
    /// `OLLAMA_HOST` is set (its value may still be unknown: a pass-through or a variable).
    pub host_set: bool,
    /// Where it listens is known (`host` is not `null`).
    pub host_known: bool,
    /// The host part of `host` (`0.0.0.0`, `::`, `127.0.0.1`); `''` when not known, and for
    /// `OLLAMA_HOST=:11434`, which is every interface.
    pub listen_address: String,
    /// The port it listens on: `OLLAMA_HOST`'s, else 11434 (80 or 443 after `http://` or
    /// `https://`).
    pub port: String,
    /// Listens on every interface (`0.0.0.0`, `::`, no host).
    pub binds_all_interfaces: bool,
    /// Listens on an address that is not loopback (false when not known).
    pub listens_beyond_loopback: bool,
    /// Listens beyond loopback, and other hosts reach its port: a port published beyond
    /// loopback, the host's network, or an exposure path (LoadBalancer, NodePort, Ingress).
    pub exposed: bool,
    /// `exposed`, on every interface: the host's network, an exposure path, or a port
    /// published on all interfaces.
    pub published_on_all_interfaces: bool,
    /// How other hosts reach its port, comma-separated, for messages (``port `11434:11434`
    /// published on all interfaces``); `''` when nothing does. Set even when it listens on
    /// loopback only (then `exposed` is false).
    pub exposure: String,
    /// `OLLAMA_ORIGINS` split at commas and trimmed; empty when unset or not known.
    pub origins: Vec<String>,
    /// `OLLAMA_ORIGINS` as written; `null` when unset or not known.
    pub origins_text: Option<String>,
    /// Where `OLLAMA_ORIGINS` is set, as in `host_source`; `null` when unset.
    pub origins_source: Option<String>,
    /// An origin is `*`, `http://*` or `https://*`: any web page may call the API.
    pub origins_wildcard: bool,
    /// `OLLAMA_DEBUG_LOG_REQUESTS` is true (as Go reads it: `1`, `t`, `true`, ...): prompts
    /// are written to the log.
    pub debug_log_requests: bool,
    /// `OLLAMA_DEBUG_LOG_REQUESTS` as written; `null` when unset or not known.
    pub debug_log_requests_text: Option<String>,
    /// Where `OLLAMA_DEBUG_LOG_REQUESTS` is set, as in `host_source`; `null` when unset.
    pub debug_log_requests_source: Option<String>,
    /// An authenticating proxy in front: not detected yet, so always false, meaning
    /// "nothing seen" rather than "none" (messages say so).
    pub auth_in_front: bool,
    /// The image tag as a version (`0.5.1` from `v0.5.1` or `0.5.1-rocm`); `null` for
    /// `latest`, a bare major number, another word, or no tag.
    pub version: Option<String>,
    /// The official image, `ollama/ollama` (also through a registry mirror).
    pub official_image: bool,
    /// The official image (it has no `USER`) runs as root: no `user`, or a root one.
    pub runs_as_root: bool,
    /// Compose `env_file` entries that could not be read: settings may be missing.
    pub env_files_unread: Vec<String>,
    /// Runs the server: the image's own command, a command that names `serve`, or a settings
    /// file; false for a container that only uses the CLI (`ollama pull` init containers).
    pub serves: bool,
    /// What the settings were read from.
    pub kind: ConfiguredBy,
    /// A systemd unit's `EnvironmentFile=` paths (host paths, not read); empty for other
    /// kinds.
    pub environment_files: Vec<String>,
}

/// The node for one Ollama server configured by `vars` (the joined environment), the image of
/// `ctx.service` (its defaults), and what the settings were read from.
pub fn node_from(
    ctx: &ServiceCtx,
    vars: &[Setting],
    unread: &[String],
    kind: ConfiguredBy,
    environment_files: &[String],
    out: &mut Vec<Node>,
) {
    let s = ctx.service;
    let mut n = ctx.node(NodeKind::Ollama);
    let official = s.image.as_ref().is_some_and(official_image);
    let image_span = s.image.as_ref().map(|i| i.span);

    // OLLAMA_HOST: set, the image's default, or the binary's.
    let host_setting = envfile::get(vars, "OLLAMA_HOST");
    let (host_value, host_source, host_span): (Option<String>, String, Option<Span>) =
        match host_setting {
            Some(h) => (var(h), h.from.clone(), Some(h.span)),
            // An env_file moat could not read may set it.
            None if !unread.is_empty() => (None, "unknown (an env_file was not read)".into(), None),
            None if official => (
                Some("0.0.0.0:11434".into()),
                format!(
                    "the default of the image `{}`",
                    s.image.as_ref().map_or("", |i| i.raw.trim())
                ),
                image_span,
            ),
            None if s.image.is_some() => (None, "unknown for this image".into(), None),
            None => (Some(String::new()), "the default".into(), None),
        };
    // An empty OLLAMA_HOST is the binary's default.
    let (host, port) = match &host_value {
        Some(v) if v.is_empty() => ("127.0.0.1".to_string(), "11434".to_string()),
        Some(v) => parse_host(v),
        None => (String::new(), "11434".to_string()),
    };
    let known = host_value.is_some();
    let binds_all = known && all_interfaces(&host);
    let beyond_loopback = known && !super::is_loopback(&host);
    n.opt_span("ollama.host", host_span);

    let reach = server::reach(s, &[&port]);
    if beyond_loopback {
        for p in &reach.ports {
            n.span("ollama.published", p.span);
        }
    }

    let origins = envfile::get(vars, "OLLAMA_ORIGINS");
    let origin_list: Vec<String> = origins
        .and_then(var)
        .map(|v| {
            v.split(',')
                .map(|o| o.trim().to_string())
                .filter(|o| !o.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let wildcard = origin_list
        .iter()
        .any(|o| matches!(o.as_str(), "*" | "http://*" | "https://*"));
    n.opt_span("ollama.origins", origins.map(|o| o.span));

    let debug = envfile::get(vars, "OLLAMA_DEBUG_LOG_REQUESTS");
    let debug_on = debug.and_then(var).is_some_and(|v| go_true(&v));
    n.opt_span("ollama.debug_log_requests", debug.map(|d| d.span));

    let user_root = s.user.as_ref().is_some_and(|u| is_root_user(&u.value));
    let runs_as_root = official && (s.user.is_none() || user_root);

    n.span(
        "ollama",
        vars.iter()
            .find(|v| is_server_variable(&v.name))
            .filter(|_| s.origin == Some(super::Origin::File))
            .map_or(s.span, |v| v.span),
    );
    let facts = OllamaFacts {
        host: host_value.as_ref().map(|_| {
            if host.contains(':') {
                format!("[{host}]:{port}")
            } else {
                format!("{host}:{port}")
            }
        }),
        host_text: host_setting
            .and_then(|h| h.value.clone())
            .or(host_value.clone()),
        host_source,
        host_set: host_setting.is_some(),
        host_known: known,
        listen_address: host,
        port,
        binds_all_interfaces: binds_all,
        listens_beyond_loopback: beyond_loopback,
        exposed: beyond_loopback && reach.any(),
        published_on_all_interfaces: beyond_loopback && reach.every_interface,
        exposure: reach.text(),
        origins: origin_list,
        origins_text: origins.and_then(|o| o.value.clone()),
        origins_source: origins.map(|o| o.from.clone()),
        origins_wildcard: wildcard,
        debug_log_requests: debug_on,
        debug_log_requests_text: debug.and_then(|d| d.value.clone()),
        debug_log_requests_source: debug.map(|d| d.from.clone()),
        // Whether a proxy in front authenticates is not something moat can see in these
        // files yet.
        auth_in_front: false,
        version: tag_version(s.image.as_ref()),
        official_image: official,
        runs_as_root,
        env_files_unread: unread.to_vec(),
        serves: serves(s),
        kind,
        environment_files: environment_files.to_vec(),
    };
    n.vars.push(("ollama", fact(to_json(&facts))));
    let anchor = n.spans.get("ollama").next().copied().unwrap_or(s.span);
    out.push(n);
    // An init container that runs `ollama pull` against another server serves nothing.
    if facts.serves {
        out.push(server::node(
            ctx,
            server::Server {
                component: Component::Ollama,
                listen: server::ListenFacts {
                    address: facts.host_known.then(|| facts.listen_address.clone()),
                    port: facts.port.clone(),
                    from: facts.host_source.clone(),
                    beyond_loopback,
                },
                listen_span: host_span,
                reach: &reach,
                // Whether a proxy in front authenticates is not something moat can see in
                // these files yet: nothing seen is said as such.
                auth: server::Auth::NotRequired,
                auth_reason: "Ollama has no authentication of its own, and moat sees nothing \
                              authenticating in front of it"
                    .into(),
                auth_note: String::new(),
                auth_span: None,
                version: facts.version.clone(),
                anchor,
            },
        ));
    }
}

/// The container runs the Ollama server: the image's own `serve`, or a command that names
/// it. An entrypoint or command that does something else (`sh -c "ollama pull …"` init
/// containers) is a client of another server. Settings files always configure a server.
fn serves(s: &super::Service) -> bool {
    if s.origin == Some(super::Origin::File) || (s.command.is_none() && s.entrypoint.is_none()) {
        return true;
    }
    s.entrypoint
        .iter()
        .chain(s.command.iter())
        .flat_map(|c| c.args.iter())
        .any(|a| a.value == "serve" || a.value.contains("ollama serve"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_as_envconfig_reads_them() {
        let h = |s: &str| parse_host(s);
        assert_eq!(h("0.0.0.0"), ("0.0.0.0".into(), "11434".into()));
        assert_eq!(h("0.0.0.0:8080"), ("0.0.0.0".into(), "8080".into()));
        assert_eq!(h(":11434"), ("".into(), "11434".into()));
        assert_eq!(h("http://0.0.0.0"), ("0.0.0.0".into(), "80".into()));
        assert_eq!(
            h("https://example.com/x"),
            ("example.com".into(), "443".into())
        );
        assert_eq!(h("[::]:11434"), ("::".into(), "11434".into()));
        assert_eq!(h("::"), ("::".into(), "11434".into()));
        assert_eq!(h("127.0.0.1:99999"), ("127.0.0.1".into(), "11434".into()));
        assert_eq!(h(""), ("127.0.0.1".into(), "11434".into()));
        assert!(all_interfaces(&h(":11434").0));
    }

    #[test]
    fn versions_from_tags() {
        let v = |t: &str| {
            let i = super::super::image::parse_image_ref(t, t, Span::default());
            tag_version(Some(&i))
        };
        assert_eq!(v("ollama/ollama:v0.5.1").as_deref(), Some("0.5.1"));
        assert_eq!(v("ollama/ollama:0.5.7-rocm").as_deref(), Some("0.5.7"));
        assert_eq!(v("ollama/ollama:rocm"), None);
        assert_eq!(v("ollama/ollama"), None);
    }

    #[test]
    fn repositories_of_unresolved_references() {
        let r = |t: &str| {
            let i = super::super::image::parse_image_ref(t, "", Span::default());
            known_repository(&i)
        };
        assert_eq!(
            r("ghcr.io/chroma-core/chroma:${V}").as_deref(),
            Some("chroma-core/chroma")
        );
        assert_eq!(
            r("ollama/ollama:${OLLAMA_TAG:-latest}x").as_deref(),
            Some("ollama/ollama")
        );
        assert_eq!(r("${REGISTRY}/ollama/ollama:1"), None);
        assert_eq!(r("host:5000/${IMG}"), None);
    }
}
