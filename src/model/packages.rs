//! Component occurrences: every place a file names an image (Compose, Kubernetes and Helm
//! images, Dockerfile `FROM`s, the GPU Operator's component versions) or pins a package of the
//! advisory table in a `RUN` line (`apt-get install pkg=ver`, `pip install pkg==ver`, ...).
//! Each becomes a `component` node carrying its version, as the component's scheme reads it,
//! and what the advisory table says about that version. The `AV` rules read these facts;
//! `moat inventory` lists the same occurrences.

use super::nodes::{Node, NodeKind};
use super::version::{self, Packaging, Stated};
use super::{ImageRef, Origin, Service};
use crate::advisory::{self, Assessment, Target};
use crate::model::nodes::{fact, to_json};
use crate::parse::dockerfile::{Dockerfile, Form, Instruction};
use crate::source::Span;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Serialize, Serializer};
use serde_json::json;
use std::borrow::Cow;
use std::sync::Arc;

/// Span keys a `component` rule may name.
pub const SPAN_KEYS: &[&str] = &["component", "component.exposure"];

/// How many advisory ids a message lists before it says "and N more".
const LISTED: usize = 8;

/// Platform of everything moat reads: container images and Linux packages.
const PLATFORM: &str = "linux";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Image,
    Package(Packaging),
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Image => "image",
            Kind::Package(Packaging::Deb) => "deb",
            Kind::Package(Packaging::Rpm) => "rpm",
            Kind::Package(Packaging::Pypi) => "pypi",
            Kind::Package(Packaging::Apk) => "apk",
        }
    }

    fn fact(self) -> OccurrenceKind {
        match self {
            Kind::Image => OccurrenceKind::Image,
            Kind::Package(Packaging::Deb) => OccurrenceKind::Deb,
            Kind::Package(Packaging::Rpm) => OccurrenceKind::Rpm,
            Kind::Package(Packaging::Pypi) => OccurrenceKind::Pypi,
            Kind::Package(Packaging::Apk) => OccurrenceKind::Apk,
        }
    }
}

/// What a component occurrence is.
// `Kind::name` spells the same, for purls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OccurrenceKind {
    /// An image reference.
    Image,
    /// A Debian or Ubuntu package pinned in a `RUN` line (`apt-get install pkg=ver`).
    Deb,
    /// An RPM package pinned in a `RUN` line (`dnf install pkg-ver`).
    Rpm,
    /// A Python package pinned in a `RUN` line (`pip install pkg==ver`).
    Pypi,
    /// An Alpine package pinned in a `RUN` line (`apk add pkg=ver`).
    Apk,
}

/// A component of the advisory table (`advisory::COMPONENTS`), or `''` for none. Its schema
/// lists the table's components, so the reference follows the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdvisoryComponent(Option<&'static str>);

impl Serialize for AdvisoryComponent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.unwrap_or(""))
    }
}

impl JsonSchema for AdvisoryComponent {
    fn schema_name() -> Cow<'static, str> {
        "AdvisoryComponent".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let mut values: Vec<serde_json::Value> = advisory::COMPONENTS
            .iter()
            .map(
                |(name, _, title)| json!({ "type": "string", "const": name, "description": title }),
            )
            .collect();
        values.push(json!({
            "type": "string",
            "const": "",
            "description": "Not a component of the advisory table.",
        }));
        Schema::try_from(json!({
            "description": "A component of the advisory table (`rules/advisories.toml`, `--advisories`), or `''` for none.",
            "oneOf": values,
        }))
        .expect("an object is a schema")
    }
}

/// The worst severity among the advisories that apply, or `''`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WorstSeverity {
    /// Rated critical.
    Critical,
    /// Rated high.
    High,
    /// Rated medium.
    Medium,
    /// Rated low.
    Low,
    /// Not rated by any record (ranks with medium).
    Unknown,
    /// No advisory applies without a condition.
    #[serde(rename = "")]
    None,
}

impl From<Option<advisory::Severity>> for WorstSeverity {
    fn from(s: Option<advisory::Severity>) -> Self {
        use advisory::Severity;
        match s {
            Some(Severity::Critical) => WorstSeverity::Critical,
            Some(Severity::High) => WorstSeverity::High,
            Some(Severity::Medium) => WorstSeverity::Medium,
            Some(Severity::Low) => WorstSeverity::Low,
            Some(Severity::Unknown) => WorstSeverity::Unknown,
            None => WorstSeverity::None,
        }
    }
}

