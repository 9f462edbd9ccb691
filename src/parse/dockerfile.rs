//! Dockerfile lexer keeping exact byte spans.
//!
//! Hand-written: the `dockerfile-parser` crate is deprecated and disagrees with BuildKit (no
//! heredocs, no `# escape=` directive, no spans inside continuation lines), so we follow
//! BuildKit's own parser instead: parser directives at the very top, line continuations with
//! the escape character (trailing blanks after it tolerated), comment and blank lines inside
//! continuations dropped, heredocs, JSON (exec) form with fallback to shell form, leading
//! `--flags`, `ONBUILD`. Nothing is expanded or executed: `$VAR` stays as written.
//!
//! Lines end at `\n`, `\r\n` or a lone `\r`, as `crate::source` counts them (BuildKit splits at
//! `\n` only; a lone `\r` between instructions never builds there anyway).
//!
//! Robustness: no recursion (an `ONBUILD` trigger is lexed one level deep, no more), every
//! pass is linear in the input, and text is only sliced at ASCII bytes or char boundaries.

use crate::source::Span;
use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// `\` unless a `# escape=` directive says `` ` ``.
    pub escape: char,
    /// The `# syntax=` directive's value and its span.
    pub syntax: Option<(String, Span)>,
    /// All parser directives (`syntax`, `escape`, `check`) in order. Not in `comments`.
    pub directives: Vec<Directive>,
    pub instructions: Vec<Instruction>,
    /// Comment lines, from `#` to the end of the line (continuation comments included).
    pub comments: Vec<Span>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Lower-cased: `syntax`, `escape` or `check`.
    pub name: String,
    pub value: String,
    /// The whole directive line (from `#`).
    pub span: Span,
    pub value_span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Upper-cased: `RUN` (lower-case input accepted).
    pub keyword: String,
    pub keyword_span: Span,
    /// Keyword through the end of the last continuation line, or through the last heredoc's
    /// terminator line; no trailing newline.
    pub span: Span,
    /// Leading `--name[=value]` flags, quotes removed from the value.
    pub flags: Vec<Flag>,
    pub form: Form,
    /// Shell form: words split on unquoted whitespace, quotes and escapes removed in `text`,
    /// `span` on the word as written. Exec form: the decoded JSON strings, `span` on the
    /// literal including its quotes. `HEALTHCHECK`: the first word (`CMD`/`NONE`), then the
    /// command's words or JSON strings (`form` tells which).
    pub args: Vec<Word>,
    /// The argument text after the flags, continuations joined (escape + newline removed,
    /// comment and blank lines inside the continuation dropped), trimmed, mapped to source.
    pub text: LogicalText,
    pub heredocs: Vec<Heredoc>,
    /// `ONBUILD`'s trigger instruction (its `span` covers the trigger text; no heredocs).
    pub onbuild: Option<Box<Instruction>>,
    /// The file's escape character, for re-reading words of `text`.
    pub escape: char,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// Without the leading `--`: `mount`, `from`, `platform`.
    pub name: String,
    /// `None` for a bare `--link`.
    pub value: Option<String>,
    /// The flag as written, `--` included.
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Shell,
    Exec,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Word {
    pub text: String,
    pub span: Span,
    /// Byte range of the word as written inside its instruction's `text.text`.
    pub logical: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The terminator word, quotes removed.
    pub delimiter: String,
    /// The body exactly as in the source (`src[body_span]`): line terminators kept, leading
    /// tabs *not* stripped for `<<-` (see `strip_tabs`).
    pub body: String,
    /// From the start of the line after the instruction (or the previous heredoc) to the start
    /// of the terminator line.
    pub body_span: Span,
    /// `<<"EOF"` / `<<'EOF'`: the body is not expanded.
    pub quoted: bool,
    /// `<<-EOF`: leading tabs are stripped from body lines and the terminator.
    pub strip_tabs: bool,
    /// The `<<EOF` word on the instruction line.
    pub marker_span: Span,
}

/// Text assembled from pieces of source lines, with a map back to source offsets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogicalText {
    pub text: String,
    /// (logical start, source start) of each non-empty contiguous piece, in order.
    segs: Vec<(usize, usize)>,
    /// Where an empty text sits in the source.
    anchor: usize,
}

impl LogicalText {
    fn push(&mut self, src: &str, start: usize, end: usize) {
        if start >= end {
            return;
        }
        if self.segs.is_empty() && self.text.is_empty() {
            self.anchor = start;
        }
        self.segs.push((self.text.len(), start));
        self.text.push_str(&src[start..end]);
    }

    /// Source offset of the character at logical `p` (or of the end, for `p == len`).
    fn map_start(&self, p: usize) -> usize {
        if self.segs.is_empty() {
            return self.anchor;
        }
        let k = self.segs.partition_point(|s| s.0 <= p).max(1) - 1;
        let (l, s) = self.segs[k];
        s + (p - l)
    }

    /// Source offset just after the character before logical `p` (`p > 0`).
    fn map_end(&self, p: usize) -> usize {
        if self.segs.is_empty() {
            return self.anchor;
        }
        let k = self.segs.partition_point(|s| s.0 < p).max(1) - 1;
        let (l, s) = self.segs[k];
        s + p.saturating_sub(l)
    }

    fn clamp(&self, r: Range<usize>) -> Range<usize> {
        let len = self.text.len();
        let mut s = r.start.min(len);
        while !self.text.is_char_boundary(s) {
            s -= 1;
        }
        let mut e = r.end.clamp(s, len);
        while !self.text.is_char_boundary(e) {
            e += 1;
        }
        s..e
    }

    /// Source span covering a logical byte range (it may cross continuation lines, and then
    /// covers the escape characters and line breaks between them too).
    pub fn span_of(&self, logical: Range<usize>) -> Span {
        let r = self.clamp(logical);
        let start = self.map_start(r.start);
        if r.is_empty() {
            return Span::new(start, start);
        }
        let end = self.map_end(r.end);
        Span::new(start, end.max(start))
    }

    /// Source span of the whole text.
    pub fn span(&self) -> Span {
        self.span_of(0..self.text.len())
    }

    /// The logical sub-text `r`, still mapped to the source.
    pub fn slice(&self, r: Range<usize>) -> LogicalText {
        let r = self.clamp(r);
        let mut out = LogicalText {
            text: self.text[r.clone()].to_string(),
            segs: Vec::new(),
            anchor: self.map_start(r.start),
        };
        if r.is_empty() {
            return out;
        }
        let first = self.segs.partition_point(|s| s.0 <= r.start).max(1) - 1;
        for &(l, s) in self.segs.iter().skip(first) {
            if l >= r.end {
                break;
            }
            let from = l.max(r.start);
            out.segs.push((from - r.start, s + (from - l)));
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    pub span: Span,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

fn err<T>(message: impl Into<String>, span: Span) -> Result<T, ParseError> {
    Err(ParseError {
        message: message.into(),
        span,
    })
}

/// One build stage: a `FROM` and the instructions up to the next `FROM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// Index of the `FROM` in `Dockerfile::instructions`.
    pub index: usize,
    /// The image or earlier stage name, as written (variables not substituted).
    pub base: Word,
    /// `AS name`.
    pub name: Option<Word>,
    pub platform: Option<Flag>,
    /// Instruction indices of the stage, its `FROM` included.
    pub instructions: Range<usize>,
}

/// An `ARG` declaration: `ARG NAME` or `ARG NAME=default` (one per word).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgDecl {
    pub name: String,
    pub name_span: Span,
    /// Quotes removed; `Some("")` for `ARG NAME=`.
    pub default: Option<String>,
    /// Inside the quotes when the default is quoted.
    pub default_span: Option<Span>,
    /// The whole `NAME=default` word.
    pub span: Span,
}

/// An `ENV` or `LABEL` pair, from `KEY=value` words or the legacy `ENV KEY value` form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    pub key: String,
    pub key_span: Span,
    /// Quotes and escapes removed, variables kept.
    pub value: String,
    /// Inside the quotes when the value is one quoted string.
    pub value_span: Span,
    pub span: Span,
}

