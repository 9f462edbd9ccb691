//! The normalized model that rules query. Its centre is the service: a Compose service or a
//! Dockerfile's final stage. Parsers fill these structs; `nodes.rs` turns them into the
//! JSON-shaped facts (with a span per fact) that CEL conditions read.

pub mod address;
pub mod chromadb;
pub mod commands;
pub mod component;
pub mod compose;
pub mod dockerfile;
pub mod envfile;
pub mod gpu_operator;
pub mod helm;
pub mod image;
pub mod interpolate;
pub mod kubernetes;
pub mod nodes;
pub mod nvidia;
pub mod ollama;
pub mod packages;
pub mod redis;
pub mod related;
pub mod runtime;
pub mod secrets;
pub mod shell;
pub mod shellwords;
pub mod systemd;
pub mod triton;
pub mod version;

use crate::source::Span;
use serde::Serialize;

/// A value with the span of the text that set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    Compose,
    Dockerfile,
    Kubernetes,
    Helm,
    /// A standalone settings file (redis.conf, an env file, a systemd unit) not tied to a
    /// service in the files we read.
    File,
}

/// A parsed image reference, e.g. `ghcr.io/chroma-core/chroma:0.5.7@sha256:...`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageRef {
    /// The text as written (before interpolation).
    pub raw: String,
    /// After `${VAR:-default}` interpolation where defaults exist.
    pub text: String,
    /// Span of the reference text (inside quotes when quoted); for Helm values split into
    /// `registry`/`repository`/`tag`, the tag (what pinning rules point at).
    pub span: Span,
    /// Where the registry and repository are written, when apart from `span` (Helm values).
    pub name_span: Option<Span>,
    /// `None` means Docker Hub.
    pub registry: Option<String>,
    /// With `library/` implied for official Docker Hub images removed: `redis`, `ollama/ollama`.
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
    /// A variable without a default remains: registry, repository or tag are not known.
    pub unresolved: bool,
    /// Where the tag came from when the reference itself does not say it (`Chart.yaml
    /// appVersion` for a Helm image with an empty tag).
    pub tag_from: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    /// The whole entry as written (`"127.0.0.1:8080:80/tcp"` or the long-syntax mapping).
    pub span: Span,
    /// Span of the short-syntax string's content (no quotes), where a fix may rewrite it.
    pub edit_span: Option<Span>,
    pub text: String,
    pub host_ip: Option<String>,
    pub host_port: Option<String>,
    pub container_port: String,
    pub protocol: String,
    /// Published on the host (a Compose `ports:` entry with or without a host port);
    /// false for Dockerfile `EXPOSE` and Compose `expose:`.
    pub published: bool,
}

impl Port {
    /// Where the port is published: no host address is every interface.
    pub fn scope(&self) -> address::HostScope {
        address::scope(self.host_ip.as_deref().unwrap_or(""))
    }

    /// Published so that other hosts can connect: on every interface, or on a private or
    /// public address. A variable without a default is not known to be either.
    pub fn reachable_from_other_hosts(&self) -> bool {
        self.published && self.scope().beyond_loopback()
    }

    /// Published on every interface of the host (no address, `0.0.0.0`, `::`).
    pub fn on_every_interface(&self) -> bool {
        self.published && self.scope() == address::HostScope::Every
    }

    /// "all interfaces", "the private address 10.0.0.5", ...
    pub fn published_on(&self) -> String {
        address::describe(self.host_ip.as_deref())
    }

    /// The mapping sends traffic to `container_port` (a range covers it; a port left to a
    /// variable may be any).
    pub fn reaches(&self, container_port: &str) -> bool {
        let c = self.container_port.as_str();
        match c.split_once('-') {
            Some((a, b)) => match (
                a.parse::<u32>(),
                b.parse::<u32>(),
                container_port.parse::<u32>(),
            ) {
                (Ok(a), Ok(b), Ok(x)) => a <= x && x <= b,
                _ => true,
            },
            None => c == container_port || c.parse::<u32>().is_err(),
        }
    }
}