/// `component`: one component occurrence (an image reference, or a package pinned in a `RUN`
/// line), its version as the component's scheme reads it, and what the advisory table says
/// about that version.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ComponentFacts {
    /// An image, or the packaging of a pinned package.
    pub kind: OccurrenceKind,
    /// The image repository (`redis`, `ollama/ollama`; a Docker Hub mirror's image as the
    /// Hub names it) or the package name, normalised.
    pub name: String,
    /// The image's registry; `null` for Docker Hub (also through a mirror) and for packages.
    pub registry: Option<String>,
    /// Images: the reference with variables substituted where their defaults are known (as
    /// written when one has no value); packages: the pin as written
    /// (`nvidia-container-toolkit=1.17.0-1`).
    pub reference: String,
    /// What it is, for messages: ``image `redis:7.2.4` ``, ``image `x` (tag from Chart.yaml
    /// appVersion)``, ``package pin `pkg=1.0` ``.
    pub what: String,
    /// The advisory table's component this is; `''` when the table has none for it.
    pub component: AdvisoryComponent,
    /// The table's display name of `component` (`Redis`, `NVIDIA Container Toolkit`); `''`
    /// when `component` is.
    pub title: String,
    /// The stated version (`7.2.4`; a release line as `7.2.x`; a pre-release as written);
    /// `null` when none is stated (no tag, `latest`, a digest only, a variable) or
    /// `component` is `''`.
    pub version: Option<String>,
    /// The version is one exact release (not a line, a pre-release or none).
    pub version_known: bool,
    /// Why the version is not known exactly, for messages (`` `latest` is whatever was
    /// pushed last ``); `''` when it is, or when `component` is `''` (and the reference has
    /// no variable).
    pub version_note: String,
    /// Where the tag came from when the reference does not say (`Chart.yaml appVersion`);
    /// `null` otherwise.
    pub version_from: Option<String>,
    /// Triton: the server release of the NGC tag (`2.46.0` for `24.05`); `null` otherwise.
    pub release: Option<String>,
    /// The service, Dockerfile stage or values block it belongs to (`api`, ``stage `build` ``,
    /// `gpu-operator/toolkit`, `ClusterPolicy/cluster-policy:toolkit`).
    pub service: String,
    /// Its service is reachable from other hosts (always false in a Dockerfile and for GPU
    /// Operator blocks).
    pub exposed: bool,
    /// How its service is reachable from other hosts, comma-separated, for messages (`port
    /// 11434:11434`, `the host's network`, ``NodePort Service `x` ``); `''` when not.
    pub exposure: String,
    /// Ids of the advisories affecting this version that a later release fixes, most severe
    /// first.
    pub advisories: Vec<String>,
    /// `advisories` for messages: each id with its severity, nickname and condition, the
    /// first eight and then `and N more`; `''` when none.
    pub listing: String,
    /// Ids of the advisories affecting this version that name no fixed release (later
    /// releases are not listed as affected).
    pub unfixed: Vec<String>,
    /// `unfixed` for messages, as `listing` without severities.
    pub unfixed_listing: String,
    /// Ids of the advisories affecting every release from some point on, with no fix (no
    /// authentication by design, say): context for exposure rules, not an upgrade finding.
    pub open_ended: Vec<String>,
    /// The worst severity among `advisories` and `unfixed` that apply without a condition.
    pub worst: WorstSeverity,
    /// The first release after this version that none of them affects; `''` when the table
    /// has none.
    pub upgrade: String,
    /// `upgrade` has the same major and minor number as the version (a patch release of its
    /// branch; never for NGC versions).
    pub same_branch: bool,
    /// What to do, for messages: a sentence naming `upgrade` (or saying there is none), and
    /// whether it leaves the version's branch.
    pub advice: String,
    /// The URLs of `advisories` and `unfixed`, each once, in order.
    pub references: Vec<String>,
}

/// One occurrence of an image or a pinned package, with what the advisory table says.
#[derive(Debug, Clone)]
pub struct Package {
    pub kind: Kind,
    /// Images: the registry (`None` is Docker Hub).
    pub registry: Option<String>,
    /// Image repository (`redis`, `ollama/ollama`) or package name (normalised).
    pub name: String,
    /// As the file writes it, variables substituted where their defaults are known.
    pub reference: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
    /// Packages: the pinned version as written (`1.17.8-1`).
    pub pinned: Option<String>,
    /// The component of the advisory table this is.
    pub component: Option<&'static str>,
    /// What moat's component recognition calls the service (`open-webui`, `redis` for
    /// Valkey), for images the table does not list.
    pub runs: Option<String>,
    pub stated: Stated,
    /// Why the version is not known exactly (`latest`, a digest, a variable), or "".
    pub version_note: String,
    /// The same in a few words, for tables: `no tag`, `digest only`, `a variable`, ...
    pub version_short: String,
    /// Where the version came from when not from the reference itself (`Chart.yaml
    /// appVersion`).
    pub version_from: Option<String>,
    /// Triton: the server release of the NGC tag.
    pub release: Option<String>,
    pub span: Span,
    /// The service, stage or values block it belongs to.
    pub service: String,
    pub exposed: bool,
    /// How it is reachable from other hosts (published ports, Services, host network).
    pub exposure: Vec<String>,
    pub exposure_spans: Vec<Span>,
    /// Why the service's component authenticates no client, or "" (see KS009).
    pub unauthenticated: String,
    pub assessment: Assessment,
    /// Named by a Dockerfile (a `FROM`, a pin in a `RUN`): part of a build, not a service.
    pub build_stage: bool,
    /// Packages: the distribution whose archive they come from (`debian`, `fedora`), from the
    /// stage's base image; the purl namespace. `None` when the base does not say.
    pub vendor: Option<&'static str>,
}

impl Package {
    pub fn version_text(&self) -> Option<String> {
        self.stated.text()
    }

    /// `image `redis:7.2.4``, `package pin `nvidia-container-toolkit=1.17.0-1``.
    pub fn what(&self) -> String {
        match (self.kind, &self.version_from) {
            (Kind::Image, Some(from)) => format!("image `{}` (tag from {from})", self.reference),
            (Kind::Image, None) => format!("image `{}`", self.reference),
            (Kind::Package(_), _) => format!("package pin `{}`", self.reference),
        }
    }

    /// A package URL (purl) when the occurrence names something concrete.
    pub fn purl(&self) -> Option<String> {
        match self.kind {
            Kind::Image => {
                if self.name.is_empty() || self.name.contains(['$', '{', ' ', ':', '@']) {
                    return None;
                }
                // The digest is what runs, so it is the version; the tag stays a qualifier.
                let version = match (&self.digest, &self.tag) {
                    (Some(d), _) => Some(d.replace(':', "%3A")),
                    (None, t) => t.clone(),
                };
                let mut purl = format!("pkg:docker/{}", self.name);
                if let Some(v) = version {
                    purl.push('@');
                    purl.push_str(&v);
                }
                // Qualifiers in key order, as the purl spec writes them.
                let mut qualifiers = Vec::new();
                if let Some(r) = &self.registry {
                    qualifiers.push(format!("repository_url={r}"));
                }
                if let (Some(_), Some(t)) = (&self.digest, &self.tag) {
                    qualifiers.push(format!("tag={t}"));
                }
                if !qualifiers.is_empty() {
                    purl.push('?');
                    purl.push_str(&qualifiers.join("&"));
                }
                Some(purl)
            }
            Kind::Package(packaging) => {
                // deb, rpm and apk purls need the vendor namespace (`pkg:deb/debian/...`);
                // without a base image that names it there is no valid purl, and none is made
                // up.
                let namespace = match packaging {
                    Packaging::Pypi => String::new(),
                    Packaging::Deb | Packaging::Rpm | Packaging::Apk => {
                        format!("{}/", self.vendor?)
                    }
                };
                let mut purl = format!("pkg:{}/{namespace}{}", self.kind.name(), self.name);
                if let Some(v) = self.pinned.as_ref().filter(|v| !v.contains(['$', '*'])) {
                    purl.push('@');
                    purl.push_str(&v.replace(':', "%3A"));
                }
                Some(purl)
            }
        }
    }
}

