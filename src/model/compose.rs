//! Compose files (the Compose specification, and legacy v1 files whose services sit at the
//! top level) read into [`Service`]s.
//!
//! The reader walks the spanned YAML tree and never fails: a value of the wrong type becomes a
//! [`ComposeProblem`] at that node and the rest of the file is still read. Files are read with
//! an empty environment: `${VAR:-default}` resolves to its default, `${VAR}` stays unresolved,
//! and `$$` is a literal dollar.
//!
//! Spans: a fact's span is where it is used (for values from `<<` merges and aliases, the
//! `*alias` site); for scalars it is the text inside quotes when the quotes can be stripped.

use super::image::parse_image_ref;
use super::interpolate::defaults_only;
use super::{
    shellwords, Command, EnvSource, EnvVar, Healthcheck, ImageRef, Mount, MountKind, Origin, Port,
    Service, Spanned,
};
use crate::parse::yaml::{YNode, YValue};
use crate::source::Span;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposeProblem {
    pub message: String,
    pub span: Span,
}

/// A top-level `services:` mapping, or a legacy v1 file: every top-level entry (apart from
/// `x-` extensions and `version`) is a mapping with a string `image` or a `build`.
pub fn looks_like_compose(root: &YNode) -> bool {
    if !root.is_map() {
        return false;
    }
    match root.get("services") {
        Some(services) => services.is_map(),
        None => is_legacy(root),
    }
}

fn is_legacy(root: &YNode) -> bool {
    if root.get("services").is_some() {
        return false;
    }
    let mut candidates = root
        .entries()
        .iter()
        .filter(|(k, _)| {
            !k.as_str()
                .is_some_and(|k| k.starts_with("x-") || k == "version")
        })
        .peekable();
    candidates.peek().is_some()
        && candidates.all(|(_, v)| {
            v.is_map()
                && (v.get("image").is_some_and(|i| i.as_str().is_some())
                    || v.get("build")
                        .is_some_and(|b| b.as_str().is_some() || b.is_map()))
        })
}

/// Every service of a Compose document, in document order, with the problems met.
pub fn services_from_compose(src: &str, root: &YNode) -> (Vec<Service>, Vec<ComposeProblem>) {
    let mut r = Reader {
        src,
        problems: Vec::new(),
    };
    let mut services = Vec::new();
    match &root.value {
        YValue::Null => {}
        YValue::Map(_) => match root.get("services") {
            Some(list) => match &list.value {
                YValue::Map(entries) => {
                    for (key, value) in entries {
                        services.extend(r.service(key, value, false));
                    }
                }
                YValue::Null => {}
                _ => r.problem(
                    list,
                    "`services` must be a mapping of service names to definitions".into(),
                ),
            },
            None if is_legacy(root) => {
                for (key, value) in root.entries() {
                    if key.as_str() != Some("version") {
                        services.extend(r.service(key, value, true));
                    }
                }
            }
            None => {}
        },
        _ => r.problem(
            root,
            "a Compose file must be a mapping with a `services` key".into(),
        ),
    }
    bind_named_volumes(src, root, &mut services);
    share_dind_sockets(&mut services);
    (services, r.problems)
}

/// A docker-in-docker service (`docker:dind`, `docker:27-dind`) keeps its daemon's socket in
/// `/var/run` (`/var/run/docker.sock`); a named volume mounted there and in another service
/// gives that service the daemon, as a bind of the socket would.
fn share_dind_sockets(services: &mut [Service]) {
    let is_dind = |s: &Service| {
        s.image.as_ref().is_some_and(|i| {
            i.hub_repository() == Some("docker")
                && i.tag.as_deref().is_some_and(|t| t.contains("dind"))
        })
    };
    let socket_dirs = ["/var/run", "/run", "/var/run/docker"];
    let shared: Vec<(String, String)> = services
        .iter()
        .filter(|s| is_dind(s))
        .flat_map(|s| {
            s.mounts
                .iter()
                .filter(|m| {
                    m.kind == MountKind::Volume
                        && socket_dirs.contains(&m.target.trim_end_matches('/'))
                })
                .filter_map(|m| m.source.clone().map(|v| (v, s.name.clone())))
                .collect::<Vec<_>>()
        })
        .collect();
    for s in services.iter_mut().filter(|s| !is_dind(s)) {
        for m in &mut s.mounts {
            if m.kind != MountKind::Volume {
                continue;
            }
            if let Some((_, daemon)) = shared.iter().find(|(v, _)| m.source.as_ref() == Some(v)) {
                m.daemon_of = Some(daemon.clone());
            }
        }
    }
}

/// A named volume of the `local` driver with `driver_opts` `o: bind` and a `device` is the
/// host path `device` mounted into the container: its mounts become binds of that path.
fn bind_named_volumes(src: &str, root: &YNode, services: &mut [Service]) {
    let binds: Vec<(String, String, Span)> = root
        .get("volumes")
        .map(YNode::entries)
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, v)| {
            let local = v
                .get("driver")
                .and_then(YNode::as_str)
                .is_none_or(|d| d.trim() == "local");
            let opts = v.get("driver_opts")?;
            let bind = opts
                .get("o")
                .and_then(|o| o.scalar_text(src))
                .is_some_and(|o| o.split(',').any(|x| matches!(x.trim(), "bind" | "rbind")));
            let device = opts.get("device")?;
            let path = device.scalar_text(src).filter(|p| is_host_path(p))?;
            let span = device.content_span(src).unwrap_or(device.span);
            (local && bind).then(|| (k.scalar_text(src).unwrap_or_default(), path, span))
        })
        .collect();
    for m in services.iter_mut().flat_map(|s| s.mounts.iter_mut()) {
        if m.kind != MountKind::Volume {
            continue;
        }
        if let Some((_, path, span)) = binds.iter().find(|(n, _, _)| m.source.as_ref() == Some(n)) {
            m.kind = MountKind::Bind;
            m.source = Some(path.clone());
            m.source_span = Some(*span);
        }
    }
}

struct Reader<'a> {
    src: &'a str,
    problems: Vec<ComposeProblem>,
}

fn is_scalar(n: &YNode) -> bool {
    matches!(
        n.value,
        YValue::Str(_) | YValue::Int(_) | YValue::Float(_) | YValue::Bool(_)
    )
}

impl<'a> Reader<'a> {
    fn problem(&mut self, at: &YNode, message: String) {
        let span = self.whole(at);
        self.problems.push(ComposeProblem { message, span });
    }

    /// A node's use-site span, covering all of a collection: the tree gives flow collections
    /// only their opening bracket, and block collections end where their last value's span
    /// ends, so both are extended over their children (and a flow collection's closing
    /// bracket).
    fn whole(&self, n: &YNode) -> Span {
        self.extent(n, false)
    }

    /// `whole` for where the node is written (`defined`), e.g. to quote an aliased mapping.
    fn extent(&self, n: &YNode, defined: bool) -> Span {
        let own = if defined { n.defined } else { n.span };
        if n.is_aliased() && !defined {
            return own;
        }
        let children: Vec<&YNode> = match &n.value {
            YValue::Seq(items) => items.iter().collect(),
            YValue::Map(entries) => entries
                .iter()
                .filter(|(k, _)| defined || !k.is_aliased())
                .flat_map(|(k, v)| [k, v])
                .collect(),
            _ => return own,
        };
        let mut end = own.end;
        for c in children {
            end = end.max(self.extent(c, defined).end);
        }
        let bytes = self.src.as_bytes();
        let close = match bytes.get(own.start) {
            Some(b'[') => b']',
            Some(b'{') => b'}',
            _ => return Span::new(own.start, end),
        };
        // After the last child: blanks, commas and comments, then the closing bracket.
        let mut i = end;
        while i < bytes.len() {
            match bytes[i] {
                b' ' | b'\t' | b'\r' | b'\n' | b',' => i += 1,
                b'#' => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                b if b == close => return Span::new(own.start, i + 1),
                _ => break,
            }
        }
        Span::new(own.start, end)
    }

    /// Span of a scalar where its source text is exactly its value: inside quotes for strings
    /// (see `YNode::content_span`), the whole node for numbers and booleans written here.
    fn copy_span(&self, n: &YNode) -> Option<Span> {
        match n.value {
            YValue::Str(_) => n.content_span(self.src),
            YValue::Int(_) | YValue::Float(_) | YValue::Bool(_) if !n.is_aliased() => Some(n.span),
            _ => None,
        }
    }

