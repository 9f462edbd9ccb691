//! The command-line conventions CI jobs and shells expect (the summary line, `--statistics`,
//! no-file warnings, `--exit-zero`, `-q`, `-o`, `--color`, `--exclude`, `MOAT_FORMAT`,
//! completions, the man page, `moat config`, the user-level configuration, standard input),
//! and the human, SARIF and table outputs that must agree with the other formats. Each test
//! runs the real binary.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn moat_in(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_moat"));
    c.current_dir(dir);
    c.env("NO_COLOR", "1");
    c.env("XDG_CONFIG_HOME", "/nonexistent/moat-tests");
    for v in ["MOAT_FORMAT", "FORCE_COLOR", "CLICOLOR_FORCE", "COLUMNS"] {
        c.env_remove(v);
    }
    c
}

fn moat() -> Command {
    moat_in(Path::new(env!("CARGO_MANIFEST_DIR")))
}

fn run(args: &[&str]) -> Output {
    moat().args(args).output().expect("moat runs")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

const COMPOSE: &str = "testdata/cli/compose.yaml";

#[test]
fn every_format_ends_with_a_summary_and_machine_formats_keep_it_off_stdout() {
    let concise = run(&["check", COMPOSE, "--select", "DC001", "--format", "concise"]);
    assert_eq!(code(&concise), 1);
    assert_eq!(
        err(&concise),
        "moat: 1 file(s) checked, 1 problem(s): 1 medium; 1 fixable with --fix --unsafe-fixes\n"
    );
    assert!(!out(&concise).contains("moat:"), "{}", out(&concise));
    let json = run(&["check", COMPOSE, "--select", "DC001", "--format", "json"]);
    serde_json::from_slice::<serde_json::Value>(&json.stdout).expect("stdout is JSON alone");
    assert!(err(&json).starts_with("moat: 1 file(s) checked"));
    // A clean run says so, instead of printing nothing.
    let clean = run(&[
        "check",
        "testdata/cli/clean-compose.yaml",
        "--select",
        "DC001",
    ]);
    assert_eq!(code(&clean), 0);
    assert_eq!(err(&clean), "moat: 1 file(s) checked, no problems found\n");
    let quiet = run(&["check", COMPOSE, "--select", "DC001", "-q"]);
    assert_eq!(code(&quiet), 1);
    assert_eq!(err(&quiet), "");
    assert_eq!(out(&quiet).lines().count(), 1);
}

#[test]
fn statistics_count_findings_per_rule() {
    let o = run(&[
        "check",
        "testdata/cli",
        "--select",
        "DC011,DC001",
        "--statistics",
    ]);
    assert_eq!(code(&o), 1, "{}", err(&o));
    assert_eq!(
        out(&o),
        "4  DC011  low     no-new-privileges-not-set\n\
         3  DC001  medium  port-published-on-all-interfaces  3 fixable\n"
    );
    let json = run(&[
        "check",
        "testdata/cli",
        "--select",
        "DC001",
        "--statistics",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!([{"rule": "DC001", "name": "port-published-on-all-interfaces",
            "severity": "medium", "count": 3, "fixable": 3}])
    );
    let sarif = run(&["check", COMPOSE, "--statistics", "--format", "sarif"]);
    assert_eq!(code(&sarif), 2);
}

#[test]
fn a_named_folder_with_nothing_to_read_is_an_error() {
    let dir = tmp();
    std::fs::write(dir.path().join("notes.txt"), "hello\n").unwrap();
    let named = run(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(code(&named), 2, "{}", err(&named));
    assert!(
        err(&named).contains("warning: no file moat reads in"),
        "{}",
        err(&named)
    );
    // With real files beside it, only the empty folder is named.
    let both = run(&["check", COMPOSE, dir.path().to_str().unwrap(), "-q"]);
    assert_eq!(code(&both), 2);
    assert!(err(&both).contains(dir.path().to_str().unwrap()));
    // The working folder, not named: a warning, and the run passes.
    let implicit = moat_in(dir.path()).arg("check").output().unwrap();
    assert_eq!(code(&implicit), 0);
    assert!(err(&implicit).contains("no file moat reads in the current folder"));
}

#[test]
fn exit_zero_passes_findings_but_not_errors() {
    let o = run(&["check", COMPOSE, "--exit-zero"]);
    assert_eq!(code(&o), 0);
    assert!(!out(&o).is_empty());
    let missing = run(&["check", "does-not-exist", "--exit-zero"]);
    assert_eq!(code(&missing), 2);
}

#[test]
fn output_file_takes_the_report_and_the_terminal_keeps_the_summary() {
    let dir = tmp();
    let report = dir.path().join("moat.sarif");
    let o = run(&[
        "check",
        COMPOSE,
        "--select",
        "DC001",
        "--format",
        "sarif",
        "-o",
        report.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1);
    assert_eq!(out(&o), "");
    assert!(err(&o).starts_with("moat: 1 file(s) checked"));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(v["runs"][0]["results"][0]["ruleId"], "DC001");
    let nowhere = run(&["check", COMPOSE, "-o", "/nonexistent/dir/report.txt"]);
    assert_eq!(code(&nowhere), 2);
    assert!(err(&nowhere).contains("cannot write the report"));
}

#[test]
fn color_follows_the_flag_then_force_color_then_no_color() {
    let human = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = moat();
        c.args(["check", COMPOSE, "--select", "DC001", "--format", "human"])
            .args(args);
        c.env_remove("NO_COLOR");
        for (k, v) in env {
            c.env(k, v);
        }
        out(&c.output().unwrap()).contains('\x1b')
    };
    assert!(!human(&[], &[]), "not a terminal: no colour");
    assert!(human(&["--color", "always"], &[("NO_COLOR", "1")]));
    assert!(!human(&["--color", "never"], &[("FORCE_COLOR", "1")]));
    assert!(human(&[], &[("FORCE_COLOR", "1")]));
    assert!(human(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]));
    assert!(!human(&[], &[("FORCE_COLOR", "0")]));
}

#[test]
fn exclude_from_flags_and_configuration() {
    let dir = tmp();
    let root = dir.path();
    for d in ["app", "vendor/x", "gen"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    let compose = std::fs::read_to_string(COMPOSE).unwrap();
    for f in [
        "app/compose.yaml",
        "vendor/x/compose.yaml",
        "gen/compose.yaml",
    ] {
        std::fs::write(root.join(f), &compose).unwrap();
    }
    let paths = |args: &[&str]| {
        let o = moat_in(root)
            .args(["check", "--select", "DC001", "--format", "concise"])
            .args(args)
            .output()
            .unwrap();
        let mut files: Vec<String> = out(&o)
            .lines()
            .map(|l| l.split(':').next().unwrap().to_string())
            .collect();
        files.dedup();
        (files, o)
    };
    let (all, o) = paths(&[]);
    assert_eq!(all.len(), 3, "{}{}", out(&o), err(&o));
    assert_eq!(
        paths(&["--exclude", "vendor/"]).0,
        ["app/compose.yaml", "gen/compose.yaml"]
    );
    std::fs::write(
        root.join(".moat.toml"),
        "exclude = [\"vendor/\"]\nextend-exclude = [\"/gen\"]\n",
    )
    .unwrap();
    assert_eq!(paths(&[]).0, ["app/compose.yaml"]);
    // --exclude replaces the configuration's `exclude`; its `extend-exclude` still holds.
    assert_eq!(paths(&["--exclude", "app"]).0, ["vendor/x/compose.yaml"]);
    assert_eq!(
        paths(&["--extend-exclude", "app/*.yaml"]).0,
        Vec::<String>::new()
    );
    // Excluding everything a named path holds is the no-file error, and says why.
    let (_, o) = paths(&["vendor"]);
    assert_eq!(code(&o), 2);
    assert!(err(&o).contains("excluded"), "{}", err(&o));
    std::fs::write(root.join(".moat.toml"), "\nexclude = [\"a{b\"]\n").unwrap();
    let (_, o) = paths(&[]);
    assert_eq!(code(&o), 2);
    assert!(err(&o).contains(".moat.toml:2:12:"), "{}", err(&o));
}

#[test]
fn moat_format_sets_the_default_format() {
    let o = moat()
        .args(["check", COMPOSE, "--select", "DC001"])
        .env("MOAT_FORMAT", "json")
        .output()
        .unwrap();
    serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("JSON from MOAT_FORMAT");
    let flag_wins = moat()
        .args(["check", COMPOSE, "--select", "DC001", "--format", "concise"])
        .env("MOAT_FORMAT", "json")
        .output()
        .unwrap();
    assert!(out(&flag_wins).starts_with("testdata/cli/compose.yaml:4:13:"));
    let bad = moat()
        .args(["check", COMPOSE])
        .env("MOAT_FORMAT", "xml")
        .output()
        .unwrap();
    assert_eq!(code(&bad), 2);
}

#[test]
fn completions_for_every_shell_and_a_man_page() {
    for (shell, marker) in [
        ("bash", "complete -F _moat"),
        ("zsh", "#compdef moat"),
        ("fish", "complete -c moat"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[moat]"),
    ] {
        let o = run(&["completions", shell]);
        assert_eq!(code(&o), 0, "{shell}");
        assert!(out(&o).contains(marker), "{shell}: {}", out(&o));
        assert!(
            out(&o).contains("exit-zero"),
            "{shell} completes check's flags"
        );
    }
    let man = run(&["man"]);
    assert_eq!(code(&man), 0);
    assert!(out(&man).contains(".TH moat 1"), "{}", out(&man));
    assert!(out(&man).contains("completions"));
}

#[test]
fn config_prints_the_effective_settings_and_their_source() {
    let dir = tmp();
    let root = dir.path();
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(
        root.join(".moat.toml"),
        "ignore = [\"DC013\"]\nfail-on = \"high\"\n[severity]\nCT006 = \"info\"\n",
    )
    .unwrap();
    let o = moat_in(root).args(["config", "sub"]).output().unwrap();
    assert_eq!(code(&o), 0, "{}", err(&o));
    let text = out(&o);
    assert!(
        text.contains(&format!("# from {}", root.join(".moat.toml").display()))
            || text.contains("/.moat.toml"),
        "{text}"
    );
    assert!(text.contains("ignore = [\"DC013\"]\n") && text.contains("fail-on = \"high\"\n"));
    assert!(text.contains("[severity]\nCT006 = \"info\"\n"), "{text}");
    // What it prints is itself a configuration moat reads.
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(root.join("sub/.moat.toml"), body).unwrap();
    let again = moat_in(root).args(["config", "sub"]).output().unwrap();
    assert_eq!(code(&again), 0, "{}", err(&again));
    let broken = moat_in(root)
        .args(["config", "--config", "nope.toml"])
        .output()
        .unwrap();
    assert_eq!(code(&broken), 2);
}

#[test]
fn a_user_level_configuration_governs_where_no_project_one_does() {
    let home = tmp();
    std::fs::create_dir_all(home.path().join("moat")).unwrap();
    std::fs::write(
        home.path().join("moat/moat.toml"),
        "select = [\"DC001\"]\nfail-on = \"critical\"\n",
    )
    .unwrap();
    let project = tmp();
    std::fs::copy(COMPOSE, project.path().join("compose.yaml")).unwrap();
    let lint = |dir: &Path| {
        moat_in(dir)
            .args(["check", "--format", "concise"])
            .env("XDG_CONFIG_HOME", home.path())
            .output()
            .unwrap()
    };
    let o = lint(project.path());
    assert_eq!(
        code(&o),
        0,
        "fail-on critical from the user configuration: {}",
        err(&o)
    );
    assert_eq!(out(&o).lines().count(), 1, "only DC001: {}", out(&o));
    let shown = moat_in(project.path())
        .arg("config")
        .env("XDG_CONFIG_HOME", home.path())
        .output()
        .unwrap();
    assert!(out(&shown).contains("moat/moat.toml"), "{}", out(&shown));
    // A project configuration wins.
    std::fs::write(project.path().join(".moat.toml"), "select = [\"DC\"]\n").unwrap();
    let o = lint(project.path());
    assert_eq!(code(&o), 1);
    assert!(out(&o).lines().count() > 1);
}

#[test]
fn stdin_filename_alone_reads_standard_input() {
    let text = std::fs::read(COMPOSE).unwrap();
    let mut child = moat()
        .args([
            "check",
            "--stdin-filename",
            "stack/compose.yaml",
            "--select",
            "DC001",
            "--format",
            "concise",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&text).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(code(&o), 1, "{}", err(&o));
    assert!(
        out(&o).starts_with("stack/compose.yaml:4:13: medium[DC001]"),
        "{}",
        out(&o)
    );
    let mixed = run(&["check", COMPOSE, "--stdin-filename", "x.yaml"]);
    assert_eq!(code(&mixed), 2);
    assert!(err(&mixed).contains("--stdin-filename"));
}

/// Where the concise line says `path:line:col`, the human header says the same, whatever
/// characters come before the finding on its line.
#[test]
fn human_columns_count_characters_like_the_other_formats() {
    let dir = tmp();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM ubuntu:22.04\nRUN echo \"ééé — ✓\" && curl https://get.example.sh | sh\nUSER 1000\n",
    )
    .unwrap();
    let lint = |format: &str| {
        moat_in(dir.path())
            .args([
                "check",
                "Dockerfile",
                "--select",
                "DF005",
                "--format",
                format,
            ])
            .output()
            .unwrap()
    };
    let concise = out(&lint("concise"));
    let at = concise.split(": ").next().unwrap().to_string();
    // 22 characters before `curl`, 29 bytes: miette's own column was the bytes'.
    assert_eq!(at, "Dockerfile:2:23", "{concise}");
    let human = out(&lint("human"));
    assert!(human.contains(&format!("[{at}]")), "{human}");
}

#[test]
fn human_output_wraps_at_the_width_it_is_given() {
    for width in [60usize, 160] {
        let o = moat()
            .args(["check", COMPOSE, "--select", "OL001", "--format", "human"])
            .env("COLUMNS", width.to_string())
            .output()
            .unwrap();
        let text = out(&o);
        // Prose wraps; the heading, the file's own lines (numbered) and their labels (`·`)
        // cannot.
        let prose = text.lines().skip(1).filter(|l| {
            let l = l.trim_start();
            !l.starts_with(|c: char| c.is_ascii_digit())
                && !l.starts_with('·')
                && !l.starts_with("moat:")
        });
        let longest = prose.map(|l| l.chars().count()).max().unwrap();
        assert!(longest <= width, "{width}: {longest}\n{text}");
        if width == 160 {
            assert!(longest > 100, "a wide terminal is used: {longest}\n{text}");
        }
    }
}

#[test]
fn rules_table_columns_line_up() {
    let o = run(&["rules"]);
    let text = out(&o);
    // The table, then (after a blank line) the redirects of merged rules' former ids.
    let lines: Vec<&str> = text.lines().take_while(|l| !l.is_empty()).collect();
    assert!(
        text.contains("\n\nRedirected (former ids") && text.contains("  OL001 -> SV001"),
        "{text}"
    );
    assert!(lines[0].starts_with("ID"), "{}", lines[0]);
    let title_at = lines[0].find("TITLE").unwrap();
    let sev_at = lines[0].find("SEVERITY").unwrap();
    for l in &lines[1..] {
        let chars: Vec<char> = l.chars().collect();
        assert_eq!(chars[title_at - 1], ' ', "{l}");
        assert_ne!(chars[title_at], ' ', "{l}");
        assert_ne!(chars[sev_at], ' ', "{l}");
        assert_eq!(chars[sev_at - 1], ' ', "{l}");
    }
}

#[test]
fn advisories_format_prints_a_file_moat_accepts() {
    let o = run(&["inventory", "--advisories-format"]);
    assert_eq!(code(&o), 0);
    let text = out(&o);
    assert!(text.contains("One `[[advisory]]` per CVE"), "{text}");
    let dir = tmp();
    let file = dir.path().join("advisories.toml");
    std::fs::write(&file, &text).unwrap();
    let used = run(&["inventory", COMPOSE, "--advisories", file.to_str().unwrap()]);
    assert_eq!(code(&used), 0, "{}", err(&used));
}

#[test]
fn a_carriage_return_in_a_path_is_escaped_in_every_text_format() {
    let dir = tmp();
    let odd = dir.path().join("a\rb");
    std::fs::create_dir(&odd).unwrap();
    std::fs::copy(COMPOSE, odd.join("compose.yaml")).unwrap();
    for format in ["concise", "human", "github"] {
        let o = moat_in(dir.path())
            .args(["check", "--select", "DC001", "--format", format])
            .output()
            .unwrap();
        assert!(!out(&o).contains('\r'), "{format}: {:?}", out(&o));
        assert!(
            out(&o).contains("a\\u{d}b/compose.yaml"),
            "{format}: {}",
            out(&o)
        );
    }
    let json = moat_in(dir.path())
        .args(["check", "--select", "DC001", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["diagnostics"][0]["path"], "a\rb/compose.yaml");
    let sarif = moat_in(dir.path())
        .args(["check", "--select", "DC001", "--format", "sarif"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
    assert_eq!(
        v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "a%0Db/compose.yaml"
    );
}

#[test]
fn sarif_paths_are_relative_to_the_repository_and_percent_encoded() {
    let dir = tmp();
    let repo = dir.path().join("repo");
    let odd = repo.join("my stack#1?");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::create_dir_all(&odd).unwrap();
    std::fs::copy(COMPOSE, odd.join("compose.yaml")).unwrap();
    std::fs::write(odd.join("empty.env"), "").unwrap();
    std::fs::write(odd.join("docker-compose.yaml"), "services: [\n").unwrap();
    let outside = dir.path().join("elsewhere");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::copy(COMPOSE, outside.join("compose.yaml")).unwrap();
    // Run from inside the repository's subfolder, naming a file outside the repository too.
    let o = moat_in(&odd)
        .args([
            "check",
            ".",
            "../../elsewhere/compose.yaml",
            "--select",
            "DC001",
            "--format",
            "sarif",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&o), 1, "{}", err(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let run0 = &v["runs"][0];
    let root_uri = run0["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        root_uri.starts_with("file:///") && root_uri.ends_with("/repo/"),
        "{root_uri}"
    );
    let locations: Vec<&serde_json::Value> = run0["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["locations"][0]["physicalLocation"]["artifactLocation"])
        .collect();
    let by_rule = |rule: &str| {
        run0["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["ruleId"] == rule)
            .unwrap_or_else(|| panic!("a {rule} result"))
    };
    let inside = locations
        .iter()
        .find(|l| l["uri"] == "my%20stack%231%3F/compose.yaml");
    assert_eq!(
        inside.expect("the file inside")["uriBaseId"],
        "%SRCROOT%",
        "{locations:?}"
    );
    let far = locations
        .iter()
        .find(|l| l["uriBaseId"].is_null())
        .expect("the outside file");
    let far_uri = far["uri"].as_str().unwrap();
    assert!(
        far_uri.starts_with("file:///") && far_uri.ends_with("/elsewhere/compose.yaml"),
        "{far_uri}"
    );
    assert!(!far_uri.contains(".."), "{far_uri}");
    // Input problems are described rules; a skipped file is a notification, not a result.
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    let parse = by_rule("parse-error");
    assert_eq!(
        rules[parse["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "parse-error"
    );
    assert!(run0["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["ruleId"] != "skipped"));
    let notes = run0["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["descriptor"]["id"], "skipped");
    assert!(rules.iter().any(|r| r["id"] == "skipped"));
    let dc001 = rules.iter().find(|r| r["id"] == "DC001").unwrap();
    assert!(dc001["helpUri"]
        .as_str()
        .unwrap()
        .ends_with("/docs/rules/DC001.md"));
    assert!(run0["tool"]["driver"]["informationUri"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    // --project-root moves the base.
    let o = moat_in(&odd)
        .args([
            "check",
            "compose.yaml",
            "--select",
            "DC001",
            "--format",
            "sarif",
            "--project-root",
            ".",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "compose.yaml"
    );
    let bad = moat_in(&odd)
        .args([
            "check",
            "compose.yaml",
            "--format",
            "sarif",
            "--project-root",
            "nope",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&bad), 2);
}

/// Lint `dir` with one rule, writing or reading `baseline`, in concise form.
fn with_baseline(dir: &Path, args: &[&str], rule: &str) -> Output {
    moat_in(dir)
        .args(["check", "--select", rule, "--format", "concise", "-q"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_baseline_reports_exactly_the_new_finding() {
    let dir = tmp();
    let root = dir.path();
    let compose = |services: &[&str]| {
        let mut text = String::from("services:\n");
        for s in services {
            text.push_str(&format!(
                "  {s}:\n    image: nginx:1.27\n    privileged: true\n"
            ));
        }
        std::fs::write(root.join("compose.yaml"), text).unwrap();
    };
    compose(&["web"]);
    let w = with_baseline(root, &["--write-baseline", "moat-baseline.json"], "CT001");
    assert_eq!(code(&w), 0, "{}", err(&w));
    // A second privileged service added above the first: it, not the old one, is new.
    compose(&["worker", "web"]);
    let o = with_baseline(root, &["--baseline", "moat-baseline.json"], "CT001");
    assert_eq!(code(&o), 1, "{}", err(&o));
    let lines: Vec<&str> = std::str::from_utf8(&o.stdout).unwrap().lines().collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("compose.yaml:4:17:"),
        "the worker's line: {lines:?}"
    );
    // The baseline's paths are the baseline folder's: a file named another way still matches.
    compose(&["web"]);
    for args in [
        &["./compose.yaml", "--baseline", "moat-baseline.json"][..],
        &[".", "--baseline", "./moat-baseline.json"][..],
    ] {
        let o = with_baseline(root, args, "CT001");
        assert_eq!(code(&o), 0, "{args:?}: {}", out(&o));
    }
    std::fs::create_dir(root.join("sub")).unwrap();
    let o = with_baseline(
        &root.join("sub"),
        &["..", "--baseline", "../moat-baseline.json"],
        "CT001",
    );
    assert_eq!(code(&o), 0, "from a subfolder: {}", out(&o));
}

#[test]
fn identical_findings_are_counted() {
    let dir = tmp();
    let root = dir.path();
    let dockerfile = |runs: usize| {
        let mut text = String::from("FROM debian:12\n");
        for _ in 0..runs {
            text.push_str("RUN curl -fsSL https://get.example.sh | sh\n");
        }
        text.push_str("USER 1000\n");
        std::fs::write(root.join("Dockerfile"), text).unwrap();
    };
    dockerfile(2);
    let w = with_baseline(root, &["--write-baseline", "b.json"], "DF005");
    assert_eq!(code(&w), 0);
    let o = with_baseline(root, &["--baseline", "b.json"], "DF005");
    assert_eq!(code(&o), 0, "both known: {}", out(&o));
    dockerfile(3);
    let o = with_baseline(root, &["--baseline", "b.json"], "DF005");
    assert_eq!(
        out(&o).lines().count(),
        1,
        "one more than the baseline: {}",
        out(&o)
    );
}

#[test]
fn a_file_reached_by_two_paths_is_linted_once() {
    let o = run(&[
        "check",
        "testdata/cli",
        "testdata/cli/compose.yaml",
        "./testdata/cli/compose.yaml",
        "--select",
        "DC001",
        "--format",
        "json",
        "-q",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let paths: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths
            .iter()
            .filter(|p| p.ends_with("cli/compose.yaml"))
            .count(),
        1,
        "{paths:?}"
    );
}

/// The image moat ships is built from a Dockerfile that moat's own rules pass, every rule.
#[test]
fn moats_own_dockerfile_passes_moat() {
    let o = run(&[
        "check",
        "Dockerfile",
        "--select",
        "ALL",
        "--report-unused-ignores",
        "--format",
        "concise",
    ]);
    assert_eq!(code(&o), 0, "{}{}", out(&o), err(&o));
}
