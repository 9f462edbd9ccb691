//! The command line as users and CI jobs run it: exit codes, formats, standard input, bad
//! input, fixes. Each test runs the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn moat() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_moat"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env("NO_COLOR", "1");
    // Nothing from the developer's environment: no user-level config, no forced format/colour.
    c.env("XDG_CONFIG_HOME", "/nonexistent/moat-tests");
    for v in ["MOAT_FORMAT", "FORCE_COLOR", "CLICOLOR_FORCE", "COLUMNS"] {
        c.env_remove(v);
    }
    c
}

fn run(args: &[&str]) -> Output {
    moat().args(args).output().expect("moat runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally, not by a signal")
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Rule selection keeps these tests about the CLI, not about which rules exist.
const ONE_RULE: &[&str] = &["--select", "DC001"];

#[test]
fn exit_codes_follow_fail_on() {
    let bad = run(&[&["check", "testdata/cli/compose.yaml"], ONE_RULE].concat());
    assert_eq!(code(&bad), 1, "{}", stderr(&bad));
    let clean = run(&[&["check", "testdata/cli/clean-compose.yaml"], ONE_RULE].concat());
    assert_eq!(code(&clean), 0, "{}", stdout(&clean));
    let high = run(&[
        &["check", "testdata/cli/compose.yaml", "--fail-on", "high"],
        ONE_RULE,
    ]
    .concat());
    assert_eq!(code(&high), 0, "a medium finding is below --fail-on high");
    let missing = run(&["check", "testdata/cli/does-not-exist.yaml"]);
    assert_eq!(code(&missing), 2);
    assert!(
        stderr(&missing).contains("does-not-exist.yaml: no such file"),
        "{}",
        stderr(&missing)
    );
    let unknown_rule = run(&["check", "testdata/cli", "--select", "ZZ999"]);
    assert_eq!(code(&unknown_rule), 2);
    let bad_flag = run(&["check", "--format", "xml"]);
    assert_eq!(code(&bad_flag), 2);
}

#[test]
fn concise_format_is_one_line_per_finding() {
    let o = run(&[
        &["check", "testdata/cli/compose.yaml", "--format", "concise"],
        ONE_RULE,
    ]
    .concat());
    insta::assert_snapshot!(stdout(&o), @"testdata/cli/compose.yaml:4:13: medium[DC001] service `api` publishes port 11434 on all interfaces (11434:11434)
");
}

#[test]
fn json_format_follows_the_contract() {
    let o = run(&[
        &["check", "testdata/cli/compose.yaml", "--format", "json"],
        ONE_RULE,
    ]
    .concat());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(v["version"], 1);
    assert_eq!(v["tool"]["name"], "moat");
    let d = &v["diagnostics"][0];
    for key in [
        "rule",
        "name",
        "severity",
        "message",
        "help",
        "references",
        "path",
        "span",
        "labels",
        "fix",
    ] {
        assert!(d.get(key).is_some(), "diagnostic lacks `{key}`: {d}");
    }
    assert_eq!(d["path"], "testdata/cli/compose.yaml");
    assert_eq!(
        d["span"]["start"],
        serde_json::json!({"line": 4, "column": 13, "offset": 60})
    );
    assert_eq!(d["fix"]["applicability"], "unsafe");
    assert_eq!(d["fix"]["edits"][0]["start"], 61);
    assert_eq!(v["summary"]["files"], 1);
    assert_eq!(v["summary"]["by_severity"]["medium"], 1);
}

#[test]
fn human_format_shows_a_snippet_and_help() {
    let o = run(&[
        &["check", "testdata/cli/compose.yaml", "--format", "human"],
        ONE_RULE,
    ]
    .concat());
    let out = stdout(&o);
    assert!(
        out.contains("medium[DC001] port-published-on-all-interfaces"),
        "{out}"
    );
    assert!(out.contains(r#"4 │     ports: ["11434:11434"]"#), "{out}");
    assert!(out.contains("help: Publish it on loopback"), "{out}");
    assert!(
        out.contains("1 file(s) checked, 1 problem(s): 1 medium"),
        "{out}"
    );
}

#[test]
fn standard_input_with_a_name() {
    let mut child = moat()
        .args([
            "check",
            "-",
            "--stdin-filename",
            "stack/compose.yaml",
            "--format",
            "concise",
        ])
        .args(ONE_RULE)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            std::fs::read("testdata/cli/compose.yaml")
                .unwrap()
                .as_slice(),
        )
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(code(&o), 1);
    assert!(
        stdout(&o).starts_with("stack/compose.yaml:4:13: medium[DC001]"),
        "{}",
        stdout(&o)
    );
    let no_name = run(&["check", "-"]);
    assert_eq!(code(&no_name), 2);
    assert!(stderr(&no_name).contains("--stdin-filename"));
}

#[test]
fn select_and_ignore_accept_names_and_prefixes() {
    let by_name = run(&[
        "check",
        "testdata/cli/compose.yaml",
        "--select",
        "port-published-on-all-interfaces",
        "--format",
        "concise",
    ]);
    assert!(stdout(&by_name).contains("[DC001]"));
    let ignored = run(&[
        "check",
        "testdata/cli/compose.yaml",
        "--select",
        "DC001",
        "--ignore",
        "DC",
        "--format",
        "concise",
    ]);
    assert_eq!(code(&ignored), 0);
    assert_eq!(stdout(&ignored), "");
}

#[test]
fn bad_inputs_get_notes_and_the_run_goes_on() {
    let dir = tmp();
    let d = dir.path();
    std::fs::write(
        d.join("compose.yaml"),
        "services:\n  a:\n    image: [unclosed\n",
    )
    .unwrap();
    std::fs::write(
        d.join("docker-compose.yml"),
        b"services:\n  a:\n    image: \xff\xfe\n",
    )
    .unwrap();
    std::fs::write(d.join("Dockerfile"), b"FROM alpine\0\0\0").unwrap();
    std::fs::write(d.join("compose.override.yaml"), "").unwrap();
    std::fs::write(d.join("Dockerfile.utf16"), [0xFF, 0xFE, b'F', 0, b'R', 0]).unwrap();
    std::fs::write(d.join("compose.big.yaml"), "#".repeat(11 * 1024 * 1024)).unwrap();
    std::fs::write(
        d.join("compose.good.yaml"),
        "services:\n  a:\n    image: redis:7\n    ports: [\"6379:6379\"]\n",
    )
    .unwrap();
    let o = run(&[
        "check",
        d.to_str().unwrap(),
        "--format",
        "concise",
        "--select",
        "DC001",
    ]);
    let out = stdout(&o);
    let name = |n: &str| d.join(n).display().to_string();
    assert!(
        out.contains(&format!("{}:3:12: high[parse-error]", name("compose.yaml"))),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{}:1:1: info[skipped] skipped: not valid UTF-8",
            name("docker-compose.yml")
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{}:1:1: info[skipped] skipped: binary file",
            name("Dockerfile")
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{}:1:1: info[skipped] empty file",
            name("compose.override.yaml")
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{}:1:1: info[skipped] skipped: UTF-16",
            name("Dockerfile.utf16")
        )),
        "{out}"
    );
    assert!(out.contains("over the 10485760-byte limit"), "{out}");
    assert!(
        out.contains(&format!(
            "{}:4:13: medium[DC001]",
            name("compose.good.yaml")
        )),
        "the other files are still linted: {out}"
    );
    assert_eq!(code(&o), 1);
}

#[test]
fn terminal_escapes_from_files_never_reach_the_terminal() {
    let dir = tmp();
    let f = dir.path().join("compose.yaml");
    std::fs::write(
        &f,
        "services:\n  \"a\\e[31mred\":\n    image: redis:7\n    ports: [\"6379:6379\"]\n",
    )
    .unwrap();
    for format in ["human", "concise", "json"] {
        let o = run(&[
            "check",
            f.to_str().unwrap(),
            "--format",
            format,
            "--select",
            "DC001",
        ]);
        assert!(
            !o.stdout.contains(&0x1b),
            "{format} output carries a raw ESC: {}",
            stdout(&o)
        );
        assert_eq!(code(&o), 1);
    }
}

fn copy_to_tmp(dir: &Path, name: &str) -> PathBuf {
    let dest = dir.join("compose.yaml");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/cli")
            .join(name),
        &dest,
    )
    .unwrap();
    dest
}

