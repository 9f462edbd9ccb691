//! Model → rule nodes: each node is a set of JSON-shaped facts (the CEL variables) and the
//! span of every fact a diagnostic may point at. This is the one contract between the model
//! and the rule files; `NodeKind::vars` and `NodeKind::span_keys` are what the rule loader
//! checks conditions and `at` keys against.

use super::commands;
use super::envfile::Setting;
use super::interpolate::Expansion;
use super::related::Joiner;
use super::runtime;
use super::secrets;
use super::shell;
use super::{EnvSource, EnvVar, ImageRef, Mount, Port, Service};
use crate::parse::dockerfile::{Dockerfile, Form, Instruction};

use crate::classify::FileKind;
use crate::facts;
use crate::source::Span;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    Service,
    Port,
    Env,
    Mount,
    Image,
    Instruction,
    Command,
    Redis,
    Ollama,
    Chromadb,
    Triton,
    Toolkit,
    /// Helm values: one per workload block, with the chart's own settings.
    Chart,
    /// One per image reference or pinned package (a component occurrence), with its version
    /// and the advisories that apply (`model::packages`).
    Component,
    /// One per component instance that serves a network API: the shared server block
    /// (`facts::server`).
    Server,
}

impl NodeKind {
    pub const ALL: [NodeKind; 15] = [
        NodeKind::Service,
        NodeKind::Port,
        NodeKind::Env,
        NodeKind::Mount,
        NodeKind::Image,
        NodeKind::Instruction,
        NodeKind::Command,
        NodeKind::Redis,
        NodeKind::Ollama,
        NodeKind::Chromadb,
        NodeKind::Triton,
        NodeKind::Toolkit,
        NodeKind::Chart,
        NodeKind::Component,
        NodeKind::Server,
    ];

    pub fn name(self) -> &'static str {
        match self {
            NodeKind::Service => "service",
            NodeKind::Port => "port",
            NodeKind::Env => "env",
            NodeKind::Mount => "mount",
            NodeKind::Image => "image",
            NodeKind::Instruction => "instruction",
            NodeKind::Command => "command",
            NodeKind::Redis => "redis",
            NodeKind::Ollama => "ollama",
            NodeKind::Chromadb => "chromadb",
            NodeKind::Triton => "triton",
            NodeKind::Toolkit => "toolkit",
            NodeKind::Chart => "chart",
            NodeKind::Component => "component",
            NodeKind::Server => "server",
        }
    }

    /// What one node of this kind stands for, for the facts reference.
    pub fn description(self) -> &'static str {
        match self {
            NodeKind::Service => "One per service: a Compose service, a Kubernetes container, a Helm values workload block, a Dockerfile's final stage.",
            NodeKind::Port => "One per port a service publishes or exposes.",
            NodeKind::Env => "One per environment variable a service, a build stage or an env file sets.",
            NodeKind::Mount => "One per volume or bind mount of a service.",
            NodeKind::Image => "One per image a file pulls: a service's image, a Dockerfile `FROM`, `COPY --from=`, `RUN --mount=from=`.",
            NodeKind::Instruction => "One per Dockerfile instruction.",
            NodeKind::Command => "One per simple command of a `RUN` script.",
            NodeKind::Redis => "One per Redis (or Valkey) server: a service that runs it, or a redis.conf.",
            NodeKind::Ollama => "One per Ollama server: a service that runs it, or an env file or systemd unit that configures it.",
            NodeKind::Chromadb => "One per ChromaDB server.",
            NodeKind::Triton => "One per NVIDIA Triton Inference Server.",
            NodeKind::Toolkit => "One per NVIDIA Container Toolkit configuration (`config.toml`).",
            NodeKind::Chart => "One per workload block of a Helm chart's values, with what moat knows of the chart (`flavor` for the charts it knows).",
            NodeKind::Component => "One per component occurrence (an image or a pinned package) with its version and the advisories that apply.",
            NodeKind::Server => "One per component instance that serves a network API (Ollama, Redis, ChromaDB, ...): where it listens, how other hosts reach it, whether it authenticates.",
        }
    }

    pub fn parse(s: &str) -> Option<NodeKind> {
        NodeKind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// CEL variables this node provides.
    pub fn vars(self) -> &'static [&'static str] {
        match self {
            NodeKind::Service => &["service", "file"],
            NodeKind::Port => &["port", "service", "file"],
            NodeKind::Env => &["env", "service", "file"],
            NodeKind::Mount => &["mount", "service", "file"],
            NodeKind::Image => &["image", "file"],
            NodeKind::Instruction => &["instruction", "file"],
            NodeKind::Command => &["command", "instruction", "file"],
            NodeKind::Redis => &["redis", "service", "file"],
            NodeKind::Ollama => &["ollama", "service", "file"],
            NodeKind::Chromadb => &["chromadb", "service", "file"],
            NodeKind::Triton => &["triton", "service", "file"],
            NodeKind::Toolkit => &["toolkit", "file"],
            NodeKind::Chart => &["chart", "service", "file"],
            NodeKind::Component => &["component", "file"],
            NodeKind::Server => &["server", "service", "file"],
        }
    }

    /// Span keys a rule's `at`, labels and fix edits may name.
    pub fn span_keys(self) -> &'static [&'static str] {
        match self {
            NodeKind::Service => SERVICE_SPANS,
            NodeKind::Port => &["port", "port.value", "service", "service.image"],
            NodeKind::Env => &[
                "env",
                "env.name",
                "env.value",
                "env.merge_site",
                "service",
                "service.image",
            ],
            NodeKind::Mount => &["mount", "mount.source", "mount.place", "service"],
            NodeKind::Image => &["image", "image.name"],
            NodeKind::Instruction => &[
                "instruction",
                "instruction.keyword",
                "instruction.args",
                "instruction.remote_source",
                "instruction.secret_build_args",
            ],
            NodeKind::Command => &["command", "command.name", "instruction"],
            // Component nodes: each module owns its span keys.
            NodeKind::Redis => super::redis::SPAN_KEYS,
            NodeKind::Ollama => super::ollama::SPAN_KEYS,
            NodeKind::Chromadb => super::chromadb::SPAN_KEYS,
            NodeKind::Triton => super::triton::SPAN_KEYS,
            NodeKind::Toolkit => super::nvidia::SPAN_KEYS,
            NodeKind::Chart => super::helm::SPAN_KEYS,
            NodeKind::Component => super::packages::SPAN_KEYS,
            NodeKind::Server => crate::facts::server::SPAN_KEYS,
        }
    }

    /// The file kinds whose readers build nodes of this kind: a rule's `[applies-to] kinds`
    /// when the rule leaves it out. Kept to what the readers really build (the
    /// `produced_by_covers_every_reader` test reads a sample of each format): a kind listed
    /// here that builds no such node would make a defaulted rule demand an example it cannot
    /// have.
    ///
    /// - Services and their env entries and images: the four readers that see a process
    ///   start (Compose services, Kubernetes containers, Helm values workload blocks, a
    ///   Dockerfile's final stage; a Dockerfile's `FROM`s are images too). Ports and mounts:
    ///   those of them that say so.
    /// - Components: those four, each component module deciding on the service; plus
    ///   redis.conf for Redis, and standalone env files and systemd units for the servers
    ///   configured by environment alone (Ollama, ChromaDB). Triton is configured by its
    ///   command line, which only a service has.
    /// - `component` occurrences: the four (images, pinned packages); Kubernetes and Helm add
    ///   the GPU Operator's operand blocks.
    /// - The NVIDIA Container Toolkit is read from its `config.toml` only: GPU Operator values
    ///   give its image (a `component`), not its configuration.
    pub fn produced_by(self) -> &'static [FileKind] {
        use FileKind::*;
        const SERVICES: &[FileKind] = &[Compose, Kubernetes, HelmValues, Dockerfile];
        match self {
            NodeKind::Service
            | NodeKind::Env
            | NodeKind::Image
            | NodeKind::Triton
            | NodeKind::Component => SERVICES,
            // Helm values say which Service fronts a workload, not its container ports.
            NodeKind::Port => &[Compose, Kubernetes, Dockerfile],
            // A Dockerfile's `VOLUME` declares a mount point, not what is mounted there.
            NodeKind::Mount => &[Compose, Kubernetes, HelmValues],
            NodeKind::Instruction | NodeKind::Command => &[Dockerfile],
            NodeKind::Redis => &[Compose, Kubernetes, HelmValues, Dockerfile, RedisConf],
            NodeKind::Ollama | NodeKind::Chromadb => {
                &[Compose, Kubernetes, HelmValues, Dockerfile, Env, Systemd]
            }
            NodeKind::Toolkit => &[NvidiaToml],
            NodeKind::Chart => &[HelmValues],
            // The servers' shared block: built with each component that serves an API.
            NodeKind::Server => &[
                Compose, Kubernetes, HelmValues, Dockerfile, RedisConf, Env, Systemd,
            ],
        }
    }
}

