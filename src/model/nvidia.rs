//! NVIDIA Container Toolkit `config.toml` (`/etc/nvidia-container-runtime/config.toml`): one
//! `toolkit` node per file with the settings that decide what an unprivileged container can
//! make the toolkit's privileged hook do. Each setting carries its effective value (the
//! toolkit's default when the key is absent) and the span of its line, or of its section (or
//! the start of the file) when it is unset.
//!
//! Keys, sections and defaults: `api/config/v1/{config,toml,cli,runtime,features}.go` of
//! NVIDIA/nvidia-container-toolkit ([ctk-config], [ctk-toml], [ctk-cli], [ctk-features]).

use super::nodes::{FileCtx, Node, NodeKind};
use crate::model::nodes::{fact, to_json};
use crate::parse::Problem;
use crate::source::Span;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{json, Value};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// Span keys a `toolkit` rule may name.
pub const SPAN_KEYS: &[&str] = &[
    "toolkit",
    "toolkit.accept_envvar_when_unprivileged",
    "toolkit.accept_volume_mounts",
    "toolkit.allow_ldconfig_from_container",
    "toolkit.allow_cuda_compat_libs_from_container",
    "toolkit.ldconfig",
    "toolkit.mode",
    "toolkit.features",
    "toolkit.container_lib_features",
];

const ACCEPT_ENVVAR: &str = "accept-nvidia-visible-devices-envvar-when-unprivileged";
const ACCEPT_MOUNTS: &str = "accept-nvidia-visible-devices-as-volume-mounts";
const ALLOW_LDCONFIG: &str = "allow-ldconfig-from-container";
const ALLOW_COMPAT: &str = "allow-cuda-compat-libs-from-container";

fn span(r: std::ops::Range<usize>) -> Span {
    Span::new(r.start, r.end)
}

/// A key of a table with its spanned key and value.
fn entry<'a, 'i>(
    table: &'a DeTable<'i>,
    key: &str,
) -> Option<(
    &'a Spanned<std::borrow::Cow<'i, str>>,
    &'a Spanned<DeValue<'i>>,
)> {
    table.get_key_value(key)
}

/// A setting as read: its value, the span of `key = value`, and whether the key is there.
/// `value` is the default's JSON type, or `null` when the file gives another type.
struct Setting {
    value: Value,
    set: bool,
    span: Span,
}

impl Setting {
    fn boolean(&self) -> Option<bool> {
        self.value.as_bool()
    }
    fn string(&self) -> Option<String> {
        self.value.as_str().map(str::to_string)
    }
}

/// `toolkit`: one NVIDIA Container Toolkit `config.toml`, each setting at its effective value
/// (the toolkit's default when the key is absent). A value of the wrong type is a problem
/// (the toolkit cannot load the file) and its fact is `null`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ToolkitFacts {
    /// `accept-nvidia-visible-devices-envvar-when-unprivileged` (top level): an unprivileged
    /// container's `NVIDIA_VISIBLE_DEVICES` selects GPUs; `true` when unset (the toolkit's
    /// default), `null` when not a boolean.
    pub accept_envvar_when_unprivileged: Option<bool>,
    /// `accept-nvidia-visible-devices-envvar-when-unprivileged` is in the file.
    pub accept_envvar_when_unprivileged_set: bool,
    /// `accept-nvidia-visible-devices-as-volume-mounts` (top level): GPUs are selected by
    /// volume mounts under `/var/run/nvidia-container-devices`; `false` when unset, `null`
    /// when not a boolean.
    pub accept_volume_mounts: Option<bool>,
    /// `accept-nvidia-visible-devices-as-volume-mounts` is in the file.
    pub accept_volume_mounts_set: bool,
    /// `[features] allow-ldconfig-from-container`: `[nvidia-container-cli] ldconfig` may name
    /// a path inside the container instead of a host path; `false` when unset, `null` when
    /// not a boolean.
    pub allow_ldconfig_from_container: Option<bool>,
    /// `allow-ldconfig-from-container` is in `[features]`.
    pub allow_ldconfig_from_container_set: bool,
    /// `[features] allow-cuda-compat-libs-from-container`: CUDA compatibility libraries from
    /// the container may override the host's driver library mounts; `false` when unset,
    /// `null` when not a boolean.
    pub allow_cuda_compat_libs_from_container: Option<bool>,
    /// `allow-cuda-compat-libs-from-container` is in `[features]`.
    pub allow_cuda_compat_libs_from_container_set: bool,
    /// `[nvidia-container-cli] ldconfig` as written (`@/sbin/ldconfig` when unset: a leading
    /// `@` is a host path); `null` when not a string.
    pub ldconfig: Option<String>,
    /// `ldconfig` is a path inside the container: not empty and without the leading `@`.
    pub ldconfig_in_container: bool,
    /// `[nvidia-container-runtime] mode` as written (`auto`, `legacy`, `csv`, `cdi`, ...;
    /// `auto` when unset); `null` when not a string.
    pub mode: Option<String>,
    /// The file has a `[features]` table.
    pub has_features_section: bool,
    /// The `[features]` switches that are `true` and let files from the container into the
    /// privileged hook, in the order they are written.
    pub container_lib_features: Vec<ContainerLibFeature>,
}

