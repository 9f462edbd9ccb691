//! The language server driven over stdio as an editor drives it: initialize, didOpen, the
//! publishDiagnostics that come back, codeAction, didChange, shutdown, exit.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

struct Client {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Client {
    fn start() -> Client {
        Client::start_with(&[])
    }

    fn start_with(env: &[(&str, &std::path::Path)]) -> Client {
        let mut command = Command::new(env!("CARGO_BIN_EXE_moat"));
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("moat lsp starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Client {
            child,
            stdin,
            stdout,
        }
    }

    fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn recv(&mut self) -> Value {
        let mut len = 0;
        loop {
            let mut line = String::new();
            self.stdout.read_line(&mut line).unwrap();
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

    /// The next message with this method (notifications) or id (responses).
    fn until(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..50 {
            let m = self.recv();
            if pred(&m) {
                return m;
            }
        }
        panic!("expected message never came");
    }
}

#[test]
fn an_editor_session() {
    let mut c = Client::start();
    c.send(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": null, "rootUri": null, "capabilities": {}}}));
    let init = c.until(|m| m["id"] == 1);
    assert_eq!(init["result"]["capabilities"]["codeActionProvider"], true);
    c.send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));

    let uri = "file:///nonexistent/stack/compose.yaml";
    let text =
        "services:\n  api:\n    image: ghcr.io/example/api:1.4.2\n    ports: [\"11434:11434\"]\n";
    c.send(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}}));
    let published = c.until(|m| m["method"] == "textDocument/publishDiagnostics");
    assert_eq!(published["params"]["uri"], uri);
    let diags = published["params"]["diagnostics"].as_array().unwrap();
    let dc001 = diags
        .iter()
        .find(|d| d["code"] == "DC001")
        .expect("DC001 published");
    assert_eq!(dc001["range"]["start"], json!({"line": 3, "character": 12}));
    assert_eq!(dc001["source"], "moat");
    assert_eq!(dc001["severity"], 2);
    assert!(dc001["codeDescription"]["href"]
        .as_str()
        .unwrap()
        .starts_with("https://"));

    c.send(json!({"jsonrpc": "2.0", "id": 2, "method": "textDocument/codeAction", "params": {
        "textDocument": {"uri": uri}, "range": dc001["range"], "context": {"diagnostics": [dc001]}}}));
    let actions = c.until(|m| m["id"] == 2);
    let action = actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"].as_str().unwrap().starts_with("DC001"))
        .expect("a fix for DC001");
    let edit = &action["edit"]["changes"][uri][0];
    assert_eq!(edit["newText"], "127.0.0.1:11434:11434");

    let fixed = text.replace("\"11434:11434\"", "\"127.0.0.1:11434:11434\"");
    c.send(json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]}}));
    let again = c.until(|m| m["method"] == "textDocument/publishDiagnostics");
    assert!(again["params"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["code"] != "DC001"));

    c.send(json!({"jsonrpc": "2.0", "id": 3, "method": "shutdown", "params": null}));
    c.until(|m| m["id"] == 3);
    c.send(json!({"jsonrpc": "2.0", "method": "exit", "params": null}));
    let status = c.child.wait().unwrap();
    assert!(status.success());
}

#[test]
fn a_file_moat_does_not_read_gets_no_diagnostics() {
    let mut c = Client::start();
    c.send(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": null, "rootUri": null, "capabilities": {}}}));
    c.until(|m| m["id"] == 1);
    c.send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    c.send(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "file:///x/notes.md", "languageId": "markdown", "version": 1, "text": "# hello\n"}}}));
    let p = c.until(|m| m["method"] == "textDocument/publishDiagnostics");
    assert_eq!(p["params"]["diagnostics"], json!([]));
    c.send(json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": null}));
    c.until(|m| m["id"] == 2);
    c.send(json!({"jsonrpc": "2.0", "method": "exit", "params": null}));
    assert!(c.child.wait().unwrap().success());
}

fn session() -> Client {
    let mut c = Client::start();
    c.send(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": null, "rootUri": null, "capabilities": {}}}));
    c.until(|m| m["id"] == 1);
    c.send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    c
}

fn end(mut c: Client) {
    c.send(json!({"jsonrpc": "2.0", "id": 99, "method": "shutdown", "params": null}));
    c.until(|m| m["id"] == 99);
    c.send(json!({"jsonrpc": "2.0", "method": "exit", "params": null}));
    assert!(c.child.wait().unwrap().success());
}

/// `file:///…` of a real path (the server looks for `.moat.toml` above it).
fn uri_of(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}

#[test]
fn a_broken_configuration_is_a_diagnostic_on_it_and_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(
        root.join(".moat.toml"),
        "select = [\"DC\"]\nfail-on = \"hgh\"\n",
    )
    .unwrap();
    let mut c = session();
    let compose = uri_of(&root.join("compose.yaml"));
    c.send(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": compose, "languageId": "yaml", "version": 1, "text": "services:\n  api:\n    image: redis:7.2.4\n"}}}));
    let config = uri_of(&root.join(".moat.toml"));
    let on_config = c.until(|m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == config.as_str()
    });
    let d = &on_config["params"]["diagnostics"][0];
    assert_eq!(
        d["range"]["start"],
        json!({"line": 1, "character": 10}),
        "{d}"
    );
    assert_eq!(d["code"], "invalid-configuration");
    let shown = c.until(|m| m["method"] == "window/showMessage");
    assert!(
        shown["params"]["message"].as_str().unwrap().contains("hgh"),
        "{shown}"
    );
    // Fixed in the editor: the diagnostic goes.
    c.send(json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": config, "version": 2}, "contentChanges": [{"text": "select = [\"DC\"]\nfail-on = \"high\"\n"}]}}));
    let cleared = c.until(|m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == config.as_str()
    });
    assert_eq!(cleared["params"]["diagnostics"], json!([]));
    end(c);
}

