//! A Dockerfile's final stage as a `Service`: its base image (ARG defaults substituted, stage
//! chains followed), and the USER, ENV, ARG defaults, EXPOSE, HEALTHCHECK, CMD and ENTRYPOINT
//! in effect when the image runs.

use super::image::parse_image_ref;
use super::interpolate::Expansion;
use super::{Command, EnvSource, EnvVar, Healthcheck, Origin, Port, Service, Spanned};
use crate::parse::dockerfile::{Dockerfile, Form, Instruction};
use std::collections::HashMap;

/// The final stage of `df` as a service, or `None` when there is no `FROM`.
///
/// `name` is the final stage's `AS` name, else `file_stem_name`; `span` is its `FROM`. When the
/// final stage is built `FROM` an earlier stage, the chain is followed to the real image and
/// the earlier stages' settings are inherited (later ones override). Env holds every `ENV`
/// of the chain plus the `ARG`s with a default (global ones and the chain's), one entry per
/// name and source, the last definition winning.
pub fn service_from_dockerfile(
    df: &Dockerfile,
    src: &str,
    file_stem_name: &str,
    expansion: &Expansion,
) -> Option<Service> {
    let stages = df.stages();
    let last = stages.last()?;

    // Global ARGs: the scope of every FROM line. A default may use earlier ARGs.
    let mut globals: HashMap<String, Option<String>> = HashMap::new();
    let mut env = EnvList::default();
    for ins in df
        .instructions
        .iter()
        .take_while(|i| i.keyword != "FROM")
        .filter(|i| i.keyword == "ARG")
    {
        for decl in ins.arg_decls() {
            match &decl.default {
                Some(d) => {
                    let at = decl.default_span.unwrap_or(decl.span);
                    let v = expansion
                        .interpolate(d, at, &|n| globals.get(n).cloned().flatten())
                        .text;
                    globals.insert(decl.name, Some(v));
                }
                // `ARG NAME` again keeps an earlier default.
                None => {
                    globals.entry(decl.name).or_insert(None);
                }
            }
        }
        env.extend(env_of(ins));
    }
    let scope = |n: &str| globals.get(n).cloned().flatten();

    // Each stage's base after substitution, and the earlier stage it names, if any.
    let mut parent: Vec<Option<usize>> = Vec::with_capacity(stages.len());
    let mut bases = Vec::with_capacity(stages.len());
    let mut names: HashMap<String, usize> = HashMap::new();
    for (i, stage) in stages.iter().enumerate() {
        let base = expansion.interpolate(&stage.base.text, stage.base.span, &scope);
        parent.push(names.get(&base.text.to_ascii_lowercase()).copied());
        bases.push(base);
        if let Some(n) = &stage.name {
            names.insert(n.text.to_ascii_lowercase(), i);
        }
    }
    // Follow `FROM <stage>` back to a stage built from an image (indices only decrease).
    let mut chain = vec![stages.len() - 1];
    while let Some(p) = parent[chain[chain.len() - 1]] {
        chain.push(p);
    }
    chain.reverse();
    let root = &stages[chain[0]];
    let interp = &bases[chain[0]];

    let from = &df.instructions[root.index];
    let content = from
        .args
        .first()
        .map_or(root.base.span, |w| from.content_span(w));
    let raw = src
        .get(content.start..content.end)
        .filter(|s| !s.contains(['\n', '\r']))
        .unwrap_or(&root.base.text);
    // `scratch` comes out as repository "scratch" with no tag: not a floating image.
    let mut image = parse_image_ref(raw, &interp.text, content);
    image.unresolved |= interp.unresolved;

    let final_from = &df.instructions[last.index];
    let mut svc = Service {
        name: last
            .name
            .as_ref()
            .map_or_else(|| file_stem_name.to_string(), |n| n.text.clone()),
        span: final_from.span,
        origin: Some(Origin::Dockerfile),
        image: Some(image),
        ..Service::default()
    };
    for stage in chain.iter().map(|&i| &stages[i]) {
        // ENTRYPOINT resets a CMD inherited from the base, not one set in the same stage.
        let mut cmd_set_here = false;
        for ins in &df.instructions[stage.instructions.start + 1..stage.instructions.end] {
            match ins.keyword.as_str() {
                "ENV" | "ARG" => env.extend(env_of(ins)),
                "USER" => {
                    let text = crate::parse::dockerfile::unquote(&ins.text.text, ins.escape);
                    svc.user = Some(Spanned::new(text.trim().to_string(), ins.text.span()));
                }
                "EXPOSE" => svc.ports.extend(ports_of(ins)),
                "HEALTHCHECK" => {
                    let disabled = ins
                        .args
                        .first()
                        .is_some_and(|w| w.text.eq_ignore_ascii_case("NONE"));
                    svc.healthcheck = Some(Healthcheck {
                        span: ins.span,
                        disabled,
                    });
                }
                "CMD" => {
                    svc.command = Some(command_of(ins));
                    cmd_set_here = true;
                }
                "ENTRYPOINT" => {
                    svc.entrypoint = Some(command_of(ins));
                    if !cmd_set_here {
                        svc.command = None;
                    }
                }
                _ => {}
            }
        }
    }
    svc.env = env.items;
    Some(svc)
}