    /// Span to report a scalar at: its text inside quotes where that can be told (also for
    /// quoted text with escapes on one line), else the node.
    fn inside(&self, n: &YNode) -> Span {
        if let Some(s) = self.copy_span(n) {
            return s;
        }
        if !n.is_aliased() {
            if let Some(raw) = self.src.get(n.span.start..n.span.end) {
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

    /// A scalar as text with its span; `None` (and a problem) for a mapping or list.
    fn scalar(&mut self, n: &YNode, what: impl FnOnce() -> String) -> Option<Spanned<String>> {
        match n.value {
            YValue::Null => None,
            YValue::Seq(_) | YValue::Map(_) => {
                self.problem(n, format!("{} must be a string", what()));
                None
            }
            _ => Some(Spanned::new(
                n.scalar_text(self.src).unwrap_or_default(),
                self.inside(n),
            )),
        }
    }

    fn field_str(&mut self, svc: &YNode, field: &str, name: &str) -> Option<Spanned<String>> {
        let n = svc.get(field)?;
        self.scalar(n, || format!("`{field}` of service `{name}`"))
    }

    /// `field_str` with `${VAR:-default}` resolved to its default; a value with a variable
    /// that has no default stays as written (it is not known).
    fn field_resolved(&mut self, svc: &YNode, field: &str, name: &str) -> Option<Spanned<String>> {
        let mut v = self.field_str(svc, field, name)?;
        let r = defaults_only(&v.value);
        if !r.unresolved {
            v.value = r.text;
        }
        Some(v)
    }

    fn field_bool(&mut self, svc: &YNode, field: &str, name: &str) -> Option<Spanned<bool>> {
        let n = svc.get(field)?;
        self.boolean(n, || format!("`{field}` of service `{name}`"))
    }

    fn boolean(&mut self, n: &YNode, what: impl FnOnce() -> String) -> Option<Spanned<bool>> {
        let value = match &n.value {
            YValue::Null => return None,
            YValue::Bool(b) => Some(*b),
            YValue::Str(s) => {
                // Compose interpolates before it checks types: `${RO:-true}` is `true`, and a
                // variable without a default is a value we cannot know (not a mistake).
                let r = defaults_only(s);
                // compose-go also takes YAML 1.1's `yes`/`on`/`y` and `no`/`off`/`n` (warning).
                match r.text.trim().to_ascii_lowercase().as_str() {
                    _ if r.unresolved => return None,
                    "true" | "yes" | "y" | "on" => Some(true),
                    "false" | "no" | "n" | "off" => Some(false),
                    _ => None,
                }
            }
            _ => None,
        };
        match value {
            Some(v) => Some(Spanned::new(v, self.inside(n))),
            None => {
                self.problem(n, format!("{} must be `true` or `false`", what()));
                None
            }
        }
    }

    /// A list of strings; a single string is accepted where Compose allows it (`one`).
    fn field_list(
        &mut self,
        svc: &YNode,
        field: &str,
        name: &str,
        one: bool,
    ) -> Vec<Spanned<String>> {
        let Some(n) = svc.get(field) else {
            return Vec::new();
        };
        match &n.value {
            YValue::Null => Vec::new(),
            YValue::Seq(items) => items
                .iter()
                .filter_map(|item| {
                    self.scalar(item, || {
                        format!("an entry of `{field}` of service `{name}`")
                    })
                })
                .collect(),
            _ if one && is_scalar(n) => self.scalar(n, String::new).into_iter().collect(),
            _ => {
                self.problem(n, format!("`{field}` of service `{name}` must be a list"));
                Vec::new()
            }
        }
    }

    /// The items of a list field, or a problem when it is something else.
    fn list<'n>(&mut self, svc: &'n YNode, field: &str, name: &str) -> &'n [YNode] {
        match svc.get(field) {
            Some(n) if n.is_seq() => n.items(),
            Some(n) if !n.is_null() => {
                self.problem(n, format!("`{field}` of service `{name}` must be a list"));
                &[]
            }
            _ => &[],
        }
    }

    fn service(&mut self, key: &YNode, def: &YNode, legacy: bool) -> Option<Service> {
        let Some(name) = key.scalar_text(self.src) else {
            self.problem(key, "a service name must be a string".into());
            return None;
        };
        if name.starts_with("x-") {
            return None;
        }
        let mut s = Service {
            name: name.clone(),
            span: key.span,
            origin: Some(Origin::Compose),
            ..Service::default()
        };
        match def.value {
            YValue::Null => return Some(s),
            YValue::Map(_) => {}
            _ => {
                self.problem(def, format!("service `{name}` must be a mapping"));
                return None;
            }
        }
        let n = name.as_str();

        if let Some(img) = def.get("image") {
            if let Some(raw) = self.scalar(img, || format!("`image` of service `{n}`")) {
                let r = defaults_only(&raw.value);
                let span = self.copy_span(img).unwrap_or(img.span);
                let mut image = parse_image_ref(&raw.value, &r.text, span);
                if r.unresolved && !image.unresolved {
                    // `${REGISTRY}/app` reads `/app` once interpolated: not what will run.
                    image = ImageRef {
                        unresolved: true,
                        repository: raw.value.trim().to_string(),
                        registry: None,
                        tag: None,
                        digest: None,
                        ..image
                    };
                }
                s.image = Some(image);
            }
        }
        s.build = self.build(def, n);
        self.ports(def, n, &mut s.ports);
        self.expose(def, n, &mut s.ports);
        self.environment(def, n, &mut s.env);
        self.env_files(def, n, &mut s.env_files);
        s.command = self.command(def, "command", n);
        s.entrypoint = self.command(def, "entrypoint", n);
        s.user = self.field_resolved(def, "user", n);
        s.privileged = self.field_bool(def, "privileged", n);
        s.cap_add = self.field_list(def, "cap_add", n, false);
        s.cap_drop = self.field_list(def, "cap_drop", n, false);
        s.security_opt = self.field_list(def, "security_opt", n, false);
        s.network_mode = self.field_resolved(def, "network_mode", n);
        if legacy && s.network_mode.is_none() {
            s.network_mode = self.field_resolved(def, "net", n);
        }
        s.pid = self.field_resolved(def, "pid", n);
        s.ipc = self.field_resolved(def, "ipc", n);
        s.uts = self.field_resolved(def, "uts", n);
        s.userns_mode = self.field_resolved(def, "userns_mode", n);
        self.volumes(def, n, &mut s.mounts);
        self.devices(def, n, &mut s.devices);
        s.read_only = self.field_bool(def, "read_only", n);
        s.tmpfs = self.field_list(def, "tmpfs", n, true);
        let limits = def
            .get("deploy")
            .and_then(|d| d.get("resources"))
            .and_then(|r| r.get("limits"));
        s.mem_limit = self.field_str(def, "mem_limit", n).or_else(|| {
            let m = limits?.get("memory")?;
            self.scalar(m, || {
                format!("`deploy.resources.limits.memory` of service `{n}`")
            })
        });
        s.pids_limit = self.field_str(def, "pids_limit", n).or_else(|| {
            let p = limits?.get("pids")?;
            self.scalar(p, || {
                format!("`deploy.resources.limits.pids` of service `{n}`")
            })
        });
        s.healthcheck = self.healthcheck(def, n);
        self.secrets(def, n, &mut s.secrets);
        s.restart = self.field_str(def, "restart", n);
        s.profiles = self
            .field_list(def, "profiles", n, false)
            .into_iter()
            .map(|p| p.value)
            .collect();
        s.extends = self.extends(def, n);
        Some(s)
    }

    fn build(&mut self, def: &YNode, n: &str) -> Option<Spanned<String>> {
        let b = def.get("build")?;
        match &b.value {
            YValue::Null => None,
            YValue::Map(_) => match b.get("context") {
                Some(c) if !c.is_null() => {
                    self.scalar(c, || format!("`build.context` of service `{n}`"))
                }
                // Compose's default context is the project directory.
                _ => Some(Spanned::new(".".to_string(), self.whole(b))),
            },
            _ => self.scalar(b, || format!("`build` of service `{n}`")),
        }
    }

    fn ports(&mut self, def: &YNode, n: &str, out: &mut Vec<Port>) {
        for item in self.list(def, "ports", n) {
            match &item.value {
                YValue::Map(_) => out.extend(self.long_port(item, n)),
                v if is_scalar(item) && !matches!(v, YValue::Bool(_)) => {
                    out.extend(self.short_port(item, n, true))
                }
                _ => self.problem(
                    item,
                    format!("an entry of `ports` of service `{n}` must be a string, a number or a mapping"),
                ),
            }
        }
    }

    fn expose(&mut self, def: &YNode, n: &str, out: &mut Vec<Port>) {
        for item in self.list(def, "expose", n) {
            if is_scalar(item) && !matches!(item.value, YValue::Bool(_)) {
                out.extend(self.short_port(item, n, false));
            } else {
                self.problem(
                    item,
                    format!("an entry of `expose` of service `{n}` must be a string or a number"),
                );
            }
        }
    }

    /// `[[ip:]host:]container[/protocol]`, `expose:`'s `container[/protocol]`.
    fn short_port(&mut self, item: &YNode, n: &str, published: bool) -> Option<Port> {
        let text = item.scalar_text(self.src)?;
        let parsed = if published {
            parse_short_port(&text)
        } else {
            parse_expose(&text)
        };
        match parsed {
            Ok(p) => Some(Port {
                span: item.span,
                edit_span: self.copy_span(item),
                text,
                host_ip: p.host_ip,
                host_port: p.host_port,
                container_port: p.container_port,
                protocol: p.protocol,
                published,
            }),
            Err(why) => {
                let field = if published { "ports" } else { "expose" };
                self.problem(
                    item,
                    format!("`{text}` in `{field}` of service `{n}` {why}"),
                );
                None
            }
        }
    }

    fn long_port(&mut self, item: &YNode, n: &str) -> Option<Port> {
        let what = |k: &str| format!("`{k}` of a port of service `{n}`");
        let Some(target) = item.get("target").filter(|t| !t.is_null()) else {
            self.problem(
                item,
                format!("a port mapping of service `{n}` must have a `target`"),
            );
            return None;
        };
        let target = self.scalar(target, || what("target"))?;
        let resolve = |s: Spanned<String>| resolve_part(&s.value);
        let host_port = item
            .get("published")
            .and_then(|p| self.scalar(p, || what("published")))
            .map(resolve)
            .filter(|p| !p.is_empty());
        // `published: 127.0.0.1:8080` puts an address where only a port or a range goes: the
        // engine refuses the binding (`invalid port specification`), so nothing is published.
        if let Some(p) = host_port.as_deref().filter(|p| !valid_port(p)) {
            self.problem(
                item,
                format!("`published: {p}` of a port of service `{n}` is not a port number or range (an address belongs in `host_ip`)"),
            );
            return None;
        }
        let host_ip = item
            .get("host_ip")
            .and_then(|p| self.scalar(p, || what("host_ip")))
            .map(resolve)
            .map(|ip| strip_brackets(&ip).to_string())
            .filter(|p| !p.is_empty());
        let protocol = item
            .get("protocol")
            .and_then(|p| self.scalar(p, || what("protocol")))
            .map_or_else(|| "tcp".to_string(), |p| p.value.to_ascii_lowercase());
        let container_port = resolve_part(&target.value);
        if !valid_port(&container_port) {
            self.problem(
                item,
                format!("`target` of a port of service `{n}` is not a port number"),
            );
            return None;
        }
        Some(Port {
            span: self.whole(item),
            edit_span: None,
            // The equivalent short syntax, so messages read the same for both spellings.
            text: {
                let ip = host_ip.as_deref().map(|ip| {
                    if ip.contains(':') {
                        format!("[{ip}]:")
                    } else {
                        format!("{ip}:")
                    }
                });
                let published = host_port.as_deref().map(|p| format!("{p}:"));
                let proto = if protocol == "tcp" {
                    String::new()
                } else {
                    format!("/{protocol}")
                };
                format!(
                    "{}{}{container_port}{proto}",
                    ip.unwrap_or_default(),
                    published.unwrap_or_default()
                )
            },
            host_ip,
            host_port,
            container_port,
            protocol,
            published: true,
        })
    }

    fn environment(&mut self, def: &YNode, n: &str, out: &mut Vec<EnvVar>) {
        let Some(env) = def.get("environment") else {
            return;
        };
        // A value's span is where a fix may write `${VAR:?}`: not a plain scalar inside a flow
        // collection, where `{` and `}` would end it.
        let bytes = self.src.as_bytes();
        let flow = !env.is_aliased() && matches!(bytes.get(env.span.start), Some(b'[' | b'{'));
        let quoted = |n: &YNode| matches!(bytes.get(n.span.start), Some(b'"' | b'\''));
        // A block scalar's header comment (`KEY: | # note`) sits inside its span: replacing
        // the value would delete the comment, so no fix is offered there.
        let header_comment = |n: &YNode| {
            matches!(bytes.get(n.span.start), Some(b'|' | b'>'))
                && self.src[n.span.start..n.span.end]
                    .lines()
                    .next()
                    .is_some_and(|l| l.contains(" #") || l.contains("\t#"))
        };
        match &env.value {
            YValue::Null => {}
            YValue::Map(entries) => {
                for (k, v) in entries {
                    let Some(name) = k.scalar_text(self.src) else {
                        self.problem(k, format!("a variable name in `environment` of service `{n}` must be a string"));
                        continue;
                    };
                    let (value, value_span, span) = match &v.value {
                        YValue::Null => (None, None, k.span),
                        YValue::Seq(_) | YValue::Map(_) => {
                            self.problem(
                                v,
                                format!("`{name}` in `environment` of service `{n}` must be a string, a number or a boolean"),
                            );
                            continue;
                        }
                        _ => (
                            v.scalar_text(self.src),
                            // Not at an alias or merge site either: the text is elsewhere.
                            ((!flow || quoted(v)) && !v.is_aliased() && !header_comment(v))
                                .then(|| self.inside(v)),
                            k.span.cover(v.span),
                        ),
                    };
                    // A key merged from an anchor is one setting for every service that
                    // merges it: it is named where it is written, and merged here.
                    let (name_span, merged_at) = match k.is_aliased() {
                        true => (k.defined, Some(k.span)),
                        false => (self.inside(k), None),
                    };
                    out.push(EnvVar {
                        name,
                        name_span,
                        value,
                        value_span,
                        span,
                        source: EnvSource::Compose,
                        merged_at,
                    });
                }
            }
            YValue::Seq(items) => {
                for item in items {
                    if !is_scalar(item) {
                        self.problem(
                            item,
                            format!("an entry of `environment` of service `{n}` must be a `KEY=VALUE` string"),
                        );
                        continue;
                    }
                    let text = item.scalar_text(self.src).unwrap_or_default();
                    if text.is_empty() {
                        continue;
                    }
                    let copy = self.copy_span(item);
                    let whole = self.inside(item);
                    let (name, value, name_span, value_span) = match text.split_once('=') {
                        Some((name, value)) => {
                            let (ns, vs) = match copy {
                                Some(c) => (
                                    Span::new(c.start, c.start + name.len()),
                                    (!flow || quoted(item))
                                        .then(|| Span::new(c.start + name.len() + 1, c.end)),
                                ),
                                // Not a plain copy of the source: no exact place for either.
                                None => (whole, None),
                            };
                            (name.to_string(), Some(value.to_string()), ns, vs)
                        }
                        None => (text.clone(), None, whole, None),
                    };
                    out.push(EnvVar {
                        name,
                        name_span,
                        value,
                        value_span,
                        span: item.span,
                        source: EnvSource::Compose,
                        merged_at: None,
                    });
                }
            }
            _ => self.problem(
                env,
                format!("`environment` of service `{n}` must be a list or a mapping"),
            ),
        }
    }

    fn env_files(&mut self, def: &YNode, n: &str, out: &mut Vec<Spanned<String>>) {
        let Some(files) = def.get("env_file") else {
            return;
        };
        let what = || format!("`env_file` of service `{n}`");
        match &files.value {
            YValue::Null => {}
            YValue::Seq(items) => {
                for item in items {
                    if item.is_map() {
                        match item.get("path") {
                            Some(p) => {
                                out.extend(self.scalar(p, || format!("`path` in {}", what())))
                            }
                            None => self.problem(
                                item,
                                format!("an entry of {} must have a `path`", what()),
                            ),
                        }
                    } else {
                        out.extend(self.scalar(item, || format!("an entry of {}", what())));
                    }
                }
            }
            YValue::Map(_) => self.problem(files, format!("{} must be a string or a list", what())),
            _ => out.extend(self.scalar(files, what)),
        }
    }

    fn command(&mut self, def: &YNode, field: &str, n: &str) -> Option<Command> {
        let node = def.get(field)?;
        match &node.value {
            YValue::Null => None,
            YValue::Seq(items) => {
                let args = items
                    .iter()
                    .filter_map(|i| {
                        self.scalar(i, || format!("an argument of `{field}` of service `{n}`"))
                    })
                    .collect();
                Some(Command {
                    span: self.whole(node),
                    args,
                    shell_form: false,
                })
            }
            YValue::Map(_) => {
                self.problem(
                    node,
                    format!("`{field}` of service `{n}` must be a string or a list"),
                );
                None
            }
            _ => {
                let args = match self.copy_span(node) {
                    Some(c) => shellwords::split(&self.src[c.start..c.end], c.start),
                    None => {
                        let text = node.scalar_text(self.src).unwrap_or_default();
                        let mut words = shellwords::split(&text, 0);
                        for w in &mut words {
                            w.span = node.span;
                        }
                        words
                    }
                };
                Some(Command {
                    span: node.span,
                    args,
                    shell_form: true,
                })
            }
        }
    }

    fn volumes(&mut self, def: &YNode, n: &str, out: &mut Vec<Mount>) {
        for item in self.list(def, "volumes", n) {
            match &item.value {
                YValue::Str(_) => out.extend(self.short_volume(item, n)),
                YValue::Map(_) => out.extend(self.long_volume(item, n)),
                _ => self.problem(
                    item,
                    format!("an entry of `volumes` of service `{n}` must be a string or a mapping"),
                ),
            }
        }
    }

    fn short_volume(&mut self, item: &YNode, n: &str) -> Option<Mount> {
        let text = item.as_str()?;
        let mut parts = split_outside_braces(text, ':');
        // `C:\data:/data`: a drive letter's colon belongs to the path.
        if parts.len() >= 2 && is_drive_path(text) {
            let second = parts.remove(1);
            parts[0].1 = second.1;
        }
        let part = |i: usize| -> &str { &text[parts[i].0..parts[i].1] };
        let copy = self.copy_span(item);
        let (source, target, mode) = match parts.len() {
            1 => (None, part(0), ""),
            2 => (Some(0), part(1), ""),
            3 => (Some(0), part(1), part(2)),
            _ => {
                self.problem(
                    item,
                    format!(
                        "`{text}` in `volumes` of service `{n}` has too many `:`-separated parts"
                    ),
                );
                return None;
            }
        };
        if target.is_empty() || source.is_some_and(|i| part(i).is_empty()) {
            self.problem(
                item,
                format!("`{text}` in `volumes` of service `{n}` needs a source and a target"),
            );
            return None;
        }
        let options: Vec<&str> = mode.split(',').collect();
        let kind = match source {
            Some(i) if is_host_path(part(i)) => MountKind::Bind,
            _ => MountKind::Volume,
        };
        Some(Mount {
            span: item.span,
            kind,
            source: source.map(|i| part(i).to_string()),
            source_span: source.map(|i| match copy {
                Some(c) => Span::new(c.start + parts[i].0, c.start + parts[i].1),
                None => self.inside(item),
            }),
            target: target.to_string(),
            read_only: options.contains(&"ro"),
            propagation: options
                .iter()
                .find(|o| PROPAGATIONS.contains(o))
                .map(|o| o.to_string()),
            daemon_of: None,
        })
    }

    fn long_volume(&mut self, item: &YNode, n: &str) -> Option<Mount> {
        let what = |k: &str| format!("`{k}` of a volume of service `{n}`");
        let source = item
            .get("source")
            .and_then(|s| self.scalar(s, || what("source")));
        let Some(target) = item
            .get("target")
            .and_then(|t| self.scalar(t, || what("target")))
        else {
            self.problem(
                item,
                format!("a volume mapping of service `{n}` must have a `target`"),
            );
            return None;
        };
        let kind = match item.get("type") {
            None => match &source {
                Some(s) if is_host_path(&s.value) => MountKind::Bind,
                _ => MountKind::Volume,
            },
            Some(t) => {
                let t = self.scalar(t, || what("type"))?;
                match t.value.as_str() {
                    "bind" => MountKind::Bind,
                    "volume" => MountKind::Volume,
                    "tmpfs" => MountKind::Tmpfs,
                    "npipe" => MountKind::Npipe,
                    "cluster" => MountKind::Cluster,
                    other => {
                        self.problem(
                            item.get("type").unwrap_or(item),
                            format!("unknown volume type `{other}` in service `{n}`"),
                        );
                        return None;
                    }
                }
            }
        };
        let read_only = item
            .get("read_only")
            .and_then(|r| self.boolean(r, || what("read_only")))
            .is_some_and(|r| r.value);
        let propagation = item
            .get("bind")
            .and_then(|b| b.get("propagation"))
            .and_then(|p| self.scalar(p, || what("bind.propagation")))
            .map(|p| p.value);
        let (source, source_span) = match source {
            Some(s) if !s.value.is_empty() => (Some(s.value), Some(s.span)),
            _ => (None, None),
        };
        Some(Mount {
            span: self.whole(item),
            kind,
            source,
            source_span,
            target: target.value,
            read_only,
            propagation,
            daemon_of: None,
        })
    }

    fn devices(&mut self, def: &YNode, n: &str, out: &mut Vec<Spanned<String>>) {
        for item in self.list(def, "devices", n) {
            if item.is_map() {
                // The long syntax, written back as `source[:target[:permissions]]`.
                let what = |k: &str| format!("`{k}` of a device of service `{n}`");
                let Some(source) = item
                    .get("source")
                    .and_then(|s| self.scalar(s, || what("source")))
                else {
                    self.problem(
                        item,
                        format!("a device mapping of service `{n}` must have a `source`"),
                    );
                    continue;
                };
                let mut text = source.value;
                for key in ["target", "permissions"] {
                    if let Some(v) = item.get(key).and_then(|v| self.scalar(v, || what(key))) {
                        text.push(':');
                        text.push_str(&v.value);
                    }
                }
                out.push(Spanned::new(text, self.whole(item)));
            } else {
                out.extend(self.scalar(item, || format!("an entry of `devices` of service `{n}`")));
            }
        }
    }

    fn healthcheck(&mut self, def: &YNode, n: &str) -> Option<Healthcheck> {
        let (key, hc) = def.entry("healthcheck")?;
        match &hc.value {
            YValue::Null => None,
            YValue::Map(_) => {
                let disable = hc
                    .get("disable")
                    .and_then(|d| {
                        self.boolean(d, || format!("`healthcheck.disable` of service `{n}`"))
                    })
                    .is_some_and(|d| d.value);
                let none_test = hc.get("test").is_some_and(|t| match &t.value {
                    YValue::Str(s) => s.trim() == "NONE",
                    YValue::Seq(items) => items.first().and_then(YNode::as_str) == Some("NONE"),
                    _ => false,
                });
                Some(Healthcheck {
                    span: key.span.cover(self.whole(hc)),
                    disabled: disable || none_test,
                })
            }
            _ => {
                self.problem(
                    hc,
                    format!("`healthcheck` of service `{n}` must be a mapping"),
                );
                None
            }
        }
    }

    fn secrets(&mut self, def: &YNode, n: &str, out: &mut Vec<Spanned<String>>) {
        for item in self.list(def, "secrets", n) {
            if item.is_map() {
                match item.get("source") {
                    Some(s) => out.extend(
                        self.scalar(s, || format!("`source` of a secret of service `{n}`")),
                    ),
                    None => self.problem(
                        item,
                        format!("a secret mapping of service `{n}` must have a `source`"),
                    ),
                }
            } else {
                out.extend(self.scalar(item, || format!("an entry of `secrets` of service `{n}`")));
            }
        }
    }

    fn extends(&mut self, def: &YNode, n: &str) -> Option<Spanned<String>> {
        let e = def.get("extends")?;
        if e.is_map() {
            match e.get("service") {
                Some(s) => self.scalar(s, || format!("`extends.service` of service `{n}`")),
                None => {
                    self.problem(
                        e,
                        format!("`extends` of service `{n}` must name a `service`"),
                    );
                    None
                }
            }
        } else {
            self.scalar(e, || format!("`extends` of service `{n}`"))
        }
    }
}

const PROPAGATIONS: [&str; 6] = [
    "rshared", "shared", "rslave", "slave", "rprivate", "private",
];

/// A bind source as Compose tells it from a volume name: a path, or a variable (a path in
/// practice), or a Windows path.
fn is_host_path(s: &str) -> bool {
    s.starts_with(['/', '.', '~', '$', '\\']) || is_drive_path(s)
}

fn is_drive_path(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && matches!(b[2], b'\\' | b'/')
}

/// Byte ranges of the pieces of `s` between `sep`s that are not inside `${...}`.
fn split_outside_braces(s: &str, sep: char) -> Vec<(usize, usize)> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut prev = '\0';
    for (i, c) in s.char_indices() {
        if c == '{' && prev == '$' {
            depth += 1;
        } else if c == '}' && depth > 0 {
            depth -= 1;
        } else if c == sep && depth == 0 {
            parts.push((start, i));
            start = i + 1;
        }
        prev = c;
    }
    parts.push((start, s.len()));
    parts
}