/// The distribution a base image is built on, for the purl namespace of the packages its
/// package manager installs: the official distribution images by name, and derived images
/// (`python:3.12-slim-bookworm`, `nvidia/cuda:12.4.1-runtime-ubuntu22.04`) by the release
/// their tag names. `None` when neither says, or when it does not fit `packaging`.
pub fn vendor_of_base(image: &str, packaging: Packaging) -> Option<&'static str> {
    let image = image.trim().to_ascii_lowercase();
    let without_digest = image.split('@').next().unwrap_or("");
    let (name, tag) = match without_digest.rsplit_once(':') {
        Some((n, t)) if !t.contains('/') => (n, t),
        _ => (without_digest, ""),
    };
    let repository = name.rsplit('/').next().unwrap_or("");
    let by_name = match repository {
        "debian" => Some("debian"),
        "ubuntu" => Some("ubuntu"),
        "fedora" => Some("fedora"),
        "centos" | "centos-stream" => Some("centos"),
        "rockylinux" | "rocky" => Some("rocky"),
        "almalinux" => Some("almalinux"),
        "amazonlinux" => Some("amazonlinux"),
        "alpine" => Some("alpine"),
        r if r.starts_with("ubi") && r[3..].chars().next().is_some_and(|c| c.is_ascii_digit()) => {
            Some("redhat")
        }
        r if name.contains("opensuse") || r.starts_with("sle") => Some("opensuse"),
        _ => None,
    };
    let words: Vec<&str> = tag.split(['-', '_', '.']).collect();
    let has = |w: &str| words.iter().any(|x| x.starts_with(w));
    let by_tag = if ["bookworm", "bullseye", "buster", "trixie", "stretch"]
        .iter()
        .any(|w| has(w))
    {
        Some("debian")
    } else if has("ubuntu") || ["noble", "jammy", "focal", "bionic"].iter().any(|w| has(w)) {
        Some("ubuntu")
    } else if has("alpine") {
        Some("alpine")
    } else if has("ubi") || has("rhel") {
        Some("redhat")
    } else if has("rockylinux") {
        Some("rocky")
    } else if has("fedora") {
        Some("fedora")
    } else {
        None
    };
    let vendor = by_name.or(by_tag)?;
    let family = match vendor {
        "debian" | "ubuntu" => Packaging::Deb,
        "alpine" => Packaging::Apk,
        _ => Packaging::Rpm,
    };
    (family == packaging).then_some(vendor)
}

/// What to record about a service that owns an occurrence.
pub struct Owner<'a> {
    pub service: &'a str,
    pub exposed: bool,
    pub exposure: Vec<(String, Span)>,
    pub runs: Option<String>,
    pub unauthenticated: &'a str,
}

impl<'a> Owner<'a> {
    /// A Dockerfile stage or a values block: nothing published.
    pub fn unexposed(service: &'a str) -> Self {
        Owner {
            service,
            exposed: false,
            exposure: Vec::new(),
            runs: None,
            unauthenticated: "",
        }
    }
}

/// The occurrence an image reference is, assessed against the active table.
pub fn from_image(image: &ImageRef, owner: &Owner) -> Package {
    let table = advisory::active();
    // `ollama/ollama:${TAG}`: the variable leaves the version unknown, not the repository.
    let named = if image.unresolved {
        known_repository(image)
    } else {
        None
    };
    // A Docker Hub mirror carries the Hub's images and versions.
    let (registry, repository) = match (&named, image.hub_repository()) {
        (Some(n), _) => (n.registry.clone(), n.repository.clone()),
        (None, Some(hub)) => (None, hub.to_string()),
        (None, None) => (image.registry.clone(), image.repository.clone()),
    };
    let component = (!image.unresolved || named.is_some())
        .then(|| {
            table.component_of(&Target::Image {
                registry: registry.as_deref(),
                repository: &repository,
            })
        })
        .flatten();
    let (stated, mut note, mut short) = image_version(image, component);
    // Triton's `-py3-sdk` and `-py3-min` images carry clients and build tools, not a server.
    let client_only =
        component == Some("triton-inference-server") && !super::triton::server_variant(image);
    let assessment = match component {
        Some(_) if client_only => Assessment::default(),
        Some(_) => table.assess(
            &Target::Image {
                registry: image
                    .hub_repository()
                    .map_or(image.registry.as_deref(), |_| None),
                repository: image.hub_repository().unwrap_or(&image.repository),
            },
            &stated,
            PLATFORM,
        ),
        None => Assessment::default(),
    };
    if client_only {
        note = "a client or build image (`-sdk`, `-min`): it runs no server".into();
        short = "no server".into();
    }
    let release = match (&stated, component) {
        (Stated::Exact(v), Some("triton-inference-server")) => {
            table.triton_release(v).map(str::to_string)
        }
        _ => None,
    };
    Package {
        kind: Kind::Image,
        registry,
        name: repository,
        // What the file says when a variable in it has no value; what runs otherwise.
        reference: if image.unresolved || image.text.trim().is_empty() {
            image.raw.trim().to_string()
        } else {
            image.text.trim().to_string()
        },
        tag: image.tag.clone(),
        digest: image.digest.clone(),
        pinned: None,
        component,
        runs: owner.runs.clone(),
        stated,
        version_note: note,
        version_short: short,
        version_from: image.tag_from.clone(),
        release,
        span: image.span,
        service: owner.service.to_string(),
        exposed: owner.exposed,
        exposure: owner.exposure.iter().map(|(t, _)| t.clone()).collect(),
        exposure_spans: owner.exposure.iter().map(|(_, s)| *s).collect(),
        unauthenticated: owner.unauthenticated.to_string(),
        assessment,
        build_stage: false,
        vendor: None,
    }
}

