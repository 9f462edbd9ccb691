//! Splitting a command string into words the way a POSIX shell tokenizes them, with the span
//! of each word in the source. Used for Compose's string-form `command:` / `entrypoint:`.
//!
//! Understood: blanks (space, tab, newline) between words, single quotes (everything literal),
//! double quotes (a backslash escapes only `\`, `"`, `$`, `` ` `` and newline), backslash
//! escapes outside quotes, and backslash-newline line continuations. Not interpreted:
//! variables, globs, command substitution and operators such as `&&` or `;` — they stay in
//! the words as written, since nothing here is ever executed. An unterminated quote runs to
//! the end of the text.

use super::Spanned;
use crate::source::Span;

/// Split `text` into words. `base` is the byte offset of `text` in the source file; each
/// word's span covers the word as written (quotes included), offset by `base`.
pub fn split(text: &str, base: usize) -> Vec<Spanned<String>> {
    let mut words = Vec::new();
    let mut chars = text.char_indices().peekable();
    // The word being built: its text and where it started; `None` between words.
    let mut current: Option<(String, usize)> = None;
    let mut end = 0usize;

    while let Some((i, c)) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                if let Some((word, start)) = current.take() {
                    words.push(Spanned::new(word, Span::new(base + start, base + end)));
                }
                continue;
            }
            '\\' => match chars.next() {
                // A line continuation joins the lines: it adds nothing and ends no word.
                Some((_, '\n')) => {
                    continue;
                }
                Some((_, '\r')) => {
                    if let Some(&(_, '\n')) = chars.peek() {
                        chars.next();
                    }
                    continue;
                }
                Some((j, escaped)) => {
                    let (word, _) = current.get_or_insert_with(|| (String::new(), i));
                    word.push(escaped);
                    end = j + escaped.len_utf8();
                }
                None => {
                    // A trailing backslash is kept literally.
                    let (word, _) = current.get_or_insert_with(|| (String::new(), i));
                    word.push('\\');
                    end = i + 1;
                }
            },
            '\'' => {
                let (word, _) = current.get_or_insert_with(|| (String::new(), i));
                end = text.len();
                for (j, d) in chars.by_ref() {
                    if d == '\'' {
                        end = j + 1;
                        break;
                    }
                    word.push(d);
                }
            }
            '"' => {
                let (word, _) = current.get_or_insert_with(|| (String::new(), i));
                end = text.len();
                while let Some((j, d)) = chars.next() {
                    match d {
                        '"' => {
                            end = j + 1;
                            break;
                        }
                        '\\' => match chars.peek().copied() {
                            Some((_, e @ ('\\' | '"' | '$' | '`'))) => {
                                chars.next();
                                word.push(e);
                            }
                            Some((_, '\n')) => {
                                chars.next();
                            }
                            _ => word.push('\\'),
                        },
                        _ => word.push(d),
                    }
                }
            }
            _ => {
                let (word, _) = current.get_or_insert_with(|| (String::new(), i));
                word.push(c);
                end = i + c.len_utf8();
            }
        }
    }
    if let Some((word, start)) = current.take() {
        words.push(Spanned::new(word, Span::new(base + start, base + end)));
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        split(text, 0).into_iter().map(|w| w.value).collect()
    }

    /// Each word with the source text its span covers.
    fn spans<'a>(src: &'a str, text: &str, base: usize) -> Vec<(String, &'a str)> {
        split(text, base)
            .into_iter()
            .map(|w| (w.value, &src[w.span.start..w.span.end]))
            .collect()
    }

    #[test]
    fn blanks_separate_words() {
        assert_eq!(
            words("  ollama   serve\t--port 11434\n"),
            ["ollama", "serve", "--port", "11434"]
        );
        assert!(words("").is_empty());
        assert!(words(" \t\n ").is_empty());
    }

    #[test]
    fn single_quotes_are_literal() {
        assert_eq!(
            words(r#"sh -c 'echo "$HOME" \n'"#),
            ["sh", "-c", r#"echo "$HOME" \n"#]
        );
        assert_eq!(words("''"), [""]);
        assert_eq!(words("a'b c'd"), ["ab cd"]);
    }

    #[test]
    fn double_quotes_escape_only_special_characters() {
        assert_eq!(words(r#""a \"b\" \$c \\ \n""#), [r#"a "b" $c \ \n"#]);
        assert_eq!(words(r#"--name="my app" x"#), ["--name=my app", "x"]);
        assert_eq!(words(r#""""#), [""]);
    }

    #[test]
    fn backslashes_outside_quotes() {
        assert_eq!(words(r"a\ b c\\d \'e"), ["a b", r"c\d", "'e"]);
        assert_eq!(
            words("python app.py \\\n  --debug"),
            ["python", "app.py", "--debug"]
        );
        assert_eq!(words("a\\\r\nb"), ["ab"]);
        assert_eq!(words("end\\"), ["end\\"]);
    }

    #[test]
    fn operators_and_variables_are_kept_as_written() {
        assert_eq!(words("a && b; echo $X"), ["a", "&&", "b;", "echo", "$X"]);
    }

    #[test]
    fn unterminated_quotes_run_to_the_end() {
        assert_eq!(words("echo 'abc def"), ["echo", "abc def"]);
        assert_eq!(words("echo \"abc \\"), ["echo", "abc \\"]);
    }

    #[test]
    fn spans_cover_words_as_written_in_the_source() {
        let src = r#"command: sh -c "echo 'hi there'" --x=a\ b é"#;
        let base = src.find("sh").unwrap();
        let text = &src[base..];
        assert_eq!(
            spans(src, text, base),
            [
                ("sh".to_string(), "sh"),
                ("-c".to_string(), "-c"),
                ("echo 'hi there'".to_string(), r#""echo 'hi there'""#),
                ("--x=a b".to_string(), r"--x=a\ b"),
                ("é".to_string(), "é"),
            ]
        );
        let src = "x 'open";
        assert_eq!(spans(src, src, 0)[1].1, "'open");
        let src = "a\\ ";
        assert_eq!(spans(src, src, 0), [("a ".to_string(), "a\\ ")]);
    }
}
