//! Kubernetes manifests (multi-document YAML, `List` items, the output of `helm template`)
//! read into [`Service`]s: one per container of each workload (Pod, Deployment, StatefulSet,
//! DaemonSet, ReplicaSet, ReplicationController, Job, CronJob), named `<Kind>/<name>:<container>`.
//!
//! What the pod spec says is mapped onto the same facts a Compose service has, so rules and
//! component modules read one model: `runAsUser` (the container's, else the pod's) is the
//! user, `hostNetwork: true` is `network_mode: host`, a `hostPath` volume mounted by the
//! container is a bind mount of that path, `resources.limits.memory` is the memory limit.
//!
//! Exposure is computed across the file: a Service of type LoadBalancer or NodePort (or with
//! `externalIPs`) whose selector matches the pod's labels and whose target port is one of the
//! container's ports, an Ingress whose backend names such a Service (of any type), and
//! `hostNetwork`. A LoadBalancer limited by `loadBalancerSourceRanges`, and an Ingress whose
//! annotations make the controller authenticate (`auth-url`, `auth-type`), are not counted.
//!
//! Pod-level namespaces (`hostNetwork`, `hostPID`, `hostIPC`) are given to the pod's first
//! container only, so that a rule about them reports the pod once; every container of the
//! pod still carries the host network as an exposure.

use super::component;
use super::image::parse_image_ref;
use super::nodes::{service_nodes, FileCtx, Node};
use super::{Command, EnvSource, EnvVar, Mount, MountKind, Origin, Port, Service, Spanned};
use crate::parse::yaml::{parse_documents, YNode, YValue};
use crate::parse::Problem;
use crate::source::Span;

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
    let patch = kustomize_patch(&ctx.source.path, ctx.related);
    for mut s in services_from_manifests(src, &docs) {
        s.declared_in = Some(ctx.source.path.clone());
        s.fragment |= patch;
        service_nodes(&s, ctx.file, ctx.file_facts, ctx.related, out);
    }
    super::gpu_operator::cluster_policy_nodes(ctx, &docs, out);
    Vec::new()
}

/// Every container of every workload in the documents, with exposures joined from the
/// Services and Ingresses of the same documents.
pub fn services_from_manifests(src: &str, docs: &[YNode]) -> Vec<Service> {
    let objects = objects(docs);
    let services: Vec<KService> = objects
        .iter()
        .filter(|o| o.kind == "Service" && !o.is_knative())
        .map(|o| kservice(src, o))
        .collect();
    let ingresses: Vec<Ingress> = objects
        .iter()
        .filter(|o| o.kind == "Ingress")
        .map(|o| ingress(src, o))
        .collect();
    let mut out = Vec::new();
    for o in &objects {
        let Some((spec, meta)) = pod_template(o) else {
            continue;
        };
        let labels = string_map(meta.and_then(|m| m.get("labels")));
        let w = Workload {
            obj: o,
            spec,
            labels,
        };
        out.extend(workload_services(src, &w, &services, &ingresses));
    }
    out
}

/// A top-level object: a document, or an item of a `List` document.
struct Object<'a> {
    kind: String,
    api_version: String,
    name: String,
    namespace: Option<String>,
    node: &'a YNode,
}

fn objects(docs: &[YNode]) -> Vec<Object<'_>> {
    let mut out = Vec::new();
    for doc in docs {
        push_object(doc, 0, &mut out);
    }
    out
}

fn push_object<'a>(node: &'a YNode, depth: usize, out: &mut Vec<Object<'a>>) {
    let Some(kind) = node.get("kind").and_then(YNode::as_str) else {
        return;
    };
    if node.get("apiVersion").is_none() {
        return;
    }
    if kind.ends_with("List") && depth < 2 {
        for item in node.get("items").map(YNode::items).unwrap_or_default() {
            push_object(item, depth + 1, out);
        }
        return;
    }
    let meta = node.get("metadata");
    let name = meta
        .and_then(|m| m.get("name").or_else(|| m.get("generateName")))
        .and_then(YNode::as_str)
        .unwrap_or("<unnamed>")
        .to_string();
    let namespace = meta
        .and_then(|m| m.get("namespace"))
        .and_then(YNode::as_str)
        .map(str::to_string);
    out.push(Object {
        kind: kind.to_string(),
        api_version: node
            .get("apiVersion")
            .and_then(YNode::as_str)
            .unwrap_or_default()
            .to_string(),
        name,
        namespace,
        node,
    });
}

