//! Env files (`.env`, `*.env`, a Compose `env_file:`): `KEY=VALUE` lines as Compose reads
//! them. `export` prefixes, `#` comments (whole lines, and after an unquoted value when a
//! space precedes the `#`), single quotes (literal) and double quotes (`\n`, `\t`, `\\`, `\"`,
//! `\$` escapes; both may span lines), empty values, `KEY` alone (taken from the environment),
//! CRLF line ends. Every entry keeps the span of its name, its value and the whole entry.
//! Never panics: a line it cannot read is a problem, and the next line is read.

use super::Problem;
use crate::source::Span;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub name_span: Span,
    /// `None` for a line that is only `KEY`: Compose takes the value from its environment.
    pub value: Option<String>,
    /// The value's text as written, inside quotes when quoted (empty for `KEY=`).
    pub value_span: Option<Span>,
    /// `'` or `"` when the value is quoted.
    pub quote: Option<char>,
    /// From `export` or the name to the end of the value (closing quote included).
    pub span: Span,
    pub exported: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvFile {
    pub entries: Vec<Entry>,
}

impl EnvFile {
    /// The last entry that sets `name` (later lines win, as in Compose).
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().rev().find(|e| e.name == name)
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// End of the line that contains `from` (the index of its `\n`, or the text's end).
fn line_end(src: &str, from: usize) -> usize {
    src[from..].find('\n').map_or(src.len(), |i| from + i)
}

pub fn parse(src: &str) -> (EnvFile, Vec<Problem>) {
    let bytes = src.as_bytes();
    let mut file = EnvFile::default();
    let mut problems = Vec::new();
    let mut pos = 0;
    while pos < src.len() {
        let end = line_end(src, pos);
        // Where the next line starts; a quoted value spanning lines moves it further.
        let mut next = end + 1;
        let mut i = pos;
        let skip_blank = |i: &mut usize, limit: usize| {
            while *i < limit && matches!(bytes[*i], b' ' | b'\t' | b'\r') {
                *i += 1;
            }
        };
        skip_blank(&mut i, end);
        if i >= end || bytes[i] == b'#' {
            pos = next;
            continue;
        }
        let start = i;
        let mut exported = false;
        if src[i..end].starts_with("export") && matches!(bytes.get(i + 6), Some(b' ' | b'\t')) {
            exported = true;
            i += 6;
            skip_blank(&mut i, end);
        }
        let name_start = i;
        while i < end && is_name_byte(bytes[i]) {
            i += 1;
        }
        let name_span = Span::new(name_start, i);
        let name = &src[name_start..i];
        let line_span = Span::new(start, trim_end(src, start, end));
        if name.is_empty() || name.as_bytes()[0].is_ascii_digit() {
            problems.push(Problem {
                message: "not a `KEY=VALUE` line: a variable name starts with a letter or `_`"
                    .into(),
                span: line_span,
            });
            pos = next;
            continue;
        }
        skip_blank(&mut i, end);
        if i >= end || bytes[i] == b'#' {
            // `KEY` alone.
            file.entries.push(Entry {
                name: name.to_string(),
                name_span,
                value: None,
                value_span: None,
                quote: None,
                span: Span::new(start, name_span.end),
                exported,
            });
            pos = next;
            continue;
        }
        if bytes[i] != b'=' {
            problems.push(Problem {
                message: format!("not a `KEY=VALUE` line: expected `=` after `{name}`"),
                span: line_span,
            });
            pos = next;
            continue;
        }
        i += 1;
        while i < end && matches!(bytes[i], b' ' | b'\t') {
            i += 1;
        }
        let (value, value_span, quote, entry_end) = match bytes.get(i) {
            Some(&q @ (b'"' | b'\'')) if i < end => {
                let body = i + 1;
                match closing_quote(bytes, body, q) {
                    Some(close) => {
                        let raw = &src[body..close];
                        let value = if q == b'"' {
                            unescape(raw)
                        } else {
                            raw.replace("\r\n", "\n")
                        };
                        // Whatever follows the closing quote on its line is a comment.
                        next = line_end(src, close) + 1;
                        (value, Span::new(body, close), Some(q as char), close + 1)
                    }
                    None => {
                        problems.push(Problem {
                            message: format!(
                                "the value of `{name}` opens a {} quote that is never closed",
                                if q == b'"' { "double" } else { "single" }
                            ),
                            span: Span::new(i, trim_end(src, i, end)),
                        });
                        let e = trim_end(src, body, end);
                        (src[body..e].to_string(), Span::new(body, e), None, e)
                    }
                }
            }
            _ => {
                // Unquoted: up to a ` #` comment, trailing blanks trimmed.
                let mut e = i;
                while e < end {
                    if bytes[e] == b'#' && e > i && matches!(bytes[e - 1], b' ' | b'\t') {
                        break;
                    }
                    e += 1;
                }
                let e = trim_end(src, i, e);
                (src[i..e].to_string(), Span::new(i, e), None, e)
            }
        };
        file.entries.push(Entry {
            name: name.to_string(),
            name_span,
            value: Some(value),
            value_span: Some(value_span),
            quote,
            span: Span::new(start, entry_end.max(name_span.end)),
            exported,
        });
        pos = next;
    }
    (file, problems)
}

/// `end` moved back over blanks (and a CR), not before `start`.
fn trim_end(src: &str, start: usize, mut end: usize) -> usize {
    let b = src.as_bytes();
    while end > start && matches!(b[end - 1], b' ' | b'\t' | b'\r') {
        end -= 1;
    }
    end
}

/// Index of the quote that closes a value opened by `q` whose body starts at `from`.
fn closing_quote(bytes: &[u8], from: usize, q: u8) -> Option<usize> {
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if q == b'"' => i += 2,
            b if b == q => return Some(i),
            _ => i += 1,
        }
    }
    None
}

fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(c @ ('\\' | '"' | '$' | '\'')) => out.push(c),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out.replace("\r\n", "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(src: &str, s: Span) -> &str {
        &src[s.start..s.end]
    }

    fn one(src: &str) -> Entry {
        let (f, p) = parse(src);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(f.entries.len(), 1, "{f:?}");
        f.entries[0].clone()
    }

    #[test]
    fn plain_quoted_and_commented() {
        let src = "# comment\nA=1\n\n  export B = two words # note\nC=\"x\\ny \\\"q\\\" \\$HOME\" # c\nD='lit $X \\n'\nE=\nF\nG=a#b\n";
        let (f, p) = parse(src);
        assert!(p.is_empty(), "{p:?}");
        let got: Vec<(&str, Option<&str>)> = f
            .entries
            .iter()
            .map(|e| (e.name.as_str(), e.value.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("A", Some("1")),
                ("B", Some("two words")),
                ("C", Some("x\ny \"q\" $HOME")),
                ("D", Some("lit $X \\n")),
                ("E", Some("")),
                ("F", None),
                ("G", Some("a#b")),
            ]
        );
        let b = &f.entries[1];
        assert!(b.exported);
        assert_eq!(at(src, b.span), "export B = two words");
        assert_eq!(at(src, b.name_span), "B");
        let c = &f.entries[2];
        assert_eq!(c.quote, Some('"'));
        assert_eq!(at(src, c.value_span.unwrap()), "x\\ny \\\"q\\\" \\$HOME");
        assert_eq!(at(src, f.entries[4].value_span.unwrap()), "");
        assert_eq!(f.get("A").unwrap().value.as_deref(), Some("1"));
    }

    #[test]
    fn crlf_multiline_and_last_wins() {
        let src = "A=1\r\nB=\"line1\r\nline2\" # x\r\nA=2\r\n";
        let (f, p) = parse(src);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(f.entries[0].value.as_deref(), Some("1"));
        assert_eq!(at(src, f.entries[0].span), "A=1");
        assert_eq!(f.entries[1].value.as_deref(), Some("line1\nline2"));
        assert_eq!(f.get("A").unwrap().value.as_deref(), Some("2"));
        assert_eq!(one("OLLAMA_HOST=0.0.0.0").value.as_deref(), Some("0.0.0.0"));
    }

    #[test]
    fn problems_do_not_stop_the_file() {
        let src = "not a line\n=x\nA='open\nB=2\n1X=3\n";
        let (f, p) = parse(src);
        assert_eq!(p.len(), 4, "{p:?}");
        assert_eq!(at(src, p[0].span), "not a line");
        let names: Vec<&str> = f.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["A", "B"]);
        assert_eq!(f.entries[0].value.as_deref(), Some("open"));
    }

    /// A small deterministic generator: no dependency, same cases every run.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn random_mutations_never_panic_and_spans_stay_inside() {
        let seeds = [
            "export OLLAMA_HOST=\"0.0.0.0:11434\" # x\nA='b'\r\nC=d #e\n",
            "K=\"a\\\"b\nc\"\nL='x\ny'\n",
        ];
        let pieces = [
            "\"", "'", "\\", "=", "#", " ", "\n", "\r", "export ", "é", "€", "A", "\t", "$",
        ];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for seed in seeds {
            for _ in 0..3000 {
                let mut s = seed.to_string();
                for _ in 0..(rng.next() % 6 + 1) {
                    let mut at = (rng.next() as usize) % (s.len() + 1);
                    while !s.is_char_boundary(at) {
                        at -= 1;
                    }
                    if rng.next().is_multiple_of(3) && at < s.len() {
                        let mut e = at + 1;
                        while !s.is_char_boundary(e) {
                            e += 1;
                        }
                        s.replace_range(at..e, "");
                    } else {
                        s.insert_str(at, pieces[(rng.next() as usize) % pieces.len()]);
                    }
                }
                let (f, p) = parse(&s);
                let ok = |sp: Span| sp.start <= sp.end && s.get(sp.start..sp.end).is_some();
                for e in &f.entries {
                    assert!(ok(e.span) && ok(e.name_span), "{s:?}");
                    assert!(e.value_span.is_none_or(ok), "{s:?}");
                }
                assert!(p.iter().all(|p| ok(p.span)), "{s:?}");
            }
        }
    }
}
