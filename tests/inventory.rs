//! `moat inventory` as users and CI jobs run it (table and CycloneDX, snapshots under
//! testdata/inventory/), and `--advisories FILE` for `inventory` and `check`. Each test runs the
//! real binary.

use std::path::Path;
use std::process::{Command, Output};

fn moat() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_moat"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env("NO_COLOR", "1");
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

fn snapshot(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/inventory"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name.to_string(), text));
}

const AV_FIXTURES: &str = "testdata/rules/AV001-component-version-with-known-vulnerabilities";

#[test]
fn table_of_the_example_stack() {
    let o = run(&["inventory", "testdata/stacks/example"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    // Versions that cannot be told are said to be unknown, with the reason.
    assert!(
        out.contains("unknown (latest)  ollama/ollama:latest"),
        "{out}"
    );
    assert!(out.contains("unknown (no tag)"), "{out}");
    assert!(out.contains("24.05 (2.46.0)"), "{out}");
    snapshot("example-table", &out);
}

#[test]
fn cyclonedx_of_the_example_stack() {
    let o = run(&[
        "inventory",
        "testdata/stacks/example",
        "--format",
        "cyclonedx",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let bom: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["specVersion"], "1.6");
    let components = bom["components"].as_array().unwrap();
    let purls: Vec<&str> = components
        .iter()
        .filter_map(|c| c["purl"].as_str())
        .collect();
    for want in [
        "pkg:docker/nvidia/tritonserver@24.05-py3?repository_url=nvcr.io",
        "pkg:docker/ollama/ollama@latest",
        "pkg:docker/redis",
        "pkg:docker/python@3.12-slim",
        "pkg:pypi/chromadb@0.5.3",
    ] {
        assert!(purls.contains(&want), "{want} missing from {purls:?}");
    }
    // One component per distinct image: python:3.12-slim is named twice, in two stages.
    let python = components
        .iter()
        .find(|c| c["purl"] == "pkg:docker/python@3.12-slim")
        .unwrap();
    let occurrences = python["evidence"]["occurrences"].as_array().unwrap();
    assert_eq!(occurrences.len(), 2);
    assert_eq!(
        occurrences[0]["location"],
        "testdata/stacks/example/api/Dockerfile"
    );
    assert_eq!(occurrences[0]["line"], 3);
    // Services carry their exposure.
    let services = bom["services"].as_array().unwrap();
    let ollama = services.iter().find(|s| s["name"] == "ollama").unwrap();
    assert_eq!(ollama["x-trust-boundary"], true);
    assert_eq!(ollama["authenticated"], false);
    // Vulnerabilities carry ratings and what they affect.
    let vulns = bom["vulnerabilities"].as_array().unwrap();
    let v = vulns.iter().find(|v| v["id"] == "CVE-2025-23310").unwrap();
    assert_eq!(v["ratings"][0]["severity"], "critical");
    assert_eq!(v["ratings"][0]["method"], "CVSSv31");
    assert_eq!(
        v["affects"][0]["ref"],
        "pkg:docker/nvidia/tritonserver@24.05-py3?repository_url=nvcr.io"
    );
    assert_eq!(v["affects"][0]["versions"][0]["version"], "24.05-py3");
    // Chroma's advisories have no fix: listed, with that said.
    let c = vulns.iter().find(|v| v["id"] == "CVE-2026-45833").unwrap();
    assert_eq!(c["affects"][0]["ref"], "pkg:pypi/chromadb@0.5.3");
    assert!(c["recommendation"]
        .as_str()
        .unwrap()
        .starts_with("No fixed release"));
    snapshot("example-cyclonedx", &stdout(&o));
}

#[test]
fn cyclonedx_names_packages_and_operator_components() {
    let o = run(&["inventory", AV_FIXTURES, "--format", "cyclonedx"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let bom: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let purls: Vec<String> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["purl"].as_str().map(str::to_string))
        .collect();
    for want in [
        "pkg:deb/ubuntu/nvidia-container-toolkit@1.17.3-1",
        "pkg:docker/nvidia/gpu-operator@v24.6.1?repository_url=nvcr.io",
        "pkg:docker/nvidia/k8s/container-toolkit@v1.16.1-ubuntu20.04?repository_url=nvcr.io",
        "pkg:docker/nvidia/cloud-native/k8s-mig-manager@sha256%3A8cdb793f8a22b076bf0f19818f9d79fe87b121608f1aa28b12a560b6fe13f47e?repository_url=nvcr.io",
    ] {
        assert!(purls.iter().any(|p| p == want), "{want} missing from {purls:#?}");
    }
    // `dnf install` in an Ubuntu stage: no distribution's rpm, so no purl is made up.
    assert!(
        !purls.iter().any(|p| p.starts_with("pkg:rpm/")),
        "{purls:#?}"
    );
    let operator = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "nvidia/gpu-operator")
        .unwrap();
    let props = operator["properties"].as_array().unwrap();
    assert!(props
        .iter()
        .any(|p| p["name"] == "moat:version-source" && p["value"] == "Chart.yaml appVersion"));
    // A conditional advisory is in triage, not plainly affected.
    let vulns = bom["vulnerabilities"].as_array().unwrap();
    let aof = vulns.iter().find(|v| v["id"] == "CVE-2025-27151").unwrap();
    assert_eq!(aof["analysis"]["state"], "in_triage");
    assert!(aof["analysis"]["detail"]
        .as_str()
        .unwrap()
        .starts_with("Applies only if someone runs redis-check-aof"));
    let rce = vulns.iter().find(|v| v["id"] == "CVE-2025-49844").unwrap();
    assert!(rce.get("analysis").is_none());
}

#[test]
fn an_advisory_file_extends_the_table_for_check_and_inventory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("extra.toml");
    std::fs::write(
        &file,
        r#"
[[advisory]]
id = "MOAT-TEST-2026-1"
component = "redis"
images = ["redis"]
affected = [">=8.2.3,<8.2.9"]
fixed = ["8.2.9"]
severity = "high"
summary = "A made-up advisory for this test."
url = "https://example.invalid/advisory"
"#,
    )
    .unwrap();
    let compose = dir.path().join("compose.yaml");
    std::fs::write(
        &compose,
        "services:\n  cache:\n    image: redis:8.2.3-alpine\n",
    )
    .unwrap();
    let args = |extra: &[&str]| -> Vec<String> {
        let mut v = vec![
            "check".to_string(),
            compose.display().to_string(),
            "--select".into(),
            "AV".into(),
            "--format".into(),
            "concise".into(),
        ];
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let before = moat().args(args(&[])).output().unwrap();
    assert_eq!(before.status.code(), Some(0), "{}", stdout(&before));
    let after = moat()
        .args(args(&["--advisories", &file.display().to_string()]))
        .output()
        .unwrap();
    assert_eq!(after.status.code(), Some(1));
    assert!(
        stdout(&after).contains("high[AV001] image `redis:8.2.3-alpine` is Redis 8.2.3, affected by an advisory fixed in later releases: MOAT-TEST-2026-1 (high)"),
        "{}",
        stdout(&after)
    );
    let inv = moat()
        .args([
            "inventory",
            &compose.display().to_string(),
            "--advisories",
            &file.display().to_string(),
        ])
        .output()
        .unwrap();
    assert!(
        stdout(&inv).contains("MOAT-TEST-2026-1 (high, fixed in 8.2.9)"),
        "{}",
        stdout(&inv)
    );

    // `table = "replace"`: only the file's advisories remain.
    std::fs::write(
        &file,
        format!(
            "table = \"replace\"\n{}",
            std::fs::read_to_string(&file).unwrap()
        ),
    )
    .unwrap();
    std::fs::write(&compose, "services:\n  cache:\n    image: redis:7.2.4\n").unwrap();
    let replaced = moat()
        .args(args(&["--advisories", &file.display().to_string()]))
        .output()
        .unwrap();
    assert_eq!(replaced.status.code(), Some(0), "{}", stdout(&replaced));
}

#[test]
fn a_broken_advisory_file_is_exit_2_with_its_location() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.toml");
    std::fs::write(
        &file,
        "[[advisory]]\nid = \"X-1\"\ncomponent = \"ollama\"\nimages = [\"ollama/ollama\"]\naffected = [\"<0.1.x\"]\nseverity = \"high\"\nsummary = \"s\"\nurl = \"u\"\n",
    )
    .unwrap();
    for cmd in ["inventory", "check"] {
        let o = run(&[
            cmd,
            "testdata/stacks/hardened",
            "--advisories",
            &file.display().to_string(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        assert_eq!(
            stderr(&o),
            format!(
                "moat: invalid advisory file: {}:5:13: ollama: `0.1.x` is not a semver version (numbers joined by dots, like 7.2.11)\n",
                file.display()
            )
        );
        assert!(stdout(&o).is_empty());
    }
    let missing = run(&["inventory", "--advisories", "testdata/does-not-exist.toml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("testdata/does-not-exist.toml:1:1: cannot read advisory file")
    );
}

#[test]
fn inventory_of_a_missing_path_is_exit_2() {
    let o = run(&["inventory", "testdata/does-not-exist"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does-not-exist"), "{}", stderr(&o));
}

#[test]
fn purls_name_the_vendor_keep_digests_and_services_are_what_runs() {
    let o = run(&[
        "inventory",
        "testdata/inventory/build-stack",
        "--format",
        "cyclonedx",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let bom: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let purls: Vec<&str> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["purl"].as_str())
        .collect();
    // The vendor namespace comes from the stage's base (through `FROM base`); a base that
    // names no distribution (`python:3.12-slim`) gives no purl rather than a guessed one.
    assert!(
        purls.contains(&"pkg:deb/ubuntu/nvidia-container-toolkit@1.17.0-1"),
        "{purls:?}"
    );
    assert!(
        purls.contains(&"pkg:rpm/fedora/nvidia-container-toolkit@1.17.0-1"),
        "{purls:?}"
    );
    assert!(
        !purls.iter().any(|p| p.starts_with("pkg:deb/nvidia")),
        "{purls:?}"
    );
    let redis = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "redis")
        .unwrap();
    let digest = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    assert_eq!(
        redis["purl"],
        format!("pkg:docker/redis@sha256%3A{digest}?tag=7.2.4")
    );
    assert_eq!(redis["version"], "7.2.4");
    assert_eq!(redis["hashes"][0]["content"], digest);
    // Services: the Compose services, the build-only one included; no Dockerfile stage.
    let mut services: Vec<&str> = bom["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    services.sort();
    assert_eq!(services, ["app", "cache"]);
    let app = bom["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "app")
        .unwrap();
    assert_eq!(app["x-trust-boundary"], true);
    assert!(app["properties"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "moat:built-from" && p["value"] == "./app"));
    let table = stdout(&run(&["inventory", "testdata/inventory/build-stack"]));
    assert!(table.contains("built from ./app"), "{table}");
}
