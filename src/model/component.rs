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
