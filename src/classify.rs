//! What kind of file is this? Name first (case-insensitive), content second for files named
//! explicitly whose name says nothing.

use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    Dockerfile,
    Compose,
    RedisConf,
    Env,
    Systemd,
    NvidiaToml,
    Kubernetes,
    HelmValues,
}

impl FileKind {
    pub const ALL: [FileKind; 8] = [
        FileKind::Dockerfile,
        FileKind::Compose,
        FileKind::RedisConf,
        FileKind::Env,
        FileKind::Systemd,
        FileKind::NvidiaToml,
        FileKind::Kubernetes,
        FileKind::HelmValues,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FileKind::Dockerfile => "dockerfile",
            FileKind::Compose => "compose",
            FileKind::RedisConf => "redis-conf",
            FileKind::Env => "env",
            FileKind::Systemd => "systemd",
            FileKind::NvidiaToml => "nvidia-toml",
            FileKind::Kubernetes => "kubernetes",
            FileKind::HelmValues => "helm-values",
        }
    }

    pub fn parse(s: &str) -> Option<FileKind> {
        FileKind::ALL.into_iter().find(|k| k.name() == s)
    }
}

/// What moat made of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classified {
    Kind(FileKind),
    /// The name or content points at a kind, but the file is not in that kind's shape (a Go
    /// source file named `dockerfile.go`, a GitLab CI file with a `services:` list). Skipped:
    /// with an `info` note when the user named the file, silently when a walk found it.
    Unsure(String),
    /// Nothing moat reads.
    NotOurs,
}

/// The one place that decides a file's kind: the user's `[kinds]` mapping, else the name
/// (confirmed by content where the name alone is ambiguous), else the content.
pub fn classify(path: &Path, text: &str, mapped: Option<FileKind>) -> Classified {
    if let Some(kind) = mapped {
        return Classified::Kind(kind);
    }
    match by_name(path) {
        Some(kind) => match name_needs_content(path, kind) {
            Some(what) if !content_is(kind, text) => {
                Classified::Unsure(format!("named like {what}, but its content is not one"))
            }
            _ => Classified::Kind(kind),
        },
        None => sniff(path, text),
    }
}

/// Whether a file whose name says nothing (and that no `[kinds]` glob maps) is worth reading
/// to sniff its content: anything the user named, YAML (Compose, Kubernetes) and TOML (the
/// NVIDIA toolkit's configuration) found by a walk.
pub fn worth_sniffing(path: &Path, explicit: bool) -> bool {
    explicit || matches!(extension(path).as_deref(), Some("yml" | "yaml" | "toml"))
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

/// Classification by file name alone, as Docker, Compose, Helm, Redis and systemd name their
/// files. Some of these names are also used by other files (`Dockerfile.go`, a `.env.d.ts`):
/// `classify` confirms those by content.
pub fn by_name(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if name == "dockerfile"
        || name == "containerfile"
        || name.ends_with(".dockerfile")
        || name.ends_with(".containerfile")
        // `Dockerfile.prod`, and `Dockerfile_gpu` / `Dockerfile-dev` as projects also write them.
        || (["dockerfile.", "dockerfile_", "dockerfile-", "containerfile."]
            .iter()
            .any(|p| name.starts_with(p))
            && !has_other_format_suffix(&name))
    {
        return Some(FileKind::Dockerfile);
    }
    let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    // Compose's own names (`compose.yaml`, `docker-compose.yml`) and the variants projects
    // write (`docker-compose.prod.yml`, `compose-gpu.yaml`); not `composer.yaml`.
    if yaml
        && ["compose", "docker-compose"].iter().any(|stem| {
            name.strip_prefix(stem)
                .is_some_and(|rest| rest.starts_with(['.', '-', '_']))
        })
    {
        return Some(FileKind::Compose);
    }
    let parent = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if name.ends_with(".conf") && (name.starts_with("redis") || name.starts_with("sentinel")) {
        return Some(FileKind::RedisConf);
    }
    if name == ".env"
        || name.ends_with(".env")
        || (name.starts_with(".env.") && !has_other_format_suffix(&name))
    {
        return Some(FileKind::Env);
    }
    if name.ends_with(".service") || (name.ends_with(".conf") && parent.ends_with(".service.d")) {
        return Some(FileKind::Systemd);
    }
    if name == "config.toml"
        && matches!(
            parent.as_str(),
            "nvidia-container-runtime" | "nvidia-container-toolkit"
        )
    {
        return Some(FileKind::NvidiaToml);
    }
    // Helm values: `values*.yaml` beside a Chart.yaml. A path that is not on disk (standard
    // input, a rule example) is taken at its word.
    if yaml && name.starts_with("values") {
        let chart = path.parent().map(|p| p.join("Chart.yaml"));
        if chart.as_ref().is_none_or(|c| c.exists() || !path.exists()) {
            return Some(FileKind::HelmValues);
        }
    }
    None
}

/// A name that only a convention, not the tool, ties to its kind: `Dockerfile.<variant>` and
/// `Dockerfile_<variant>` (the variant may be anything, `dockerfile_test.rs` included) and
/// `*.service` (Avahi and D-Bus use the suffix too). Returns what the name claims.
fn name_needs_content(path: &Path, kind: FileKind) -> Option<&'static str> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    match kind {
        FileKind::Dockerfile
            if !(name == "dockerfile"
                || name == "containerfile"
                || name.ends_with(".dockerfile")
                || name.ends_with(".containerfile")) =>
        {
            Some("a Dockerfile")
        }
        FileKind::Systemd if name.ends_with(".service") => Some("a systemd unit"),
        _ => None,
    }
}