/// A `[features]` switch that lets files from the container into the privileged hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ContainerLibFeature {
    /// `allow-ldconfig-from-container`: `ldconfig` may be a path inside the container.
    AllowLdconfigFromContainer,
    /// `allow-cuda-compat-libs-from-container`: the container's CUDA compatibility libraries
    /// may override the host's driver libraries.
    AllowCudaCompatLibsFromContainer,
}

/// A dotted key (`features.allow-ldconfig-from-container`) spans its last part only; widen it
/// to the whole key as written on its line.
fn with_dotted_prefix(text: &str, key: Span) -> Span {
    let Some(before) = text.get(..key.start) else {
        return key;
    };
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let prefix = &before[line_start..];
    let trimmed = prefix.trim_start();
    let dotted = trimmed.trim_end().ends_with('.')
        && trimmed.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '"' | '\'' | ' ' | '\t')
        });
    if dotted {
        Span::new(line_start + (prefix.len() - trimmed.len()), key.end)
    } else {
        key
    }
}

/// The line of a commented-out setting (`#key = value`, as the packaged config.toml ships
/// its defaults): where a reader looks for an unset key.
fn commented_out(text: &str, key: &str) -> Option<Span> {
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let t = body.trim_start();
        if let Some(rest) = t.strip_prefix('#') {
            if let Some(after) = rest.trim_start().strip_prefix(key) {
                if after.trim_start().starts_with('=') {
                    let lead = body.len() - t.len();
                    return Some(Span::new(start + lead, start + body.len()));
                }
            }
        }
        start += line.len();
    }
    None
}