#[test]
fn fix_keeps_crlf_bom_and_every_other_byte_and_converges() {
    for name in ["compose.yaml", "crlf-compose.yaml", "bom-compose.yaml"] {
        let dir = tmp();
        let f = copy_to_tmp(dir.path(), name);
        let before = std::fs::read(&f).unwrap();
        // DC001's fix is unsafe: --fix alone changes nothing.
        let safe_only = run(&["check", f.to_str().unwrap(), "--fix", "--select", "DC001"]);
        assert_eq!(std::fs::read(&f).unwrap(), before, "{}", stderr(&safe_only));
        let diff = run(&[
            "check",
            f.to_str().unwrap(),
            "--diff",
            "--unsafe-fixes",
            "--select",
            "DC001",
        ]);
        assert!(
            stdout(&diff).contains("+    ports: [\"127.0.0.1:11434:11434\"]"),
            "{}",
            stdout(&diff)
        );
        assert_eq!(std::fs::read(&f).unwrap(), before, "--diff writes nothing");
        let fixed = run(&[
            "check",
            f.to_str().unwrap(),
            "--fix",
            "--unsafe-fixes",
            "--select",
            "DC001",
        ]);
        assert_eq!(code(&fixed), 0, "{}{}", stdout(&fixed), stderr(&fixed));
        let after = std::fs::read(&f).unwrap();
        let expected = String::from_utf8(before.clone())
            .unwrap()
            .replace("\"11434:11434\"", "\"127.0.0.1:11434:11434\"");
        assert_eq!(
            String::from_utf8(after.clone()).unwrap(),
            expected,
            "{name}"
        );
        let again = run(&[
            "check",
            f.to_str().unwrap(),
            "--fix",
            "--unsafe-fixes",
            "--select",
            "DC001",
        ]);
        assert_eq!(code(&again), 0);
        assert_eq!(
            std::fs::read(&f).unwrap(),
            after,
            "a second --fix changes nothing"
        );
    }
}

#[cfg(unix)]
#[test]
fn fix_keeps_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tmp();
    let f = copy_to_tmp(dir.path(), "compose.yaml");
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
    run(&[
        "check",
        f.to_str().unwrap(),
        "--fix",
        "--unsafe-fixes",
        "--select",
        "DC001",
    ]);
    assert_eq!(
        std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
        0o640
    );
}

#[test]
fn explain_and_rules_cover_every_rule() {
    let rules = run(&["rules", "--format", "json"]);
    assert_eq!(code(&rules), 0);
    let list: Vec<serde_json::Value> = serde_json::from_slice(&rules.stdout).unwrap();
    assert!(!list.is_empty());
    for r in &list {
        for key in [r["id"].as_str().unwrap(), r["name"].as_str().unwrap()] {
            let o = run(&["explain", key]);
            assert_eq!(code(&o), 0, "explain {key}");
            let text = stdout(&o);
            for section in [
                "What it does",
                "Why is this bad?",
                "How to fix",
                "Bad example",
                "Good example",
                "References",
            ] {
                assert!(text.contains(section), "explain {key} lacks {section}");
            }
        }
    }
    assert_eq!(code(&run(&["explain", "XX999"])), 2);
}