/// The registry and repository of a reference whose tag or digest alone is a variable
/// (`ollama/ollama:${TAG}`, `redis@${DIGEST}`).
fn known_repository(image: &ImageRef) -> Option<ImageRef> {
    let raw = image.raw.trim();
    let var = raw.find('$')?;
    // The variable must come after the last `:` or `@` that ends the name.
    let cut = raw[..var].rfind([':', '@'])?;
    let name = &raw[..cut];
    if name.is_empty() || name.contains(['$', '{']) || raw[cut..var].contains('/') {
        return None;
    }
    let parsed = super::image::parse_image_ref(name, name, image.span);
    (!parsed.unresolved && parsed.tag.is_none() && parsed.digest.is_none()).then_some(parsed)
}

/// The version an image's tag states for `component`, and why it is not exact.
fn image_version(image: &ImageRef, component: Option<&str>) -> (Stated, String, String) {
    if image.unresolved {
        let (why, short) = if image.raw.contains("{{") {
            ("the reference is a template", "a template")
        } else if image.raw.contains('$') {
            (
                "the reference is set by a variable without a default",
                "a variable",
            )
        } else {
            (
                "the tag is not known here (a chart's appVersion without its Chart.yaml)",
                "no tag here",
            )
        };
        return (Stated::None, why.into(), short.into());
    }
    let Some(component) = component else {
        return (Stated::None, String::new(), String::new());
    };
    let Some(tag) = image.tag.as_deref() else {
        return if image.digest.is_some() {
            (
                Stated::None,
                "pinned by digest only: the digest does not say which release it is".into(),
                "digest only".into(),
            )
        } else {
            (
                Stated::None,
                "no tag: `latest` is whatever was pushed last".into(),
                "no tag".into(),
            )
        };
    };
    let stated = advisory::stated_from_tag(component, tag);
    let (note, short) = match &stated {
        Stated::Exact(_) => (String::new(), String::new()),
        Stated::Line(v) => (
            format!("`{tag}` follows the newest {v} release"),
            "a release line".into(),
        ),
        Stated::Prerelease(..) => (
            format!("`{tag}` is a pre-release, not compared with releases"),
            "pre-release".into(),
        ),
        Stated::None if tag == "latest" => (
            "`latest` is whatever was pushed last".into(),
            "latest".into(),
        ),
        Stated::None => (
            format!("the tag `{tag}` names no release"),
            format!("tag {tag}"),
        ),
    };
    (stated, note, short)
}

/// The occurrence a package pin is. `version` is the pinned text after variable substitution
/// (`None`: not pinned); `unresolved`: a variable in it has no known value.
#[allow(clippy::too_many_arguments)]
pub fn from_pin(
    packaging: Packaging,
    name: &str,
    component: &'static str,
    version: Option<&str>,
    unresolved: bool,
    reference: &str,
    span: Span,
    owner: &Owner,
) -> Package {
    let table = advisory::active();
    let scheme = advisory::scheme_of(component).unwrap_or(version::Scheme::Semver);
    let (stated, note, short): (Stated, String, &str) = match version {
        _ if unresolved => (
            Stated::None,
            "the version is set by a variable without a known value".to_string(),
            "a variable",
        ),
        None => (
            Stated::None,
            "not pinned: the newest version of the repository at build time".to_string(),
            "not pinned",
        ),
        Some(v) => {
            let s = version::from_package(v, packaging, scheme);
            let (note, short) = match &s {
                Stated::Exact(_) => (String::new(), ""),
                Stated::Line(l) => (format!("`{v}` is any {l} release"), "a release line"),
                Stated::Prerelease(..) => (format!("`{v}` is a pre-release"), "pre-release"),
                Stated::None if v.starts_with(['<', '>', '~', '!', '=']) => {
                    (format!("`{v}` is a range, not one version"), "a range")
                }
                Stated::None => (
                    format!("`{v}` is not a version moat can compare"),
                    "unreadable",
                ),
            };
            (s, note, short)
        }
    };
    let target = Target::Package { packaging, name };
    let assessment = table.assess(&target, &stated, PLATFORM);
    // A range (`>=0.5`) or an unknown value is no pinned version for the purl.
    let pinned = version
        .filter(|_| !unresolved && !matches!(stated, Stated::None))
        .map(str::to_string);
    Package {
        kind: Kind::Package(packaging),
        registry: None,
        name: name.to_string(),
        reference: reference.to_string(),
        tag: None,
        digest: None,
        pinned,
        component: Some(component),
        runs: owner.runs.clone(),
        stated,
        version_note: note,
        version_short: short.to_string(),
        version_from: None,
        release: None,
        span,
        service: owner.service.to_string(),
        exposed: owner.exposed,
        exposure: owner.exposure.iter().map(|(t, _)| t.clone()).collect(),
        exposure_spans: owner.exposure.iter().map(|(_, s)| *s).collect(),
        unauthenticated: owner.unauthenticated.to_string(),
        assessment,
        build_stage: false,
        vendor: None,
    }
}

