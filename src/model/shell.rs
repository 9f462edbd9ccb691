//! Just enough POSIX shell to find the simple commands in a `RUN` line: words with their
//! ranges, pipes, and `&&`/`||`/`;` lists. Never executed, and not a full grammar: quoting,
//! escapes, assignments and operators are what the rules need to name a command exactly.

use std::ops::Range;
use std::rc::Rc;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Quotes removed, escapes resolved.
    pub text: String,
    pub range: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleCommand {
    /// `NAME=value` words before the command name.
    pub assignments: Vec<Word>,
    /// The command name and its arguments.
    pub words: Vec<Word>,
    pub range: Range<usize>,
    /// Its output is piped to the next command.
    pub piped: bool,
}

impl SimpleCommand {
    pub fn name(&self) -> Option<&str> {
        self.words
            .first()
            .map(|w| w.text.rsplit('/').next().unwrap_or(&w.text))
    }
}

/// The shell texts of one file, each split into simple commands once: a Dockerfile's command
/// nodes and its package pins both read the commands of each `RUN` (splitting them twice was
/// 2% of a Dockerfile run). Keyed by where the text lives, which is fixed while the parsed
/// file is borrowed.
#[derive(Default)]
pub struct Parsed<'a> {
    by_text: std::cell::RefCell<std::collections::HashMap<TextAt, Rc<Vec<SimpleCommand>>>>,
    texts: std::marker::PhantomData<&'a str>,
}

/// A text's address and length.
type TextAt = (usize, usize);

impl<'a> Parsed<'a> {
    pub fn commands(&self, text: &'a str) -> Rc<Vec<SimpleCommand>> {
        let key = (text.as_ptr() as usize, text.len());
        self.by_text
            .borrow_mut()
            .entry(key)
            .or_insert_with(|| Rc::new(commands(text)))
            .clone()
    }
}

/// Split `text` into simple commands. Ranges are byte ranges into `text`.
pub fn commands(text: &str) -> Vec<SimpleCommand> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut words: Vec<Word> = Vec::new();
    let mut i = 0;
    let finish = |words: &mut Vec<Word>, out: &mut Vec<SimpleCommand>, piped: bool| {
        if words.is_empty() {
            return;
        }
        let all = std::mem::take(words);
        let start = all[0].range.start;
        let end = all[all.len() - 1].range.end;
        let split = all
            .iter()
            .position(|w| !is_assignment(&w.text))
            .unwrap_or(all.len());
        let mut all = all;
        let words = all.split_off(split);
        out.push(SimpleCommand {
            assignments: all,
            words,
            range: start..end,
            piped,
        });
    };
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b' ' | b'\t' | b'\r' => i += 1,
            b'\n' | b';' | b'(' | b')' | b'{' | b'}'
                if b != b'{' && b != b'}' || is_lone_brace(bytes, i) =>
            {
                finish(&mut words, &mut out, false);
                i += 1;
            }
            b'#' if words.is_empty()
                || bytes
                    .get(i.wrapping_sub(1))
                    .is_some_and(|p| p.is_ascii_whitespace()) =>
            {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'|' => {
                let double = bytes.get(i + 1) == Some(&b'|');
                finish(&mut words, &mut out, !double);
                i += if double { 2 } else { 1 };
                if bytes.get(i) == Some(&b'&') {
                    i += 1;
                }
            }
            b'&' => {
                finish(&mut words, &mut out, false);
                i += if bytes.get(i + 1) == Some(&b'&') {
                    2
                } else {
                    1
                };
            }
            b'<' | b'>' if bytes.get(i + 1) == Some(&b'(') => {
                // Process substitution, `<(curl …)`: one word, its command inside.
                let end = closing_paren(bytes, i + 1);
                words.push(Word {
                    text: text[i..end].to_string(),
                    range: i..end,
                });
                i = end;
            }
            b'<' | b'>' => {
                // Redirection: skip the operator and its target word.
                while i < bytes.len() && matches!(bytes[i], b'<' | b'>' | b'&' | b'-') {
                    i += 1;
                }
                while i < bytes.len() && matches!(bytes[i], b' ' | b'\t') {
                    i += 1;
                }
                let (_, next) = word(text, i);
                i = next.max(i + 1).min(bytes.len());
            }
            _ => {
                // `2>` style redirections start with a digit.
                if b.is_ascii_digit() && matches!(bytes.get(i + 1), Some(b'<' | b'>')) {
                    i += 1;
                    continue;
                }
                // The `$` of an unquoted `$(`: the substitution's commands follow (the `(`
                // ends the command before it). A `$` word was a command named `$` for each
                // `$(`: a model node per two bytes of `$($($(…`.
                if b == b'$' && bytes.get(i + 1) == Some(&b'(') {
                    i += 1;
                    continue;
                }
                let (w, next) = word(text, i);
                words.push(w);
                i = next.max(i + 1);
            }
        }
    }
    finish(&mut words, &mut out, false);
    out
}