impl Dockerfile {
    pub fn stages(&self) -> Vec<Stage> {
        let froms: Vec<usize> = (0..self.instructions.len())
            .filter(|&i| self.instructions[i].keyword == "FROM")
            .collect();
        let mut out = Vec::with_capacity(froms.len());
        for (n, &i) in froms.iter().enumerate() {
            let ins = &self.instructions[i];
            let end = froms.get(n + 1).copied().unwrap_or(self.instructions.len());
            let base = ins.args.first().cloned().unwrap_or_else(|| Word {
                text: String::new(),
                span: ins.text.span_of(0..0),
                logical: 0..0,
            });
            let name = match ins.args.get(1) {
                Some(w) if w.text.eq_ignore_ascii_case("as") => ins.args.get(2).cloned(),
                _ => None,
            };
            out.push(Stage {
                index: i,
                base,
                name,
                platform: ins.flag("platform").cloned(),
                instructions: i..end,
            });
        }
        out
    }

    /// `ARG`s before the first `FROM` (the only ones a `FROM` line can use), in order.
    pub fn global_args(&self) -> Vec<ArgDecl> {
        self.instructions
            .iter()
            .take_while(|i| i.keyword != "FROM")
            .filter(|i| i.keyword == "ARG")
            .flat_map(|i| i.arg_decls())
            .collect()
    }
}

impl Instruction {
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The word as written in `text`.
    pub fn raw(&self, w: &Word) -> &str {
        self.text.text.get(w.logical.clone()).unwrap_or("")
    }

    /// Span of a word's content: inside the quotes when the whole word is one quoted string.
    pub fn content_span(&self, w: &Word) -> Span {
        if self.form == Form::Exec {
            // A JSON literal: inside its quotes.
            let r = w.logical.clone();
            return self
                .text
                .span_of(r.start + 1..r.end.saturating_sub(1).max(r.start + 1));
        }
        let r = unquoted_range(&self.text.text, w.logical.clone(), self.escape);
        self.text.span_of(r)
    }

    /// `ARG a=1 b` declarations (empty for other instructions).
    pub fn arg_decls(&self) -> Vec<ArgDecl> {
        if self.keyword != "ARG" {
            return Vec::new();
        }
        let (t, esc) = (&self.text.text, self.escape);
        self.args
            .iter()
            .map(|w| {
                let raw = w.logical.clone();
                match find_unquoted_eq(t, raw.clone(), esc) {
                    Some(eq) => {
                        let vr = unquoted_range(t, eq + 1..raw.end, esc);
                        ArgDecl {
                            name: unquote(&t[raw.start..eq], esc),
                            name_span: self.text.span_of(raw.start..eq),
                            default: Some(unquote(&t[eq + 1..raw.end], esc)),
                            default_span: Some(self.text.span_of(vr)),
                            span: w.span,
                        }
                    }
                    None => ArgDecl {
                        name: w.text.clone(),
                        name_span: w.span,
                        default: None,
                        default_span: None,
                        span: w.span,
                    },
                }
            })
            .collect()
    }

    /// `ENV`/`LABEL` pairs: `KEY=value ...`, or the legacy `KEY value with spaces`. Words
    /// without `=` in the new form (an error for Docker) are skipped.
    pub fn key_values(&self) -> Vec<KeyValue> {
        if !matches!(self.keyword.as_str(), "ENV" | "LABEL") {
            return Vec::new();
        }
        let (t, esc) = (&self.text.text, self.escape);
        let Some(first) = self.args.first() else {
            return Vec::new();
        };
        if !t[first.logical.clone()].contains('=') {
            // Legacy: the key, then the rest of the line is the value.
            let rest = first.logical.end;
            let vstart = rest + (t.len() - rest - t[rest..].trim_start().len());
            let vr = unquoted_range(t, vstart..t.len(), esc);
            return vec![KeyValue {
                key: first.text.clone(),
                key_span: first.span,
                value: unquote(&t[vstart..], esc),
                value_span: self.text.span_of(vr),
                span: self.text.span(),
            }];
        }
        let mut out = Vec::new();
        for w in &self.args {
            let raw = w.logical.clone();
            let Some(eq) = find_unquoted_eq(t, raw.clone(), esc) else {
                continue;
            };
            let vr = unquoted_range(t, eq + 1..raw.end, esc);
            out.push(KeyValue {
                key: unquote(&t[raw.start..eq], esc),
                key_span: self.text.span_of(raw.start..eq),
                value: unquote(&t[eq + 1..raw.end], esc),
                value_span: self.text.span_of(vr),
                span: w.span,
            });
        }
        out
    }
}

const KEYWORDS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// One physical line: content `start..end`, without its terminator.
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
}

struct Lines<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Iterator for Lines<'_> {
    type Item = Line;
    fn next(&mut self) -> Option<Line> {
        let b = self.bytes;
        if self.pos >= b.len() {
            return None;
        }
        let start = self.pos;
        let mut i = start;
        while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
            i += 1;
        }
        self.pos = if i < b.len() && b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
            i + 2
        } else {
            (i + 1).min(b.len())
        };
        Some(Line { start, end: i })
    }
}

/// Strip a trailing escape character (and blanks after it). Returns the new end and whether
/// the line continues.
fn strip_continuation(bytes: &[u8], start: usize, end: usize, escape: u8) -> (usize, bool) {
    let mut e = end;
    while e > start && matches!(bytes[e - 1], b' ' | b'\t') {
        e -= 1;
    }
    if e > start && bytes[e - 1] == escape {
        (e - 1, true)
    } else {
        (end, false)
    }
}

fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// `#\s*name\s*=\s*value\s*` (BuildKit's directive pattern). Ranges are into `body`.
fn match_directive(body: &str) -> Option<(Range<usize>, Range<usize>)> {
    let b = body.as_bytes();
    let ws = |c: u8| matches!(c, b' ' | b'\t' | b'\x0c' | b'\r' | b'\n');
    if b.first() != Some(&b'#') {
        return None;
    }
    let mut i = 1;
    while i < b.len() && ws(b[i]) {
        i += 1;
    }
    let ns = i;
    if i >= b.len() || !b[i].is_ascii_alphabetic() {
        return None;
    }
    while i < b.len() && b[i].is_ascii_alphanumeric() {
        i += 1;
    }
    let ne = i;
    while i < b.len() && ws(b[i]) {
        i += 1;
    }
    if b.get(i) != Some(&b'=') {
        return None;
    }
    i += 1;
    while i < b.len() && ws(b[i]) {
        i += 1;
    }
    let mut e = b.len();
    while e > i && ws(b[e - 1]) {
        e -= 1;
    }
    if e <= i {
        return None;
    }
    Some((ns..ne, i..e))
}

