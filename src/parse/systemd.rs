//! systemd unit files and drop-ins (`*.service`, `*.service.d/*.conf`): sections, `Key=Value`
//! entries with line continuations (a trailing `\` joins the next line; comment lines inside
//! a continuation are skipped, as systemd does), and the assignments of `Environment=` (several
//! per line, each optionally quoted, C escapes). Every value keeps a map back to the source,
//! so a span inside a joined value points at the right bytes. Never panics.

use super::Problem;
use crate::source::Span;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unit {
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    /// The `[Name]` header.
    pub span: Span,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    /// The value with continuations joined (each `\` + newline becomes a space), trimmed.
    pub value: String,
    /// From the key to the end of the value's last line.
    pub span: Span,
    /// `(offset in value, offset in source)` at the start of each joined piece.
    pieces: Vec<(usize, usize)>,
}

impl Entry {
    /// The source span of `value[range]`.
    pub fn span_of(&self, range: std::ops::Range<usize>) -> Span {
        let start = self.source_offset(range.start);
        Span::new(start, self.source_offset(range.end).max(start))
    }

    fn source_offset(&self, at: usize) -> usize {
        let piece = self
            .pieces
            .iter()
            .rev()
            .find(|(v, _)| *v <= at)
            .or(self.pieces.first());
        match piece {
            Some((v, s)) => s + at.saturating_sub(*v),
            None => self.key_span.end,
        }
    }

    pub fn value_span(&self) -> Span {
        self.span_of(0..self.value.len())
    }
}

/// One `NAME=value` of an `Environment=` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub name: String,
    pub name_span: Span,
    pub value: String,
    pub value_span: Span,
    /// The whole word, quotes included.
    pub span: Span,
}

impl Unit {
    /// Entries of `key` in sections named `section`, in order.
    pub fn entries<'a>(
        &'a self,
        section: &'a str,
        key: &'a str,
    ) -> impl Iterator<Item = &'a Entry> {
        self.sections
            .iter()
            .filter(move |s| s.name == section)
            .flat_map(|s| s.entries.iter())
            .filter(move |e| e.key == key)
    }
}

pub fn parse(src: &str) -> (Unit, Vec<Problem>) {
    let mut unit = Unit::default();
    let mut problems = Vec::new();
    // Logical lines: (text joined, pieces, span of the whole logical line).
    let mut pos = 0;
    let mut current: Option<usize> = None;
    while pos < src.len() {
        let (line, line_start, next) = physical_line(src, pos);
        pos = next;
        let lead = line.len() - line.trim_start().len();
        let text = line.trim();
        if text.is_empty() || text.starts_with('#') || text.starts_with(';') {
            continue;
        }
        let start = line_start + lead;
        if text.starts_with('[') {
            let span = Span::new(start, start + text.len());
            match text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
                Some(name) if !name.is_empty() => {
                    unit.sections.push(Section {
                        name: name.to_string(),
                        span,
                        entries: Vec::new(),
                    });
                    current = Some(unit.sections.len() - 1);
                }
                _ => problems.push(Problem {
                    message: "a section header is `[Name]`".into(),
                    span,
                }),
            }
            continue;
        }
        // Join continuation lines.
        let mut value = String::new();
        let mut pieces = Vec::new();
        let mut end = start + text.len();
        let Some(eq) = text.find('=') else {
            problems.push(Problem {
                message: "not a `Key=Value` line".into(),
                span: Span::new(start, end),
            });
            continue;
        };
        let key = text[..eq].trim_end();
        let key_span = Span::new(start, start + key.len());
        let after = &text[eq + 1..];
        let vlead = after.len() - after.trim_start().len();
        let mut piece_text = after.trim_start();
        let mut piece_src = start + eq + 1 + vlead;
        loop {
            let continued = piece_text.ends_with('\\');
            let body = if continued {
                &piece_text[..piece_text.len() - 1]
            } else {
                piece_text
            };
            pieces.push((value.len(), piece_src));
            value.push_str(body);
            if !continued || pos >= src.len() {
                break;
            }
            value.push(' ');
            // The next non-comment line continues this one.
            let mut found = false;
            while pos < src.len() {
                let (l, ls, n) = physical_line(src, pos);
                pos = n;
                let t = l.trim_start();
                if t.starts_with('#') || t.starts_with(';') {
                    continue;
                }
                let t = t.trim_end();
                piece_src = ls + (l.len() - l.trim_start().len());
                piece_text = t;
                end = piece_src + t.len();
                found = true;
                break;
            }
            if !found {
                break;
            }
        }
        // Trailing blanks left by a continuation are not part of the value.
        let trimmed = value.trim_end().len();
        value.truncate(trimmed);
        if key.is_empty() {
            problems.push(Problem {
                message: "an entry needs a key before `=`".into(),
                span: Span::new(start, end),
            });
            continue;
        }
        let entry = Entry {
            key: key.to_string(),
            key_span,
            value,
            span: Span::new(start, end),
            pieces,
        };
        match current {
            Some(i) => unit.sections[i].entries.push(entry),
            None => problems.push(Problem {
                message: format!("`{}` comes before any `[Section]` header", entry.key),
                span: entry.span,
            }),
        }
    }
    (unit, problems)
}