/// The content has the shape of `kind` (only for the kinds `name_needs_content` names).
fn content_is(kind: FileKind, text: &str) -> bool {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'));
    match kind {
        // Empty files are reported as empty, not as something else.
        _ if first.is_none() => true,
        FileKind::Dockerfile => first
            .and_then(|l| l.split_whitespace().next())
            .is_some_and(|w| DOCKERFILE_INSTRUCTIONS.contains(&w.to_ascii_uppercase().as_str())),
        FileKind::Systemd => first.is_some_and(|l| l.starts_with('[') && l.ends_with(']')),
        _ => true,
    }
}

const DOCKERFILE_INSTRUCTIONS: &[&str] = &[
    "FROM",
    "ARG",
    "RUN",
    "CMD",
    "LABEL",
    "MAINTAINER",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
];

/// `Dockerfile.dockerignore`, `Dockerfile.go`, `.env.d.ts`: another format's extension after
/// a name moat knows. Editor and template leftovers too.
fn has_other_format_suffix(name: &str) -> bool {
    const OTHER: &[&str] = &[
        "dockerignore",
        "md",
        "rst",
        "txt",
        "adoc",
        "html",
        "j2",
        "jinja",
        "jinja2",
        "tmpl",
        "template",
        "tpl",
        "gotmpl",
        "mustache",
        "hbs",
        "erb",
        "bak",
        "orig",
        "rej",
        "swp",
        "patch",
        "diff",
        "snap",
        "golden",
        "sh",
        "bash",
        "ps1",
        "py",
        "rb",
        "go",
        "rs",
        "js",
        "mjs",
        "cjs",
        "ts",
        "tsx",
        "jsx",
        "java",
        "kt",
        "scala",
        "c",
        "h",
        "cc",
        "cpp",
        "cs",
        "php",
        "pl",
        "lua",
        "el",
        "vim",
        "nix",
        "json",
        "yml",
        "yaml",
        "toml",
        "xml",
        "lock",
    ];
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| OTHER.contains(&ext))
}

/// An example or a file named on the command line: its name, else its content.
pub fn by_name_or_content(path: &Path, text: &str) -> Option<FileKind> {
    match classify(path, text, None) {
        Classified::Kind(k) => Some(k),
        _ => None,
    }
}

/// Content sniffing for a file whose name says nothing, without a path to judge by.
pub fn by_content(text: &str) -> Option<FileKind> {
    match sniff(Path::new(""), text) {
        Classified::Kind(k) => Some(k),
        _ => None,
    }
}

