//! redis.conf and sentinel.conf: one directive per line, its arguments split the way Redis
//! splits them (`sdssplitargs`), each with its byte span; and `redis-server` command-line
//! arguments (`--port 6380 --requirepass x`), read as the same directives.
//!
//! Understood as Redis reads them: leading and trailing blanks, `#` comment lines (only at
//! the start of a line: Redis has no trailing comments, a `#` later on is an argument),
//! double quotes with `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\a` and `\xHH` escapes, single
//! quotes with `\'`. A closing quote must end the argument; an unbalanced quote makes Redis
//! refuse the file, and here it is a problem on that line, which is skipped. Directive names
//! are case-insensitive and kept lower-cased. What the directives mean (`include`, repeated
//! directives, `user`, `rename-command`) is the model's business (`model::redis`).

use super::Problem;
use crate::source::Span;

/// One argument: its value after unquoting, and the span of the argument as written (quotes
/// included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Lower-cased: `protected-mode`, `bind`, `user`.
    pub name: String,
    pub name_span: Span,
    pub args: Vec<Arg>,
    /// The whole directive: the trimmed line, or the `--name` argument through its last value.
    pub span: Span,
}

impl Directive {
    /// The span of the arguments (first to last), where a fix may rewrite the value.
    pub fn args_span(&self) -> Option<Span> {
        let first = self.args.first()?;
        let last = self.args.last()?;
        Some(first.span.cover(last.span))
    }

