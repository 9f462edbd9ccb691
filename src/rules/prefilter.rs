//! The cheap half of a condition: the terms of its top-level `&&` and `||` that compare one
//! fact with a literal (`command.disables_tls != ''`, `service.origin in ['kubernetes',
//! 'helm']`, `service.privileged`), checked on the JSON facts without the interpreter.
//!
//! Where those terms settle the condition as false (one conjunct false, or every disjunct
//! false), CEL says false too: `false && x` is false whatever `x` is, errors included, and a
//! term that is false here evaluates to false there. Anything the checks cannot settle (a
//! missing fact, another type than the literal's, any other form) is left to CEL. Most
//! (rule, node) pairs end here: the corpus's 18,000 shell commands each meet six command
//! rules, and almost none disables TLS. Debug builds check every skip against CEL.

use crate::model::nodes::Fact;
use cel::common::ast::{operators, Expr, LiteralValue};
use serde_json::Value as J;

#[derive(Debug)]
pub enum Term {
    And(Vec<Term>),
    Or(Vec<Term>),
    /// A fact reached by a variable and field names, and what is asked of it.
    Fact(Vec<String>, Test),
    /// Anything else: only CEL can tell.
    Other,
}

#[derive(Debug)]
pub enum Test {
    /// `fact`
    True,
    /// `!fact`
    False,
    Equals(Literal),
    NotEquals(Literal),
    /// `fact in ['a', 'b']`
    In(Vec<String>),
    /// `size(fact) > 0`
    NotEmpty,
}

#[derive(Debug)]
pub enum Literal {
    String(String),
    Bool(bool),
    Null,
}

impl Term {
    pub fn of(expr: &Expr) -> Term {
        let Expr::Call(call) = expr else {
            return match path(expr) {
                Some(p) => Term::Fact(p, Test::True),
                None => Term::Other,
            };
        };
        if call.target.is_some() {
            return Term::Other;
        }
        let args: Vec<&Expr> = call.args.iter().map(|a| &a.expr).collect();
        match (call.func_name.as_str(), args.as_slice()) {
            (operators::LOGICAL_AND, _) => Term::And(args.iter().map(|a| Term::of(a)).collect()),
            (operators::LOGICAL_OR, _) => Term::Or(args.iter().map(|a| Term::of(a)).collect()),
            (operators::LOGICAL_NOT, [operand]) => fact_test(operand, Test::False),
            (operators::EQUALS, [left, right]) => match literal(right) {
                Some(l) => fact_test(left, Test::Equals(l)),
                None => Term::Other,
            },
            (operators::NOT_EQUALS, [left, right]) => match literal(right) {
                Some(l) => fact_test(left, Test::NotEquals(l)),
                None => Term::Other,
            },
            (operators::IN, [left, Expr::List(list)]) if list.optional_indices.is_empty() => {
                let strings: Option<Vec<String>> = list
                    .elements
                    .iter()
                    .map(|e| match literal(&e.expr) {
                        Some(Literal::String(s)) => Some(s),
                        _ => None,
                    })
                    .collect();
                match strings {
                    Some(s) => fact_test(left, Test::In(s)),
                    None => Term::Other,
                }
            }
            (operators::GREATER, [Expr::Call(size), Expr::Literal(LiteralValue::Int(zero))])
                if size.func_name == "size"
                    && size.target.is_none()
                    && size.args.len() == 1
                    && *zero.inner() == 0 =>
            {
                fact_test(&size.args[0].expr, Test::NotEmpty)
            }
            _ => Term::Other,
        }
    }