/// The line at `pos` without its line end (CR included), its start, and the next line's start.
fn physical_line(src: &str, pos: usize) -> (&str, usize, usize) {
    let end = src[pos..].find('\n').map_or(src.len(), |i| pos + i);
    let line = src[pos..end].strip_suffix('\r').unwrap_or(&src[pos..end]);
    (line, pos, end + 1)
}

/// The assignments of an `Environment=` entry, split as systemd does: whitespace separates
/// words, `"…"` and `'…'` quote parts of a word, backslash escapes. Words without `=` are
/// ignored (systemd logs and skips them).
pub fn environment(entry: &Entry) -> Vec<Assignment> {
    let v = &entry.value;
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = v.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && chars[i].1.is_whitespace() {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        let word_start = chars[i].0;
        // Decoded text, with the raw offset of each decoded char.
        let mut text = String::new();
        let mut raw: Vec<(usize, usize)> = Vec::new();
        let mut quote: Option<char> = None;
        while i < chars.len() {
            let (off, c) = chars[i];
            match (quote, c) {
                (None, c) if c.is_whitespace() => break,
                (None, '"' | '\'') => {
                    quote = Some(c);
                    i += 1;
                    continue;
                }
                (Some(q), c) if c == q => {
                    quote = None;
                    i += 1;
                    continue;
                }
                (_, '\\') if i + 1 < chars.len() => {
                    let (_, n) = chars[i + 1];
                    let decoded = match n {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        other => other,
                    };
                    let end = chars.get(i + 2).map_or(v.len(), |c| c.0);
                    raw.push((off, end));
                    text.push(decoded);
                    i += 2;
                    continue;
                }
                _ => {}
            }
            let end = chars.get(i + 1).map_or(v.len(), |c| c.0);
            raw.push((off, end));
            text.push(c);
            i += 1;
        }
        let word_end = chars.get(i).map_or(v.len(), |c| c.0);
        let word_span = entry.span_of(word_start..word_end);
        let Some(eq) = text.find('=') else { continue };
        let name = &text[..eq];
        let valid = !name.is_empty()
            && !name.as_bytes()[0].is_ascii_digit()
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid {
            continue;
        }
        // Map decoded byte offsets to raw ranges through the per-char table.
        let char_index = |byte: usize| text[..byte].chars().count();
        let eq_char = char_index(eq);
        let name_span = match (raw.first(), raw.get(eq_char.saturating_sub(1))) {
            (Some(f), Some(l)) if eq_char > 0 => entry.span_of(f.0..l.1),
            _ => word_span,
        };
        let value_span = if eq_char + 1 < raw.len() {
            entry.span_of(raw[eq_char + 1].0..raw[raw.len() - 1].1)
        } else {
            // Empty value: just after the `=`.
            let at = raw.get(eq_char).map_or(word_end, |r| r.1);
            entry.span_of(at..at)
        };
        out.push(Assignment {
            name: name.to_string(),
            name_span,
            value: text[eq + 1..].to_string(),
            value_span,
            span: word_span,
        });
    }
    out
}