pub fn file_nodes(ctx: &FileCtx, out: &mut Vec<Node>) -> Vec<Problem> {
    let text = &ctx.source.text;
    let (doc, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        // A file the toolkit cannot load says nothing about what it would do.
        return errors
            .iter()
            .map(|e| Problem {
                message: format!("invalid TOML: {}", e.message().trim()),
                span: e.span().map(span).unwrap_or_default(),
            })
            .collect();
    }
    let root = doc.get_ref();
    let file_start = if ctx.source.line_count() > 0 {
        ctx.source.line_span(1)
    } else {
        Span::default()
    };
    let mut problems = Vec::new();

    // A section: its table and where it is declared (the header key), if present.
    let section = |name: &str, problems: &mut Vec<Problem>| -> (Option<&DeTable>, Span) {
        match entry(root, name) {
            Some((k, v)) => match v.get_ref() {
                DeValue::Table(t) => (Some(t), span(k.span())),
                other => {
                    problems.push(Problem {
                        message: format!("`{name}` must be a table, not {}", other.type_str()),
                        span: span(v.span()),
                    });
                    (None, span(k.span()))
                }
            },
            None => (None, file_start),
        }
    };
    let (features, features_span) = section("features", &mut problems);
    let (cli, cli_span) = section("nvidia-container-cli", &mut problems);
    let (runtime, runtime_span) = section("nvidia-container-runtime", &mut problems);

    let read = |table: Option<&DeTable>,
                key: &str,
                default: Value,
                unset_span: Span,
                problems: &mut Vec<Problem>|
     -> Setting {
        let Some((k, v)) = table.and_then(|t| entry(t, key)) else {
            return Setting {
                value: default,
                set: false,
                span: commented_out(text, key).unwrap_or(unset_span),
            };
        };
        let line = with_dotted_prefix(text, span(k.span())).cover(span(v.span()));
        let value = match (v.get_ref(), &default) {
            (DeValue::Boolean(b), Value::Bool(_)) => json!(b),
            (DeValue::String(s), Value::String(_)) => json!(s.as_ref()),
            (other, _) => {
                let want = if default.is_boolean() {
                    "a boolean"
                } else {
                    "a string"
                };
                problems.push(Problem {
                    message: format!(
                        "`{key}` must be {want}, not {}: the toolkit cannot load this file",
                        other.type_str()
                    ),
                    span: span(v.span()),
                });
                Value::Null
            }
        };
        Setting {
            value,
            set: true,
            span: line,
        }
    };
    let accept_envvar = read(
        Some(root),
        ACCEPT_ENVVAR,
        json!(true),
        file_start,
        &mut problems,
    );
    let accept_mounts = read(
        Some(root),
        ACCEPT_MOUNTS,
        json!(false),
        file_start,
        &mut problems,
    );
    let allow_ldconfig = read(
        features,
        ALLOW_LDCONFIG,
        json!(false),
        features_span,
        &mut problems,
    );
    let allow_compat = read(
        features,
        ALLOW_COMPAT,
        json!(false),
        features_span,
        &mut problems,
    );
    let ldconfig = read(
        cli,
        "ldconfig",
        json!("@/sbin/ldconfig"),
        cli_span,
        &mut problems,
    );
    let mode = read(runtime, "mode", json!("auto"), runtime_span, &mut problems);

    let mut container_lib: Vec<(ContainerLibFeature, Span)> = [
        (
            ContainerLibFeature::AllowLdconfigFromContainer,
            &allow_ldconfig,
        ),
        (
            ContainerLibFeature::AllowCudaCompatLibsFromContainer,
            &allow_compat,
        ),
    ]
    .into_iter()
    .filter(|(_, s)| s.value == json!(true))
    .map(|(k, s)| (k, s.span))
    .collect();
    container_lib.sort_by_key(|(_, s)| *s);
    let ldconfig_text = ldconfig.string().unwrap_or_default();
    let facts = ToolkitFacts {
        accept_envvar_when_unprivileged: accept_envvar.boolean(),
        accept_envvar_when_unprivileged_set: accept_envvar.set,
        accept_volume_mounts: accept_mounts.boolean(),
        accept_volume_mounts_set: accept_mounts.set,
        allow_ldconfig_from_container: allow_ldconfig.boolean(),
        allow_ldconfig_from_container_set: allow_ldconfig.set,
        allow_cuda_compat_libs_from_container: allow_compat.boolean(),
        allow_cuda_compat_libs_from_container_set: allow_compat.set,
        ldconfig: ldconfig.string(),
        // A path without the leading `@` is resolved inside the container.
        ldconfig_in_container: !ldconfig_text.is_empty() && !ldconfig_text.starts_with('@'),
        mode: mode.string(),
        has_features_section: features.is_some(),
        container_lib_features: container_lib.iter().map(|(k, _)| *k).collect(),
    };
    let mut node = Node::new(NodeKind::Toolkit, ctx.file, ctx.file_facts);
    node.vars.push(("toolkit", fact(to_json(&facts))));
    node.span("toolkit", file_start);
    node.span(
        "toolkit.accept_envvar_when_unprivileged",
        accept_envvar.span,
    );
    node.span("toolkit.accept_volume_mounts", accept_mounts.span);
    node.span("toolkit.allow_ldconfig_from_container", allow_ldconfig.span);
    node.span(
        "toolkit.allow_cuda_compat_libs_from_container",
        allow_compat.span,
    );
    node.span("toolkit.ldconfig", ldconfig.span);
    node.span("toolkit.mode", mode.span);
    node.span("toolkit.features", features_span);
    for (_, s) in &container_lib {
        node.span("toolkit.container_lib_features", *s);
    }
    out.push(node);
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::nodes::file_facts;
    use crate::source::SourceFile;

    fn read(src: &str) -> (Vec<Node>, Vec<Problem>) {
        let source = SourceFile::new("config.toml".into(), "config.toml".into(), src.into(), 0);
        let facts = file_facts("config.toml", "nvidia-toml");
        let related = crate::model::related::Related::default();
        let joiner = related.joiner();
        let ctx = FileCtx {
            source: &source,
            file: 0,
            file_facts: &facts,
            related: &joiner,
        };
        let mut out = Vec::new();
        let problems = file_nodes(&ctx, &mut out);
        (out, problems)
    }

    use crate::rules::eval::eval_on_node as eval;

    fn at<'a>(src: &'a str, n: &Node, key: &str) -> &'a str {
        let s = *n.spans.get(key).next().unwrap();
        &src[s.start..s.end]
    }

    #[test]
    fn defaults_when_unset() {
        let src = "#accept-nvidia-visible-devices-envvar-when-unprivileged = true\n\n[nvidia-container-cli]\nldconfig = \"@/sbin/ldconfig.real\"\n";
        let (n, p) = read(src);
        assert!(p.is_empty());
        let n = &n[0];
        assert_eq!(eval(n, "toolkit.accept_envvar_when_unprivileged"), "true");
        assert_eq!(
            eval(n, "toolkit.accept_envvar_when_unprivileged_set"),
            "false"
        );
        assert_eq!(eval(n, "toolkit.allow_ldconfig_from_container"), "false");
        assert_eq!(eval(n, "toolkit.ldconfig_in_container"), "false");
        assert_eq!(eval(n, "toolkit.mode"), "auto");
        assert_eq!(
            at(src, n, "toolkit.accept_envvar_when_unprivileged"),
            "#accept-nvidia-visible-devices-envvar-when-unprivileged = true"
        );
        assert_eq!(
            at(src, n, "toolkit.ldconfig"),
            "ldconfig = \"@/sbin/ldconfig.real\""
        );
        assert_eq!(
            at(src, n, "toolkit.mode"),
            "#accept-nvidia-visible-devices-envvar-when-unprivileged = true"
        );
    }

    #[test]
    fn set_values_and_their_lines() {
        let src = "accept-nvidia-visible-devices-envvar-when-unprivileged = false\n\n[features]\nallow-ldconfig-from-container = true\n\n[nvidia-container-cli]\nldconfig = \"/sbin/ldconfig\"\n";
        let (n, p) = read(src);
        assert!(p.is_empty());
        let n = &n[0];
        assert_eq!(eval(n, "toolkit.accept_envvar_when_unprivileged"), "false");
        assert_eq!(eval(n, "toolkit.allow_ldconfig_from_container"), "true");
        assert_eq!(
            eval(n, "toolkit.allow_cuda_compat_libs_from_container"),
            "false"
        );
        assert_eq!(eval(n, "toolkit.ldconfig_in_container"), "true");
        assert_eq!(
            at(src, n, "toolkit.allow_ldconfig_from_container"),
            "allow-ldconfig-from-container = true"
        );
        assert_eq!(
            at(src, n, "toolkit.allow_cuda_compat_libs_from_container"),
            "features"
        );
        // Dotted keys and inline tables are the same table.
        let src = "x = 1\n  features.allow-cuda-compat-libs-from-container = true\n";
        let (n, _) = read(src);
        assert_eq!(
            eval(&n[0], "toolkit.allow_cuda_compat_libs_from_container"),
            "true"
        );
        assert_eq!(
            at(src, &n[0], "toolkit.allow_cuda_compat_libs_from_container"),
            "features.allow-cuda-compat-libs-from-container = true"
        );
        // An unset key points at its commented-out default when the file has one.
        let src = "disable-require = false\n  # accept-nvidia-visible-devices-envvar-when-unprivileged = true\n";
        let (n, _) = read(src);
        assert_eq!(
            at(src, &n[0], "toolkit.accept_envvar_when_unprivileged"),
            "# accept-nvidia-visible-devices-envvar-when-unprivileged = true"
        );
        let (n, _) = read("features = { allow-ldconfig-from-container = true }\n");
        assert_eq!(eval(&n[0], "toolkit.allow_ldconfig_from_container"), "true");
    }

    #[test]
    fn wrong_types_and_bad_toml_are_problems() {
        let (n, p) = read("accept-nvidia-visible-devices-envvar-when-unprivileged = \"true\"\n");
        assert_eq!(p.len(), 1);
        assert!(
            p[0].message.contains("must be a boolean"),
            "{}",
            p[0].message
        );
        assert_eq!(
            eval(&n[0], "toolkit.accept_envvar_when_unprivileged == true"),
            "false"
        );
        let (n, p) = read("[features]\nallow-ldconfig-from-container = true\nallow-ldconfig-from-container = false\n");
        assert!(n.is_empty());
        assert_eq!(p.len(), 1);
        assert!(p[0].span.start > 0);
        let (n, p) = read("features = 3\n");
        assert_eq!(p.len(), 1);
        assert_eq!(n.len(), 1);
    }

    #[test]
    fn hostile_input_does_not_panic() {
        for src in [
            "a = ".to_string(),
            "[".to_string(),
            "x = ".to_string() + &"[".repeat(100_000),
            "x = ".to_string() + &"{a=".repeat(100_000),
            "\u{0}\u{feff}=\"".to_string(),
            "[[a]]\n[a]\n".to_string(),
        ] {
            let src = src.clone();
            // Run on a rayon-sized stack, as `check` does.
            std::thread::Builder::new()
                .stack_size(2 * 1024 * 1024)
                .spawn(move || {
                    let _ = read(&src);
                })
                .unwrap()
                .join()
                .unwrap();
        }
    }
}