fn listing(list: &[advisory::Applies], with_severity: bool) -> String {
    let mut parts: Vec<String> = list
        .iter()
        .take(LISTED)
        .map(|a| {
            let adv = &a.advisory;
            let mut extra: Vec<String> = Vec::new();
            if with_severity {
                extra.push(match adv.severity {
                    advisory::Severity::Unknown => "unrated".to_string(),
                    s => s.as_str().to_string(),
                });
            }
            // A nickname (RediShell, NVIDIAScape) is how many people know the bug; ids
            // (GHSA-…, GO-…) carry digits, nicknames do not.
            if let Some(nick) = adv
                .aliases
                .iter()
                .find(|x| !x.contains(|c: char| c.is_ascii_digit()))
            {
                extra.push(nick.clone());
            }
            if let Some(c) = &a.only_if {
                extra.push(format!("only if {c}"));
            }
            if extra.is_empty() {
                adv.id.clone()
            } else {
                format!("{} ({})", adv.id, extra.join(", "))
            }
        })
        .collect();
    if list.len() > LISTED {
        parts.push(format!("and {} more", list.len() - LISTED));
    }
    parts.join(", ")
}

/// The `component` node of an occurrence.
pub fn node(p: Package, file: usize, file_facts: &super::nodes::Fact) -> Node {
    let a = &p.assessment;
    let title = p.component.map(advisory::title_of).unwrap_or("");
    // A release line reads as one (`Redis 5.x`): every release of it is affected.
    let version = match &p.stated {
        Stated::Line(v) => Some(format!("{v}.x")),
        _ => p.version_text(),
    };
    let ids = |l: &[advisory::Applies]| -> Vec<String> {
        l.iter().map(|x| x.advisory.id.clone()).collect()
    };
    // Each URL once, in order (a set: a large `--advisories` file made the scan quadratic).
    let mut seen_urls = std::collections::HashSet::new();
    let references: Vec<String> = a
        .fixable
        .iter()
        .chain(&a.unfixed)
        .filter(|x| seen_urls.insert(x.advisory.url.as_str()))
        .map(|x| x.advisory.url.clone())
        .collect();
    let upgrade = a
        .upgrade
        .as_ref()
        .map(|u| u.to_string())
        .unwrap_or_default();
    let current = match &p.stated {
        Stated::Exact(v) | Stated::Line(v) => Some(v.clone()),
        _ => None,
    };
    let same_branch = match (&current, &a.upgrade) {
        (Some(c), Some(u)) => c.same_branch(u),
        _ => false,
    };
    // A branch that an advisory with per-branch fixes never fixed (Redis 7.0 and RediShell):
    // say so, since the upgrade leaves the branch. Components without maintained branches
    // (one fixed release per advisory) just move forward.
    let unfixed_branch: Vec<&str> = match &current {
        Some(c) if c.parts().len() >= 2 => a
            .fixable
            .iter()
            .filter(|x| {
                let per_branch = x
                    .advisory
                    .entries
                    .iter()
                    .any(|e| e.component == p.component.unwrap_or("") && e.fixed.len() > 1);
                per_branch && x.fix.as_ref().is_some_and(|f| !c.same_branch(f))
            })
            .map(|x| x.advisory.id.as_str())
            .collect(),
        _ => Vec::new(),
    };
    let branch = current
        .as_ref()
        .map(|c| {
            c.parts()
                .iter()
                .take(2)
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(".")
        })
        .unwrap_or_default();
    let advice = if upgrade.is_empty() {
        format!("No release in moat's advisory table is clear of all of them; follow the advisories for {title}")
    } else if !unfixed_branch.is_empty() {
        let which = if unfixed_branch.len() == a.fixable.len() {
            "them".to_string()
        } else if unfixed_branch.len() == 1 {
            unfixed_branch[0].to_string()
        } else {
            format!("{} of them", unfixed_branch.len())
        };
        format!(
            "{title} {branch} has no fixed release for {which}: move to {title} {upgrade} or later"
        )
    } else if same_branch {
        format!("Move to {title} {upgrade} or later on the {branch} branch")
    } else {
        format!("Move to {title} {upgrade} or later")
    };
    let facts = ComponentFacts {
        kind: p.kind.fact(),
        name: p.name.clone(),
        registry: p.registry.clone(),
        reference: p.reference.clone(),
        what: p.what(),
        component: AdvisoryComponent(p.component),
        title: title.to_string(),
        version,
        version_known: matches!(p.stated, Stated::Exact(_)),
        version_note: p.version_note.clone(),
        version_from: p.version_from.clone(),
        release: p.release.clone(),
        service: p.service.clone(),
        exposed: p.exposed,
        exposure: p.exposure.join(", "),
        advisories: ids(&a.fixable),
        listing: listing(&a.fixable, true),
        unfixed: ids(&a.unfixed),
        unfixed_listing: listing(&a.unfixed, false),
        open_ended: ids(&a.open_ended),
        worst: a.worst().into(),
        upgrade,
        same_branch,
        advice,
        references,
    };
    let mut n = Node::new(NodeKind::Component, file, file_facts);
    n.vars.push(("component", fact(to_json(&facts))));
    n.span("component", p.span);
    for s in &p.exposure_spans {
        n.span("component.exposure", *s);
    }
    n.package = Some(Arc::new(p));
    n
}

/// How a service is reachable from other hosts, with where each way is declared.
fn exposure(s: &Service) -> Vec<(String, Span)> {
    let mut out: Vec<(String, Span)> = s
        .ports
        .iter()
        .filter(|p| p.reachable_from_other_hosts())
        .map(|p| (format!("port {}", p.text), p.span))
        .collect();
    if s.host_network() {
        if let Some(m) = &s.network_mode {
            out.push(("the host's network".into(), m.span));
        }
    }
    for e in &s.exposures {
        if !out.iter().any(|(t, _)| *t == e.value) {
            out.push((e.value.clone(), e.span));
        }
    }
    out
}

/// The `component` node of a service's image: Compose (unless it builds the image), Kubernetes
/// and Helm. A Dockerfile's images are its `FROM` lines, read by `dockerfile_nodes`.
/// `unauthenticated`: why the server the service runs authenticates no one (its server
/// block), or `''`.
pub fn service_nodes(
    s: &Service,
    unauthenticated: &str,
    file: usize,
    file_facts: &super::nodes::Fact,
    out: &mut Vec<Node>,
) {
    let Some(image) = &s.image else { return };
    match s.origin {
        Some(Origin::Dockerfile) | Some(Origin::File) | None => return,
        // `build:` with `image:` names what is built here, not a published image.
        Some(Origin::Compose) if s.build.is_some() => return,
        _ => {}
    }
    let owner = Owner {
        service: &s.name,
        exposed: s.exposed(),
        exposure: exposure(s),
        runs: s.component.map(|c| c.name().to_string()),
        unauthenticated,
    };
    // Two occurrences at one span are made one by `nodes::dedup_components`.
    out.push(node(from_image(image, &owner), file, file_facts));
}

