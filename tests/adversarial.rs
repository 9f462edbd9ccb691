//! Files from strangers' pull requests: the file system tricks and hostile contents a linter
//! in CI meets. Each ends in a clear note or error, in bounded time, and the other files are
//! still linted.

#![cfg(unix)]

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn moat(args: &[&str]) -> (Output, Duration) {
    let start = Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_moat"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (o, start.elapsed())
}

const BAD_COMPOSE: &str = "services:\n  a:\n    image: redis:7\n    ports: [\"6379:6379\"]\n";

fn witness(dir: &Path) {
    std::fs::write(dir.join("compose.yaml"), BAD_COMPOSE).unwrap();
}

fn concise(dir: &Path) -> (String, String, i32) {
    let (o, elapsed) = moat(&[
        "check",
        dir.to_str().unwrap(),
        "--format",
        "concise",
        "--select",
        "DC001",
    ]);
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
    (
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
        o.status.code().expect("no signal"),
    )
}

#[test]
fn symlink_loops_and_links_out_of_the_tree_are_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("compose.yaml"), BAD_COMPOSE).unwrap();
    let dir = tempfile::tempdir().unwrap();
    witness(dir.path());
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("elsewhere")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("compose.yaml"),
        dir.path().join("docker-compose.yml"),
    )
    .unwrap();
    let (out, err, code) = concise(dir.path());
    assert_eq!(out.lines().count(), 1, "only the real file: {out}{err}");
    assert_eq!(code, 1);
}

#[test]
fn a_fifo_does_not_hang_the_walk() {
    let dir = tempfile::tempdir().unwrap();
    witness(dir.path());
    let fifo = dir.path().join("docker-compose.yml");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let (out, _, code) = concise(dir.path());
    assert!(out.contains("compose.yaml:4:13"), "{out}");
    assert_eq!(code, 1);
    // Named explicitly, it is an error (exit 2), not a hang.
    let (o, elapsed) = moat(&["check", fifo.to_str().unwrap()]);
    assert!(elapsed < Duration::from_secs(20));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a regular file"));
}

#[test]
fn huge_and_odd_files_get_notes_quickly() {
    let dir = tempfile::tempdir().unwrap();
    witness(dir.path());
    let big = "# padding\n".repeat(5 * 1024 * 1024); // 50 MiB
    std::fs::write(dir.path().join("docker-compose.big.yml"), big).unwrap();
    let line = format!(
        "services:\n  a:\n    image: \"{}\"\n",
        "x".repeat(1024 * 1024)
    );
    std::fs::write(dir.path().join("compose.line.yaml"), line).unwrap();
    std::fs::write(
        dir.path().join("compose.crlf.yaml"),
        BAD_COMPOSE.replace('\n', "\r\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("compose.cr.yaml"),
        BAD_COMPOSE.replace('\n', "\r"),
    )
    .unwrap();
    let (out, _, code) = concise(dir.path());
    assert!(
        out.contains("docker-compose.big.yml:1:1: info[skipped]"),
        "{out}"
    );
    assert!(
        out.contains("compose.crlf.yaml:4:13: medium[DC001]"),
        "{out}"
    );
    assert!(out.contains("compose.cr.yaml:4:13: medium[DC001]"), "{out}");
    assert!(out.contains("compose.yaml:4:13: medium[DC001]"), "{out}");
    assert_eq!(code, 1);
}

#[test]
fn yaml_bombs_end_in_parse_errors_in_bounded_time() {
    let dir = tempfile::tempdir().unwrap();
    witness(dir.path());
    let mut bomb = String::from(
        "x-a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
    for w in names.windows(2) {
        bomb.push_str(&format!(
            "x-{}: &{} [{}]\n",
            w[1],
            w[1],
            vec![format!("*{}", w[0]); 9].join(",")
        ));
    }
    bomb.push_str("services:\n  s:\n    image: *j\n");
    std::fs::write(dir.path().join("compose.bomb.yaml"), bomb).unwrap();
    std::fs::write(
        dir.path().join("compose.deep.yaml"),
        format!("services: {}{}", "[".repeat(100_000), "]".repeat(100_000)),
    )
    .unwrap();
    let (out, _, code) = concise(dir.path());
    assert!(
        out.contains("compose.bomb.yaml:") && out.contains("compose.deep.yaml:"),
        "{out}"
    );
    assert_eq!(out.matches("[parse-error]").count(), 2, "{out}");
    assert_eq!(code, 1);
}

/// A file that cannot be read, even by root: reading `/proc/self/mem` at offset 0 fails with
/// EIO. It is an input error (exit 2) named on stderr, and the other files are still linted.
#[test]
#[cfg(target_os = "linux")]
fn an_unreadable_file_is_an_error_and_the_rest_is_linted() {
    let dir = tempfile::tempdir().unwrap();
    witness(dir.path());
    let (o, elapsed) = moat(&[
        "check",
        dir.path().to_str().unwrap(),
        "/proc/self/mem",
        "--format",
        "concise",
        "--select",
        "DC001",
    ]);
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(out.contains("compose.yaml:4:13: medium[DC001]"), "{out}");
    assert!(err.contains("/proc/self/mem: cannot read"), "{err}");
    assert_eq!(o.status.code(), Some(2));
}
