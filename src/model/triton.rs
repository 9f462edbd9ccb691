//! NVIDIA Triton Inference Server: one `triton` node per service that runs it, with the
//! effective settings of its `tritonserver` command line (Compose `command`/`entrypoint`,
//! Dockerfile `CMD`/`ENTRYPOINT`, also inside `sh -c "…"`), the image's defaults where a flag
//! is absent, and which of its endpoints the service publishes.
//!
//! Flags are read the way Triton's `getopt_long` reads them: `--flag=value` and
//! `--flag value`, unambiguous prefixes of a long option (`--model-control explicit`), the
//! last occurrence winning except for the options that accumulate (`--model-repository`,
//! `--http-restricted-api`, `--grpc-restricted-protocol`).

use super::component::Component;
use super::nodes::{Node, NodeKind, ServiceCtx};
use super::{is_loopback, Service};
use crate::model::nodes::{fact, to_json};
use crate::source::Span;
use schemars::JsonSchema;
use serde::Serialize;

/// Span keys a `triton` rule may name. A setting left at its default points at the image
/// line (or, without one, at the `tritonserver` command, then the service).
pub const SPAN_KEYS: &[&str] = &[
    "triton",
    "triton.command",
    "triton.model_control_mode",
    "triton.http_restricted_api",
    "triton.grpc_restricted_protocol",
    "triton.allow_http",
    "triton.allow_grpc",
    "triton.allow_metrics",
    "triton.http_port",
    "triton.grpc_port",
    "triton.metrics_port",
    "triton.http_published_ports",
    "triton.grpc_published_ports",
    "triton.metrics_published_ports",
    "triton.http_exposed_ports",
    "triton.grpc_exposed_ports",
    "triton.metrics_exposed_ports",
    "triton.exposed_ports",
    "service",
    "service.image",
    "service.user",
    "service.ports",
    "service.exposed_ports",
];

/// Triton's API groups that `--http-restricted-api` / `--grpc-restricted-protocol` can put
/// behind a header ([tr-proto]).
pub const API_GROUPS: &[&str] = &[
    "health",
    "metadata",
    "inference",
    "shared-memory",
    "model-config",
    "model-repository",
    "statistics",
    "trace",
    "logging",
];

/// The administrative groups the deployment guide says to restrict ([tr-deploy]), in the
/// canonical order the facts list them in.
pub const ADMIN_GROUPS: &[TritonAdminApi] = &[
    TritonAdminApi::SharedMemory,
    TritonAdminApi::ModelConfig,
    TritonAdminApi::ModelRepository,
    TritonAdminApi::Statistics,
    TritonAdminApi::Trace,
    TritonAdminApi::Logging,
];

/// An administrative API group of Triton, as `--http-restricted-api` and
/// `--grpc-restricted-protocol` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TritonAdminApi {
    /// Register and unregister system and CUDA shared memory regions.
    SharedMemory,
    /// Read model configurations.
    ModelConfig,
    /// List, load and unload models (a load request can carry the model's files).
    ModelRepository,
    /// Inference statistics of every model.
    Statistics,
    /// Read and change trace settings, including the trace file's path.
    Trace,
    /// Read and change log settings, including the log file's path.
    Logging,
}

impl TritonAdminApi {
    /// The group's name, as the flags and the facts spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            TritonAdminApi::SharedMemory => "shared-memory",
            TritonAdminApi::ModelConfig => "model-config",
            TritonAdminApi::ModelRepository => "model-repository",
            TritonAdminApi::Statistics => "statistics",
            TritonAdminApi::Trace => "trace",
            TritonAdminApi::Logging => "logging",
        }
    }
}

/// One of Triton's API protocols (the metrics endpoint is not one: it serves no API).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum TritonProtocol {
    /// The HTTP/REST API (`--http-port`, 8000).
    #[serde(rename = "HTTP")]
    Http,
    /// The gRPC API (`--grpc-port`, 8001).
    #[serde(rename = "gRPC")]
    Grpc,
}