impl Object<'_> {
    /// Knative Serving's `Service`, `Configuration` and `Revision` (KServe's serverless mode
    /// runs on them): a pod spec under `spec.template.spec` (`spec` for a Revision).
    fn is_knative(&self) -> bool {
        self.api_version.starts_with("serving.knative.dev/")
    }
}

/// The pod spec and the pod template's metadata of a workload object.
fn pod_template<'a>(o: &Object<'a>) -> Option<(&'a YNode, Option<&'a YNode>)> {
    let n = o.node;
    if o.is_knative() {
        let (spec, meta) = match o.kind.as_str() {
            "Service" | "Configuration" => {
                let t = n.get("spec")?.get("template")?;
                (t.get("spec")?, t.get("metadata"))
            }
            "Revision" => (n.get("spec")?, n.get("metadata")),
            _ => return None,
        };
        return spec.is_map().then_some((spec, meta));
    }
    let template = match o.kind.as_str() {
        "Pod" => return n.get("spec").map(|s| (s, n.get("metadata"))),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => n.get("spec")?.get("template")?,
        "CronJob" => n
            .get("spec")?
            .get("jobTemplate")?
            .get("spec")?
            .get("template")?,
        _ => return None,
    };
    template
        .get("spec")
        .filter(|s| s.is_map())
        .map(|s| (s, template.get("metadata")))
}

struct Workload<'a> {
    obj: &'a Object<'a>,
    spec: &'a YNode,
    labels: Vec<(String, String)>,
}

/// A Kubernetes Service: what it selects and how it is reachable.
struct KService {
    name: String,
    namespace: Option<String>,
    selector: Vec<(String, String)>,
    /// Target ports (`targetPort`, else `port`), as numbers or port names.
    targets: Vec<String>,
    /// `LoadBalancer Service `x`` and where the type is written, when it reaches beyond the
    /// cluster.
    exposure: Option<Spanned<String>>,
}

fn kservice(src: &str, o: &Object) -> KService {
    let spec = o.node.get("spec");
    let get = |k: &str| spec.and_then(|s| s.get(k));
    let targets = get("ports")
        .map(YNode::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| {
            p.get("targetPort")
                .or_else(|| p.get("port"))
                .and_then(|t| t.scalar_text(src))
        })
        .collect();
    let restricted = get("loadBalancerSourceRanges").is_some_and(|r| !r.items().is_empty())
        || annotation(o.node, |k, _| k.ends_with("/load-balancer-source-ranges"));
    let mut exposure = None;
    if let Some(t) = get("type") {
        if let Some(ty) = t.as_str() {
            let ty = ty.trim();
            if ty == "NodePort" || (ty == "LoadBalancer" && !restricted) {
                // A cloud's internal load balancer has an address on the private network
                // only: outside the cluster, but not on the internet.
                let internal = ty == "LoadBalancer" && annotation(o.node, internal_load_balancer);
                exposure = Some(Spanned::new(
                    format!(
                        "{}{ty} Service `{}`",
                        if internal { "internal " } else { "" },
                        o.name
                    ),
                    inside(src, t),
                ));
            }
        }
    }
    if exposure.is_none() {
        if let Some(ips) = get("externalIPs").filter(|i| !i.items().is_empty()) {
            exposure = Some(Spanned::new(
                format!("Service `{}` with `externalIPs`", o.name),
                ips.span,
            ));
        }
    }
    KService {
        name: o.name.clone(),
        namespace: o.namespace.clone(),
        selector: string_map(spec.and_then(|s| s.get("selector"))),
        targets,
        exposure,
    }
}

