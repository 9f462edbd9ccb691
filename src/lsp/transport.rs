//! The language server's stdio transport, written here instead of lsp-server's because that
//! one trusts its input: it allocates whatever `Content-Length` says (a huge one aborts the
//! process) and ends the session, silently, on the first malformed message. Here a message
//! over [`MAX_MESSAGE_BYTES`] is skipped without being held in memory, a body that is not
//! JSON, not UTF-8 or not a JSON-RPC message gets a JSON-RPC error, and serving goes on.

use crossbeam_channel::{Receiver, Sender};
use lsp_server::{Connection, Message};
use serde_json::{json, Value};
use std::io::{self, BufRead, Read, Write};
use std::thread;

/// The largest message read: a document moat lints is at most `MAX_FILE_BYTES`, and JSON
/// escaping can double it (more for control characters, which a configuration rarely has).
pub const MAX_MESSAGE_BYTES: u64 = 4 * crate::MAX_FILE_BYTES;

/// A header line longer than this is not a header.
const MAX_HEADER_LINE: u64 = 1024;

/// The reader and writer threads; `join` once the connection is dropped.
pub struct IoThreads {
    reader: thread::JoinHandle<()>,
    writer: thread::JoinHandle<()>,
}

impl IoThreads {
    pub fn join(self) {
        let _ = self.writer.join();
        let _ = self.reader.join();
    }
}

/// A connection over standard input and output.
pub fn stdio() -> (Connection, IoThreads) {
    let (to_client, outgoing) = crossbeam_channel::unbounded::<Message>();
    let (incoming, from_client) = crossbeam_channel::unbounded::<Message>();
    let writer = thread::spawn(move || write_all(outgoing));
    let reader = thread::spawn(move || {
        let stdin = io::stdin();
        read_all(&mut stdin.lock(), &incoming, &mut || io::stdout().lock());
    });
    (
        Connection {
            sender: to_client,
            receiver: from_client,
        },
        IoThreads { reader, writer },
    )
}

fn write_all(outgoing: Receiver<Message>) {
    for msg in outgoing {
        // Locked per message: the reader writes its error replies between them.
        if msg.write(&mut io::stdout().lock()).is_err() {
            return;
        }
    }
}

/// Reads messages until the input ends or an `exit` notification, passing good ones to
/// `incoming` and answering the others on `reply` (stdout, locked for one message).
pub fn read_all<W: Write>(
    input: &mut impl BufRead,
    incoming: &Sender<Message>,
    reply: &mut dyn FnMut() -> W,
) {
    loop {
        let frame = match read_frame(input) {
            Ok(Some(frame)) => frame,
            Ok(None) | Err(_) => return,
        };
        let (id, code, message) = match frame {
            Frame::Body(body) => match parse(&body) {
                Ok(msg) => {
                    let exit = matches!(&msg, Message::Notification(n) if n.method == "exit");
                    if incoming.send(msg).is_err() || exit {
                        return;
                    }
                    continue;
                }
                Err(e) => e,
            },
            Frame::TooLarge(len) => (
                Value::Null,
                lsp_server::ErrorCode::InvalidRequest,
                format!(
                    "message of {len} bytes is over the {MAX_MESSAGE_BYTES}-byte limit; skipped"
                ),
            ),
            Frame::BadHeader(why) => (
                Value::Null,
                lsp_server::ErrorCode::ParseError,
                format!("malformed message header: {why}"),
            ),
        };
        let error = json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": { "code": code as i32, "message": message },
        });
        let text = error.to_string();
        let mut out = reply();
        let written =
            write!(out, "Content-Length: {}\r\n\r\n{text}", text.len()).and_then(|()| out.flush());
        if written.is_err() {
            return;
        }
    }
}

enum Frame {
    Body(Vec<u8>),
    /// Skipped (read and dropped): its length.
    TooLarge(u64),
    /// A header block that cannot be read; the body, if any, is unknown and left in the stream.
    BadHeader(String),
}

/// One `Content-Length`-framed message; `None` at the end of the input.
fn read_frame(input: &mut impl BufRead) -> io::Result<Option<Frame>> {
    let mut length: Option<Result<u64, String>> = None;
    let mut any = false;
    loop {
        let mut line = Vec::new();
        let n = input
            .by_ref()
            .take(MAX_HEADER_LINE)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(None);
        }
        if !line.ends_with(b"\n") {
            // Over-long: drop the rest of the line.
            let mut rest = Vec::new();
            input.read_until(b'\n', &mut rest)?;
            length = Some(Err("a header line is too long".into()));
            continue;
        }
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if !any {
                // Blank lines between messages: tolerated.
                continue;
            }
            break;
        }
        any = true;
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("Content-Length") {
                length = Some(
                    value
                        .trim()
                        .parse::<u64>()
                        .map_err(|_| format!("Content-Length `{}` is not a number", value.trim())),
                );
            }
        }
    }
    let length = match length {
        Some(Ok(n)) => n,
        Some(Err(why)) => return Ok(Some(Frame::BadHeader(why))),
        None => return Ok(Some(Frame::BadHeader("no Content-Length".into()))),
    };
    if length > MAX_MESSAGE_BYTES {
        io::copy(&mut input.by_ref().take(length), &mut io::sink())?;
        return Ok(Some(Frame::TooLarge(length)));
    }
    let mut body = Vec::new();
    input.by_ref().take(length).read_to_end(&mut body)?;
    if (body.len() as u64) < length {
        return Ok(None);
    }
    Ok(Some(Frame::Body(body)))
}