/// Every long option of `tritonserver` (src/command_line_parser.cc), so that prefixes resolve
/// as getopt resolves them. `false`: the option takes no argument.
const OPTIONS: &[(&str, bool)] = &[
    ("help", false),
    ("id", true),
    ("exit-timeout-secs", true),
    ("model-store", true),
    ("model-repository", true),
    ("exit-on-error", true),
    ("disable-auto-complete-config", false),
    ("strict-model-config", true),
    ("strict-readiness", true),
    ("model-control-mode", true),
    ("repository-poll-secs", true),
    ("load-model", true),
    ("model-load-thread-count", true),
    ("model-load-retry-count", true),
    ("model-namespacing", true),
    ("allow-http", true),
    ("http-address", true),
    ("http-port", true),
    ("reuse-http-port", true),
    ("http-header-forward-pattern", true),
    ("http-thread-count", true),
    ("http-restricted-api", true),
    ("http-max-input-size", true),
    ("allow-grpc", true),
    ("grpc-address", true),
    ("grpc-port", true),
    ("reuse-grpc-port", true),
    ("grpc-header-forward-pattern", true),
    ("grpc-infer-allocation-pool-size", true),
    ("grpc-max-response-pool-size", true),
    ("grpc-use-ssl", true),
    ("grpc-use-ssl-mutual", true),
    ("grpc-server-cert", true),
    ("grpc-server-key", true),
    ("grpc-root-cert", true),
    ("grpc-infer-response-compression-level", true),
    ("grpc-keepalive-time", true),
    ("grpc-keepalive-timeout", true),
    ("grpc-keepalive-permit-without-calls", true),
    ("grpc-http2-max-pings-without-data", true),
    ("grpc-http2-min-recv-ping-interval-without-data", true),
    ("grpc-http2-max-ping-strikes", true),
    ("grpc-max-connection-age", true),
    ("grpc-max-connection-age-grace", true),
    ("grpc-restricted-protocol", true),
    ("log-verbose", true),
    ("log-info", true),
    ("log-warning", true),
    ("log-error", true),
    ("log-format", true),
    ("log-file", true),
    ("allow-sagemaker", true),
    ("sagemaker-port", true),
    ("sagemaker-safe-port-range", true),
    ("sagemaker-thread-count", true),
    ("allow-vertex-ai", true),
    ("vertex-ai-port", true),
    ("vertex-ai-thread-count", true),
    ("vertex-ai-default-model", true),
    ("allow-metrics", true),
    ("allow-gpu-metrics", true),
    ("allow-cpu-metrics", true),
    ("metrics-address", true),
    ("metrics-port", true),
    ("metrics-interval-ms", true),
    ("metrics-config", true),
    ("trace-config", true),
    ("trace-file", true),
    ("trace-level", true),
    ("trace-rate", true),
    ("trace-count", true),
    ("trace-log-frequency", true),
    ("cache-config", true),
    ("cache-directory", true),
    ("rate-limit", true),
    ("rate-limit-resource", true),
    ("pinned-memory-pool-byte-size", true),
    ("cuda-memory-pool-byte-size", true),
    ("cuda-virtual-address-size", true),
    ("response-cache-byte-size", true),
    ("min-supported-compute-capability", true),
    ("backend-directory", true),
    ("repoagent-directory", true),
    ("buffer-manager-thread-count", true),
    ("backend-config", true),
    ("host-policy", true),
    ("model-load-gpu-limit", true),
];

/// A word of the command line with where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Word {
    text: String,
    span: Span,
}

/// One option as given: its full name, its value (if it takes one) and the span of the
/// option and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Flag {
    name: &'static str,
    value: String,
    /// The value came from a variable without a default: what runs is not known.
    unresolved: bool,
    span: Span,
}

/// The `tritonserver` invocation: its program word and its options.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Invocation {
    program: Span,
    span: Span,
    text: String,
    flags: Vec<Flag>,
}

impl Invocation {
    fn last(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().rev().find(|f| f.name == name)
    }
    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Flag> + 'a {
        self.flags.iter().filter(move |f| f.name == name)
    }
}

pub fn service_nodes(ctx: &ServiceCtx, out: &mut Vec<Node>) {
    let s = ctx.service;
    let invocation = find_invocation(s);
    let image = s.image.as_ref();
    let triton_image = image.is_some_and(|i| {
        super::component::by_image(i) == Some(Component::Triton) && server_variant(i)
    });
    // A Triton node when the service starts `tritonserver`, or runs a Triton server image
    // with no command of its own (whatever the image starts, the flags are its defaults).
    let runs_default = s.command.is_none() && s.entrypoint.is_none();
    if invocation.is_none() && !(triton_image && runs_default) {
        return;
    }
    let mut node = ctx.node(NodeKind::Triton);
    let facts = facts(s, invocation.as_ref(), &mut node);
    node.vars.push(("triton", fact(to_json(&facts))));
    out.push(node);
}

/// Not the `-py3-sdk` (clients) or `-py3-min` (build base) variants, which run no server.
pub(crate) fn server_variant(image: &super::ImageRef) -> bool {
    let tag = image.tag.as_deref().unwrap_or("").to_ascii_lowercase();
    !(tag.ends_with("-sdk") || tag.ends_with("-min") || tag.contains("-sdk-"))
}

