//! `${VAR:-default}` interpolation as Compose and Dockerfiles write it: understood, never
//! executed. Values come from a lookup the caller provides (Dockerfile ARG and ENV values);
//! Compose files and env files are read with an empty environment, so only defaults resolve.
//!
//! Expansion has a bounded cost. Without a lookup (`defaults_only`) a value can only shrink.
//! With one, `ENV a=$a$a` doubles a value per line, so every expansion through a lookup goes
//! through a per-file [`Expansion`]: a value may grow by at most [`VALUE_GROWTH`] bytes, and
//! all values of a file together by [`FILE_GROWTH`]. Past either, the value is left as written
//! and unresolved (what will run is not known), and the file gets a note where moat stopped.
//! Nesting deeper than [`MAX_DEPTH`] is unresolved too, so no input can exhaust the stack.

use crate::source::Span;
use std::cell::Cell;

/// Bytes one value may grow by through variable references. Real ARG/ENV values are a few
/// hundred bytes; a `PATH` extended on every line of a long Dockerfile stays far below this.
pub const VALUE_GROWTH: usize = 64 * 1024;

/// Bytes all the values of one file may grow by together. Growth, not output, is counted:
/// a value without references costs nothing however long it is.
pub const FILE_GROWTH: usize = 4 * 1024 * 1024;

/// Nesting of `${A:-${B:-…}}` followed; deeper defaults are not read.
pub const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpolated {
    pub text: String,
    /// Some variable had no value and no default, or expansion stopped at a limit: the result
    /// is not what will run.
    pub unresolved: bool,
}

/// Why expansion stopped before the end of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    ValueGrowth,
    FileGrowth,
    Depth,
}

impl Stop {
    pub fn describe(self) -> String {
        match self {
            Stop::ValueGrowth => format!(
                "variable expansion stopped here: this value grows past the {VALUE_GROWTH}-byte limit \
                 for one value; it is treated as unknown"
            ),
            Stop::FileGrowth => format!(
                "variable expansion stopped here: the values of this file grow past the \
                 {FILE_GROWTH}-byte limit for one file; this and later expanded values are \
                 treated as unknown"
            ),
            Stop::Depth => format!(
                "variable expansion stopped here: defaults nest deeper than {MAX_DEPTH} levels; \
                 the value is treated as unknown"
            ),
        }
    }
}

/// The expansion budget of one file, shared by every place its values are expanded, and the
/// first place expansion stopped.
#[derive(Debug)]
pub struct Expansion {
    growth_left: Cell<usize>,
    stopped: Cell<Option<(Span, Stop)>>,
}

impl Default for Expansion {
    fn default() -> Self {
        Expansion::with_budget(FILE_GROWTH)
    }
}

impl Expansion {
    pub fn with_budget(file_growth: usize) -> Self {
        Expansion {
            growth_left: Cell::new(file_growth),
            stopped: Cell::new(None),
        }
    }

    /// `text` (written at `at`) with its variables looked up in `lookup`, within the budget.
    pub fn interpolate(
        &self,
        text: &str,
        at: Span,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Interpolated {
        let left = self.growth_left.get();
        let mut state = State {
            lookup,
            cap: text.len().saturating_add(VALUE_GROWTH.min(left)),
            value_capped: VALUE_GROWTH <= left,
            stop: None,
        };
        let mut out = String::with_capacity(text.len());
        let unresolved = state.run(text, 0, &mut out);
        match state.stop {
            Some(stop) => {
                if self.stopped.get().is_none() {
                    self.stopped.set(Some((at, stop)));
                }
                Interpolated {
                    text: text.to_string(),
                    unresolved: true,
                }
            }
            None => {
                self.growth_left
                    .set(left - out.len().saturating_sub(text.len()));
                Interpolated {
                    text: out,
                    unresolved,
                }
            }
        }
    }

    /// Where expansion first stopped in this file, and why.
    pub fn stopped(&self) -> Option<(Span, Stop)> {
        self.stopped.get()
    }
}

/// `text` with only defaults applied (`${TAG:-7.2}`), every variable unset: the result is
/// never longer than `text`, so no budget is needed.
pub fn defaults_only(text: &str) -> Interpolated {
    let mut state = State {
        lookup: &|_| None,
        cap: usize::MAX,
        value_capped: true,
        stop: None,
    };
    let mut out = String::with_capacity(text.len());
    let unresolved = state.run(text, 0, &mut out);
    match state.stop {
        Some(_) => Interpolated {
            text: text.to_string(),
            unresolved: true,
        },
        None => Interpolated {
            text: out,
            unresolved,
        },
    }
}

struct State<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    /// Longest the output may become.
    cap: usize,
    /// Whether reaching `cap` is the per-value limit (else the file's budget ran out first).
    value_capped: bool,
    stop: Option<Stop>,
}

