//! Files from strangers' pull requests, second part: inputs that try to make moat spend
//! without bound (variable expansion, CEL in a rule folder the tree brings), text that tries
//! to drive the terminal or forge output lines, and a language-server client that sends
//! garbage. Each test names the class it holds, not only its example.

#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn moat_in(dir: Option<&Path>, args: &[&str]) -> (Output, Duration) {
    let start = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_moat"));
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    let o = cmd.args(args).env("NO_COLOR", "1").output().unwrap();
    (o, start.elapsed())
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Control characters that would reach the terminal raw: C0 but tab and newline, DEL, C1,
/// and the bidi controls that reorder what is shown.
fn raw_controls(s: &str) -> Vec<char> {
    s.chars()
        .filter(|&c| {
            (c.is_control() && c != '\t' && c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

// --- Bounded cost ------------------------------------------------------------------------

/// Class: variables whose values grow by reference (`ENV a=$a$a`, doubling `ARG`s) grow
/// exponentially in the lines of a file. Expansion has a budget per value and per file; past
/// it the value is unknown and a note says where moat stopped. Before: 26 `ENV` lines took
/// 2.1 GB, 40 `ARG` lines aborted the process.
#[test]
fn variable_expansion_stops_at_a_budget_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = String::from("FROM alpine:3.20\nENV a=x\n");
    env.push_str(&"ENV a=$a$a\n".repeat(26));
    env.push_str("RUN pip install redis==$a\n");
    std::fs::write(dir.path().join("Dockerfile"), &env).unwrap();
    let mut arg = String::from("ARG a=x\n");
    arg.push_str(&"ARG a=${a}${a}\n".repeat(40));
    arg.push_str("FROM redis:$a\nCOPY --from=img$a / /\n");
    std::fs::write(dir.path().join("arg.Dockerfile"), &arg).unwrap();
    let (o, elapsed) = moat_in(
        None,
        // Every rule: the images' findings (root, no healthcheck) are outside the default set.
        &[
            "check",
            dir.path().to_str().unwrap(),
            "--format",
            "concise",
            "--select",
            "ALL",
        ],
    );
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    // 2^16 > 64 KiB: the 17th doubling (line 19) is the first value past the limit.
    assert!(
        out.contains("Dockerfile:19:5: info[skipped] variable expansion stopped here"),
        "{out}"
    );
    assert!(
        out.contains("arg.Dockerfile:18:7: info[skipped] variable expansion stopped here"),
        "{out}"
    );
}

/// The same budget holds in the language server (it lints the same way): before, it
/// aborted on the doubling `ARG`s.
#[test]
fn the_language_server_survives_expansion_bombs() {
    let mut arg = String::from("ARG a=x\n");
    arg.push_str(&"ARG a=${a}${a}\n".repeat(40));
    arg.push_str("FROM redis:$a\n");
    let mut c = Lsp::start();
    c.initialize();
    c.send(&serde_json::json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "file:///nonexistent/Dockerfile", "languageId": "dockerfile", "version": 1, "text": arg}}}));
    let published = c.until(|m| m["method"] == "textDocument/publishDiagnostics");
    let messages: Vec<&str> = published["params"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["message"].as_str())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("variable expansion stopped here")),
        "{messages:?}"
    );
    assert_eq!(c.shutdown(), Some(0));
}

