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
    /// What the setting at `server.auth` says, as a label there (`no password is set here
    /// (nothing sets \`requirepass\`)`); `''` when the reason says it all.
    pub auth_note: String,
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

/// How a listener on one of `api_ports` of `service` is reached from other hosts, if it
/// listens beyond loopback: published ports that send traffic to it, the host's network, a
/// cluster's exposure paths. The one place every component asks.
pub struct Reach<'a> {
    pub paths: Vec<ReachFacts>,
    /// The published ports among the paths.
    pub ports: Vec<&'a Port>,
    /// Where each path is declared, in the order of `paths`.
    pub spans: Vec<Span>,
    /// Some path reaches it from any network (see `ServerFacts::reach_every_interface`).
    pub every_interface: bool,
}

impl Reach<'_> {
    /// Nothing reaches it (a settings file on its own is not a service anything publishes).
    pub fn none() -> Self {
        Reach {
            paths: Vec::new(),
            ports: Vec::new(),
            spans: Vec::new(),
            every_interface: false,
        }
    }

    pub fn any(&self) -> bool {
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

pub fn reach<'a>(service: &'a Service, api_ports: &[&str]) -> Reach<'a> {
    let mut r = Reach::none();
    let host_network = service
        .network_mode
        .as_ref()
        .filter(|_| service.host_network());
    // Kubernetes and Helm name `hostNetwork` among their exposures, at the same place.
    let named_as_exposure =
        host_network.is_some_and(|m| service.exposures.iter().any(|e| e.span == m.span));
    if let Some(m) = host_network.filter(|_| !named_as_exposure) {
        r.paths.push(ReachFacts {
            how: ReachKind::HostNetwork,
            text: "the host's network (`network_mode: host`)".into(),
        });
        r.spans.push(m.span);
        r.every_interface = true;
    }
    for p in service
        .ports
        .iter()
        .filter(|p| p.reachable_from_other_hosts() && api_ports.iter().any(|port| p.reaches(port)))
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
        let how = match host_network {
            Some(m) if m.span == e.span => ReachKind::HostNetwork,
            _ => ReachKind::Cluster,
        };
        r.paths.push(ReachFacts {
            how,
            text: e.value.clone(),
        });
        r.spans.push(e.span);
        r.every_interface = true;
    }
    r
}

/// What a component says about its server; `node` makes the shared block of it.
pub struct Server<'a> {
    pub component: Component,
    pub listen: ListenFacts,
    pub listen_span: Option<Span>,
    pub reach: &'a Reach<'a>,
    pub auth: Auth,
    pub auth_reason: String,
    pub auth_note: String,
    pub auth_span: Option<Span>,
    pub version: Option<String>,
    /// Where the server is declared (the service, the settings file's first setting).
    pub anchor: Span,
}

/// The `server` node of one component instance: the block, with the spans a finding points
/// at (each reach path; the listen setting; where authentication is or is not set).
pub fn node(ctx: &ServiceCtx, server: Server) -> Node {
    let profile = server.component.profile();
    let reachable = server.listen.beyond_loopback && server.reach.any();
    let facts = ServerFacts {
        component: server.component,
        title: profile.title.to_string(),
        reachable,
        reach: if reachable {
            server.reach.paths.clone()
        } else {
            Vec::new()
        },
        reach_text: if reachable {
            server.reach.text()
        } else {
            String::new()
        },
        reach_every_interface: reachable && server.reach.every_interface,
        listen: server.listen,
        auth: server.auth,
        auth_reason: server.auth_reason,
        auth_note: server.auth_note,
        impact: profile.impact.to_string(),
        auth_fix: profile.auth_fix.to_string(),
        references: profile.references.iter().map(|r| r.to_string()).collect(),
        code_execution: profile.code_execution,
        version: server.version,
    };
    let mut n = ctx.node(NodeKind::Server);
    n.vars.push((
        "server",
        crate::model::nodes::fact(crate::model::nodes::to_json(&facts)),
    ));
    n.span("server", server.anchor);
    if reachable {
        for s in &server.reach.spans {
            n.span("server.reach", *s);
        }
    }
    // One label per place: where the listen setting is also where authentication is decided
    // (a mounted redis.conf), the authentication label says it.
    n.opt_span(
        "server.listen",
        server.listen_span.filter(|s| Some(*s) != server.auth_span),
    );
    n.opt_span("server.auth", server.auth_span);
    n
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;
    use crate::Input;

    /// The server blocks moat builds for one file: (component, auth, reachable).
    fn servers(name: &str, text: &str) -> Vec<(String, String, bool)> {
        let input = Input::Text {
            name: name.into(),
            text: text.as_bytes().to_vec(),
        };
        let facts = crate::facts::dump::dump(&Settings::default(), input).unwrap();
        facts["files"][0]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "server")
            .map(|n| {
                let s = &n["vars"]["server"];
                (
                    s["component"].as_str().unwrap().to_string(),
                    s["auth"].as_str().unwrap().to_string(),
                    s["reachable"].as_bool().unwrap(),
                )
            })
            .collect()
    }

    fn pod(container: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p, labels: {{a: b}}}}\nspec:\n  containers: [{container}]\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: s}}\nspec: {{type: NodePort, selector: {{a: b}}}}\n"
        )
    }

    /// Redis on Kubernetes is judged by the Redis model, as on Compose: a password, a config
    /// file moat cannot see, a shell command, Bitnami's refusal to start without a password,
    /// and an `envFrom` it cannot read each change the answer.
    #[test]
    fn redis_authentication_in_a_pod() {
        let auth = |c: &str| servers("pod.yaml", &pod(c)).remove(0);
        let open = ("redis".to_string(), "not-required".to_string(), true);
        assert_eq!(auth("{name: r, image: 'redis:7.4'}"), open);
        assert_eq!(
            auth("{name: r, image: 'redis:7.4', args: ['--requirepass', '$(PW)']}").1,
            "required"
        );
        assert_eq!(
            auth("{name: r, image: 'redis:7.4', args: ['--protected-mode', 'yes']}").1,
            "required"
        );
        // One argument with the name and its value, as Bitnami's `extraFlags` often are:
        // Redis reads it as the directive.
        assert_eq!(
            auth("{name: r, image: 'redis:7.4', args: ['--protected-mode yes']}").1,
            "required"
        );
        assert_eq!(
            auth("{name: r, image: 'bitnami/redis:7.2', env: [{name: ALLOW_EMPTY_PASSWORD, value: 'yes'}]}"),
            open
        );
        assert_eq!(auth("{name: r, image: 'bitnami/redis:7.2'}").1, "required");
    }

    #[test]
    fn every_component_fills_the_block_on_every_format() {
        let compose = "services:\n  o:\n    image: ollama/ollama:0.6.8\n    ports: ['11434:11434']\n  c:\n    image: chromadb/chroma:1.0.12\n    ports: ['127.0.0.1:8000:8000']\n";
        assert_eq!(
            servers("compose.yaml", compose),
            [
                ("ollama".into(), "not-required".into(), true),
                ("chromadb".into(), "not-required".into(), false),
            ]
        );
        let ollama = servers("pod.yaml", &pod("{name: o, image: 'ollama/ollama:0.6.8'}"));
        assert_eq!(ollama, [("ollama".into(), "not-required".into(), true)]);
        // An init container that pulls a model from another server serves nothing.
        let client = "services:\n  pull:\n    image: ollama/ollama:0.6.8\n    entrypoint: [sh, -c, 'ollama pull llama3']\n";
        assert!(servers("compose.yaml", client).is_empty());
    }
}