    pub fn arg(&self, i: usize) -> Option<&str> {
        self.args.get(i).map(|a| a.value.as_str())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfFile {
    pub directives: Vec<Directive>,
}

fn is_blank(b: u8) -> bool {
    // C's isspace, as sdssplitargs uses it.
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Parse a redis.conf / sentinel.conf text. Never panics; lines Redis would reject are
/// problems and are left out.
pub fn parse(text: &str) -> (ConfFile, Vec<Problem>) {
    let mut file = ConfFile::default();
    let mut problems = Vec::new();
    let mut offset = 0usize;
    for raw in text.split('\n') {
        let start = offset;
        offset += raw.len() + 1;
        let bytes = raw.as_bytes();
        let mut a = 0;
        let mut b = bytes.len();
        while a < b && is_blank(bytes[a]) {
            a += 1;
        }
        while b > a && is_blank(bytes[b - 1]) {
            b -= 1;
        }
        if a == b || bytes[a] == b'#' {
            continue;
        }
        let line = &raw[a..b];
        let base = start + a;
        match split_args(line, base) {
            Ok(args) => {
                let mut args = args.into_iter();
                let Some(name) = args.next() else { continue };
                file.directives.push(Directive {
                    name: name.value.to_ascii_lowercase(),
                    name_span: name.span,
                    args: args.collect(),
                    span: Span::new(base, base + line.len()),
                });
            }
            Err(at) => problems.push(Problem {
                message: format!(
                    "unbalanced quotes in this line: Redis refuses to start with it ({at})"
                ),
                span: Span::new(base, base + line.len()),
            }),
        }
    }
    (file, problems)
}

/// Split one line like `sdssplitargs`. `base` is the byte offset of `line` in the file.
pub fn split_args(line: &str, base: usize) -> Result<Vec<Arg>, &'static str> {
    let bytes = line.as_bytes();
    let mut args = Vec::new();
    let mut i = 0;
    loop {
        while i < bytes.len() && is_blank(bytes[i]) {
            i += 1;
        }
        if i >= bytes.len() {
            return Ok(args);
        }
        let start = i;
        let mut value: Vec<u8> = Vec::new();
        let mut in_double = false;
        let mut in_single = false;
        loop {
            if in_double {
                match bytes.get(i) {
                    None => return Err("a double quote is not closed"),
                    Some(b'\\') if bytes.get(i + 1) == Some(&b'x') => {
                        match (hex(bytes.get(i + 2)), hex(bytes.get(i + 3))) {
                            (Some(h), Some(l)) => {
                                value.push(h * 16 + l);
                                i += 4;
                            }
                            _ => {
                                // Not a hex escape: `\x` is `x`, as Redis reads it.
                                value.push(b'x');
                                i += 2;
                            }
                        }
                    }
                    Some(b'\\') if i + 1 < bytes.len() => {
                        value.push(match bytes[i + 1] {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            b'b' => 0x08,
                            b'a' => 0x07,
                            other => other,
                        });
                        i += 2;
                    }
                    Some(b'"') => {
                        if bytes.get(i + 1).is_some_and(|b| !is_blank(*b)) {
                            return Err("a closing double quote must end the argument");
                        }
                        i += 1;
                        break;
                    }
                    Some(&c) => {
                        value.push(c);
                        i += 1;
                    }
                }
            } else if in_single {
                match bytes.get(i) {
                    None => return Err("a single quote is not closed"),
                    Some(b'\\') if bytes.get(i + 1) == Some(&b'\'') => {
                        value.push(b'\'');
                        i += 2;
                    }
                    Some(b'\'') => {
                        if bytes.get(i + 1).is_some_and(|b| !is_blank(*b)) {
                            return Err("a closing single quote must end the argument");
                        }
                        i += 1;
                        break;
                    }
                    Some(&c) => {
                        value.push(c);
                        i += 1;
                    }
                }
            } else {
                match bytes.get(i) {
                    None => break,
                    Some(&c) if is_blank(c) => break,
                    Some(b'"') => {
                        in_double = true;
                        i += 1;
                    }
                    Some(b'\'') => {
                        in_single = true;
                        i += 1;
                    }
                    Some(&c) => {
                        value.push(c);
                        i += 1;
                    }
                }
            }
        }
        args.push(Arg {
            value: String::from_utf8_lossy(&value).into_owned(),
            span: Span::new(base + start, base + i.min(bytes.len())),
        });
    }
}

fn hex(b: Option<&u8>) -> Option<u8> {
    let c = *b?;
    (c as char).to_digit(16).map(|d| d as u8)
}

/// `redis-server` arguments (everything after the program name), as Redis reads them: a first
/// argument that does not start with `-` is the configuration file; then each `--name` starts
/// a directive whose values are the arguments up to the next `--name`. Values keep the span of
/// their argument. Returns the configuration file argument, if any, and the directives.
pub fn from_args(args: &[Arg]) -> (Option<Arg>, Vec<Directive>) {
    let mut rest = args;
    let mut config = None;
    if let Some(first) = rest.first() {
        if !first.value.starts_with('-') {
            config = Some(first.clone());
            rest = &rest[1..];
        }
    }
    let mut out: Vec<Directive> = Vec::new();
    for a in rest {
        match a.value.strip_prefix("--") {
            // Redis appends `--name` arguments to its configuration text as written, so one
            // argument `--protected-mode yes` (Bitnami's `extraFlags` items often are) is the
            // directive and its values; each word keeps its own span where the argument's
            // span is its text.
            Some(name) if name.contains(char::is_whitespace) => {
                let precise = a.span.len() == a.value.len();
                let mut words = a.value[2..].split_whitespace().map(|w| {
                    let start = a.value.len() - a.value[2..].len()
                        + (w.as_ptr() as usize - a.value[2..].as_ptr() as usize);
                    Arg {
                        value: w.to_string(),
                        span: if precise {
                            Span::new(a.span.start + start, a.span.start + start + w.len())
                        } else {
                            a.span
                        },
                    }
                });
                if let Some(first) = words.next() {
                    out.push(Directive {
                        name: first.value.to_ascii_lowercase(),
                        name_span: a.span,
                        args: words.collect(),
                        span: a.span,
                    });
                }
            }
            Some(name) if !name.is_empty() => out.push(Directive {
                name: name.to_ascii_lowercase(),
                name_span: a.span,
                args: Vec::new(),
                span: a.span,
            }),
            // `-` (stdin) and values before any `--name` are not settings we can read.
            _ => {
                if let Some(d) = out.last_mut() {
                    d.span = d.span.cover(a.span);
                    d.args.push(a.clone());
                }
            }
        }
    }
    (config, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(d: &Directive) -> Vec<&str> {
        d.args.iter().map(|a| a.value.as_str()).collect()
    }

    #[test]
    fn directives_args_and_spans() {
        let src = "# comment\n  bind 127.0.0.1 -::1  \r\nPort 6380\n\n   # indented comment\nrequirepass \"a b\\x41\\\"\"\nuser alice on 'it\\'s' ~* +@all\nbind 0.0.0.0 # not a comment\n";
        let (f, p) = parse(src);
        assert!(p.is_empty(), "{p:?}");
        let names: Vec<&str> = f.directives.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["bind", "port", "requirepass", "user", "bind"]);
        let bind = &f.directives[0];
        assert_eq!(values(bind), ["127.0.0.1", "-::1"]);
        assert_eq!(&src[bind.span.start..bind.span.end], "bind 127.0.0.1 -::1");
        assert_eq!(
            &src[bind.args_span().unwrap().start..bind.args_span().unwrap().end],
            "127.0.0.1 -::1"
        );
        assert_eq!(values(&f.directives[2]), ["a bA\""]);
        let a = &f.directives[2].args[0];
        assert_eq!(&src[a.span.start..a.span.end], "\"a b\\x41\\\"\"");
        assert_eq!(
            values(&f.directives[3]),
            ["alice", "on", "it's", "~*", "+@all"]
        );
        assert_eq!(
            values(&f.directives[4]),
            ["0.0.0.0", "#", "not", "a", "comment"]
        );
    }

    #[test]
    fn unbalanced_quotes_are_problems() {
        let (f, p) = parse("requirepass \"abc\nport 1\nrequirepass 'x'y\nrequirepass \"a\"b\n");
        assert_eq!(f.directives.len(), 1);
        assert_eq!(f.directives[0].name, "port");
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].span, Span::new(0, 16));
    }