/// The NGC `yy.mm` release of a tag such as `24.05-py3` (`r24.05` is the branch spelling).
/// Read by `model::version`, as the advisory rules read NGC tags.
fn ngc_version(tag: &str) -> Option<(String, i64)> {
    use super::version::{from_tag, Scheme, Stated};
    match from_tag(tag, Scheme::Ngc) {
        Stated::Exact(v) => match v.parts() {
            [yy, mm] => Some((v.to_string(), i64::try_from(yy * 100 + mm).ok()?)),
            _ => None,
        },
        _ => None,
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "on" | "1" => Some(true),
        "false" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// One endpoint (HTTP, gRPC or metrics) as the service runs it.
struct Endpoint {
    enabled: bool,
    address: String,
    port: Option<u16>,
    /// Listens beyond the container's loopback.
    listening: bool,
    published: Vec<Span>,
    exposed: Vec<Span>,
    /// How it is exposed, in words, for messages.
    how: Vec<String>,
}

/// `--model-control-mode`: how Triton loads and unloads models. `none` (the default),
/// `poll`, `explicit`, `unknown` (a variable without a default), or any other value,
/// lower-cased as written (Triton refuses it and does not start).
// The open last variant keeps a mistyped value visible as written, as the facts always had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ModelControlMode {
    /// Loads every model of the repository at start; later changes to the repository and
    /// load or unload requests are ignored. Also when the flag is absent.
    None,
    /// Loads every model at start, then loads, reloads and unloads models as the repository
    /// changes (checked every `--repository-poll-secs`).
    Poll,
    /// Loads the `--load-model` models at start, then what the model-repository API's load
    /// and unload requests ask for.
    Explicit,
    /// The flag's value is a variable without a default: the mode is not known.
    Unknown,
    /// Any other value, lower-cased as written: Triton refuses it and does not start.
    #[serde(untagged)]
    Invalid(String),
}

impl ModelControlMode {
    /// A value as Triton reads it: case-insensitive.
    fn read(value: &str) -> Self {
        match value.to_ascii_lowercase().as_str() {
            "none" => ModelControlMode::None,
            "poll" => ModelControlMode::Poll,
            "explicit" => ModelControlMode::Explicit,
            other => ModelControlMode::Invalid(other.to_string()),
        }
    }
}

/// `triton`: one Triton Inference Server, as its `tritonserver` command line and its image's
/// defaults configure it. Triton has no authentication of its own; API groups can only be put
/// behind a header (`--http-restricted-api`, `--grpc-restricted-protocol`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TritonFacts {
    /// A `tritonserver` command line was found; false when the service runs a Triton server
    /// image with no command of its own (every setting is then the default).
    pub invoked: bool,
    /// The `tritonserver` command: its words joined by spaces, from the program to the end of
    /// its command (a shell's `&&` or `;` ends it); `null` when `invoked` is false.
    pub command: Option<String>,
    /// The image is NGC's `nvcr.io/nvidia/tritonserver`.
    pub official_image: bool,
    /// The NGC release of the image tag (`24.05` from `24.05-py3`); `null` when the tag is not
    /// a `yy.mm` release (or there is no image).
    pub version: Option<String>,
    /// `version` as a number to compare, `yy * 100 + mm` (`2405`); `null` with `version`.
    pub version_num: Option<i64>,
    /// `--model-control-mode` in effect (`none` when the flag is absent).
    pub model_control_mode: ModelControlMode,
    /// `--model-control-mode` is given on the command line.
    pub model_control_mode_set: bool,
    /// The `--model-repository` values as written, then those of its old name
    /// `--model-store`; empty when none is given.
    pub model_repositories: Vec<String>,
    /// The HTTP endpoint is on (`--allow-http`, default true; a value that is not a boolean
    /// or a variable leaves the default).
    pub http_enabled: bool,
    /// `--http-address`, else `0.0.0.0` (also when the value is a variable).
    pub http_address: String,
    /// `--http-port`, else 8000; `null` when the value is a variable or not a port number.
    pub http_port: Option<u16>,
    /// HTTP is on and its address is not loopback: it listens beyond the container.
    pub http_listening: bool,
    /// `http_listening`, and a published TCP port (on any host address) reaches `http_port`.
    pub http_published: bool,
    /// `http_listening`, and other hosts reach it: a port published beyond loopback, the
    /// host's network, or an exposure path (LoadBalancer, NodePort, Ingress).
    pub http_exposed: bool,
    /// The gRPC endpoint is on (`--allow-grpc`, default true), as `http_enabled`.
    pub grpc_enabled: bool,
    /// `--grpc-address`, else `0.0.0.0` (also when the value is a variable).
    pub grpc_address: String,
    /// `--grpc-port`, else 8001; `null` when the value is a variable or not a port number.
    pub grpc_port: Option<u16>,
    /// gRPC is on and its address is not loopback.
    pub grpc_listening: bool,
    /// `grpc_listening`, and a published TCP port (on any host address) reaches `grpc_port`.
    pub grpc_published: bool,
    /// `grpc_listening`, and other hosts reach it, as `http_exposed`.
    pub grpc_exposed: bool,
    /// The metrics endpoint is on (`--allow-metrics`, default true), as `http_enabled`.
    pub metrics_enabled: bool,
    /// `--metrics-address`, else the HTTP address (Triton's default).
    pub metrics_address: String,
    /// `--metrics-port`, else 8002; `null` when the value is a variable or not a port number.
    pub metrics_port: Option<u16>,
    /// Metrics are on and their address is not loopback.
    pub metrics_listening: bool,
    /// `metrics_listening`, and a published TCP port (on any host address) reaches
    /// `metrics_port`.
    pub metrics_published: bool,
    /// `metrics_listening`, and other hosts reach it, as `http_exposed`.
    pub metrics_exposed: bool,
    /// The API groups every `--http-restricted-api=<groups>:<key>=<value>` puts behind a
    /// header, lower-cased, each once, as written (not checked against Triton's groups);
    /// empty when none.
    pub http_restricted_api: Vec<String>,
    /// The same for `--grpc-restricted-protocol`.
    pub grpc_restricted_protocol: Vec<String>,
    /// How HTTP and gRPC (those in `exposed_protocols`) are reachable from other hosts,
    /// comma-separated, for messages (``port 8000 published on all interfaces (`8000:8000`)``,
    /// `` `network_mode: host` ``); `''` when they are not.
    pub exposed_how: String,
    /// The same for the protocols in `admin_exposed_protocols`.
    pub admin_how: String,
    /// The same for the protocols in `model_repository_api_exposed`.
    pub model_repository_how: String,
    /// The same for the metrics endpoint (`''` unless `metrics_exposed`).
    pub metrics_how: String,
    /// Administrative groups HTTP serves without a required header, in canonical order;
    /// empty when HTTP does not listen beyond loopback.
    pub http_open_admin_apis: Vec<TritonAdminApi>,
    /// The same for gRPC.
    pub grpc_open_admin_apis: Vec<TritonAdminApi>,
    /// The API protocols that listen beyond loopback (`http_listening`, `grpc_listening`).
    pub reachable_protocols: Vec<TritonProtocol>,
    /// The API protocols other hosts reach (`http_exposed`, `grpc_exposed`).
    pub exposed_protocols: Vec<TritonProtocol>,
    /// The protocols serving the model-repository API (load, unload) without a required
    /// header.
    pub model_repository_api_open: Vec<TritonProtocol>,
    /// Those of `model_repository_api_open` that other hosts reach.
    pub model_repository_api_exposed: Vec<TritonProtocol>,
    /// The protocols other hosts reach that serve some administrative group without a
    /// required header.
    pub admin_exposed_protocols: Vec<TritonProtocol>,
    /// The administrative groups open (no required header) on some protocol other hosts
    /// reach, in canonical order.
    pub admin_open_exposed: Vec<TritonAdminApi>,
}