/// `component` nodes for the packages of the advisory table pinned in a Dockerfile's `RUN`
/// lines, with `ARG` and `ENV` values substituted as the build would.
pub fn dockerfile_pins<'a>(
    df: &'a Dockerfile,
    parsed: &super::shell::Parsed<'a>,
    file: usize,
    file_facts: &super::nodes::Fact,
    expansion: &super::interpolate::Expansion,
    out: &mut Vec<Node>,
) {
    use std::collections::HashMap;
    let table = advisory::active();
    let mut globals: HashMap<String, String> = HashMap::new();
    let mut scope: HashMap<String, String> = HashMap::new();
    let mut stage: Option<String> = None;
    let mut stage_index = 0;
    let mut posix = true;
    // The base image of the current stage, resolved through earlier stages by name.
    let mut base = String::new();
    let mut stage_bases: HashMap<String, String> = HashMap::new();
    for ins in &df.instructions {
        match ins.keyword.as_str() {
            "FROM" => {
                let named = ins
                    .args
                    .iter()
                    .find(|w| !w.text.starts_with("--"))
                    .map(|w| {
                        let lookup = |n: &str| globals.get(n).cloned();
                        expansion.interpolate(&w.text, w.span, &lookup).text
                    })
                    .unwrap_or_default();
                base = stage_bases
                    .get(&named.to_ascii_lowercase())
                    .cloned()
                    .unwrap_or(named);
                if let Some(alias) = ins
                    .args
                    .iter()
                    .position(|w| w.text.eq_ignore_ascii_case("as"))
                    .and_then(|i| ins.args.get(i + 1))
                {
                    stage_bases.insert(alias.text.to_ascii_lowercase(), base.clone());
                }
                stage_index += 1;
                stage = Some(match ins.args.get(1) {
                    Some(w) if w.text.eq_ignore_ascii_case("as") => {
                        ins.args.get(2).map_or(format!("stage {stage_index}"), |n| {
                            format!("stage `{}`", n.text)
                        })
                    }
                    _ => format!("stage {stage_index}"),
                });
                scope.clear();
                posix = true;
            }
            "SHELL" => {
                posix = ins
                    .args
                    .first()
                    .is_none_or(|w| super::nodes::is_posix_shell(&w.text));
            }
            "ARG" => {
                for a in ins.arg_decls() {
                    let value = match &a.default {
                        Some(d) => {
                            let lookup = |n: &str| scope.get(n).or(globals.get(n)).cloned();
                            let at = a.default_span.unwrap_or(a.span);
                            let r = expansion.interpolate(d, at, &lookup);
                            (!r.unresolved).then_some(r.text)
                        }
                        // `ARG NAME` inside a stage brings the global default in.
                        None => globals.get(&a.name).cloned(),
                    };
                    let target = if stage.is_none() {
                        &mut globals
                    } else {
                        &mut scope
                    };
                    match value {
                        Some(v) => {
                            target.insert(a.name, v);
                        }
                        None => {
                            target.remove(&a.name);
                        }
                    }
                }
            }
            "ENV" => {
                for kv in ins.key_values() {
                    let lookup = |n: &str| scope.get(n).cloned();
                    let r = expansion.interpolate(&kv.value, kv.span, &lookup);
                    if r.unresolved {
                        scope.remove(&kv.key);
                    } else {
                        scope.insert(kv.key, r.text);
                    }
                }
            }
            "RUN" if posix => {
                let owner_name = stage.clone().unwrap_or_else(|| "Dockerfile".into());
                let owner = Owner::unexposed(&owner_name);
                let lookup = |n: &str| scope.get(n).cloned();
                for pin in run_pins(ins, parsed) {
                    let packaging = pin.packaging;
                    let name = crate::advisory::normalize_package(packaging, &pin.name);
                    let Some(component) = table.component_of(&Target::Package {
                        packaging,
                        name: &name,
                    }) else {
                        continue;
                    };
                    let (version, unresolved) = match &pin.version {
                        Some(v) => {
                            let r = expansion.interpolate(v, pin.span, &lookup);
                            (Some(r.text), r.unresolved)
                        }
                        None => (None, false),
                    };
                    let mut p = from_pin(
                        packaging,
                        &name,
                        component,
                        version.as_deref(),
                        unresolved,
                        &pin.text,
                        pin.span,
                        &owner,
                    );
                    p.build_stage = true;
                    p.vendor = vendor_of_base(&base, packaging);
                    out.push(node(p, file, file_facts));
                }
            }
            _ => {}
        }
    }
}

/// One package named in an install command.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pin {
    packaging: Packaging,
    name: String,
    /// The pinned version as written (variables kept); `None` when not pinned.
    version: Option<String>,
    /// The word as written.
    text: String,
    span: Span,
}

/// The packages that the install commands of a `RUN` instruction name.
fn run_pins<'a>(ins: &'a Instruction, parsed: &super::shell::Parsed<'a>) -> Vec<Pin> {
    let text = &ins.text.text;
    // Most RUN lines install nothing: skip the shell parse for them.
    let lower = text.to_ascii_lowercase();
    if !(lower.contains("install") || lower.contains("add")) {
        return Vec::new();
    }
    let mut out = Vec::new();
    match ins.form {
        Form::Shell => {
            for cmd in parsed.commands(text).iter() {
                let words: Vec<(&str, Span)> = cmd
                    .words
                    .iter()
                    .map(|w| (w.text.as_str(), ins.text.span_of(w.range.clone())))
                    .collect();
                out.extend(command_pins(&words));
            }
        }
        Form::Exec => {
            let words: Vec<(&str, Span)> =
                ins.args.iter().map(|w| (w.text.as_str(), w.span)).collect();
            out.extend(command_pins(&words));
        }
    }
    out
}

