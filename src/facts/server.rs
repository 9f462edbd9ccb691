//! `server`: the block every component that serves a network API fills the same way: where
//! it listens, how other hosts reach it, whether it authenticates, what it runs. "Exposed
//! without authentication" is one rule over this block for every component and format; a
//! component's own facts (`ollama`, `redis`, ...) say the rest.

use crate::model::component::Component;
use crate::model::nodes::{Node, NodeKind, ServiceCtx};
use crate::model::{Port, Service};
use crate::source::Span;
use schemars::JsonSchema;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ServerFacts {
    /// The component.
    pub component: Component,
    /// Its name as its project writes it (`Ollama`, `Redis`, `ChromaDB`), for messages.
    pub title: String,
    /// Where it listens.
    pub listen: ListenFacts,
    /// Other hosts can connect: it listens beyond loopback and some path below reaches it.
    pub reachable: bool,
    /// Every path by which other hosts reach its API (empty when none, or when it listens on
    /// loopback only).
    pub reach: Vec<ReachFacts>,
    /// The paths as one phrase (`port \`11434:11434\` published on all interfaces, NodePort
    /// Service \`x\``), for messages; `''` when not reachable.
    pub reach_text: String,
    /// Some path reaches it from any network: a port on every interface, the host's network,
    /// or a path from outside a cluster (NodePort, LoadBalancer, Ingress).
    pub reach_every_interface: bool,
    /// Whether a client must authenticate.
    pub auth: Auth,
    /// Why it does not authenticate, or what authenticates it, as a phrase for messages
    /// (`Ollama has no authentication of its own`, `no password is set (requirepass, ACL)`).
    pub auth_reason: String,
    /// What anyone who reaches it unauthenticated can do, for messages.
    pub impact: String,
    /// How to turn authentication on, in the component's terms, for help texts.
    pub auth_fix: String,
    /// The component's own references (its security documentation, advisories).
    pub references: Vec<String>,
    /// That includes running code on the host or cluster (Redis `MODULE LOAD` and `CONFIG
    /// SET`, a notebook, a workflow tool): reachable without authentication is critical.
    pub code_execution: bool,
    /// The version, as the component's scheme reads the image tag; `null` when not known.
    pub version: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ListenFacts {
    /// The address it listens on; `null` when not known (a setting from a variable, an env
    /// file moat could not read, an image whose default is not known).
    pub address: Option<String>,
    /// The port of its API.
    pub port: String,
    /// Where the listen setting comes from (`OLLAMA_HOST in environment`, `the default of the
    /// image \`ollama/ollama\``), for messages.
    pub from: String,
    /// It listens on an address other hosts can reach (not loopback), as far as moat knows.
    pub beyond_loopback: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReachFacts {
    /// What kind of path it is.
    pub how: ReachKind,
    /// The path as messages name it (`port \`6379:6379\` published on all interfaces`).
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ReachKind {
    /// A Compose `ports:` entry (or `hostPort`) published beyond loopback.
    PublishedPort,
    /// The service shares the host's network namespace.
    HostNetwork,
    /// A path from outside a cluster: a NodePort or LoadBalancer Service, an Ingress,
    /// `externalIPs`.
    Cluster,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Auth {
    /// Clients must authenticate.
    Required,
    /// Any client that reaches it is served.
    NotRequired,
    /// moat cannot tell (a file it could not read may configure it).
    Unknown,
}

/// Span keys a `server` rule may name.
pub const SPAN_KEYS: &[&str] = &[
    "server",
    "server.reach",
    "server.listen",
    "server.auth",
    "service",
    "service.image",
];

/// How a listener on `api_port` of `service` is reached from other hosts: published ports
/// that send traffic to it, the host's network, a cluster's exposure paths. The one place
/// every component asks. `beyond_loopback`: the listener is not on loopback (else nothing
/// reaches it, whatever is published).
pub struct Reach<'a> {
    pub paths: Vec<ReachFacts>,
    pub ports: Vec<&'a Port>,
    pub spans: Vec<Span>,
    pub every_interface: bool,
}

impl Reach<'_> {
    pub fn reachable(&self) -> bool {
        !self.paths.is_empty()
    }

    pub fn text(&self) -> String {
        self.paths
            .iter()
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub fn reach<'a>(service: &'a Service, api_port: &str, beyond_loopback: bool) -> Reach<'a> {
    let mut r = Reach {
        paths: Vec::new(),
        ports: Vec::new(),
        spans: Vec::new(),
        every_interface: false,
    };
    if !beyond_loopback {
        return r;
    }
    if service.host_network() {
        r.paths.push(ReachFacts {
            how: ReachKind::HostNetwork,
            text: format!("port {api_port} on the host's network"),
        });
        r.spans
            .extend(service.network_mode.as_ref().map(|m| m.span));
        r.every_interface = true;
    }
    for p in service
        .ports
        .iter()
        .filter(|p| p.reachable_from_other_hosts() && p.reaches(api_port))
    {
        r.paths.push(ReachFacts {
            how: ReachKind::PublishedPort,
            text: format!("port `{}` published on {}", p.text, p.published_on()),
        });
        r.spans.push(p.span);
        r.every_interface |= p.on_every_interface();
        r.ports.push(p);
    }
    for e in &service.exposures {
        r.paths.push(ReachFacts {
            how: ReachKind::Cluster,
            text: e.value.clone(),
        });
        r.spans.push(e.span);
        r.every_interface = true;
    }
    r
}

/// The `server` node of one component instance: the block, with the spans a finding points
/// at (the first reach path; the listen setting; where authentication is or is not set).
pub fn node(
    ctx: &ServiceCtx,
    facts: &ServerFacts,
    reach: &Reach,
    listen_span: Option<Span>,
    auth_span: Option<Span>,
    anchor: Span,
) -> Node {
    let mut n = ctx.node(NodeKind::Server);
    n.vars.push((
        "server",
        crate::model::nodes::fact(crate::model::nodes::to_json(facts)),
    ));
    n.span("server", anchor);
    for s in &reach.spans {
        n.span("server.reach", *s);
    }
    n.opt_span("server.listen", listen_span);
    n.opt_span("server.auth", auth_span);
    n
}
