//! Files from strangers' pull requests: the file system tricks and hostile contents a linter
//! in CI meets. Each ends in a clear note or error, in bounded time, and the other files are
//! still linted.

#![cfg(unix)]

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A hang guard, not a speed test (bench/ measures speed): debug builds on a loaded
/// two-core machine take seconds on the YAML bombs, an exponential blow-up takes minutes.
const HANG: Duration = Duration::from_secs(60);

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
    assert!(elapsed < HANG, "took {elapsed:?}");
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
    assert!(elapsed < HANG, "took {elapsed:?}");
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(out.contains("compose.yaml:4:13: medium[DC001]"), "{out}");
    assert!(err.contains("/proc/self/mem: cannot read"), "{err}");
    assert_eq!(o.status.code(), Some(2));
}

fn run_in(dir: &Path, args: &[&str]) -> (String, String, i32, Duration) {
    let start = Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_moat"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
        o.status.code().expect("no signal"),
        start.elapsed(),
    )
}

/// Class: a file inside the tree names a file (`env_file`, a bind-mounted `redis.conf`, a
/// redis.conf `include`) through a symlinked *folder* that leads out of the tree. The whole
/// path is resolved; what ends outside the tree is not read, and an info note names the
/// reference (never the target's content).
#[test]
fn related_files_through_symlinked_folders_stay_inside_the_tree() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.env"),
        "OLLAMA_HOST=0.0.0.0\nTOKEN=hunter2-outside\n",
    )
    .unwrap();
    std::fs::write(
        outside.path().join("redis.conf"),
        "requirepass hunter2-outside-pw\n",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path();
    std::os::unix::fs::symlink(outside.path(), tree.join("linkdir")).unwrap();
    std::fs::write(
        tree.join("compose.yaml"),
        "services:\n  llm:\n    image: ollama/ollama:0.5.7\n    env_file: linkdir/secret.env\n  cache:\n    image: redis:7.4\n    command: redis-server /etc/redis/redis.conf\n    volumes:\n      - ./linkdir/redis.conf:/etc/redis/redis.conf\n",
    )
    .unwrap();
    std::fs::write(
        tree.join("redis.conf"),
        "include linkdir/redis.conf\nbind 0.0.0.0\n",
    )
    .unwrap();
    let (out, err, _, _) = run_in(tree, &["check", ".", "--format", "concise"]);
    for reference in [
        "linkdir/secret.env",
        "./linkdir/redis.conf",
        "linkdir/redis.conf",
    ] {
        assert!(
            out.contains(&format!(
                "`{reference}` was not read: it resolves outside the linted tree"
            )),
            "{reference}: {out}{err}"
        );
    }
    assert!(out.contains("compose.yaml:4:15: info[skipped]"), "{out}");
    assert!(out.contains("redis.conf:1:1: info[skipped]"), "{out}");
    assert!(
        !out.contains("hunter2") && !err.contains("hunter2"),
        "{out}{err}"
    );
}