/// Options of the package managers that take the next word as their value.
const APT_ARG_OPTIONS: &[&str] = &["-o", "-t", "--target-release", "-c", "--config-file"];
const PIP_ARG_OPTIONS: &[&str] = &[
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-e",
    "--editable",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "-t",
    "--target",
    "--prefix",
    "--root",
    "--python",
    "-p",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--only-binary",
    "--no-binary",
    "--trusted-host",
    "--cache-dir",
    "--src",
    "--upgrade-strategy",
    "--progress-bar",
    "--log",
    "--proxy",
    "--retries",
    "--timeout",
    "--exists-action",
    "--cert",
    "--client-cert",
];
const DNF_ARG_OPTIONS: &[&str] = &[
    "--enablerepo",
    "--disablerepo",
    "--repo",
    "--releasever",
    "--setopt",
    "-x",
    "--exclude",
    "--installroot",
];

/// Packages of one simple command, when it is an install: `[sudo] apt-get install ...`,
/// `pip install ...`, `python -m pip install ...`, `uv pip install ...`, `dnf install ...`,
/// `apk add ...`.
fn command_pins(words: &[(&str, Span)]) -> Vec<Pin> {
    let mut i = 0;
    let base = |w: &str| w.rsplit('/').next().unwrap_or(w).to_string();
    // Wrappers that run the rest of the line.
    while let Some((w, _)) = words.get(i) {
        match base(w).as_str() {
            "sudo" | "nice" | "nohup" | "time" => i += 1,
            "env" => {
                i += 1;
                while words
                    .get(i)
                    .is_some_and(|(w, _)| w.contains('=') || w.starts_with('-'))
                {
                    i += 1;
                }
            }
            _ => break,
        }
    }
    let Some((program, _)) = words.get(i) else {
        return Vec::new();
    };
    let program = base(program);
    let rest = &words[i + 1..];
    let pip_at = |rest: &[(&str, Span)]| -> Option<usize> {
        rest.iter()
            .position(|(w, _)| !w.starts_with('-'))
            .filter(|&k| rest[k].0 == "install")
    };
    match program.as_str() {
        "apt-get" | "apt" | "aptitude" => {
            sub_args(rest, "install", APT_ARG_OPTIONS).map_or(Vec::new(), |args| {
                args.iter()
                    .filter_map(|(w, s)| {
                        let (name, version) = match w.split_once('=') {
                            Some((n, v)) => (n, Some(v.to_string())),
                            None => (*w, None),
                        };
                        // `pkg/bookworm-backports` names a release, `pkg:amd64` an architecture.
                        let name = name.split(['/', ':']).next().unwrap_or(name);
                        plain_name(name).then(|| Pin {
                            packaging: Packaging::Deb,
                            name: name.to_string(),
                            version,
                            text: w.to_string(),
                            span: *s,
                        })
                    })
                    .collect()
            })
        }
        "dnf" | "yum" | "microdnf" | "tdnf" | "zypper" => {
            let args = sub_args(rest, "install", DNF_ARG_OPTIONS)
                .or_else(|| sub_args(rest, "in", DNF_ARG_OPTIONS));
            args.map_or(Vec::new(), |args| {
                args.iter().filter_map(|(w, s)| rpm_pin(w, *s)).collect()
            })
        }
        "apk" => sub_args(rest, "add", &["-X", "--repository", "-t", "--virtual"]).map_or(
            Vec::new(),
            |args| {
                args.iter()
                    .filter_map(|(w, s)| {
                        let (name, version) = match w.split_once(['=', '~']) {
                            Some((n, v)) => (n, Some(v.trim_start_matches('=').to_string())),
                            None => (*w, None),
                        };
                        plain_name(name).then(|| Pin {
                            packaging: Packaging::Apk,
                            name: name.to_string(),
                            version,
                            text: w.to_string(),
                            span: *s,
                        })
                    })
                    .collect()
            },
        ),
        p if p.starts_with("pip") && p[3..].chars().all(|c| c.is_ascii_digit() || c == '.') => {
            pip_at(rest).map_or(Vec::new(), |k| pip_args(&rest[k + 1..]))
        }
        p if p.starts_with("python") => {
            // `python -m pip install ...`
            match rest.iter().position(|(w, _)| *w == "-m") {
                Some(m) if rest.get(m + 1).is_some_and(|(w, _)| *w == "pip") => {
                    let after = &rest[m + 2..];
                    pip_at(after).map_or(Vec::new(), |k| pip_args(&after[k + 1..]))
                }
                _ => Vec::new(),
            }
        }
        "uv" if rest.first().is_some_and(|(w, _)| *w == "pip") => {
            pip_at(&rest[1..]).map_or(Vec::new(), |k| pip_args(&rest[k + 2..]))
        }
        _ => Vec::new(),
    }
}

/// The words after subcommand `sub` (the first word that is not an option), options and
/// their values left out.
fn sub_args<'w>(
    rest: &[(&'w str, Span)],
    sub: &str,
    arg_options: &[&str],
) -> Option<Vec<(&'w str, Span)>> {
    let mut k = 0;
    while let Some((w, _)) = rest.get(k) {
        if arg_options.contains(w) {
            k += 2;
        } else if w.starts_with('-') {
            k += 1;
        } else {
            break;
        }
    }
    if rest.get(k).map(|(w, _)| *w) != Some(sub) {
        return None;
    }
    let mut out = Vec::new();
    let mut j = k + 1;
    while let Some((w, s)) = rest.get(j) {
        if arg_options.contains(w) {
            j += 2;
            continue;
        }
        if !w.starts_with('-') && !w.is_empty() {
            out.push((*w, *s));
        }
        j += 1;
    }
    Some(out)
}

fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+' | '$' | '{' | '}')
        })
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
}

