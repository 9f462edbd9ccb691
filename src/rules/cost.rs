//! A cost estimate of CEL at load, so that no rule (a user's rule folder may come from the tree
//! being linted) can run for minutes: the degree of a polynomial bound on its evaluation time
//! in n, the size of a node's facts (itself bounded by the file size limit). A rule whose
//! estimate is above linear is refused at load, as a rule error naming the expression.
//!
//! cel has no evaluation budget of its own. The estimate is conservative where it must be:
//! a comprehension costs its range's length times its body; an operator or function costs the
//! size of its operands (`x in list`, string functions; a comparison, its shorter operand).
//! An element counts as constant size: the elements of a value add up to its size, so work on
//! each element adds up to that size over the loop. Work on anything else inside a loop (the
//! whole facts again, a list computed from them) multiplies.

use cel::common::ast::{EntryExpr, Expr};
use cel::parser::Expression;

/// The highest degree accepted: linear in the facts.
pub const MAX_DEGREE: u32 = 1;

/// Degrees of a bound on an expression's evaluation time and on its value's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bound {
    pub cost: u32,
    pub size: u32,
}

/// The estimate for a whole expression.
pub fn estimate(e: &Expression) -> Bound {
    bound(e, &mut Vec::new())
}

/// Comprehension variables in scope and the size degree of their values.
type Scope = Vec<(String, u32)>;

fn bound(e: &Expression, scope: &mut Scope) -> Bound {
    match &e.expr {
        Expr::Unspecified | Expr::Literal(_) => Bound::default(),
        Expr::Ident(name) => {
            let size = scope
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map_or(1, |(_, s)| *s);
            Bound { cost: 0, size }
        }
        Expr::Select(s) => bound(&s.operand, scope),
        Expr::List(l) => all(l.elements.iter(), scope),
        Expr::Map(m) => entries(m.entries.iter().map(|e| &e.expr), scope),
        Expr::Struct(s) => entries(s.entries.iter().map(|e| &e.expr), scope),
        Expr::Call(c) => {
            let args: Vec<Bound> = c
                .target
                .iter()
                .map(|t| &**t)
                .chain(c.args.iter())
                .map(|a| bound(a, scope))
                .collect();
            let cost = args.iter().map(|b| b.cost).max().unwrap_or(0);
            let widest = args.iter().map(|b| b.size).max().unwrap_or(0);
            let name = c.func_name.as_str();
            // Comparisons stop at the shorter operand: an element compared with one outer
            // value costs the element's size, which adds up to O(n) over a loop.
            if matches!(
                name,
                "_==_" | "_!=_" | "_<_" | "_<=_" | "_>_" | "_>=_" | "startsWith" | "endsWith"
            ) {
                let shortest = args.iter().map(|b| b.size).min().unwrap_or(0);
                return Bound {
                    cost: cost.max(shortest),
                    size: 0,
                };
            }
            let size = if returns_scalar(name) {
                0
            } else if matches!(name, "_+_" | "_?_:_" | "_[_]" | "_-_") {
                widest
            } else {
                // Anything else may combine its operands (`replace`, `join`).
                args.iter().map(|b| b.size).sum()
            };
            // Reading every byte of the operands (and writing the result) is the worst case.
            Bound {
                cost: cost.max(widest).max(size),
                size,
            }
        }
        Expr::Comprehension(c) => {
            let range = bound(&c.iter_range, scope);
            let init = bound(&c.accu_init, scope);
            // Each element counts as constant size: the elements of a value add up to its
            // size, so work on each element adds up to the range's size over the loop (which
            // is counted below); work on anything else is paid once per element.
            let element = 0;
            let depth = scope.len();
            scope.push((c.iter_var.clone(), element));
            if let Some(v) = &c.iter_var2 {
                scope.push((v.clone(), element));
            }
            // The accumulator is a bool (`all`, `exists`) or a list the interpreter appends to
            // in place (`map`, `filter`).
            scope.push((c.accu_var.clone(), 0));
            let body = [&c.loop_cond, &c.loop_step, &c.result]
                .into_iter()
                .map(|e| bound(e, scope))
                .fold(Bound::default(), |a, b| Bound {
                    cost: a.cost.max(b.cost),
                    size: a.size.max(b.size),
                });
            scope.truncate(depth);
            // A value of size n^k has at most n^k elements.
            let length = range.size;
            let cost = range.cost.max(init.cost).max(length + body.cost);
            Bound {
                cost,
                // You cannot build more than you spend.
                size: cost.max(init.size),
            }
        }
    }
}

fn all<'e>(items: impl Iterator<Item = &'e Expression>, scope: &mut Scope) -> Bound {
    items.fold(Bound::default(), |a, e| {
        let b = bound(e, scope);
        Bound {
            cost: a.cost.max(b.cost),
            size: a.size.max(b.size),
        }
    })
}

fn entries<'e>(items: impl Iterator<Item = &'e EntryExpr>, scope: &mut Scope) -> Bound {
    let exprs: Vec<&Expression> = items
        .flat_map(|e| match e {
            EntryExpr::StructField(f) => vec![&f.value],
            EntryExpr::MapEntry(m) => vec![&m.key, &m.value],
        })
        .collect();
    all(exprs.into_iter(), scope)
}

/// Functions and operators whose result is a bool or a number.
fn returns_scalar(name: &str) -> bool {
    matches!(
        name,
        "_==_"
            | "_!=_"
            | "_<_"
            | "_<=_"
            | "_>_"
            | "_>=_"
            | "_&&_"
            | "_||_"
            | "!_"
            | "-_"
            | "@in"
            | "@not_strictly_false"
            | "not_strictly_false"
            | "size"
            | "contains"
            | "startsWith"
            | "endsWith"
            | "matches"
            | "int"
            | "uint"
            | "double"
            | "bool"
            | "indexOf"
            | "lastIndexOf"
            | "_*_"
            | "_/_"
            | "_%_"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn degree(src: &str) -> u32 {
        estimate(&super::super::cel::parse_fast(src).unwrap()).cost
    }

    #[test]
    fn linear_expressions_are_linear() {
        for src in [
            "service.ports.exists(p, p.host_port == '6379')",
            "service.env.exists(e, e.name.startsWith('AWS_') && e.value != '')",
            "command.name in ['curl', 'wget'] && command.args.exists(a, a == '-k')",
            "service.ports.map(p, p.host).filter(h, h != '').size() > 0",
            "size(service.ports) > 2 && service.image.tag == 'latest'",
            "service.env.exists(e, e.name == service.name || e.value.startsWith(service.name))",
        ] {
            assert_eq!(degree(src), 1, "{src}");
        }
        assert_eq!(degree("1 + 2 == 3"), 0);
    }

    /// Nested loops over the facts, work on the whole facts inside a loop, and loops over
    /// computed lists of lists are quadratic or worse.
    #[test]
    fn nested_work_over_the_facts_is_refused() {
        for (src, at_least) in [
            ("service.ports.all(a, service.ports.all(b, a == b))", 2),
            (
                "service.env.exists(e, e.name in service.env.map(x, x.name))",
                2,
            ),
            (
                "service.ports.map(p, service.ports).all(l, l.all(q, true))",
                2,
            ),
            (
                "service.ports.all(a, service.ports.all(b, service.ports.all(c, true)))",
                3,
            ),
            (
                "service.env.exists(e, service.image.text.contains(e.name))",
                2,
            ),
            (
                "service.ports.exists(a, service.ports.exists(b, a.host == b.host))",
                2,
            ),
        ] {
            assert!(degree(src) >= at_least, "{src}: {}", degree(src));
        }
    }
}