fn facts(s: &Service, inv: Option<&Invocation>, node: &mut Node) -> TritonFacts {
    // Where a default "is written": the image line, else the command, else the service.
    let default_span = s
        .image
        .as_ref()
        .map(|i| i.span)
        .or(inv.map(|i| i.program))
        .unwrap_or(s.span);
    node.span("triton", inv.map_or(default_span, |i| i.program));
    if let Some(i) = inv {
        node.span("triton.command", i.span);
    }
    let flag = |name: &str| inv.and_then(|i| i.last(name));
    let mut at = |key: &'static str, f: Option<&Flag>| {
        node.span(key, f.map_or(default_span, |f| f.span));
    };

    let mode_flag = flag("model-control-mode");
    let mode = match mode_flag {
        Some(f) if f.unresolved => ModelControlMode::Unknown,
        Some(f) => ModelControlMode::read(&f.value),
        None => ModelControlMode::None,
    };
    at("triton.model_control_mode", mode_flag);

    let enabled = |name: &str, default: bool| match flag(name) {
        Some(f) if !f.unresolved => parse_bool(&f.value).unwrap_or(default),
        _ => default,
    };
    let port = |name: &str, default: u16| match flag(name) {
        Some(f) if f.unresolved => None,
        Some(f) => f.value.trim().parse::<u16>().ok(),
        None => Some(default),
    };
    let address = |name: &str, default: &str| match flag(name) {
        Some(f) if !f.unresolved => f.value.clone(),
        _ => default.to_string(),
    };
    at("triton.allow_http", flag("allow-http"));
    at("triton.allow_grpc", flag("allow-grpc"));
    at("triton.allow_metrics", flag("allow-metrics"));
    at("triton.http_port", flag("http-port"));
    at("triton.grpc_port", flag("grpc-port"));
    at("triton.metrics_port", flag("metrics-port"));

    let http_address = address("http-address", "0.0.0.0");
    let http = endpoint(
        s,
        enabled("allow-http", true),
        http_address.clone(),
        port("http-port", 8000),
    );
    let grpc = endpoint(
        s,
        enabled("allow-grpc", true),
        address("grpc-address", "0.0.0.0"),
        port("grpc-port", 8001),
    );
    // The metrics address defaults to the HTTP address ([tr-clp]).
    let metrics = endpoint(
        s,
        enabled("allow-metrics", true),
        address("metrics-address", &http_address),
        port("metrics-port", 8002),
    );

    // Restricted API groups: `<groups>:<key>=<value>`, repeatable.
    let groups = |name: &str| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for f in inv.into_iter().flat_map(|i| i.all(name)) {
            let list = f.value.split_once(':').map_or("", |(g, _)| g);
            for g in list.split(',') {
                let g = g.trim().to_ascii_lowercase();
                if !g.is_empty() && !out.contains(&g) {
                    out.push(g);
                }
            }
        }
        out
    };
    let http_restricted = groups("http-restricted-api");
    let grpc_restricted = groups("grpc-restricted-protocol");
    for (key, name) in [
        ("triton.http_restricted_api", "http-restricted-api"),
        (
            "triton.grpc_restricted_protocol",
            "grpc-restricted-protocol",
        ),
    ] {
        let flags: Vec<Span> = inv
            .into_iter()
            .flat_map(|i| i.all(name))
            .map(|f| f.span)
            .collect();
        if flags.is_empty() {
            node.span(key, default_span);
        }
        for f in flags {
            node.span(key, f);
        }
    }
    // A restriction whose value is a variable without a default is still a restriction.
    let open_admin = |e: &Endpoint, restricted: &[String]| -> Vec<TritonAdminApi> {
        if !e.listening {
            return Vec::new();
        }
        ADMIN_GROUPS
            .iter()
            .copied()
            .filter(|g| !restricted.iter().any(|r| r == g.as_str()))
            .collect()
    };
    let http_open = open_admin(&http, &http_restricted);
    let grpc_open = open_admin(&grpc, &grpc_restricted);

    for (key, spans) in [
        ("triton.http_published_ports", &http.published),
        ("triton.grpc_published_ports", &grpc.published),
        ("triton.metrics_published_ports", &metrics.published),
        ("triton.http_exposed_ports", &http.exposed),
        ("triton.grpc_exposed_ports", &grpc.exposed),
        ("triton.metrics_exposed_ports", &metrics.exposed),
    ] {
        for sp in spans {
            node.span(key, *sp);
        }
    }
    let mut all_exposed: Vec<Span> = Vec::new();
    for sp in http
        .exposed
        .iter()
        .chain(&grpc.exposed)
        .chain(&metrics.exposed)
    {
        if !all_exposed.contains(sp) {
            all_exposed.push(*sp);
        }
    }
    all_exposed.sort();
    for sp in all_exposed {
        node.span("triton.exposed_ports", sp);
    }

    let protocols = |pred: &dyn Fn(&Endpoint) -> bool, http: &Endpoint, grpc: &Endpoint| {
        let mut v = Vec::new();
        if pred(http) {
            v.push(TritonProtocol::Http);
        }
        if pred(grpc) {
            v.push(TritonProtocol::Grpc);
        }
        v
    };
    let reachable = protocols(&|e| e.listening, &http, &grpc);
    let exposed = protocols(&|e| !e.exposed.is_empty(), &http, &grpc);
    let repo_api_open: Vec<TritonProtocol> = [
        (TritonProtocol::Http, &http_open),
        (TritonProtocol::Grpc, &grpc_open),
    ]
    .into_iter()
    .filter(|(_, open)| open.contains(&TritonAdminApi::ModelRepository))
    .map(|(p, _)| p)
    .collect();
    let repo_api_exposed: Vec<TritonProtocol> = repo_api_open
        .iter()
        .copied()
        .filter(|p| exposed.contains(p))
        .collect();
    let admin_exposed: Vec<TritonProtocol> = [
        (TritonProtocol::Http, &http_open),
        (TritonProtocol::Grpc, &grpc_open),
    ]
    .into_iter()
    .filter(|(p, open)| !open.is_empty() && exposed.contains(p))
    .map(|(p, _)| p)
    .collect();
    // The admin groups open on some exposed protocol, in the canonical order.
    let admin_open_exposed: Vec<TritonAdminApi> = ADMIN_GROUPS
        .iter()
        .copied()
        .filter(|g| {
            (!http.exposed.is_empty() && http_open.contains(g))
                || (!grpc.exposed.is_empty() && grpc_open.contains(g))
        })
        .collect();
    // How the given endpoints are reachable from other hosts, in words, each way once, in
    // the order HTTP, gRPC, metrics.
    let how_of = |protocols: &[TritonProtocol], with_metrics: bool| -> String {
        let mut how: Vec<&str> = Vec::new();
        for (wanted, e) in [
            (protocols.contains(&TritonProtocol::Http), &http),
            (protocols.contains(&TritonProtocol::Grpc), &grpc),
            (with_metrics, &metrics),
        ] {
            if wanted {
                for h in &e.how {
                    if !how.contains(&h.as_str()) {
                        how.push(h);
                    }
                }
            }
        }
        how.join(", ")
    };

    let image = s.image.as_ref();
    let official = image.is_some_and(|i| {
        i.registry.as_deref() == Some("nvcr.io") && i.repository == "nvidia/tritonserver"
    });
    let version = image.and_then(|i| i.tag.as_deref()).and_then(ngc_version);
    let repositories: Vec<String> = inv
        .into_iter()
        .flat_map(|i| i.all("model-repository").chain(i.all("model-store")))
        .map(|f| f.value.clone())
        .collect();
    TritonFacts {
        invoked: inv.is_some(),
        command: inv.map(|i| i.text.clone()),
        official_image: official,
        version: version.as_ref().map(|v| v.0.clone()),
        version_num: version.as_ref().map(|v| v.1),
        model_control_mode: mode,
        model_control_mode_set: mode_flag.is_some(),
        model_repositories: repositories,
        http_enabled: http.enabled,
        http_address: http.address.clone(),
        http_port: http.port,
        http_listening: http.listening,
        http_published: !http.published.is_empty(),
        http_exposed: !http.exposed.is_empty(),
        grpc_enabled: grpc.enabled,
        grpc_address: grpc.address.clone(),
        grpc_port: grpc.port,
        grpc_listening: grpc.listening,
        grpc_published: !grpc.published.is_empty(),
        grpc_exposed: !grpc.exposed.is_empty(),
        metrics_enabled: metrics.enabled,
        metrics_address: metrics.address.clone(),
        metrics_port: metrics.port,
        metrics_listening: metrics.listening,
        metrics_published: !metrics.published.is_empty(),
        metrics_exposed: !metrics.exposed.is_empty(),
        http_restricted_api: http_restricted,
        grpc_restricted_protocol: grpc_restricted,
        exposed_how: how_of(&exposed, false),
        admin_how: how_of(&admin_exposed, false),
        model_repository_how: how_of(&repo_api_exposed, false),
        metrics_how: how_of(&[], true),
        http_open_admin_apis: http_open,
        grpc_open_admin_apis: grpc_open,
        reachable_protocols: reachable,
        exposed_protocols: exposed,
        model_repository_api_open: repo_api_open,
        model_repository_api_exposed: repo_api_exposed,
        admin_exposed_protocols: admin_exposed,
        admin_open_exposed,
    }
}

