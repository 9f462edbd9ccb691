//! Which AI-stack component a service runs, recognised from its image (official names and
//! common mirrors) and its command. One place, so every reader and rule agrees.

use super::{Command, ImageRef};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Component {
    Ollama,
    Redis,
    Chromadb,
    Triton,
    OpenWebui,
}

impl Component {
    pub fn name(self) -> &'static str {
        match self {
            Component::Ollama => "ollama",
            Component::Redis => "redis",
            Component::Chromadb => "chromadb",
            Component::Triton => "triton",
            Component::OpenWebui => "open-webui",
        }
    }
}

/// What a component's server is, for the shared server block (`facts::server`): the words
/// messages use, what an unauthenticated client gets, how to turn authentication on, and
/// the component's own references. Each statement is from the component's documentation
/// (the references) or `../shared/domain/HARDENING-FACTS.md`.
pub struct Profile {
    pub title: &'static str,
    pub impact: &'static str,
    pub code_execution: bool,
    pub auth_fix: &'static str,
    pub references: &'static [&'static str],
}

impl Component {
    pub fn profile(self) -> &'static Profile {
        match self {
            Component::Ollama => &Profile {
                title: "Ollama",
                impact: "anyone who reaches it can run, pull, copy and delete models on its hardware",
                code_execution: false,
                auth_fix: "Ollama has no authentication of its own: put a reverse proxy that authenticates in front of anything other hosts must reach",
                references: &[
                    "https://github.com/ollama/ollama/blob/main/envconfig/config.go",
                    "https://github.com/ollama/ollama/blob/main/server/routes.go",
                    "https://github.com/ollama/ollama/blob/main/docs/faq.mdx",
                    "https://github.com/CVEProject/cvelistV5/blob/main/cves/2025/63xxx/CVE-2025-63389.json",
                ],
            },
            Component::Redis => &Profile {
                title: "Redis",
                impact: "anyone who reaches it can read and delete every key and write files on the server (`CONFIG SET dir`/`dbfilename`)",
                code_execution: true,
                auth_fix: "Require a password (`--requirepass` from a secret, or ACL users)",
                references: &[
                    "https://redis.io/docs/latest/operate/oss_and_stack/management/security/",
                    "https://hub.docker.com/_/redis",
                    "https://github.com/docker-library/redis/blob/master/Dockerfile.template",
                    "https://github.com/redis/redis/blob/7.0/src/networking.c",
                ],
            },
            Component::Chromadb => &Profile {
                title: "ChromaDB",
                impact: "anyone who reaches it can read, change and delete every collection",
                code_execution: false,
                auth_fix: "On Chroma 0.x set `CHROMA_SERVER_AUTHN_PROVIDER` with credentials from a file; Chroma 1.x has no built-in authentication, so put an authenticating reverse proxy in front",
                references: &[
                    "https://github.com/chroma-core/chroma/blob/main/docs/mintlify/docs/overview/migration.mdx",
                    "https://github.com/chroma-core/chroma/blob/main/docs/mintlify/reference/server-env-vars.mdx",
                    "https://github.com/chroma-core/chroma/blob/0.6.3/docs/docs.trychroma.com/markdoc/content/production/administration/auth.md",
                    "https://github.com/CVEProject/cvelistV5/blob/main/cves/2026/45xxx/CVE-2026-45829.json",
                ],
            },
            Component::Triton => &Profile {
                title: "Triton Inference Server",
                impact: "anyone who reaches it can run inference on every loaded model",
                code_execution: false,
                auth_fix: "Require a header for the APIs that need it (`--http-restricted-api`, `--grpc-restricted-protocol`)",
                references: &["https://github.com/triton-inference-server/server/blob/main/docs/customization_guide/inference_protocols.md"],
            },
            Component::OpenWebui => &Profile {
                title: "Open WebUI",
                impact: "anyone who reaches it can use every model and tool it is connected to",
                code_execution: false,
                auth_fix: "Keep `WEBUI_AUTH` on",
                references: &["https://docs.openwebui.com/getting-started/env-configuration"],
            },
        }
    }
}

/// By image first; by the program the command starts otherwise (`redis-server`,
/// `tritonserver`, `ollama serve`, `chroma run`).
pub fn identify(
    image: Option<&ImageRef>,
    command: Option<&Command>,
    entrypoint: Option<&Command>,
) -> Option<Component> {
    if let Some(c) = image.and_then(by_image) {
        return Some(c);
    }
    [entrypoint, command]
        .into_iter()
        .flatten()
        .find_map(by_command)
}

pub fn by_image(image: &ImageRef) -> Option<Component> {
    if image.unresolved && !image.repository.contains('/') && image.repository.contains('$') {
        return None;
    }
    let repo = image.repository.to_ascii_lowercase();
    let last = repo.rsplit('/').next().unwrap_or(&repo);
    // An unresolved reference keeps its text: `chroma:${VERSION}` is still chroma.
    let last = last.split([':', '@']).next().unwrap_or(last);
    match last {
        "ollama" => Some(Component::Ollama),
        // Bitnami's cluster images and Valkey (the Linux Foundation fork) read the same
        // configuration language and serve the same protocol.
        "redis" | "redis-stack" | "redis-stack-server" | "redis-cluster" | "valkey"
        | "valkey-cluster" => Some(Component::Redis),
        "chroma" | "chromadb" => Some(Component::Chromadb),
        "tritonserver" => Some(Component::Triton),
        "open-webui" => Some(Component::OpenWebui),
        _ => None,
    }
}

fn by_command(cmd: &Command) -> Option<Component> {
    let first = cmd.args.first()?.value.rsplit('/').next()?.to_string();
    let second = cmd.args.get(1).map(|a| a.value.as_str());
    match (first.as_str(), second) {
        ("redis-server" | "valkey-server", _) => Some(Component::Redis),
        ("tritonserver", _) => Some(Component::Triton),
        ("ollama", Some("serve")) => Some(Component::Ollama),
        ("chroma", Some("run")) => Some(Component::Chromadb),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::image::parse_image_ref;
    use crate::source::Span;

    fn img(s: &str) -> Option<Component> {
        by_image(&parse_image_ref(s, s, Span::default()))
    }

    #[test]
    fn images() {
        assert_eq!(img("ollama/ollama:0.5.7"), Some(Component::Ollama));
        assert_eq!(img("redis:7.4-alpine"), Some(Component::Redis));
        assert_eq!(img("bitnami/redis:7.2"), Some(Component::Redis));
        assert_eq!(img("docker.io/library/redis"), Some(Component::Redis));
        assert_eq!(
            img("ghcr.io/chroma-core/chroma:0.6.3"),
            Some(Component::Chromadb)
        );
        assert_eq!(img("chromadb/chroma:1.0.0"), Some(Component::Chromadb));
        assert_eq!(
            img("nvcr.io/nvidia/tritonserver:24.05-py3"),
            Some(Component::Triton)
        );
        assert_eq!(
            img("ghcr.io/open-webui/open-webui:main"),
            Some(Component::OpenWebui)
        );
        for redis in [
            "bitnami/redis-cluster:7.2.4",
            "bitnamilegacy/redis-cluster:7.2.4",
            "bitnami/valkey:8.0.1",
            "valkey/valkey:8.0.1",
            "public.ecr.aws/docker/library/redis:7.2.4",
            "mirror.gcr.io/library/redis:7.2.4",
        ] {
            assert_eq!(img(redis), Some(Component::Redis), "{redis}");
        }
        assert_eq!(img("postgres:16"), None);
        assert_eq!(img("redis-commander"), None);
    }
}