impl State<'_> {
    /// Appends `text` interpolated to `out` (nested defaults write straight into it, so no
    /// byte is copied twice); returns whether something was unresolved. Stops at the first
    /// limit reached, recording it in `self.stop`.
    fn run(&mut self, text: &str, depth: usize, out: &mut String) -> bool {
        if depth > MAX_DEPTH {
            self.stop = Some(Stop::Depth);
            return true;
        }
        let mut unresolved = false;
        let mut rest = text;
        while let Some(pos) = rest.find('$') {
            if self.stop.is_some() {
                return true;
            }
            out.push_str(&rest[..pos]);
            let after = &rest[pos + 1..];
            if let Some(stripped) = after.strip_prefix('$') {
                // `$$` is Compose's escape for a literal dollar.
                out.push('$');
                rest = stripped;
            } else if let Some(body) = after.strip_prefix('{') {
                match matching_brace(body) {
                    Some(close) => {
                        unresolved |= self.expand(&body[..close], depth, out);
                        rest = &body[close + 1..];
                    }
                    None => {
                        out.push_str(&rest[pos..]);
                        unresolved = true;
                        rest = "";
                    }
                }
            } else {
                let name_len = after
                    .char_indices()
                    .find(|(i, c)| {
                        !(c.is_ascii_alphanumeric() || *c == '_') || (*i == 0 && c.is_ascii_digit())
                    })
                    .map_or(after.len(), |(i, _)| i);
                if name_len == 0 {
                    out.push('$');
                    rest = after;
                } else {
                    match self.value(&after[..name_len]) {
                        Some(v) => self.push(out, &v),
                        None => unresolved = true,
                    }
                    rest = &after[name_len..];
                }
            }
        }
        out.push_str(rest);
        unresolved || self.stop.is_some()
    }

    fn value(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
    }

    /// Appends a looked-up value, unless the output would pass its cap.
    fn push(&mut self, out: &mut String, value: &str) {
        if out.len().saturating_add(value.len()) > self.cap {
            self.stop = Some(if self.value_capped {
                Stop::ValueGrowth
            } else {
                Stop::FileGrowth
            });
        } else {
            out.push_str(value);
        }
    }

    /// Appends the value of one `${...}` body; returns whether it was unresolved.
    fn expand(&mut self, expr: &str, depth: usize, out: &mut String) -> bool {
        let name_len = expr
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(expr.len());
        let (name, op) = expr.split_at(name_len);
        let value = self.value(name);
        let (colon, op) = match op.strip_prefix(':') {
            Some(rest) => (true, rest),
            None => (false, op),
        };
        let set = match &value {
            Some(v) => !(colon && v.is_empty()),
            None => false,
        };
        match op.chars().next() {
            None => match value {
                Some(v) => {
                    self.push(out, &v);
                    false
                }
                None => true,
            },
            Some('-') | Some('=') => match value {
                Some(v) if set => {
                    self.push(out, &v);
                    false
                }
                _ => self.run(&op[1..], depth + 1, out),
            },
            Some('+') => {
                if set {
                    self.run(&op[1..], depth + 1, out)
                } else {
                    value.is_none()
                }
            }
            Some('?') => match value {
                Some(v) if set => {
                    self.push(out, &v);
                    false
                }
                _ => true,
            },
            // Unknown modifiers (`${VAR#prefix}` and the like) are shell features we don't model.
            Some(_) => {
                if let Some(v) = value {
                    self.push(out, &v);
                }
                true
            }
        }
    }
}

