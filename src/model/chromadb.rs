//! ChromaDB: one `chromadb` node per service that runs it and per env file that sets Chroma
//! server variables. Facts follow HARDENING-FACTS §4: the official images listen on
//! `0.0.0.0:8000`; Chroma 1.x (the Rust server, and what `latest` is) has no built-in
//! authentication and ignores the Python-era `CHROMA_SERVER_AUTHN_*` settings; before 1.0 a
//! `CHROMA_SERVER_AUTHN_PROVIDER` turns token or basic authentication on.

use super::envfile::{self, ConfiguredBy, Setting};
use super::nodes::{Node, NodeKind, ServiceCtx};
use super::{component::Component, ImageRef};
use crate::model::nodes::{fact, to_json};
use crate::source::Span;
use schemars::JsonSchema;
use serde::Serialize;

/// Span keys a `chromadb` rule may name.
pub const SPAN_KEYS: &[&str] = &[
    "chromadb",
    "chromadb.auth_provider",
    "chromadb.allow_reset",
    "chromadb.cors",
    "chromadb.credentials",
    "chromadb.listen_address",
    "chromadb.published",
    "service",
    "service.image",
    "service.ports",
    "service.exposed_ports",
];

const AUTHN_PROVIDER: &[&str] = &[
    "CHROMA_SERVER_AUTHN_PROVIDER",
    "CHROMA_SERVER_AUTH_PROVIDER",
];
const CREDENTIALS: &str = "CHROMA_SERVER_AUTHN_CREDENTIALS";
const CREDENTIALS_FILE: &str = "CHROMA_SERVER_AUTHN_CREDENTIALS_FILE";
/// 1.x name first (it is the one a 1.x server reads), then the Python-era one.
const CORS: &[&str] = &[
    "CHROMA_CORS_ALLOW_ORIGINS",
    "CHROMA_SERVER_CORS_ALLOW_ORIGINS",
];
const ALLOW_RESET: &[&str] = &["CHROMA_ALLOW_RESET", "ALLOW_RESET"];
const LISTEN: &[&str] = &["CHROMA_LISTEN_ADDRESS", "CHROMA_HOST_ADDR"];
const PORT: &[&str] = &["CHROMA_PORT", "CHROMA_HOST_PORT"];

/// Variables only a Chroma server reads. Client settings other apps use (`CHROMA_ENDPOINT`,
/// `CHROMA_API_KEY`, `CHROMA_HOST`) are not among them.
pub fn is_server_variable(name: &str) -> bool {
    name.starts_with("CHROMA_SERVER_")
        || matches!(
            name,
            "CHROMA_AUTH_TOKEN_TRANSPORT_HEADER"
                | "CHROMA_ALLOW_RESET"
                | "CHROMA_CORS_ALLOW_ORIGINS"
                | "CHROMA_LISTEN_ADDRESS"
                | "CHROMA_PERSIST_PATH"
                | "CHROMA_HOST_ADDR"
                | "CHROMA_HOST_PORT"
        )
}

pub fn official_image(image: &ImageRef) -> bool {
    super::ollama::known_repository(image)
        .is_some_and(|r| matches!(r.as_str(), "chromadb/chroma" | "chroma-core/chroma"))
}

pub fn service_nodes(ctx: &ServiceCtx, out: &mut Vec<Node>) {
    if ctx.service.component != Some(Component::Chromadb) {
        return;
    }
    let (vars, unread) = ctx.env();
    node_from(ctx, vars, unread, ConfiguredBy::Service, &[], out);
}

/// Pydantic's true values (the Python server), which also cover the Rust server's `true`.
fn truthy(v: &str) -> bool {
    matches!(
        v.trim()
            .trim_matches(['"', '\''])
            .to_ascii_lowercase()
            .as_str(),
        "1" | "true" | "yes" | "on" | "t" | "y"
    )
}

/// `["*"]`, `*`, `["http://a", "*"]`: any entry that is `*`.
fn cors_wildcard(v: &str) -> bool {
    v.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .any(|o| o.trim().trim_matches(['"', '\'']).trim() == "*")
}