/// Content sniffing: a Dockerfile starts (after comments and directives) with `FROM`, or
/// `ARG` before a `FROM`; Compose is YAML in Compose's shape; Kubernetes has top-level
/// `apiVersion` and `kind`; the NVIDIA toolkit's TOML has its `[nvidia-container-cli]`.
/// The extension narrows it: a TOML file is never Compose, a YAML file never a Dockerfile.
fn sniff(path: &Path, text: &str) -> Classified {
    let ext = extension(path);
    if ext.as_deref() == Some("toml") {
        return if text.lines().any(|l| l.trim() == "[nvidia-container-cli]") {
            Classified::Kind(FileKind::NvidiaToml)
        } else {
            Classified::NotOurs
        };
    }
    let yaml = matches!(ext.as_deref(), Some("yml" | "yaml"));
    let Some(first) = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
    else {
        return Classified::NotOurs;
    };
    let word = first
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    if !yaml
        && (word == "FROM"
            || (word == "ARG"
                && text
                    .lines()
                    .any(|l| l.trim_start().to_ascii_uppercase().starts_with("FROM "))))
    {
        return Classified::Kind(FileKind::Dockerfile);
    }
    if has_top_level_services(text) {
        return match compose_shape(text) {
            Ok(()) => Classified::Kind(FileKind::Compose),
            Err(why) => Classified::Unsure(why),
        };
    }
    if looks_like_kubernetes(text) {
        return Classified::Kind(FileKind::Kubernetes);
    }
    if text.lines().any(|l| l.trim() == "[nvidia-container-cli]") {
        return Classified::Kind(FileKind::NvidiaToml);
    }
    Classified::NotOurs
}

/// The top-level keys the Compose specification allows (besides `x-` extensions).
const COMPOSE_TOP_LEVEL: &[&str] = &[
    "version", "name", "include", "services", "networks", "volumes", "configs", "secrets", "models",
];

/// Keys a Compose service has and other formats' `services:` entries do not all share.
const COMPOSE_SERVICE_KEYS: &[&str] = &[
    "image",
    "build",
    "command",
    "entrypoint",
    "environment",
    "env_file",
    "ports",
    "expose",
    "volumes",
    "depends_on",
    "networks",
    "network_mode",
    "container_name",
    "restart",
    "healthcheck",
    "deploy",
    "extends",
    "labels",
    "user",
    "working_dir",
    "profiles",
    "privileged",
    "cap_add",
    "devices",
    "secrets",
    "configs",
    "logging",
    "ulimits",
    "tmpfs",
    "security_opt",
    "stdin_open",
    "tty",
    "hostname",
    "extra_hosts",
    "runtime",
    "shm_size",
];

/// A YAML file with a top-level `services:` is Compose only in Compose's shape: a mapping
/// whose top-level keys are Compose's, with `services` a mapping of services that have
/// Compose service keys. GitLab CI (`services:` is a list of images beside `stages:`), Render
/// blueprints (a list), GitHub workflows (`jobs:`) and Helm values are not.
fn compose_shape(text: &str) -> Result<(), String> {
    let docs = crate::parse::yaml::parse_documents(text).map_err(|e| {
        format!(
            "has a top-level `services:` but is not valid YAML ({})",
            e.message
        )
    })?;
    use crate::parse::yaml::YValue;
    let not_compose = |what: &str| {
        Err(format!(
            "has a top-level `services:`, but {what}: not a Compose file"
        ))
    };
    let Some(YValue::Map(top)) = docs.first().map(|d| &d.value) else {
        return not_compose("the document is not a mapping");
    };
    if let Some(other) = top.iter().find_map(|(k, _)| match &k.value {
        YValue::Str(k) if COMPOSE_TOP_LEVEL.contains(&k.as_str()) || k.starts_with("x-") => None,
        YValue::Str(k) => Some(k.clone()),
        _ => Some(String::from("a non-string key")),
    }) {
        return not_compose(&format!("`{other}` is not a Compose top-level key"));
    }
    let services = top.iter().find_map(|(k, v)| match &k.value {
        YValue::Str(k) if k == "services" => Some(v),
        _ => None,
    });
    let Some(YValue::Map(services)) = services.map(|v| &v.value) else {
        return not_compose("`services` is not a mapping of services");
    };
    let mut typical = false;
    for (_, service) in services {
        match &service.value {
            YValue::Map(keys) => {
                typical |= keys.iter().any(|(k, _)| {
                    matches!(&k.value, YValue::Str(k) if COMPOSE_SERVICE_KEYS.contains(&k.as_str()))
                })
            }
            YValue::Null => {}
            _ => return not_compose("a service is not a mapping"),
        }
    }
    if !typical && !services.is_empty() {
        return not_compose("no service has Compose service keys (`image`, `build`, `ports`, ...)");
    }
    Ok(())
}