/// The annotations GKE, EKS, AKS, OCI and OpenStack read to give a LoadBalancer Service a
/// private address.
fn internal_load_balancer(key: &str, value: &str) -> bool {
    let v = value.trim();
    match key.rsplit('/').next().unwrap_or(key) {
        "load-balancer-type" => v.eq_ignore_ascii_case("internal"),
        "aws-load-balancer-scheme" => v.eq_ignore_ascii_case("internal"),
        "aws-load-balancer-internal"
        | "azure-load-balancer-internal"
        | "oci-load-balancer-internal"
        | "openstack-internal-load-balancer" => v.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// An annotation of the object satisfies `f(key, value)`.
fn annotation(obj: &YNode, f: impl Fn(&str, &str) -> bool) -> bool {
    obj.get("metadata")
        .and_then(|m| m.get("annotations"))
        .map(YNode::entries)
        .unwrap_or_default()
        .iter()
        .any(|(k, v)| {
            k.as_str()
                .is_some_and(|k| f(k, v.as_str().unwrap_or_default()))
        })
}

struct Ingress {
    name: String,
    namespace: Option<String>,
    /// Backend Service names with where they are written.
    backends: Vec<Spanned<String>>,
    /// The controller authenticates requests (nginx `auth-url`/`auth-type`, ALB `auth-type`).
    authenticates: bool,
}

fn ingress(src: &str, o: &Object) -> Ingress {
    let mut backends = Vec::new();
    let spec = o.node.get("spec");
    let mut backend = |b: Option<&YNode>| {
        let Some(b) = b else { return };
        // networking.k8s.io/v1: `service.name`; v1beta1: `serviceName`.
        let name = b
            .get("service")
            .and_then(|s| s.get("name"))
            .or_else(|| b.get("serviceName"));
        if let Some(n) = name {
            if let Some(text) = n.as_str() {
                backends.push(Spanned::new(text.to_string(), inside(src, n)));
            }
        }
    };
    backend(spec.and_then(|s| s.get("defaultBackend")));
    backend(spec.and_then(|s| s.get("backend")));
    for rule in spec
        .and_then(|s| s.get("rules"))
        .map(YNode::items)
        .unwrap_or_default()
    {
        for path in rule
            .get("http")
            .and_then(|h| h.get("paths"))
            .map(YNode::items)
            .unwrap_or_default()
        {
            backend(path.get("backend"));
        }
    }
    let authenticates = annotation(o.node, |k, v| {
        let key = k.rsplit('/').next().unwrap_or(k);
        match key {
            "auth-url" | "auth-tls-verify-client" => !v.trim().is_empty(),
            "auth-type" => !v.trim().is_empty() && !v.trim().eq_ignore_ascii_case("none"),
            _ => false,
        }
    });
    Ingress {
        name: o.name.clone(),
        namespace: o.namespace.clone(),
        backends,
        authenticates,
    }
}

fn same_namespace(a: &Option<String>, b: &Option<String>) -> bool {
    // A manifest without a namespace is applied into whichever one `kubectl -n` names.
    a.is_none() || b.is_none() || a == b
}

fn selects(selector: &[(String, String)], labels: &[(String, String)]) -> bool {
    !selector.is_empty() && selector.iter().all(|kv| labels.contains(kv))
}

/// A mapping of strings (labels, a selector), in order.
fn string_map(n: Option<&YNode>) -> Vec<(String, String)> {
    n.map(YNode::entries)
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, v)| {
            let v = match &v.value {
                YValue::Str(s) => s.clone(),
                YValue::Int(i) => i.to_string(),
                YValue::Bool(b) => b.to_string(),
                YValue::Float(f) => f.to_string(),
                _ => return None,
            };
            Some((k.as_str()?.to_string(), v))
        })
        .collect()
}

/// Span of a scalar's text (inside quotes when written on one line), else the node's.
pub(crate) fn inside(src: &str, n: &YNode) -> Span {
    if let Some(s) = n.content_span(src) {
        return s;
    }
    if !n.is_aliased() {
        if let Some(raw) = src.get(n.span.start..n.span.end) {
            let b = raw.as_bytes();
            if b.len() >= 2
                && matches!(b[0], b'"' | b'\'')
                && b[b.len() - 1] == b[0]
                && !raw.contains('\n')
            {
                return Span::new(n.span.start + 1, n.span.end - 1);
            }
        }
    }
    n.span
}

pub(crate) fn text(src: &str, n: Option<&YNode>) -> Option<Spanned<String>> {
    let n = n?;
    Some(Spanned::new(n.scalar_text(src)?, inside(src, n)))
}

pub(crate) fn boolean(src: &str, n: Option<&YNode>) -> Option<Spanned<bool>> {
    let n = n?;
    let v = match &n.value {
        YValue::Bool(b) => *b,
        YValue::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => return None,
        },
        _ => return None,
    };
    Some(Spanned::new(v, inside(src, n)))
}