#[derive(Debug, PartialEq, Eq)]
struct PortParts {
    host_ip: Option<String>,
    host_port: Option<String>,
    container_port: String,
    protocol: String,
}

/// A piece of a port spec with its defaults applied; kept as written when a variable in it
/// has no default (its value is not known).
fn resolve_part(s: &str) -> String {
    let r = defaults_only(s);
    if r.unresolved {
        s.to_string()
    } else {
        r.text
    }
}

fn strip_brackets(ip: &str) -> &str {
    ip.strip_prefix('[')
        .and_then(|i| i.strip_suffix(']'))
        .unwrap_or(ip)
}

/// A port number or range (`80`, `8000-8010`), or text with a variable left in it.
fn valid_port(p: &str) -> bool {
    let number = |s: &str| !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit());
    p.contains('$')
        || match p.split_once('-') {
            Some((a, b)) => number(a) && number(b),
            None => number(p),
        }
}

/// Split off `/protocol` (default `tcp`).
fn split_protocol(text: &str) -> (&str, String) {
    match split_outside_braces(text, '/').as_slice() {
        [_, .., last] if last.0 > 0 => {
            let proto = &text[last.0..];
            let proto = if proto.is_empty() { "tcp" } else { proto };
            (&text[..last.0 - 1], proto.to_ascii_lowercase())
        }
        _ => (text, "tcp".to_string()),
    }
}

