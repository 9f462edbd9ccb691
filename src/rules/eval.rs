//! Node × rule → diagnostics. The engine knows nothing about any format: it evaluates a
//! rule's CEL over a node's facts and places the diagnostic at the node's spans.

use super::cel::{env, to_val};
use super::load::Rule;
use crate::classify::FileKind;
use crate::diagnostic::{Diagnostic, Edit, Fix, Label};
use crate::model::nodes::{Node, NodeKind};
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
    /// The node it failed on: index into the run's files and span there; `place` says it as
    /// `path:line:column` once the file is known (`lint_source`).
    pub file: usize,
    pub span: crate::source::Span,
    pub place: String,
}

impl Engine {
    pub fn new(rules: Vec<Rule>) -> Self {
        Engine {
            rules,
            observer: None,
        }
    }

    pub fn rule(&self, key: &str) -> Option<&Rule> {
        super::load::find(&self.rules, key)
    }

    pub fn evaluate(
        &self,
        kind: FileKind,
        nodes: &[Node],
        out: &mut Vec<Diagnostic>,
        errors: &mut Vec<EvalError>,
    ) {
        // The rules for each node kind of this file kind, found once per file.
        let mut by_node_kind: Vec<(NodeKind, Vec<&Rule>)> = Vec::new();
        // Conditions that read only facts a node shares with others (a port node's `service`
        // and `file`), by rule and those facts: the same on every node that shares them, so
        // evaluated once. A rule looping over a service's ports ran once per port: quadratic.
        let mut settled: HashMap<SharedKey, Result<bool, String>> = HashMap::new();
        for node in nodes {
            let i = match by_node_kind.iter().position(|(k, _)| *k == node.kind) {
                Some(i) => i,
                None => {
                    let rules = self
                        .rules
                        .iter()
                        .filter(|r| r.node == node.kind && r.kinds.contains(&kind))
                        .collect();
                    by_node_kind.push((node.kind, rules));
                    by_node_kind.len() - 1
                }
            };
            // Rules whose conditions the facts settle as false need no interpreter
            // (`prefilter`); most nodes end here.
            let rules = &by_node_kind[i].1;
            let live: Vec<&Rule> = rules
                .iter()
                .copied()
                .filter(|r| !r.condition.false_on(&node.vars))
                .collect();
            if live.is_empty() && !cfg!(debug_assertions) {
                continue;
            }
            let vars = NodeVars::of(node);
            let mut ctx = Context::with_env(env());
            ctx.set_variable_resolver(&vars);
            if cfg!(debug_assertions) {
                for skipped in rules.iter().filter(|r| r.condition.false_on(&node.vars)) {
                    assert_eq!(
                        skipped.condition.eval_bool(&ctx),
                        Ok(false),
                        "{}: the prefilter skipped `{}`",
                        skipped.id,
                        skipped.condition.source
                    );
                }
            }
            for rule in live {
                let matched = match shared_key(rule, node) {
                    Some(key) => settled
                        .entry(key)
                        .or_insert_with(|| rule.condition.eval_bool(&ctx))
                        .clone(),
                    None => rule.condition.eval_bool(&ctx),
                };
                let found = match matched {
                    Ok(true) => apply(rule, node, &ctx),
                    Ok(false) => Ok(None),
                    Err(e) => Err(e),
                };
                match found {
                    Ok(Some(d)) => out.push(d),
                    Ok(None) => {}
                    Err(message) => errors.push(EvalError {
                        rule: rule.id.to_string(),
                        message,
                        file: node.file,
                        span: node_span(rule, node),
                        place: String::new(),
                    }),
                }
            }
        }
    }
}

/// A rule and the facts its condition reads, by address: `Fact`s are shared `Arc`s, alive
/// (so their addresses unique) while the file's nodes are evaluated.
type SharedKey = (usize, [usize; 3]);

/// The key under which `rule`'s condition on `node` is settled once for all the nodes that
/// share the facts it reads, or `None` when it reads the node's own facts.
fn shared_key(rule: &Rule, node: &Node) -> Option<SharedKey> {
    if node.vars.len() > 3 || rule.condition.reads(node.kind.name()) {
        return None;
    }
    let mut facts = [0; 3];
    for (slot, (name, fact)) in facts.iter_mut().zip(&node.vars) {
        if rule.condition.reads(name) {
            *slot = Arc::as_ptr(fact) as usize;
        }
    }
    Some((rule as *const Rule as usize, facts))
}

