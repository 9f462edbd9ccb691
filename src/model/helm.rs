//! Helm `values.yaml` read into [`Service`]s (origin Helm), one per workload block, plus a
//! `chart` node per block with the chart's own settings.
//!
//! A values file does not say what the templates do with it, so the mapping is conservative:
//! a *workload block* is a mapping with Kubernetes-shaped keys (`securityContext`,
//! `containerSecurityContext`, `podSecurityContext`, `resources`, `resourcesPreset`,
//! `hostNetwork`/`hostPID`/`hostIPC`) and an image (its own `image`, or the nearest enclosing
//! one: Bitnami's `master` and `replica` run the top-level `image`), or a mapping with an
//! `image` that no such block uses. A block (or a whole dependency) with `enabled: false` is
//! not deployed and is skipped. Keys this reader does not understand are not findings.
//!
//! Within a block: `containerSecurityContext` (or `securityContext` when there is none) is the
//! container's security context and `podSecurityContext` (or `securityContext` beside a
//! `containerSecurityContext`, or `podSpec.securityContext`) the pod's, a Bitnami-style
//! `enabled: false` inside either switching it off; `image.registry/repository/tag/digest` or
//! `image.imageName`, an empty tag being the chart's `appVersion` (unknown for a dependency);
//! `resources.limits.memory`, or a Bitnami `resourcesPreset` other than `none`; `env`,
//! `extraEnv`, `extraEnvVars`; `command`, `args`, `extraArgs`, Triton's `serverArgs`
//! (arguments of `tritonserver`) and Bitnami Redis' `extraFlags` (of `redis-server`);
//! `hostPath` volumes in `volumes`/`extraVolumes` mounted by `volumeMounts`/
//! `extraVolumeMounts`; `service.type` LoadBalancer/NodePort and `ingress.enabled: true` as
//! exposures. Known charts add what their templates render: Bitnami Redis `auth.enabled:
//! false` is `ALLOW_EMPTY_PASSWORD=yes` and a literal `auth.password` is `REDIS_PASSWORD`;
//! the chromadb chart's `chromadb.auth.enabled` sets an auth provider for Chroma < 1.0.
//!
//! Umbrella charts: values under a dependency's name (Chart.yaml `dependencies`, `alias`
//! first) are that chart's values and are read as a chart of their own.

use super::component;
use super::image::parse_image_ref;
use super::kubernetes::{self, boolean, inside, SecurityContext};
use super::nodes::{service_nodes, FileCtx, Node, NodeKind};
use super::{Command, EnvSource, EnvVar, ImageRef, Origin, Service, Spanned};
use crate::model::nodes::{fact, to_json};
use crate::parse::yaml::{parse_documents, YNode, YValue};
use crate::parse::Problem;
use crate::source::Span;
use schemars::JsonSchema;
use serde::Serialize;

/// Span keys a `chart` rule may name.
pub const SPAN_KEYS: &[&str] = &[
    "chart",
    "chart.auth_enabled",
    "chart.network_policy",
    "chart.resources",
    "chart.exposures",
    "service",
    "service.image",
    "service.mem_limit",
    "service.exposures",
];

pub fn file_nodes(ctx: &FileCtx, out: &mut Vec<Node>) -> Vec<Problem> {
    let src = &ctx.source.text;
    let docs = match parse_documents(src) {
        Ok(d) => d,
        Err(e) => {
            return vec![Problem {
                message: e.message,
                span: e.span,
            }]
        }
    };
    let meta = chart_meta(ctx);
    for doc in docs.iter().filter(|d| d.is_map()) {
        for chart in charts(src, doc, &meta) {
            emit(ctx, src, &chart, out);
        }
        // The GPU Operator's operands are blocks with a bare `image`, not workloads.
        let chart = (meta.name.as_deref(), meta.app_version.as_deref());
        super::gpu_operator::values_nodes(ctx, doc, chart, out);
    }
    Vec::new()
}

/// What Chart.yaml beside the values file says.
#[derive(Debug, Default)]
struct ChartMeta {
    name: Option<String>,
    app_version: Option<String>,
    /// Values keys of dependencies (`alias` or `name`) with the chart's name.
    dependencies: Vec<(String, String)>,
}