const SERVICE_SPANS: &[&str] = &[
    "service",
    "service.image",
    "service.user",
    "service.ports",
    "service.exposed_ports",
    "service.privileged",
    "service.cap_add",
    "service.security_opt",
    "service.network_mode",
    "service.pid",
    "service.ipc",
    "service.uts",
    "service.userns_mode",
    "service.read_only",
    "service.mem_limit",
    "service.healthcheck",
    "service.dangerous_cap_add",
    "service.host_namespaces",
    "service.unconfined_security_opt",
    "service.exposures",
    "service.allow_privilege_escalation",
    "service.run_as_non_root",
];

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    pub file: usize,
    /// Facts, built once per fact set and shared (cheap `Arc` clones) across the nodes of a
    /// service, so a service with many ports or variables costs linear, not quadratic. The
    /// rule engine reads them in place (`rules::cel::to_val`), without copying.
    pub vars: Vec<(&'static str, Fact)>,
    pub spans: Spans,
    /// `component` nodes: the occurrence itself, for `moat inventory`.
    pub package: Option<std::sync::Arc<super::packages::Package>>,
}

impl Node {
    pub fn new(kind: NodeKind, file: usize, file_facts: &Fact) -> Self {
        Node {
            kind,
            file,
            vars: vec![("file", file_facts.clone())],
            spans: Spans::default(),
            package: None,
        }
    }
    pub fn span(&mut self, key: &'static str, span: Span) {
        self.spans.own.push((key, span));
    }
    pub fn opt_span(&mut self, key: &'static str, span: Option<Span>) {
        if let Some(s) = span {
            self.span(key, s);
        }
    }
}

