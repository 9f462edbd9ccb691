//! `${VAR:-default}` interpolation as Compose and Dockerfiles write it: understood, never
//! executed. Values come from a lookup the caller provides (Dockerfile ARG defaults); Compose
//! files are read with an empty environment, so only defaults resolve.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpolated {
    pub text: String,
    /// Some variable had no value and no default: the result is not what will run.
    pub unresolved: bool,
}

pub fn interpolate(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Interpolated {
    let mut out = String::with_capacity(text.len());
    let mut unresolved = false;
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(stripped) = after.strip_prefix('$') {
            // `$$` is Compose's escape for a literal dollar.
            out.push('$');
            rest = stripped;
        } else if let Some(body) = after.strip_prefix('{') {
            match matching_brace(body) {
                Some(close) => {
                    let expr = &body[..close];
                    let (value, missing) = expand(expr, lookup);
                    unresolved |= missing;
                    out.push_str(&value);
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
                match lookup(&after[..name_len]) {
                    Some(v) => out.push_str(&v),
                    None => unresolved = true,
                }
                rest = &after[name_len..];
            }
        }
    }
    out.push_str(rest);
    Interpolated {
        text: out,
        unresolved,
    }
}

/// Index of the `}` closing a `${`, allowing nested `${...}` in defaults.
fn matching_brace(body: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn expand(expr: &str, lookup: &dyn Fn(&str) -> Option<String>) -> (String, bool) {
    let name_len = expr
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(expr.len());
    let (name, op) = expr.split_at(name_len);
    let value = lookup(name);
    let nested = |s: &str| {
        let r = interpolate(s, lookup);
        (r.text, r.unresolved)
    };
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
            Some(v) => (v, false),
            None => (String::new(), true),
        },
        Some('-') | Some('=') => {
            if set {
                (value.unwrap_or_default(), false)
            } else {
                nested(&op[1..])
            }
        }
        Some('+') => {
            if set {
                nested(&op[1..])
            } else {
                (String::new(), value.is_none())
            }
        }
        Some('?') => match value {
            Some(v) if set => (v, false),
            _ => (String::new(), true),
        },
        // Unknown modifiers (`${VAR#prefix}` and the like) are shell features we don't model.
        Some(_) => (value.unwrap_or_default(), true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn defaults_and_missing() {
        assert_eq!(interpolate("redis:${TAG:-7.2}", &none).text, "redis:7.2");
        assert!(!interpolate("redis:${TAG:-7.2}", &none).unresolved);
        let r = interpolate("redis:${TAG}", &none);
        assert_eq!((r.text.as_str(), r.unresolved), ("redis:", true));
        assert!(interpolate("$TAG", &none).unresolved);
        assert_eq!(interpolate("a$$b", &none).text, "a$b");
        assert_eq!(interpolate("${A:-${B:-x}}", &none).text, "x");
        assert_eq!(interpolate("cost $5", &none).text, "cost $5");
    }

    #[test]
    fn lookup_values() {
        let lookup = |n: &str| (n == "V").then(|| "1".to_string());
        assert_eq!(
            interpolate("${V:-2}-$V-${V:+set}-${W:+no}", &lookup).text,
            "1-1-set-"
        );
        assert!(interpolate("${W:?required}", &lookup).unresolved);
    }
}