/// YAML documents with top-level `apiVersion:` and `kind:` (rendered manifests; a Helm
/// template with `{{ }}` is not YAML until rendered, so it is left alone).
pub fn looks_like_kubernetes(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("apiVersion:"))
        && text.lines().any(|l| l.starts_with("kind:"))
        && !has_template_actions(text)
}

/// Go-template actions where YAML structure is expected. Rendered charts still carry `{{`
/// inside block scalars and quoted strings (alerting rules, dashboards, config files in
/// ConfigMaps), and those must not make `helm template` output unreadable to moat.
fn has_template_actions(text: &str) -> bool {
    // Indent of the key that opened the block scalar we are inside, if any.
    let mut block_parent: Option<usize> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if let Some(parent) = block_parent {
            if trimmed.is_empty() || indent > parent {
                continue;
            }
            block_parent = None;
        }
        let content = trimmed.split(" #").next().unwrap_or(trimmed).trim_end();
        if let Some(at) = content.find("{{") {
            let before = &content[..at];
            let quoted =
                before.matches('"').count() % 2 == 1 || before.matches('\'').count() % 2 == 1;
            if !quoted {
                return true;
            }
        }
        let opens_block = content
            .rsplit_once(' ')
            .map_or(content, |(_, last)| last)
            .trim_start_matches('-')
            .starts_with(['|', '>'])
            && (content.contains(": ") || content.starts_with("- "));
        if opens_block {
            block_parent = Some(indent);
        }
    }
    false
}