/// Where a node's facts are written, under span keys (`service.image`, `port`), in the order
/// given. A node has a handful: scanning them beats hashing, which was a tenth of building
/// the model.
#[derive(Debug, Clone, Default)]
pub struct Spans {
    /// The service's spans (`service.ports` has one per port), first, and shared by the
    /// service's nodes: a copy per port node was quadratic in a service's ports.
    shared: Option<SharedSpans>,
    own: Vec<(&'static str, Span)>,
}

/// A service's spans, built once per service (`service_spans`), sorted by key.
pub type SharedSpans = std::sync::Arc<[(&'static str, Span)]>;

impl Spans {
    /// The spans under `key`, in the order given.
    pub fn get<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Span> + 'a {
        // Shared spans are sorted by key (stably): the run under `key` is found by bisection,
        // not a scan over every port of the service for each port node.
        let shared = self.shared.as_deref().unwrap_or(&[]);
        let from = shared.partition_point(|(k, _)| *k < key);
        let to = from + shared[from..].partition_point(|(k, _)| *k == key);
        shared[from..to]
            .iter()
            .chain(self.own.iter().filter(move |(k, _)| *k == key))
            .map(|(_, s)| s)
    }

    pub fn iter(&self) -> impl Iterator<Item = &(&'static str, Span)> {
        self.shared.iter().flat_map(|s| s.iter()).chain(&self.own)
    }
}

/// A set of facts a rule reads as one CEL variable, shared by the nodes it belongs to.
pub type Fact = std::sync::Arc<Value>;

pub fn fact(facts: Value) -> Fact {
    std::sync::Arc::new(facts)
}

pub fn file_facts(path: &str, kind: &str) -> Fact {
    file_facts_with(path, kind, &[])
}

/// File facts with the policy of the file's `.moat.toml` that the model applies: the
/// registries its images may come from (see `image_node`).
pub fn file_facts_with(path: &str, kind: &str, trusted_registries: &[String]) -> Fact {
    fact(to_json(&facts::FileFacts {
        path: path.to_string(),
        kind: kind.to_string(),
        trusted_registries: trusted_registries.to_vec(),
    }))
}

/// Typed facts as the JSON the rule engine reads. Fact types hold strings, numbers, lists
/// and string-keyed maps only, which always serialize.
pub fn to_json<T: serde::Serialize>(facts: &T) -> Value {
    serde_json::to_value(facts).expect("fact types serialize to JSON")
}

fn image_facts(i: &ImageRef) -> facts::ImageRefFacts {
    facts::ImageRefFacts {
        raw: i.raw.clone(),
        text: i.text.clone(),
        registry: i.registry.clone(),
        repository: i.repository.clone(),
        tag: i.tag.clone(),
        digest: i.digest.clone(),
        unresolved: i.unresolved,
        floating: i.floating(),
    }
}

fn port_facts(p: &Port) -> facts::PortFacts {
    facts::PortFacts {
        text: p.text.clone(),
        host_ip: p.host_ip.clone(),
        host_port: p.host_port.clone(),
        container_port: p.container_port.clone(),
        protocol: p.protocol.clone(),
        published: p.published,
        all_interfaces: p.on_every_interface(),
        host_scope: p.scope(),
        reachable: p.reachable_from_other_hosts(),
        published_on: p.published_on(),
        editable: p.edit_span.is_some(),
        loopback_text: format!(
            "127.0.0.1:{}:{}{}",
            p.host_port.as_deref().unwrap_or(""),
            p.container_port,
            if p.protocol == "tcp" {
                String::new()
            } else {
                format!("/{}", p.protocol)
            }
        ),
    }
}

fn mount_facts(m: &Mount) -> facts::MountFacts {
    let source = m.source.as_deref().unwrap_or("");
    let bind = m.kind == super::MountKind::Bind;
    // `${SOCK:-/var/run/docker.sock}` is its default; `${HOME}/.ssh` stays as written.
    let resolved = super::interpolate::defaults_only(source);
    let host_path = normalize_host_path(if resolved.unresolved {
        source
    } else {
        &resolved.text
    });
    let path = host_path.as_str();
    // An unknown source bound at a runtime socket's path is that socket in practice.
    let socket = runtime::runtime_socket(path)
        .or_else(|| {
            resolved
                .unresolved
                .then(|| runtime::runtime_socket(&m.target))
                .flatten()
        })
        .filter(|_| bind);
    let folder = runtime::runtime_socket_folder(path).filter(|_| bind && socket.is_none());
    let socket = socket.or(folder).or(m.daemon_of.as_ref().map(|_| "Docker"));
    let sensitive = if bind && socket.is_none() {
        runtime::sensitive_host_path(path, m.read_only)
    } else {
        None
    };
    facts::MountFacts {
        kind: m.kind,
        source: m.source.clone(),
        target: m.target.clone(),
        read_only: m.read_only,
        propagation: m.propagation.clone(),
        host_path: bind.then(|| host_path.clone()),
        runtime_socket: socket.unwrap_or("").to_string(),
        // The mount is a folder that holds the socket (`/var/run`, `/run/containerd`, a
        // docker-in-docker service's `/var/run` volume), not the socket file.
        socket_folder: folder.is_some() || m.daemon_of.is_some(),
        daemon_of: m.daemon_of.clone(),
        sensitive: sensitive.unwrap_or("").to_string(),
    }
}

/// `/var/run//docker.sock/` → `/var/run/docker.sock`, so rules compare one spelling.
fn normalize_host_path(p: &str) -> String {
    let mut out = String::new();
    for part in p.split('/') {
        if part.is_empty() || part == "." && !out.is_empty() {
            continue;
        }
        out.push('/');
        out.push_str(part);
    }
    if !p.starts_with('/') {
        // An empty source has no path to normalize (and must not become `/`).
        if out.is_empty() {
            return p.to_string();
        }
        out.remove(0);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Names a guessable password may repeat: the service's, its image's, and the values of its
/// user and database variables (`POSTGRES_USER: nextcloud`, `POSTGRES_PASSWORD: nextcloud`).
fn guessable_names(s: &Service) -> Vec<&str> {
    let mut names = vec![s.name.as_str()];
    if let Some(i) = &s.image {
        names.push(i.repository.rsplit('/').next().unwrap_or(""));
    }
    for e in &s.env {
        let upper = e.name.to_ascii_uppercase();
        let names_someone = ["USER", "USERNAME", "DB", "DATABASE", "DB_NAME", "LOGIN"]
            .iter()
            .any(|suffix| upper == *suffix || upper.ends_with(&format!("_{suffix}")));
        if names_someone {
            names.extend(e.value.as_deref());
        }
    }
    names
}

fn env_facts(e: &EnvVar, guessable: &[&str]) -> facts::EnvFacts {
    let value = e.value.as_deref().unwrap_or("");
    let secret_name = secrets::secret_name(&e.name);
    facts::EnvFacts {
        name: e.name.clone(),
        value: e.value.clone(),
        source: e.source,
        secret_name,
        literal: e
            .value
            .as_deref()
            .is_some_and(|v| secrets::literal_value(v) && !secrets::names_itself(&e.name, v)),
        placeholder: secrets::placeholder(value) || secrets::names_itself(&e.name, value),
        merged: e.merged_at.is_some(),
        weak_password: if secret_name {
            secrets::weak_password(value, guessable).unwrap_or("")
        } else {
            ""
        }
        .to_string(),
        token_kind: secrets::token_kind(value).unwrap_or("").to_string(),
        disables_tls: commands::env_disables_tls(&e.name, value),
        effective: true,
    }
}

/// Users that mean root: `root`, `0`, with or without a group.
pub fn is_root_user(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("").trim();
    name == "root" || name == "0"
}

pub fn service_facts(s: &Service) -> Value {
    to_json(&typed_service_facts(s))
}

fn typed_service_facts(s: &Service) -> facts::ServiceFacts {
    let caps = |v: &[super::Spanned<String>]| -> Vec<String> {
        v.iter()
            .map(|c| {
                c.value
                    .trim()
                    .to_ascii_uppercase()
                    .trim_start_matches("CAP_")
                    .to_string()
            })
            .collect()
    };
    let opts: Vec<String> = s
        .security_opt
        .iter()
        .map(|o| o.value.replace(':', "="))
        .collect();
    let opt_is = |prefix: &str, val: &str| {
        opts.iter().any(|o| {
            o.split_once('=')
                .is_some_and(|(k, v)| k == prefix && v == val)
        })
    };
    let text = |v: &Option<super::Spanned<String>>| v.as_ref().map(|x| x.value.clone());
    let strings = |v: &[super::Spanned<String>]| v.iter().map(|x| x.value.clone()).collect();
    let cap_add = caps(&s.cap_add);
    facts::ServiceFacts {
        name: s.name.clone(),
        origin: s.origin,
        noun: match s.origin {
            Some(super::Origin::Compose) | None => "service",
            Some(super::Origin::Kubernetes | super::Origin::Helm) => "container",
            Some(super::Origin::Dockerfile) => "image",
            Some(super::Origin::File) => "configuration",
        }
        .to_string(),
        image: s.image.as_ref().map(image_facts),
        build: text(&s.build),
        user: text(&s.user),
        user_is_root: s.user.as_ref().is_some_and(|u| is_root_user(&u.value)),
        ports: s.ports.iter().map(port_facts).collect(),
        exposed: s.exposed(),
        component: s.component,
        exposures: strings(&s.exposures),
        allow_privilege_escalation: s.allow_privilege_escalation.as_ref().map(|v| v.value),
        run_as_non_root: s.run_as_non_root.as_ref().map(|v| v.value),
        privileged: s.privileged.as_ref().is_some_and(|p| p.value),
        dangerous_caps: cap_add
            .iter()
            .filter(|c| dangerous_cap(s, c))
            .cloned()
            .collect(),
        cap_add,
        cap_drop: caps(&s.cap_drop),
        no_new_privileges: opts
            .iter()
            .any(|o| o == "no-new-privileges" || o == "no-new-privileges=true"),
        seccomp_unconfined: opt_is("seccomp", "unconfined"),
        apparmor_unconfined: opt_is("apparmor", "unconfined"),
        security_opt: opts.clone(),
        network_mode: text(&s.network_mode),
        pid: text(&s.pid),
        ipc: text(&s.ipc),
        uts: text(&s.uts),
        userns_mode: text(&s.userns_mode),
        read_only: s.read_only.as_ref().is_some_and(|r| r.value),
        mem_limit: text(&s.mem_limit),
        pids_limit: text(&s.pids_limit),
        healthcheck: s.healthcheck.as_ref().is_some_and(|h| !h.disabled),
        healthcheck_disabled: s.healthcheck.as_ref().is_some_and(|h| h.disabled),
        runs_command: s.command.is_some() || s.entrypoint.is_some(),
        secrets: strings(&s.secrets),
        env_names: s.env.iter().map(|e| e.name.clone()).collect(),
        profiles: s.profiles.clone(),
        extends: text(&s.extends),
        host_namespaces: host_namespaces(s)
            .iter()
            .map(|(n, _)| n.to_string())
            .collect(),
        unconfined: s
            .security_opt
            .iter()
            .filter_map(|o| unconfined(o))
            .map(str::to_string)
            .collect(),
        socket_proxy: s.image.as_ref().is_some_and(runtime::socket_proxy_image),
        image_runs_as_non_root: s.image.as_ref().is_some_and(|i| {
            runtime::image_runs_as_non_root(i, s.entrypoint.as_ref(), s.command.as_ref())
        }),
        fragment: s.fragment,
        image_user: s.image.as_ref().map_or(runtime::ImageUser::Unknown, |i| {
            runtime::image_user(i, s.entrypoint.as_ref(), s.command.as_ref())
        }),
    }
}

/// The host namespaces a service joins (`network_mode`/`pid`/`ipc`/`uts`/`userns_mode: host`),
/// with where each is set.
fn host_namespaces(s: &Service) -> Vec<(&'static str, crate::source::Span)> {
    [
        ("network", &s.network_mode),
        ("PID", &s.pid),
        ("IPC", &s.ipc),
        ("UTS", &s.uts),
        ("user", &s.userns_mode),
    ]
    .into_iter()
    .filter_map(|(name, v)| {
        v.as_ref()
            .filter(|v| v.value.trim() == "host")
            .map(|v| (name, v.span))
    })
    .collect()
}

/// `cap` (upper case, no `CAP_`) gives this service power over the host.
fn dangerous_cap(s: &Service, cap: &str) -> bool {
    let host_pid = s.pid.as_ref().is_some_and(|p| p.value.trim() == "host");
    let host_proc = s.mounts.iter().any(|m| {
        m.kind == super::MountKind::Bind
            && m.source
                .as_deref()
                .map(normalize_host_path)
                .is_some_and(|p| p == "/proc")
    });
    runtime::dangerous_capability(cap, s.host_network(), host_pid || host_proc)
}

fn unconfined(opt: &super::Spanned<String>) -> Option<&'static str> {
    runtime::unconfined_option(&opt.value.replace(':', "="))
}

fn service_spans(node: &mut Node, shared: &SharedSpans) {
    debug_assert!(node.spans.shared.is_none() && node.spans.own.is_empty());
    node.spans.shared = Some(shared.clone());
}

/// The spans every node of a service carries (`service`, `service.image`, ...).
fn shared_service_spans(s: &Service) -> SharedSpans {
    let mut node = Node {
        kind: NodeKind::Service,
        file: 0,
        vars: Vec::new(),
        spans: Spans::default(),
        package: None,
    };
    node.span("service", s.span);
    node.opt_span("service.image", s.image.as_ref().map(|i| i.span));
    node.opt_span("service.user", s.user.as_ref().map(|u| u.span));
    for p in &s.ports {
        node.span("service.ports", p.span);
        if p.reachable_from_other_hosts() {
            node.span("service.exposed_ports", p.span);
        }
    }
    node.opt_span("service.privileged", s.privileged.as_ref().map(|p| p.span));
    for c in &s.cap_add {
        node.span("service.cap_add", c.span);
    }
    for o in &s.security_opt {
        node.span("service.security_opt", o.span);
    }
    node.opt_span(
        "service.network_mode",
        s.network_mode.as_ref().map(|p| p.span),
    );
    node.opt_span("service.pid", s.pid.as_ref().map(|p| p.span));
    node.opt_span("service.ipc", s.ipc.as_ref().map(|p| p.span));
    node.opt_span("service.uts", s.uts.as_ref().map(|p| p.span));
    node.opt_span(
        "service.userns_mode",
        s.userns_mode.as_ref().map(|p| p.span),
    );
    node.opt_span("service.read_only", s.read_only.as_ref().map(|p| p.span));
    node.opt_span("service.mem_limit", s.mem_limit.as_ref().map(|p| p.span));
    node.opt_span(
        "service.healthcheck",
        s.healthcheck.as_ref().map(|p| p.span),
    );
    for c in &s.cap_add {
        let name = c.value.trim().to_ascii_uppercase();
        if dangerous_cap(s, name.trim_start_matches("CAP_")) {
            node.span("service.dangerous_cap_add", c.span);
        }
    }
    for (_, span) in host_namespaces(s) {
        node.span("service.host_namespaces", span);
    }
    for o in s.security_opt.iter().filter(|o| unconfined(o).is_some()) {
        node.span("service.unconfined_security_opt", o.span);
    }
    for e in &s.exposures {
        node.span("service.exposures", e.span);
    }
    node.opt_span(
        "service.allow_privilege_escalation",
        s.allow_privilege_escalation.as_ref().map(|p| p.span),
    );
    node.opt_span(
        "service.run_as_non_root",
        s.run_as_non_root.as_ref().map(|p| p.span),
    );
    let mut spans = node.spans.own;
    spans.sort_by_key(|(k, _)| *k);
    spans.into()
}

/// Nodes for one service: the service itself, and one per port, env entry and mount.
pub fn service_nodes(
    s: &Service,
    file: usize,
    file_facts: &Fact,
    related: &Joiner,
    out: &mut Vec<Node>,
) {
    let facts = fact(service_facts(s));
    let spans = shared_service_spans(s);
    let base = |kind| {
        let mut n = Node::new(kind, file, file_facts);
        n.vars.push(("service", facts.clone()));
        service_spans(&mut n, &spans);
        n
    };
    out.push(base(NodeKind::Service));
    for p in &s.ports {
        let mut n = base(NodeKind::Port);
        n.vars.push(("port", fact(to_json(&port_facts(p)))));
        n.span("port", p.span);
        n.opt_span("port.value", p.edit_span);
        out.push(n);
    }
    let guessable = guessable_names(s);
    for e in &s.env {
        let mut n = base(NodeKind::Env);
        n.vars
            .push(("env", fact(to_json(&env_facts(e, &guessable)))));
        n.span("env", e.span);
        n.span("env.name", e.name_span);
        n.opt_span("env.value", e.value_span);
        n.opt_span("env.merge_site", e.merged_at);
        out.push(n);
    }
    for m in &s.mounts {
        let mut n = base(NodeKind::Mount);
        n.vars.push(("mount", fact(to_json(&mount_facts(m)))));
        n.span("mount", m.span);
        n.opt_span("mount.source", m.source_span);
        // Where a finding about the mount goes, in every format: the source where the entry
        // itself names it (a Compose bind), else the entry (a Kubernetes `volumeMounts` item,
        // whose `hostPath` is declared apart, in the pod's `volumes`).
        let place = m
            .source_span
            .filter(|s| s.start >= m.span.start && s.end <= m.span.end)
            .unwrap_or(m.span);
        n.span("mount.place", place);
        out.push(n);
    }
    if let Some(image) = &s.image {
        // A Dockerfile's images are its stages' (`dockerfile_nodes`).
        if s.origin != Some(super::Origin::Dockerfile) {
            let built = s.origin == Some(super::Origin::Compose) && s.build.is_some();
            out.push(image_node(
                image, &s.name, "service", built, file, file_facts,
            ));
        }
    }
    // Component nodes: each component module decides whether the service is one of its own.
    let ctx = ServiceCtx::new(s, &facts, file, file_facts, related);
    let first = out.len();
    let _ = ctx.spans.set(spans);
    super::redis::service_nodes(&ctx, out);
    super::ollama::service_nodes(&ctx, out);
    super::chromadb::service_nodes(&ctx, out);
    super::triton::service_nodes(&ctx, out);
    // The inventory's `authenticated` is the server block's answer.
    let unauthenticated = out[first..]
        .iter()
        .filter(|n| n.kind == NodeKind::Server)
        .find_map(|n| {
            let (_, server) = n.vars.iter().find(|(name, _)| *name == "server")?;
            (server["auth"] == "not-required")
                .then(|| server["auth_reason"].as_str().unwrap_or("").to_string())
        })
        .unwrap_or_default();
    super::packages::service_nodes(s, &unauthenticated, file, file_facts, out);
}

/// What a component module gets to build its nodes for one service.
pub struct ServiceCtx<'a> {
    pub service: &'a Service,
    /// The service's facts (share them, don't rebuild).
    pub facts: &'a Fact,
    pub file: usize,
    pub file_facts: &'a Fact,
    /// Reads the files the service names (`env_file:`, mounted configuration).
    pub related: &'a Joiner<'a>,
    env: std::cell::OnceCell<(Vec<Setting>, Vec<String>)>,
    spans: std::cell::OnceCell<SharedSpans>,
}

impl<'a> ServiceCtx<'a> {
    pub fn new(
        service: &'a Service,
        facts: &'a Fact,
        file: usize,
        file_facts: &'a Fact,
        related: &'a Joiner<'a>,
    ) -> Self {
        ServiceCtx {
            service,
            facts,
            file,
            file_facts,
            related,
            env: std::cell::OnceCell::new(),
            spans: std::cell::OnceCell::new(),
        }
    }

    /// The service's environment as its process sees it, and the env files that could not be
    /// read (`envfile::service_env`): joined once per service, however many components ask.
    pub fn env(&self) -> &(Vec<Setting>, Vec<String>) {
        self.env
            .get_or_init(|| super::envfile::service_env(self.service, self.related))
    }

    /// A node of `kind` carrying the service's facts and spans.
    pub fn node(&self, kind: NodeKind) -> Node {
        let mut n = Node::new(kind, self.file, self.file_facts);
        n.vars.push(("service", self.facts.clone()));
        let spans = self
            .spans
            .get_or_init(|| shared_service_spans(self.service));
        service_spans(&mut n, spans);
        n
    }
}

/// An image the file pulls. `role`: `service` (Compose, Kubernetes, Helm), `base` (a
/// Dockerfile `FROM`), `copy-source` (`COPY --from=`) or `mount-source` (`RUN --mount=from=`).
/// `built`: a Compose service's `image:` names what `build:` makes, so nothing is pulled.
pub fn image_node(
    image: &ImageRef,
    context: &str,
    role: &str,
    built: bool,
    file: usize,
    file_facts: &Fact,
) -> Node {
    let mut n = Node::new(NodeKind::Image, file, file_facts);
    let trusted: Vec<String> = file_facts["trusted_registries"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let facts = facts::ImageFacts {
        reference: image_facts(image),
        context: context.to_string(),
        role: role.to_string(),
        built,
        location: image.location(),
        trusted: if built {
            None
        } else {
            image.trusted_by(&trusted)
        },
    };
    n.vars.push(("image", fact(to_json(&facts))));
    n.span("image", image.span);
    n.opt_span("image.name", image.name_span);
    n
}

/// Component nodes at a span an earlier one of the file already has (a GPU Operator block
/// read both as a workload and as an operand) are one occurrence: the later ones go. One pass
/// with a set: checking each new node against all earlier ones was quadratic in services.
/// `seen`: the spans of the file's earlier component nodes (the file's nodes may come in
/// several chunks).
pub fn dedup_components(nodes: &mut Vec<Node>, seen: &mut std::collections::HashSet<Vec<Span>>) {
    nodes.retain(|n| {
        if n.kind != NodeKind::Component {
            return true;
        }
        let spans: Vec<Span> = n.spans.get("component").copied().collect();
        spans.is_empty() || seen.insert(spans)
    });
}

/// Instruction and command nodes of a Dockerfile, and image nodes for each `FROM` that names
/// an image rather than an earlier stage.
pub fn dockerfile_nodes(
    df: &Dockerfile,
    src: &str,
    file: usize,
    file_facts: &Fact,
    expansion: &Expansion,
    out: &mut Vec<Node>,
) {
    let stages = df.stages();
    // The first declaration of each global ARG, as the build reads it.
    let mut global: HashMap<String, Option<String>> = HashMap::new();
    for a in df.global_args() {
        global.entry(a.name).or_insert(a.default);
    }
    let lookup = |name: &str| global.get(name).cloned().flatten();
    // Stage names, lower-cased, in sets: looking each reference up among all stages was
    // quadratic in stages.
    let mut earlier_names: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (i, stage) in stages.iter().enumerate() {
        let base = &stage.base.text;
        let resolved = expansion.interpolate(base, stage.base.span, &lookup);
        // `FROM ${TARGET}` whose ARG default names an earlier stage is a stage reference too.
        let earlier = earlier_names.contains(&base.to_ascii_lowercase())
            || earlier_names.contains(&resolved.text.to_ascii_lowercase());
        if let Some(n) = &stage.name {
            earlier_names.insert(n.text.to_ascii_lowercase());
        }
        if earlier {
            continue;
        }
        let mut image = super::image::parse_image_ref(base, &resolved.text, stage.base.span);
        image.unresolved |= resolved.unresolved;
        let context = match &stage.name {
            Some(n) => format!("stage `{}`", n.text),
            None => format!("stage {}", i + 1),
        };
        out.push(image_node(
            &image, &context, "base", false, file, file_facts,
        ));
        let owner = super::packages::Owner::unexposed(&context);
        let mut package = super::packages::from_image(&image, &owner);
        package.build_stage = true;
        out.push(super::packages::node(package, file, file_facts));
    }
    // `COPY --from=` and `RUN --mount=…,from=` pull an image unless they name a stage.
    let is_stage = |r: &str| {
        r.chars().all(|c| c.is_ascii_digit()) || earlier_names.contains(&r.to_ascii_lowercase())
    };
    for ins in &df.instructions {
        let (flag_name, role) = match ins.keyword.as_str() {
            "COPY" => ("from", "copy-source"),
            "RUN" => ("mount", "mount-source"),
            _ => continue,
        };
        for flag in ins.flags.iter().filter(|f| f.name == flag_name) {
            let Some((value, span)) = flag_image(src, flag) else {
                continue;
            };
            if value.is_empty() || is_stage(value) {
                continue;
            }
            let resolved = expansion.interpolate(value, span, &lookup);
            let mut image = super::image::parse_image_ref(value, &resolved.text, span);
            image.unresolved |= resolved.unresolved;
            let context = format!("`{} --{flag_name}`", ins.keyword);
            out.push(image_node(&image, &context, role, false, file, file_facts));
        }
    }
    let parsed = shell::Parsed::default();
    super::packages::dockerfile_pins(df, &parsed, file, file_facts, expansion, out);
    stage_env_nodes(df, src, &stages, file, file_facts, expansion, out);
    // `SHELL ["powershell", …]` makes shell-form `RUN` something other than a POSIX shell; a
    // stage built `FROM` an earlier one inherits its shell.
    let mut posix = true;
    let mut stage_posix: HashMap<String, bool> = HashMap::new();
    let mut current: Option<String> = None;
    for ins in &df.instructions {
        match ins.keyword.as_str() {
            "FROM" => {
                let base = ins
                    .args
                    .first()
                    .map(|w| w.text.to_ascii_lowercase())
                    .unwrap_or_default();
                posix = stage_posix.get(&base).copied().unwrap_or(true);
                current = match ins.args.get(1) {
                    Some(w) if w.text.eq_ignore_ascii_case("as") => {
                        ins.args.get(2).map(|n| n.text.to_ascii_lowercase())
                    }
                    _ => None,
                };
            }
            "SHELL" => posix = ins.args.first().is_none_or(|w| is_posix_shell(&w.text)),
            _ => {}
        }
        if let Some(c) = &current {
            stage_posix.insert(c.clone(), posix);
        }
        instruction_nodes(ins, posix, src, file, file_facts, &parsed, out);
        if let Some(inner) = &ins.onbuild {
            instruction_nodes(inner, posix, src, file, file_facts, &parsed, out);
        }
    }
}

/// `powershell`, `pwsh` and `cmd` are not POSIX shells; anything else is taken to be one.
pub(crate) fn is_posix_shell(program: &str) -> bool {
    let base = program
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(program)
        .to_ascii_lowercase();
    !matches!(base.trim_end_matches(".exe"), "powershell" | "pwsh" | "cmd")
}

/// Env nodes for the `ENV` and `ARG` definitions the final-stage service does not hold: those
/// of other stages and those redefined later (`env.effective` is false). A secret or a TLS
/// switch there still shaped the build and stays in the Dockerfile and the build history.
fn stage_env_nodes(
    df: &Dockerfile,
    src: &str,
    stages: &[crate::parse::dockerfile::Stage],
    file: usize,
    file_facts: &Fact,
    expansion: &Expansion,
    out: &mut Vec<Node>,
) {
    let covered: std::collections::HashSet<Span> =
        super::dockerfile::service_from_dockerfile(df, src, "", expansion)
            .map(|s| s.env.iter().map(|e| e.span).collect())
            .unwrap_or_default();
    let mut stage: Option<(usize, &crate::parse::dockerfile::Stage)> = None;
    for (k, ins) in df.instructions.iter().enumerate() {
        let next = stage.map_or(0, |(i, _)| i + 1);
        if stages.get(next).is_some_and(|s| s.index == k) {
            stage = Some((next, &stages[next]));
        }
        let vars: Vec<EnvVar> = super::dockerfile::env_of(ins)
            .into_iter()
            .filter(|e| !covered.contains(&e.span))
            .collect();
        if vars.is_empty() {
            continue;
        }
        let service = Service {
            name: match stage {
                Some((_, s)) if s.name.is_some() => {
                    s.name.as_ref().map(|n| n.text.clone()).unwrap_or_default()
                }
                Some((i, _)) => format!("stage {}", i + 1),
                None => "global ARG".to_string(),
            },
            span: stage.map_or(ins.span, |(_, s)| df.instructions[s.index].span),
            origin: Some(super::Origin::Dockerfile),
            ..Service::default()
        };
        let facts = fact(service_facts(&service));
        let spans = shared_service_spans(&service);
        for e in &vars {
            let mut n = Node::new(NodeKind::Env, file, file_facts);
            n.vars.push(("service", facts.clone()));
            service_spans(&mut n, &spans);
            let mut env = env_facts(e, &[]);
            env.effective = false;
            n.vars.push(("env", fact(to_json(&env))));
            n.span("env", e.span);
            n.span("env.name", e.name_span);
            n.opt_span("env.value", e.value_span);
            out.push(n);
        }
    }
}

/// The image a `--from=` or `--mount=…,from=` flag names, with its span in `src` (the whole
/// flag when the value cannot be found as written, e.g. after a line continuation).
fn flag_image<'a>(src: &str, flag: &'a crate::parse::dockerfile::Flag) -> Option<(&'a str, Span)> {
    let value = flag.value.as_deref()?;
    let image = if flag.name == "mount" {
        value
            .split(',')
            .find_map(|kv| kv.trim().strip_prefix("from="))?
    } else {
        value
    };
    let written = src.get(flag.span.start..flag.span.end).unwrap_or_default();
    // The value as written follows the flag's `=`; within a mount, its `from=` key.
    let at = written.find(value).and_then(|v| {
        let inner = &written[v..v + value.len()];
        let offset = if flag.name == "mount" {
            inner
                .split(',')
                .scan(0, |pos, kv| {
                    let start = *pos;
                    *pos += kv.len() + 1;
                    Some((start, kv))
                })
                .find(|(_, kv)| kv.trim().strip_prefix("from=") == Some(image))
                .map(|(start, kv)| start + kv.find("from=").unwrap_or(0) + "from=".len())?
        } else {
            0
        };
        Some(flag.span.start + v + offset)
    });
    let span = match at {
        Some(start) => Span::new(start, start + image.len()),
        None => flag.span,
    };
    Some((image, span))
}

/// Maps a byte range of a script back to the Dockerfile's source.
type ToSource<'a> = Box<dyn Fn(std::ops::Range<usize>) -> Span + 'a>;

/// A `RUN` (or a heredoc `COPY`) that writes a sudoers rule letting a user run every command
/// as root without a password (`user ALL=(ALL) NOPASSWD: ALL`, `%sudo ALL=(ALL:ALL) NOPASSWD:ALL`).
fn grants_passwordless_sudo(ins: &Instruction) -> bool {
    static RULE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let rule = RULE.get_or_init(|| {
        regex::Regex::new(r"NOPASSWD\s*:\s*ALL\b").expect("the sudoers pattern is valid")
    });
    if !matches!(ins.keyword.as_str(), "RUN" | "COPY" | "ADD") {
        return false;
    }
    let texts =
        std::iter::once(ins.text.text.as_str()).chain(ins.heredocs.iter().map(|h| h.body.as_str()));
    let all: String = texts.collect::<Vec<_>>().join("\n");
    rule.is_match(&all) && all.contains("sudoers")
}

fn instruction_nodes<'a>(
    ins: &'a Instruction,
    posix: bool,
    src: &str,
    file: usize,
    file_facts: &Fact,
    parsed: &shell::Parsed<'a>,
    out: &mut Vec<Node>,
) {
    let args: Vec<&str> = ins.args.iter().map(|w| w.text.as_str()).collect();
    let mut node = Node::new(NodeKind::Instruction, file, file_facts);
    let flags: std::collections::BTreeMap<String, String> = ins
        .flags
        .iter()
        .map(|f| (f.name.clone(), f.value.clone().unwrap_or_default()))
        .collect();
    let remote = if matches!(ins.keyword.as_str(), "ADD") {
        ins.args
            .iter()
            .take(ins.args.len().saturating_sub(1))
            .find(|w| is_remote_url(&w.text))
    } else {
        None
    };
    // `ARG NPM_TOKEN` (no default, or an empty one): a secret expected from `--build-arg`.
    // A literal default is DF003's.
    let secret_args: Vec<crate::parse::dockerfile::ArgDecl> = ins
        .arg_decls()
        .into_iter()
        .filter(|a| {
            a.default.as_deref().is_none_or(|d| d.trim().is_empty())
                && secrets::secret_name(&a.name)
        })
        .collect();
    let instruction = fact(to_json(&facts::InstructionFacts {
        keyword: ins.keyword.clone(),
        args: args.iter().map(|a| a.to_string()).collect(),
        text: ins.text.text.clone(),
        exec_form: matches!(ins.form, Form::Exec),
        flags: flags.clone(),
        remote_source: remote.map(|w| w.text.clone()),
        secret_build_args: secret_args.iter().map(|a| a.name.clone()).collect(),
        heredoc: !ins.heredocs.is_empty(),
        grants_passwordless_sudo: grants_passwordless_sudo(ins),
    }));
    node.vars.push(("instruction", instruction.clone()));
    node.span("instruction", ins.span);
    node.span("instruction.keyword", ins.keyword_span);
    for w in &ins.args {
        node.span("instruction.args", w.span);
    }
    node.opt_span("instruction.remote_source", remote.map(|w| w.span));
    for a in &secret_args {
        node.span("instruction.secret_build_args", a.span);
    }
    out.push(node);

    if ins.keyword != "RUN" {
        return;
    }
    // Command nodes see the instruction without its text and arguments: a RUN of 100k
    // commands must not copy the whole line into each of them.
    let instruction = fact(to_json(&facts::RunFacts {
        keyword: ins.keyword.clone(),
        exec_form: matches!(ins.form, Form::Exec),
        flags,
        heredoc: !ins.heredocs.is_empty(),
    }));
    // Shell form: the joined text; heredoc bodies: scripts of their own when a shell runs them;
    // exec form: `["sh", "-c", "script"]`, or the command itself.
    type Script<'s> = (Cow<'s, str>, Rc<Vec<shell::SimpleCommand>>, ToSource<'s>);
    let mut scripts: Vec<Script<'_>> = Vec::new();
    match ins.form {
        Form::Shell if posix => {
            scripts.push((
                Cow::Borrowed(&ins.text.text),
                parsed.commands(&ins.text.text),
                Box::new(|r| ins.text.span_of(r)),
            ));
        }
        Form::Shell => {}
        Form::Exec => match exec_shell_script(&args) {
            // The script is one JSON string; point at it whole.
            Some(k) => {
                let span = ins.args[k].span;
                scripts.push((
                    Cow::Borrowed(args[k]),
                    Rc::new(shell::commands(args[k])),
                    Box::new(move |_| span),
                ));
            }
            None if !args.is_empty() => {
                let (text, cmd) = exec_command(&args);
                let spans: Vec<(std::ops::Range<usize>, Span)> = cmd
                    .words
                    .iter()
                    .zip(&ins.args)
                    .map(|(w, a)| (w.range.clone(), a.span))
                    .collect();
                let map = move |r: std::ops::Range<usize>| {
                    let first = spans.iter().find(|(w, _)| w.end > r.start).or(spans.last());
                    let last = spans
                        .iter()
                        .rev()
                        .find(|(w, _)| w.start < r.end)
                        .or(spans.first());
                    match (first, last) {
                        (Some(f), Some(l)) => Span::new(f.1.start, l.1.end.max(f.1.start)),
                        _ => ins.span,
                    }
                };
                scripts.push((Cow::Owned(text), Rc::new(vec![cmd]), Box::new(map)));
            }
            None => {}
        },
    }
    let line_cmds = scripts.first().map(|s| s.1.clone()).unwrap_or_default();
    let line_cmds: &[shell::SimpleCommand] = &line_cmds;
    for h in &ins.heredocs {
        if !posix || !heredoc_is_shell_script(ins, h, line_cmds) {
            continue;
        }
        let start = h.body_span.start;
        let text = src
            .get(h.body_span.start..h.body_span.end)
            .unwrap_or("")
            .to_string();
        if text == h.body {
            let cmds = Rc::new(shell::commands(&text));
            scripts.push((
                Cow::Owned(text),
                cmds,
                Box::new(move |r| Span::new(start + r.start, start + r.end)),
            ));
        } else {
            let span = h.body_span;
            scripts.push((
                Cow::Borrowed(&h.body),
                Rc::new(shell::commands(&h.body)),
                Box::new(move |_| span),
            ));
        }
    }
    for (text, cmds, map) in &scripts {
        for (i, cmd) in cmds.iter().enumerate() {
            let Some(name) = cmd.name() else { continue };
            let mut n = Node::new(NodeKind::Command, file, file_facts);
            let next = if cmd.piped { cmds.get(i + 1) } else { None };
            let piped_to = next.and_then(|c| c.name());
            n.vars.push(("instruction", instruction.clone()));
            n.vars.push((
                "command",
                fact(to_json(&facts::CommandFacts {
                    name: name.to_string(),
                    args: cmd.words.iter().skip(1).map(|w| w.text.clone()).collect(),
                    assignments: cmd.assignments.iter().map(|w| w.text.clone()).collect(),
                    text: text.get(cmd.range.clone()).unwrap_or("").to_string(),
                    piped_to: piped_to.map(str::to_string),
                    piped_to_interpreter: next
                        .and_then(commands::stdin_interpreter)
                        .unwrap_or_default(),
                    fetches_to_stdout: commands::fetches_to_stdout(cmd),
                    runs_fetched_script: commands::runs_fetched_script(cmd).unwrap_or_default(),
                    disables_tls: commands::disables_tls(cmd).unwrap_or_default(),
                    disables_signatures: commands::disables_signatures(cmd).unwrap_or_default(),
                    world_writable: commands::world_writable(cmd).unwrap_or_default(),
                })),
            ));
            n.span("command", map(cmd.range.clone()));
            n.span("command.name", map(cmd.words[0].range.clone()));
            n.span("instruction", ins.span);
            out.push(n);
        }
    }
}

/// `["sh", "-c", "script"]`, `["/bin/bash", "-o", "pipefail", "-c", "script"]`, `["sh",
/// "-ec", "script"]`: the index of the script argument.
fn exec_shell_script(args: &[&str]) -> Option<usize> {
    let program = args.first()?;
    let base = program.rsplit('/').next().unwrap_or(program);
    if !matches!(base, "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh") {
        return None;
    }
    let mut i = 1;
    while let Some(a) = args.get(i) {
        if matches!(*a, "-o" | "+o" | "-O" | "+O") {
            i += 2;
        } else if a.starts_with('-') && !a.starts_with("--") && a.contains('c') {
            return (i + 1 < args.len()).then_some(i + 1);
        } else if a.starts_with('-') || a.starts_with('+') {
            i += 1;
        } else {
            return None;
        }
    }
    None
}

/// An exec-form `RUN ["curl", "-k", "…"]` as one simple command over its arguments joined by
/// spaces (word ranges index that text; nothing is re-split).
fn exec_command(args: &[&str]) -> (String, shell::SimpleCommand) {
    let mut text = String::new();
    let mut words = Vec::new();
    for a in args {
        if !text.is_empty() {
            text.push(' ');
        }
        let start = text.len();
        text.push_str(a);
        words.push(shell::Word {
            text: a.to_string(),
            range: start..text.len(),
        });
    }
    let cmd = shell::SimpleCommand {
        assignments: Vec::new(),
        words,
        range: 0..text.len(),
        piped: false,
    };
    (text, cmd)
}

/// A heredoc body is shell code when the `RUN` line is only the marker (`RUN <<EOF`) or the
/// marker feeds a shell (`RUN bash <<EOF`), and no `#!` line names another interpreter. In
/// `RUN cat <<EOF > /etc/app.conf` it is file content; in `RUN python3 <<EOF`, Python.
fn heredoc_is_shell_script(
    ins: &Instruction,
    h: &crate::parse::dockerfile::Heredoc,
    line_cmds: &[shell::SimpleCommand],
) -> bool {
    let is_shell = |program: &str| {
        let base = program.rsplit(['/', ' ']).next().unwrap_or(program);
        matches!(
            base,
            "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh" | "mksh"
        )
    };
    let owner = line_cmds.iter().rev().find(|c| {
        !c.words.is_empty() && ins.text.span_of(c.range.clone()).start <= h.marker_span.start
    });
    if let Some(owner) = owner {
        if !commands::stdin_interpreter(owner).is_some_and(|p| is_shell(&p)) {
            return false;
        }
    }
    match h
        .body
        .trim_start_matches([' ', '\t', '\r', '\n'])
        .strip_prefix("#!")
    {
        Some(line) => {
            let line = line.lines().next().unwrap_or("");
            let mut words = line.split_whitespace();
            let program = words.next().unwrap_or("");
            let program = if program.ends_with("/env") {
                words.find(|w| !w.starts_with('-')).unwrap_or("")
            } else {
                program
            };
            is_shell(program)
        }
        None => true,
    }
}

fn is_remote_url(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("ftp://")
}

/// Env nodes also exist for Dockerfile ENV/ARG through the final-stage service; ARG/ENV in
/// earlier stages matter for secrets too (they stay in the build history), so every stage's
/// entries become env nodes of a service named after their stage.
pub fn env_source_label(source: EnvSource) -> &'static str {
    match source {
        EnvSource::Compose => "environment",
        EnvSource::Env => "ENV",
        EnvSource::Arg => "ARG",
    }
}