/// `name`, `name-1.17.8`, `name-1.17.8-1.el9`, `name-1.17.8-1.x86_64`, `name=1.17.8` (zypper).
fn rpm_pin(word: &str, span: Span) -> Option<Pin> {
    if let Some((n, v)) = word.split_once('=') {
        return plain_name(n).then(|| Pin {
            packaging: Packaging::Rpm,
            name: n.to_string(),
            version: Some(v.to_string()),
            text: word.to_string(),
            span,
        });
    }
    if !plain_name(word) || word.contains(['*', '/']) {
        return None;
    }
    // The name ends where a `-` is followed by a digit (or a variable).
    let bytes = word.as_bytes();
    let split = (1..bytes.len())
        .find(|&i| bytes[i - 1] == b'-' && (bytes[i].is_ascii_digit() || bytes[i] == b'$'));
    let (name, version) = match split {
        Some(i) => (&word[..i - 1], Some(word[i..].to_string())),
        None => (word, None),
    };
    // `1.17.8-1.x86_64`: the architecture is not part of the version.
    let version = version.map(|v| {
        let arch = [".x86_64", ".aarch64", ".noarch", ".ppc64le", ".i686"];
        arch.iter()
            .find_map(|a| v.strip_suffix(a))
            .map_or(v.clone(), str::to_string)
    });
    Some(Pin {
        packaging: Packaging::Rpm,
        name: name.to_string(),
        version,
        text: word.to_string(),
        span,
    })
}

/// Requirement specifiers of `pip install`: `name==1.2.3`, `name[extra]==1.2.3`, `name`; a
/// range (`name>=1.2`) pins nothing. Paths, URLs and option values are not packages.
fn pip_args(args: &[(&str, Span)]) -> Vec<Pin> {
    let mut out = Vec::new();
    let mut j = 0;
    while let Some((w, s)) = args.get(j) {
        j += 1;
        if PIP_ARG_OPTIONS.contains(w) {
            j += 1;
            continue;
        }
        if w.starts_with('-')
            || w.starts_with(['.', '/', '~'])
            || w.contains("://")
            || w.ends_with(".whl")
            || w.ends_with(".tar.gz")
        {
            continue;
        }
        // Environment markers (`; python_version < "3.11"`) do not change the pin.
        let spec = w.split(';').next().unwrap_or(w).trim();
        let name_len = spec
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .unwrap_or(spec.len());
        let name = &spec[..name_len];
        if name.is_empty() {
            continue;
        }
        let mut rest = &spec[name_len..];
        if rest.starts_with('[') {
            rest = rest.find(']').map_or("", |e| &rest[e + 1..]);
        }
        let rest = rest.trim();
        let version = if let Some(v) = rest.strip_prefix("===") {
            Some(v.trim().to_string())
        } else if let Some(v) = rest.strip_prefix("==") {
            Some(v.trim().to_string())
        } else if rest.is_empty() {
            None
        } else {
            // `>=`, `~=`, `!=`, `<`: a range, not one version.
            Some(rest.to_string())
        };
        out.push(Pin {
            packaging: Packaging::Pypi,
            name: name.to_string(),
            version,
            text: w.to_string(),
            span: *s,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::dockerfile::parse;

    fn pins(line: &str) -> Vec<(String, Option<String>, String)> {
        let src = format!("FROM a\nRUN {line}\n");
        let df = parse(&src).unwrap();
        let ins = &df.instructions[1];
        run_pins(ins, &super::super::shell::Parsed::default())
            .into_iter()
            .map(|p| {
                (
                    format!("{}:{}", Kind::Package(p.packaging).name(), p.name),
                    p.version,
                    src[p.span.start..p.span.end].to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn install_commands_and_their_pins() {
        assert_eq!(
            pins("apt-get update && apt-get install -y --no-install-recommends nvidia-container-toolkit=1.17.8-1 curl"),
            [
                ("deb:nvidia-container-toolkit".into(), Some("1.17.8-1".into()), "nvidia-container-toolkit=1.17.8-1".into()),
                ("deb:curl".into(), None, "curl".into()),
            ]
        );
        assert_eq!(
            pins("sudo apt-get -o Dpkg::Options::=--force-confnew install -y x=${V}")[0].1,
            Some("${V}".into())
        );
        assert_eq!(
            pins("pip install --no-cache-dir -r requirements.txt \"chromadb==0.4.22\" uvicorn[standard]>=0.20 ./local"),
            [
                ("pypi:chromadb".into(), Some("0.4.22".into()), "\"chromadb==0.4.22\"".into()),
                // Unquoted, `>` is a redirection: the shell installs `uvicorn[standard]`.
                ("pypi:uvicorn".into(), None, "uvicorn[standard]".into()),
            ]
        );
        assert_eq!(
            pins("python3 -m pip install chromadb[server]==0.5.3")[0].1,
            Some("0.5.3".into())
        );
        assert_eq!(
            pins("uv pip install --system chromadb==1.0.5")[0].1,
            Some("1.0.5".into())
        );
        assert_eq!(
            pins("dnf install -y nvidia-container-toolkit-1.17.8-1.x86_64")[0],
            (
                "rpm:nvidia-container-toolkit".into(),
                Some("1.17.8-1".into()),
                "nvidia-container-toolkit-1.17.8-1.x86_64".into()
            )
        );
        assert_eq!(
            pins("apk add --no-cache redis=7.2.4-r0")[0].1,
            Some("7.2.4-r0".into())
        );
        assert!(pins("echo apt-get install x=1").is_empty());
        assert!(pins("pip download chromadb==0.4.22").is_empty());
        assert!(pins("pip install").is_empty());
        let exec = parse("FROM a\nRUN [\"pip\", \"install\", \"chromadb==0.4.22\"]\n").unwrap();
        assert_eq!(
            run_pins(
                &exec.instructions[1],
                &super::super::shell::Parsed::default()
            )[0]
            .version,
            Some("0.4.22".into())
        );
    }
}