fn chart_meta(ctx: &FileCtx) -> ChartMeta {
    let Some(super::related::Joined { text, .. }) =
        ctx.related.look_for(&ctx.source.path, "Chart.yaml")
    else {
        return ChartMeta::default();
    };
    let Ok(docs) = parse_documents(&text) else {
        return ChartMeta::default();
    };
    let Some(doc) = docs.first() else {
        return ChartMeta::default();
    };
    let s = |n: Option<&YNode>| n.and_then(|n| n.scalar_text(&text));
    ChartMeta {
        name: s(doc.get("name")),
        app_version: s(doc.get("appVersion")).filter(|v| !v.is_empty()),
        dependencies: doc
            .get("dependencies")
            .map(YNode::items)
            .unwrap_or_default()
            .iter()
            .filter_map(|d| {
                let name = s(d.get("name"))?;
                let key = s(d.get("alias")).unwrap_or_else(|| name.clone());
                Some((key, name))
            })
            .collect(),
    }
}

/// Which known chart a chart's values are, recognised from its name and its values' shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum ChartFlavor {
    /// Bitnami's Redis chart: its image is `bitnami/redis` (or `bitnamilegacy/redis`), or a
    /// chart named `redis` has `master`, `auth` or `architecture`.
    #[serde(rename = "bitnami-redis")]
    BitnamiRedis,
    /// The Ollama chart (otwld/ollama-helm): an `ollama` mapping, in a chart named `ollama`
    /// or one running `ollama/ollama`.
    #[serde(rename = "ollama-helm")]
    Ollama,
    /// The ChromaDB chart (amikos-tech/chromadb-chart): a `chromadb` mapping, in a chart
    /// named `chromadb` or one running a `*/chroma` image.
    #[serde(rename = "chromadb")]
    Chroma,
    /// A Triton chart (NVIDIA's examples): `image.imageName` names `tritonserver`.
    #[serde(rename = "triton")]
    Triton,
    /// Any other chart.
    #[serde(rename = "")]
    Other,
}

/// `chart`: one workload block of a Helm values file, with the settings of the chart it
/// belongs to (the file's own chart, or a dependency's values in an umbrella chart).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ChartFacts {
    /// The chart's name: Chart.yaml's `name` (a dependency's `name` for its values), or
    /// `chart` when there is no Chart.yaml beside the values.
    pub name: String,
    /// The known chart these values are for.
    pub flavor: ChartFlavor,
    /// The values key of the dependency (its `alias`, else its `name`) whose values these
    /// are; `null` for the file's own chart.
    pub dependency: Option<String>,
    /// The block's values path below the chart, dot-separated (`master`, `ollama`); `''` for
    /// the chart's top level.
    pub block: String,
    /// The chart's first block: chart-wide settings (`auth`, `networkPolicy`) are reported
    /// once, on it.
    pub primary: bool,
    /// Some block of the chart is reachable from outside the cluster (`exposures` is not
    /// empty).
    pub exposed: bool,
    /// How the chart's blocks are reachable from outside the cluster, for messages
    /// (``NodePort Service (`service.type`)``, ``an Ingress (`ingress.enabled`)``): every
    /// block's, not only this one's.
    pub exposures: Vec<String>,
    /// The components the chart's blocks run, each once, in block order.
    pub components: Vec<component::Component>,
    /// The chart's own authentication switch (Bitnami Redis `auth.enabled`, chromadb
    /// `chromadb.auth.enabled`); `null` when the values do not set it (or not to a boolean),
    /// and for charts without one.
    pub auth_enabled: Option<bool>,
    /// `networkPolicy.enabled`; `null` when the values do not set it (or not to a boolean).
    pub network_policy_enabled: Option<bool>,
    /// The block has a `resources` mapping or a `resourcesPreset` (even `none`).
    pub resources_declared: bool,
    /// The block runs an enclosing block's image without being a known chart's workload:
    /// likelier an init or helper container than a workload of its own.
    pub auxiliary: bool,
}

/// One chart's values: the file's own chart, or a dependency's subtree.
struct Chart<'a> {
    name: String,
    /// Values path of the subtree (`""` for the file's own chart).
    prefix: String,
    values: &'a YNode,
    app_version: Option<String>,
    flavor: ChartFlavor,
    /// Top-level keys that belong to dependencies (not read as this chart's).
    skip: Vec<String>,
}

fn charts<'a>(src: &str, root: &'a YNode, meta: &ChartMeta) -> Vec<Chart<'a>> {
    let name = meta.name.clone().unwrap_or_else(|| "chart".into());
    let mut out = vec![Chart {
        flavor: flavor(src, &name, root),
        name,
        prefix: String::new(),
        values: root,
        app_version: meta.app_version.clone(),
        skip: meta.dependencies.iter().map(|(k, _)| k.clone()).collect(),
    }];
    for (key, name) in &meta.dependencies {
        let Some(v) = root.get(key).filter(|v| v.is_map()) else {
            continue;
        };
        if disabled(v) {
            continue;
        }
        out.push(Chart {
            flavor: flavor(src, name, v),
            name: name.clone(),
            prefix: key.clone(),
            values: v,
            app_version: None,
            skip: Vec::new(),
        });
    }
    out
}

