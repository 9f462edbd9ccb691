//! Node × rule → diagnostics. The engine knows nothing about any format: it evaluates a
//! rule's CEL over a node's facts and places the diagnostic at the node's spans.

use super::cel::env;
use super::load::Rule;
use crate::classify::FileKind;
use crate::diagnostic::{Diagnostic, Edit, Fix, Label};
use crate::model::nodes::Node;
use cel::Context;

/// Rules compiled once per run, with an index from node kind to the rules that run on it.
pub struct Engine {
    pub rules: Vec<Rule>,
}

/// A rule that failed while evaluating: a bug in the rule, reported once per run.
#[derive(Debug, Clone)]
pub struct EvalError {
    pub rule: String,
    pub message: String,
}

impl Engine {
    pub fn new(rules: Vec<Rule>) -> Self {
        Engine { rules }
    }

    pub fn rule(&self, key: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| &*r.id == key || &*r.name == key)
    }

    pub fn evaluate(
        &self,
        kind: FileKind,
        nodes: &[Node],
        out: &mut Vec<Diagnostic>,
        errors: &mut Vec<EvalError>,
    ) {
        for node in nodes {
            let applicable: Vec<&Rule> = self
                .rules
                .iter()
                .filter(|r| r.node == node.kind && r.kinds.contains(&kind))
                .collect();
            if applicable.is_empty() {
                continue;
            }
            let mut ctx = Context::with_env(env());
            for (name, value) in &node.vars {
                ctx.add_variable_from_value(*name, value.clone());
            }
            for rule in applicable {
                match apply(rule, node, &ctx) {
                    Ok(Some(d)) => out.push(d),
                    Ok(None) => {}
                    Err(message) => errors.push(EvalError {
                        rule: rule.id.to_string(),
                        message,
                    }),
                }
            }
        }
    }
}

fn apply(rule: &Rule, node: &Node, ctx: &Context) -> Result<Option<Diagnostic>, String> {
    if !rule.condition.eval_bool(ctx)? {
        return Ok(None);
    }
    let span = rule
        .at
        .iter()
        .find_map(|k| node.spans.get(k).and_then(|v| v.first()))
        .or_else(|| node.spans.get(node.kind.name()).and_then(|v| v.first()))
        .copied()
        .unwrap_or_default();
    let mut severity = rule.severity;
    for (when, to) in &rule.escalate {
        if when.eval_bool(ctx)? && *to > severity {
            severity = *to;
        }
    }
    let mut labels = Vec::new();
    for l in &rule.labels {
        if let Some(w) = &l.when {
            if !w.eval_bool(ctx)? {
                continue;
            }
        }
        let message = l.message.render(ctx)?;
        for s in node.spans.get(l.at).into_iter().flatten() {
            if *s != span {
                labels.push(Label {
                    file: node.file,
                    span: *s,
                    message: message.clone(),
                });
            }
        }
    }
    let fix = match &rule.fix {
        Some(f) if f.when.as_ref().map_or(Ok(true), |w| w.eval_bool(ctx))? => {
            let mut edits = Vec::new();
            for (at, replace) in &f.edits {
                // A fix whose edit site is missing (an image default, an alias) is no fix.
                let Some(s) = node.spans.get(at).and_then(|v| v.first()) else {
                    edits.clear();
                    break;
                };
                edits.push(Edit {
                    file: node.file,
                    span: *s,
                    replacement: replace.render(ctx)?,
                });
            }
            (!edits.is_empty()).then(|| -> Result<Fix, String> {
                Ok(Fix {
                    applicability: f.applicability,
                    description: f.description.render(ctx)?,
                    edits,
                })
            })
        }
        _ => None,
    }
    .transpose()?;
    Ok(Some(Diagnostic {
        rule: rule.id.clone(),
        name: rule.name.clone(),
        severity,
        message: rule.message.render(ctx)?,
        help: Some(rule.help.render(ctx)?),
        references: rule.references.clone(),
        file: node.file,
        span,
        labels,
        fix,
    }))
}
