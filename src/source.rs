//! Source text, byte spans and line/column positions: one place for all of it.

use std::path::PathBuf;

/// A half-open byte range into a file's text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    pub fn len(&self) -> usize {
        self.end - self.start
    }
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
    /// Smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A 1-based line and column (columns count Unicode scalar values), plus the byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
}

/// One file as read: its display path and its text (BOM stripped, offsets are into `text`
/// *after* the BOM; `bom_len` tells fixes where the original bytes start).
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub display: String,
    pub text: String,
    pub bom_len: usize,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: PathBuf, display: String, text: String, bom_len: usize) -> Self {
        let line_starts = line_starts(&text);
        SourceFile {
            path,
            display,
            text,
            bom_len,
            line_starts,
        }
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }

    pub fn position(&self, offset: usize) -> Position {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let line_idx = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line_idx];
        let column = self.text[start..offset].chars().count() + 1;
        Position {
            line: line_idx + 1,
            column,
            // Offsets in every output are bytes of the file as stored, BOM included.
            offset: offset + self.bom_len,
        }
    }

    /// Byte range of the 1-based line `line`, without its terminator.
    pub fn line_span(&self, line: usize) -> Span {
        let start = self.line_starts[line - 1];
        let mut end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        let bytes = self.text.as_bytes();
        while end > start && matches!(bytes[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        Span::new(start, end)
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

/// Line starts after `\n`, `\r\n` or a lone `\r`.
fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => starts.push(i + 1),
            b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
            _ => {}
        }
        i += 1;
    }
    starts
}

pub fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_chars_and_handle_crlf_and_lone_cr() {
        let f = SourceFile::new("x".into(), "x".into(), "ab\r\né x\rz".into(), 0);
        assert_eq!(f.position(0).line, 1);
        let p = f.position(7); // 'x' after "é "
        assert_eq!((p.line, p.column), (2, 3));
        assert_eq!(f.position(9).line, 3);
        assert_eq!(f.slice(f.line_span(1)), "ab");
        let bom = SourceFile::new("x".into(), "x".into(), "ab".into(), 3);
        assert_eq!(bom.position(1).offset, 4);
    }
}