fn flavor(src: &str, name: &str, v: &YNode) -> ChartFlavor {
    let image = v.get("image");
    let repo = image
        .and_then(|i| i.get("repository"))
        .and_then(|r| r.scalar_text(src))
        .unwrap_or_default()
        .to_ascii_lowercase();
    let map = |k: &str| v.get(k).is_some_and(YNode::is_map);
    if repo.ends_with("bitnami/redis")
        || repo.ends_with("bitnamilegacy/redis")
        || (name == "redis" && (map("master") || map("auth") || v.get("architecture").is_some()))
    {
        ChartFlavor::BitnamiRedis
    } else if map("ollama") && (name == "ollama" || repo.ends_with("ollama/ollama")) {
        ChartFlavor::Ollama
    } else if map("chromadb") && (name == "chromadb" || repo.ends_with("/chroma")) {
        ChartFlavor::Chroma
    } else if image
        .and_then(|i| i.get("imageName"))
        .and_then(YNode::as_str)
        .is_some_and(|n| n.contains("tritonserver"))
    {
        ChartFlavor::Triton
    } else {
        ChartFlavor::Other
    }
}

fn disabled(v: &YNode) -> bool {
    v.get("enabled").and_then(YNode::as_bool) == Some(false)
}

/// `enabled: false`, or `enable<Key>: false` in the block `key` (`loraController:
/// {enableLoraController: false}`).
fn block_disabled(key: &str, v: &YNode) -> bool {
    disabled(v)
        || v.entries().iter().any(|(k, val)| {
            k.as_str().is_some_and(|k| {
                k.len() == key.len() + 6
                    && k.starts_with("enable")
                    && k[6..].eq_ignore_ascii_case(key)
            }) && val.as_bool() == Some(false)
        })
}

/// Keys whose presence makes a mapping a pod or container.
const CONTAINER_KEYS: &[&str] = &[
    "securityContext",
    "containerSecurityContext",
    "podSecurityContext",
    "resources",
    "resourcesPreset",
    "hostNetwork",
    "hostPID",
    "hostIPC",
];

/// Keys that hold settings of a block, not blocks of their own.
const NOT_BLOCKS: &[&str] = &[
    "image",
    "securityContext",
    "containerSecurityContext",
    "podSecurityContext",
    "resources",
    "service",
    "ingress",
    "networkPolicy",
    "auth",
    "tls",
    "podSpec",
    "persistence",
    "serviceAccount",
    "rbac",
    "global",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "autoscaling",
    "affinity",
    "nodeSelector",
    "tolerations",
    "podAnnotations",
    "podLabels",
    "annotations",
    "labels",
    "commonLabels",
    "pdb",
    "updateStrategy",
];

struct Candidate<'a> {
    path: Vec<String>,
    node: &'a YNode,
    key_span: Span,
    own_image: bool,
    container: bool,
    /// The mapping whose `image` this block runs.
    image_owner: Option<&'a YNode>,
}

fn image_node(n: &YNode) -> Option<&YNode> {
    let i = n.get("image")?;
    match &i.value {
        YValue::Map(_) => (i.get("repository").is_some_and(|r| r.as_str().is_some())
            || i.get("imageName").is_some_and(|r| r.as_str().is_some()))
        .then_some(i),
        YValue::Str(s) => (!s.trim().is_empty() && !s.contains(char::is_whitespace)).then_some(i),
        _ => None,
    }
}

fn walk<'a>(
    node: &'a YNode,
    path: &mut Vec<String>,
    key_span: Span,
    inherited: Option<&'a YNode>,
    skip: &dyn Fn(&[String], &str) -> bool,
    out: &mut Vec<Candidate<'a>>,
) {
    if path.last().is_some_and(|key| block_disabled(key, node)) {
        return;
    }
    let own_image = image_node(node).is_some();
    let container = CONTAINER_KEYS.iter().any(|k| node.get(k).is_some());
    let owner = if own_image { Some(node) } else { inherited };
    if own_image || container {
        out.push(Candidate {
            path: path.clone(),
            node,
            key_span,
            own_image,
            container,
            image_owner: owner,
        });
    }
    if path.len() >= 6 {
        return;
    }
    for (k, v) in node.entries() {
        let Some(key) = k.as_str() else { continue };
        if !v.is_map() || NOT_BLOCKS.contains(&key) || skip(path, key) {
            continue;
        }
        path.push(key.to_string());
        walk(v, path, k.span, owner, skip, out);
        path.pop();
    }
}