/// A message, or the JSON-RPC error that answers it: the id (when the request has one that
/// can be read), the code and a message.
fn parse(body: &[u8]) -> Result<Message, (Value, lsp_server::ErrorCode, String)> {
    use lsp_server::ErrorCode::{InvalidRequest, ParseError};
    let text = std::str::from_utf8(body).map_err(|e| {
        (
            Value::Null,
            ParseError,
            format!("message body is not UTF-8 (byte {})", e.valid_up_to()),
        )
    })?;
    let value: Value = serde_json::from_str(text).map_err(|e| {
        (
            Value::Null,
            ParseError,
            format!("message body is not JSON: {e}"),
        )
    })?;
    let id = match value.get("id") {
        Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
        _ => Value::Null,
    };
    // lsp-server reads anything with an id as a response; one needs a result or an error.
    let kind_known = value.get("method").is_some()
        || value.get("result").is_some()
        || value.get("error").is_some();
    if !kind_known {
        return Err((
            id,
            InvalidRequest,
            "not a JSON-RPC message: no method, result or error".into(),
        ));
    }
    serde_json::from_value(value)
        .map_err(|e| (id, InvalidRequest, format!("not a JSON-RPC message: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    /// Runs the reader over `input`; the messages it passes on and the replies it wrote.
    fn run(input: &[u8]) -> (Vec<Message>, Vec<Value>) {
        let (tx, rx) = crossbeam_channel::unbounded();
        let replies = std::cell::RefCell::new(Vec::new());
        read_all(&mut &input[..], &tx, &mut || {
            // Each reply is written to a fresh buffer and collected on drop.
            Collect(&replies, Vec::new())
        });
        drop(tx);
        let replies = replies
            .into_inner()
            .into_iter()
            .map(|raw: Vec<u8>| {
                let text = String::from_utf8(raw).unwrap();
                let (_, body) = text.split_once("\r\n\r\n").unwrap();
                serde_json::from_str(body).unwrap()
            })
            .collect();
        (rx.into_iter().collect(), replies)
    }

    struct Collect<'a>(&'a std::cell::RefCell<Vec<Vec<u8>>>, Vec<u8>);
    impl Write for Collect<'_> {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.1.extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    impl Drop for Collect<'_> {
        fn drop(&mut self) {
            self.0.borrow_mut().push(std::mem::take(&mut self.1));
        }
    }

    #[test]
    fn malformed_messages_get_errors_and_serving_goes_on() {
        let good = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let mut input = Vec::new();
        input.extend(framed("{not json").as_bytes());
        input.extend(b"Content-Length: 3\r\n\r\n\xff\xfe\x80");
        input.extend(framed(r#"{"jsonrpc":"2.0","id":7,"params":{}}"#).as_bytes());
        input.extend(b"Content-Length: 99999999999999999999999\r\n\r\n");
        input.extend(b"X-Nothing: at all\r\n\r\n");
        input.extend(framed(good).as_bytes());
        let (messages, replies) = run(&input);
        assert_eq!(messages.len(), 1, "{messages:?}");
        let codes: Vec<i64> = replies
            .iter()
            .map(|r| r["error"]["code"].as_i64().unwrap())
            .collect();
        assert_eq!(
            codes,
            [-32700, -32700, -32600, -32700, -32700],
            "{replies:?}"
        );
        assert_eq!(replies[2]["id"], 7);
        assert!(replies.iter().all(|r| r["jsonrpc"] == "2.0"));
    }

    /// A message over the limit is read and dropped, never held: the next one is served.
    #[test]
    fn a_message_over_the_limit_is_skipped() {
        let len = MAX_MESSAGE_BYTES + 1;
        let mut input = format!("Content-Length: {len}\r\n\r\n").into_bytes();
        input.resize(input.len() + len as usize, b' ');
        input.extend(framed(r#"{"jsonrpc":"2.0","method":"exit"}"#).as_bytes());
        input.extend(framed(r#"{"jsonrpc":"2.0","method":"never read"}"#).as_bytes());
        let (messages, replies) = run(&input);
        assert_eq!(replies.len(), 1);
        assert!(replies[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("over the"));
        assert_eq!(messages.len(), 1, "stops after exit");
    }
}