pub fn parse(src: &str) -> Result<Dockerfile, ParseError> {
    let bytes = src.as_bytes();
    let mut lines = Lines { bytes, pos: 0 };
    let mut df = Dockerfile {
        escape: '\\',
        syntax: None,
        directives: Vec::new(),
        instructions: Vec::new(),
        comments: Vec::new(),
    };
    let mut escape = b'\\';
    let mut in_directives = true;

    while let Some(line) = lines.next() {
        let content = &src[line.start..line.end];
        let body_start = line.end - content.trim_start().len();
        let body = &src[body_start..line.end];

        if in_directives {
            match match_directive(body) {
                Some((n, v)) => {
                    let name = body[n].to_ascii_lowercase();
                    if matches!(name.as_str(), "syntax" | "escape" | "check") {
                        let value = body[v.clone()].to_string();
                        let value_span = Span::new(body_start + v.start, body_start + v.end);
                        if df.directives.iter().any(|d| d.name == name) {
                            return err(
                                format!("only one {name} parser directive can be used"),
                                Span::new(body_start, line.end),
                            );
                        }
                        match name.as_str() {
                            "escape" => match value.as_str() {
                                "\\" => escape = b'\\',
                                "`" => escape = b'`',
                                _ => {
                                    return err(
                                        format!(
                                            "invalid escape token '{value}' does not match ` or \\"
                                        ),
                                        value_span,
                                    )
                                }
                            },
                            "syntax" => df.syntax = Some((value.clone(), value_span)),
                            _ => {}
                        }
                        df.directives.push(Directive {
                            name,
                            value,
                            span: Span::new(body_start, line.end),
                            value_span,
                        });
                        continue;
                    }
                    in_directives = false;
                }
                None => in_directives = false,
            }
        }

        if body.is_empty() {
            continue;
        }
        if body.starts_with('#') {
            df.comments.push(Span::new(body_start, line.end));
            continue;
        }

        // An instruction: gather its continuation lines.
        let mut logical = LogicalText {
            anchor: body_start,
            ..LogicalText::default()
        };
        let (seg_end, mut cont) = strip_continuation(bytes, body_start, line.end, escape);
        logical.push(src, body_start, seg_end);
        let mut last_end = line.end;
        while cont {
            let Some(l) = lines.next() else { break };
            let c = &src[l.start..l.end];
            let t = c.trim_start();
            if t.is_empty() {
                continue;
            }
            if t.starts_with('#') {
                df.comments.push(Span::new(l.end - t.len(), l.end));
                continue;
            }
            let (e, more) = strip_continuation(bytes, l.start, l.end, escape);
            logical.push(src, l.start, e);
            last_end = l.end;
            cont = more;
        }
        if logical.text.trim().is_empty() {
            continue;
        }

        let mut ins = lex_instruction(&logical, escape as char, true)?;
        ins.span = Span::new(ins.keyword_span.start, last_end.max(ins.keyword_span.end));

        // Heredocs: bodies follow the instruction's last line, one after another.
        if matches!(ins.keyword.as_str(), "RUN" | "COPY" | "ADD")
            && ins.form == Form::Shell
            && logical.text.contains("<<")
        {
            for (marker, delimiter, quoted, strip_tabs) in heredoc_markers(&logical.text) {
                let marker_span = logical.span_of(marker);
                let body_start = lines.pos;
                let mut found = None;
                for l in lines.by_ref() {
                    let c = &src[l.start..l.end];
                    let c = if strip_tabs {
                        c.trim_start_matches('\t')
                    } else {
                        c
                    };
                    if c == delimiter {
                        found = Some(l);
                        break;
                    }
                }
                let Some(term) = found else {
                    return err("unterminated heredoc", marker_span);
                };
                ins.heredocs.push(Heredoc {
                    delimiter,
                    body: src[body_start..term.start].to_string(),
                    body_span: Span::new(body_start, term.start),
                    quoted,
                    strip_tabs,
                    marker_span,
                });
                ins.span.end = term.end;
            }
        }
        df.instructions.push(ins);
    }

    df.escape = escape as char;
    if df.instructions.is_empty() {
        return err("file with no instructions", Span::new(0, 0));
    }
    Ok(df)
}

/// Keyword, flags, form, arguments and the ONBUILD trigger of one logical line. `span` is set
/// to the trimmed logical line (callers extend it over heredocs).
fn lex_instruction(full: &LogicalText, escape: char, top: bool) -> Result<Instruction, ParseError> {
    let t = full.text.as_str();
    let b = t.as_bytes();
    let kstart = t.len() - t.trim_start().len();
    let tend = t.trim_end().len().max(kstart);
    let kend = t[kstart..tend]
        .find(['\t', '\x0b', '\x0c', '\r', ' '])
        .map_or(tend, |i| kstart + i);
    let keyword = t[kstart..kend].to_ascii_uppercase();
    let keyword_span = full.span_of(kstart..kend);
    let span = full.span_of(kstart..tend);
    if !KEYWORDS.contains(&keyword.as_str()) {
        // Keep the message short when the "keyword" is a long run of garbage.
        let mut shown = keyword.as_str();
        if shown.len() > 64 {
            let mut cut = 64;
            while !shown.is_char_boundary(cut) {
                cut -= 1;
            }
            shown = &shown[..cut];
        }
        let more = if shown.len() < keyword.len() {
            "…"
        } else {
            ""
        };
        return err(format!("unknown instruction: {shown}{more}"), keyword_span);
    }
    if !top && matches!(keyword.as_str(), "ONBUILD" | "FROM" | "MAINTAINER") {
        let message = if keyword == "ONBUILD" {
            "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".to_string()
        } else {
            format!("{keyword} isn't allowed as an ONBUILD trigger")
        };
        return err(message, keyword_span);
    }
    let mut rest = kend;
    while rest < tend && matches!(b[rest], b'\t' | b'\x0b' | b'\x0c' | b'\r' | b' ') {
        rest += 1;
    }
    let (raw_flags, args_from) = extract_flags(t, rest, tend);
    let flags: Vec<Flag> = raw_flags
        .into_iter()
        .map(|(word, r)| {
            let body = word.strip_prefix("--").unwrap_or(&word);
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (body.to_string(), None),
            };
            Flag {
                name,
                value,
                span: full.span_of(r),
            }
        })
        .collect();
    let args_start = tend - t[args_from.min(tend)..tend].trim_start().len();
    let text = full.slice(args_start..tend);
    if !flags.is_empty() && text.text.is_empty() {
        return err(format!("{keyword} requires at least one argument"), span);
    }

    let mut form = Form::Shell;
    let mut args: Vec<Word>;
    let mut onbuild = None;
    let tt = text.text.as_str();
    let words_at = |from: usize| -> Vec<Word> {
        split_words(&tt[from..], escape)
            .into_iter()
            .map(|r| {
                let r = r.start + from..r.end + from;
                Word {
                    text: unquote(&tt[r.clone()], escape),
                    span: text.span_of(r.clone()),
                    logical: r,
                }
            })
            .collect()
    };
    let json_at = |from: usize| -> Option<Vec<Word>> {
        let items = parse_json_array(&tt[from..])?;
        Some(
            items
                .into_iter()
                .map(|(s, r)| {
                    let r = r.start + from..r.end + from;
                    Word {
                        text: s,
                        span: text.span_of(r.clone()),
                        logical: r,
                    }
                })
                .collect(),
        )
    };
    match keyword.as_str() {
        "RUN" | "CMD" | "ENTRYPOINT" | "SHELL" | "COPY" | "ADD" | "VOLUME"
            if tt.starts_with('[') =>
        {
            match json_at(0) {
                Some(w) => {
                    form = Form::Exec;
                    args = w;
                }
                None => args = words_at(0),
            }
        }
        "HEALTHCHECK" => {
            args = words_at(0);
            if args
                .first()
                .is_some_and(|w| w.text.eq_ignore_ascii_case("CMD"))
            {
                let after = args[0].logical.end;
                let from = tt.len() - tt[after..].trim_start().len();
                if tt[from..].starts_with('[') {
                    if let Some(w) = json_at(from) {
                        args.truncate(1);
                        args.extend(w);
                        form = Form::Exec;
                    }
                }
            }
        }
        "ONBUILD" => {
            args = words_at(0);
            if top && !tt.is_empty() {
                onbuild = Some(Box::new(lex_instruction(&text, escape, false)?));
            }
        }
        _ => args = words_at(0),
    }

    Ok(Instruction {
        keyword,
        keyword_span,
        span,
        flags,
        form,
        args,
        text,
        heredocs: Vec::new(),
        onbuild,
        escape,
    })
}