struct Block<'a> {
    path: Vec<String>,
    node: &'a YNode,
    span: Span,
    image: Option<&'a YNode>,
    /// The mapping that holds `image` (the GPU Operator writes `repository` beside it).
    image_owner: Option<&'a YNode>,
    /// Runs an enclosing block's image without being one of a known chart's workloads: an
    /// init or helper container (`copyAppData`) more often than a workload of its own.
    auxiliary: bool,
}

fn blocks<'a>(chart: &Chart<'a>) -> Vec<Block<'a>> {
    let root = chart.values;
    let standalone = root.get("architecture").and_then(YNode::as_str) == Some("standalone");
    let flavor = chart.flavor;
    let skip = |path: &[String], key: &str| {
        path.is_empty()
            && (chart.skip.iter().any(|s| s == key)
                || (flavor == ChartFlavor::BitnamiRedis && key == "replica" && standalone))
    };
    let mut cands = Vec::new();
    let first_key = root.entries().first().map_or(root.span, |(k, _)| k.span);
    walk(root, &mut Vec::new(), first_key, None, &skip, &mut cands);
    let used = |owner: &YNode| {
        cands.iter().any(|c| {
            c.container && !c.own_image && c.image_owner.is_some_and(|o| std::ptr::eq(o, owner))
        })
    };
    let mut out = Vec::new();
    for c in &cands {
        // A known chart's workloads run its image even when an override file leaves it out.
        let known = flavor_component(flavor, &c.path).is_some();
        // A mapping with only an image is a workload at the top of a chart (Triton's
        // `image.imageName`); deeper down it is more often an optional helper's.
        let keep = (c.container && (c.image_owner.is_some() || known))
            || (c.own_image && c.path.is_empty() && !used(c.node));
        if !keep {
            continue;
        }
        let span = if c.path.is_empty() {
            // The top level has no key of its own: point at its image, else its first
            // container key.
            root.entry("image")
                .or_else(|| CONTAINER_KEYS.iter().find_map(|k| root.entry(k)))
                .map_or(c.key_span, |(k, _)| k.span)
        } else {
            c.key_span
        };
        out.push(Block {
            path: c.path.clone(),
            node: c.node,
            span,
            image: c.image_owner.and_then(image_node),
            image_owner: c.image_owner,
            auxiliary: !c.own_image && !c.path.is_empty() && !known,
        });
    }
    // The Bitnami Redis chart always deploys a master (or a sentinel-managed node): its
    // chart-level settings (`auth`, `networkPolicy`) need a block to be reported on even
    // when the values only override those.
    if flavor == ChartFlavor::BitnamiRedis
        && !out
            .iter()
            .any(|b| b.path.first().is_some_and(|p| p == "master"))
    {
        let (span, node) = match root.entry("master") {
            Some((k, v)) if v.is_map() => (k.span, v),
            _ => (first_key, root),
        };
        out.insert(
            0,
            Block {
                path: vec!["master".into()],
                node,
                span,
                image: image_node(root),
                image_owner: Some(root),
                auxiliary: false,
            },
        );
    }
    out
}

/// The component a known chart's block runs, by where it is.
fn flavor_component(flavor: ChartFlavor, path: &[String]) -> Option<component::Component> {
    use component::Component;
    let at = |p: &[&str]| path.len() == p.len() && path.iter().zip(p).all(|(a, b)| a == b);
    match flavor {
        ChartFlavor::BitnamiRedis if at(&["master"]) || at(&["replica"]) || at(&["sentinel"]) => {
            Some(Component::Redis)
        }
        ChartFlavor::Ollama if path.is_empty() => Some(Component::Ollama),
        ChartFlavor::Chroma if path.is_empty() => Some(Component::Chromadb),
        ChartFlavor::Triton if path.is_empty() => Some(Component::Triton),
        _ => None,
    }
}