/// An endpoint's reachability: enabled on a non-loopback address, and which of the service's
/// published ports (or its host network, or an exposure declared elsewhere) reach it.
fn endpoint(s: &Service, enabled: bool, address: String, port: Option<u16>) -> Endpoint {
    let listening = enabled && !is_loopback(&address);
    let mut e = Endpoint {
        enabled,
        address,
        port,
        listening,
        published: Vec::new(),
        exposed: Vec::new(),
        how: Vec::new(),
    };
    if !listening {
        return e;
    }
    if let Some(port) = port {
        for p in s
            .ports
            .iter()
            .filter(|p| p.published && p.protocol == "tcp" && p.reaches(&port.to_string()))
        {
            e.published.push(p.span);
            if p.reachable_from_other_hosts() {
                e.exposed.push(p.span);
                e.how.push(format!(
                    "port {port} published on {} (`{}`)",
                    p.published_on(),
                    p.text
                ));
            }
        }
    }
    if s.host_network() {
        if let Some(m) = &s.network_mode {
            e.exposed.push(m.span);
        }
        e.how.push("`network_mode: host`".to_string());
    }
    for x in &s.exposures {
        e.exposed.push(x.span);
        e.how.push(x.value.clone());
    }
    e
}

/// The container port (or port range) of `p` includes `port`.
/// The words Docker runs: the entrypoint followed by the command (a shell-form entrypoint
/// ignores the command).
fn argv(s: &Service) -> Vec<Word> {
    let words = |c: &super::Command| -> Vec<Word> {
        c.args
            .iter()
            .map(|a| Word {
                text: a.value.clone(),
                span: a.span,
            })
            .collect()
    };
    let mut out = Vec::new();
    if let Some(e) = &s.entrypoint {
        out.extend(words(e));
        if e.shell_form {
            return out;
        }
    }
    if let Some(c) = &s.command {
        out.extend(words(c));
    }
    out
}