/// BuildKit's builder-flag extraction: words starting with `--` at the start of `t[from..to]`,
/// with quotes and `\` escapes removed; a bare `--` ends them. Returns the flag words with
/// their ranges and where the rest starts.
fn extract_flags(t: &str, from: usize, to: usize) -> (Vec<(String, Range<usize>)>, usize) {
    let b = t.as_bytes();
    let mut out = Vec::new();
    let mut pos = from;
    loop {
        while pos < to && is_ascii_space(b[pos]) {
            pos += 1;
        }
        if pos >= to || b[pos] != b'-' || pos + 1 >= to || b[pos + 1] != b'-' {
            return (out, pos);
        }
        let start = pos;
        let mut word: Vec<u8> = Vec::new();
        let mut quote: Option<u8> = None;
        let mut blank_ok = false;
        while pos < to {
            let c = b[pos];
            match quote {
                None if is_ascii_space(c) => break,
                None if c == b'\'' || c == b'"' => {
                    quote = Some(c);
                    blank_ok = true;
                }
                Some(q) if c == q => quote = None,
                _ if c == b'\\' => {
                    if pos + 1 < to {
                        pos += 1;
                        word.push(b[pos]);
                    }
                }
                _ => word.push(c),
            }
            pos += 1;
        }
        let word = String::from_utf8_lossy(&word).into_owned();
        if word == "--" {
            return (out, pos);
        }
        if blank_ok || !word.is_empty() {
            out.push((word, start..pos));
        }
    }
}

/// Ranges of words in `t` split on unquoted whitespace; quotes (`'...'`, `"..."`) and the
/// escape character are honoured but kept.
fn split_words(t: &str, escape: char) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut it = t.char_indices();
    while let Some((i, c)) = it.next() {
        match quote {
            Some('\'') => {
                if c == '\'' {
                    quote = None;
                }
            }
            Some(q) => {
                if c == escape {
                    it.next();
                } else if c == q {
                    quote = None;
                }
            }
            None => {
                if c.is_whitespace() {
                    if let Some(s) = start.take() {
                        out.push(s..i);
                    }
                    continue;
                }
                if start.is_none() {
                    start = Some(i);
                }
                if c == escape {
                    it.next();
                } else if c == '\'' || c == '"' {
                    quote = Some(c);
                }
            }
        }
    }
    if let Some(s) = start {
        out.push(s..t.len());
    }
    out
}

/// Quote removal as BuildKit's word processing does it (variables left as written): single
/// quotes literal; in double quotes the escape character escapes only `"`, `$` and itself;
/// outside quotes it escapes anything. An unterminated quote runs to the end.
pub fn unquote(raw: &str, escape: char) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut quote: Option<char> = None;
    let mut it = raw.chars().peekable();
    while let Some(c) = it.next() {
        match quote {
            Some('\'') => {
                if c == '\'' {
                    quote = None;
                } else {
                    out.push(c);
                }
            }
            Some(_) => {
                if c == '"' {
                    quote = None;
                } else if c == escape {
                    match it.peek() {
                        Some(&n) if n == '"' || n == '$' || n == escape => {
                            out.push(n);
                            it.next();
                        }
                        Some(_) => out.push(c),
                        None => {}
                    }
                } else {
                    out.push(c);
                }
            }
            None => {
                if c == escape {
                    if let Some(n) = it.next() {
                        out.push(n);
                    }
                } else if c == '\'' || c == '"' {
                    quote = Some(c);
                } else {
                    out.push(c);
                }
            }
        }
    }
    out
}

/// If `t[r]` is one quoted string (`"..."` or `'...'` closing at its last byte), the range
/// inside the quotes; otherwise `r`.
fn unquoted_range(t: &str, r: Range<usize>, escape: char) -> Range<usize> {
    let Some(s) = t.get(r.clone()) else { return r };
    let b = s.as_bytes();
    if b.len() < 2 || !matches!(b[0], b'"' | b'\'') || b[b.len() - 1] != b[0] {
        return r;
    }
    let q = b[0] as char;
    let mut it = s[1..].char_indices();
    while let Some((i, c)) = it.next() {
        if q == '"' && c == escape {
            it.next();
        } else if c == q {
            return if i + 2 == s.len() {
                r.start + 1..r.end - 1
            } else {
                r
            };
        }
    }
    r
}

/// Position of the first `=` outside quotes in `t[r]`.
fn find_unquoted_eq(t: &str, r: Range<usize>, escape: char) -> Option<usize> {
    let s = t.get(r.clone())?;
    let mut quote: Option<char> = None;
    let mut it = s.char_indices();
    while let Some((i, c)) = it.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some('"') if c == escape => {
                it.next();
            }
            Some(_) => {}
            None => match c {
                '=' => return Some(r.start + i),
                _ if c == escape => {
                    it.next();
                }
                '\'' | '"' => quote = Some(c),
                _ => {}
            },
        }
    }
    None
}

/// Heredoc markers on an instruction line: (range of the `<<EOF` word, delimiter, quoted,
/// strip_tabs). Words are split as BuildKit does for this: `\` escapes, quotes kept, so a
/// quoted `"<<EOF"` is no marker.
fn heredoc_markers(line: &str) -> Vec<(Range<usize>, String, bool, bool)> {
    let mut out = Vec::new();
    for r in split_words(line, '\\') {
        let w = &line[r.clone()];
        let rest = w.trim_start_matches(|c: char| c.is_ascii_digit());
        let Some(rest) = rest.strip_prefix("<<") else {
            continue;
        };
        let (strip_tabs, rest) = match rest.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        if rest.is_empty() || rest.contains('<') {
            continue;
        }
        let name = unquote(rest, '\\');
        let count = |s: &str| s.chars().filter(|&c| c == '\'' || c == '"').count();
        let quoted = count(&name) != count(rest);
        out.push((r, name, quoted, strip_tabs));
    }
    out
}