pub fn has_top_level_services(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("services:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for n in [
            "Dockerfile",
            "dockerfile",
            "Containerfile",
            "api.Dockerfile",
            "Dockerfile.prod",
            "DOCKERFILE.dev",
            "Dockerfile_tei",
            "Dockerfile-cuda",
        ] {
            assert_eq!(by_name(Path::new(n)), Some(FileKind::Dockerfile), "{n}");
        }
        for n in [
            "compose.yaml",
            "docker-compose.yml",
            "Docker-Compose.prod.YML",
            "compose.override.yaml",
        ] {
            assert_eq!(by_name(Path::new(n)), Some(FileKind::Compose), "{n}");
        }
        for n in [
            "Dockerfile.dockerignore",
            "dockerfile.go",
            "README.md",
            "dockerfile.md",
            "redis.yaml",
            "app.conf",
        ] {
            assert_eq!(by_name(Path::new(n)), None, "{n}");
        }
    }

    #[test]
    fn source_files_named_after_dockerfiles_are_not_dockerfiles() {
        let c = |n: &str, text: &str| classify(Path::new(n), text, None);
        for n in [
            "dockerfile.go",
            "dockerfile_test.rs",
            "dockerfile.ts",
            "dockerfile.vim",
            "Dockerfile.json",
            ".env.d.ts",
        ] {
            assert_eq!(c(n, "package main\n"), Classified::NotOurs, "{n}");
        }
        // Named like a variant, but source code inside: unsure, never a parse error.
        for n in ["dockerfile_linter", "Dockerfile-syntax", "Dockerfile.in"] {
            assert!(
                matches!(
                    c(n, "package main\n\nfunc main() {}\n"),
                    Classified::Unsure(_)
                ),
                "{n}"
            );
        }
        assert!(matches!(
            c(
                "avahi.service",
                "<?xml version=\"1.0\"?>\n<service-group/>\n"
            ),
            Classified::Unsure(_)
        ));
        assert_eq!(
            c(
                "Dockerfile.gpu",
                "# syntax=docker/dockerfile:1\nARG X\nFROM a\n"
            ),
            Classified::Kind(FileKind::Dockerfile)
        );
        assert_eq!(
            c("Dockerfile.in", ""),
            Classified::Kind(FileKind::Dockerfile)
        );
        assert_eq!(
            c("Dockerfile", "package main\n"),
            Classified::Kind(FileKind::Dockerfile)
        );
        assert_eq!(
            c("x.service", "# c\n[Unit]\nDescription=x\n"),
            Classified::Kind(FileKind::Systemd)
        );
        assert_eq!(by_name(Path::new("composer.yaml")), None);
        assert_eq!(
            by_name(Path::new("compose-gpu.yaml")),
            Some(FileKind::Compose)
        );
        // The user's mapping wins over the name.
        assert_eq!(
            classify(Path::new("dockerfile.go"), "x", Some(FileKind::Env)),
            Classified::Kind(FileKind::Env)
        );
    }

    #[test]
    fn services_key_alone_does_not_make_compose() {
        let c = |n: &str, text: &str| classify(Path::new(n), text, None);
        let gitlab = "stages: [test]\nservices:\n  - postgres:16\ntest:\n  script: [make]\n";
        assert!(matches!(c(".gitlab-ci.yml", gitlab), Classified::Unsure(_)));
        let render = "services:\n  - type: web\n    name: api\n";
        assert!(matches!(c("render.yaml", render), Classified::Unsure(_)));
        let toml = "[tool]\nservices: = 1\nservices:\n";
        assert_eq!(c("pyproject.toml", toml), Classified::NotOurs);
        let helm = "services:\n  api:\n    type: ClusterIP\n    port: 80\n";
        assert!(matches!(c("config.yaml", helm), Classified::Unsure(_)));
        let workflow = "on: push\nservices:\n  db:\n    image: redis\njobs: {}\n";
        assert!(matches!(c("ci.yml", workflow), Classified::Unsure(_)));
        let compose = "x-common: &c\n  restart: always\nservices:\n  api:\n    <<: *c\n    image: redis:7\n  empty:\nvolumes: {}\n";
        assert_eq!(c("stack.yml", compose), Classified::Kind(FileKind::Compose));
    }

    #[test]
    fn rendered_charts_with_braces_in_strings_are_kubernetes() {
        let rendered = "apiVersion: v1\nkind: ConfigMap\ndata:\n  alerts.yaml: |\n    summary: {{ $labels.instance }}\n    {{ range .Alerts }}x{{ end }}\n  note: \"{{ not a template }}\"\n---\napiVersion: v1\nkind: Service\n";
        assert!(looks_like_kubernetes(rendered));
        let template =
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ include \"x.fullname\" . }}\n";
        assert!(!looks_like_kubernetes(template));
        let control = "{{- if .Values.enabled }}\napiVersion: v1\nkind: Service\n{{- end }}\n";
        assert!(!looks_like_kubernetes(control));
    }

    #[test]
    fn ai_stack_names() {
        let k = |n: &str| by_name(Path::new(n));
        assert_eq!(k("redis.conf"), Some(FileKind::RedisConf));
        assert_eq!(k("sentinel-26379.conf"), Some(FileKind::RedisConf));
        assert_eq!(k(".env"), Some(FileKind::Env));
        assert_eq!(k("ollama.env"), Some(FileKind::Env));
        assert_eq!(k(".env.production"), Some(FileKind::Env));
        assert_eq!(k("ollama.service"), Some(FileKind::Systemd));
        assert_eq!(k("ollama.service.d/override.conf"), Some(FileKind::Systemd));
        assert_eq!(
            k("etc/nvidia-container-toolkit/config.toml"),
            Some(FileKind::NvidiaToml)
        );
        assert_eq!(k("config.toml"), None);
        // Not on disk (standard input, an example): taken at its word.
        assert_eq!(k("chart/values.yaml"), Some(FileKind::HelmValues));
    }

    #[test]
    fn content() {
        assert_eq!(by_content("# c\nFROM alpine\n"), Some(FileKind::Dockerfile));
        assert_eq!(
            by_content("ARG V=1\nFROM alpine:$V\n"),
            Some(FileKind::Dockerfile)
        );
        assert_eq!(
            by_content("services:\n  a: {image: x}\n"),
            Some(FileKind::Compose)
        );
        assert_eq!(by_content("services:\n  a: {}\n"), None);
        assert_eq!(by_content("hello"), None);
        assert_eq!(
            by_content("apiVersion: v1\nkind: Service\n"),
            Some(FileKind::Kubernetes)
        );
        assert_eq!(
            by_content("apiVersion: v1\nkind: Service\nname: {{ .Release.Name }}\n"),
            None
        );
        assert_eq!(
            by_content("[nvidia-container-cli]\nldconfig = \"@/sbin/ldconfig\"\n"),
            Some(FileKind::NvidiaToml)
        );
    }
}