/// Class: CEL in a rule folder (which a `.moat.toml` inside the linted tree may name) that
/// loops over the facts inside another loop, or works on all of them inside one, costs n²
/// or more in the size of a file's facts: minutes on a few MB. It is refused at load as a
/// rule error at its place in the rule file.
#[test]
fn a_rule_whose_cel_is_not_linear_is_refused_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let area = dir.path().join("compose");
    std::fs::create_dir_all(&area).unwrap();
    let rule = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("rules/compose/DC001-port-published-on-all-interfaces.toml"),
    )
    .unwrap()
    .replace("DC001", "DC901")
    .replace("\"port-published-on-all-interfaces\"", "\"costly\"");
    let condition = rule
        .lines()
        .find(|l| l.starts_with("condition"))
        .expect("a condition line")
        .to_string();
    let costly = rule.replace(
        &condition,
        "condition = \"service.ports.all(a, service.ports.all(b, service.ports.all(c, a == b)))\"",
    );
    std::fs::write(area.join("DC901-costly.toml"), &costly).unwrap();
    let line = costly
        .lines()
        .position(|l| l.starts_with("condition"))
        .unwrap()
        + 1;
    let (o, elapsed) = moat_in(
        None,
        &[
            "check",
            "testdata/cli",
            "--rule-dir",
            dir.path().to_str().unwrap(),
        ],
    );
    assert!(elapsed < Duration::from_secs(20));
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains(&format!("DC901-costly.toml:{line}:")), "{err}");
    assert!(err.contains("too costly"), "{err}");
}

// --- Nothing reaches the terminal that the user did not write ------------------------------

const BAD_COMPOSE: &str = "services:\n  a:\n    image: redis:7\n    ports: [\"6379:6379\"]\n";

/// Class: a file name is text from the tree. A newline in it forged finding lines in concise
/// and human output, and escape sequences in it reached the terminal. Every text format
/// escapes it; JSON keeps it exact.
#[test]
fn file_names_cannot_forge_lines_or_drive_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let name = "compose.x\netc-passwd:1:1: critical[DC001] forged\x1b]0;title\x07\u{202e}.yaml";
    std::fs::write(dir.path().join(name), BAD_COMPOSE).unwrap();
    let path = dir.path().join(name);
    let path = path.to_str().unwrap();
    let (o, _) = moat_in(
        None,
        &["check", path, "--format", "concise", "--select", "DC001"],
    );
    let out = text(&o.stdout);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(raw_controls(&out).is_empty(), "{out:?}");
    assert!(out.contains("\\u{a}etc-passwd:1:1"), "{out}");
    for format in ["human", "github"] {
        let (o, _) = moat_in(
            None,
            &["check", path, "--format", format, "--select", "DC001"],
        );
        let out = text(&o.stdout);
        assert!(raw_controls(&out).is_empty(), "{format}: {out:?}");
        assert!(
            !out.lines().any(|l| l.starts_with("etc-passwd")),
            "{format}: {out}"
        );
    }
    let (o, _) = moat_in(
        None,
        &["check", path, "--format", "json", "--select", "DC001"],
    );
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        json["diagnostics"][0]["path"].as_str(),
        Some(path),
        "{json}"
    );
}

/// Class: file contents reach the terminal through every text output: `--diff`, human
/// snippets (a lone CR returned the cursor and overwrote the line shown), concise messages
/// quoting a value, the inventory table. OSC 52 writes the clipboard, CSI clears the screen,
/// a one-byte C1 CSI does the same on some terminals.
#[test]
fn file_contents_cannot_drive_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    // The lone CR is in the comment, not in `bind`'s line: RD003's fix would edit across it,
    // and a fix across a lone CR is withheld (`fixes_never_edit_across_a_lone_carriage_return`).
    let conf = "# \x1b]52;c;ZXZpbA==\x07 \x1b[2J \u{9b}0m\r  # fine\nbind 0.0.0.0 -::1\n";
    std::fs::write(dir.path().join("redis.conf"), conf).unwrap();
    // YAML allows no raw control characters, but its double-quoted escapes make them.
    std::fs::write(
        dir.path().join("docker-compose.yml"),
        "services:\n  b:\n    image: \"redis:7.2.4\\e]52;c;ZXZpbA==\\a\"\n",
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    let runs: [&[&str]; 4] = [
        &["check", d, "--diff", "--unsafe-fixes", "--select", "RD003"],
        &["check", d, "--format", "human"],
        &["check", d, "--format", "concise"],
        &["inventory", d],
    ];
    for args in runs {
        let (o, _) = moat_in(None, args);
        let (out, err) = (text(&o.stdout), text(&o.stderr));
        assert!(!out.trim().is_empty(), "{args:?}: no output; {err}");
        assert!(raw_controls(&out).is_empty(), "{args:?}: {out:?}");
        assert!(raw_controls(&err).is_empty(), "{args:?}: {err:?}");
    }
    let (o, _) = moat_in(None, runs[0]);
    let diff = text(&o.stdout);
    assert!(
        diff.contains(" # \\u{1b}]52;c;ZXZpbA==\\u{7} \\u{1b}[2J"),
        "{diff}"
    );
    assert!(diff.contains("+bind 127.0.0.1"), "{diff}");
    // The file was not touched.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("redis.conf")).unwrap(),
        conf
    );
}