fn workload_services(
    src: &str,
    w: &Workload,
    services: &[KService],
    ingresses: &[Ingress],
) -> Vec<Service> {
    let spec = w.spec;
    let mut out = Vec::new();
    let regular = spec.get("containers").map(YNode::items).unwrap_or_default();
    let init = spec
        .get("initContainers")
        .map(YNode::items)
        .unwrap_or_default();
    let pod_sc = spec.get("securityContext");
    let host_network = boolean(src, spec.get("hostNetwork")).filter(|b| b.value);
    let host_pid = boolean(src, spec.get("hostPID")).filter(|b| b.value);
    let host_ipc = boolean(src, spec.get("hostIPC")).filter(|b| b.value);
    let volumes = spec.get("volumes").map(YNode::items).unwrap_or_default();
    // Services (and Ingresses through them) that send traffic to this pod.
    let selecting: Vec<&KService> = services
        .iter()
        .filter(|s| {
            same_namespace(&s.namespace, &w.obj.namespace) && selects(&s.selector, &w.labels)
        })
        .collect();
    let knative = knative_exposure(src, w.obj);
    for (i, c) in regular.iter().chain(init).enumerate() {
        if !c.is_map() {
            continue;
        }
        let is_init = i >= regular.len();
        let container = Container {
            src,
            node: c,
            pod_sc,
            volumes,
        };
        let mut s = container.service(&format!(
            "{}/{}:{}",
            w.obj.kind,
            w.obj.name,
            c.get("name").and_then(YNode::as_str).unwrap_or("<unnamed>")
        ));
        if i == 0 {
            s.network_mode = host_network
                .as_ref()
                .map(|b| Spanned::new("host".into(), b.span));
            s.pid = host_pid
                .as_ref()
                .map(|b| Spanned::new("host".into(), b.span));
            s.ipc = host_ipc
                .as_ref()
                .map(|b| Spanned::new("host".into(), b.span));
        }
        if !is_init {
            if let Some(h) = &host_network {
                s.exposures.push(Spanned::new(
                    "the host's network (`hostNetwork: true`)".into(),
                    h.span,
                ));
            }
            let serves = |svc: &KService| {
                if s.ports.is_empty() {
                    // No declared ports: only a single-container pod is surely the target.
                    return regular.len() == 1;
                }
                svc.targets.iter().any(|t| {
                    s.ports.iter().any(|p| &p.container_port == t)
                        || container_port_names(c).iter().any(|n| n == t)
                })
            };
            let mut found = Vec::new();
            for svc in selecting.iter().filter(|svc| serves(svc)) {
                if let Some(e) = &svc.exposure {
                    found.push(e.clone());
                }
                for ing in ingresses
                    .iter()
                    .filter(|g| !g.authenticates && same_namespace(&g.namespace, &svc.namespace))
                {
                    if let Some(b) = ing.backends.iter().find(|b| b.value == svc.name) {
                        found.push(Spanned::new(
                            format!("Ingress `{}` (to Service `{}`)", ing.name, svc.name),
                            b.span,
                        ));
                    }
                }
            }
            s.exposures.extend(found);
            // Knative routes requests to the one container that declares a port.
            if regular.len() == 1 || !s.ports.is_empty() {
                s.exposures.extend(knative.clone());
            }
        }
        s.component =
            component::identify(s.image.as_ref(), s.command.as_ref(), s.entrypoint.as_ref());
        out.push(s);
    }
    out
}

/// A Knative Service gets a public URL on the cluster's ingress gateway unless it is labelled
/// `networking.knative.dev/visibility: cluster-local` (`serving.knative.dev/visibility` before
/// Knative 0.25).
fn knative_exposure(src: &str, o: &Object) -> Option<Spanned<String>> {
    if !o.is_knative() || o.kind != "Service" {
        return None;
    }
    let labels = string_map(o.node.get("metadata").and_then(|m| m.get("labels")));
    let local = labels
        .iter()
        .any(|(k, v)| k.ends_with(".knative.dev/visibility") && v.trim() == "cluster-local");
    let kind = o.node.get("kind")?;
    (!local).then(|| {
        Spanned::new(
            format!(
                "Knative Service `{}` (public unless labelled cluster-local)",
                o.name
            ),
            inside(src, kind),
        )
    })
}

fn container_port_names(c: &YNode) -> Vec<String> {
    c.get("ports")
        .map(YNode::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p.get("name").and_then(YNode::as_str).map(str::to_string))
        .collect()
}

/// One container spec with what it inherits from its pod.
pub(crate) struct Container<'a> {
    pub src: &'a str,
    pub node: &'a YNode,
    /// The pod's `securityContext`.
    pub pod_sc: Option<&'a YNode>,
    /// The pod's `volumes`.
    pub volumes: &'a [YNode],
}