/// Class: every file moat opens for any reason (a linted file, a related file, a
/// configuration, a baseline, an advisory file, a rule file) goes through one read that
/// refuses FIFOs and devices before opening them and stops at the size limit. Before, a FIFO
/// given to `--config`, `--baseline` or `--advisories` hung, `/dev/zero` read until memory ran
/// out, and an `env_file` could grow to gigabytes.
#[test]
fn every_read_refuses_fifos_devices_and_oversized_files() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path();
    witness(tree);
    let fifo = tree.join("fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let fifo = fifo.to_str().unwrap();
    for (flag, source) in [
        ("--config", fifo),
        ("--config", "/dev/zero"),
        ("--baseline", fifo),
        ("--baseline", "/dev/zero"),
        ("--advisories", fifo),
        ("--advisories", "/dev/zero"),
    ] {
        let (_, err, code, took) = run_in(tree, &["check", ".", flag, source]);
        assert_eq!(code, 2, "{flag} {source}: {err}");
        assert!(err.contains("not a regular file"), "{flag} {source}: {err}");
        assert!(
            took < Duration::from_secs(20),
            "{flag} {source} took {took:?}"
        );
    }
    // An in-tree `.moat.toml` that is a symlink to a device, or to a file outside the tree.
    let sub = tree.join("sub");
    std::fs::create_dir(&sub).unwrap();
    witness(&sub);
    std::os::unix::fs::symlink("/dev/zero", sub.join(".moat.toml")).unwrap();
    let (_, err, code, took) = run_in(&sub, &["check", "."]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a symlink out of the linted tree"), "{err}");
    assert!(took < Duration::from_secs(20));
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(elsewhere.path().join("moat.toml"), "select = [\"DF\"]\n").unwrap();
    std::fs::remove_file(sub.join(".moat.toml")).unwrap();
    std::os::unix::fs::symlink(elsewhere.path().join("moat.toml"), sub.join(".moat.toml")).unwrap();
    let (_, err, code, _) = run_in(&sub, &["check", "."]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(".moat.toml:1:1: a symlink out of the linted tree"),
        "{err}"
    );
    // An in-tree env file over the size limit: noted at the reference, not read.
    let big = tempfile::tempdir().unwrap();
    std::fs::write(
        big.path().join("compose.yaml"),
        "services:\n  llm:\n    image: ollama/ollama:0.5.7\n    env_file: big.env\n",
    )
    .unwrap();
    let f = std::fs::File::create(big.path().join("big.env")).unwrap();
    f.set_len(moat::MAX_FILE_BYTES + 1).unwrap();
    let (out, _, _, took) = run_in(big.path(), &["check", ".", "--format", "concise"]);
    assert!(
        out.contains("`big.env` was not read:") && out.contains("limit"),
        "{out}"
    );
    assert!(took < Duration::from_secs(20));
}

/// Class: `rule-dirs` in a `.moat.toml` found beside the linted files may only name folders
/// inside the tree (it came with them), and folder symlinks in rule folders are followed once
/// each; `--rule-dir` names any folder.
#[test]
fn rule_dirs_of_an_in_tree_config_stay_in_the_tree_and_loops_end() {
    let outside = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path();
    witness(tree);
    let outside_rel = format!(
        "../{}",
        outside.path().file_name().unwrap().to_str().unwrap()
    );
    for (dirs, line_col) in [
        ("[\"/etc\"]", ":1:14:"),
        (&*format!("[\"rules\", \"{outside_rel}\"]"), ":1:23:"),
    ] {
        std::fs::write(tree.join(".moat.toml"), format!("rule-dirs = {dirs}\n")).unwrap();
        std::fs::create_dir_all(tree.join("rules")).unwrap();
        let (_, err, code, _) = run_in(tree, &["check", "."]);
        assert_eq!(code, 2, "{dirs}: {err}");
        assert!(
            err.contains(line_col) && err.contains("resolves outside the linted tree"),
            "{dirs}: {err}"
        );
    }
    // A symlink inside a rule folder that leads out of the tree.
    std::os::unix::fs::symlink(outside.path(), tree.join("rules/out")).unwrap();
    std::fs::write(tree.join(".moat.toml"), "rule-dirs = [\"rules\"]\n").unwrap();
    let (_, err, code, _) = run_in(tree, &["check", "."]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("resolves outside the linted tree"), "{err}");
    std::fs::remove_file(tree.join("rules/out")).unwrap();
    // Two self-links: a loop, followed once.
    std::os::unix::fs::symlink(".", tree.join("rules/a")).unwrap();
    std::os::unix::fs::symlink("a", tree.join("rules/b")).unwrap();
    let (out, err, code, took) = run_in(tree, &["check", ".", "--format", "concise"]);
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert_eq!(code, 1, "{out}{err}");
    // The command line may name any folder.
    std::fs::remove_file(tree.join(".moat.toml")).unwrap();
    let (_, err, code, _) = run_in(
        tree,
        &["check", ".", "--rule-dir", outside.path().to_str().unwrap()],
    );
    assert_eq!(code, 1, "{err}");
}

/// Class: `--write-baseline` never writes through a symlink (a committed `baseline.json ->
/// ../home/authorized_keys`), and replaces the old baseline atomically.
#[test]
fn write_baseline_never_follows_a_symlink() {
    let home = tempfile::tempdir().unwrap();
    let keys = home.path().join("authorized_keys");
    std::fs::write(&keys, "ssh-ed25519 AAAA keep\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    witness(dir.path());
    std::os::unix::fs::symlink(&keys, dir.path().join("baseline.json")).unwrap();
    let (_, err, code, _) = run_in(
        dir.path(),
        &["check", ".", "--write-baseline", "baseline.json"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("symlink"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&keys).unwrap(),
        "ssh-ed25519 AAAA keep\n"
    );
    // Nor through a symlinked folder of the tree.
    std::os::unix::fs::symlink(home.path(), dir.path().join(".moat")).unwrap();
    let (_, err, code, _) = run_in(
        dir.path(),
        &["check", ".", "--write-baseline", ".moat/baseline.json"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`.moat` is a symlink"), "{err}");
    assert!(!home.path().join("baseline.json").exists());
    std::fs::remove_file(dir.path().join(".moat")).unwrap();
    // A real file is replaced whole, and no temporary file is left.
    std::fs::remove_file(dir.path().join("baseline.json")).unwrap();
    std::fs::write(dir.path().join("baseline.json"), "old").unwrap();
    let (_, err, code, _) = run_in(
        dir.path(),
        &["check", ".", "--write-baseline", "baseline.json"],
    );
    assert_eq!(code, 0, "{err}");
    let written = std::fs::read_to_string(dir.path().join("baseline.json")).unwrap();
    assert!(
        written.starts_with('{') && written.contains("\"findings\""),
        "{written}"
    );
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

/// Class: redis.conf `include`s that expand exponentially or loop (`include self/redis.conf`
/// through `self -> .`; a lattice of files each including all the next ones). Each file is
/// read and applied once, cycles are noted at the include line, and the run is quick, in the
/// CLI and the same code the language server runs.
#[test]
fn redis_includes_are_read_once_and_cycles_end() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path();
    std::os::unix::fs::symlink(".", tree.join("self")).unwrap();
    std::fs::write(
        tree.join("redis.conf"),
        "include self/redis.conf\n".repeat(6) + "bind 0.0.0.0\n",
    )
    .unwrap();
    let lattice = tree.join("lattice");
    std::fs::create_dir(&lattice).unwrap();
    for i in 0..9 {
        let text: String = (i + 1..9)
            .map(|j| format!("include l{j}.conf\n"))
            .chain(std::iter::once(format!("maxclients {i}\n")))
            .collect();
        std::fs::write(lattice.join(format!("l{i}.conf")), text).unwrap();
    }
    std::fs::copy(lattice.join("l0.conf"), lattice.join("redis.conf")).unwrap();
    let (out, err, _, took) = run_in(tree, &["check", ".", "--format", "concise"]);
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert!(
        out.contains("includes itself (an include cycle)"),
        "{out}{err}"
    );
    assert!(out.contains("is included more than once"), "{out}{err}");
}

/// Class: the same related file named many times (an `env_file` listed by a thousand
/// services) is read once per run and shared, and what one linted file joins is budgeted:
/// 1.7 MB x 1000 took 56 s and 18 GB.
#[test]
fn a_related_file_named_a_thousand_times_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path();
    let env: String = (0..85_000).map(|i| format!("VAR_{i}=value\n")).collect();
    std::fs::write(tree.join("big.env"), env).unwrap();
    let compose: String =
        std::iter::once("services:\n".to_string())
            .chain((0..1000).map(|i| {
                format!("  s{i}:\n    image: ollama/ollama:0.5.7\n    env_file: big.env\n")
            }))
            .collect();
    std::fs::write(tree.join("compose.yaml"), compose).unwrap();
    let (out, err, _, took) = run_in(tree, &["check", "compose.yaml", "--format", "concise"]);
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert!(
        out.contains("would exceed"),
        "a note where moat stopped: {err}"
    );
    assert_eq!(out.matches("would exceed").count(), 1, "said once");
}

/// Class (item 11 of issue 15): a fix of a block scalar value (`DB_PASSWORD: |`) replaced
/// the scalar's span, which ran to the next key, and deleted `LOG_LEVEL`. The property test in
/// `fix_props.rs` covers every scalar style; this is the example from the report.
#[test]
fn fixing_a_block_scalar_keeps_the_next_key() {
    for header in ["|", ">-", "|2"] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("compose.yaml");
        std::fs::write(
            &file,
            format!("services:\n  db:\n    image: postgres:16.4\n    environment:\n      DB_PASSWORD: {header}\n        hunter2hunter2\n      LOG_LEVEL: debug\n"),
        )
        .unwrap();
        run_in(
            dir.path(),
            &["check", ".", "--fix", "--unsafe-fixes", "--select", "CT005"],
        );
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "services:\n  db:\n    image: postgres:16.4\n    environment:\n      DB_PASSWORD: ${DB_PASSWORD:?}\n      LOG_LEVEL: debug\n",
            "{header}"
        );
    }
}

/// Class: `--fix` must not overwrite edits made to the file while moat ran: the content is
/// compared again just before the rename, and a changed file is skipped with a message.
#[test]
fn a_file_changed_during_the_fix_is_not_overwritten() {
    use moat::{check, fix, rules::eval::Engine, settings::Settings, Input};
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("compose.yaml");
    std::fs::write(&file, BAD_COMPOSE).unwrap();
    let engine = Engine::new(moat::rules::load::embedded().unwrap());
    let settings = Settings::default();
    let report = check(&engine, &settings, Input::Paths(vec![file.clone()])).unwrap();
    let fixed = fix::fix_all(&engine, &settings, &report, true);
    assert_eq!(fixed.len(), 1);
    let edited = format!("{BAD_COMPOSE}    restart: always\n");
    std::fs::write(&file, &edited).unwrap();
    let e = fix::write_atomically(&fixed[0]).unwrap_err();
    assert!(e.to_string().contains("changed while moat ran"), "{e}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), edited);
}

/// Class: `--fix` on a symlink, a hard-linked file or a read-only file leaves it alone with
/// a message (before: the symlink became a regular file, the link was split, the read-only
/// file rewritten); on the files it writes it keeps mode, owner, group and extended
/// attributes. After a write that did not happen, the summary does not claim it.
#[test]
fn fixes_keep_links_modes_owners_and_say_what_they_did_not_write() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path();
    let target = tree.join("real.compose.yaml");
    std::fs::write(&target, BAD_COMPOSE).unwrap();
    std::os::unix::fs::symlink("real.compose.yaml", tree.join("compose.yaml")).unwrap();
    let (_, err, code, _) = run_in(tree, &["check", "compose.yaml", "--fix", "--unsafe-fixes"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("symlink") && !err.contains("moat: applied"),
        "{err}"
    );
    assert!(std::fs::symlink_metadata(tree.join("compose.yaml"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), BAD_COMPOSE);

    std::fs::remove_file(tree.join("compose.yaml")).unwrap();
    std::fs::hard_link(&target, tree.join("compose.yaml")).unwrap();
    let (_, err, code, _) = run_in(tree, &["check", "compose.yaml", "--fix", "--unsafe-fixes"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("hard links") && !err.contains("moat: applied"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), BAD_COMPOSE);
    std::fs::remove_file(&target).unwrap();

    let file = tree.join("compose.yaml");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
    let (_, err, code, _) = run_in(tree, &["check", "compose.yaml", "--fix", "--unsafe-fixes"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("read-only") && !err.contains("moat: applied"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), BAD_COMPOSE);

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    // A file moat did not create is owned by whoever runs the test: root may chown it.
    let root = std::fs::metadata(&file).unwrap().uid() == 0;
    if root {
        std::os::unix::fs::chown(&file, Some(1234), Some(5678)).unwrap();
    }
    let xattr = rustix::fs::setxattr(
        &file,
        "user.moat-test",
        b"kept",
        rustix::fs::XattrFlags::empty(),
    )
    .is_ok();
    let (_, err, code, _) = run_in(tree, &["check", "compose.yaml", "--fix", "--unsafe-fixes"]);
    // Findings without fixes remain (exit 1); nothing failed (no exit 2).
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("applied 1 fix(es) in 1 file(s)"), "{err}");
    assert_ne!(std::fs::read_to_string(&file).unwrap(), BAD_COMPOSE);
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!(meta.mode() & 0o7777, 0o640);
    if root {
        assert_eq!((meta.uid(), meta.gid()), (1234, 5678));
    }
    if xattr {
        let mut value = [0u8; 16];
        let n = rustix::fs::getxattr(&file, "user.moat-test", &mut value[..]).unwrap();
        assert_eq!(&value[..n], b"kept");
    }
}

/// Class: a lone carriage return. Editors and moat's line numbers show a line break there;
/// Redis splits its configuration at `\n` only and reads a lone `\r` as a blank between
/// arguments (`config.c`: `sdssplitlen` on `"\n"`, then `sdssplitargs`), so in
/// `bind 0.0.0.0 # c\rport 6379` the words after the `\r` are `bind` arguments. RD003's fix
/// rewrites `bind`'s arguments and deleted `port 6379`, which the user sees on a line of its
/// own. No fix edits across a lone `\r`, in any file kind: the finding stays, without a fix;
/// edits that do not reach the `\r` still apply.
#[test]
fn fixes_never_edit_across_a_lone_carriage_return() {
    for (name, text, select, after) in [
        ("redis.conf", "bind 0.0.0.0 # c\rport 6379\n", "RD003", None),
        ("redis.conf", "bind 0.0.0.0\rport 6379\n", "RD003", None),
        ("redis.conf", "protected-mode no\rport 6379\n", "RD004", None),
        (
            "redis.conf",
            "protected-mode no\nport 6379\rmaxclients 10\n",
            "RD004",
            Some("protected-mode yes\nport 6379\rmaxclients 10\n"),
        ),
        (
            "Dockerfile",
            "FROM node:22.1.0\nENV NODE_TLS_REJECT_UNAUTHORIZED=0\rUSER node\n",
            "DF007",
            Some("FROM node:22.1.0\nENV NODE_TLS_REJECT_UNAUTHORIZED=1\rUSER node\n"),
        ),
        (
            "compose.yaml",
            "services:\n  a:\n    image: redis:7.2.4\n    ports: [\"6379:6379\"]\r    restart: always\n",
            "DC001",
            Some("services:\n  a:\n    image: redis:7.2.4\n    ports: [\"127.0.0.1:6379:6379\"]\r    restart: always\n"),
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(name);
        std::fs::write(&file, text).unwrap();
        let (out, _, _, _) = run_in(dir.path(), &["check", name, "--format", "concise", "--select", select]);
        assert!(out.contains(select), "{text:?}: the finding stays: {out}");
        run_in(
            dir.path(),
            &["check", name, "--fix", "--unsafe-fixes", "--select", select],
        );
        let fixed = std::fs::read_to_string(&file).unwrap();
        assert_eq!(fixed, after.unwrap_or(text), "{text:?}");
    }
}