#[test]
fn findings_can_be_suppressed_here_or_in_the_file_and_link_to_their_page() {
    let mut c = session();
    let uri = "file:///nonexistent/app/Dockerfile";
    let text = "# syntax=docker/dockerfile:1\nFROM debian:12\n    RUN curl -fsSL https://get.example.sh | sh\nUSER 1000\n";
    c.send(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "dockerfile", "version": 1, "text": text}}}));
    let published = c.until(|m| m["method"] == "textDocument/publishDiagnostics");
    let df005 = published["params"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "DF005")
        .expect("DF005")
        .clone();
    assert!(df005["codeDescription"]["href"]
        .as_str()
        .unwrap()
        .ends_with("/docs/rules/DF005.md"));
    c.send(json!({"jsonrpc": "2.0", "id": 2, "method": "textDocument/codeAction", "params": {
        "textDocument": {"uri": uri}, "range": df005["range"], "context": {"diagnostics": [df005]}}}));
    let actions = c.until(|m| m["id"] == 2);
    let edit_of = |title: &str| {
        actions["result"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["title"] == title)
            .unwrap_or_else(|| panic!("{title} in {actions}"))["edit"]["changes"][uri][0]
            .clone()
    };
    let here = edit_of("DF005: ignore this finding here");
    assert_eq!(here["range"]["start"], json!({"line": 2, "character": 0}));
    assert_eq!(
        here["newText"],
        "    # moat: ignore[DF005] TODO: why this finding does not apply\n"
    );
    let file = edit_of("DF005: ignore in this file");
    // After the parser directive, which must stay the first line.
    assert_eq!(file["range"]["start"], json!({"line": 1, "character": 0}));
    assert_eq!(
        file["newText"],
        "# moat: ignore-file[DF005] TODO: why this finding does not apply\n"
    );
    // The comment written does suppress the finding.
    let suppressed = text.replacen(
        "    RUN",
        &format!("{}    RUN", here["newText"].as_str().unwrap()),
        1,
    );
    c.send(json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": suppressed}]}}));
    let again = c.until(|m| m["method"] == "textDocument/publishDiagnostics");
    assert!(
        again["params"]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["code"] != "DF005"),
        "{again}"
    );
    end(c);
}

/// As `moat check`: the user-level configuration governs files no `.moat.toml` governs, and a
/// file a configuration excludes gets no diagnostics.
#[test]
fn the_user_level_configuration_and_exclusions_apply() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let xdg = root.join("xdg");
    std::fs::create_dir_all(xdg.join("moat")).unwrap();
    std::fs::write(xdg.join("moat/moat.toml"), "ignore = [\"DC010\"]\n").unwrap();
    let project = root.join("project");
    std::fs::create_dir_all(project.join("generated")).unwrap();
    let compose = "services:\n  api:\n    image: redis\n";
    let codes = |c: &mut Client, uri: &str| -> Vec<String> {
        c.send(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": compose}}}));
        let p = c.until(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        });
        p["params"]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let mut c = Client::start_with(&[("XDG_CONFIG_HOME", &xdg)]);
    c.send(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": null, "rootUri": null, "capabilities": {}}}));
    c.until(|m| m["id"] == 1);
    c.send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    // No `.moat.toml` above: the user-level one ignores DC010 (CT007 image-not-pinned by its
    // former id; `redis` has no tag).
    let free = uri_of(&project.join("compose.yaml"));
    assert!(!codes(&mut c, &free).contains(&"CT007".to_string()));
    // A project configuration wins, and its exclusion silences the generated file.
    std::fs::write(project.join(".moat.toml"), "exclude = [\"generated/\"]\n").unwrap();
    let generated = uri_of(&project.join("generated/compose.yaml"));
    assert_eq!(codes(&mut c, &generated), Vec::<String>::new());
    let other = uri_of(&project.join("docker-compose.yml"));
    assert!(codes(&mut c, &other).contains(&"CT007".to_string()));
    end(c);
}