/// `EnvironmentFile=` paths, with whether a leading `-` makes them optional.
pub fn environment_files(unit: &Unit) -> Vec<(String, bool, Span)> {
    unit.entries("Service", "EnvironmentFile")
        .filter(|e| !e.value.is_empty())
        .map(|e| {
            let optional = e.value.starts_with('-');
            (
                e.value.trim_start_matches('-').to_string(),
                optional,
                e.value_span(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(src: &str, s: Span) -> &str {
        &src[s.start..s.end]
    }

    #[test]
    fn sections_entries_and_environment() {
        let src = "# ollama\n[Unit]\nDescription=Ollama\n\n[Service]\nUser = ollama\nEnvironment=\"OLLAMA_HOST=0.0.0.0:11434\" OLLAMA_ORIGINS=* 'PATH=/a b'\nEnvironment=A=1\\ x\n";
        let (u, p) = parse(src);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(u.sections.len(), 2);
        let user = u.entries("Service", "User").next().unwrap();
        assert_eq!(user.value, "ollama");
        assert_eq!(at(src, user.value_span()), "ollama");
        let envs: Vec<&Entry> = u.entries("Service", "Environment").collect();
        let a = environment(envs[0]);
        let got: Vec<(&str, &str, &str, &str)> = a
            .iter()
            .map(|x| {
                (
                    x.name.as_str(),
                    x.value.as_str(),
                    at(src, x.name_span),
                    at(src, x.value_span),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "OLLAMA_HOST",
                    "0.0.0.0:11434",
                    "OLLAMA_HOST",
                    "0.0.0.0:11434"
                ),
                ("OLLAMA_ORIGINS", "*", "OLLAMA_ORIGINS", "*"),
                ("PATH", "/a b", "PATH", "/a b"),
            ]
        );
        assert_eq!(at(src, a[0].span), "\"OLLAMA_HOST=0.0.0.0:11434\"");
        // `\ ` escapes the space: one word.
        let b = environment(envs[1]);
        assert_eq!(b[0].value, "1 x");
    }

    #[test]
    fn continuations_keep_source_spans() {
        let src = "[Service]\nEnvironment=A=1 \\\n  # skipped\n  OLLAMA_HOST=0.0.0.0\r\nExecStart=/usr/bin/ollama serve\n";
        let (u, p) = parse(src);
        assert!(p.is_empty(), "{p:?}");
        let e = u.entries("Service", "Environment").next().unwrap();
        let a = environment(e);
        assert_eq!(a.len(), 2);
        assert_eq!(at(src, a[1].span), "OLLAMA_HOST=0.0.0.0");
        assert_eq!(at(src, a[1].value_span), "0.0.0.0");
        assert_eq!(
            u.entries("Service", "ExecStart").next().unwrap().value,
            "/usr/bin/ollama serve"
        );
    }

    #[test]
    fn problems_and_environment_files() {
        let src =
            "Orphan=1\n[Service\n[Service]\nnonsense\nEnvironmentFile=-/etc/default/ollama\n=x\n";
        let (u, p) = parse(src);
        assert_eq!(p.len(), 4, "{p:?}");
        let f = environment_files(&u);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, "/etc/default/ollama");
        assert!(f[0].1);
    }

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
        let seed = "[Service]\nEnvironment=\"A=1 2\" B='x' \\\n  C=\\\"d\nEnvironmentFile=-/e\n";
        let pieces = [
            "\"", "'", "\\", "=", "#", ";", " ", "\n", "\r", "[", "]", "é", "€", "\t",
        ];
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        for _ in 0..5000 {
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
            let (u, p) = parse(&s);
            let ok = |sp: Span| sp.start <= sp.end && s.get(sp.start..sp.end).is_some();
            assert!(p.iter().all(|p| ok(p.span)), "{s:?}");
            for sec in &u.sections {
                for e in &sec.entries {
                    assert!(ok(e.span) && ok(e.key_span) && ok(e.value_span()), "{s:?}");
                    for a in environment(e) {
                        assert!(ok(a.span) && ok(a.name_span) && ok(a.value_span), "{s:?}");
                    }
                }
            }
            let _ = environment_files(&u);
        }
    }
}
