//! Image references: `[registry/]repository[:tag][@digest]`, as Docker reads them.

use super::ImageRef;
use crate::source::Span;

/// Parse `text` (the reference after interpolation). `raw` is kept for messages; a reference
/// that still holds a `$` after interpolation is marked unresolved and not split further.
pub fn parse_image_ref(raw: &str, text: &str, span: Span) -> ImageRef {
    let mut image = ImageRef {
        raw: raw.to_string(),
        text: text.to_string(),
        span,
        ..ImageRef::default()
    };
    let text = text.trim();
    if text.is_empty() || text.contains('$') {
        image.unresolved = true;
        image.repository = text.to_string();
        return image;
    }
    let (name, digest) = match text.split_once('@') {
        Some((n, d)) => (n, Some(d.to_string())),
        None => (text, None),
    };
    image.digest = digest;
    // A tag follows the last `:` only when no `/` comes after it (`host:5000/img` is a port).
    let (name, tag) = match name.rfind(':') {
        Some(i) if !name[i..].contains('/') => (&name[..i], Some(name[i + 1..].to_string())),
        _ => (name, None),
    };
    image.tag = tag.filter(|t| !t.is_empty());
    let (registry, repository) = match name.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (Some(first.to_string()), rest.to_string())
        }
        _ => (None, name.to_string()),
    };
    let repository = match registry.as_deref() {
        None | Some("docker.io") | Some("index.docker.io") | Some("registry-1.docker.io") => {
            repository
                .strip_prefix("library/")
                .map(str::to_string)
                .unwrap_or(repository)
        }
        _ => repository,
    };
    image.registry = registry.filter(|r| {
        !matches!(
            r.as_str(),
            "docker.io" | "index.docker.io" | "registry-1.docker.io"
        )
    });
    image.repository = repository.to_ascii_lowercase();
    image
}

impl ImageRef {
    /// No tag and no digest, or the `latest` tag without a digest: what runs changes over time.
    pub fn floating(&self) -> bool {
        !self.unresolved
            && self.digest.is_none()
            && self.repository != "scratch"
            && self.tag.as_deref().is_none_or(floating_tag)
    }
}

/// A tag that names a channel rather than a release: `latest`, `main`, `main-latest`,
/// `stable`, `edge`, `nightly`, `dev`, or a variant of the newest build with no version in it
/// (`alpine`, `slim`, `rocm`, `cuda`), or one that starts with `latest`/`main`/`master`
/// (`latest-cuda12`). A release line (`7`, `7.2-alpine`, `jessie`, `bookworm`, `24.05-py3`)
/// is not: it is rebuilt with patch releases, but never jumps to the next release.
pub fn floating_tag(tag: &str) -> bool {
    const CHANNELS: &[&str] = &[
        "latest",
        "main",
        "master",
        "stable",
        "edge",
        "nightly",
        "dev",
        "develop",
        "development",
        "unstable",
        "testing",
        "canary",
        "next",
        "head",
        "trunk",
        "snapshot",
        "rolling",
        "current",
        "lts",
        "beta",
        "alpha",
        "preview",
        "experimental",
    ];
    const VARIANTS: &[&str] = &[
        "alpine",
        "slim",
        "rocm",
        "cuda",
        "gpu",
        "cpu",
        "full",
        "minimal",
        "bare",
        "rootless",
        "unprivileged",
        "nonroot",
        "debug",
        "devel",
        "runtime",
        "openai",
        "ollama",
    ];
    let tag = tag.to_ascii_lowercase();
    let words: Vec<&str> = tag
        .split(['-', '_', '.'])
        .filter(|w| !w.is_empty())
        .collect();
    matches!(words.first(), Some(&("latest" | "main" | "master")))
        || (!words.is_empty()
            && words
                .iter()
                .all(|w| CHANNELS.contains(w) || VARIANTS.contains(w)))
}

impl ImageRef {
    /// The Docker Hub repository this image is, directly or through a registry that mirrors
    /// Docker Hub under the same names: Google's pull-through cache `mirror.gcr.io`
    /// (<https://cloud.google.com/artifact-registry/docs/pull-cached-dockerhub-images>) and
    /// ECR Public's Docker Official Images `public.ecr.aws/docker/library/`
    /// (<https://gallery.ecr.aws/docker/>). `None` for other registries. Recognition and the
    /// advisory table read this; trust (`trusted-registries`) still judges the real registry.
    pub fn hub_repository(&self) -> Option<&str> {
        match self
            .registry
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None => Some(&self.repository),
            Some("mirror.gcr.io") => Some(
                self.repository
                    .strip_prefix("library/")
                    .unwrap_or(&self.repository),
            ),
            Some("public.ecr.aws") => self.repository.strip_prefix("docker/library/"),
            Some(_) => None,
        }
    }

    /// Where the image is pulled from, as one path: `docker.io/library/redis`,
    /// `ghcr.io/acme/app`. `None` when nothing is pulled (`scratch`) or the reference still
    /// holds a variable.
    pub fn location(&self) -> Option<String> {
        if self.unresolved || self.repository.is_empty() || self.repository == "scratch" {
            return None;
        }
        Some(match &self.registry {
            Some(r) => format!("{}/{}", r.to_ascii_lowercase(), self.repository),
            None if !self.repository.contains('/') => {
                format!("docker.io/library/{}", self.repository)
            }
            None => format!("docker.io/{}", self.repository),
        })
    }

    /// Whether a `trusted-registries` list covers the image: entries are hosts
    /// (`registry.example.com`, Docker Hub by any of its names), `*` (anything), `*.` host
    /// wildcards, or `host/path` prefixes (`ghcr.io/acme` covers `ghcr.io/acme/app`, not
    /// `ghcr.io/acme-corp/app`). `None` when the list is empty or nothing is pulled.
    pub fn trusted_by(&self, trusted: &[String]) -> Option<bool> {
        if trusted.is_empty() {
            return None;
        }
        let location = self.location()?;
        let host = location.split('/').next().unwrap_or_default();
        Some(trusted.iter().any(|entry| {
            let entry = hub_alias(entry);
            if entry == "*" {
                true
            } else if let Some(suffix) = entry.strip_prefix('*') {
                host.ends_with(suffix)
            } else if entry.contains('/') {
                location == entry || location.starts_with(&format!("{entry}/"))
            } else {
                host == entry
            }
        }))
    }
}