impl Container<'_> {
    fn service(&self, name: &str) -> Service {
        let (src, c) = (self.src, self.node);
        let mut s = Service {
            name: name.to_string(),
            span: c.get("name").map_or(c.span, |n| inside(src, n)),
            origin: Some(Origin::Kubernetes),
            ..Service::default()
        };
        if let Some(img) = c.get("image") {
            if let Some(raw) = img.scalar_text(src) {
                s.image = Some(parse_image_ref(&raw, &raw, inside(src, img)));
            }
        }
        s.ports = ports(src, c.get("ports"));
        s.env = env_list(src, c.get("env"));
        s.env_files = env_from(src, c.get("envFrom"));
        s.entrypoint = command(src, c.get("command"));
        s.command = command(src, c.get("args"));
        let sc = SecurityContext {
            src,
            container: c.get("securityContext"),
            pod: self.pod_sc,
        };
        sc.apply(&mut s);
        s.mounts = mounts(src, c.get("volumeMounts"), self.volumes);
        s.mem_limit = text(
            src,
            c.get("resources")
                .and_then(|r| r.get("limits"))
                .and_then(|l| l.get("memory")),
        );
        // A container must name its image to run: without one this is a patch or an overlay
        // fragment that a tool (Kustomize, a chart's template) merges into a full manifest.
        s.fragment = c.get("image").is_none_or(YNode::is_null);
        s
    }
}

/// The file is a patch that a `kustomization.yaml` in its folder or the folder above lists
/// (`patches:` / `patchesStrategicMerge:` / `patchesJson6902:`): a partial manifest.
fn kustomize_patch(path: &std::path::Path, related: &super::related::Joiner) -> bool {
    let Some(dir) = path.parent() else {
        return false;
    };
    let name = |p: &std::path::Path| p.file_name().map(|n| n.to_os_string());
    let Some(file_name) = name(path) else {
        return false;
    };
    // The folder and its parent: `overlays/prod/patch.yaml` and `overlays/prod/patches/x.yaml`.
    let mut relative = std::path::PathBuf::from(&file_name);
    let mut folder = Some(dir);
    for _ in 0..2 {
        let Some(d) = folder else { break };
        for k in ["kustomization.yaml", "kustomization.yml", "Kustomization"] {
            let Some(super::related::Joined { text, .. }) = related.look_for(&d.join(k), k) else {
                continue;
            };
            if lists_patch(&text, &relative) {
                return true;
            }
        }
        if let Some(sub) = name(d) {
            relative = std::path::Path::new(&sub).join(&relative);
        }
        folder = d.parent();
    }
    false
}

fn lists_patch(kustomization: &str, relative: &std::path::Path) -> bool {
    let Ok(docs) = parse_documents(kustomization) else {
        return false;
    };
    let normal = |p: &str| {
        std::path::Path::new(p.trim())
            .components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect::<std::path::PathBuf>()
    };
    let Some(doc) = docs.first() else {
        return false;
    };
    ["patches", "patchesStrategicMerge", "patchesJson6902"]
        .iter()
        .filter_map(|k| doc.get(k))
        .flat_map(YNode::items)
        .filter_map(|item| {
            item.as_str()
                .or_else(|| item.get("path").and_then(YNode::as_str))
        })
        .any(|p| normal(p) == relative)
}

/// A container's security context with the pod's as fallback for the fields both have.
pub(crate) struct SecurityContext<'a> {
    pub src: &'a str,
    pub container: Option<&'a YNode>,
    pub pod: Option<&'a YNode>,
}

