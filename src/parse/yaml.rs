//! YAML with a byte span on every key and value, on top of serde-saphyr.
//!
//! serde-saphyr parses and resolves anchors, aliases and `<<` merge keys under hard budgets
//! (alias expansion, depth, node count); we deserialize into our own spanned tree so that the
//! Compose, Kubernetes and Helm readers can walk untyped YAML and still point at exact bytes.

use crate::source::Span;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// Depth budget: well under what a rayon worker's 2 MB stack survives in our recursive walks.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub enum YValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<YNode>),
    /// Entries in document order; keys from a `<<` merge come after the explicit ones and
    /// never override them (YAML merge-key semantics).
    Map(Vec<(YNode, YNode)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct YNode {
    pub value: YValue,
    /// Where the node is used: for an alias or a merged key, the `*alias` or `<<` site.
    pub span: Span,
    /// Where its text is written: the anchored definition for aliases and merged keys.
    pub defined: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub message: String,
    pub span: Span,
}

impl YNode {
    /// True when the node comes from an alias or merge rather than being written here.
    pub fn is_aliased(&self) -> bool {
        self.span != self.defined
    }

    pub fn get(&self, key: &str) -> Option<&YNode> {
        match &self.value {
            YValue::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Entry (key node, value node) by key.
    pub fn entry(&self, key: &str) -> Option<(&YNode, &YNode)> {
        match &self.value {
            YValue::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(YNode, YNode)] {
        match &self.value {
            YValue::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[YNode] {
        match &self.value {
            YValue::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            YValue::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            YValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, YValue::Map(_))
    }
    pub fn is_seq(&self) -> bool {
        matches!(self.value, YValue::Seq(_))
    }
    pub fn is_null(&self) -> bool {
        matches!(self.value, YValue::Null)
    }

    /// A scalar as text: strings as parsed; numbers and booleans as written in the source
    /// (so `0777` stays `0777` and `1e3` stays `1e3`), falling back to their parsed value.
    pub fn scalar_text(&self, src: &str) -> Option<String> {
        match &self.value {
            YValue::Str(s) => Some(s.clone()),
            YValue::Int(_) | YValue::Float(_) | YValue::Bool(_) => {
                let raw = src.get(self.defined.start..self.defined.end).unwrap_or("");
                if !raw.is_empty() {
                    return Some(raw.trim().to_string());
                }
                Some(match &self.value {
                    YValue::Int(i) => i.to_string(),
                    YValue::Float(f) => f.to_string(),
                    YValue::Bool(b) => b.to_string(),
                    _ => unreachable!(),
                })
            }
            _ => None,
        }
    }

    /// Span of a scalar's content without surrounding quotes, when it is written on one line
    /// without escapes, so that a fix may replace exactly the value. `None` when the node is
    /// an alias (editing would change the anchor) or the text is not a plain copy.
    pub fn content_span(&self, src: &str) -> Option<Span> {
        if self.is_aliased() {
            return None;
        }
        let raw = src.get(self.span.start..self.span.end)?;
        let value = self.as_str()?;
        let (inner, offset) = match raw.as_bytes().first() {
            Some(b'"') | Some(b'\'') if raw.len() >= 2 => (&raw[1..raw.len() - 1], 1),
            _ => (raw, 0),
        };
        (inner == value).then(|| {
            Span::new(
                self.span.start + offset,
                self.span.start + offset + inner.len(),
            )
        })
    }
}

impl<'de> Deserialize<'de> for YValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = YValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_unit<E>(self) -> Result<YValue, E> {
                Ok(YValue::Null)
            }
            fn visit_none<E>(self) -> Result<YValue, E> {
                Ok(YValue::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<YValue, D::Error> {
                YValue::deserialize(d)
            }
            fn visit_bool<E>(self, v: bool) -> Result<YValue, E> {
                Ok(YValue::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<YValue, E> {
                Ok(YValue::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<YValue, E> {
                Ok(i64::try_from(v).map_or(YValue::Float(v as f64), YValue::Int))
            }
            fn visit_i128<E>(self, v: i128) -> Result<YValue, E> {
                Ok(i64::try_from(v).map_or(YValue::Float(v as f64), YValue::Int))
            }
            fn visit_u128<E>(self, v: u128) -> Result<YValue, E> {
                Ok(i64::try_from(v).map_or(YValue::Float(v as f64), YValue::Int))
            }
            fn visit_f64<E>(self, v: f64) -> Result<YValue, E> {
                Ok(YValue::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<YValue, E> {
                Ok(YValue::Str(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<YValue, E> {
                Ok(YValue::Str(v))
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<YValue, E> {
                Ok(YValue::Str(String::from_utf8_lossy(v).into_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<YValue, A::Error> {
                let mut items: Vec<Spanned<YValue>> = Vec::new();
                while let Some(x) = a.next_element()? {
                    items.push(x);
                }
                Ok(YValue::Seq(items.into_iter().map(node).collect()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<YValue, A::Error> {
                let mut entries: Vec<(YNode, YNode)> = Vec::new();
                // Where each key is, to find a repeated one: past a few entries, string keys by
                // hash (scanning every entry was quadratic in a mapping's size: 30,000 Compose
                // services), the rare other keys by comparison.
                let mut index = KeyIndex::default();
                while let Some((k, v)) = a.next_entry::<Spanned<YValue>, Spanned<YValue>>()? {
                    let (k, v) = (node(k), node(v));
                    // A key merged in by `<<` never overrides one written in the mapping.
                    if let Some(i) = index.find(&entries, &k.value) {
                        let existing = &mut entries[i];
                        if k.is_aliased() && !existing.0.is_aliased() {
                            continue;
                        }
                        *existing = (k, v);
                    } else {
                        entries.push((k, v));
                        index.added(&entries);
                    }
                }
                Ok(YValue::Map(entries))
            }
        }
        d.deserialize_any(V)
    }
}

/// A mapping's keys by position: scanned while the mapping is small, hashed (string keys) past
/// `KeyIndex::SCAN` entries.
#[derive(Default)]
struct KeyIndex {
    strings: Option<std::collections::HashMap<String, usize>>,
    others: Vec<usize>,
}

impl KeyIndex {
    const SCAN: usize = 16;

    fn find(&self, entries: &[(YNode, YNode)], key: &YValue) -> Option<usize> {
        let Some(strings) = &self.strings else {
            return entries.iter().position(|(k, _)| k.value == *key);
        };
        match key {
            YValue::Str(s) => strings.get(s).copied(),
            key => self
                .others
                .iter()
                .copied()
                .find(|&i| entries[i].0.value == *key),
        }
    }

    /// The last of `entries` is new.
    fn added(&mut self, entries: &[(YNode, YNode)]) {
        let new = entries.len() - 1;
        match &mut self.strings {
            Some(strings) => match &entries[new].0.value {
                YValue::Str(s) => {
                    strings.insert(s.clone(), new);
                }
                _ => self.others.push(new),
            },
            None if entries.len() > Self::SCAN => {
                let mut strings = std::collections::HashMap::new();
                for (i, (k, _)) in entries.iter().enumerate() {
                    match &k.value {
                        YValue::Str(s) => {
                            strings.insert(s.clone(), i);
                        }
                        _ => self.others.push(i),
                    }
                }
                self.strings = Some(strings);
            }
            None => {}
        }
    }
}

fn loc_span(loc: &serde_saphyr::Location) -> Span {
    let s = loc.span();
    let start = s.byte_offset().unwrap_or(0) as usize;
    Span::new(start, start + s.byte_len().unwrap_or(0) as usize)
}

fn node(s: Spanned<YValue>) -> YNode {
    let mut span = loc_span(&s.referenced);
    let mut defined = loc_span(&s.defined);
    // Collections are reported with an empty span at their start; extend them over their
    // children so a diagnostic on a mapping underlines something.
    let child_end = match &s.value {
        YValue::Seq(items) => items.iter().map(|n| n.defined.end.max(n.span.end)).max(),
        YValue::Map(entries) => entries
            .iter()
            .filter(|(k, _)| !k.is_aliased())
            .map(|(_, v)| v.span.end)
            .max(),
        _ => None,
    };
    if let Some(end) = child_end {
        if defined.is_empty() && end > defined.start {
            defined.end = end;
        }
        if span.is_empty() && end > span.start {
            span.end = end;
        }
    }
    YNode {
        value: s.value,
        span,
        defined,
    }
}

/// Where `src`'s lines break: line ends found by bisection, not by scanning the text (a
/// one-line flow mapping of 10,000 services scanned its whole line for each scalar).
struct Lines<'s> {
    src: &'s str,
    breaks: Vec<usize>,
}

impl<'s> Lines<'s> {
    fn of(src: &'s str) -> Self {
        let breaks = src
            .bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\n')
            .map(|(i, _)| i);
        Lines {
            src,
            breaks: breaks.collect(),
        }
    }

    /// The start of the line holding byte `at`.
    fn start(&self, at: usize) -> usize {
        match self.breaks.partition_point(|&b| b < at) {
            0 => 0,
            i => self.breaks[i - 1] + 1,
        }
    }

    /// The end (its `\n`, or the end of the text) of the line holding byte `at`.
    fn end(&self, at: usize) -> usize {
        let i = self.breaks.partition_point(|&b| b < at);
        self.breaks.get(i).copied().unwrap_or(self.src.len())
    }
}

/// serde-saphyr reports a block scalar (`|`, `>-`, `|2`) from its first content line to the
/// next token, over the indentation and comment lines before that token: a fix replacing it
/// ate the next key. Each block scalar's span is made to cover exactly the scalar as written,
/// its indicator through the end of its last content line.
fn settle_block_scalars(n: &mut YNode, lines: &Lines) {
    let src = lines.src;
    match &mut n.value {
        YValue::Seq(items) => items
            .iter_mut()
            .for_each(|i| settle_block_scalars(i, lines)),
        YValue::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            settle_block_scalars(k, lines);
            settle_block_scalars(v, lines);
        }),
        YValue::Str(_) => {
            let aliased = n.is_aliased();
            if let Some(s) = block_scalar_span(src, lines, n.defined) {
                if !aliased {
                    n.span = s;
                }
                n.defined = s;
            }
        }
        _ => {}
    }
}

/// Is `token` a block scalar header: `|` or `>` with optional chomping and indentation
/// indicators in either order?
fn is_block_header(token: &str) -> bool {
    let mut chars = token.chars();
    if !matches!(chars.next(), Some('|' | '>')) {
        return false;
    }
    let rest: Vec<char> = chars.collect();
    match rest.as_slice() {
        [] => true,
        [a] => matches!(a, '+' | '-' | '1'..='9'),
        [a, b] => {
            (matches!(a, '+' | '-') && matches!(b, '1'..='9'))
                || (matches!(a, '1'..='9') && matches!(b, '+' | '-'))
        }
        _ => false,
    }
}

/// The span of the block scalar that saphyr reports at `reported`, or `None` when the text
/// there is not one (then the reported span stands).
fn block_scalar_span(src: &str, lines: &Lines, reported: Span) -> Option<Span> {
    let line_start = |at: usize| lines.start(at);
    let line_end = |at: usize| lines.end(at);
    let start = reported.start.min(src.len());
    // The header is on the line where the scalar starts, or the last non-blank line above
    // its first content line.
    let mut ls = line_start(start);
    if !src[ls..start].trim().is_empty() && !src[start..].starts_with(['|', '>']) {
        // Text before it on its line, and no indicator: a flow or plain scalar (looking
        // further read the whole line for each scalar of a one-line flow mapping).
        return None;
    }
    if src[ls..start].trim().is_empty() {
        loop {
            if ls == 0 {
                return None;
            }
            ls = line_start(ls - 1);
            if !src[ls..line_end(ls)].trim().is_empty() {
                break;
            }
        }
    }
    let le = line_end(ls);
    let header = &src[ls..le];
    // The indicator is the header's last token, before a comment if there is one.
    let code = header.trim_end();
    let token_at = |code: &str| code.rfind([' ', '\t']).map_or(0, |i| i + 1);
    let (indicator, comment) = match &code[token_at(code)..] {
        t if is_block_header(t) => (token_at(code), false),
        _ => {
            let hash = header.find(" #").or_else(|| header.find("\t#"))?;
            let code = header[..hash].trim_end();
            (token_at(code), true)
        }
    };
    let code = header[..le - ls].trim_end();
    let token_end = code[indicator..]
        .find([' ', '\t'])
        .map_or(code.len(), |i| indicator + i);
    if !is_block_header(&header[indicator..token_end]) {
        return None;
    }
    if comment && !header[token_end..].trim_start().starts_with('#') {
        return None;
    }
    // Content lines are indented more than the node that holds the scalar: the key of
    // `key: |`, the dash of `- |`.
    let mut before = header[..indicator].trim_end();
    while let Some(last) = before.rsplit([' ', '\t']).next() {
        if last.starts_with('!') || last.starts_with('&') {
            before = before[..before.len() - last.len()].trim_end();
        } else {
            break;
        }
    }
    let parent: Option<usize> = if before.ends_with(':') {
        let lead = before.len() - before.trim_start_matches([' ', '-']).len();
        Some(lead)
    } else if before.ends_with('-') {
        Some(before.len() - 1)
    } else {
        None
    };
    let mut end = ls + token_end;
    let mut at = (le + 1).min(src.len());
    while at < src.len() {
        let e = line_end(at);
        let line = src[at..e].trim_end_matches('\r');
        let indent = line.len() - line.trim_start_matches(' ').len();
        if line.trim().is_empty() {
            at = e + 1;
            continue;
        }
        let content = match parent {
            Some(p) => indent > p,
            None => !(line.starts_with("---") || line.starts_with("...")),
        };
        if !content {
            break;
        }
        end = at + line.len();
        at = e + 1;
    }
    // The scalar cannot end after the next token saphyr saw.
    (end <= reported.end.max(start) || reported.end >= src.len())
        .then(|| Span::new(ls + indicator, end))
}

fn options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    // moat reads comments from the text itself (suppressions), never from the parser. With
    // comment events on, the parser buffers them while it looks ahead past an empty value and
    // gives up after 32 (`too many buffered comments`): valid Helm values with a commented-out
    // example block under `key:` were rejected. Off, comments are validated and dropped.
    options.emit_comments = false;
    let mut budget = options.budget.clone().unwrap_or_default();
    budget.max_depth = MAX_DEPTH;
    budget.flow_nesting_limit = budget.flow_nesting_limit.min(MAX_DEPTH);
    options.budget = Some(budget);
    options
}

/// Parse every document of a YAML stream. Empty documents become `Null` nodes.
pub fn parse_documents(src: &str) -> Result<Vec<YNode>, YamlError> {
    // serde-saphyr's recursion guard counts nesting as it descends; a cheap pre-scan of flow
    // brackets rejects 100k-deep input before the parser spends time building an error snippet.
    if let Some(at) =
        flow_depth_exceeds(src, MAX_DEPTH).or_else(|| block_depth_exceeds(src, MAX_DEPTH))
    {
        return Err(YamlError {
            message: format!("nesting deeper than {MAX_DEPTH} levels"),
            span: Span::new(at, at + 1),
        });
    }
    match serde_saphyr::from_multiple_with_options::<Spanned<YValue>>(src, options()) {
        Ok(docs) => {
            let lines = Lines::of(src);
            Ok(docs
                .into_iter()
                .map(|d| {
                    let mut n = node(d);
                    settle_block_scalars(&mut n, &lines);
                    n
                })
                .collect())
        }
        Err(e) => {
            let message = first_line(&e.without_snippet().to_string());
            let span = e
                .location()
                .map(|l| {
                    let s = loc_span(&l);
                    if s.is_empty() {
                        one_char(src, s.start)
                    } else {
                        s
                    }
                })
                .filter(|s| s.start > 0 || s.end > 1)
                .or_else(|| span_from_message(src, &message))
                .unwrap_or_default();
            Err(YamlError { message, span })
        }
    }
}

/// Some errors (an alias to an unknown anchor) carry their position only in the message.
fn span_from_message(src: &str, message: &str) -> Option<Span> {
    let rest = &message[message.find("at line ")? + 8..];
    let (line, rest) = rest.split_once(", column ")?;
    let line: usize = line.trim().parse().ok()?;
    let column: usize = rest
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()?;
    let line_start = src
        .split_inclusive('\n')
        .take(line.checked_sub(1)?)
        .map(str::len)
        .sum::<usize>();
    let line_text = src[line_start..].lines().next().unwrap_or("");
    let offset = line_start
        + line_text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(line_text.len(), |(i, _)| i);
    Some(one_char(src, offset))
}

/// The span of the character at `offset` (empty at the end of the text), on char boundaries.
fn one_char(src: &str, offset: usize) -> Span {
    let start = crate::source::floor_char_boundary(src, offset.min(src.len()));
    let len = src[start..].chars().next().map_or(0, char::len_utf8);
    Span::new(start, start + len)
}

fn first_line(s: &str) -> String {
    s.lines()
        .next()
        .unwrap_or("invalid YAML")
        .trim()
        .to_string()
}

/// Offset of the first line nested (by indentation and `- ` markers) deeper than `limit`.
/// serde-saphyr bounds depth too, but its recursive descent can exhaust a 2 MB thread stack
/// in unoptimised builds before its own budget trips; this scan is linear and has no stack.
fn block_depth_exceeds(src: &str, limit: usize) -> Option<usize> {
    let mut indents: Vec<usize> = Vec::new();
    let mut scalar_indent: Option<usize> = None;
    let mut offset = 0;
    for line in src.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim_start_matches(' ');
        let indent = body.len() - trimmed.len();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(si) = scalar_indent {
            if indent > si {
                continue; // inside a block scalar: text, not structure
            }
            scalar_indent = None;
        }
        while indents.last().is_some_and(|&top| top >= indent) {
            indents.pop();
        }
        indents.push(indent);
        let mut rest = trimmed;
        let mut col = indent;
        while let Some(r) = rest.strip_prefix("- ") {
            let skipped = r.len() - r.trim_start_matches(' ').len();
            col += 2 + skipped;
            indents.push(col);
            rest = &r[skipped..];
        }
        if indents.len() > limit {
            return Some(start + indent);
        }
        let t = rest.trim_end();
        let header = t.rsplit(' ').next().unwrap_or("");
        if header.starts_with('|') || header.starts_with('>') {
            scalar_indent = Some(indent);
        }
    }
    None
}

/// Offset of the first flow bracket nested deeper than `limit`, ignoring quoted text and
/// comments only roughly: it is a guard, the parser remains the judge.
fn flow_depth_exceeds(src: &str, limit: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in src.bytes().enumerate() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                if depth > limit * 4 {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'\n' => {}
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_of_keys_values_and_merges() {
        let src = "x: &c\n  image: \"redis:7\"\n  a: 1\nweb:\n  <<: *c\n  a: 2\n";
        let docs = parse_documents(src).unwrap();
        let web = docs[0].get("web").unwrap();
        let image = web.get("image").unwrap();
        assert_eq!(&src[image.defined.start..image.defined.end], "\"redis:7\"");
        assert!(image.is_aliased());
        assert_eq!(web.get("a").unwrap().value, YValue::Int(2));
        let x_image = docs[0].get("x").unwrap().get("image").unwrap();
        assert_eq!(
            x_image.content_span(src).map(|s| &src[s.start..s.end]),
            Some("redis:7")
        );
    }

    #[test]
    fn long_comment_blocks_after_an_empty_value_parse() {
        // Helm values: `key:` with no value, then a commented-out example block.
        for lines in [1, 33, 500] {
            let comments: String = (0..lines).map(|i| format!("  # line {i}\n")).collect();
            let src = format!("resources:\n{comments}other: 1\nlist:\n{comments}  - a\n");
            let docs = parse_documents(&src).unwrap_or_else(|e| panic!("{lines}: {e:?}"));
            assert_eq!(docs[0].get("other").unwrap().value, YValue::Int(1));
            assert!(docs[0].get("resources").unwrap().value == YValue::Null);
        }
    }

    #[test]
    fn octal_looking_modes_keep_their_text() {
        let src = "mode: 0777\n";
        let docs = parse_documents(src).unwrap();
        assert_eq!(
            docs[0].get("mode").unwrap().scalar_text(src).as_deref(),
            Some("0777")
        );
    }

    #[test]
    fn multi_document_offsets_are_absolute() {
        let src = "a: 1\n---\nkind: Pod\n";
        let docs = parse_documents(src).unwrap();
        assert_eq!(docs.len(), 2);
        let kind = docs[1].get("kind").unwrap();
        assert_eq!(&src[kind.span.start..kind.span.end], "Pod");
    }

    #[test]
    fn billion_laughs_and_deep_nesting_fail_fast() {
        let mut s = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for i in 1..10u8 {
            let prev = (b'a' + i - 1) as char;
            let cur = (b'a' + i) as char;
            let refs = vec![format!("*{prev}"); 9].join(",");
            s.push_str(&format!("{cur}: &{cur} [{refs}]\n"));
        }
        assert!(parse_documents(&s).is_err());
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert!(parse_documents(&deep).is_err());
        let block: String = (0..3000)
            .map(|i| format!("{}a:\n", " ".repeat(i)))
            .collect();
        assert!(parse_documents(&block).is_err());
        let seqs: String = (0..3000)
            .map(|i| format!("{}- \n", " ".repeat(i * 2)))
            .collect();
        assert!(parse_documents(&seqs).is_err());
        let inline = "- ".repeat(5000) + "x\n";
        assert!(parse_documents(&inline).is_err());
        // Deeply indented text inside a block scalar is not nesting.
        let script: String = (0..200)
            .map(|i| format!("    {}x\n", " ".repeat(i)))
            .collect();
        assert!(parse_documents(&format!("a: |\n{script}")).is_ok());
    }

    #[test]
    fn unknown_alias_points_at_the_alias() {
        let src = "a: 1\nb: *nope\n";
        let e = parse_documents(src).unwrap_err();
        assert_eq!(e.span.start, 8, "{e:?}");
    }

    #[test]
    fn errors_carry_a_location() {
        let src = "a: [1, 2\nb: c\n";
        let e = parse_documents(src).unwrap_err();
        assert!(!e.message.is_empty());
        assert!(e.span.start <= src.len());
    }
}