/// The index after the `)` that closes the `(` at `open`, quotes and nesting respected (the
/// end of the text when it never closes).
fn closing_paren(bytes: &[u8], open: usize) -> usize {
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut i = open;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(b'"') if b == b'\\' => i += 1,
            Some(_) => {}
            None => match b {
                b'\'' | b'"' => quote = Some(b),
                b'\\' => i += 1,
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return i + 1;
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    bytes.len()
}

fn is_lone_brace(bytes: &[u8], i: usize) -> bool {
    let before = i == 0 || bytes[i - 1].is_ascii_whitespace() || bytes[i - 1] == b';';
    let after = bytes
        .get(i + 1)
        .is_none_or(|b| b.is_ascii_whitespace() || *b == b';');
    before && after
}

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

/// One word starting at `start`: returns it and the index after it.
fn word(text: &str, start: usize) -> (Word, usize) {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut i = start;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b' ' | b'\t' | b'\r' | b'\n' | b';' | b'|' | b'&' | b'<' | b'>' | b'(' | b')' => break,
            b'\'' => {
                let end = text[i + 1..].find('\'').map_or(bytes.len(), |e| i + 1 + e);
                out.push_str(&text[i + 1..end]);
                i = (end + 1).min(bytes.len());
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\'
                        && i + 1 < bytes.len()
                        && matches!(bytes[i + 1], b'"' | b'\\' | b'$' | b'`')
                    {
                        i += 1;
                    }
                    let ch = char_at(text, i);
                    out.push(ch);
                    i += ch.len_utf8();
                }
                i = (i + 1).min(bytes.len());
            }
            b'\\' if i + 1 < bytes.len() => {
                let ch = char_at(text, i + 1);
                if ch != '\n' {
                    out.push(ch);
                }
                i += 1 + ch.len_utf8();
            }
            _ => {
                let ch = char_at(text, i);
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    (
        Word {
            text: out,
            range: start..i,
        },
        i,
    )
}

fn char_at(text: &str, i: usize) -> char {
    text[i..].chars().next().unwrap_or(' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<(String, bool)> {
        commands(text)
            .iter()
            .map(|c| (c.name().unwrap_or("").to_string(), c.piped))
            .collect()
    }

    #[test]
    fn pipes_and_lists() {
        assert_eq!(
            names("apt-get update && curl -fsSL https://x/install.sh | sh -s -- -y; echo done"),
            vec![
                ("apt-get".into(), false),
                ("curl".into(), true),
                ("sh".into(), false),
                ("echo".into(), false)
            ]
        );
        assert_eq!(
            names("a || b"),
            vec![("a".into(), false), ("b".into(), false)]
        );
    }

    #[test]
    fn quotes_assignments_and_ranges() {
        let text = "FOO=1 /usr/bin/env 'a b' \"c\\\"d\" 2>/dev/null";
        let cmds = commands(text);
        assert_eq!(cmds.len(), 1);
        assert_eq!(cmds[0].assignments[0].text, "FOO=1");
        assert_eq!(cmds[0].name(), Some("env"));
        let words: Vec<&str> = cmds[0].words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(words, ["/usr/bin/env", "a b", "c\"d"]);
        assert_eq!(&text[cmds[0].words[1].range.clone()], "'a b'");
    }

    #[test]
    fn substitutions_are_their_commands_not_a_dollar_command() {
        assert_eq!(
            names("echo $(curl -fsSL x | sh)"),
            vec![
                ("echo".into(), false),
                ("curl".into(), true),
                ("sh".into(), false)
            ]
        );
        let nested = format!("echo {}x{}", "$(".repeat(1000), ")".repeat(1000));
        assert_eq!(
            names(&nested),
            vec![("echo".into(), false), ("x".into(), false)]
        );
    }

    #[test]
    fn never_panics_on_odd_input() {
        for t in [
            "'", "\"", "\\", "|", "&&", "é'x", "a\\", "2>", "<<<", "{ a; }",
        ] {
            let _ = commands(t);
        }
    }
}