/// `--host X` / `--host=X` and `--port` in the service's command (the Python image takes
/// uvicorn-style options, `chroma run` the same names).
fn command_option(ctx: &ServiceCtx, name: &str) -> Option<(String, Span)> {
    let s = ctx.service;
    let args = s
        .command
        .iter()
        .chain(s.entrypoint.iter())
        .flat_map(|c| c.args.iter());
    let args: Vec<_> = args.collect();
    for (i, a) in args.iter().enumerate() {
        if a.value == name {
            if let Some(v) = args.get(i + 1) {
                return Some((v.value.clone(), a.span.cover(v.span)));
            }
        } else if let Some(v) = a.value.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
            return Some((v.to_string(), a.span));
        }
    }
    None
}

/// `chromadb`: one Chroma server, as its environment, command line and image configure it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ChromadbFacts {
    /// The image tag as a version (`0.5.20`, `1.0.0`); `null` for `latest`, a bare major
    /// number, another word, or no tag.
    pub version: Option<String>,
    /// The version for messages: `version`, `latest (1.x)` for the official image's
    /// floating tag, or `unknown`.
    pub version_text: String,
    /// The major version number; `null` when `version` is.
    pub major: Option<i64>,
    /// Chroma 1.x, the Rust server (a 1.x tag, or the official image's `latest` or no tag):
    /// no built-in authentication, and the Python-era `CHROMA_SERVER_AUTHN_*` are ignored.
    pub rust_server: bool,
    /// Chroma 0.x, the Python server, where an authentication provider works.
    pub python_server: bool,
    /// An official image: `chromadb/chroma` or `chroma-core/chroma` (any registry).
    pub official_image: bool,
    /// `CHROMA_SERVER_AUTHN_PROVIDER` (or the older `CHROMA_SERVER_AUTH_PROVIDER`) as
    /// written; `null` when unset, empty, or its value is not known here.
    pub auth_provider: Option<String>,
    /// An authentication provider is set, to a non-empty value or one not known here.
    pub auth_provider_set: bool,
    /// Which of the two names sets the provider; `null` when unset.
    pub auth_provider_name: Option<String>,
    /// A provider is set and this server reads it: not the Rust server (an unknown version
    /// gets the benefit of the doubt).
    pub auth: bool,
    /// A provider is set but the Rust server ignores it: no authentication after all.
    pub auth_ignored: bool,
    /// `auth` can be relied on: false when no provider is seen, the server may be 0.x, and an
    /// `env_file` that could set one was not read.
    pub auth_known: bool,
    /// `CHROMA_ALLOW_RESET` (or `ALLOW_RESET`) is true (`1`, `true`, `yes`, `on`, `t`, `y`):
    /// any client may wipe the database.
    pub allow_reset: bool,
    /// Its value as written; `null` when unset or not known.
    pub allow_reset_text: Option<String>,
    /// Which name sets it; `null` when unset.
    pub allow_reset_name: Option<String>,
    /// Where it is set, for messages (`environment`, ``env_file `chroma.env` ``, `env file`,
    /// `Environment=`); `null` when unset.
    pub allow_reset_source: Option<String>,
    /// A CORS allowed origin (`CHROMA_CORS_ALLOW_ORIGINS`, or the older
    /// `CHROMA_SERVER_CORS_ALLOW_ORIGINS`) is `*`.
    pub cors_wildcard: bool,
    /// The CORS origins as written (`["*"]`); `null` when unset or not known.
    pub cors_text: Option<String>,
    /// Which name sets them; `null` when unset.
    pub cors_name: Option<String>,
    /// Where they are set, as in `allow_reset_source`; `null` when unset.
    pub cors_source: Option<String>,
    /// `CHROMA_SERVER_AUTHN_CREDENTIALS` holds the credentials themselves, written out (not
    /// a reference or empty).
    pub inline_credentials: bool,
    /// Where `CHROMA_SERVER_AUTHN_CREDENTIALS` is set, as in `allow_reset_source`; `null`
    /// when unset.
    pub credentials_source: Option<String>,
    /// `CHROMA_SERVER_AUTHN_CREDENTIALS_FILE` is set.
    pub credentials_from_file: bool,
    /// The address it listens on, quotes removed: `--host`, else `CHROMA_LISTEN_ADDRESS` (or
    /// `CHROMA_HOST_ADDR`), else `0.0.0.0` for the official image; `null` when not known.
    pub listen_address: Option<String>,
    /// Where the address comes from, for messages: `the command`, a setting's place,
    /// ``the default of the image `...` ``, or `unknown`.
    pub listen_source: String,
    /// The port: `--port`, else `CHROMA_PORT` (or `CHROMA_HOST_PORT`), else 8000.
    pub port: String,
    /// `listen_address` is known and not loopback.
    pub listens_beyond_loopback: bool,
    /// Listens beyond loopback, and other hosts reach its port: a port published beyond
    /// loopback, the host's network, or an exposure path (LoadBalancer, NodePort, Ingress).
    pub exposed: bool,
    /// `exposed`, on every interface: the host's network, an exposure path, or a port
    /// published on all interfaces.
    pub published_on_all_interfaces: bool,
    /// How other hosts reach its port, comma-separated, for messages (``port `8000:8000`
    /// published on all interfaces``); `''` when nothing does. Set even when it listens on
    /// loopback only (then `exposed` is false).
    pub exposure: String,
    /// Compose `env_file` entries that could not be read: settings may be missing.
    pub env_files_unread: Vec<String>,
    /// What the settings were read from.
    pub kind: ConfiguredBy,
    /// A systemd unit's `EnvironmentFile=` paths (host paths, not read); empty for other
    /// kinds.
    pub environment_files: Vec<String>,
}

