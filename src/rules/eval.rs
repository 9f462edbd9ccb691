//! Node × rule → diagnostics. The engine knows nothing about any format: it evaluates a
//! rule's CEL over a node's facts and places the diagnostic at the node's spans.

use super::cel::env;
use super::load::Rule;
use crate::classify::FileKind;
use crate::diagnostic::{Diagnostic, Edit, Fix, Label};
use crate::model::nodes::Node;
use cel::common::types::CelNull;
use cel::common::value::{CowVal, Val};
use cel::context::VariableResolver;
use cel::Context;
use std::collections::HashMap;
use std::sync::Arc;

/// What may watch each file's model nodes: the file and its nodes.
pub type Observer = dyn Fn(&crate::source::SourceFile, &[Node]) + Send + Sync;

/// Rules compiled once per run, with an index from node kind to the rules that run on it.
pub struct Engine {
    pub rules: Vec<Rule>,
    /// Sees each file's model nodes before the rules run (`moat inventory` collects its
    /// component occurrences this way). `None` when linting.
    pub observer: Option<Box<Observer>>,
}

/// A rule that failed while evaluating: a bug in the rule, reported once per run.
#[derive(Debug, Clone)]
pub struct EvalError {
    pub rule: String,
    pub message: String,
}

impl Engine {
    pub fn new(rules: Vec<Rule>) -> Self {
        Engine {
            rules,
            observer: None,
        }
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
        let applicable: Vec<Vec<&Rule>> = nodes
            .iter()
            .map(|node| {
                self.rules
                    .iter()
                    .filter(|r| r.node == node.kind && r.kinds.contains(&kind))
                    .collect()
            })
            .collect();
        // Converting a CEL `Value` into the interpreter's `Val` copies it deeply, and the
        // nodes of one service share its facts: convert each shared value once per file.
        let mut converted: Vec<Box<dyn Val>> = Vec::new();
        let mut by_pointer: HashMap<usize, usize> = HashMap::new();
        let mut scopes: Vec<Vec<(&'static str, usize)>> = Vec::with_capacity(nodes.len());
        for (node, rules) in nodes.iter().zip(&applicable) {
            let mut scope = Vec::new();
            if !rules.is_empty() {
                for (name, value) in &node.vars {
                    let mut convert = || {
                        converted.push(
                            Box::<dyn Val>::try_from(value.clone())
                                .unwrap_or_else(|_| Box::new(CelNull)),
                        );
                        converted.len() - 1
                    };
                    let index = match shared_pointer(value) {
                        Some(p) => *by_pointer.entry(p).or_insert_with(convert),
                        None => convert(),
                    };
                    scope.push((*name, index));
                }
            }
            scopes.push(scope);
        }
        for ((node, rules), scope) in nodes.iter().zip(applicable).zip(&scopes) {
            if rules.is_empty() {
                continue;
            }
            let vars = NodeVars {
                vars: scope
                    .iter()
                    .map(|(name, i)| (*name, converted[*i].as_ref()))
                    .collect(),
            };
            let mut ctx = Context::with_env(env());
            ctx.set_variable_resolver(&vars);
            for rule in rules {
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

/// The identity of a value whose contents are behind an `Arc` (facts shared by nodes).
fn shared_pointer(value: &cel::Value) -> Option<usize> {
    match value {
        cel::Value::Map(m) => Some(Arc::as_ptr(&m.map) as *const () as usize),
        cel::Value::List(l) => Some(Arc::as_ptr(l) as *const () as usize),
        _ => None,
    }
}

/// One node's variables, borrowed from the per-file conversions.
struct NodeVars<'a> {
    vars: Vec<(&'static str, &'a dyn Val)>,
}

impl VariableResolver for NodeVars<'_> {
    fn resolve<'b>(&'b self, variable: &str) -> Option<CowVal<'b, 'b>> {
        self.vars
            .iter()
            .find(|(name, _)| *name == variable)
            .map(|(_, v)| CowVal::Borrowed(*v))
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
    let references = match &rule.extra_references {
        None => rule.references.clone(),
        Some(e) => {
            let cel::Value::List(list) = e.eval(ctx)? else {
                return Err(format!("`{}` gave no list of references", e.source));
            };
            // The diagnostic's own references first: they are the specific ones.
            let mut all: Vec<String> = Vec::new();
            for v in list.iter() {
                match v {
                    cel::Value::String(s) => all.push(s.to_string()),
                    _ => return Err(format!("`{}` gave a reference that is no string", e.source)),
                }
            }
            for r in rule.references.iter() {
                all.push(r.clone());
            }
            let mut seen = std::collections::HashSet::new();
            all.retain(|r| seen.insert(r.clone()));
            Arc::from(all)
        }
    };
    Ok(Some(Diagnostic {
        rule: rule.id.clone(),
        name: rule.name.clone(),
        severity,
        message: rule.message.render(ctx)?,
        help: Some(rule.help.render(ctx)?),
        references,
        file: node.file,
        span,
        labels,
        fix,
    }))
}