/// A JSON array of strings, as Go's `json.Unmarshal` into `[]string` accepts it (lone
/// surrogates become U+FFFD). Items with the range of their literal, quotes included.
fn parse_json_array(s: &str) -> Option<Vec<(String, Range<usize>)>> {
    let b = s.as_bytes();
    let ws = |i: &mut usize| {
        while *i < b.len() && matches!(b[*i], b' ' | b'\t' | b'\n' | b'\r') {
            *i += 1;
        }
    };
    let mut i = 0;
    ws(&mut i);
    if b.get(i) != Some(&b'[') {
        return None;
    }
    i += 1;
    ws(&mut i);
    let mut out = Vec::new();
    if b.get(i) == Some(&b']') {
        i += 1;
    } else {
        loop {
            ws(&mut i);
            if b.get(i) != Some(&b'"') {
                return None;
            }
            let start = i;
            let (text, end) = json_string(s, i)?;
            out.push((text, start..end));
            i = end;
            ws(&mut i);
            match b.get(i) {
                Some(b',') => i += 1,
                Some(b']') => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    ws(&mut i);
    (i == b.len()).then_some(out)
}

/// The JSON string literal starting at `s[at] == '"'`: its value and the index after it.
fn json_string(s: &str, at: usize) -> Option<(String, usize)> {
    let b = s.as_bytes();
    let mut out = String::new();
    let mut i = at + 1;
    loop {
        let c = *b.get(i)?;
        match c {
            b'"' => return Some((out, i + 1)),
            b'\\' => {
                let e = *b.get(i + 1)?;
                i += 2;
                match e {
                    b'"' => out.push('"'),
                    b'\\' => out.push('\\'),
                    b'/' => out.push('/'),
                    b'b' => out.push('\u{8}'),
                    b'f' => out.push('\u{c}'),
                    b'n' => out.push('\n'),
                    b'r' => out.push('\r'),
                    b't' => out.push('\t'),
                    b'u' => {
                        let hi = hex4(b, i)?;
                        i += 4;
                        let ch = if (0xD800..0xDC00).contains(&hi) {
                            match (b.get(i), b.get(i + 1), hex4(b, i + 2)) {
                                (Some(b'\\'), Some(b'u'), Some(lo))
                                    if (0xDC00..0xE000).contains(&lo) =>
                                {
                                    i += 6;
                                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                                }
                                _ => None,
                            }
                        } else {
                            char::from_u32(hi)
                        };
                        out.push(ch.unwrap_or('\u{FFFD}'));
                    }
                    _ => return None,
                }
            }
            0..=0x1f => return None,
            _ => {
                // Copy one whole UTF-8 character.
                let ch = s[i..].chars().next()?;
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
}

fn hex4(b: &[u8], i: usize) -> Option<u32> {
    let d = b.get(i..i + 4)?;
    let mut v = 0u32;
    for &c in d {
        v = v * 16 + (c as char).to_digit(16)?;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(src: &str) -> Dockerfile {
        let df = parse(src).unwrap_or_else(|e| panic!("{e:?}"));
        check_spans(src, &df);
        df
    }

    fn at(src: &str, span: Span) -> &str {
        &src[span.start..span.end]
    }

    fn texts(ws: &[Word]) -> Vec<&str> {
        ws.iter().map(|w| w.text.as_str()).collect()
    }

    fn span_ok(src: &str, s: Span) -> bool {
        s.start <= s.end
            && s.end <= src.len()
            && src.is_char_boundary(s.start)
            && src.is_char_boundary(s.end)
    }

    fn check_instruction(src: &str, i: &Instruction) {
        let mut spans = vec![i.keyword_span, i.span, i.text.span()];
        spans.extend(i.flags.iter().map(|f| f.span));
        spans.extend(i.args.iter().map(|w| w.span));
        spans.extend(i.args.iter().map(|w| i.content_span(w)));
        for h in &i.heredocs {
            spans.extend([h.body_span, h.marker_span]);
            assert_eq!(at(src, h.body_span), h.body);
        }
        for kv in i.key_values() {
            spans.extend([kv.key_span, kv.value_span, kv.span]);
        }
        for a in i.arg_decls() {
            spans.extend([a.name_span, a.span]);
            spans.extend(a.default_span);
        }
        let n = i.text.text.len();
        for r in [0..n, n / 3..n, 1..n / 2 + 1, n..n, 0..0, n + 5..n + 9] {
            spans.push(i.text.span_of(r));
        }
        for s in spans {
            assert!(span_ok(src, s), "{s:?} in {:?} for {i:?}", src.len());
        }
        assert!(i.keyword_span.start >= i.span.start && i.keyword_span.end <= i.span.end);
        if let Some(inner) = &i.onbuild {
            check_instruction(src, inner);
        }
    }

    fn check_spans(src: &str, df: &Dockerfile) {
        for c in &df.comments {
            assert!(span_ok(src, *c));
        }
        for d in &df.directives {
            assert!(span_ok(src, d.span) && span_ok(src, d.value_span));
        }
        for i in &df.instructions {
            check_instruction(src, i);
        }
        for s in df.stages() {
            assert!(span_ok(src, s.base.span));
        }
        for a in df.global_args() {
            assert!(span_ok(src, a.span));
        }
    }

    #[test]
    fn basic_instructions_and_spans() {
        let src = "FROM alpine:3.20\nRUN apk add curl\nCMD [\"sh\"]";
        let df = p(src);
        assert_eq!(df.instructions.len(), 3);
        let run = &df.instructions[1];
        assert_eq!(run.keyword, "RUN");
        assert_eq!(at(src, run.keyword_span), "RUN");
        assert_eq!(at(src, run.span), "RUN apk add curl");
        assert_eq!(run.text.text, "apk add curl");
        assert_eq!(texts(&run.args), ["apk", "add", "curl"]);
        assert_eq!(at(src, run.args[2].span), "curl");
        // Final line without a newline.
        assert_eq!(at(src, df.instructions[2].span), "CMD [\"sh\"]");
        assert_eq!(df.escape, '\\');
    }

    #[test]
    fn lowercase_keywords() {
        let src = "from alpine as Build\nrun echo hi\n";
        let df = p(src);
        assert_eq!(df.instructions[0].keyword, "FROM");
        assert_eq!(at(src, df.instructions[1].keyword_span), "run");
        let st = df.stages();
        assert_eq!(st[0].name.as_ref().unwrap().text, "Build");
    }

    #[test]
    fn syntax_and_escape_directives() {
        let src = "# syntax=docker/dockerfile:1.7\n# escape=`\nFROM mcr.microsoft.com/windows/servercore\nRUN dir c:\\ `\n    && echo done\n";
        let df = p(src);
        assert_eq!(df.escape, '`');
        let (syntax, span) = df.syntax.clone().unwrap();
        assert_eq!(syntax, "docker/dockerfile:1.7");
        assert_eq!(at(src, span), "docker/dockerfile:1.7");
        assert_eq!(df.directives.len(), 2);
        assert!(df.comments.is_empty());
        let run = &df.instructions[1];
        assert_eq!(run.text.text, "dir c:\\     && echo done");
        assert_eq!(texts(&run.args), ["dir", "c:\\", "&&", "echo", "done"]);
        assert!(at(src, run.span).ends_with("echo done"));
        // Spaced directive forms and case are accepted.
        let df = p("#   ESCAPE = `  \nFROM x\n");
        assert_eq!(df.escape, '`');
    }

    #[test]
    fn directives_only_at_the_very_top() {
        // After a comment, a blank line or an instruction, a directive is just a comment.
        for src in [
            "# hello\n# escape=`\nFROM x\n",
            "\n# escape=`\nFROM x\n",
            "FROM x\n# escape=`\nRUN a\n",
            "# unknown=1\n# escape=`\nFROM x\n",
        ] {
            let df = p(src);
            assert_eq!(df.escape, '\\', "{src:?}");
            assert!(
                df.comments.iter().any(|c| at(src, *c) == "# escape=`"),
                "{src:?}"
            );
        }
        assert!(parse("# escape=x\nFROM a\n").is_err());
        assert!(parse("# escape=`\n# escape=\\\nFROM a\n").is_err());
        let df = p("# check=skip=all\n# syntax=a\nFROM x\n");
        assert_eq!(df.directives[0].name, "check");
        assert!(df.syntax.is_some());
    }

    #[test]
    fn continuations_with_trailing_whitespace() {
        let src = "FROM x\nRUN apt-get update \\  \n    && apt-get install -y curl \\\t\n    && rm -rf /var/lib/apt/lists/*\n";
        let df = p(src);
        let run = &df.instructions[1];
        assert_eq!(
            run.text.text,
            "apt-get update     && apt-get install -y curl     && rm -rf /var/lib/apt/lists/*"
        );
        assert!(at(src, run.span).starts_with("RUN apt-get"));
        assert!(at(src, run.span).ends_with("lists/*"));
        // Logical ranges map back across lines.
        let t = &run.text;
        let i = t.text.find("curl").unwrap();
        assert_eq!(at(src, t.span_of(i..i + 4)), "curl");
        let a = t.text.find("update").unwrap();
        let b = t.text.find("install").unwrap() + "install".len();
        assert_eq!(
            at(src, t.span_of(a..b)),
            "update \\  \n    && apt-get install"
        );
        let w = run.args.iter().find(|w| w.text == "rm").unwrap();
        assert_eq!(at(src, w.span), "rm");
    }

    #[test]
    fn comments_and_blank_lines_inside_continuations() {
        let src =
            "FROM x\nRUN a \\\n# a comment \\\n\n   \n  # indented comment\n    && b\nRUN c\n";
        let df = p(src);
        assert_eq!(df.instructions.len(), 3);
        assert_eq!(df.instructions[1].text.text, "a     && b");
        assert_eq!(df.comments.len(), 2);
        assert_eq!(at(src, df.comments[0]), "# a comment \\");
        assert_eq!(at(src, df.comments[1]), "# indented comment");
        // A word split by a continuation keeps a span over both pieces.
        let src = "FROM x\nRUN ab\\\ncd\n";
        let df = p(src);
        assert_eq!(texts(&df.instructions[1].args), ["abcd"]);
        assert_eq!(at(src, df.instructions[1].args[0].span), "ab\\\ncd");
        // A continuation into EOF ends at the last content line.
        let src = "FROM x\nRUN a \\\n# trailing\n";
        let df = p(src);
        assert_eq!(at(src, df.instructions[1].span), "RUN a \\");
    }

    #[test]
    fn crlf_spans_are_exact() {
        let src = "FROM alpine AS b\r\nRUN echo a \\\r\n    && echo b\r\n# c\r\nUSER app\r\n";
        let df = p(src);
        assert_eq!(df.instructions.len(), 3);
        let run = &df.instructions[1];
        assert_eq!(at(src, run.span), "RUN echo a \\\r\n    && echo b");
        assert_eq!(run.text.text, "echo a     && echo b");
        assert_eq!(at(src, df.comments[0]), "# c");
        assert_eq!(at(src, df.instructions[2].span), "USER app");
        assert_eq!(at(src, df.instructions[2].args[0].span), "app");
        // Heredocs with CRLF: the terminator matches without its `\r`.
        let src = "FROM x\r\nRUN <<EOF\r\necho hi\r\nEOF\r\nUSER a\r\n";
        let df = p(src);
        assert_eq!(df.instructions[1].heredocs[0].body, "echo hi\r\n");
        assert_eq!(
            at(src, df.instructions[1].span),
            "RUN <<EOF\r\necho hi\r\nEOF"
        );
    }

    #[test]
    fn lone_cr_ends_lines() {
        let src = "FROM x\rRUN a \\\r  b\rUSER u";
        let df = p(src);
        assert_eq!(df.instructions.len(), 3);
        assert_eq!(df.instructions[1].text.text, "a   b");
        assert_eq!(at(src, df.instructions[2].span), "USER u");
    }

    #[test]
    fn heredocs() {
        let src = "FROM x\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\nUSER app\n";
        let df = p(src);
        let run = &df.instructions[1];
        let h = &run.heredocs[0];
        assert_eq!(h.delimiter, "EOF");
        assert_eq!(h.body, "apt-get update\napt-get install -y curl\n");
        assert!(!h.quoted && !h.strip_tabs);
        assert_eq!(at(src, h.marker_span), "<<EOF");
        assert_eq!(
            at(src, run.span),
            "RUN <<EOF\napt-get update\napt-get install -y curl\nEOF"
        );
        assert_eq!(df.instructions[2].keyword, "USER");

        // <<-, quoted delimiters.
        let src = "FROM x\nRUN <<-EOT\n\techo a\n\tEOT\nRUN <<\"A\" <<'B'\n$x\nA\n$y\nB\nRUN <<E\"O\"F\nEOF\n";
        let df = p(src);
        let h = &df.instructions[1].heredocs[0];
        assert!(h.strip_tabs && !h.quoted);
        assert_eq!(h.body, "\techo a\n");
        let hs = &df.instructions[2].heredocs;
        assert_eq!(hs.len(), 2);
        assert_eq!(
            (hs[0].delimiter.as_str(), hs[0].quoted, hs[0].body.as_str()),
            ("A", true, "$x\n")
        );
        assert_eq!(
            (hs[1].delimiter.as_str(), hs[1].quoted, hs[1].body.as_str()),
            ("B", true, "$y\n")
        );
        assert!(at(src, df.instructions[2].span).ends_with("\nB"));
        assert_eq!(df.instructions[3].heredocs[0].delimiter, "EOF");
        assert!(df.instructions[3].heredocs[0].quoted);

        // COPY <<EOF /dst, RUN python3 <<EOF, and an fd prefix.
        let src = "FROM x\nCOPY <<EOF /etc/app.conf\nkey=1\nEOF\nRUN python3 <<PY > out\nprint(1)\nPY\nRUN cat 3<<X\nX\n";
        let df = p(src);
        assert_eq!(texts(&df.instructions[1].args), ["<<EOF", "/etc/app.conf"]);
        assert_eq!(df.instructions[1].heredocs[0].body, "key=1\n");
        assert_eq!(df.instructions[2].heredocs[0].delimiter, "PY");
        assert_eq!(df.instructions[3].heredocs[0].delimiter, "X");

        // Not heredocs: quoted, here-strings, other instructions, exec form.
        let src = "FROM x\nRUN echo \"<<EOF\" '<<B'\nRUN cat <<<word\nENV A=<<EOF\nRUN [\"sh\", \"<<EOF\"]\nLABEL a=b\n";
        let df = p(src);
        assert_eq!(df.instructions.len(), 6);
        assert!(df.instructions.iter().all(|i| i.heredocs.is_empty()));
        // Empty body, terminator at EOF without newline.
        let src = "FROM x\nRUN <<EOF\nEOF";
        let df = p(src);
        assert_eq!(df.instructions[1].heredocs[0].body, "");
        assert_eq!(at(src, df.instructions[1].span), "RUN <<EOF\nEOF");
    }

    #[test]
    fn unterminated_heredoc_is_an_error() {
        let src = "FROM x\nRUN <<EOF\necho\nEOF \n";
        let e = parse(src).unwrap_err();
        assert_eq!(e.message, "unterminated heredoc");
        assert_eq!(at(src, e.span), "<<EOF");
        assert!(parse("FROM x\nRUN <<A <<B\nA\n").is_err());
    }

    #[test]
    fn exec_form() {
        let src = concat!(
            "FROM x\n",
            "RUN [\"apt-get\", \"install\", \"-y\", \"a b\"]\n",
            "CMD [ \"python\",\"-m\" , \"app\\u00e9\\n\" ]\n",
            "ENTRYPOINT [\"/tini\", \"--\"]\n",
            "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n",
            "COPY [\"a b.txt\", \"/dst/\"]\n",
            "ADD [\"https://x/y\", \"/y\"]\n",
            "VOLUME [\"/data\"]\n",
            "CMD []\n",
        );
        let df = p(src);
        let ins = &df.instructions;
        assert!(ins[1..].iter().all(|i| i.form == Form::Exec), "{ins:?}");
        assert_eq!(texts(&ins[1].args), ["apt-get", "install", "-y", "a b"]);
        assert_eq!(at(src, ins[1].args[3].span), "\"a b\"");
        assert_eq!(at(src, ins[1].content_span(&ins[1].args[3])), "a b");
        assert_eq!(texts(&ins[2].args), ["python", "-m", "appé\n"]);
        assert_eq!(texts(&ins[4].args), ["/bin/bash", "-o", "pipefail", "-c"]);
        assert_eq!(texts(&ins[5].args), ["a b.txt", "/dst/"]);
        assert!(ins[8].args.is_empty());
    }

    #[test]
    fn invalid_json_falls_back_to_shell_form() {
        let src = "FROM x\nCMD [\"a\", 'b']\nCMD [\"a\", 1]\nRUN [ -f x ] && echo\nCMD [\"a\"] extra\nCMD [\"a\",]\n";
        let df = p(src);
        for i in &df.instructions[1..] {
            assert_eq!(i.form, Form::Shell, "{:?}", i.text.text);
        }
        assert_eq!(
            texts(&df.instructions[3].args),
            ["[", "-f", "x", "]", "&&", "echo"]
        );
        // Not JSON-capable instructions stay shell form.
        let df = p("FROM x\nENV A=[\"x\"]\nLABEL [\"a\"]\n");
        assert!(df.instructions.iter().all(|i| i.form == Form::Shell));
    }

    #[test]
    fn json_form_across_continuations() {
        let src = "FROM x\nCMD [\"a\", \\\n     \"b\"]\n";
        let df = p(src);
        let cmd = &df.instructions[1];
        assert_eq!(cmd.form, Form::Exec);
        assert_eq!(at(src, cmd.args[1].span), "\"b\"");
    }

    #[test]
    fn healthcheck_forms() {
        let src = "FROM x\nHEALTHCHECK --interval=30s --start-period=5s CMD [\"curl\", \"-f\", \"http://localhost/\"]\nHEALTHCHECK CMD curl -f http://x || exit 1\nHEALTHCHECK NONE\n";
        let df = p(src);
        let h = &df.instructions[1];
        assert_eq!(h.form, Form::Exec);
        assert_eq!(texts(&h.args), ["CMD", "curl", "-f", "http://localhost/"]);
        assert_eq!(h.flag("start-period").unwrap().value.as_deref(), Some("5s"));
        assert_eq!(df.instructions[2].form, Form::Shell);
        assert_eq!(texts(&df.instructions[2].args)[..2], ["CMD", "curl"]);
        assert_eq!(texts(&df.instructions[3].args), ["NONE"]);
    }

    #[test]
    fn onbuild() {
        let src =
            "FROM x\nONBUILD RUN --mount=type=cache,target=/c make\nONBUILD COPY [\"a\", \"b\"]\n";
        let df = p(src);
        let o = df.instructions[1].onbuild.as_ref().unwrap();
        assert_eq!(o.keyword, "RUN");
        assert_eq!(at(src, o.keyword_span), "RUN");
        assert_eq!(at(src, o.span), "RUN --mount=type=cache,target=/c make");
        assert_eq!(o.flags[0].name, "mount");
        assert_eq!(texts(&o.args), ["make"]);
        let o = df.instructions[2].onbuild.as_ref().unwrap();
        assert_eq!(o.form, Form::Exec);
        assert!(parse("FROM x\nONBUILD ONBUILD RUN a\n").is_err());
        assert!(parse("FROM x\nONBUILD FROM y\n").is_err());
        let e = parse("FROM x\nONBUILD BOGUS y\n").unwrap_err();
        assert_eq!(e.message, "unknown instruction: BOGUS");
    }

    #[test]
    fn stages_and_names() {
        let src = "ARG BASE=python\nARG TAG\nFROM ${BASE:-python}:${TAG:-3.12} aS builder\nRUN make\nFROM --platform=$BUILDPLATFORM builder\nFROM scratch AS final\nCOPY --from=builder /a /a\n";
        let df = p(src);
        let st = df.stages();
        assert_eq!(st.len(), 3);
        assert_eq!(st[0].base.text, "${BASE:-python}:${TAG:-3.12}");
        assert_eq!(at(src, st[0].base.span), "${BASE:-python}:${TAG:-3.12}");
        assert_eq!(st[0].name.as_ref().unwrap().text, "builder");
        assert_eq!(st[0].instructions, 2..4);
        assert_eq!(
            st[1].platform.as_ref().unwrap().value.as_deref(),
            Some("$BUILDPLATFORM")
        );
        assert!(st[1].name.is_none());
        assert_eq!(st[2].instructions, 5..7);
        let ga = df.global_args();
        assert_eq!(ga.len(), 2);
        assert_eq!(
            (ga[0].name.as_str(), ga[0].default.as_deref()),
            ("BASE", Some("python"))
        );
        assert_eq!(at(src, ga[0].default_span.unwrap()), "python");
        assert_eq!(
            (ga[1].name.as_str(), ga[1].default.as_deref()),
            ("TAG", None)
        );
    }

    #[test]
    fn arg_and_env_pairs() {
        let src = "FROM x\nARG A=\"a b\" B C=\nENV K1=v1 K2=\"two words\" K3='s' K4=a\\ b\nENV LEGACY some value here\nLABEL \"com.x\"=\"y\"\n";
        let df = p(src);
        let args = df.instructions[1].arg_decls();
        assert_eq!(args.len(), 3);
        assert_eq!(args[0].default.as_deref(), Some("a b"));
        assert_eq!(at(src, args[0].default_span.unwrap()), "a b");
        assert_eq!(at(src, args[0].name_span), "A");
        assert_eq!(args[1].default, None);
        assert_eq!(args[2].default.as_deref(), Some(""));
        let kv = df.instructions[2].key_values();
        let pairs: Vec<(&str, &str)> = kv
            .iter()
            .map(|k| (k.key.as_str(), k.value.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("K1", "v1"),
                ("K2", "two words"),
                ("K3", "s"),
                ("K4", "a b")
            ]
        );
        assert_eq!(at(src, kv[1].value_span), "two words");
        assert_eq!(at(src, kv[1].span), "K2=\"two words\"");
        assert_eq!(at(src, kv[3].value_span), "a\\ b");
        let kv = df.instructions[3].key_values();
        assert_eq!(
            (kv[0].key.as_str(), kv[0].value.as_str()),
            ("LEGACY", "some value here")
        );
        assert_eq!(at(src, kv[0].value_span), "some value here");
        let kv = df.instructions[4].key_values();
        assert_eq!((kv[0].key.as_str(), kv[0].value.as_str()), ("com.x", "y"));
    }

    #[test]
    fn flags() {
        let src = concat!(
            "FROM --platform=linux/amd64 x AS a\n",
            "RUN --mount=type=cache,target=/root/.cache --mount=type=secret,id=tok --network=none --security=insecure pip install x\n",
            "COPY --chown=1000:1000 --chmod=755 --link --from=a --parents --exclude=*.md src/ /dst/\n",
            "ADD --checksum=sha256:abc --keep-git-dir=true \"--mount=quoted\" https://x /y\n",
            "RUN --mount=type=bind,source=\"a b\",target=/x -- --not-a-flag\n",
        );
        let df = p(src);
        let names = |i: usize| {
            df.instructions[i]
                .flags
                .iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(0), ["platform"]);
        assert_eq!(names(1), ["mount", "mount", "network", "security"]);
        assert_eq!(
            names(2),
            ["chown", "chmod", "link", "from", "parents", "exclude"]
        );
        assert_eq!(names(3), ["checksum", "keep-git-dir"]);
        let f = &df.instructions[1].flags[1];
        assert_eq!(f.value.as_deref(), Some("type=secret,id=tok"));
        assert_eq!(at(src, f.span), "--mount=type=secret,id=tok");
        assert_eq!(df.instructions[2].flags[2].value, None);
        assert_eq!(df.instructions[1].text.text, "pip install x");
        assert_eq!(texts(&df.instructions[3].args)[0], "--mount=quoted");
        let last = &df.instructions[4];
        assert_eq!(
            last.flags[0].value.as_deref(),
            Some("type=bind,source=a b,target=/x")
        );
        assert_eq!(last.text.text, "--not-a-flag");
    }

    #[test]
    fn errors() {
        let src = "FROM x\nFOO bar\n";
        let e = parse(src).unwrap_err();
        assert_eq!(e.message, "unknown instruction: FOO");
        assert_eq!(at(src, e.span), "FOO");
        // Flags with nothing after them, and a line that is only flags.
        let e = parse("FROM x\nRUN --mount=type=cache,target=/x\n").unwrap_err();
        assert_eq!(e.message, "RUN requires at least one argument");
        let src = "FROM x\n--mount=type=cache RUN x\n";
        let e = parse(src).unwrap_err();
        assert_eq!(at(src, e.span), "--mount=type=cache");
        let long = format!("FROM x\n{}é\n", "x".repeat(100_000));
        let e = parse(&long).unwrap_err();
        assert!(e.message.len() < 100 && e.message.ends_with('…'));
        assert_eq!(e.span, Span::new(7, long.len() - 1));
        // No instructions at all.
        for src in ["", "\n\n", "# only\n# comments\n", "# syntax=x\n", "  \\\n"] {
            assert_eq!(
                parse(src).unwrap_err().message,
                "file with no instructions",
                "{src:?}"
            );
        }
    }

    #[test]
    fn unicode_and_odd_whitespace() {
        let src = "FROM x\nRUN echo \"héllo wörld\" \u{a0}ü \\\n  ✓\nLABEL a=\"ü\"\n";
        let df = p(src);
        assert_eq!(df.instructions.len(), 3);
        let kv = df.instructions[2].key_values();
        assert_eq!(at(src, kv[0].value_span), "ü");
    }

    #[test]
    fn big_single_line_is_linear() {
        let mut src = String::from("FROM x\nRUN echo");
        while src.len() < 1_000_000 {
            src.push_str(" \"a b\" 'c' d\\ e <<- [x]");
        }
        src.push('\n');
        let t = std::time::Instant::now();
        // `<<-` has no delimiter word, so no heredoc; the line is one RUN.
        let df = p(&src);
        assert_eq!(df.instructions.len(), 2);
        let mut json = String::from("FROM x\nCMD [");
        for i in 0..100_000 {
            json.push_str(if i == 0 {
                "\"a\\u00e9\""
            } else {
                ",\"a\\u00e9\""
            });
        }
        json.push(']');
        let df = p(&json);
        assert_eq!(df.instructions[1].args.len(), 100_000);
        assert!(t.elapsed().as_secs() < 20);
    }

    #[test]
    fn many_lines_are_linear() {
        let mut src = String::from("FROM x\n");
        for i in 0..100_000 {
            src.push_str(&format!("ENV K{i}=v{i}\n"));
        }
        let t = std::time::Instant::now();
        assert_eq!(p(&src).instructions.len(), 100_001);
        // One instruction continued over 100k lines, with comments between.
        let mut src = String::from("FROM x\nRUN true");
        for i in 0..100_000 {
            src.push_str(if i % 3 == 0 {
                " \\\n# c\n"
            } else {
                " \\\n  && x"
            });
        }
        src.push('\n');
        let df = p(&src);
        assert_eq!(df.instructions.len(), 2);
        // Many heredocs on one line, bodies after it.
        let mut src = String::from("FROM x\nRUN cat");
        for i in 0..20_000 {
            src.push_str(&format!(" <<E{i}"));
        }
        src.push('\n');
        for i in 0..20_000 {
            src.push_str(&format!("line\nE{i}\n"));
        }
        assert_eq!(p(&src).instructions[1].heredocs.len(), 20_000);
        assert!(t.elapsed().as_secs() < 30);
    }

    /// A small deterministic generator (xorshift64*), enough for mutation testing.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    const SAMPLE: &str = "# syntax=docker/dockerfile:1\n# escape=\\\nARG BASE=python:3.12\nFROM ${BASE} AS build\nRUN --mount=type=cache,target=/c pip install \\\n  # comment\n  -r req.txt\nRUN <<EOF\necho hi\nEOF\nCOPY [\"a\", \"b\"]\nONBUILD RUN make\nENV A=\"x y\" B=z\nHEALTHCHECK CMD [\"curl\", \"x\"]\nFROM build\r\nUSER 1000\rEXPOSE 80/udp\nCMD é ✓ \"ü\"\n";

    #[test]
    fn fuzz_random_inputs_never_panic() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let pieces: &[&str] = &[
            "\\",
            "`",
            "\n",
            "\r",
            "\r\n",
            " ",
            "\t",
            "#",
            "\"",
            "'",
            "[",
            "]",
            ",",
            "<<",
            "<<-",
            "EOF",
            "--",
            "=",
            "RUN ",
            "FROM ",
            "ONBUILD ",
            "HEALTHCHECK ",
            "CMD ",
            "ENV ",
            "ARG ",
            "é",
            "✓",
            "\u{a0}",
            "\\u00",
            "\\ud800",
            "# escape=`\n",
            "{",
            "}",
            "$",
            "AS ",
            "3<<",
            "\u{feff}",
        ];
        for iter in 0..6000 {
            let mut s: Vec<u8>;
            if iter % 3 == 0 {
                // Random bytes, made valid UTF-8 lossily.
                let n = rng.below(200);
                s = (0..n).map(|_| rng.next() as u8).collect();
            } else {
                s = SAMPLE.as_bytes().to_vec();
                for _ in 0..1 + rng.below(8) {
                    let pos = rng.below(s.len() + 1);
                    match rng.below(4) {
                        0 => {
                            let piece = pieces[rng.below(pieces.len())];
                            s.splice(pos..pos, piece.bytes());
                        }
                        1 if pos < s.len() => {
                            let end = (pos + 1 + rng.below(12)).min(s.len());
                            s.drain(pos..end);
                        }
                        2 if pos < s.len() => s[pos] = rng.next() as u8,
                        _ => {
                            let a = rng.below(s.len());
                            let b = (a + rng.below(30)).min(s.len());
                            let chunk = s[a..b].to_vec();
                            s.splice(pos..pos, chunk);
                        }
                    }
                }
            }
            let src = String::from_utf8_lossy(&s).into_owned();
            match parse(&src) {
                Ok(df) => check_spans(&src, &df),
                Err(e) => assert!(span_ok(&src, e.span), "{e:?} {src:?}"),
            }
        }
    }
}
