//! Environment settings, joined: what a service's process sees (Compose `env_file:` entries,
//! then `environment:`, or a Dockerfile's `ENV`), and the variables a standalone env file or
//! systemd unit sets. Each setting keeps where it was set, in the file whose diagnostics will
//! point at it: a value read from an `env_file` points at that entry of the Compose file
//! (labels cannot point into another file).
//!
//! Standalone env files get an `ollama` node when they set an Ollama server variable and a
//! `chromadb` node when they set a Chroma server variable.

use super::interpolate::defaults_only;
use super::nodes::{FileCtx, Node, ServiceCtx};
use super::{EnvSource, Origin, Service};
use crate::parse::env_file;
use crate::parse::Problem;
use crate::source::Span;
use schemars::JsonSchema;
use serde::Serialize;

/// One variable as the process will see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub name: String,
    /// `None` when the value is not known here: a pass-through (`- KEY`), or a `${VAR}`
    /// without a default.
    pub value: Option<String>,
    /// The line (entry) that set it, in the file being linted.
    pub span: Span,
    /// Where it came from, for messages: `environment` (Compose), "env_file `ollama.env`",
    /// "`env:` of container `ollama`" (Kubernetes), "Helm values of `ollama`", `ENV`,
    /// `Environment=`, `env file`.
    pub from: String,
}

/// A service's environment in the order Compose applies it (later wins): each `env_file`
/// in order, then `environment:`. For a Dockerfile, its final-stage `ENV`s (`ARG`s are not in
/// the running container's environment). Env files that cannot be read are returned apart.
pub fn service_env(s: &Service, related: &super::related::Joiner) -> (Vec<Setting>, Vec<String>) {
    let mut out = Vec::new();
    let mut unread = Vec::new();
    for f in &s.env_files {
        let read = s
            .declared_in
            .as_deref()
            .and_then(|d| related.read(d, &f.value, f.span).ok());
        let Some(super::related::Joined { text, .. }) = read else {
            unread.push(f.value.clone());
            continue;
        };
        let (file, _) = env_file::parse(&text);
        for e in &file.entries {
            out.push(Setting {
                name: e.name.clone(),
                value: entry_value(e),
                span: f.span,
                from: format!("env_file `{}`", f.value),
            });
        }
    }
    for e in &s.env {
        if e.source == EnvSource::Arg {
            continue;
        }
        out.push(Setting {
            name: e.name.clone(),
            value: e.value.as_deref().and_then(resolved),
            span: e.span,
            from: env_label(s, e.source),
        });
    }
    (out, unread)
}

/// Where a service's own environment entry is written, as a message names it. Kubernetes and
/// Helm entries share Compose's `EnvSource` (the facts say `compose`); the service's origin
/// tells them apart.
fn env_label(s: &Service, source: EnvSource) -> String {
    match (s.origin, source) {
        (_, EnvSource::Env | EnvSource::Arg) => "ENV".to_string(),
        // `Deployment/ollama:ollama`: the container is after the last colon.
        (Some(Origin::Kubernetes), _) => {
            let container = s.name.rsplit(':').next().unwrap_or(&s.name);
            format!("`env:` of container `{container}`")
        }
        (Some(Origin::Helm), _) => format!("Helm values of `{}`", s.name),
        _ => "environment".to_string(),
    }
}

/// An env file's value as Compose reads it: single quotes are literal, the rest is
/// interpolated.
fn entry_value(e: &env_file::Entry) -> Option<String> {
    match e.quote {
        Some('\'') => e.value.clone(),
        _ => e.value.as_deref().and_then(resolved),
    }
}

/// `${VAR:-default}` resolved to its default; `None` when a variable has no value here.
fn resolved(v: &str) -> Option<String> {
    let r = defaults_only(v);
    (!r.unresolved).then_some(r.text)
}

/// The setting of `name` in effect (the last one).
pub fn get<'a>(vars: &'a [Setting], name: &str) -> Option<&'a Setting> {
    vars.iter().rev().find(|s| s.name == name)
}