/// A block's image: `[registry/]repository[:tag][@digest]`, `imageName`, or a string.
fn image_ref(
    src: &str,
    n: &YNode,
    owner: Option<&YNode>,
    app_version: Option<&str>,
) -> Option<ImageRef> {
    // `repository` + bare `image` + `version`: the GPU Operator's way of naming an image.
    if let Some(i) = owner.and_then(|o| super::gpu_operator::composed_image(src, o, app_version)) {
        return Some(i);
    }
    if let Some(s) = n.as_str() {
        let mut i = parse_image_ref(s, s, inside(src, n));
        i.unresolved |= s.contains("{{");
        return Some(i);
    }
    if let Some(name) = n.get("imageName") {
        let s = name.scalar_text(src)?;
        let mut i = parse_image_ref(&s, &s, inside(src, name));
        i.unresolved |= s.contains("{{");
        return Some(i);
    }
    let part = |k: &str| {
        n.get(k)
            .and_then(|v| {
                v.scalar_text(src)
                    .map(|t| (t.trim().to_string(), inside(src, v)))
            })
            .filter(|(t, _)| !t.is_empty())
    };
    let (repository, repo_span) = part("repository")?;
    let registry = part("registry");
    let tag = part("tag");
    let digest = part("digest");
    let mut text = String::new();
    if let Some((r, _)) = &registry {
        text.push_str(r.trim_end_matches('/'));
        text.push('/');
    }
    text.push_str(&repository);
    // An empty tag is the chart's `appVersion` in the usual templates.
    let (tag_text, unknown_tag) = match (&tag, &digest) {
        (Some((t, _)), _) => (Some(t.clone()), false),
        (None, Some(_)) => (None, false),
        (None, None) => (app_version.map(str::to_string), app_version.is_none()),
    };
    if let Some(t) = &tag_text {
        text.push(':');
        text.push_str(t);
    }
    if let Some((d, _)) = &digest {
        text.push('@');
        text.push_str(d);
    }
    let span = tag.as_ref().map_or(repo_span, |(_, s)| *s);
    let mut i = parse_image_ref(&text, &text, span);
    i.name_span = Some(registry.as_ref().map_or(repo_span, |(_, s)| *s));
    i.unresolved |= unknown_tag || text.contains("{{");
    if tag.is_none() && digest.is_none() && app_version.is_some() {
        i.tag_from = Some("Chart.yaml appVersion".into());
    }
    Some(i)
}

/// The block's security contexts, container then pod.
fn security_contexts(b: &YNode) -> (Option<&YNode>, Option<&YNode>) {
    fn on(n: Option<&YNode>) -> Option<&YNode> {
        n.filter(|n| n.is_map() && !disabled(n))
    }
    let csc = on(b.get("containerSecurityContext"));
    let sc = on(b.get("securityContext"));
    let psc = on(b.get("podSecurityContext"))
        .or_else(|| on(b.get("podSpec").and_then(|p| p.get("securityContext"))));
    match csc {
        Some(c) => (Some(c), psc.or(sc)),
        None => (sc, psc),
    }
}

struct Built {
    service: Service,
    resources_declared: bool,
    resources_span: Option<Span>,
}