impl SecurityContext<'_> {
    fn either(&self, key: &str) -> Option<&YNode> {
        self.container
            .and_then(|c| c.get(key))
            .filter(|v| !v.is_null())
            .or_else(|| self.pod.and_then(|p| p.get(key)).filter(|v| !v.is_null()))
    }

    pub fn apply(&self, s: &mut Service) {
        let src = self.src;
        let c = |k: &str| self.container.and_then(|c| c.get(k));
        s.user = text(src, self.either("runAsUser"));
        s.run_as_non_root = boolean(src, self.either("runAsNonRoot"));
        s.privileged = boolean(src, c("privileged"));
        s.allow_privilege_escalation = boolean(src, c("allowPrivilegeEscalation"));
        s.read_only = boolean(src, c("readOnlyRootFilesystem"));
        let caps = c("capabilities");
        let list = |k: &str| -> Vec<Spanned<String>> {
            caps.and_then(|x| x.get(k))
                .map(YNode::items)
                .unwrap_or_default()
                .iter()
                .filter_map(|i| text(src, Some(i)))
                .collect()
        };
        s.cap_add = list("add");
        s.cap_drop = list("drop");
        // Confinement switched off, written as the Compose options that mean the same.
        let profile = |k: &str| {
            self.either(k)
                .and_then(|p| p.get("type"))
                .filter(|t| t.as_str() == Some("Unconfined"))
                .map(|t| inside(src, t))
        };
        if let Some(span) = profile("seccompProfile") {
            s.security_opt
                .push(Spanned::new("seccomp=unconfined".into(), span));
        }
        if let Some(span) = profile("appArmorProfile") {
            s.security_opt
                .push(Spanned::new("apparmor=unconfined".into(), span));
        }
        if let Some(t) = self
            .either("seLinuxOptions")
            .and_then(|o| o.get("type"))
            .filter(|t| t.as_str() == Some("spc_t"))
        {
            s.security_opt
                .push(Spanned::new("label=type:spc_t".into(), inside(src, t)));
        }
    }
}

/// `ports:` of a container: `hostPort` publishes the port on the node's address.
pub(crate) fn ports(src: &str, n: Option<&YNode>) -> Vec<Port> {
    let mut out = Vec::new();
    for p in n.map(YNode::items).unwrap_or_default() {
        let Some(container_port) = p.get("containerPort").and_then(|c| c.scalar_text(src)) else {
            continue;
        };
        let host_port = p.get("hostPort").and_then(|h| h.scalar_text(src));
        let host_ip = p.get("hostIP").and_then(|h| h.scalar_text(src));
        let protocol = p
            .get("protocol")
            .and_then(YNode::as_str)
            .unwrap_or("TCP")
            .to_ascii_lowercase();
        let text = match &host_port {
            Some(h) => format!(
                "{}{h}:{container_port}",
                host_ip
                    .as_deref()
                    .map(|ip| format!("{ip}:"))
                    .unwrap_or_default()
            ),
            None => container_port.clone(),
        };
        out.push(Port {
            span: p.span,
            edit_span: None,
            text,
            published: host_port.is_some(),
            host_ip,
            host_port,
            container_port,
            protocol,
        });
    }
    out
}

/// `env:` (a list of `{name, value}` / `{name, valueFrom}`), or a plain mapping of names to
/// values as some charts' values take it. `valueFrom` values are not known here.
pub(crate) fn env_list(src: &str, n: Option<&YNode>) -> Vec<EnvVar> {
    let Some(n) = n else { return Vec::new() };
    let mut out = Vec::new();
    // Kubernetes has no `EnvSource` of its own: `Compose` reads as "environment".
    match &n.value {
        YValue::Seq(items) => {
            for item in items {
                let Some(name_node) = item.get("name") else {
                    continue;
                };
                let Some(name) = name_node.scalar_text(src) else {
                    continue;
                };
                let value_node = item.get("value");
                let from = item.get("valueFrom").is_some();
                let value = if from {
                    None
                } else {
                    Some(
                        value_node
                            .and_then(|v| v.scalar_text(src))
                            .unwrap_or_default(),
                    )
                };
                out.push(EnvVar {
                    name,
                    name_span: inside(src, name_node),
                    value,
                    value_span: value_node
                        .filter(|_| !from)
                        .and_then(|v| v.content_span(src)),
                    span: item.span,
                    source: EnvSource::Compose,
                    merged_at: None,
                });
            }
        }
        YValue::Map(entries) => {
            for (k, v) in entries {
                let Some(name) = k.scalar_text(src) else {
                    continue;
                };
                if v.is_map() || v.is_seq() {
                    continue;
                }
                out.push(EnvVar {
                    name,
                    name_span: inside(src, k),
                    value: v.scalar_text(src),
                    value_span: v.content_span(src),
                    span: k.span.cover(v.span),
                    source: EnvSource::Compose,
                    merged_at: None,
                });
            }
        }
        _ => {}
    }
    out
}

/// `envFrom:` entries, kept as environment sources that cannot be read here (as a Compose
/// `env_file` that is not in the tree): variables may come from them.
fn env_from(src: &str, n: Option<&YNode>) -> Vec<Spanned<String>> {
    n.map(YNode::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| {
            let (kind, r) = [("configMap", "configMapRef"), ("secret", "secretRef")]
                .into_iter()
                .find_map(|(k, key)| e.get(key).map(|r| (k, r)))?;
            let name = r.get("name").and_then(|n| n.scalar_text(src))?;
            Some(Spanned::new(format!("envFrom {kind} `{name}`"), e.span))
        })
        .collect()
}