    #[test]
    fn empty_and_odd_inputs() {
        assert!(parse("").0.directives.is_empty());
        assert!(parse("\n\n#\n   \t\n").0.directives.is_empty());
        let (f, _) = parse("\"\"\n");
        assert_eq!(f.directives[0].name, "");
        let (f, _) = parse("requirepass \"\\xZZ\\x4\"\n");
        assert_eq!(values(&f.directives[0]), ["xZZx4"]);
        let (f, _) = parse("a \"\\xff\"\n");
        assert_eq!(values(&f.directives[0]), ["\u{fffd}"]);
        let (f, _) = parse("rename-command CONFIG \"\"\n");
        assert_eq!(values(&f.directives[0]), ["CONFIG", ""]);
    }

    fn args(words: &[&str]) -> Vec<Arg> {
        let mut at = 0;
        words
            .iter()
            .map(|w| {
                let a = Arg {
                    value: w.to_string(),
                    span: Span::new(at, at + w.len()),
                };
                at += w.len() + 1;
                a
            })
            .collect()
    }

    #[test]
    fn command_line_arguments() {
        let (conf, d) = from_args(&args(&[
            "/etc/redis.conf",
            "--port",
            "6380",
            "--save",
            "60",
            "1",
            "--appendonly",
            "--Requirepass",
            "x",
        ]));
        assert_eq!(conf.unwrap().value, "/etc/redis.conf");
        let got: Vec<(&str, Vec<&str>)> = d.iter().map(|d| (d.name.as_str(), values(d))).collect();
        assert_eq!(
            got,
            [
                ("port", vec!["6380"]),
                ("save", vec!["60", "1"]),
                ("appendonly", vec![]),
                ("requirepass", vec!["x"]),
            ]
        );
        assert_eq!(d[1].span, Span::new(28, 39));
        // One argument holding name and values, as Redis reads it.
        let (_, d) = from_args(&[Arg {
            value: "--protected-mode  yes".into(),
            span: Span::new(10, 31),
        }]);
        assert_eq!(d[0].name, "protected-mode");
        assert_eq!(values(&d[0]), ["yes"]);
        assert_eq!(d[0].args[0].span, Span::new(28, 31));
        let (conf, d) = from_args(&args(&["--protected-mode", "no"]));
        assert!(conf.is_none());
        assert_eq!(d[0].name, "protected-mode");
        let (conf, d) = from_args(&args(&["-", "stray", "--", "x"]));
        assert_eq!(conf, None);
        assert!(d.is_empty());
        assert_eq!(from_args(&[]), (None, vec![]));
    }

    /// Random mutations of a realistic file: parsing never panics and every span is inside
    /// the text, on character boundaries.
    #[test]
    fn random_mutations_never_panic() {
        let seed = "bind 127.0.0.1 -::1\nprotected-mode yes\nrequirepass \"p\\x41ss\"\nuser default on >pw ~* &* +@all -@scripting\nrename-command CONFIG ''\ninclude /etc/redis/extra.conf\n# comment é\nsentinel monitor m 10.0.0.1 6379 2\n";
        let pieces = [
            "\"", "'", "\\", "\\x", "\n", "\r", "\t", "#", " ", "é", "\u{0}", "--", "x",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..3000 {
            let mut text = seed.to_string();
            for _ in 0..(next() % 8 + 1) {
                let mut at = (next() as usize) % (text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                match next() % 3 {
                    0 => text.insert_str(at, pieces[(next() as usize) % pieces.len()]),
                    1 => {
                        let mut end = (at + (next() as usize) % 6).min(text.len());
                        while !text.is_char_boundary(end) {
                            end -= 1;
                        }
                        text.replace_range(at..end, "");
                    }
                    _ => text.truncate(at),
                }
            }
            let (f, problems) = parse(&text);
            for d in &f.directives {
                for s in std::iter::once(d.span).chain(d.args.iter().map(|a| a.span)) {
                    assert!(s.start <= s.end && s.end <= text.len(), "{text:?}");
                    assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
                }
            }
            for p in problems {
                assert!(p.span.end <= text.len());
            }
            let words: Vec<Arg> = f.directives.iter().flat_map(|d| d.args.clone()).collect();
            let _ = from_args(&words);
        }
    }
}