/// Help texts are message templates; what a reader sees of them (`moat explain`, SARIF rule
/// help) never shows the CEL inside: no `{...}`, no `cond ? 'a' : 'b'`, no quotes of literals.
#[test]
fn documentation_never_shows_template_source() {
    let placeholder = regex::Regex::new(r"\{[a-z_]+(\.[a-z_]+)+[ }?]").unwrap();
    let raw = |text: &str| {
        placeholder.is_match(text)
            || text.contains("? '")
            || text.contains("' :")
            || text.contains(" == ")
            || text.contains(" != ")
            || text.contains("' +")
    };
    let rules = run(&["rules", "--format", "json"]);
    let list: Vec<serde_json::Value> = serde_json::from_slice(&rules.stdout).unwrap();
    for r in &list {
        let id = r["id"].as_str().unwrap();
        let text = stdout(&run(&["explain", id]));
        let how = text
            .split("How to fix")
            .nth(1)
            .and_then(|rest| rest.split("\n\n").next())
            .unwrap_or("");
        assert!(!raw(how), "explain {id}: {how}");
    }
    let o = run(&["check", "testdata/stacks/example", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for rule in sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
    {
        let help = rule["help"]["text"].as_str().unwrap();
        let last = help.rsplit("\n\n").next().unwrap();
        assert!(!raw(last), "SARIF help of {}: {last}", rule["id"]);
    }
}

#[test]
fn a_broken_rule_dir_is_a_clear_error() {
    let dir = tmp();
    let area = dir.path().join("compose");
    std::fs::create_dir_all(&area).unwrap();
    std::fs::write(
        area.join("DC900-custom.toml"),
        std::fs::read_to_string("rules/compose/DC001-port-published-on-all-interfaces.toml")
            .unwrap()
            .replace("DC001", "DC900")
            .replace("\"port-published-on-all-interfaces\"", "\"custom\"")
            .replace("port.published && port.all_interfaces", "port.published &&")
            .replace("title    =", "colour = \"red\"\ntitle    ="),
    )
    .unwrap();
    let o = run(&[
        "check",
        "testdata/cli",
        "--rule-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("DC900-custom.toml:"), "{err}");
    assert!(err.contains("colour"), "{err}");
}

#[test]
fn a_valid_rule_dir_adds_rules() {
    let dir = tmp();
    let area = dir.path().join("compose");
    std::fs::create_dir_all(&area).unwrap();
    std::fs::write(
        area.join("DC900-custom-port.toml"),
        std::fs::read_to_string("rules/compose/DC001-port-published-on-all-interfaces.toml")
            .unwrap()
            .replace("DC001", "DC900")
            .replace("\"port-published-on-all-interfaces\"", "\"custom-port\""),
    )
    .unwrap();
    let o = run(&[
        "check",
        "testdata/cli/compose.yaml",
        "--rule-dir",
        dir.path().to_str().unwrap(),
        "--select",
        "DC900",
        "--format",
        "concise",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stdout(&o).contains("[DC900]"));
}

#[test]
fn sarif_carries_rules_results_fingerprints_and_fixes() {
    let o = run(&[
        &["check", "testdata/cli/compose.yaml", "--format", "sarif"],
        ONE_RULE,
    ]
    .concat());
    assert_eq!(code(&o), 1);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(v["version"], "2.1.0");
    let run0 = &v["runs"][0];
    assert_eq!(run0["columnKind"], "unicodeCodePoints");
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    let dc001 = rules
        .iter()
        .find(|r| r["id"] == "DC001")
        .expect("every rule is described");
    assert_eq!(dc001["properties"]["security-severity"], "5.5");
    assert!(dc001["help"]["markdown"]
        .as_str()
        .unwrap()
        .contains("**Why is this bad?**"));
    let r = &run0["results"][0];
    assert_eq!(r["ruleId"], "DC001");
    assert_eq!(r["level"], "warning");
    assert_eq!(
        rules[r["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "DC001"
    );
    assert_eq!(
        r["locations"][0]["physicalLocation"]["region"]["startLine"],
        4
    );
    assert!(r["partialFingerprints"]["moatFindingHash/v2"].is_string());
    assert_eq!(
        r["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"],
        "127.0.0.1:11434:11434"
    );
}

#[test]
fn sarif_fingerprints_survive_lines_moving() {
    let dir = tmp();
    let f = dir.path().join("compose.yaml");
    let fp = |f: &Path| {
        let o = run(&[
            "check",
            f.to_str().unwrap(),
            "--format",
            "sarif",
            "--select",
            "DC001",
        ]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["runs"][0]["results"][0]["partialFingerprints"].clone()
    };
    let text = std::fs::read_to_string("testdata/cli/compose.yaml").unwrap();
    std::fs::write(&f, &text).unwrap();
    let before = fp(&f);
    std::fs::write(&f, format!("# a comment\n\n{text}")).unwrap();
    assert_eq!(fp(&f), before);
}

#[test]
fn github_annotations_are_escaped_workflow_commands() {
    let o = run(&[
        &["check", "testdata/cli/compose.yaml", "--format", "github"],
        ONE_RULE,
    ]
    .concat());
    assert_eq!(
        stdout(&o),
        "::warning file=testdata/cli/compose.yaml,line=4,col=13,endLine=4,endColumn=26,title=DC001 port-published-on-all-interfaces (medium)::service `api` publishes port 11434 on all interfaces (11434%3A11434)\n"
            .replace("(11434%3A11434)", "(11434:11434)")
    );
}

#[test]
fn inline_suppressions_need_a_reason_and_can_be_audited() {
    let dir = tmp();
    let f = dir.path().join("compose.yaml");
    std::fs::write(
        &f,
        "services:\n  api:\n    image: ollama/ollama:0.5.7\n    ports:\n      - \"11434:11434\" # moat: ignore[DC001] the host firewall drops it\n      # moat: ignore[port-published-on-all-interfaces]\n      - \"8080:8080\"\n      - \"9090:9090\"\n  # moat: ignore[CT001] nothing to suppress here\n  db:\n    image: redis:7\n",
    )
    .unwrap();
    let o = run(&[
        "check",
        f.to_str().unwrap(),
        "--select",
        "DC001",
        "--format",
        "concise",
    ]);
    let out = stdout(&o);
    assert!(
        !out.contains(":5:"),
        "suppressed at the end of the line: {out}"
    );
    assert!(
        !out.contains(":7:9"),
        "suppressed from the line above: {out}"
    );
    assert!(out.contains(":8:9: medium[DC001]"), "{out}");
    assert!(
        out.contains(":6:7: low[suppression-without-reason]"),
        "{out}"
    );
    assert!(!out.contains("unused-suppression"), "{out}");
    let audited = run(&[
        "check",
        f.to_str().unwrap(),
        "--select",
        "DC001",
        "--format",
        "concise",
        "--report-unused-ignores",
    ]);
    assert!(
        stdout(&audited)
            .contains(":9:3: low[unused-suppression] this suppression of CT001 matches no finding"),
        "{}",
        stdout(&audited)
    );
}

#[test]
fn whole_file_suppression() {
    let dir = tmp();
    let f = dir.path().join("compose.yaml");
    std::fs::write(&f, "# moat: ignore-file[DC] a throwaway dev stack\nservices:\n  api:\n    image: ollama/ollama\n    ports: [\"11434:11434\"]\n").unwrap();
    let o = run(&["check", f.to_str().unwrap(), "--format", "concise"]);
    assert!(!stdout(&o).contains("[DC"), "{}", stdout(&o));
}

#[test]
fn moat_toml_is_found_upwards_and_applied() {
    let dir = tmp();
    let d = dir.path();
    std::fs::create_dir_all(d.join("stack/ops")).unwrap();
    let compose =
        "services:\n  api:\n    image: ollama/ollama:0.5.7\n    ports: [\"11434:11434\"]\n";
    std::fs::write(d.join("stack/compose.yaml"), compose).unwrap();
    std::fs::write(d.join("stack/ops/stack.yml.txt"), compose).unwrap();
    std::fs::write(d.join("stack/dev-compose.yaml"), compose).unwrap();
    std::fs::write(
        d.join(".moat.toml"),
        "select = [\"DC001\"]\nfail-on = \"high\"\n[severity]\nDC001 = \"critical\"\n[per-file-ignores]\n\"stack/dev-*.yaml\" = [\"DC001\"]\n[kinds]\n\"stack/ops/*.txt\" = \"compose\"\n",
    )
    .unwrap();
    let o = run(&[
        "check",
        d.join("stack").to_str().unwrap(),
        "--format",
        "concise",
    ]);
    let out = stdout(&o);
    assert!(
        out.contains("stack/compose.yaml:4:13: critical[DC001]"),
        "{out}"
    );
    assert!(
        out.contains("stack/ops/stack.yml.txt:4:13: critical[DC001]"),
        "[kinds] maps the file: {out}"
    );
    assert!(!out.contains("dev-compose"), "[per-file-ignores]: {out}");
    assert_eq!(code(&o), 1, "critical is at or above fail-on high");
    let flags_win = run(&[
        "check",
        d.join("stack").to_str().unwrap(),
        "--format",
        "concise",
        "--select",
        "CT001",
    ]);
    assert_eq!(stdout(&flags_win), "");
}

#[test]
fn each_path_is_governed_by_its_own_moat_toml() {
    let dir = tmp();
    let d = dir.path();
    let compose =
        "services:\n  api:\n    image: ollama/ollama:0.5.7\n    ports: [\"11434:11434\"]\n";
    for project in ["a", "b", "c"] {
        std::fs::create_dir_all(d.join(project)).unwrap();
        std::fs::write(d.join(project).join("compose.yaml"), compose).unwrap();
    }
    // `a` adds its own rule and raises DC001; `b` ignores DC001; `c` has no configuration.
    std::fs::create_dir_all(d.join("a/rules/compose")).unwrap();
    std::fs::write(
        d.join("a/rules/compose/DC900-custom-port.toml"),
        std::fs::read_to_string("rules/compose/DC001-port-published-on-all-interfaces.toml")
            .unwrap()
            .replace("DC001", "DC900")
            .replace("\"port-published-on-all-interfaces\"", "\"custom-port\""),
    )
    .unwrap();
    std::fs::write(
        d.join("a/.moat.toml"),
        "rule-dirs = [\"rules\"]\nfail-on = \"critical\"\n[severity]\nDC001 = \"critical\"\n",
    )
    .unwrap();
    std::fs::write(d.join("b/.moat.toml"), "ignore = [\"DC001\"]\n").unwrap();
    let paths: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|p| d.join(p).to_str().unwrap().to_string())
        .collect();
    let mut args = vec!["check", "--format", "concise", "--select", "DC001,DC900"];
    args.extend(paths.iter().map(String::as_str));
    let o = run(&args);
    let out = stdout(&o);
    assert!(
        out.contains("a/compose.yaml:4:13: critical[DC001]"),
        "{out}"
    );
    assert!(out.contains("a/compose.yaml:4:13: medium[DC900]"), "{out}");
    assert!(!out.contains("b/compose.yaml"), "b ignores DC001: {out}");
    assert!(out.contains("c/compose.yaml:4:13: medium[DC001]"), "{out}");
    assert!(
        !out.contains("c/compose.yaml:4:13: medium[DC900]"),
        "a's rule stays in a: {out}"
    );
    // `c` has no fail-on of its own: its medium finding fails the run at the default, low.
    assert_eq!(code(&o), 1);
    let only_a = run(&[
        "check", "--format", "concise", "--ignore", "DC900", &paths[0],
    ]);
    assert_eq!(code(&only_a), 1, "a's critical DC001 meets its fail-on");
    let only_a_medium = run(&["check", "--select", "DC900", &paths[0]]);
    assert_eq!(
        code(&only_a_medium),
        0,
        "a's medium DC900 is below its fail-on: {}",
        stdout(&only_a_medium)
    );
}

#[test]
fn a_bad_moat_toml_is_an_error_with_its_location() {
    let dir = tmp();
    std::fs::write(
        dir.path().join(".moat.toml"),
        "select = [\"DC001\"]\n[severity]\nDC001 = \"severe\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("compose.yaml"), "services: {}\n").unwrap();
    let o = run(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains(".moat.toml:3:9: `severe` is not a severity"),
        "{}",
        stderr(&o)
    );
    let unknown = tmp();
    std::fs::write(unknown.path().join("moat.toml"), "selekt = []\n").unwrap();
    let o = run(&[
        "check",
        "testdata/cli",
        "--config",
        unknown.path().join("moat.toml").to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("moat.toml:1:1: unknown field `selekt`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn baseline_keeps_known_findings_quiet_when_lines_move() {
    let dir = tmp();
    let f = dir.path().join("compose.yaml");
    let b = dir.path().join("moat-baseline.json");
    let text = std::fs::read_to_string("testdata/cli/compose.yaml").unwrap();
    std::fs::write(&f, &text).unwrap();
    let w = run(&[
        "check",
        f.to_str().unwrap(),
        "--select",
        "DC001",
        "--write-baseline",
        b.to_str().unwrap(),
    ]);
    assert_eq!(code(&w), 0, "{}", stderr(&w));
    std::fs::write(
        &f,
        format!(
            "# moved down\n\n{}",
            text.replace(
                "ports: [\"11434:11434\"]",
                "ports: [\"11434:11434\", \"8080:8080\"]"
            )
        ),
    )
    .unwrap();
    let o = run(&[
        "check",
        f.to_str().unwrap(),
        "--select",
        "DC001",
        "--baseline",
        b.to_str().unwrap(),
        "--format",
        "concise",
    ]);
    let out = stdout(&o);
    assert!(!out.contains("11434"), "baselined: {out}");
    assert!(out.contains("8080:8080"), "new: {out}");
    assert_eq!(code(&o), 1);
    std::fs::write(&b, "{\"version\": 1, \"findings\": [}").unwrap();
    let bad = run(&[
        "check",
        f.to_str().unwrap(),
        "--baseline",
        b.to_str().unwrap(),
    ]);
    assert_eq!(code(&bad), 2);
    assert!(
        stderr(&bad).contains("invalid baseline"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn output_across_many_batches_is_one_sorted_document() {
    let dir = tmp();
    let files = moat::BATCH_FILES * 2 + 7;
    for i in 0..files {
        let sub = dir.path().join(format!("svc{i:04}"));
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(
            sub.join("compose.yaml"),
            "services:\n  api:\n    image: ollama/ollama:0.5.7\n    ports: [\"11434:11434\"]\n",
        )
        .unwrap();
    }
    let root = dir.path().to_str().unwrap();
    let json = run(&["check", root, "--select", "DC001", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(v["summary"]["files"], files);
    assert_eq!(v["summary"]["diagnostics"], files);
    let paths: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), files);
    assert!(
        paths.windows(2).all(|w| w[0] < w[1]),
        "sorted across batches"
    );
    let sarif = run(&["check", root, "--select", "DC001", "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&sarif)).unwrap();
    assert_eq!(v["runs"][0]["results"].as_array().unwrap().len(), files);
    assert!(!v["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .is_empty());
    let human = run(&["check", root, "--select", "DC001", "--format", "human"]);
    assert!(
        stdout(&human).ends_with(&format!(
            "moat: {files} file(s) checked, {files} problem(s): {files} medium; {files} fixable with --fix --unsafe-fixes\n"
        )),
        "one summary, at the end"
    );
    let clean = run(&["check", root, "--select", "CT001", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&clean)).unwrap();
    assert_eq!(v["diagnostics"], serde_json::json!([]));
}

/// `moat check .` in a repository whose subprojects carry their own `.moat.toml`: each
/// governs its folder, as the nearest configuration above the files there.
#[test]
fn nested_moat_toml_inside_a_walked_folder_governs_its_subtree() {
    let dir = tmp();
    let d = dir.path();
    std::fs::create_dir_all(d.join("services/api")).unwrap();
    std::fs::create_dir_all(d.join("services/lab")).unwrap();
    let compose = "services:\n  api:\n    image: redis:7\n    ports: [\"6379:6379\"]\n";
    for sub in ["services/api", "services/lab"] {
        std::fs::write(d.join(sub).join("compose.yaml"), compose).unwrap();
    }
    std::fs::write(d.join(".moat.toml"), "select = [\"DC001\"]\n").unwrap();
    std::fs::write(
        d.join("services/lab/.moat.toml"),
        "select = [\"DC001\"]\n[severity]\nDC001 = \"info\"\n",
    )
    .unwrap();
    let o = moat()
        .current_dir(d)
        .args(["check", "--format", "concise"])
        .output()
        .unwrap();
    let out = stdout(&o);
    assert!(
        out.contains("services/api/compose.yaml:4:13: medium[DC001]"),
        "{out}"
    );
    assert!(
        out.contains("services/lab/compose.yaml:4:13: info[DC001]"),
        "{out}"
    );
    let broken = d.join("services/lab/.moat.toml");
    std::fs::write(&broken, "colour = 1\n").unwrap();
    let o = run(&["check", d.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("colour"), "{}", stderr(&o));
}

/// Files that share a name or a key with a format moat reads, but are not in its shape:
/// skipped silently when a walk finds them, with a note when the user names them; never a
/// parse error, never a failed run.
#[test]
fn files_that_only_look_like_configuration_are_not_linted() {
    let dir = tmp();
    let d = dir.path();
    let files: &[(&str, &str)] = &[
        ("dockerfile.go", "package dockerfile\n\nfunc Parse() {}\n"),
        ("dockerfile_test.rs", "use super::*;\n#[test]\nfn t() {}\n"),
        (
            "Dockerfile-syntax",
            "\" Vim syntax file\nsyntax keyword dockerfileKeyword FROM\n",
        ),
        (
            ".gitlab-ci.yml",
            "stages: [test]\nservices:\n  - redis:7\ntest:\n  script: [make]\n",
        ),
        (
            "render.yaml",
            "services:\n  - type: web\n    name: api\n    env: docker\n",
        ),
        ("pyproject.toml", "[tool.x]\nservices:\n"),
        (
            "workflow.yml",
            "on: push\nservices:\n  db:\n    image: redis\njobs: {}\n",
        ),
    ];
    for (name, text) in files {
        std::fs::write(d.join(name), text).unwrap();
    }
    let walked = run(&["check", d.to_str().unwrap(), "--format", "concise"]);
    assert_eq!(stdout(&walked), "", "{}", stderr(&walked));
    // Nothing in the named folder is a file moat reads: said, and exit 2 (issue 16).
    assert_eq!(code(&walked), 2);
    assert!(
        stderr(&walked).contains("no file moat reads in"),
        "{}",
        stderr(&walked)
    );
    for (name, _) in files {
        let path = d.join(name);
        let o = run(&["check", path.to_str().unwrap(), "--format", "concise"]);
        let out = stdout(&o);
        assert!(
            out.contains("info[skipped] skipped: ") && !out.contains("parse-error"),
            "{name}: {out}"
        );
        assert_eq!(code(&o), 0, "{name}: {out}");
    }
}

/// `--fix` applies safe fixes only and says how many unsafe ones it left, as ruff does.
#[test]
fn fix_announces_the_unsafe_fixes_it_left() {
    let dir = tmp();
    let file = dir.path().join("compose.yaml");
    let text = "services:\n  api:\n    image: ollama/ollama:0.17.1\n    ports: [\"11434:11434\"]\n";
    std::fs::write(&file, text).unwrap();
    let o = run(&[
        "check",
        "--fix",
        file.to_str().unwrap(),
        "--select",
        "DC001,OL001",
    ]);
    assert!(
        stderr(&o).contains("fix(es) are available with --unsafe-fixes"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        text,
        "nothing unsafe applied"
    );
    let o = run(&[
        "check",
        "--fix",
        "--unsafe-fixes",
        file.to_str().unwrap(),
        "--select",
        "DC001,OL001",
    ]);
    assert!(
        !stderr(&o).contains("available with --unsafe-fixes"),
        "{}",
        stderr(&o)
    );
    assert_ne!(std::fs::read_to_string(&file).unwrap(), text);
}

/// moat's own repository (rule files with `services:` in their examples, source files named
/// after formats, fixtures) is linted without a single parse error.
#[test]
fn own_repository_has_no_parse_errors() {
    let o = run(&["check", ".", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    let parse_errors: Vec<String> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "parse-error")
        .map(|d| format!("{}: {}", d["path"], d["message"]))
        .collect();
    assert!(parse_errors.is_empty(), "{}", parse_errors.join("\n"));
}

/// A user rule is checked against the fact types: a misspelt field names itself, where it
/// is, and what was meant.
#[test]
fn a_user_rule_with_a_misspelt_field_is_an_error_at_its_line() {
    let dir = tmp();
    let area = dir.path().join("container");
    std::fs::create_dir_all(&area).unwrap();
    let rule = std::fs::read_to_string("rules/container/CT001-privileged-container.toml")
        .unwrap()
        .replace("\"CT001\"", "\"CT902\"")
        .replace("\"privileged-container\"", "\"typo\"")
        .replace(
            "aliases  = [\"DC002\", \"KS001\", \"container-privileged\"]\n",
            "",
        )
        .replace("&& service.privileged\"", "&& service.privilegd\"");
    std::fs::write(area.join("CT902-typo.toml"), &rule).unwrap();
    let line = rule
        .lines()
        .position(|l| l.starts_with("condition"))
        .unwrap()
        + 1;
    let o = run(&[
        "check",
        "testdata/cli",
        "--rule-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains(&format!("CT902-typo.toml:{line}:")), "{err}");
    assert!(err.contains("`service.privilegd`"), "{err}");
    assert!(err.contains("did you mean `privileged`"), "{err}");
}

/// A user rule's examples run when it loads: a `bad` example that does not fire is an error
/// at its `[[example]]`.
#[test]
fn a_user_rule_whose_bad_example_does_not_fire_is_an_error() {
    let dir = tmp();
    let area = dir.path().join("container");
    std::fs::create_dir_all(&area).unwrap();
    let rule = std::fs::read_to_string("rules/container/CT001-privileged-container.toml")
        .unwrap()
        .replace("\"CT001\"", "\"CT903\"")
        .replace("\"privileged-container\"", "\"never\"")
        .replace(
            "aliases  = [\"DC002\", \"KS001\", \"container-privileged\"]\n",
            "",
        )
        .replace(
            "&& service.privileged\"",
            "&& service.privileged && service.read_only\"",
        );
    std::fs::write(area.join("CT903-never.toml"), &rule).unwrap();
    let line = rule.lines().position(|l| l == "[[example]]").unwrap() + 1;
    let o = run(&[
        "check",
        "testdata/cli",
        "--rule-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains(&format!("CT903-never.toml:{line}:")), "{err}");
    assert!(err.contains("bad example 1 gives 0 diagnostics"), "{err}");
}

/// `moat facts` prints what rules see: nodes with their variables and spans, shared facts
/// once; `--schema` the types.
#[test]
fn facts_prints_nodes_and_the_schema() {
    let dir = tmp();
    let path = dir.path().join("compose.yaml");
    std::fs::write(
        &path,
        "services:\n  ollama:\n    image: ollama/ollama:0.5.7\n    ports: [\"11434:11434\"]\n",
    )
    .unwrap();
    let o = run(&["facts", path.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let file = &v["files"][0];
    assert_eq!(file["file"]["kind"], "compose");
    let nodes = file["nodes"].as_array().unwrap();
    assert_eq!(nodes[0]["kind"], "service");
    assert_eq!(nodes[0]["vars"]["service"]["component"], "ollama");
    assert_eq!(nodes[0]["spans"]["service.image"][0], "3:12-3:31");
    let port = nodes.iter().find(|n| n["kind"] == "port").unwrap();
    assert_eq!(port["vars"]["port"]["container_port"], "11434");
    assert_eq!(port["vars"]["service"]["same_as"], "nodes[0].vars.service");
    assert!(nodes.iter().any(|n| n["kind"] == "ollama"));

    let o = run(&["facts", "--schema"]);
    assert_eq!(code(&o), 0);
    let schema: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        schema["properties"]["port"]["properties"]["port"]["$ref"],
        "#/$defs/PortFacts"
    );
    assert!(schema["$defs"]["ServiceFacts"]["properties"]["privileged"]["description"].is_string());
}

// The default set (issue 16, "What matters first"): hardening rules are opted into, and what
// they would have found is one note away.

/// A service only the hardening rules flag: CT006 memory limit, DC011 no-new-privileges,
/// DC013 root (busybox's default user).
const HARDENING_ONLY: &str =
    "services:\n  worker:\n    image: busybox:1.36\n    command: [\"true\"]\n";

const NOTE: &str = "moat: note: 3 more finding(s) from rules outside the default set: CT006 no-memory-limit (1), DC011 no-new-privileges-not-set (1), DC013 runs-as-root (1); --extend-select hardening or --select ALL to see them\n";

/// `moat check` with `args` in a folder holding `files`.
fn check_in(files: &[(&str, &str)], args: &[&str]) -> Output {
    let dir = tmp();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    moat()
        .current_dir(dir.path())
        .args([&["check", "."][..], args].concat())
        .output()
        .expect("moat runs")
}

fn rules_in(o: &Output) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_default_set_leaves_hardening_out_and_one_note_says_so() {
    let files = [("compose.yaml", HARDENING_ONLY)];
    let o = check_in(&files, &["--format", "concise"]);
    assert_eq!(
        code(&o),
        0,
        "hardening findings are not shown, so they do not fail"
    );
    assert_eq!(stdout(&o), "");
    assert_eq!(
        stderr(&o),
        format!("moat: 1 file(s) checked, no problems found\n{NOTE}")
    );
    // Every format keeps the note on stderr, after the summary; -q drops it.
    for format in ["human", "json", "sarif", "github"] {
        let o = check_in(&files, &["--format", format]);
        assert_eq!(code(&o), 0, "{format}");
        assert!(stderr(&o).ends_with(NOTE), "{format}: {}", stderr(&o));
        assert!(!stdout(&o).contains("note:"), "{format}");
        let quiet = check_in(&files, &["--format", format, "-q"]);
        assert_eq!(stderr(&quiet), "", "{format} -q");
    }
    let json = check_in(&files, &["--format", "json"]);
    assert!(rules_in(&json).is_empty());
    // --statistics counts what is shown; the note still says what is not.
    let stats = check_in(&files, &["--statistics"]);
    assert_eq!(stdout(&stats), "");
    assert!(stderr(&stats).ends_with(NOTE), "{}", stderr(&stats));
}

#[test]
fn one_flag_reaches_every_rule() {
    let files = [("compose.yaml", HARDENING_ONLY)];
    let all = check_in(&files, &["--select", "ALL", "--format", "json"]);
    assert_eq!(
        code(&all),
        1,
        "shown findings fail at the default --fail-on low"
    );
    assert_eq!(rules_in(&all), ["CT006", "DC011", "DC013"]);
    assert!(!stderr(&all).contains("note:"), "{}", stderr(&all));
    // An explicit id enables a rule outside the default set, and only it.
    let one = check_in(&files, &["--select", "CT006", "--format", "json"]);
    assert_eq!((code(&one), rules_in(&one)), (1, vec!["CT006".to_string()]));
    assert!(
        !stderr(&one).contains("note:"),
        "select replaced the default"
    );
    // The set by name, added to the defaults or instead of them.
    for flag in ["--extend-select", "--select"] {
        let set = check_in(&files, &[flag, "hardening", "--format", "json"]);
        assert_eq!(rules_in(&set), ["CT006", "DC011", "DC013"], "{flag}");
        assert!(!stderr(&set).contains("note:"), "{flag}");
    }
    let low_only = check_in(&files, &["--select", "ALL", "--fail-on", "medium"]);
    assert_eq!(code(&low_only), 0);
    // One rule added to the defaults: the note counts the others.
    let extended = check_in(&files, &["--extend-select", "CT006", "--format", "json"]);
    assert_eq!(rules_in(&extended), ["CT006"]);
    assert!(
        stderr(&extended).contains(
            "note: 2 more finding(s) from rules outside the default set: DC011 no-new-privileges-not-set (1), DC013 runs-as-root (1);"
        ),
        "{}",
        stderr(&extended)
    );
    // What the user ignored is not advertised.
    let ignored = check_in(&files, &["--ignore", "CT006,DC013"]);
    assert!(
        stderr(&ignored).contains(
            "note: 1 more finding(s) from rules outside the default set: DC011 no-new-privileges-not-set (1);"
        ),
        "{}",
        stderr(&ignored)
    );
    let none = check_in(&files, &["--ignore", "hardening"]);
    assert!(!stderr(&none).contains("note:"), "{}", stderr(&none));
    // Past three rules the note counts the rest (DF001 here).
    let dockerfile = "FROM busybox:1.36\nCMD [\"true\"]\n";
    let many = check_in(&files_and(&files, ("Dockerfile", dockerfile)), &[]);
    assert!(
        stderr(&many)
            .contains("(1) and 1 more rule; --extend-select hardening or --select ALL to see them"),
        "{}",
        stderr(&many)
    );
}

fn files_and<'a>(
    files: &[(&'a str, &'a str)],
    more: (&'a str, &'a str),
) -> Vec<(&'a str, &'a str)> {
    let mut all = files.to_vec();
    all.push(more);
    all
}

#[test]
fn configuration_selects_the_set_by_name() {
    let exposed = "services:\n  web:\n    image: ghcr.io/acme/api:1.2\n    ports: [\"8080:8080\"]\n    user: \"101\"\n    mem_limit: 256m\n    security_opt: [\"no-new-privileges:true\"]\n";
    let files = [
        ("compose.yaml", HARDENING_ONLY),
        ("compose.web.yaml", exposed),
    ];
    let with = |config: &str, args: &[&str]| {
        check_in(
            &files_and(&files, (".moat.toml", config)),
            &[&["--format", "json"][..], args].concat(),
        )
    };
    let default = with("", &[]);
    assert_eq!(rules_in(&default), ["DC001"]);
    let only = with("select = [\"hardening\"]\n", &[]);
    assert_eq!(code(&only), 1);
    assert_eq!(rules_in(&only), ["CT006", "DC011", "DC013"]);
    let extended = with("extend-select = [\"hardening\"]\n", &[]);
    assert_eq!(rules_in(&extended), ["DC001", "CT006", "DC011", "DC013"]);
    // --select on the command line replaces the configuration's selection, extension too.
    let replaced = with("extend-select = [\"hardening\"]\n", &["--select", "DC001"]);
    assert_eq!(rules_in(&replaced), ["DC001"]);
    // --extend-select adds to the configuration's select.
    let added = with("select = [\"DC001\"]\n", &["--extend-select", "CT006"]);
    assert_eq!(rules_in(&added), ["DC001", "CT006"]);
    // A name that is no rule and no set is an error where it is written.
    let typo = with("extend-select = [\"hardning\"]\n", &[]);
    assert_eq!(code(&typo), 2);
    assert!(
        stderr(&typo).contains(".moat.toml:1:18: `hardning` matches no rule"),
        "{}",
        stderr(&typo)
    );
    // `moat config` spells the selection out.
    let dir = tmp();
    std::fs::write(
        dir.path().join(".moat.toml"),
        "extend-select = [\"hardening\"]\n",
    )
    .unwrap();
    let shown = moat()
        .current_dir(dir.path())
        .args(["config"])
        .output()
        .unwrap();
    let text = stdout(&shown);
    assert!(text.contains("select = []  # the default set"), "{text}");
    assert!(text.contains("extend-select = [\"hardening\"]"), "{text}");
}

#[test]
fn rules_and_explain_say_which_set_a_rule_is_in() {
    let table = stdout(&run(&["rules"]));
    let row = |id: &str| {
        table
            .lines()
            .find(|l| l.starts_with(id))
            .unwrap()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert!(table.starts_with("ID     SEVERITY  SET  "), "{table}");
    assert_eq!(row("CT006"), "CT006 low hardening");
    assert_eq!(row("DC001"), "DC001 medium default");
    let json: Vec<serde_json::Value> =
        serde_json::from_slice(&run(&["rules", "--format", "json"]).stdout).unwrap();
    let ct006 = json.iter().find(|r| r["id"] == "CT006").unwrap();
    assert_eq!(
        (&ct006["set"], &ct006["default"]),
        (&"hardening".into(), &false.into())
    );
    let hardening: Vec<&str> = json
        .iter()
        .filter(|r| r["default"] == false)
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        hardening,
        ["CT006", "DC011", "DC013", "DF001", "DF013", "HV003", "KS003", "KS012", "KS013"]
    );
    let explain = stdout(&run(&["explain", "CT006"]));
    assert!(
        explain.contains("Not in the default set: in `hardening`, reported with `--extend-select hardening`, `--select CT006` or `--select ALL`."),
        "{explain}"
    );
    assert!(stdout(&run(&["explain", "DC001"])).contains("In the default set"));
}

#[test]
fn a_rule_files_set_is_checked_at_load_and_selects_custom_rules() {
    let dir = tmp();
    let area = dir.path().join("rules/container");
    std::fs::create_dir_all(&area).unwrap();
    let original = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/rules/container/CT006-no-memory-limit.toml"
    ))
    .unwrap()
    .replace("\"CT006\"", "\"CT912\"")
    .replace("\"no-memory-limit\"", "\"my-memory-limit\"")
    .replace(
        "aliases  = [\"DC012\", \"KS010\", \"container-without-memory-limit\"]\n",
        "",
    );
    let file = area.join("CT912-my-memory-limit.toml");
    std::fs::write(dir.path().join("compose.yaml"), HARDENING_ONLY).unwrap();
    let lint = |args: &[&str]| {
        moat()
            .current_dir(dir.path())
            .args(
                [
                    &[
                        "check",
                        "compose.yaml",
                        "--rule-dir",
                        "rules",
                        "--format",
                        "json",
                    ][..],
                    args,
                ]
                .concat(),
            )
            .output()
            .unwrap()
    };
    std::fs::write(&file, &original).unwrap();
    let custom = lint(&["--select", "hardening"]);
    assert!(
        rules_in(&custom).contains(&"CT912".to_string()),
        "{}",
        stderr(&custom)
    );
    assert!(!rules_in(&lint(&[])).contains(&"CT912".to_string()));
    // A set moat does not know is an error at its line, not a rule silently in no set.
    let line = original.lines().position(|l| l.starts_with("set")).unwrap() + 1;
    std::fs::write(&file, original.replace("\"hardening\"", "\"hygiene\"")).unwrap();
    let bad = lint(&[]);
    assert_eq!(code(&bad), 2);
    assert!(
        stderr(&bad).contains(&format!("CT912-my-memory-limit.toml:{line}:"))
            && stderr(&bad).contains("hygiene"),
        "{}",
        stderr(&bad)
    );
}

/// Rules merged into one concept keep their former ids and names: SV001 was OL001, RD001,
/// CH001 and KS009, and each still selects, ignores, suppresses, sets severity, matches a
/// baseline and finds the rule in `moat explain`.
#[test]
fn former_rule_ids_still_work_after_a_merge() {
    let dir = tmp();
    let compose = dir.path().join("compose.yaml");
    let exposed = "services:\n  cache:\n    image: redis:7.4.2\n    ports: [\"6379:6379\"]\n";
    std::fs::write(&compose, exposed).unwrap();
    let path = compose.to_str().unwrap();
    let concise = |extra: &[&str]| {
        let o = run(&[&["check", path, "--format", "concise"], extra].concat());
        (code(&o), stdout(&o), stderr(&o))
    };
    let (c, out, err) = concise(&["--select", "RD001"]);
    assert_eq!(c, 1, "{err}");
    assert!(
        out.contains("critical[SV001] Redis in service `cache`"),
        "{out}"
    );
    assert_eq!(out.lines().filter(|l| l.contains('[')).count(), 1, "{out}");
    let (_, out, _) = concise(&["--select", "redis-exposed-without-auth"]);
    assert!(out.contains("[SV001]"), "{out}");
    // A prefix of a former id selects it too (`KS` meant every Kubernetes rule, KS009 among them).
    let (_, out, _) = concise(&["--select", "KS"]);
    assert!(out.contains("[SV001]"), "{out}");
    let (_, out, _) = concise(&["--ignore", "RD001"]);
    assert!(!out.contains("[SV001]") && out.contains("[DC001]"), "{out}");

    // A suppression written for the old id.
    std::fs::write(
        &compose,
        exposed.replace(
            "[\"6379:6379\"]",
            "[\"6379:6379\"]  # moat: ignore[RD001] lab only",
        ),
    )
    .unwrap();
    let (_, out, _) = concise(&["--select", "SV001"]);
    assert!(!out.contains("[SV001]"), "{out}");
    std::fs::write(&compose, exposed).unwrap();

    // `[severity]` keyed by the old id.
    std::fs::write(
        dir.path().join(".moat.toml"),
        "[severity]\nRD001 = \"low\"\n",
    )
    .unwrap();
    let (_, out, err) = concise(&["--select", "SV001"]);
    assert!(out.contains("low[SV001]"), "{out}{err}");
    std::fs::remove_file(dir.path().join(".moat.toml")).unwrap();

    // A baseline written before the merge names RD001.
    let baseline = dir.path().join("baseline.json");
    let o = run(&[
        "check",
        path,
        "--select",
        "SV001",
        "--write-baseline",
        baseline.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert!(text.contains("\"SV001\""), "{text}");
    std::fs::write(&baseline, text.replace("\"SV001\"", "\"RD001\"")).unwrap();
    let (c, out, err) = concise(&[
        "--select",
        "SV001",
        "--baseline",
        baseline.to_str().unwrap(),
    ]);
    assert_eq!(c, 0, "{out}{err}");

    let o = run(&["explain", "KS009"]);
    assert_eq!(code(&o), 0);
    assert!(
        stdout(&o).starts_with("SV001 exposed-without-authentication"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("Formerly: OL001"), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("`KS009` is now SV001"),
        "{}",
        stderr(&o)
    );
}

/// The container rules merged two per concept, one Compose and one Kubernetes id each: both
/// former ids and the former names select, ignore and suppress the one rule on both formats,
/// and `moat explain` finds it by either.
#[test]
fn former_compose_and_kubernetes_ids_both_name_the_merged_container_rule() {
    let dir = tmp();
    let compose = "services:\n  gpu:\n    image: ollama/ollama:0.5.7\n    privileged: true\n";
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: gpu\nspec:\n  containers:\n    - name: gpu\n      image: ollama/ollama:0.5.7\n      securityContext:\n        privileged: true\n";
    std::fs::write(dir.path().join("compose.yaml"), compose).unwrap();
    std::fs::write(dir.path().join("pod.yaml"), pod).unwrap();
    let root = dir.path().to_str().unwrap();
    let concise = |extra: &[&str]| {
        let o = run(&[&["check", root, "--format", "concise"], extra].concat());
        let out = stdout(&o);
        let mut files: Vec<String> = out
            .lines()
            .filter(|l| l.contains("[CT001]"))
            .map(|l| {
                l.split(':')
                    .next()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        files.sort();
        (files, out)
    };
    for key in [
        "CT001",
        "DC002",
        "KS001",
        "privileged-container",
        "container-privileged",
    ] {
        let (files, out) = concise(&["--select", key]);
        assert_eq!(files, ["compose.yaml", "pod.yaml"], "--select {key}: {out}");
    }
    for key in ["DC002", "KS001", "container-privileged"] {
        let (files, out) = concise(&["--ignore", key]);
        assert!(files.is_empty(), "--ignore {key}: {out}");
    }
    // A suppression written for the Kubernetes id, in a Compose file.
    std::fs::write(
        dir.path().join("compose.yaml"),
        compose.replace("true\n", "true  # moat: ignore[KS001] GPU lab\n"),
    )
    .unwrap();
    let (files, out) = concise(&["--select", "CT001"]);
    assert_eq!(files, ["pod.yaml"], "{out}");
    for (former, now) in [
        ("DC010", "CT007 image-not-pinned"),
        ("KS008", "CT007 image-not-pinned"),
    ] {
        let o = run(&["explain", former]);
        assert_eq!(code(&o), 0);
        assert!(stdout(&o).starts_with(now), "{}", stdout(&o));
        assert!(
            stderr(&o).contains(&format!("`{former}` is now CT007")),
            "{}",
            stderr(&o)
        );
    }
}