/// The first of `names` that is set, by the precedence of `names` (not of position).
pub fn get_any<'a>(vars: &'a [Setting], names: &[&str]) -> Option<&'a Setting> {
    names.iter().find_map(|n| get(vars, n))
}

/// A synthetic service for a file that configures a process we do not see start (an env
/// file, a systemd unit): no image, no ports, not exposed as far as moat can tell.
pub fn file_service(ctx: &FileCtx, span: Span) -> Service {
    Service {
        name: ctx.source.display.clone(),
        span,
        origin: Some(Origin::File),
        declared_in: Some(ctx.source.path.clone()),
        ..Service::default()
    }
}

/// What a component node's settings were read from (`ollama.kind`, `chromadb.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ConfiguredBy {
    /// A service that runs the server (Compose, Kubernetes, Helm values, a Dockerfile).
    Service,
    /// A standalone env file.
    Env,
    /// A systemd unit or drop-in (`Environment=`).
    Systemd,
}

/// Build component nodes for settings read from a file that no service declares;
/// `environment_files` are a systemd unit's `EnvironmentFile=` paths.
pub fn component_nodes(
    ctx: &FileCtx,
    vars: &[Setting],
    by: ConfiguredBy,
    environment_files: &[String],
    out: &mut Vec<Node>,
) {
    let first = |pred: fn(&str) -> bool| vars.iter().find(|v| pred(&v.name)).map(|v| v.span);
    let ollama = first(super::ollama::is_server_variable);
    let chroma = first(super::chromadb::is_server_variable);
    for (span, which) in [(ollama, "ollama"), (chroma, "chromadb")] {
        let Some(span) = span else { continue };
        let service = file_service(ctx, span);
        let facts = super::nodes::fact(super::nodes::service_facts(&service));
        let sctx = ServiceCtx::new(&service, &facts, ctx.file, ctx.file_facts, ctx.related);
        if which == "ollama" {
            super::ollama::node_from(&sctx, vars, &[], by, environment_files, out);
        } else {
            super::chromadb::node_from(&sctx, vars, &[], by, environment_files, out);
        }
    }
}

pub fn file_nodes(ctx: &FileCtx, out: &mut Vec<Node>) -> Vec<Problem> {
    let (file, problems) = env_file::parse(&ctx.source.text);
    let vars: Vec<Setting> = file
        .entries
        .iter()
        .map(|e| Setting {
            name: e.name.clone(),
            value: entry_value(e),
            span: e.span,
            from: "env file".to_string(),
        })
        .collect();
    component_nodes(ctx, &vars, ConfiguredBy::Env, &[], out);
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml::parse_documents;

    fn labels(services: &[Service]) -> Vec<String> {
        let related = crate::model::related::Related::default();
        let joiner = related.joiner();
        services
            .iter()
            .flat_map(|s| service_env(s, &joiner).0)
            .map(|v| format!("{}: {}", v.name, v.from))
            .collect()
    }

    /// Messages name where a variable is set in the reader's own words.
    #[test]
    fn settings_name_their_source_per_format() {
        let k8s = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: ollama\n      image: ollama/ollama\n      env: [{name: OLLAMA_ORIGINS, value: '*'}]\n";
        let docs = parse_documents(k8s).unwrap();
        let pods = crate::model::kubernetes::services_from_manifests(k8s, &docs);
        assert_eq!(
            labels(&pods),
            ["OLLAMA_ORIGINS: `env:` of container `ollama`"]
        );
        let compose =
            "services:\n  ollama:\n    image: ollama/ollama\n    environment: [OLLAMA_ORIGINS=*]\n";
        let docs = parse_documents(compose).unwrap();
        let (services, _) = crate::model::compose::services_from_compose(compose, &docs[0]);
        assert_eq!(labels(&services), ["OLLAMA_ORIGINS: environment"]);
    }
}