fn parse_expose(text: &str) -> Result<PortParts, &'static str> {
    let (port, protocol) = split_protocol(text.trim());
    let container_port = resolve_part(port);
    if !valid_port(&container_port) {
        return Err("is not a port number or range");
    }
    Ok(PortParts {
        host_ip: None,
        host_port: None,
        container_port,
        protocol,
    })
}

/// Compose's short port syntax, read as Docker does: the last `:`-separated piece is the
/// container port, the one before it the host port, and everything before those the host IP
/// (so `::1:8080:80` binds `::1`); `[::1]:8080:80` brackets an IPv6 address.
fn parse_short_port(text: &str) -> Result<PortParts, &'static str> {
    let resolved = defaults_only(text.trim());
    let text = if resolved.unresolved {
        text.trim().to_string()
    } else {
        resolved.text
    };
    let (spec, protocol) = split_protocol(&text);
    let pieces: Vec<&str> = split_outside_braces(spec, ':')
        .into_iter()
        .map(|(a, b)| &spec[a..b])
        .collect();
    let (ip, host, container) = if let Some(rest) = spec.strip_prefix('[') {
        let close = rest.find(']').ok_or("has an unclosed `[` in its host IP")?;
        let ip = &rest[..close];
        let after = rest[close + 1..]
            .strip_prefix(':')
            .ok_or("needs `:` after its bracketed host IP")?;
        match after.split_once(':') {
            Some((host, container)) => (Some(ip), Some(host), container),
            None => (Some(ip), None, after),
        }
    } else {
        match pieces.as_slice() {
            [container] => (None, None, *container),
            [host, container] => (None, Some(*host), *container),
            [ip, host, container] => (Some(*ip), Some(*host), *container),
            [.., host, container] => {
                let ip_end = spec.len() - host.len() - container.len() - 2;
                (Some(&spec[..ip_end]), Some(*host), *container)
            }
            [] => (None, None, ""),
        }
    };
    let container_port = resolve_part(container);
    if container_port.is_empty() {
        return Err("has no container port");
    }
    if !valid_port(&container_port) {
        return Err("is not a valid port mapping");
    }
    let host_port = host.map(resolve_part).filter(|h| !h.is_empty());
    if host_port.as_deref().is_some_and(|h| !valid_port(h)) {
        return Err("is not a valid port mapping");
    }
    Ok(PortParts {
        host_ip: ip
            .map(|ip| strip_brackets(&resolve_part(ip)).to_string())
            .filter(|ip| !ip.is_empty()),
        host_port,
        container_port,
        protocol,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml::parse_documents;

    fn read(src: &str) -> (Vec<Service>, Vec<ComposeProblem>) {
        let docs = parse_documents(src).expect("valid YAML");
        services_from_compose(src, &docs[0])
    }

    fn one(src: &str) -> Service {
        let (mut services, problems) = read(src);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(services.len(), 1);
        services.remove(0)
    }

    fn at(src: &str, span: Span) -> &str {
        &src[span.start..span.end]
    }

    #[test]
    fn detects_compose_files() {
        let yes = |s: &str| looks_like_compose(&parse_documents(s).unwrap()[0]);
        assert!(yes("services:\n  web:\n    image: nginx\n"));
        assert!(yes("version: '3'\nservices: {}\n"));
        assert!(yes("web:\n  image: nginx\ndb:\n  build: .\n"));
        assert!(yes("version: '1'\nx-a: 1\nweb:\n  build: {context: .}\n"));
        assert!(!yes("services: []\n"));
        assert!(!yes("apiVersion: v1\nkind: Pod\n"));
        assert!(!yes("replicaCount: 1\nredis:\n  image: redis\n"));
        assert!(!yes("redis:\n  image:\n    repository: redis\n"));
        assert!(!yes("web:\n  image: nginx\nother:\n  ports: [80]\n"));
        assert!(!yes("- a\n"));
        assert!(!yes("{}\n"));
    }

    #[test]
    fn services_names_spans_and_null_service() {
        let src = "x-common: &c {image: a}\nservices:\n  web:\n    image: nginx\n  worker:\n  x-skip: {}\n";
        let (s, p) = read(src);
        assert!(p.is_empty());
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].name.as_str(), at(src, s[0].span)), ("web", "web"));
        assert_eq!(s[0].origin, Some(Origin::Compose));
        assert_eq!(
            s[1],
            Service {
                name: "worker".into(),
                span: s[1].span,
                origin: Some(Origin::Compose),
                ..Service::default()
            }
        );
        assert_eq!(at(src, s[1].span), "worker");
    }

    #[test]
    fn images_interpolate_defaults_and_keep_content_spans() {
        let src = "services:\n  a:\n    image: \"ghcr.io/x/y:${TAG:-1.2}\"\n  b:\n    image: redis:$${X}\n  c:\n    image: ${REG}/app\n  d:\n    image: &i 'ollama/ollama'\n  e:\n    image: *i\n";
        let (s, p) = read(src);
        assert!(p.is_empty());
        let a = s[0].image.as_ref().unwrap();
        assert_eq!(a.raw, "ghcr.io/x/y:${TAG:-1.2}");
        assert_eq!(
            (
                a.registry.as_deref(),
                a.repository.as_str(),
                a.tag.as_deref()
            ),
            (Some("ghcr.io"), "x/y", Some("1.2"))
        );
        assert_eq!(at(src, a.span), "ghcr.io/x/y:${TAG:-1.2}");
        let b = s[1].image.as_ref().unwrap();
        assert_eq!(b.text, "redis:${X}");
        assert!(b.unresolved);
        let c = s[2].image.as_ref().unwrap();
        assert!(c.unresolved && c.registry.is_none());
        assert_eq!(
            (c.text.as_str(), c.repository.as_str()),
            ("/app", "${REG}/app")
        );
        assert_eq!(at(src, s[3].image.as_ref().unwrap().span), "ollama/ollama");
        // An alias is not a plain copy: the span is the `*i` use site.
        let e = s[4].image.as_ref().unwrap();
        assert_eq!(
            (e.repository.as_str(), at(src, e.span)),
            ("ollama/ollama", "*i")
        );
    }

    #[test]
    fn build_string_and_mapping() {
        let src = "services:\n  a:\n    build: ./app\n  b:\n    build:\n      context: \"./b\"\n      dockerfile: Dockerfile.gpu\n  c:\n    build:\n      dockerfile: X\n";
        let (s, _) = read(src);
        let a = s[0].build.as_ref().unwrap();
        assert_eq!((a.value.as_str(), at(src, a.span)), ("./app", "./app"));
        let b = s[1].build.as_ref().unwrap();
        assert_eq!((b.value.as_str(), at(src, b.span)), ("./b", "./b"));
        assert_eq!(s[2].build.as_ref().unwrap().value, ".");
    }

    #[test]
    fn short_ports() {
        let src = "services:\n  web:\n    ports:\n      - \"80\"\n      - \"8080:80\"\n      - 127.0.0.1:8080:80\n      - \"[::1]:8080:80\"\n      - \"::1:8080:80\"\n      - \"8000-8010:8000-8010\"\n      - \"9090-9091:8080-8081/udp\"\n      - 8080\n      - 22:22\n      - \"${PORT:-3000}:3000\"\n      - \"${BIND}:${HP}:80\"\n      - \"0.0.0.0::53/UDP\"\n";
        let s = one(src);
        let p: Vec<(Option<&str>, Option<&str>, &str, &str)> = s
            .ports
            .iter()
            .map(|p| {
                (
                    p.host_ip.as_deref(),
                    p.host_port.as_deref(),
                    p.container_port.as_str(),
                    p.protocol.as_str(),
                )
            })
            .collect();
        assert_eq!(
            p,
            [
                (None, None, "80", "tcp"),
                (None, Some("8080"), "80", "tcp"),
                (Some("127.0.0.1"), Some("8080"), "80", "tcp"),
                (Some("::1"), Some("8080"), "80", "tcp"),
                (Some("::1"), Some("8080"), "80", "tcp"),
                (None, Some("8000-8010"), "8000-8010", "tcp"),
                (None, Some("9090-9091"), "8080-8081", "udp"),
                (None, None, "8080", "tcp"),
                (None, Some("22"), "22", "tcp"),
                (None, Some("3000"), "3000", "tcp"),
                (Some("${BIND}"), Some("${HP}"), "80", "tcp"),
                (Some("0.0.0.0"), None, "53", "udp"),
            ]
        );
        assert!(s.ports.iter().all(|p| p.published));
        assert!(s.ports[0].reachable_from_other_hosts());
        assert!(
            !s.ports[2].reachable_from_other_hosts() && !s.ports[3].reachable_from_other_hosts()
        );
        assert_eq!(s.ports[1].text, "8080:80");
        assert_eq!(at(src, s.ports[1].span), "\"8080:80\"");
        assert_eq!(at(src, s.ports[1].edit_span.unwrap()), "8080:80");
        assert_eq!(at(src, s.ports[2].edit_span.unwrap()), "127.0.0.1:8080:80");
        assert_eq!(
            (
                s.ports[7].text.as_str(),
                at(src, s.ports[7].edit_span.unwrap())
            ),
            ("8080", "8080")
        );
        assert_eq!(s.ports[8].text, "22:22");
    }

    #[test]
    fn long_ports_and_expose() {
        let src = "services:\n  web:\n    ports:\n      - target: 80\n        published: \"8080\"\n        host_ip: 127.0.0.1\n        protocol: udp\n        mode: host\n      - target: 443\n        published: 8443-8444\n      - {target: \"53\"}\n    expose:\n      - \"3000\"\n      - 9000/udp\n      - 7000-7002\n";
        let s = one(src);
        let p = &s.ports[0];
        assert_eq!(
            (
                p.host_ip.as_deref(),
                p.host_port.as_deref(),
                p.container_port.as_str(),
                p.protocol.as_str()
            ),
            (Some("127.0.0.1"), Some("8080"), "80", "udp")
        );
        assert!(p.published && !p.reachable_from_other_hosts() && p.edit_span.is_none());
        assert_eq!(p.text, "127.0.0.1:8080:80/udp");
        assert_eq!(s.ports[1].host_port.as_deref(), Some("8443-8444"));
        assert!(s.ports[2].reachable_from_other_hosts() && s.ports[2].host_port.is_none());
        let e: Vec<_> = s.ports[3..]
            .iter()
            .map(|p| (p.container_port.as_str(), p.protocol.as_str(), p.published))
            .collect();
        assert_eq!(
            e,
            [
                ("3000", "tcp", false),
                ("9000", "udp", false),
                ("7000-7002", "tcp", false)
            ]
        );
        assert_eq!(at(src, s.ports[3].edit_span.unwrap()), "3000");
        assert!(s.exposed());
        assert_eq!(at(src, s.ports[2].span), "{target: \"53\"}");
    }

    #[test]
    fn environment_list_and_map() {
        let src = "services:\n  a:\n    environment:\n      - KEY=value\n      - \"QUOTED=a b\"\n      - PASS\n      - EMPTY=\n      - 'ESC=it''s'\n  b:\n    environment:\n      TOKEN: \"s3cret\"\n      PORT: 8080\n      DEBUG: true\n      HOST:\n      'NAME': x\n";
        let (s, p) = read(src);
        assert!(p.is_empty());
        let e = &s[0].env;
        let got: Vec<_> = e
            .iter()
            .map(|v| (v.name.as_str(), v.value.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("KEY", Some("value")),
                ("QUOTED", Some("a b")),
                ("PASS", None),
                ("EMPTY", Some("")),
                ("ESC", Some("it's"))
            ]
        );
        assert_eq!(
            (
                at(src, e[0].name_span),
                at(src, e[0].value_span.unwrap()),
                at(src, e[0].span)
            ),
            ("KEY", "value", "KEY=value")
        );
        assert_eq!(
            (
                at(src, e[1].name_span),
                at(src, e[1].value_span.unwrap()),
                at(src, e[1].span)
            ),
            ("QUOTED", "a b", "\"QUOTED=a b\"")
        );
        assert_eq!((at(src, e[2].name_span), e[2].value_span), ("PASS", None));
        assert_eq!(at(src, e[3].value_span.unwrap()), "");
        // Not a plain copy of the source: both spans fall back to the text inside the quotes.
        assert_eq!(at(src, e[4].name_span), "ESC=it''s");
        assert!(e.iter().all(|v| v.source == EnvSource::Compose));
        let e = &s[1].env;
        let got: Vec<_> = e
            .iter()
            .map(|v| (v.name.as_str(), v.value.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("TOKEN", Some("s3cret")),
                ("PORT", Some("8080")),
                ("DEBUG", Some("true")),
                ("HOST", None),
                ("NAME", Some("x"))
            ]
        );
        assert_eq!(
            (
                at(src, e[0].name_span),
                at(src, e[0].value_span.unwrap()),
                at(src, e[0].span)
            ),
            ("TOKEN", "s3cret", "TOKEN: \"s3cret\"")
        );
        assert_eq!(at(src, e[1].value_span.unwrap()), "8080");
        assert_eq!((at(src, e[3].span), e[3].value_span), ("HOST", None));
        assert_eq!(at(src, e[4].name_span), "NAME");
    }

    #[test]
    fn environment_value_spans_only_where_a_fix_can_write() {
        let src = "x-env: &env\n  A: one\nx-list: &list\n  - C=three\nservices:\n  a:\n    environment:\n      <<: *env\n      B: two\n  b:\n    environment: {D: four, E: \"five\"}\n  c:\n    environment: [F=six, \"G=seven\"]\n  d:\n    environment: *list\n";
        let (s, p) = read(src);
        assert!(p.is_empty(), "{p:?}");
        let spans: Vec<(&str, Option<&str>)> = s
            .iter()
            .flat_map(|s| &s.env)
            .map(|e| (e.name.as_str(), e.value_span.map(|v| at(src, v))))
            .collect();
        assert_eq!(
            spans,
            [
                ("B", Some("two")),
                ("A", None),
                ("D", None),
                ("E", Some("five")),
                ("F", None),
                ("G", Some("seven")),
                ("C", None),
            ]
        );
    }

    #[test]
    fn resolved_fields_and_yaml11_booleans() {
        let src = "services:\n  a:\n    user: \"${UID:-0}:${GID:-0}\"\n    network_mode: ${NET:-host}\n    pid: ${PID_MODE}\n    privileged: \"yes\"\n    read_only: \"off\"\n";
        let s = one(src);
        assert_eq!(
            s.user.as_ref().map(|u| (u.value.as_str(), at(src, u.span))),
            Some(("0:0", "${UID:-0}:${GID:-0}"))
        );
        assert!(s.host_network());
        assert_eq!(s.pid.unwrap().value, "${PID_MODE}");
        assert_eq!(s.privileged.map(|p| p.value), Some(true));
        assert_eq!(s.read_only.map(|p| p.value), Some(false));
    }

    #[test]
    fn env_files() {
        let src = "services:\n  a:\n    env_file: .env\n  b:\n    env_file:\n      - ./common.env\n      - path: \"./opt.env\"\n        required: false\n";
        let (s, p) = read(src);
        assert!(p.is_empty());
        assert_eq!(at(src, s[0].env_files[0].span), ".env");
        let b: Vec<_> = s[1]
            .env_files
            .iter()
            .map(|f| (f.value.as_str(), at(src, f.span)))
            .collect();
        assert_eq!(
            b,
            [("./common.env", "./common.env"), ("./opt.env", "./opt.env")]
        );
    }

    #[test]
    fn commands_list_and_shell_forms() {
        let src = "services:\n  a:\n    command: [\"ollama\", serve]\n    entrypoint: sh -c 'echo \"hi\"'\n  b:\n    command: >\n      python app.py\n      --port 80\n    entrypoint: \"a\\tb c\"\n";
        let (s, p) = read(src);
        assert!(p.is_empty());
        let c = s[0].command.as_ref().unwrap();
        assert!(!c.shell_form);
        let args: Vec<_> = c
            .args
            .iter()
            .map(|a| (a.value.as_str(), at(src, a.span)))
            .collect();
        assert_eq!(args, [("ollama", "ollama"), ("serve", "serve")]);
        assert_eq!(at(src, c.span), "[\"ollama\", serve]");
        let e = s[0].entrypoint.as_ref().unwrap();
        assert!(e.shell_form);
        let args: Vec<_> = e
            .args
            .iter()
            .map(|a| (a.value.as_str(), at(src, a.span)))
            .collect();
        assert_eq!(
            args,
            [("sh", "sh"), ("-c", "-c"), ("echo \"hi\"", "'echo \"hi\"'")]
        );
        // A folded block scalar is not a copy of the source: words point at the whole node.
        let c = s[1].command.as_ref().unwrap();
        let words: Vec<_> = c.args.iter().map(|a| a.value.as_str()).collect();
        assert_eq!(words, ["python", "app.py", "--port", "80"]);
        assert!(c.args.iter().all(|a| a.span == c.span));
        let e = s[1].entrypoint.as_ref().unwrap();
        assert_eq!(
            e.args.iter().map(|a| a.value.as_str()).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        assert_eq!(at(src, e.args[0].span), "\"a\\tb c\"");
    }

    #[test]
    fn scalars_flags_and_lists() {
        let src = "services:\n  a:\n    user: 1000\n    privileged: \"true\"\n    read_only: true\n    cap_add: [SYS_ADMIN, \"NET_ADMIN\"]\n    cap_drop:\n      - ALL\n    security_opt:\n      - seccomp:unconfined\n    network_mode: host\n    pid: \"host\"\n    ipc: host\n    uts: host\n    userns_mode: host\n    devices:\n      - /dev/kfd:/dev/kfd\n      - source: /dev/dri\n        target: /dev/dri\n        permissions: rwm\n    tmpfs: /run\n    mem_limit: 512m\n    pids_limit: 100\n    restart: no\n    profiles: [gpu, debug]\n    extends: base\n    secrets:\n      - db_pass\n      - source: api_key\n        target: key\n  b:\n    user: \"app:app\"\n    privileged: false\n    read_only: \"${RO:-true}\"\n    tmpfs:\n      - /tmp\n      - /run:size=64m\n    deploy:\n      resources:\n        limits:\n          memory: 1G\n          pids: 50\n    extends:\n      file: base.yml\n      service: web\n";
        let (s, p) = read(src);
        assert!(p.is_empty(), "{p:?}");
        let a = &s[0];
        assert_eq!(
            a.user.as_ref().map(|u| (u.value.as_str(), at(src, u.span))),
            Some(("1000", "1000"))
        );
        assert_eq!(
            a.privileged.as_ref().map(|p| (p.value, at(src, p.span))),
            Some((true, "true"))
        );
        assert_eq!(a.read_only.as_ref().map(|p| p.value), Some(true));
        let caps: Vec<_> = a.cap_add.iter().map(|c| at(src, c.span)).collect();
        assert_eq!(caps, ["SYS_ADMIN", "NET_ADMIN"]);
        assert_eq!(a.cap_drop[0].value, "ALL");
        assert_eq!(a.security_opt[0].value, "seccomp:unconfined");
        assert!(a.host_network());
        assert_eq!(at(src, a.pid.as_ref().unwrap().span), "host");
        for f in [&a.ipc, &a.uts, &a.userns_mode] {
            assert_eq!(f.as_ref().unwrap().value, "host");
        }
        let devs: Vec<_> = a.devices.iter().map(|d| d.value.as_str()).collect();
        assert_eq!(devs, ["/dev/kfd:/dev/kfd", "/dev/dri:/dev/dri:rwm"]);
        assert_eq!(
            a.tmpfs.iter().map(|t| t.value.as_str()).collect::<Vec<_>>(),
            ["/run"]
        );
        assert_eq!(
            a.mem_limit
                .as_ref()
                .map(|m| (m.value.as_str(), at(src, m.span))),
            Some(("512m", "512m"))
        );
        assert_eq!(a.pids_limit.as_ref().unwrap().value, "100");
        assert_eq!(a.restart.as_ref().unwrap().value, "no");
        assert_eq!(a.profiles, ["gpu", "debug"]);
        assert_eq!(a.extends.as_ref().map(|e| at(src, e.span)), Some("base"));
        let secrets: Vec<_> = a
            .secrets
            .iter()
            .map(|s| (s.value.as_str(), at(src, s.span)))
            .collect();
        assert_eq!(secrets, [("db_pass", "db_pass"), ("api_key", "api_key")]);
        let b = &s[1];
        assert_eq!(at(src, b.user.as_ref().unwrap().span), "app:app");
        assert!(!b.privileged.as_ref().unwrap().value);
        assert_eq!(
            b.read_only.as_ref().map(|r| (r.value, at(src, r.span))),
            Some((true, "${RO:-true}"))
        );
        assert_eq!(b.tmpfs.len(), 2);
        assert_eq!(
            b.mem_limit
                .as_ref()
                .map(|m| (m.value.as_str(), at(src, m.span))),
            Some(("1G", "1G"))
        );
        assert_eq!(b.pids_limit.as_ref().unwrap().value, "50");
        assert_eq!(b.extends.as_ref().map(|e| at(src, e.span)), Some("web"));
    }

    #[test]
    fn short_volumes() {
        let src = "services:\n  a:\n    volumes:\n      - ./data:/data\n      - \"/var/run/docker.sock:/var/run/docker.sock:ro\"\n      - models:/root/.ollama\n      - /cache\n      - ~/x:/x:rw,rshared\n      - ${DATA:-./d}:/d:z\n      - C:\\Users\\me:/w\n      - 'c:/data:/data:ro'\n";
        let s = one(src);
        let m: Vec<_> = s
            .mounts
            .iter()
            .map(|m| {
                (
                    m.kind,
                    m.source.as_deref(),
                    m.target.as_str(),
                    m.read_only,
                    m.propagation.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            m,
            [
                (MountKind::Bind, Some("./data"), "/data", false, None),
                (
                    MountKind::Bind,
                    Some("/var/run/docker.sock"),
                    "/var/run/docker.sock",
                    true,
                    None
                ),
                (
                    MountKind::Volume,
                    Some("models"),
                    "/root/.ollama",
                    false,
                    None
                ),
                (MountKind::Volume, None, "/cache", false, None),
                (MountKind::Bind, Some("~/x"), "/x", false, Some("rshared")),
                (MountKind::Bind, Some("${DATA:-./d}"), "/d", false, None),
                (MountKind::Bind, Some("C:\\Users\\me"), "/w", false, None),
                (MountKind::Bind, Some("c:/data"), "/data", true, None),
            ]
        );
        assert_eq!(
            at(src, s.mounts[1].source_span.unwrap()),
            "/var/run/docker.sock"
        );
        assert_eq!(
            at(src, s.mounts[1].span),
            "\"/var/run/docker.sock:/var/run/docker.sock:ro\""
        );
        assert_eq!(at(src, s.mounts[5].source_span.unwrap()), "${DATA:-./d}");
        assert_eq!(s.mounts[3].source_span, None);
    }

    #[test]
    fn long_volumes() {
        let src = "services:\n  a:\n    volumes:\n      - type: bind\n        source: /var/run/docker.sock\n        target: /var/run/docker.sock\n        read_only: true\n        bind:\n          propagation: rslave\n      - type: volume\n        source: models\n        target: /models\n      - type: tmpfs\n        target: /tmp\n      - source: ./x\n        target: /x\n";
        let s = one(src);
        let m: Vec<_> = s
            .mounts
            .iter()
            .map(|m| {
                (
                    m.kind,
                    m.source.as_deref(),
                    m.target.as_str(),
                    m.read_only,
                    m.propagation.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            m,
            [
                (
                    MountKind::Bind,
                    Some("/var/run/docker.sock"),
                    "/var/run/docker.sock",
                    true,
                    Some("rslave")
                ),
                (MountKind::Volume, Some("models"), "/models", false, None),
                (MountKind::Tmpfs, None, "/tmp", false, None),
                (MountKind::Bind, Some("./x"), "/x", false, None),
            ]
        );
        assert_eq!(
            at(src, s.mounts[0].source_span.unwrap()),
            "/var/run/docker.sock"
        );
    }

    #[test]
    fn healthchecks() {
        let src = "services:\n  a:\n    healthcheck:\n      disable: true\n  b:\n    healthcheck:\n      test: [\"NONE\"]\n  c:\n    healthcheck:\n      test: NONE\n  d:\n    healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost\"]\n      interval: 30s\n  e:\n    image: x\n";
        let (s, p) = read(src);
        assert!(p.is_empty());
        let h: Vec<_> = s
            .iter()
            .map(|s| s.healthcheck.as_ref().map(|h| h.disabled))
            .collect();
        assert_eq!(h, [Some(true), Some(true), Some(true), Some(false), None]);
        assert_eq!(
            at(src, s[0].healthcheck.as_ref().unwrap().span),
            "healthcheck:\n      disable: true"
        );
    }

    #[test]
    fn merges_and_extensions() {
        let src = "x-base: &base\n  privileged: true\n  environment:\n    - A=1\nservices:\n  web:\n    <<: *base\n    image: nginx\n    x-note: ignored\n";
        let s = one(src);
        assert_eq!(s.privileged.as_ref().map(|p| p.value), Some(true));
        assert_eq!(s.env[0].name, "A");
        assert_eq!(at(src, s.privileged.unwrap().span), "*base");
    }

    #[test]
    fn legacy_v1_files() {
        let src =
            "web:\n  image: nginx\n  net: host\n  ports:\n    - \"80:80\"\ndb:\n  build: ./db\n";
        let (s, p) = read(src);
        assert!(p.is_empty());
        assert_eq!(
            s.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
            ["web", "db"]
        );
        assert!(s[0].host_network());
        assert_eq!(at(src, s[0].network_mode.as_ref().unwrap().span), "host");
        assert_eq!(s[1].build.as_ref().unwrap().value, "./db");
        // Not a Compose file at all: nothing, and no complaints.
        let (s, p) = read("replicaCount: 1\nimage:\n  repository: x\n");
        assert!(s.is_empty() && p.is_empty());
        // `net` is only the v1 spelling.
        let s = one("services:\n  a:\n    net: host\n");
        assert!(s.network_mode.is_none());
    }

    #[test]
    fn named_volumes_bound_to_a_host_path_are_binds() {
        let src = "services:\n  web:\n    volumes:\n      - etc:/host/etc:ro\n      - {type: volume, source: data, target: /data}\n      - cache:/cache\nvolumes:\n  etc:\n    driver_opts: {type: none, o: bind, device: /etc}\n  data:\n    driver: local\n    driver_opts:\n      type: none\n      o: bind\n      device: /srv/data\n  cache:\n    driver_opts: {type: nfs, o: \"addr=10.0.0.1,rw\", device: \":/cache\"}\n";
        let s = one(src);
        let m: Vec<_> = s
            .mounts
            .iter()
            .map(|m| (m.kind, m.source.as_deref(), m.read_only))
            .collect();
        assert_eq!(
            m,
            [
                (MountKind::Bind, Some("/etc"), true),
                (MountKind::Bind, Some("/srv/data"), false),
                (MountKind::Volume, Some("cache"), false)
            ]
        );
        assert_eq!(at(src, s.mounts[0].source_span.unwrap()), "/etc");
    }

    #[test]
    fn an_address_in_published_is_a_problem_not_a_port() {
        let src = "services:\n  web:\n    ports:\n      - target: 80\n        published: 127.0.0.1:8080\n      - {target: 81, published: \"127.0.0.1\"}\n      - {target: 82, published: \"${P:-8082}\"}\n";
        let (s, p) = read(src);
        let msgs: Vec<&str> = p.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "`published: 127.0.0.1:8080` of a port of service `web` is not a port number or range (an address belongs in `host_ip`)",
                "`published: 127.0.0.1` of a port of service `web` is not a port number or range (an address belongs in `host_ip`)",
            ]
        );
        assert_eq!(s[0].ports.len(), 1);
        assert_eq!(s[0].ports[0].host_port.as_deref(), Some("8082"));
    }

    #[test]
    fn wrong_types_are_problems_not_panics() {
        let (s, p) = read("services:\n  - web\n");
        assert!(s.is_empty());
        assert_eq!(
            p[0].message,
            "`services` must be a mapping of service names to definitions"
        );
        let src = "services:\n  web:\n    image: [a]\n    ports: \"80:80\"\n    environment: FOO\n    privileged: maybe\n    command: {a: b}\n    cap_add: SYS_ADMIN\n    volumes:\n      - 42\n      - a:b:c:d\n      - {source: x}\n      - {type: weird, target: /x}\n    healthcheck: yes\n    read_only: ${RO}\n    extends: {file: x.yml}\n    secrets:\n      - {target: x}\n  bad: nginx\n  ok:\n    ports:\n      - {published: 80}\n      - \"80:\"\n      - \"abc\"\n      - [1]\n      - \"8080:80\"\n    expose: [\"x/tcp\"]\n    environment:\n      - {A: b}\n      - B=1\n";
        let (s, p) = read(src);
        let msgs: Vec<_> = p
            .iter()
            .map(|p| (p.message.as_str(), at(src, p.span)))
            .collect();
        let expected = [
            ("`image` of service `web` must be a string", "[a]"),
            ("`ports` of service `web` must be a list", "\"80:80\""),
            (
                "`environment` of service `web` must be a list or a mapping",
                "FOO",
            ),
            (
                "`command` of service `web` must be a string or a list",
                "{a: b}",
            ),
            (
                "`privileged` of service `web` must be `true` or `false`",
                "maybe",
            ),
            ("`cap_add` of service `web` must be a list", "SYS_ADMIN"),
            (
                "an entry of `volumes` of service `web` must be a string or a mapping",
                "42",
            ),
            (
                "`a:b:c:d` in `volumes` of service `web` has too many `:`-separated parts",
                "a:b:c:d",
            ),
            (
                "a volume mapping of service `web` must have a `target`",
                "{source: x}",
            ),
            ("unknown volume type `weird` in service `web`", "weird"),
            ("`healthcheck` of service `web` must be a mapping", "yes"),
            (
                "a secret mapping of service `web` must have a `source`",
                "{target: x}",
            ),
            (
                "`extends` of service `web` must name a `service`",
                "{file: x.yml}",
            ),
            ("service `bad` must be a mapping", "nginx"),
            (
                "a port mapping of service `ok` must have a `target`",
                "{published: 80}",
            ),
            (
                "`80:` in `ports` of service `ok` has no container port",
                "\"80:\"",
            ),
            (
                "`abc` in `ports` of service `ok` is not a valid port mapping",
                "\"abc\"",
            ),
            (
                "an entry of `ports` of service `ok` must be a string, a number or a mapping",
                "[1]",
            ),
            (
                "`x/tcp` in `expose` of service `ok` is not a port number or range",
                "\"x/tcp\"",
            ),
            (
                "an entry of `environment` of service `ok` must be a `KEY=VALUE` string",
                "{A: b}",
            ),
        ];
        for e in &expected {
            assert!(msgs.contains(e), "missing {e:?} in {msgs:#?}");
        }
        assert_eq!(msgs.len(), expected.len(), "{msgs:#?}");
        // The rest of the file is still read.
        let names: Vec<_> = s.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["web", "ok"]);
        assert_eq!(s[1].ports.len(), 1);
        assert_eq!(s[1].env[0].name, "B");
        let (_, p) = read("- a\n");
        assert_eq!(p.len(), 1);
    }

    #[test]
    fn port_parsing_edge_cases() {
        assert!(parse_short_port("[::1:80").is_err());
        assert!(parse_short_port("").is_err());
        assert!(parse_short_port("80:80:80:80").is_ok());
        assert_eq!(
            parse_short_port("[::]:80:80").unwrap().host_ip.as_deref(),
            Some("::")
        );
        assert_eq!(parse_short_port("[::1]:80").unwrap().host_port, None);
        assert_eq!(
            parse_short_port("${IP:-127.0.0.1}:${P:-80}:80")
                .unwrap()
                .host_ip
                .as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(parse_short_port("${P}:80/udp").unwrap().protocol, "udp");
        assert!(parse_short_port("123456:80").is_err());
    }
}