/// The node for one Chroma server configured by `vars` (the joined environment), the image
/// and command of `ctx.service`, and what the settings were read from.
pub fn node_from(
    ctx: &ServiceCtx,
    vars: &[Setting],
    unread: &[String],
    kind: ConfiguredBy,
    environment_files: &[String],
    out: &mut Vec<Node>,
) {
    let s = ctx.service;
    let mut n = ctx.node(NodeKind::Chromadb);
    let image = s.image.as_ref();
    let official = image.is_some_and(official_image);
    let version = super::ollama::tag_version(image);
    let major: Option<i64> = version
        .as_deref()
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse().ok());
    // `latest` (or no tag) of the official images is the 1.x Rust server today.
    let floating = image.is_some_and(|i| {
        !i.unresolved && i.digest.is_none() && i.tag.as_deref().is_none_or(|t| t == "latest")
    });
    let rust_server = major.is_some_and(|m| m >= 1) || (official && floating);
    let python_server = major == Some(0);
    let version_text = match (&version, floating) {
        (Some(v), _) => v.clone(),
        (None, true) if official => "latest (1.x)".to_string(),
        _ => "unknown".to_string(),
    };

    let provider = envfile::get_any(vars, AUTHN_PROVIDER)
        .filter(|p| p.value.as_deref().is_none_or(|v| !v.trim().is_empty()));
    n.opt_span("chromadb.auth_provider", provider.map(|p| p.span));
    // Set and read by this version; an unknown version gets the benefit of the doubt.
    let auth = provider.is_some() && !rust_server;
    let auth_ignored = provider.is_some() && rust_server;

    let reset = envfile::get_any(vars, ALLOW_RESET);
    let allow_reset = reset.and_then(|r| r.value.as_deref()).is_some_and(truthy);
    n.opt_span("chromadb.allow_reset", reset.map(|r| r.span));

    let cors = envfile::get_any(vars, CORS);
    let wildcard = cors
        .and_then(|c| c.value.as_deref())
        .is_some_and(cors_wildcard);
    n.opt_span("chromadb.cors", cors.map(|c| c.span));

    let creds = envfile::get(vars, CREDENTIALS);
    let inline = creds
        .and_then(|c| c.value.as_deref())
        .is_some_and(super::secrets::literal_value);
    n.opt_span("chromadb.credentials", creds.map(|c| c.span));

    // Where it listens: an option on the command line, a variable, or the image's default.
    let listen_opt = command_option(ctx, "--host");
    let listen_var = envfile::get_any(vars, LISTEN);
    let (listen, listen_span, listen_source): (Option<String>, Option<Span>, String) =
        match (&listen_opt, listen_var) {
            (Some((v, sp)), _) => (Some(v.clone()), Some(*sp), "the command".into()),
            (None, Some(v)) => (v.value.clone(), Some(v.span), v.from.clone()),
            (None, None) if official => (
                Some("0.0.0.0".into()),
                image.map(|i| i.span),
                format!(
                    "the default of the image `{}`",
                    image.map_or("", |i| i.raw.trim())
                ),
            ),
            (None, None) => (None, None, "unknown".into()),
        };
    n.opt_span("chromadb.listen_address", listen_span);
    let port = command_option(ctx, "--port")
        .map(|(v, _)| v)
        .or_else(|| envfile::get_any(vars, PORT).and_then(|p| p.value.clone()))
        .unwrap_or_else(|| "8000".into());
    let listen_host = listen
        .as_deref()
        .map(|l| l.trim().trim_matches(['"', '\'']).to_string());
    let beyond_loopback = listen_host
        .as_deref()
        .is_some_and(|h| !super::is_loopback(h));
    let reach = crate::facts::server::reach(s, &[&port]);
    if beyond_loopback {
        for p in &reach.ports {
            n.span("chromadb.published", p.span);
        }
    }
    n.span(
        "chromadb",
        vars.iter()
            .find(|v| is_server_variable(&v.name))
            .filter(|_| s.origin == Some(super::Origin::File))
            .map_or(s.span, |v| v.span),
    );

    let facts = ChromadbFacts {
        version,
        version_text,
        major,
        rust_server,
        python_server,
        official_image: official,
        auth_provider: provider.and_then(|p| p.value.clone()),
        auth_provider_set: provider.is_some(),
        auth_provider_name: provider.map(|p| p.name.clone()),
        auth,
        auth_ignored,
        // Not known when an env_file that could set a provider was not read (and the
        // version does not rule authentication out anyway).
        auth_known: provider.is_some() || rust_server || unread.is_empty(),
        allow_reset,
        allow_reset_text: reset.and_then(|r| r.value.clone()),
        allow_reset_name: reset.map(|r| r.name.clone()),
        allow_reset_source: reset.map(|r| r.from.clone()),
        cors_wildcard: wildcard,
        cors_text: cors.and_then(|c| c.value.clone()),
        cors_name: cors.map(|c| c.name.clone()),
        cors_source: cors.map(|c| c.from.clone()),
        inline_credentials: inline,
        credentials_source: creds.map(|c| c.from.clone()),
        credentials_from_file: envfile::get(vars, CREDENTIALS_FILE).is_some(),
        listen_address: listen_host,
        listen_source,
        port,
        listens_beyond_loopback: beyond_loopback,
        exposed: beyond_loopback && reach.any(),
        published_on_all_interfaces: beyond_loopback && reach.every_interface,
        exposure: reach.text(),
        env_files_unread: unread.to_vec(),
        kind,
        environment_files: environment_files.to_vec(),
    };
    n.vars.push(("chromadb", fact(to_json(&facts))));
    let anchor = n.spans.get("chromadb").next().copied().unwrap_or(s.span);
    out.push(n);
    use crate::facts::server::{self, Auth};
    let (auth, auth_reason) = if facts.auth {
        (
            Auth::Required,
            format!(
                "authentication provider `{}` is set",
                facts.auth_provider.as_deref().unwrap_or("")
            ),
        )
    } else if !facts.auth_known {
        (
            Auth::Unknown,
            "an env_file moat could not read may set a provider".into(),
        )
    } else if facts.auth_ignored {
        (
            Auth::NotRequired,
            format!(
                "it sets {}, which Chroma {} ignores: 1.x has no built-in authentication",
                facts.auth_provider_name.as_deref().unwrap_or("a provider"),
                facts.version_text
            ),
        )
    } else if facts.rust_server {
        (
            Auth::NotRequired,
            format!(
                "Chroma {} has no built-in authentication",
                facts.version_text
            ),
        )
    } else {
        (
            Auth::NotRequired,
            "it sets no authentication provider (`CHROMA_SERVER_AUTHN_PROVIDER`)".into(),
        )
    };
    out.push(server::node(
        ctx,
        server::Server {
            component: Component::Chromadb,
            listen: server::ListenFacts {
                address: facts.listen_address.clone(),
                port: facts.port.clone(),
                from: facts.listen_source.clone(),
                beyond_loopback,
            },
            listen_span,
            reach: &reach,
            auth,
            auth_reason,
            auth_note: if facts.auth_ignored {
                format!(
                    "ignored: Chroma {} has no built-in authentication",
                    facts.version_text
                )
            } else {
                String::new()
            },
            auth_span: provider.map(|p| p.span),
            version: facts.version.clone(),
            anchor,
        },
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert!(cors_wildcard("[\"*\"]"));
        assert!(cors_wildcard("*"));
        assert!(cors_wildcard("[\"http://a\", \"*\"]"));
        assert!(!cors_wildcard("[\"http://localhost:3000\"]"));
        assert!(truthy("TRUE") && truthy("'true'") && !truthy("False"));
        assert!(is_server_variable("CHROMA_SERVER_AUTHN_PROVIDER"));
        assert!(!is_server_variable("CHROMA_API_KEY"));
    }
}