/// `command:` / `args:` (lists of strings).
pub(crate) fn command(src: &str, n: Option<&YNode>) -> Option<Command> {
    let n = n?;
    let args: Vec<Spanned<String>> = n
        .items()
        .iter()
        .filter_map(|i| text(src, Some(i)))
        .collect();
    if args.is_empty() {
        return None;
    }
    Some(Command {
        span: n.span,
        args,
        shell_form: false,
    })
}

/// The container's `volumeMounts`, each resolved against the pod's `volumes`: a `hostPath`
/// volume is a bind mount of that path (with `subPath` appended), `emptyDir` in memory is a
/// tmpfs, anything else a volume named after its source.
pub(crate) fn mounts(src: &str, n: Option<&YNode>, volumes: &[YNode]) -> Vec<Mount> {
    let mut out = Vec::new();
    for m in n.map(YNode::items).unwrap_or_default() {
        let (Some(name), Some(target)) = (
            m.get("name").and_then(|x| x.scalar_text(src)),
            m.get("mountPath").and_then(|x| x.scalar_text(src)),
        ) else {
            continue;
        };
        let volume = volumes
            .iter()
            .find(|v| v.get("name").and_then(YNode::as_str) == Some(name.as_str()));
        let read_only = boolean(src, m.get("readOnly")).is_some_and(|b| b.value);
        let propagation = m
            .get("mountPropagation")
            .and_then(YNode::as_str)
            .and_then(|p| match p {
                "Bidirectional" => Some("rshared"),
                "HostToContainer" => Some("rslave"),
                _ => None,
            })
            .map(str::to_string);
        let sub_path = m.get("subPath").and_then(|x| x.scalar_text(src));
        let host_path = volume
            .and_then(|v| v.get("hostPath"))
            .and_then(|h| h.get("path"));
        let (kind, source, source_span) = match host_path.and_then(|p| text(src, Some(p))) {
            Some(p) => {
                let path = match &sub_path {
                    Some(sp) if !sp.is_empty() => {
                        format!("{}/{}", p.value.trim_end_matches('/'), sp)
                    }
                    _ => p.value,
                };
                (MountKind::Bind, Some(path), Some(p.span))
            }
            None => {
                let memory = volume
                    .and_then(|v| v.get("emptyDir"))
                    .and_then(|e| e.get("medium"))
                    .and_then(YNode::as_str)
                    == Some("Memory");
                if memory {
                    (MountKind::Tmpfs, None, None)
                } else {
                    (MountKind::Volume, Some(name.clone()), None)
                }
            }
        };
        out.push(Mount {
            span: m.span,
            kind,
            source,
            source_span,
            target,
            read_only,
            propagation,
            daemon_of: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(src: &str) -> Vec<Service> {
        let docs = parse_documents(src).expect("valid YAML");
        services_from_manifests(src, &docs)
    }

    fn at(src: &str, span: Span) -> &str {
        &src[span.start..span.end]
    }

    const DEPLOY: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: ollama
spec:
  template:
    metadata:
      labels: {app: ollama}
    spec:
      hostPID: true
      securityContext:
        runAsUser: 0
      volumes:
        - name: sock
          hostPath: {path: /var/run/docker.sock}
        - name: data
          emptyDir: {}
      containers:
        - name: ollama
          image: ollama/ollama:0.5.7
          ports: [{containerPort: 11434, name: http}]
          env:
            - {name: OLLAMA_HOST, value: "0.0.0.0"}
            - name: TOKEN
              valueFrom: {secretKeyRef: {name: s, key: k}}
          securityContext:
            privileged: true
            capabilities: {add: [SYS_ADMIN], drop: [ALL]}
          volumeMounts:
            - {name: sock, mountPath: /var/run/docker.sock}
            - {name: data, mountPath: /root/.ollama}
          resources: {limits: {memory: 4Gi}}
        - name: sidecar
          image: busybox
          securityContext: {runAsUser: 1000}
---
apiVersion: v1
kind: Service
metadata: {name: ollama}
spec:
  type: LoadBalancer
  selector: {app: ollama}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - http:
        paths:
          - backend: {service: {name: ollama, port: {number: 80}}}
"#;

    #[test]
    fn containers_become_services() {
        let s = read(DEPLOY);
        assert_eq!(s.len(), 2);
        let o = &s[0];
        assert_eq!(o.name, "Deployment/ollama:ollama");
        assert_eq!(o.component, Some(component::Component::Ollama));
        assert_eq!(o.user.as_ref().unwrap().value, "0");
        assert_eq!(o.pid.as_ref().unwrap().value, "host");
        assert!(o.privileged.as_ref().unwrap().value);
        assert_eq!(o.cap_add[0].value, "SYS_ADMIN");
        assert_eq!(o.mem_limit.as_ref().unwrap().value, "4Gi");
        assert_eq!(o.env[1].value, None);
        assert_eq!(o.mounts[0].kind, MountKind::Bind);
        assert_eq!(o.mounts[0].source.as_deref(), Some("/var/run/docker.sock"));
        assert_eq!(o.mounts[1].kind, MountKind::Volume);
        let e: Vec<&str> = o.exposures.iter().map(|e| e.value.as_str()).collect();
        assert_eq!(
            e,
            [
                "LoadBalancer Service `ollama`",
                "Ingress `web` (to Service `ollama`)"
            ]
        );
        assert_eq!(at(DEPLOY, o.exposures[0].span), "LoadBalancer");
        // The sidecar: its own user, no port the Service targets, pod namespaces reported once.
        let b = &s[1];
        assert_eq!(b.user.as_ref().unwrap().value, "1000");
        assert!(b.exposures.is_empty());
        assert!(b.pid.is_none());
    }

    #[test]
    fn lists_cronjobs_and_unmatched_selectors() {
        let src = "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: batch/v1\n    kind: CronJob\n    metadata: {name: c}\n    spec:\n      jobTemplate:\n        spec:\n          template:\n            metadata: {labels: {app: c}}\n            spec:\n              containers: [{name: r, image: 'redis:7', args: ['--port', '7000']}]\n  - apiVersion: v1\n    kind: Service\n    metadata: {name: x}\n    spec: {type: NodePort, selector: {app: other}}\n";
        let s = read(src);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].name, "CronJob/c:r");
        assert!(s[0].exposures.is_empty());
    }

    #[test]
    fn restricted_load_balancers_and_authenticating_ingresses_are_not_exposures() {
        let src = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {a: b}}\nspec:\n  containers: [{name: c, image: 'chromadb/chroma:1.0.0'}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: LoadBalancer, loadBalancerSourceRanges: [10.0.0.0/8], selector: {a: b}}\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: i\n  annotations: {nginx.ingress.kubernetes.io/auth-url: 'https://auth/x'}\nspec: {defaultBackend: {service: {name: s}}}\n";
        let s = read(src);
        assert!(s[0].exposures.is_empty(), "{:?}", s[0].exposures);
    }

    #[test]
    fn knative_workloads_and_internal_load_balancers() {
        let src = "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: llm}\nspec:\n  template:\n    spec:\n      hostIPC: true\n      containers: [{name: c, image: 'ollama/ollama:0.5.7'}]\n---\napiVersion: serving.knative.dev/v1\nkind: Configuration\nmetadata: {name: cfg}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: 'busybox:1.36'}]\n---\napiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: private\n  labels: {networking.knative.dev/visibility: cluster-local}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: 'busybox:1.36'}]\n---\napiVersion: serving.knative.dev/v1\nkind: Revision\nmetadata: {name: rev}\nspec:\n  containers: [{name: c, image: 'busybox:1.36'}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {a: b}}\nspec:\n  containers: [{name: c, image: 'redis:7'}]\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  annotations: {networking.gke.io/load-balancer-type: Internal}\nspec: {type: LoadBalancer, selector: {a: b}}\n";
        let s = read(src);
        let names: Vec<&str> = s.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Service/llm:c",
                "Configuration/cfg:c",
                "Service/private:c",
                "Revision/rev:c",
                "Pod/p:c"
            ]
        );
        assert_eq!(s[0].ipc.as_ref().unwrap().value, "host");
        assert_eq!(
            s[0].exposures[0].value,
            "Knative Service `llm` (public unless labelled cluster-local)"
        );
        assert_eq!(at(src, s[0].exposures[0].span), "Service");
        assert!(s[1].exposures.is_empty() && s[2].exposures.is_empty());
        assert_eq!(s[4].exposures[0].value, "internal LoadBalancer Service `s`");
    }
}
