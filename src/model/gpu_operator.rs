//! NVIDIA GPU Operator: the images of the components it deploys, from its Helm values or a
//! rendered `ClusterPolicy` (`nvidia.com/v1`, the same blocks under `spec`). Each component is
//! a block with `repository`, `image` (a bare name) and `version`:
//!
//! ```yaml
//! toolkit:
//!   repository: nvcr.io/nvidia/k8s
//!   image: container-toolkit
//!   version: v1.17.8-ubuntu20.04
//! ```
//!
//! A `version` that is a digest (`sha256:…`) pins by digest; a block without `version` runs
//! the chart's `appVersion` (the values file says so), stated as such; `enabled: false`
//! deploys nothing. The bulletins for the Container Toolkit name these versions
//! (`toolkit.version`, `devicePlugin.version`, `migManager.version`) as the fix.

use super::image::parse_image_ref;
use super::kubernetes::inside;
use super::nodes::{FileCtx, Node, NodeKind};
use super::packages::{self, Owner};
use super::ImageRef;
use crate::parse::yaml::YNode;

/// Blocks whose presence (with a bare `image` and a `repository`) says these are GPU Operator
/// values.
const MARKERS: &[&str] = &["operator", "toolkit", "devicePlugin", "migManager"];

/// The image of a block written the operator's way: a bare `image` name beside `repository`
/// and `version` (or `tag`). `None` for any other shape.
pub fn composed_image(src: &str, block: &YNode, app_version: Option<&str>) -> Option<ImageRef> {
    let image_node = block.get("image")?;
    let name = image_node.as_str()?.trim();
    if name.is_empty() || name.contains(['/', ':', '@', ' ']) {
        return None;
    }
    let repository = block
        .get("repository")
        .and_then(YNode::as_str)
        .map(str::trim)
        .filter(|r| !r.is_empty())?;
    let version_node = block.get("version").or_else(|| block.get("tag"));
    let version = version_node
        .and_then(|v| v.scalar_text(src))
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    let mut text = format!("{}/{name}", repository.trim_end_matches('/'));
    let mut tag_from = None;
    let mut unknown = false;
    match (&version, app_version) {
        (Some(v), _) if v.starts_with("sha256:") => {
            text.push('@');
            text.push_str(v);
        }
        (Some(v), _) => {
            text.push(':');
            text.push_str(v);
        }
        (None, Some(app)) => {
            text.push(':');
            text.push_str(app);
            tag_from = Some("Chart.yaml appVersion".to_string());
        }
        (None, None) => unknown = true,
    }
    let span = version_node.map_or_else(|| inside(src, image_node), |v| inside(src, v));
    let mut image = parse_image_ref(&text, &text, span);
    image.unresolved |= unknown || text.contains("{{");
    image.tag_from = tag_from;
    Some(image)
}

/// The component blocks of GPU Operator values (or a ClusterPolicy's `spec`), with their
/// images. Empty when `root` is not shaped like the operator's.
fn components<'a>(
    src: &str,
    root: &'a YNode,
    app_version: Option<&str>,
) -> Vec<(&'a str, ImageRef)> {
    let marked = MARKERS.iter().any(|m| {
        root.get(m)
            .is_some_and(|b| composed_image(src, b, None).is_some())
    });
    if !marked {
        return Vec::new();
    }
    root.entries()
        .iter()
        .filter_map(|(k, v)| {
            let key = k.as_str()?;
            if !v.is_map() || v.get("enabled").and_then(YNode::as_bool) == Some(false) {
                return None;
            }
            composed_image(src, v, app_version).map(|i| (key, i))
        })
        .collect()
}

fn push(ctx: &FileCtx, service: &str, image: &ImageRef, out: &mut Vec<Node>) {
    // A block the Helm reader already made a workload of has its occurrence.
    let taken = out.iter().any(|n| {
        n.kind == NodeKind::Component
            && n.file == ctx.file
            && n.spans.get("component").next() == Some(&image.span)
    });
    if taken {
        return;
    }
    let owner = Owner::unexposed(service);
    out.push(packages::node(
        packages::from_image(image, &owner),
        ctx.file,
        ctx.file_facts,
    ));
}