/// Docker Hub's other names, as `docker.io` (the host `location` uses).
fn hub_alias(entry: &str) -> String {
    for alias in [
        "index.docker.io",
        "registry-1.docker.io",
        "registry.hub.docker.com",
    ] {
        if let Some(rest) = entry.strip_prefix(alias) {
            if rest.is_empty() || rest.starts_with('/') {
                return format!("docker.io{rest}");
            }
        }
    }
    entry.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> ImageRef {
        parse_image_ref(s, s, Span::default())
    }

    #[test]
    fn splits_registry_repository_tag_digest() {
        let i = p("ghcr.io/chroma-core/chroma:0.5.7@sha256:abc");
        assert_eq!(i.registry.as_deref(), Some("ghcr.io"));
        assert_eq!(i.repository, "chroma-core/chroma");
        assert_eq!(i.tag.as_deref(), Some("0.5.7"));
        assert_eq!(i.digest.as_deref(), Some("sha256:abc"));
        let i = p("localhost:5000/app");
        assert_eq!(
            (i.registry.as_deref(), i.tag),
            (Some("localhost:5000"), None)
        );
        let i = p("docker.io/library/redis:7");
        assert_eq!((i.registry, i.repository.as_str()), (None, "redis"));
        assert_eq!(p("ollama/ollama").repository, "ollama/ollama");
    }

    #[test]
    fn docker_hub_mirrors_name_the_hub_repository() {
        for i in [
            "redis:7",
            "docker.io/library/redis:7",
            "mirror.gcr.io/library/redis:7",
            "mirror.gcr.io/redis",
            "public.ecr.aws/docker/library/redis:7.2",
        ] {
            assert_eq!(p(i).hub_repository(), Some("redis"), "{i}");
        }
        assert_eq!(
            p("mirror.gcr.io/bitnami/redis").hub_repository(),
            Some("bitnami/redis")
        );
        assert_eq!(p("public.ecr.aws/bitnami/redis").hub_repository(), None);
        assert_eq!(p("ghcr.io/library/redis").hub_repository(), None);
    }

    #[test]
    fn floating_tags() {
        assert!(p("redis").floating());
        assert!(p("redis:latest").floating());
        assert!(!p("redis:latest@sha256:abc").floating());
        assert!(!p("redis:7").floating());
        assert!(!p("scratch").floating());
        assert!(!p("${IMAGE}").floating());
        for floating in [
            "redis:alpine",
            "ghcr.io/open-webui/open-webui:main",
            "x:main-latest",
            "x:stable",
            "x:edge",
            "x:nightly",
            "x:dev",
            "ollama/ollama:rocm",
            "x:latest-cuda12.4",
        ] {
            assert!(p(floating).floating(), "{floating}");
        }
        for pinned in [
            "redis:7.2-alpine",
            "x:24.05-py3",
            "x:v1",
            "x:nightly-2025-01-02",
            "x:sha-3f2a9c1",
        ] {
            assert!(!p(pinned).floating(), "{pinned}");
        }
    }

    #[test]
    fn trusted_registries_match_hosts_wildcards_and_path_prefixes() {
        let list = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let hub = list(&["docker.io"]);
        for image in [
            "ubuntu:18.04",
            "zemanlx/ubuntu",
            "docker.io/zemanlx/ubuntu",
            "index.docker.io/library/redis",
        ] {
            assert_eq!(p(image).trusted_by(&hub), Some(true), "{image}");
        }
        assert_eq!(p("random.com/debian").trusted_by(&hub), Some(false));
        assert_eq!(
            p("redis").trusted_by(&list(&["registry-1.docker.io/library"])),
            Some(true)
        );
        assert_eq!(
            p("acme/redis").trusted_by(&list(&["docker.io/library"])),
            Some(false)
        );
        let acme = list(&["ghcr.io/acme", "*.corp.example"]);
        assert_eq!(p("ghcr.io/acme/app:1").trusted_by(&acme), Some(true));
        assert_eq!(p("ghcr.io/acme-corp/app:1").trusted_by(&acme), Some(false));
        assert_eq!(p("ghcr.io/acme").trusted_by(&acme), Some(true));
        assert_eq!(p("reg.corp.example/app").trusted_by(&acme), Some(true));
        assert_eq!(p("corp.example/app").trusted_by(&acme), Some(false));
        assert_eq!(
            p("localhost:5000/app").trusted_by(&list(&["localhost:5000"])),
            Some(true)
        );
        assert_eq!(p("quay.io/x").trusted_by(&list(&["*"])), Some(true));
        assert_eq!(p("scratch").trusted_by(&hub), None);
        assert_eq!(p("${BASE}").trusted_by(&hub), None);
        assert_eq!(p("random.com/debian").trusted_by(&[]), None);
    }
}