fn is_triton_program(word: &str) -> bool {
    word.rsplit('/').next() == Some("tritonserver")
}

fn is_operator(word: &str) -> bool {
    matches!(word, "&&" | "||" | ";" | "|" | "&" | ";;")
}

fn is_shell(word: &str) -> bool {
    matches!(
        word.rsplit('/').next().unwrap_or(word),
        "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh"
    )
}

fn find_invocation(s: &Service) -> Option<Invocation> {
    let args = argv(s);
    // Directly: `tritonserver --flag …` (exec form, a Compose string, a shell-form CMD).
    if let Some(i) = args.iter().position(|w| is_triton_program(&w.text)) {
        let end = args[i..]
            .iter()
            .position(|w| is_operator(&w.text) || w.text.ends_with(';'))
            .map_or(args.len(), |k| i + k);
        let mut words = args[i..end].to_vec();
        // `… --flag=x;` ends the command; the word itself still belongs to it.
        if let Some(w) = args
            .get(end)
            .filter(|w| w.text.ends_with(';') && w.text != ";")
        {
            let mut w = w.clone();
            w.text.pop();
            words.push(w);
        }
        return Some(parse_flags(&words));
    }
    // Inside a shell script: `sh -c "… tritonserver --flag …"`.
    for (k, w) in args.iter().enumerate() {
        if !w.text.contains("tritonserver") {
            continue;
        }
        let after_c = k >= 1
            && args[..k].iter().any(|a| is_shell(&a.text))
            && args[k - 1].text.starts_with('-')
            && args[k - 1].text.contains('c');
        if !after_c {
            continue;
        }
        if let Some(inv) = from_script(w) {
            return Some(inv);
        }
    }
    None
}