/// `component` nodes for GPU Operator Helm values. `chart`: Chart.yaml's `name` and
/// `appVersion`, when the values file has one beside it.
pub fn values_nodes(
    ctx: &FileCtx,
    root: &YNode,
    chart: (Option<&str>, Option<&str>),
    out: &mut Vec<Node>,
) {
    let (name, app_version) = chart;
    let label = name.unwrap_or("gpu-operator");
    // Only the operator's own chart runs its appVersion; a values override file without
    // Chart.yaml does not say which chart version it goes with.
    let app = app_version.filter(|_| name == Some("gpu-operator"));
    for (key, image) in components(&ctx.source.text, root, app) {
        push(ctx, &format!("{label}/{key}"), &image, out);
    }
}

/// `component` nodes for each `ClusterPolicy` (`nvidia.com/*`) in Kubernetes documents.
pub fn cluster_policy_nodes(ctx: &FileCtx, docs: &[YNode], out: &mut Vec<Node>) {
    let src = &ctx.source.text;
    let mut objects: Vec<&YNode> = Vec::new();
    for d in docs {
        match d.get("kind").and_then(YNode::as_str) {
            Some(k) if k.ends_with("List") => {
                objects.extend(d.get("items").map(YNode::items).unwrap_or_default())
            }
            Some(_) => objects.push(d),
            None => {}
        }
    }
    for o in objects {
        let policy = o.get("kind").and_then(YNode::as_str) == Some("ClusterPolicy")
            && o.get("apiVersion")
                .and_then(YNode::as_str)
                .is_some_and(|a| a.starts_with("nvidia.com/"));
        let Some(spec) = o.get("spec").filter(|_| policy) else {
            continue;
        };
        let name = o
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(YNode::as_str)
            .unwrap_or("<unnamed>");
        for (key, image) in components(src, spec, None) {
            push(ctx, &format!("ClusterPolicy/{name}:{key}"), &image, out);
        }
    }
}

/// The span of a component's version, for tests.
#[cfg(test)]
fn version_span(src: &str, root: &YNode, key: &str) -> Option<crate::source::Span> {
    composed_image(src, root.get(key)?, None).map(|i| i.span)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml::parse_documents;

    const VALUES: &str = "operator:\n  repository: nvcr.io/nvidia\n  image: gpu-operator\n  # tag defaults to the chart's appVersion\ntoolkit:\n  enabled: true\n  repository: nvcr.io/nvidia/k8s\n  image: container-toolkit\n  version: v1.17.7-ubuntu20.04\ndevicePlugin:\n  repository: nvcr.io/nvidia\n  image: k8s-device-plugin\n  version: v0.17.2\nmigManager:\n  enabled: false\n  repository: nvcr.io/nvidia/cloud-native\n  image: k8s-mig-manager\n  version: v0.12.1\ndcgm:\n  repository: nvcr.io/nvidia/cloud-native\n  image: dcgm\n  version: 'sha256:28f334d6d5ca6e5cad2cf05a255989834128c952e3c181e6861bd033476d4b2c'\nnfd:\n  enabled: true\n";

    #[test]
    fn operand_images_from_values() {
        let docs = parse_documents(VALUES).unwrap();
        let got: Vec<(String, String, Option<String>)> =
            components(VALUES, &docs[0], Some("v25.3.1"))
                .into_iter()
                .map(|(k, i)| (k.to_string(), i.text, i.tag_from))
                .collect();
        assert_eq!(
            got,
            [
                (
                    "operator".to_string(),
                    "nvcr.io/nvidia/gpu-operator:v25.3.1".to_string(),
                    Some("Chart.yaml appVersion".to_string())
                ),
                (
                    "toolkit".into(),
                    "nvcr.io/nvidia/k8s/container-toolkit:v1.17.7-ubuntu20.04".into(),
                    None
                ),
                (
                    "devicePlugin".into(),
                    "nvcr.io/nvidia/k8s-device-plugin:v0.17.2".into(),
                    None
                ),
                (
                    "dcgm".into(),
                    "nvcr.io/nvidia/cloud-native/dcgm@sha256:28f334d6d5ca6e5cad2cf05a255989834128c952e3c181e6861bd033476d4b2c".into(),
                    None
                ),
            ]
        );
        let span = version_span(VALUES, &docs[0], "toolkit").unwrap();
        assert_eq!(&VALUES[span.start..span.end], "v1.17.7-ubuntu20.04");
        // Without the chart's appVersion the operator's own tag is not known.
        let op = &components(VALUES, &docs[0], None)[0].1;
        assert!(op.unresolved);
    }

    #[test]
    fn other_values_are_not_the_operator() {
        let src = "image:\n  repository: redis\n  tag: 7.2.4\nmaster:\n  resources: {}\n";
        let docs = parse_documents(src).unwrap();
        assert!(components(src, &docs[0], None).is_empty());
    }
}