fn block_service(src: &str, chart: &Chart, b: &Block) -> Built {
    let n = b.node;
    let label = if chart.prefix.is_empty() {
        chart.name.clone()
    } else {
        chart.prefix.clone()
    };
    let dotted = b.path.join(".");
    let values_path = |key: &str| {
        let mut parts: Vec<&str> = Vec::new();
        if !chart.prefix.is_empty() {
            parts.push(&chart.prefix);
        }
        parts.extend(b.path.iter().map(String::as_str));
        parts.push(key);
        parts.join(".")
    };
    let mut s = Service {
        name: if dotted.is_empty() {
            label
        } else {
            format!("{label}/{dotted}")
        },
        span: b.span,
        origin: Some(Origin::Helm),
        ..Service::default()
    };
    let own_chart_image = chart.prefix.is_empty() || b.image.is_some();
    s.image = b.image.and_then(|i| {
        image_ref(
            src,
            i,
            b.image_owner,
            chart.app_version.as_deref().filter(|_| own_chart_image),
        )
    });
    let (csc, psc) = security_contexts(n);
    SecurityContext {
        src,
        container: csc,
        pod: psc,
    }
    .apply(&mut s);
    let flag = |k: &str| boolean(src, n.get(k)).filter(|v| v.value);
    if let Some(h) = flag("hostNetwork") {
        s.network_mode = Some(Spanned::new("host".into(), h.span));
        s.exposures.push(Spanned::new(
            format!(
                "the host's network (`{}: true`)",
                values_path("hostNetwork")
            ),
            h.span,
        ));
    }
    s.pid = flag("hostPID").map(|h| Spanned::new("host".into(), h.span));
    s.ipc = flag("hostIPC").map(|h| Spanned::new("host".into(), h.span));

    // Resources.
    let resources = n.get("resources");
    let preset = n
        .get("resourcesPreset")
        .and_then(|p| kubernetes::text(src, Some(p)));
    s.mem_limit = kubernetes::text(
        src,
        resources
            .and_then(|r| r.get("limits"))
            .and_then(|l| l.get("memory")),
    )
    .or_else(|| {
        let has_limits = resources
            .and_then(|r| r.get("limits"))
            .is_some_and(|l| !l.entries().is_empty());
        preset
            .as_ref()
            .filter(|p| !has_limits && !p.value.is_empty() && p.value != "none")
            .map(|p| Spanned::new(format!("resourcesPreset `{}`", p.value), p.span))
    });
    let resources_declared = resources.is_some_and(YNode::is_map) || preset.is_some();
    let resources_span = n
        .entry("resources")
        .or_else(|| n.entry("resourcesPreset"))
        .map(|(k, _)| k.span);

    // Environment.
    for key in ["env", "extraEnv", "extraEnvVars"] {
        s.env.extend(kubernetes::env_list(src, n.get(key)));
    }

    // Command and arguments.
    s.entrypoint = kubernetes::command(src, n.get("command"));
    let mut args = kubernetes::command(src, n.get("args"));
    if let Some(extra) = kubernetes::command(src, n.get("extraArgs")) {
        match &mut args {
            Some(a) => a.args.extend(extra.args),
            None => args = Some(extra),
        }
    }
    let program_args = |key: &str, program: &str| -> Option<Command> {
        let (k, list) = n.entry(key)?;
        let mut cmd = kubernetes::command(src, Some(list))?;
        cmd.args
            .insert(0, Spanned::new(program.to_string(), k.span));
        cmd.span = k.span.cover(cmd.span);
        Some(cmd)
    };
    if args.is_none() {
        args = match chart.flavor {
            ChartFlavor::Triton => program_args("serverArgs", "tritonserver"),
            ChartFlavor::BitnamiRedis => program_args("extraFlags", "redis-server"),
            _ => None,
        };
    }
    s.command = args;

    // Volumes.
    let volumes: Vec<YNode> = ["volumes", "extraVolumes"]
        .iter()
        .flat_map(|k| n.get(k).map(YNode::items).unwrap_or_default().to_vec())
        .collect();
    for key in ["volumeMounts", "extraVolumeMounts"] {
        s.mounts
            .extend(kubernetes::mounts(src, n.get(key), &volumes));
    }

    // Exposure: the block's own Service and Ingress.
    if let Some(svc) = n.get("service").filter(|v| v.is_map() && !disabled(v)) {
        let restricted = svc
            .get("loadBalancerSourceRanges")
            .is_some_and(|r| !r.items().is_empty());
        if let Some(t) = svc.get("type") {
            let ty = t.as_str().unwrap_or("").trim();
            if ty == "NodePort" || (ty == "LoadBalancer" && !restricted) {
                s.exposures.push(Spanned::new(
                    format!("{ty} Service (`{}.type`)", values_path("service")),
                    inside(src, t),
                ));
            }
        }
        if let Some(ips) = svc.get("externalIPs").filter(|i| !i.items().is_empty()) {
            s.exposures.push(Spanned::new(
                format!("a Service with `{}.externalIPs`", values_path("service")),
                ips.span,
            ));
        }
    }
    if let Some(ing) = n.get("ingress") {
        let enabled = boolean(src, ing.get("enabled")).filter(|e| e.value);
        let authenticates = ing
            .get("annotations")
            .map(YNode::entries)
            .unwrap_or_default()
            .iter()
            .any(|(k, _)| {
                k.as_str()
                    .is_some_and(|k| k.ends_with("/auth-url") || k.ends_with("/auth-type"))
            });
        if let (Some(e), false) = (enabled, authenticates) {
            s.exposures.push(Spanned::new(
                format!("an Ingress (`{}.enabled`)", values_path("ingress")),
                e.span,
            ));
        }
    }

    s.component = component::identify(s.image.as_ref(), s.command.as_ref(), s.entrypoint.as_ref())
        .or_else(|| flavor_component(chart.flavor, &b.path));
    chart_environment(src, chart, &mut s);
    Built {
        service: s,
        resources_declared,
        resources_span,
    }
}