/// What a file-level reader (redis.conf, env file, systemd unit, Kubernetes manifest, Helm
/// values, toolkit config) gets to build its nodes.
pub struct FileCtx<'a> {
    pub source: &'a crate::source::SourceFile,
    pub file: usize,
    pub file_facts: &'a Fact,
    /// Reads the files this one names (`include`s, `Chart.yaml`).
    pub related: &'a Joiner<'a>,
}

/// All nodes of a Dockerfile, as `lint_source` builds them (for the model's tests).
#[cfg(test)]
pub(crate) fn dockerfile_file_nodes(src: &str) -> Vec<Node> {
    let df = crate::parse::dockerfile::parse(src).unwrap();
    let facts = file_facts("Dockerfile", "dockerfile");
    let mut out = Vec::new();
    if let Some(s) =
        super::dockerfile::service_from_dockerfile(&df, src, "Dockerfile", &Default::default())
    {
        let related = super::related::Related::default();
        service_nodes(&s, 0, &facts, &related.joiner(), &mut out);
    }
    dockerfile_nodes(&df, src, 0, &facts, &Default::default(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(src: &str) -> Vec<Node> {
        dockerfile_file_nodes(src)
    }

    use crate::rules::eval::eval_on_node as eval;

    fn of_kind(src: &str, kind: NodeKind) -> Vec<Node> {
        nodes(src).into_iter().filter(|n| n.kind == kind).collect()
    }

    fn names(src: &str) -> Vec<String> {
        of_kind(src, NodeKind::Command)
            .iter()
            .map(|n| eval(n, "command.name"))
            .collect()
    }

    fn at(src: &str, n: &Node, key: &str) -> String {
        let s = *n.spans.get(key).next().unwrap();
        src[s.start..s.end].to_string()
    }

    #[test]
    fn heredoc_bodies_are_scripts_only_when_a_shell_runs_them() {
        assert_eq!(
            names("FROM a\nRUN <<EOF\nset -e\nsudo make\nEOF\n"),
            ["set", "sudo"]
        );
        assert_eq!(
            names("FROM a\nrun bash <<EOF\nsudo make\nEOF\n"),
            ["bash", "sudo"]
        );
        // File content and other languages are not shell.
        assert_eq!(
            names("FROM a\nRUN cat <<EOF > /etc/sudoers.d/app\nsudo ALL\nEOF\n"),
            ["cat"]
        );
        assert_eq!(
            names("FROM a\nRUN python3 <<EOF\nimport os\nEOF\n"),
            ["python3"]
        );
        assert_eq!(
            names("FROM a\nRUN <<EOF\n#!/usr/bin/env python3\nimport os\nEOF\n"),
            Vec::<String>::new()
        );
        assert_eq!(
            names("FROM a\nRUN <<EOF\n#!/bin/bash\nchpasswd\nEOF\n"),
            ["chpasswd"]
        );
        // Spans point into the body.
        let src = "FROM a\nRUN <<EOF\napk add --allow-untrusted x.apk\nEOF\n";
        let n = &of_kind(src, NodeKind::Command)[0];
        assert_eq!(at(src, n, "command"), "apk add --allow-untrusted x.apk");
    }

    #[test]
    fn exec_form_runs_are_commands() {
        let src = "FROM a\nRUN [\"sudo\", \"apt-get\", \"update\"]\n";
        let n = &of_kind(src, NodeKind::Command)[0];
        assert_eq!(eval(n, "command.name"), "sudo");
        assert_eq!(at(src, n, "command.name"), "\"sudo\"");
        assert_eq!(at(src, n, "command"), "\"sudo\", \"apt-get\", \"update\"");
        let c = of_kind("FROM a\nRUN [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\", \"curl -k https://x | tar -x\"]\n", NodeKind::Command);
        assert_eq!(eval(&c[0], "command.name"), "curl");
        assert_eq!(eval(&c[0], "command.disables_tls != ''"), "true");
        assert_eq!(
            names("FROM a\nRUN [\"sh\", \"-ec\", \"chmod 777 /x\"]\n"),
            ["chmod"]
        );
    }

    #[test]
    fn powershell_runs_are_not_parsed_as_posix_shell() {
        let src = "FROM w AS win\nSHELL [\"powershell\", \"-Command\"]\nRUN curl.exe -k https://x | iex\nFROM win\nRUN sudo x\nFROM alpine:3\nRUN sudo y\n";
        assert_eq!(names(src), ["sudo"]);
        assert_eq!(
            eval(&of_kind(src, NodeKind::Command)[0], "command.args[0]"),
            "y"
        );
    }

    #[test]
    fn pipe_facts() {
        let c = of_kind("FROM a\nRUN curl -fsSL https://x/install.sh | sudo -E bash - && wget -q https://y | sh\n", NodeKind::Command);
        assert_eq!(eval(&c[0], "command.piped_to"), "sudo");
        assert_eq!(eval(&c[0], "command.piped_to_interpreter"), "sudo -E bash");
        assert_eq!(eval(&c[0], "command.fetches_to_stdout"), "true");
        // `wget URL` writes a file; its stdout carries nothing to the shell.
        assert_eq!(eval(&c[2], "command.name"), "wget");
        assert_eq!(eval(&c[2], "command.fetches_to_stdout"), "false");
        assert_eq!(eval(&c[2], "command.piped_to_interpreter"), "sh");
        let c = of_kind(
            "FROM a\nRUN curl -s https://api/x | python3 -c 'import json,sys'\n",
            NodeKind::Command,
        );
        assert_eq!(eval(&c[0], "command.piped_to_interpreter"), "");
    }

    #[test]
    fn env_nodes_cover_every_stage_once() {
        let src = "ARG TOKEN=a\nFROM a AS build\nARG GH_TOKEN=ghp_x\nENV NODE_TLS_REJECT_UNAUTHORIZED=0\nFROM b\nENV A=1\nENV A=2\n";
        let envs: Vec<String> = of_kind(src, NodeKind::Env)
            .iter()
            .map(|n| {
                eval(
                    n,
                    "env.name + ' ' + string(env.effective) + ' ' + service.name",
                )
            })
            .collect();
        assert_eq!(
            envs,
            [
                "TOKEN true Dockerfile",
                "A true Dockerfile",
                "GH_TOKEN false build",
                "NODE_TLS_REJECT_UNAUTHORIZED false build",
                "A false stage 2",
            ]
        );
        let tls = &of_kind(src, NodeKind::Env)[3];
        assert_eq!(eval(tls, "env.disables_tls"), "true");
        assert_eq!(at(src, tls, "env"), "NODE_TLS_REJECT_UNAUTHORIZED=0");
    }

    #[test]
    fn from_an_arg_that_names_a_stage_is_no_image() {
        let src = "ARG TARGET=builder-src\nFROM alpine:3 AS builder-src\nFROM ${TARGET} AS builder\nFROM scratch\n";
        let images: Vec<String> = of_kind(src, NodeKind::Image)
            .iter()
            .map(|n| eval(n, "image.text"))
            .collect();
        assert_eq!(images, ["alpine:3", "scratch"]);
    }

    #[test]
    fn runs_command_fact() {
        let runs = |src: &str| eval(&of_kind(src, NodeKind::Service)[0], "service.runs_command");
        assert_eq!(runs("FROM scratch\nCOPY a /a\n"), "false");
        assert_eq!(runs("FROM scratch\nENTRYPOINT [\"/a\"]\n"), "true");
        assert_eq!(runs("FROM x AS b\nCMD [\"serve\"]\nFROM b\n"), "true");
    }

    #[test]
    fn host_paths_normalize_without_panicking() {
        assert_eq!(normalize_host_path(""), "");
        assert_eq!(
            normalize_host_path("/var/run//docker.sock/"),
            "/var/run/docker.sock"
        );
        assert_eq!(normalize_host_path("./data"), "./data");
        assert_eq!(normalize_host_path("/"), "/");
    }

    /// What one sample file of each format builds, by node kind: the readers really run (the
    /// pipeline of `moat check`, with no rules and an observer of the nodes).
    fn built_by_samples() -> HashMap<NodeKind, Vec<crate::classify::FileKind>> {
        use std::sync::{Arc, Mutex};
        const K8S_OLLAMA: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ollama}\nspec:\n  template:\n    spec:\n      containers:\n        - name: ollama\n          image: ollama/ollama:0.5.7\n          env: [{name: OLLAMA_ORIGINS, value: '*'}]\n          ports: [{containerPort: 11434}]\n          volumeMounts: [{name: data, mountPath: /root/.ollama}]\n      volumes: [{name: data, hostPath: {path: /srv/ollama}}]\n";
        const K8S_OTHERS: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: stack}\nspec:\n  containers:\n    - {name: redis, image: 'redis:7.4.2'}\n    - {name: chroma, image: 'chromadb/chroma:0.5.20'}\n    - {name: triton, image: 'nvcr.io/nvidia/tritonserver:24.05-py3', command: [tritonserver]}\n";
        let samples: &[(&str, &str)] = &[
            (
                "Dockerfile",
                "FROM golang:1.22 AS build\nRUN go build ./...\nFROM ollama/ollama:0.5.7\nCOPY --from=build /x /x\nENV OLLAMA_ORIGINS=*\nEXPOSE 11434\nVOLUME /root/.ollama\n",
            ),
            ("redis/Dockerfile", "FROM redis:7.4.2\n"),
            ("chroma/Dockerfile", "FROM chromadb/chroma:0.5.20\n"),
            (
                "triton/Dockerfile",
                "FROM nvcr.io/nvidia/tritonserver:24.05-py3\nCMD [\"tritonserver\"]\n",
            ),
            (
                "compose.yaml",
                "services:\n  ollama:\n    image: ollama/ollama:0.5.7\n    environment: [OLLAMA_ORIGINS=*]\n    ports: ['11434:11434']\n    volumes: ['./data:/root/.ollama']\n  redis: {image: 'redis:7.4.2'}\n  chroma: {image: 'chromadb/chroma:0.5.20'}\n  triton: {image: 'nvcr.io/nvidia/tritonserver:24.05-py3', command: [tritonserver]}\n",
            ),
            ("ollama.yaml", K8S_OLLAMA),
            ("stack.yaml", K8S_OTHERS),
            (
                "ollama/values.yaml",
                "image: {repository: ollama/ollama, tag: 0.5.7}\nextraEnv: [{name: OLLAMA_ORIGINS, value: '*'}]\nservice: {type: NodePort, port: 11434}\nvolumes: [{name: data, hostPath: {path: /srv/ollama}}]\nvolumeMounts: [{name: data, mountPath: /root/.ollama}]\n",
            ),
            (
                "redis/values.yaml",
                "image: {registry: docker.io, repository: bitnami/redis, tag: 7.4.2}\nauth: {enabled: false}\n",
            ),
            ("chroma/values.yaml", "image: {repository: chromadb/chroma, tag: 0.5.20}\n"),
            (
                "triton/values.yaml",
                "image: {imageName: 'nvcr.io/nvidia/tritonserver:24.05-py3'}\nserverArgs: ['--model-repository=/models']\n",
            ),
            ("redis.conf", "bind 0.0.0.0\nport 6379\n"),
            ("ollama.env", "OLLAMA_ORIGINS=*\nCHROMA_SERVER_CORS_ALLOW_ORIGINS=[\"*\"]\n"),
            (
                "ollama.service",
                "[Service]\nEnvironment=\"OLLAMA_HOST=0.0.0.0\"\nEnvironment=\"CHROMA_SERVER_CORS_ALLOW_ORIGINS=*\"\n",
            ),
            (
                "config.toml",
                "[nvidia-container-cli]\nno-cgroups = false\n[nvidia-container-runtime]\nmode = \"auto\"\n",
            ),
        ];
        type Seen = Arc<Mutex<Vec<(String, Vec<NodeKind>)>>>;
        let seen: Seen = Arc::default();
        for (name, text) in samples {
            let sink = Arc::clone(&seen);
            let mut engine = crate::rules::eval::Engine::new(Vec::new());
            engine.observer = Some(Box::new(move |source, nodes| {
                let kinds = nodes.iter().map(|n| n.kind).collect();
                sink.lock().unwrap().push((source.display.clone(), kinds));
            }));
            let input = crate::Input::Text {
                name: (*name).into(),
                text: text.as_bytes().to_vec(),
            };
            crate::check(&engine, &crate::settings::Settings::default(), input).unwrap();
        }
        let mut built: HashMap<NodeKind, Vec<crate::classify::FileKind>> = HashMap::new();
        for (name, kinds) in seen.lock().unwrap().iter() {
            let text = samples.iter().find(|(n, _)| n == name).map(|(_, t)| *t);
            let file =
                crate::classify::by_name_or_content(std::path::Path::new(name), text.unwrap())
                    .unwrap_or_else(|| panic!("{name} is of no kind"));
            for k in kinds {
                let list = built.entry(*k).or_default();
                if !list.contains(&file) {
                    list.push(file);
                }
            }
        }
        built
    }

    /// `produced_by` says no less than the readers build (a rule left to the default must
    /// run wherever its node exists), and, for each kind the samples reach, no more.
    #[test]
    fn produced_by_covers_every_reader() {
        let built = built_by_samples();
        for kind in NodeKind::ALL {
            let table = kind.produced_by();
            let from = built.get(&kind).cloned().unwrap_or_default();
            for f in &from {
                assert!(
                    table.contains(f),
                    "{} nodes are built from {} files, which `produced_by` leaves out",
                    kind.name(),
                    f.name()
                );
            }
            for f in table {
                assert!(
                    from.contains(f),
                    "`produced_by` says {} files build {} nodes; no sample does",
                    f.name(),
                    kind.name()
                );
            }
        }
    }
}