/// Env entries of an `ENV` instruction, or the `ARG`s with a default of an `ARG` instruction.
pub fn env_of(ins: &Instruction) -> Vec<EnvVar> {
    match ins.keyword.as_str() {
        "ENV" => ins
            .key_values()
            .into_iter()
            .map(|kv| EnvVar {
                name: kv.key,
                name_span: kv.key_span,
                value: Some(kv.value),
                value_span: Some(kv.value_span),
                span: kv.span,
                source: EnvSource::Env,
                merged_at: None,
            })
            .collect(),
        "ARG" => ins
            .arg_decls()
            .into_iter()
            .filter(|a| a.default.is_some())
            .map(|a| EnvVar {
                name: a.name,
                name_span: a.name_span,
                value: a.default,
                value_span: a.default_span,
                span: a.span,
                source: EnvSource::Arg,
                merged_at: None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Env entries keyed by (name, source): a redefinition replaces the value in place.
#[derive(Default)]
struct EnvList {
    items: Vec<EnvVar>,
    index: HashMap<(String, bool), usize>,
}

impl EnvList {
    fn extend(&mut self, vars: Vec<EnvVar>) {
        for v in vars {
            let key = (v.name.clone(), v.source == EnvSource::Arg);
            match self.index.get(&key) {
                Some(&i) => self.items[i] = v,
                None => {
                    self.index.insert(key, self.items.len());
                    self.items.push(v);
                }
            }
        }
    }
}

/// `EXPOSE 80 8080/udp $PORT`: one unpublished port per word, variables kept as written.
fn ports_of(ins: &Instruction) -> Vec<Port> {
    ins.args
        .iter()
        .map(|w| {
            let (port, proto) = match w.text.rsplit_once('/') {
                Some((p, proto))
                    if !proto.is_empty() && proto.chars().all(|c| c.is_ascii_alphabetic()) =>
                {
                    (p, proto.to_ascii_lowercase())
                }
                _ => (w.text.as_str(), "tcp".to_string()),
            };
            Port {
                span: w.span,
                edit_span: Some(ins.content_span(w)),
                text: w.text.clone(),
                host_ip: None,
                host_port: None,
                container_port: port.to_string(),
                protocol: proto,
                published: false,
            }
        })
        .collect()
}

fn command_of(ins: &Instruction) -> Command {
    Command {
        span: ins.span,
        args: ins
            .args
            .iter()
            .map(|w| Spanned::new(w.text.clone(), w.span))
            .collect(),
        shell_form: ins.form == Form::Shell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::dockerfile::parse;
    use crate::source::Span;

    fn svc(src: &str) -> Service {
        let df = parse(src).unwrap();
        service_from_dockerfile(&df, src, "Dockerfile", &Default::default()).unwrap()
    }

    fn at(src: &str, s: Span) -> &str {
        &src[s.start..s.end]
    }

    #[test]
    fn final_stage_image_name_and_span() {
        let src = "FROM golang:1.22 AS build\nRUN go build\nFROM gcr.io/distroless/static:nonroot AS runtime\nCOPY --from=build /a /a\n";
        let s = svc(src);
        assert_eq!(s.name, "runtime");
        assert_eq!(s.origin, Some(Origin::Dockerfile));
        assert_eq!(
            at(src, s.span),
            "FROM gcr.io/distroless/static:nonroot AS runtime"
        );
        let img = s.image.unwrap();
        assert_eq!(img.registry.as_deref(), Some("gcr.io"));
        assert_eq!(img.repository, "distroless/static");
        assert_eq!(img.tag.as_deref(), Some("nonroot"));
        assert_eq!(at(src, img.span), "gcr.io/distroless/static:nonroot");
        // Unnamed final stage: the file's name.
        assert_eq!(svc("FROM redis:7\n").name, "Dockerfile");
        let none = parse("ARG A=1\n").unwrap();
        assert!(service_from_dockerfile(&none, "ARG A=1\n", "x", &Default::default()).is_none());
    }

    #[test]
    fn arg_defaults_substituted_in_from() {
        let src =
            "ARG REG=ghcr.io\nARG TAG=1.2\nARG IMG=${REG}/org/app\nFROM ${IMG}:${TAG:-latest}\n";
        let img = svc(src).image.unwrap();
        assert_eq!(img.raw, "${IMG}:${TAG:-latest}");
        assert_eq!(img.text, "ghcr.io/org/app:1.2");
        assert_eq!(
            (img.registry.as_deref(), img.tag.as_deref(), img.unresolved),
            (Some("ghcr.io"), Some("1.2"), false)
        );
        // No default: unresolved; `${VAR:-default}` with no ARG at all uses the default.
        assert!(svc("ARG BASE\nFROM ${BASE}\n").image.unwrap().unresolved);
        assert!(svc("ARG T\nFROM redis:${T}\n").image.unwrap().unresolved);
        let img = svc("FROM python:${PY:-3.12}-slim\n").image.unwrap();
        assert_eq!(
            (img.tag.as_deref(), img.unresolved),
            (Some("3.12-slim"), false)
        );
        // Redeclaring without a default keeps the default.
        assert_eq!(
            svc("ARG T=7\nARG T\nFROM redis:$T\n")
                .image
                .unwrap()
                .tag
                .as_deref(),
            Some("7")
        );
    }

    #[test]
    fn scratch() {
        let img = svc("FROM scratch\nCOPY a /a\n").image.unwrap();
        assert_eq!(
            (
                img.repository.as_str(),
                img.tag.as_deref(),
                img.registry.as_deref()
            ),
            ("scratch", None, None)
        );
        assert!(!img.unresolved);
    }

    #[test]
    fn stage_chain_inherits_settings() {
        let src = concat!(
            "ARG BASE=node:20\n",
            "FROM ${BASE} AS base\n",
            "ENV NODE_ENV=production PORT=3000\n",
            "USER node\n",
            "EXPOSE 3000\n",
            "HEALTHCHECK CMD curl -f http://localhost:3000/\n",
            "CMD [\"node\", \"server.js\"]\n",
            "FROM alpine AS unrelated\n",
            "USER root\n",
            "ENV SECRET=x\n",
            "FROM BASE AS app\n",
            "ENV PORT=8080\n",
            "EXPOSE 8080\n",
        );
        let s = svc(src);
        assert_eq!(s.name, "app");
        let img = s.image.as_ref().unwrap();
        assert_eq!(
            (img.repository.as_str(), img.tag.as_deref()),
            ("node", Some("20"))
        );
        assert_eq!(at(src, img.span), "${BASE}");
        assert_eq!(s.user.as_ref().unwrap().value, "node");
        let env: Vec<(&str, Option<&str>, EnvSource)> = s
            .env
            .iter()
            .map(|e| (e.name.as_str(), e.value.as_deref(), e.source))
            .collect();
        assert_eq!(
            env,
            [
                ("BASE", Some("node:20"), EnvSource::Arg),
                ("NODE_ENV", Some("production"), EnvSource::Env),
                ("PORT", Some("8080"), EnvSource::Env),
            ]
        );
        let ports: Vec<&str> = s.ports.iter().map(|p| p.container_port.as_str()).collect();
        assert_eq!(ports, ["3000", "8080"]);
        assert!(!s.healthcheck.as_ref().unwrap().disabled);
        assert_eq!(s.command.as_ref().unwrap().args[0].value, "node");
    }

    #[test]
    fn user_is_last_in_effect() {
        let src = "FROM x\nUSER root\nRUN make\nUSER app:app\n";
        let s = svc(src);
        let u = s.user.unwrap();
        assert_eq!(u.value, "app:app");
        assert_eq!(at(src, u.span), "app:app");
        assert!(svc("FROM x\n").user.is_none());
        assert_eq!(svc("FROM x\nUSER \"1000\"\n").user.unwrap().value, "1000");
    }

    #[test]
    fn expose_ports() {
        let src = "FROM x\nEXPOSE 8080 53/UDP $PORT 9000-9010/tcp\n";
        let s = svc(src);
        let p: Vec<(&str, &str, bool)> = s
            .ports
            .iter()
            .map(|p| (p.container_port.as_str(), p.protocol.as_str(), p.published))
            .collect();
        assert_eq!(
            p,
            [
                ("8080", "tcp", false),
                ("53", "udp", false),
                ("$PORT", "tcp", false),
                ("9000-9010", "tcp", false)
            ]
        );
        assert_eq!(at(src, s.ports[1].span), "53/UDP");
        assert_eq!(s.ports[1].text, "53/UDP");
        assert!(s
            .ports
            .iter()
            .all(|p| p.host_port.is_none() && !p.reachable_from_other_hosts()));
    }

    #[test]
    fn env_both_forms_and_args() {
        let src = "FROM x\nARG TOKEN=\"abc def\"\nARG NODEFAULT\nENV A=1 B=\"two words\"\nENV LEGACY value with spaces\n";
        let s = svc(src);
        let by = |n: &str| s.env.iter().find(|e| e.name == n).unwrap();
        let t = by("TOKEN");
        assert_eq!(
            (t.value.as_deref(), t.source),
            (Some("abc def"), EnvSource::Arg)
        );
        assert_eq!(at(src, t.value_span.unwrap()), "abc def");
        assert_eq!(at(src, t.name_span), "TOKEN");
        assert_eq!(at(src, t.span), "TOKEN=\"abc def\"");
        assert!(s.env.iter().all(|e| e.name != "NODEFAULT"));
        let b = by("B");
        assert_eq!(
            (b.value.as_deref(), b.source),
            (Some("two words"), EnvSource::Env)
        );
        assert_eq!(at(src, b.value_span.unwrap()), "two words");
        let l = by("LEGACY");
        assert_eq!(l.value.as_deref(), Some("value with spaces"));
        assert_eq!(at(src, l.value_span.unwrap()), "value with spaces");
        assert_eq!(by("A").value.as_deref(), Some("1"));
    }

    #[test]
    fn healthcheck_last_and_none() {
        let src = "FROM x\nHEALTHCHECK CMD true\nHEALTHCHECK NONE\n";
        let h = svc(src).healthcheck.unwrap();
        assert!(h.disabled);
        assert_eq!(at(src, h.span), "HEALTHCHECK NONE");
        assert!(
            !svc("FROM x\nHEALTHCHECK --interval=5s CMD [\"true\"]\n")
                .healthcheck
                .unwrap()
                .disabled
        );
        assert!(svc("FROM x\n").healthcheck.is_none());
    }

    #[test]
    fn command_and_entrypoint() {
        let src = "FROM x\nCMD old\nENTRYPOINT [\"/tini\", \"--\"]\nCMD python -m \"my app\"\n";
        let s = svc(src);
        let c = s.command.unwrap();
        assert!(c.shell_form);
        let args: Vec<&str> = c.args.iter().map(|a| a.value.as_str()).collect();
        assert_eq!(args, ["python", "-m", "my app"]);
        assert_eq!(at(src, c.span), "CMD python -m \"my app\"");
        let e = s.entrypoint.unwrap();
        assert!(!e.shell_form);
        assert_eq!(at(src, e.args[0].span), "\"/tini\"");
        // An ENTRYPOINT in a later stage drops the CMD inherited from the base stage, but not
        // one set earlier in its own stage.
        let s = svc("FROM x AS a\nCMD [\"serve\"]\nFROM a\nENTRYPOINT [\"run\"]\n");
        assert!(s.command.is_none());
        let s = svc("FROM x\nCMD [\"serve\"]\nENTRYPOINT [\"run\"]\n");
        assert_eq!(s.command.unwrap().args[0].value, "serve");
    }

    #[test]
    fn many_stages_and_args_stay_fast() {
        let mut src = String::new();
        for i in 0..20_000usize {
            src.push_str(&format!("ARG A{i}=${{A{}:-x}}\n", i.saturating_sub(1)));
        }
        src.push_str("FROM alpine AS s0\n");
        for i in 1..20_000 {
            src.push_str(&format!("FROM s{} AS s{i}\nENV E{i}=1\n", i - 1));
        }
        let t = std::time::Instant::now();
        let s = svc(&src);
        assert_eq!(s.image.unwrap().repository, "alpine");
        assert_eq!(s.env.len(), 20_000 + 19_999);
        assert!(t.elapsed().as_secs() < 20);
    }

    #[test]
    fn truncations_and_line_drops_never_panic() {
        let sample = "ARG B=node:20\nARG T\nFROM ${B} AS base\nENV A=\"1 2\" C=3\nUSER \"app\"\nEXPOSE 80/udp $P\nHEALTHCHECK NONE\nFROM base AS b2\nCMD [\"x\"]\nFROM b2\nENTRYPOINT run é\n";
        let ok = |src: &str, s: Span| {
            s.start <= s.end
                && s.end <= src.len()
                && src.is_char_boundary(s.start)
                && src.is_char_boundary(s.end)
        };
        let lines: Vec<&str> = sample.split_inclusive('\n').collect();
        let mut inputs: Vec<String> = (0..=sample.len())
            .filter(|&i| sample.is_char_boundary(i))
            .map(|i| sample[..i].to_string())
            .collect();
        for skip in 0..lines.len() {
            inputs.push(
                lines
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != skip)
                    .map(|(_, l)| *l)
                    .collect(),
            );
        }
        for src in &inputs {
            let Ok(df) = parse(src) else { continue };
            let Some(s) = service_from_dockerfile(&df, src, "f", &Default::default()) else {
                continue;
            };
            let mut spans = vec![s.span, s.image.as_ref().unwrap().span];
            spans.extend(
                s.env
                    .iter()
                    .flat_map(|e| [Some(e.name_span), e.value_span, Some(e.span)])
                    .flatten(),
            );
            spans.extend(
                s.ports
                    .iter()
                    .flat_map(|p| [Some(p.span), p.edit_span])
                    .flatten(),
            );
            spans.extend(s.user.iter().map(|u| u.span));
            spans.extend(
                s.command
                    .iter()
                    .chain(&s.entrypoint)
                    .flat_map(|c| c.args.iter().map(|a| a.span)),
            );
            for sp in spans {
                assert!(ok(src, sp), "{sp:?} {src:?}");
            }
        }
    }
}