/// What known charts' templates put in the environment from their own keys.
fn chart_environment(src: &str, chart: &Chart, s: &mut Service) {
    let root = chart.values;
    let synthetic = |name: &str, value: Option<String>, at: &YNode, literal: bool| EnvVar {
        name: name.to_string(),
        name_span: inside(src, at),
        value,
        value_span: if literal { at.content_span(src) } else { None },
        span: inside(src, at),
        source: EnvSource::Compose,
        merged_at: None,
    };
    match chart.flavor {
        ChartFlavor::BitnamiRedis if s.component == Some(component::Component::Redis) => {
            let auth = root.get("auth");
            if let Some(e) = auth.and_then(|a| a.get("enabled")) {
                if e.as_bool() == Some(false) {
                    s.env.push(synthetic(
                        "ALLOW_EMPTY_PASSWORD",
                        Some("yes".into()),
                        e,
                        false,
                    ));
                }
            }
            if let Some(p) = auth.and_then(|a| a.get("password")) {
                if let Some(text) = p.scalar_text(src).filter(|t| !t.is_empty()) {
                    s.env.push(synthetic("REDIS_PASSWORD", Some(text), p, true));
                }
            }
        }
        ChartFlavor::Chroma if s.component == Some(component::Component::Chromadb) => {
            let legacy = s
                .image
                .as_ref()
                .and_then(|i| i.tag.as_deref())
                .and_then(|t| t.trim_start_matches('v').split('.').next())
                .and_then(|m| m.parse::<u32>().ok())
                == Some(0);
            let enabled = root
                .get("chromadb")
                .and_then(|c| c.get("auth"))
                .and_then(|a| a.get("enabled"));
            if let Some(e) = enabled.filter(|e| e.as_bool() == Some(true) && legacy) {
                s.env
                    .push(synthetic("CHROMA_SERVER_AUTHN_PROVIDER", None, e, false));
            }
        }
        _ => {}
    }
}