/// One node's variables as CEL reads them: its facts in place (`to_val`: one box each).
struct NodeVars<'a> {
    vars: Vec<(&'static str, Box<dyn Val + 'a>)>,
}

impl<'a> NodeVars<'a> {
    fn of(node: &'a Node) -> Self {
        NodeVars {
            vars: node
                .vars
                .iter()
                .map(|(name, value)| (*name, to_val(value)))
                .collect(),
        }
    }
}

impl VariableResolver for NodeVars<'_> {
    fn resolve<'b>(&'b self, variable: &str) -> Option<CowVal<'b, 'b>> {
        self.vars
            .iter()
            .find(|(name, _)| *name == variable)
            .map(|(_, v)| CowVal::Borrowed(v.as_ref()))
    }
}

/// A CEL expression over one node's facts, as a rule sees them, displayed (model tests).
#[cfg(test)]
pub fn eval_on_node(node: &Node, expr: &str) -> String {
    let names: Vec<&str> = node.vars.iter().map(|(k, _)| *k).collect();
    let e = super::cel::compile(expr, &names).unwrap();
    let vars = NodeVars::of(node);
    let mut ctx = Context::with_env(env());
    ctx.set_variable_resolver(&vars);
    super::cel::display(&e.eval(&ctx).unwrap())
}

/// Where a rule's finding on `node` goes: its first `at` span the node has, else the node's.
fn node_span(rule: &Rule, node: &Node) -> crate::source::Span {
    rule.at
        .iter()
        .find_map(|k| node.spans.get(k).next())
        .or_else(|| node.spans.get(node.kind.name()).next())
        .copied()
        .unwrap_or_default()
}

/// The finding of `rule`, whose condition holds on `node`.
fn apply(rule: &Rule, node: &Node, ctx: &Context) -> Result<Option<Diagnostic>, String> {
    let span = node_span(rule, node);
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
        for s in node.spans.get(l.at) {
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
                let Some(s) = node.spans.get(at).next() else {
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
        aliases: rule.aliases.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::nodes::fact;

    /// Facts reach CEL as lazily read maps (`rules::cel::to_val`): every way a rule reads a
    /// map must behave as on the interpreter's own maps.
    #[test]
    fn lazily_read_facts_behave_as_maps() {
        let facts = fact(serde_json::json!({
            "name": "curl",
            "flags": {"checksum": "sha256:1", "chown": ""},
            "image": {"repository": "redis", "tag": null},
            "empty": {},
            "ports": [{"host": "80"}, {"host": "6379"}],
            "count": 3,
        }));
        let mut node = Node::new(NodeKind::Command, 0, &fact(serde_json::json!({})));
        node.vars.push(("command", facts));
        for (expr, want) in [
            ("command.name == 'curl'", "true"),
            ("command.flags.checksum", "sha256:1"),
            ("command['flags']['chown'] == ''", "true"),
            ("has(command.flags.checksum)", "true"),
            ("has(command.flags.missing)", "false"),
            ("'checksum' in command.flags", "true"),
            ("'missing' in command.flags", "false"),
            ("size(command.flags)", "2"),
            ("size(command.empty) == 0", "true"),
            ("command.flags.exists(k, k == 'chown')", "true"),
            ("command.flags.all(k, k.startsWith('c'))", "true"),
            ("command.image != null", "true"),
            ("command.image.tag == null", "true"),
            (
                "command.image == {'repository': 'redis', 'tag': null}",
                "true",
            ),
            ("command.image == {'repository': 'redis'}", "false"),
            ("command.image == command.image", "true"),
            ("command.ports.exists(p, p.host == '6379')", "true"),
            ("command.ports.map(p, p.host)", "80, 6379"),
            ("command.count > 2", "true"),
        ] {
            let got = eval_on_node(&node, expr);
            assert_eq!(got, want, "{expr}");
        }
        // A whole map, alone or in a list, is a value too (entries in no set order).
        for expr in ["command.image", "[command.image, command.image]"] {
            let got = eval_on_node(&node, expr);
            assert!(
                got.contains(r#"String("repository"): String("redis")"#)
                    && got.contains(r#"String("tag"): Null"#),
                "{expr}: {got}"
            );
        }
    }
}
