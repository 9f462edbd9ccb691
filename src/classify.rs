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

/// Classification by file name alone.
pub fn by_name(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if name == "dockerfile"
        || name == "containerfile"
        || name.ends_with(".dockerfile")
        || name.ends_with(".containerfile")
        // `Dockerfile.prod`, and `Dockerfile_gpu` / `Dockerfile-dev` as projects also write them.
        || (["dockerfile.", "dockerfile_", "dockerfile-"].iter().any(|p| name.starts_with(p))
            && !is_not_a_dockerfile_suffix(&name))
        || (name.starts_with("containerfile.") && !is_not_a_dockerfile_suffix(&name))
    {
        return Some(FileKind::Dockerfile);
    }
    let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    if yaml && (name.starts_with("compose") || name.starts_with("docker-compose")) {
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
    if name == ".env" || name.ends_with(".env") || name.starts_with(".env.") {
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

/// `Dockerfile.dockerignore` and editor or template leftovers are not Dockerfiles.
fn is_not_a_dockerfile_suffix(name: &str) -> bool {
    const NOT: &[&str] = &[
        ".dockerignore",
        ".md",
        ".txt",
        ".j2",
        ".jinja",
        ".tmpl",
        ".template",
        ".tpl",
        ".bak",
        ".orig",
        ".swp",
        ".sh",
        ".py",
        ".json",
        ".yml",
        ".yaml",
        ".erb",
    ];
    NOT.iter().any(|s| name.ends_with(s))
}

/// An example or a file named on the command line: its name, else its content.
pub fn by_name_or_content(path: &Path, text: &str) -> Option<FileKind> {
    by_name(path).or_else(|| by_content(text))
}

/// YAML whose name says nothing is sniffed only when the user named the file explicitly, or
/// when it is YAML with a top-level `services:`.
pub fn could_be_yaml(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"))
}

/// Content sniffing for a file named explicitly: a Dockerfile starts (after comments and
/// directives) with `FROM` or `ARG`; Compose has a top-level `services:` key.
pub fn by_content(text: &str) -> Option<FileKind> {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    let word = first.split_whitespace().next()?.to_ascii_uppercase();
    if word == "FROM"
        || (word == "ARG"
            && text
                .lines()
                .any(|l| l.trim_start().to_ascii_uppercase().starts_with("FROM ")))
    {
        return Some(FileKind::Dockerfile);
    }
    if has_top_level_services(text) {
        return Some(FileKind::Compose);
    }
    if looks_like_kubernetes(text) {
        return Some(FileKind::Kubernetes);
    }
    if text.lines().any(|l| l.trim() == "[nvidia-container-cli]") {
        return Some(FileKind::NvidiaToml);
    }
    None
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
            "README.md",
            "dockerfile.md",
            "redis.yaml",
            "app.conf",
        ] {
            assert_eq!(by_name(Path::new(n)), None, "{n}");
        }
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
        assert_eq!(by_content("services:\n  a: {}\n"), Some(FileKind::Compose));
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