/// The `tritonserver` command of a shell script held in one word. Word spans point into the
/// script when the word is written verbatim (bare or in simple quotes), else at the whole word.
fn from_script(w: &Word) -> Option<Invocation> {
    let len = w.text.len();
    let offset = if w.span.len() == len {
        Some(w.span.start)
    } else if w.span.len() == len + 2 {
        Some(w.span.start + 1)
    } else {
        None
    };
    for cmd in super::shell::commands(&w.text) {
        let Some(i) = cmd.words.iter().position(|x| is_triton_program(&x.text)) else {
            continue;
        };
        let words: Vec<Word> = cmd.words[i..]
            .iter()
            .map(|x| Word {
                text: x.text.clone(),
                span: match offset {
                    Some(o) => Span::new(o + x.range.start, o + x.range.end),
                    None => w.span,
                },
            })
            .collect();
        return Some(parse_flags(&words));
    }
    None
}

/// A long option by its full name or an unambiguous prefix, as getopt_long resolves it.
fn resolve(name: &str) -> Option<(&'static str, bool)> {
    if let Some(o) = OPTIONS.iter().find(|(o, _)| *o == name) {
        return Some(*o);
    }
    let mut found = OPTIONS.iter().filter(|(o, _)| o.starts_with(name));
    match (found.next(), found.next()) {
        (Some(o), None) if !name.is_empty() => Some(*o),
        _ => None,
    }
}