fn emit(ctx: &FileCtx, src: &str, chart: &Chart, out: &mut Vec<Node>) {
    let built: Vec<(Block, Built)> = blocks(chart)
        .into_iter()
        .map(|b| {
            let mut x = block_service(src, chart, &b);
            x.service.declared_in = Some(ctx.source.path.clone());
            (b, x)
        })
        .collect();
    if built.is_empty() {
        return;
    }
    let root = chart.values;
    let setting = |path: &[&str]| -> Option<&YNode> {
        let mut n = root;
        for k in path {
            n = n.get(k)?;
        }
        Some(n)
    };
    let auth = match chart.flavor {
        ChartFlavor::BitnamiRedis => setting(&["auth", "enabled"]),
        ChartFlavor::Chroma => setting(&["chromadb", "auth", "enabled"]),
        _ => None,
    }
    .and_then(|n| boolean(src, Some(n)));
    let network_policy = setting(&["networkPolicy", "enabled"]).and_then(|n| boolean(src, Some(n)));
    let exposures: Vec<&Spanned<String>> = built
        .iter()
        .flat_map(|(_, x)| x.service.exposures.iter())
        .collect();
    let mut components: Vec<component::Component> = Vec::new();
    for c in built.iter().filter_map(|(_, x)| x.service.component) {
        if !components.contains(&c) {
            components.push(c);
        }
    }
    for (i, (b, x)) in built.iter().enumerate() {
        let start = out.len();
        service_nodes(&x.service, ctx.file, ctx.file_facts, ctx.related, out);
        // The service node is the first `service_nodes` pushes: share its facts and spans.
        let Some(service) = out.get(start).filter(|n| n.kind == NodeKind::Service) else {
            continue;
        };
        let service_var = service
            .vars
            .iter()
            .find(|(k, _)| *k == "service")
            .map(|(_, v)| v.clone());
        let spans = service.spans.clone();
        let mut n = Node::new(NodeKind::Chart, ctx.file, ctx.file_facts);
        if let Some(v) = service_var {
            n.vars.push(("service", v));
        }
        n.spans = spans;
        let facts = ChartFacts {
            name: chart.name.clone(),
            flavor: chart.flavor,
            dependency: (!chart.prefix.is_empty()).then(|| chart.prefix.clone()),
            block: b.path.join("."),
            primary: i == 0,
            exposed: !exposures.is_empty(),
            exposures: exposures.iter().map(|e| e.value.clone()).collect(),
            components: components.clone(),
            auth_enabled: auth.as_ref().map(|a| a.value),
            network_policy_enabled: network_policy.as_ref().map(|a| a.value),
            resources_declared: x.resources_declared,
            auxiliary: b.auxiliary,
        };
        n.vars.push(("chart", fact(to_json(&facts))));
        n.span("chart", b.span);
        n.opt_span("chart.auth_enabled", auth.as_ref().map(|a| a.span));
        n.opt_span(
            "chart.network_policy",
            network_policy.as_ref().map(|a| a.span),
        );
        n.opt_span("chart.resources", x.resources_span);
        for e in &exposures {
            n.span("chart.exposures", e.span);
        }
        out.push(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn services(src: &str, meta: &ChartMeta) -> Vec<Service> {
        let docs = parse_documents(src).unwrap();
        let mut out = Vec::new();
        for chart in charts(src, &docs[0], meta) {
            for b in blocks(&chart) {
                out.push(block_service(src, &chart, &b).service);
            }
        }
        out
    }

    #[test]
    fn bitnami_redis_blocks_inherit_the_top_level_image() {
        let src = "image:\n  registry: docker.io\n  repository: bitnami/redis\n  tag: 8.2.1-debian-12-r0\narchitecture: standalone\nauth:\n  enabled: false\nmaster:\n  resourcesPreset: nano\n  containerSecurityContext:\n    enabled: true\n    runAsUser: 1001\n  service:\n    type: LoadBalancer\nreplica:\n  containerSecurityContext: {runAsUser: 0}\nmetrics:\n  enabled: false\n  image: {repository: bitnami/redis-exporter}\n  containerSecurityContext: {privileged: true}\n";
        let s = services(src, &ChartMeta::default());
        assert_eq!(
            s.len(),
            1,
            "{:?}",
            s.iter().map(|s| &s.name).collect::<Vec<_>>()
        );
        let m = &s[0];
        assert_eq!(m.name, "chart/master");
        assert_eq!(
            m.image.as_ref().unwrap().text,
            "docker.io/bitnami/redis:8.2.1-debian-12-r0"
        );
        assert_eq!(m.component, Some(component::Component::Redis));
        assert_eq!(m.user.as_ref().unwrap().value, "1001");
        assert_eq!(
            m.mem_limit.as_ref().unwrap().value,
            "resourcesPreset `nano`"
        );
        assert_eq!(
            m.exposures[0].value,
            "LoadBalancer Service (`master.service.type`)"
        );
        assert_eq!(m.env[0].name, "ALLOW_EMPTY_PASSWORD");
    }

    #[test]
    fn ollama_chart_and_umbrella_dependencies() {
        let src = "image:\n  repository: ghcr.io/open-webui/open-webui\n  tag: \"\"\nresources: {}\nollama:\n  enabled: true\n  image: {repository: ollama/ollama, tag: latest}\n  ollama: {gpu: {enabled: true}}\n  securityContext: {privileged: true}\n  service: {type: NodePort}\n  extraEnv:\n    - {name: OLLAMA_ORIGINS, value: '*'}\npipelines:\n  enabled: false\n  image: {repository: x/pipelines}\n  securityContext: {privileged: true}\n";
        let meta = ChartMeta {
            name: Some("open-webui".into()),
            app_version: Some("0.6.5".into()),
            dependencies: vec![
                ("ollama".into(), "ollama".into()),
                ("pipelines".into(), "pipelines".into()),
            ],
        };
        let s = services(src, &meta);
        let names: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["open-webui", "ollama"]);
        assert_eq!(
            s[0].image.as_ref().unwrap().text,
            "ghcr.io/open-webui/open-webui:0.6.5"
        );
        assert!(s[0].mem_limit.is_none());
        let o = &s[1];
        assert!(o.privileged.as_ref().unwrap().value);
        assert!(o.image.as_ref().unwrap().floating());
        assert_eq!(o.env[0].value.as_deref(), Some("*"));
        assert_eq!(
            o.exposures[0].value,
            "NodePort Service (`ollama.service.type`)"
        );
    }

    #[test]
    fn triton_server_args_and_unknown_tags() {
        let src = "image:\n  imageName: nvcr.io/nvidia/tritonserver:24.05-py3\nserverArgs:\n  - --model-repository=/models\n";
        let s = services(src, &ChartMeta::default());
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].component, Some(component::Component::Triton));
        let args: Vec<&str> = s[0]
            .command
            .as_ref()
            .unwrap()
            .args
            .iter()
            .map(|a| a.value.as_str())
            .collect();
        assert_eq!(args, ["tritonserver", "--model-repository=/models"]);
        // An empty tag without a Chart.yaml is the chart's appVersion: not known, not latest.
        let s = services(
            "image: {repository: ollama/ollama, tag: ''}\nsecurityContext: {}\n",
            &ChartMeta::default(),
        );
        assert!(!s[0].image.as_ref().unwrap().floating());
    }
}