    /// Whether the term is certainly false on these facts.
    pub fn false_on(&self, vars: &[(&'static str, Fact)]) -> bool {
        match self {
            Term::And(terms) => terms.iter().any(|t| t.false_on(vars)),
            Term::Or(terms) => terms.iter().all(|t| t.false_on(vars)),
            Term::Other => false,
            Term::Fact(path, test) => {
                let Some(value) = lookup(vars, path) else {
                    return false;
                };
                match (test, value) {
                    (Test::True, J::Bool(b)) => !b,
                    (Test::False, J::Bool(b)) => *b,
                    (Test::Equals(Literal::String(l)), J::String(s)) => l != s,
                    (Test::Equals(Literal::Bool(l)), J::Bool(b)) => l != b,
                    (Test::Equals(Literal::Null), J::String(_) | J::Bool(_)) => true,
                    (Test::NotEquals(Literal::String(l)), J::String(s)) => l == s,
                    (Test::NotEquals(Literal::Bool(l)), J::Bool(b)) => l == b,
                    (Test::NotEquals(Literal::Null), J::Null) => true,
                    (Test::In(list), J::String(s)) => !list.contains(s),
                    (Test::NotEmpty, J::Array(a)) => a.is_empty(),
                    (Test::NotEmpty, J::Object(o)) => o.is_empty(),
                    (Test::NotEmpty, J::String(s)) => s.is_empty(),
                    _ => false,
                }
            }
        }
    }
}

fn fact_test(expr: &Expr, test: Test) -> Term {
    match path(expr) {
        Some(p) => Term::Fact(p, test),
        None => Term::Other,
    }
}

/// `var.field.field` as names, variable first.
fn path(expr: &Expr) -> Option<Vec<String>> {
    match expr {
        Expr::Ident(name) => Some(vec![name.clone()]),
        Expr::Select(select) if !select.test => {
            let mut p = path(&select.operand.expr)?;
            p.push(select.field.clone());
            Some(p)
        }
        _ => None,
    }
}

fn literal(expr: &Expr) -> Option<Literal> {
    match expr {
        Expr::Literal(LiteralValue::String(s)) => Some(Literal::String(s.inner().to_string())),
        Expr::Literal(LiteralValue::Boolean(b)) => Some(Literal::Bool(*b.inner())),
        Expr::Literal(LiteralValue::Null) => Some(Literal::Null),
        _ => None,
    }
}

fn lookup<'a>(vars: &'a [(&'static str, Fact)], path: &[String]) -> Option<&'a J> {
    let (var, fields) = path.split_first()?;
    let (_, fact) = vars.iter().find(|(name, _)| name == var)?;
    fields
        .iter()
        .try_fold(&**fact, |value, field| value.as_object()?.get(field))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::nodes::fact;

    fn false_on(expr: &str, facts: serde_json::Value) -> bool {
        let ast = crate::rules::cel::parse_fast(expr).unwrap();
        Term::of(&ast.expr).false_on(&[("s", fact(facts))])
    }

    #[test]
    fn settles_only_what_it_can_read() {
        use serde_json::json;
        // Certainly false.
        assert!(false_on("s.tls != ''", json!({"tls": ""})));
        assert!(false_on("s.name == 'sudo'", json!({"name": "apt-get"})));
        assert!(false_on("s.flag", json!({"flag": false})));
        assert!(false_on("!s.flag", json!({"flag": true})));
        assert!(false_on(
            "s.o in ['kubernetes', 'helm'] && s.x.y()",
            json!({"o": "compose"})
        ));
        assert!(false_on(
            "s.a || s.b.c == 'x'",
            json!({"a": false, "b": {"c": "y"}})
        ));
        assert!(false_on("size(s.list) > 0", json!({"list": []})));
        assert!(false_on("s.v == null", json!({"v": "1GB"})));
        assert!(false_on("s.v != null", json!({"v": null})));
        // Not settled here: CEL decides.
        assert!(!false_on("s.tls != ''", json!({"tls": "-k"})));
        assert!(
            !false_on("s.tls != ''", json!({})),
            "a missing fact is CEL's error"
        );
        assert!(
            !false_on("s.n == 'x'", json!({"n": 3})),
            "another type than the literal's"
        );
        assert!(!false_on("s.a || s.b", json!({"a": false})));
        assert!(!false_on("!(s.p in ['80'])", json!({"p": "80"})));
        assert!(!false_on("s.list.exists(x, x == 'a')", json!({"list": []})));
        assert!(!false_on("has(s.a)", json!({})));
        assert!(!false_on("size(s.list) > 1", json!({"list": []})));
    }
}