fn parse_flags(words: &[Word]) -> Invocation {
    let program = words[0].span;
    let span = words.iter().fold(program, |acc, w| acc.cover(w.span));
    let text = words
        .iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let mut flags = Vec::new();
    let mut i = 1;
    while i < words.len() {
        let w = &words[i];
        i += 1;
        if w.text == "--" {
            break;
        }
        let Some(body) = w.text.strip_prefix("--") else {
            continue;
        };
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let Some((name, takes_arg)) = resolve(name) else {
            continue;
        };
        let mut span = w.span;
        let raw = if !takes_arg {
            String::new()
        } else if let Some(v) = inline {
            v
        } else if let Some(next) = words.get(i) {
            i += 1;
            span = span.cover(next.span);
            next.text.clone()
        } else {
            String::new()
        };
        let value = super::interpolate::defaults_only(&raw);
        flags.push(Flag {
            name,
            value: value.text,
            unresolved: value.unresolved,
            span,
        });
    }
    Invocation {
        program,
        span,
        text,
        flags,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::nodes::{file_facts, service_nodes};

    fn compose_nodes(src: &str) -> Vec<Node> {
        let doc = crate::parse::yaml::parse_documents(src).unwrap();
        let (mut services, problems) = crate::model::compose::services_from_compose(src, &doc[0]);
        assert!(problems.is_empty(), "{problems:?}");
        let facts = file_facts("compose.yaml", "compose");
        let mut out = Vec::new();
        for s in &mut services {
            s.component = crate::model::component::identify(
                s.image.as_ref(),
                s.command.as_ref(),
                s.entrypoint.as_ref(),
            );
            service_nodes(
                s,
                0,
                &facts,
                &crate::model::related::Related::default().joiner(),
                &mut out,
            );
        }
        out.into_iter()
            .filter(|n| n.kind == NodeKind::Triton)
            .collect()
    }

    fn dockerfile_nodes(src: &str) -> Vec<Node> {
        crate::model::nodes::dockerfile_file_nodes(src)
            .into_iter()
            .filter(|n| n.kind == NodeKind::Triton)
            .collect()
    }

    use crate::rules::eval::eval_on_node as eval;

    fn at<'a>(src: &'a str, n: &Node, key: &str) -> Vec<&'a str> {
        n.spans.get(key).map(|s| &src[s.start..s.end]).collect()
    }

    #[test]
    fn flags_in_both_spellings_and_prefixes() {
        let src = "services:\n  t:\n    image: nvcr.io/nvidia/tritonserver:24.05-py3\n    command: tritonserver --model-repository=/models --model-control explicit --http-port=9000 --allow-grpc false\n    ports: [\"9000:9000\", \"127.0.0.1:8002:8002\"]\n";
        let n = &compose_nodes(src)[0];
        assert_eq!(eval(n, "triton.model_control_mode"), "explicit");
        assert_eq!(
            at(src, n, "triton.model_control_mode"),
            ["--model-control explicit"]
        );
        assert_eq!(eval(n, "triton.http_port"), "9000");
        assert_eq!(eval(n, "triton.grpc_enabled"), "false");
        assert_eq!(eval(n, "triton.http_exposed"), "true");
        assert_eq!(eval(n, "triton.metrics_published"), "true");
        assert_eq!(eval(n, "triton.metrics_exposed"), "false");
        assert_eq!(eval(n, "triton.reachable_protocols"), "HTTP");
        assert_eq!(eval(n, "triton.version"), "24.05");
        assert_eq!(eval(n, "triton.version_num"), "2405");
        assert_eq!(at(src, n, "triton.http_exposed_ports"), ["\"9000:9000\""]);
        // Defaults point at the image line.
        assert_eq!(
            at(src, n, "triton.http_restricted_api"),
            ["nvcr.io/nvidia/tritonserver:24.05-py3"]
        );
        assert_eq!(eval(n, "triton.model_repositories"), "/models");
    }

    #[test]
    fn restricted_groups_and_addresses() {
        let src = "services:\n  t:\n    image: nvcr.io/nvidia/tritonserver:25.08-py3\n    command: [\"tritonserver\", \"--model-repository=/m\", \"--http-restricted-api=model-repository,model-config:admin-key=${KEY}\", \"--http-restricted-api\", \"shared-memory,statistics,trace,logging:k=v\", \"--grpc-address=127.0.0.1\"]\n    ports: [\"8000-8002:8000-8002\"]\n";
        let n = &compose_nodes(src)[0];
        assert_eq!(eval(n, "size(triton.http_open_admin_apis)"), "0");
        assert_eq!(
            eval(n, "triton.http_restricted_api"),
            "model-repository, model-config, shared-memory, statistics, trace, logging"
        );
        assert_eq!(eval(n, "triton.grpc_listening"), "false");
        assert_eq!(eval(n, "triton.grpc_open_admin_apis"), "");
        assert_eq!(eval(n, "triton.metrics_exposed"), "true");
        assert_eq!(at(src, n, "triton.http_restricted_api").len(), 2);
        assert_eq!(
            at(src, n, "triton.http_restricted_api")[1],
            "--http-restricted-api\", \"shared-memory,statistics,trace,logging:k=v"
        );
    }

    #[test]
    fn shell_wrapped_and_entrypoint_plus_command() {
        let src = "services:\n  a:\n    image: nvcr.io/nvidia/tritonserver:24.05-py3\n    command: [\"bash\", \"-c\", \"pip install x && exec tritonserver --model-repository /m --model-control-mode=poll\"]\n  b:\n    image: my/triton\n    entrypoint: [\"/opt/tritonserver/bin/tritonserver\"]\n    command: [\"--model-control-mode\", \"explicit\"]\n  c:\n    image: nvcr.io/nvidia/tritonserver:24.05-py3-sdk\n  d:\n    image: nvcr.io/nvidia/tritonserver:24.05-py3\n    command: [\"python3\", \"serve.py\"]\n  e:\n    image: nvcr.io/nvidia/tritonserver:24.05-py3\n";
        let nodes = compose_nodes(src);
        let names: Vec<String> = nodes.iter().map(|n| eval(n, "service.name")).collect();
        assert_eq!(names, ["a", "b", "e"]);
        assert_eq!(eval(&nodes[0], "triton.model_control_mode"), "poll");
        assert_eq!(
            at(src, &nodes[0], "triton.model_control_mode"),
            ["--model-control-mode=poll"]
        );
        assert_eq!(eval(&nodes[1], "triton.model_control_mode"), "explicit");
        assert_eq!(eval(&nodes[2], "triton.invoked"), "false");
        assert_eq!(eval(&nodes[2], "triton.model_control_mode"), "none");
    }

    #[test]
    fn host_network_exposes_every_listener() {
        let src = "services:\n  t:\n    image: nvcr.io/nvidia/tritonserver:24.05-py3\n    network_mode: host\n    command: tritonserver --model-repository=/m --metrics-address=127.0.0.1\n";
        let n = &compose_nodes(src)[0];
        assert_eq!(eval(n, "triton.exposed_protocols"), "HTTP, gRPC");
        assert_eq!(eval(n, "triton.metrics_exposed"), "false");
        assert_eq!(eval(n, "triton.exposed_how"), "`network_mode: host`");
    }

    #[test]
    fn dockerfile_cmd_and_variants() {
        let src = "FROM nvcr.io/nvidia/tritonserver:24.05-py3\nCMD tritonserver --model-repository=/models --model-control-mode=explicit\n";
        let n = &dockerfile_nodes(src)[0];
        assert_eq!(eval(n, "triton.model_control_mode"), "explicit");
        assert_eq!(
            at(src, n, "triton.model_control_mode"),
            ["--model-control-mode=explicit"]
        );
        assert_eq!(eval(n, "triton.official_image"), "true");
        assert!(
            dockerfile_nodes("FROM nvcr.io/nvidia/tritonserver:26.07-py3-min\nRUN x\n").is_empty()
        );
        assert!(dockerfile_nodes("FROM ubuntu:24.04\nCMD [\"python3\"]\n").is_empty());
    }

    #[test]
    fn versions() {
        assert_eq!(ngc_version("24.05-py3"), Some(("24.05".into(), 2405)));
        assert_eq!(ngc_version("r25.10"), Some(("25.10".into(), 2510)));
        assert_eq!(ngc_version("2.45.0"), None);
        assert_eq!(ngc_version("latest"), None);
        assert_eq!(ngc_version("24.123"), None);
        assert_eq!(ngc_version("24.13-py3"), None);
    }

    #[test]
    fn option_prefixes_resolve_like_getopt() {
        assert_eq!(
            resolve("model-control").map(|o| o.0),
            Some("model-control-mode")
        );
        assert_eq!(resolve("allow"), None);
        assert_eq!(
            resolve("http-restricted"),
            Some(("http-restricted-api", true))
        );
        assert_eq!(resolve(""), None);
    }
}