/// Index of the `}` closing a `${`, allowing nested `${...}` in defaults.
fn matching_brace(body: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in body.bytes().enumerate() {
        match c {
            b'{' => depth += 1,
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(lookup: &dyn Fn(&str) -> Option<String>, text: &str) -> Interpolated {
        Expansion::default().interpolate(text, Span::default(), lookup)
    }

    #[test]
    fn defaults_and_missing() {
        assert_eq!(defaults_only("redis:${TAG:-7.2}").text, "redis:7.2");
        assert!(!defaults_only("redis:${TAG:-7.2}").unresolved);
        let r = defaults_only("redis:${TAG}");
        assert_eq!((r.text.as_str(), r.unresolved), ("redis:", true));
        assert!(defaults_only("$TAG").unresolved);
        assert_eq!(defaults_only("a$$b").text, "a$b");
        assert_eq!(defaults_only("${A:-${B:-x}}").text, "x");
        assert_eq!(defaults_only("cost $5").text, "cost $5");
    }

    #[test]
    fn lookup_values() {
        let lookup = |n: &str| (n == "V").then(|| "1".to_string());
        assert_eq!(
            with(&lookup, "${V:-2}-$V-${V:+set}-${W:+no}").text,
            "1-1-set-"
        );
        assert!(with(&lookup, "${W:?required}").unresolved);
    }

    /// `ENV a=$a$a` on every line doubles the value: the first value past the per-value limit
    /// stops, is left as written and unresolved, and the budget says where.
    #[test]
    fn doubling_stops_at_the_value_limit() {
        let expansion = Expansion::default();
        let mut a = "x".to_string();
        let mut line = 0;
        loop {
            line += 1;
            let current = a.clone();
            let r = expansion.interpolate("$a$a", Span::new(line, line + 1), &|_| {
                Some(current.clone())
            });
            if r.unresolved {
                assert_eq!(r.text, "$a$a");
                break;
            }
            a = r.text;
            assert!(line < 64, "never stopped");
        }
        assert!(a.len() <= VALUE_GROWTH + 4);
        assert_eq!(
            expansion.stopped(),
            Some((Span::new(line, line + 1), Stop::ValueGrowth))
        );
    }

    /// Many values that each grow a little exhaust the file's budget; growth is what counts.
    #[test]
    fn the_file_budget_is_shared() {
        let expansion = Expansion::with_budget(100);
        // `$v` (2 bytes) becomes 12: 10 bytes of growth each time.
        let ten = "0123456789ab".to_string();
        let long = "y".repeat(1000);
        for _ in 0..10 {
            assert!(
                !expansion
                    .interpolate("$v", Span::default(), &|_| Some(ten.clone()))
                    .unresolved
            );
            // No references: free however long.
            assert!(
                !expansion
                    .interpolate(&long, Span::default(), &|_| None)
                    .unresolved
            );
        }
        assert!(expansion.stopped().is_none());
        let r = expansion.interpolate("$v", Span::new(7, 9), &|_| Some(ten.clone()));
        assert!(r.unresolved);
        assert_eq!(
            expansion.stopped(),
            Some((Span::new(7, 9), Stop::FileGrowth))
        );
    }

    #[test]
    fn deep_nesting_is_unresolved_not_a_stack_overflow() {
        let n = 200_000;
        let text = format!("{}x{}", "${A:-".repeat(n), "}".repeat(n));
        let r = defaults_only(&text);
        assert!(r.unresolved);
        assert_eq!(r.text, text);
        let shallow = format!("{}x{}", "${A:-".repeat(MAX_DEPTH), "}".repeat(MAX_DEPTH));
        assert_eq!(defaults_only(&shallow).text, "x");
    }
}