/// A listen address that only this host can reach. Host names and unresolved variables are
/// not: a server told to listen on `ollama:11434` listens on that container's address.
pub fn is_loopback(address: &str) -> bool {
    address::scope(address) == address::HostScope::Loopback
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EnvSource {
    /// Compose `environment:` list entry `KEY=VALUE` or map entry `KEY: VALUE`.
    Compose,
    /// Dockerfile `ENV`.
    Env,
    /// Dockerfile `ARG` with a default.
    Arg,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    pub name: String,
    pub name_span: Span,
    /// `None` when the entry passes the variable through from the host (`- KEY`, `KEY:`).
    pub value: Option<String>,
    /// Span of the value's text (inside quotes), when there is one and a fix may replace it
    /// with a `${VAR}` reference (not a plain scalar inside a flow collection).
    pub value_span: Option<Span>,
    /// The whole entry.
    pub span: Span,
    pub source: EnvSource,
    /// Where a YAML merge (`<<: *common-env`) or alias brings the entry into this service,
    /// when it is written elsewhere (the anchor, which `name_span` then points at).
    pub merged_at: Option<Span>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MountKind {
    Bind,
    Volume,
    Tmpfs,
    Npipe,
    Cluster,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub span: Span,
    pub kind: MountKind,
    /// Host path for binds (as written, `~`, `./` and variables kept), volume name, or none.
    pub source: Option<String>,
    pub source_span: Option<Span>,
    pub target: String,
    pub read_only: bool,
    /// `rshared`, `shared`, `slave`, ... when set.
    pub propagation: Option<String>,
    /// A volume that holds another service's runtime socket (the `/var/run` of a
    /// docker-in-docker service): that service's name.
    pub daemon_of: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub span: Span,
    /// Arguments: the list form's items, or the string form split like a shell would.
    pub args: Vec<Spanned<String>>,
    pub shell_form: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Healthcheck {
    pub span: Span,
    /// `disable: true`, `test: ["NONE"]` or Dockerfile `HEALTHCHECK NONE`.
    pub disabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Service {
    pub name: String,
    /// The service key in Compose, the `FROM` instruction of a Dockerfile's final stage.
    pub span: Span,
    pub origin: Option<Origin>,
    pub image: Option<ImageRef>,
    /// Compose `build:` context (and dockerfile) when present.
    pub build: Option<Spanned<String>>,
    pub ports: Vec<Port>,
    pub env: Vec<EnvVar>,
    pub env_files: Vec<Spanned<String>>,
    pub command: Option<Command>,
    pub entrypoint: Option<Command>,
    pub user: Option<Spanned<String>>,
    pub privileged: Option<Spanned<bool>>,
    pub cap_add: Vec<Spanned<String>>,
    pub cap_drop: Vec<Spanned<String>>,
    pub security_opt: Vec<Spanned<String>>,
    pub network_mode: Option<Spanned<String>>,
    pub pid: Option<Spanned<String>>,
    pub ipc: Option<Spanned<String>>,
    pub uts: Option<Spanned<String>>,
    pub userns_mode: Option<Spanned<String>>,
    pub mounts: Vec<Mount>,
    pub devices: Vec<Spanned<String>>,
    pub read_only: Option<Spanned<bool>>,
    pub tmpfs: Vec<Spanned<String>>,
    /// `mem_limit`, or `deploy.resources.limits.memory`.
    pub mem_limit: Option<Spanned<String>>,
    pub pids_limit: Option<Spanned<String>>,
    pub healthcheck: Option<Healthcheck>,
    pub secrets: Vec<Spanned<String>>,
    pub restart: Option<Spanned<String>>,
    pub profiles: Vec<String>,
    pub extends: Option<Spanned<String>>,
    /// What the service runs, recognised from its image and command.
    pub component: Option<component::Component>,
    /// Other ways the service is reachable from outside, with where they are declared: a
    /// Kubernetes Service of type LoadBalancer/NodePort, an Ingress, `hostNetwork`.
    pub exposures: Vec<Spanned<String>>,
    /// Kubernetes: `securityContext.allowPrivilegeEscalation` in effect.
    pub allow_privilege_escalation: Option<Spanned<bool>>,
    /// Kubernetes: `securityContext.runAsNonRoot` in effect.
    pub run_as_non_root: Option<Spanned<bool>>,
    /// Path of the file the service is declared in, for reading related files (env_file,
    /// mounted configuration) relative to it.
    pub declared_in: Option<std::path::PathBuf>,
    /// A partial declaration that something else completes (a Kustomize patch, a container
    /// without an image): what it sets is judged, what it leaves out says nothing.
    pub fragment: bool,
}

impl Service {
    /// Reachable from other hosts: a port published on a non-loopback address, or the host's
    /// network namespace (every listening port is then on the host's interfaces).
    pub fn exposed(&self) -> bool {
        self.ports.iter().any(Port::reachable_from_other_hosts)
            || self.host_network()
            || !self.exposures.is_empty()
    }

    pub fn host_network(&self) -> bool {
        self.network_mode
            .as_ref()
            .is_some_and(|m| m.value == "host")
    }
}