// --- The language server ------------------------------------------------------------------

struct Lsp {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: BufReader<std::process::ChildStdout>,
}

impl Lsp {
    fn start() -> Lsp {
        let mut child = Command::new(env!("CARGO_BIN_EXE_moat"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Lsp {
            child,
            stdin,
            stdout,
        }
    }

    fn raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    fn send(&mut self, msg: &serde_json::Value) {
        let body = msg.to_string();
        self.raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    fn recv(&mut self) -> serde_json::Value {
        let mut len = 0;
        loop {
            let mut line = String::new();
            assert!(
                self.stdout.read_line(&mut line).unwrap() > 0,
                "server ended"
            );
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length: ") {
                len = v.parse().unwrap();
            }
        }
        let mut body = vec![0; len];
        self.stdout.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    fn until(&mut self, pred: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
        for _ in 0..50 {
            let m = self.recv();
            if pred(&m) {
                return m;
            }
        }
        panic!("expected message never came");
    }

    fn initialize(&mut self) {
        self.send(&serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": null, "rootUri": null, "capabilities": {}}}));
        self.until(|m| m["id"] == 1);
        self.send(&serde_json::json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    }

    /// `shutdown`, `exit`: the exit code.
    fn shutdown(mut self) -> Option<i32> {
        self.send(&serde_json::json!({"jsonrpc": "2.0", "id": 99, "method": "shutdown"}));
        self.until(|m| m["id"] == 99);
        self.send(&serde_json::json!({"jsonrpc": "2.0", "method": "exit"}));
        self.wait()
    }

    fn wait(mut self) -> Option<i32> {
        drop(self.stdin);
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "server did not exit"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Class: a client's malformed messages. A huge `Content-Length` aborted the server
/// (SIGABRT: it allocated what the header said); a body that is not JSON or not UTF-8 ended
/// it silently with exit 0. Each now gets a JSON-RPC error, and the session goes on.
#[test]
fn the_language_server_answers_malformed_messages_and_keeps_serving() {
    let mut c = Lsp::start();
    c.initialize();
    c.raw(b"Content-Length: 12\r\n\r\n{not json!!}");
    assert_eq!(c.recv()["error"]["code"], -32700);
    c.raw(b"Content-Length: 4\r\n\r\n\"\xff\xfe\"");
    assert_eq!(c.recv()["error"]["code"], -32700);
    c.send(&serde_json::json!({"jsonrpc": "2.0", "id": 5}));
    let e = c.recv();
    assert_eq!(
        (e["id"].clone(), e["error"]["code"].clone()),
        (5.into(), (-32600).into())
    );
    c.raw(b"Content-Length: 99999999999999999999\r\n\r\n");
    assert_eq!(c.recv()["error"]["code"], -32700);
    // Still serving: a document gets its diagnostics.
    c.send(&serde_json::json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "file:///nonexistent/compose.yaml", "languageId": "yaml", "version": 1, "text": BAD_COMPOSE}}}));
    let published = c.until(|m| m["method"] == "textDocument/publishDiagnostics");
    assert!(!published["params"]["diagnostics"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(c.shutdown(), Some(0));
}

/// A message longer than the server's limit is skipped without being held in memory.
#[test]
fn the_language_server_skips_a_message_over_its_limit() {
    let mut c = Lsp::start();
    c.initialize();
    let len: u64 = 99_999_999_999_999;
    c.raw(format!("Content-Length: {len}\r\n\r\n").as_bytes());
    c.raw(&vec![b' '; 1 << 20]);
    // The client gives up and closes: the server ends on its own, without a signal.
    let code = c.wait();
    assert!(code.is_some(), "killed by a signal");
}

/// The protocol: `exit` without `shutdown` first ends the server with exit code 1.
#[test]
fn exit_without_shutdown_is_exit_code_1() {
    let mut c = Lsp::start();
    c.initialize();
    c.send(&serde_json::json!({"jsonrpc": "2.0", "method": "exit"}));
    assert_eq!(c.wait(), Some(1));
}

// --- Errors that say where ----------------------------------------------------------------

/// Class: every error about an input names `file:line:column`: an unknown rule id in
/// `.moat.toml` (in `select`, `ignore`, `[severity]` or `[per-file-ignores]`), a bad glob,
/// an empty baseline file, and a rule whose CEL fails while evaluating (where, in the
/// linted file). Before, they named the file at most.
#[test]
fn errors_about_inputs_say_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("compose.yaml"), BAD_COMPOSE).unwrap();
    let check = |args: &[&str]| {
        let (o, _) = moat_in(Some(d), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        text(&o.stderr)
    };
    for (config, at, what) in [
        (
            "select = [\"DC001\", \"XX999\"]\n",
            ":1:20:",
            "`XX999` matches no rule",
        ),
        (
            "[severity]\nXX998 = \"high\"\n",
            ":2:1:",
            "`XX998` matches no rule",
        ),
        (
            "[per-file-ignores]\n\"*.yaml\" = [\"DC001\", \"NOPE\"]\n",
            ":2:22:",
            "`NOPE` matches no rule",
        ),
        (
            "\n[per-file-ignores]\n\"a[\" = [\"DC001\"]\n",
            ":3:1:",
            "bad glob `a[`",
        ),
    ] {
        std::fs::write(d.join(".moat.toml"), config).unwrap();
        let err = check(&["check", "."]);
        assert!(err.contains(&format!(".moat.toml{at}")), "{config}: {err}");
        assert!(err.contains(what), "{config}: {err}");
    }
    std::fs::remove_file(d.join(".moat.toml")).unwrap();
    std::fs::write(d.join("empty.json"), "").unwrap();
    let err = check(&["check", ".", "--baseline", "empty.json"]);
    assert!(err.contains("empty.json:1:1: invalid baseline"), "{err}");

    let rules = d.join("rules/compose");
    std::fs::create_dir_all(&rules).unwrap();
    let rule = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("rules/compose/DC001-port-published-on-all-interfaces.toml"),
    )
    .unwrap()
    .replace("DC001", "DC902")
    .replace(
        "\"port-published-on-all-interfaces\"",
        "\"fails-at-run-time\"",
    );
    let condition = rule.lines().find(|l| l.starts_with("condition")).unwrap();
    // `int('6379:6379')` fails only when evaluated, and only on port 6379: the rule's own
    // examples (which run when it loads) never reach it.
    let original = condition
        .trim_start_matches("condition")
        .trim_start_matches([' ', '=']);
    let original = original.trim_matches('"');
    let rule = rule.replace(
        condition,
        &format!(
            "condition = \"port.container_port == '6379' ? int(port.text) > 0 : ({original})\""
        ),
    );
    std::fs::write(rules.join("DC902-fails-at-run-time.toml"), rule).unwrap();
    let err = check(&[
        "check",
        "compose.yaml",
        "--rule-dir",
        "rules",
        "--select",
        "DC902",
    ]);
    assert!(
        err.contains("compose.yaml:4:13: rule DC902 failed to evaluate"),
        "{err}"
    );
}
