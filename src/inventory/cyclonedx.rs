//! The inventory as a CycloneDX 1.6 JSON BOM: one component per distinct image or package
//! (purl `pkg:docker/…`, `pkg:deb/…`, `pkg:rpm/…`, `pkg:pypi/…`), with every occurrence as
//! evidence (file and line); the services that run them, with their exposure; and the
//! vulnerabilities of moat's advisory table with ratings and the components they affect.
//! The output is deterministic (no timestamp, no random serial number), so it can be diffed
//! and snapshot-tested.

use super::{Inventory, Occurrence};
use crate::advisory::{self, Applies, Severity};
use crate::model::packages::{Kind, Package};
use crate::model::version::Stated;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// A component's identity: its purl, or its reference when it has none (an image set by a
/// variable).
fn bom_ref(p: &Package) -> String {
    p.purl()
        .unwrap_or_else(|| format!("moat:unresolved/{}", p.reference))
}

fn property(name: &str, value: impl Into<String>) -> Value {
    json!({ "name": name, "value": value.into() })
}

fn rating(a: &Applies) -> Value {
    let adv = &a.advisory;
    let mut r = Map::new();
    r.insert(
        "source".into(),
        json!({ "name": "moat advisory table", "url": adv.url }),
    );
    if let Some(score) = adv.cvss {
        r.insert("score".into(), json!(score));
    }
    r.insert(
        "severity".into(),
        json!(match adv.severity {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Unknown => "unknown",
        }),
    );
    if let Some(v) = &adv.cvss_vector {
        let method = if v.starts_with("CVSS:4.0") {
            "CVSSv4"
        } else if v.starts_with("CVSS:3.1") {
            "CVSSv31"
        } else if v.starts_with("CVSS:3.0") {
            "CVSSv3"
        } else {
            "other"
        };
        r.insert("method".into(), json!(method));
        r.insert("vector".into(), json!(v));
    }
    Value::Object(r)
}

/// The BOM, as pretty JSON with a trailing newline.
pub fn render(inv: &Inventory) -> String {
    // Components: one per distinct image or package, occurrences gathered.
    let mut components: BTreeMap<String, (&Package, Vec<&Occurrence>)> = BTreeMap::new();
    for o in &inv.occurrences {
        components
            .entry(bom_ref(&o.package))
            .or_insert_with(|| (&o.package, Vec::new()))
            .1
            .push(o);
    }
    let mut component_list = Vec::new();
    for (r, (p, occurrences)) in &components {
        let mut c = Map::new();
        c.insert(
            "type".into(),
            json!(match p.kind {
                Kind::Image => "container",
                Kind::Package(_) => "library",
            }),
        );
        c.insert("bom-ref".into(), json!(r));
        c.insert("name".into(), json!(p.name));
        let version = match p.kind {
            Kind::Image => p.tag.clone().or_else(|| p.digest.clone()),
            Kind::Package(_) => p.pinned.clone(),
        };
        if let Some(v) = version {
            c.insert("version".into(), json!(v));
        }
        if let Some(purl) = p.purl() {
            c.insert("purl".into(), json!(purl));
        }
        // A pinned image digest is the manifest's hash; a BOM keeps it beside the tag.
        if let Some(hex) = p.digest.as_deref().and_then(|d| d.strip_prefix("sha256:")) {
            if hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
                c.insert(
                    "hashes".into(),
                    json!([{ "alg": "SHA-256", "content": hex }]),
                );
            }
        }
        let mut props = Vec::new();
        if let Some(comp) = p.component {
            props.push(property("moat:component", comp));
            c.insert(
                "description".into(),
                json!(match p.version_text() {
                    Some(v) => format!("{} {v}", advisory::title_of(comp)),
                    None => advisory::title_of(comp).to_string(),
                }),
            );
        } else if let Some(runs) = &p.runs {
            props.push(property("moat:component", runs.clone()));
        }
        match &p.stated {
            Stated::Exact(v) => props.push(property("moat:version", v.to_string())),
            Stated::Line(v) => {
                props.push(property("moat:version", v.to_string()));
                props.push(property("moat:version-kind", "release line"));
            }
            Stated::Prerelease(_, t) => {
                props.push(property("moat:version", t.clone()));
                props.push(property("moat:version-kind", "pre-release"));
            }
            Stated::None if p.component.is_some() => {
                props.push(property("moat:version", "unknown"));
            }
            Stated::None => {}
        }
        if !p.version_note.is_empty() {
            props.push(property("moat:version-note", p.version_note.clone()));
        }
        if let Some(from) = &p.version_from {
            props.push(property("moat:version-source", from.clone()));
        }
        if let Some(release) = &p.release {
            props.push(property("moat:triton-release", release.clone()));
        }
        if let Some(u) = &p.assessment.upgrade {
            props.push(property("moat:upgrade-to", u.to_string()));
        }
        if !props.is_empty() {
            c.insert("properties".into(), Value::Array(props));
        }
        let evidence: Vec<Value> = occurrences
            .iter()
            .map(|o| {
                json!({
                    "location": o.file,
                    "line": o.line,
                    "symbol": o.package.reference,
                    "additionalContext": format!("{} ({})", o.package.service, o.package.what()),
                })
            })
            .collect();
        c.insert("evidence".into(), json!({ "occurrences": evidence }));
        component_list.push(Value::Object(c));
    }

    // Services: each service, stage or values block that runs something, with its exposure.
    // A Dockerfile's stages are how an image is built, not services the stack runs.
    let mut services: BTreeMap<String, (&Occurrence, Vec<String>)> = BTreeMap::new();
    for o in inv.occurrences.iter().filter(|o| !o.package.build_stage) {
        let key = format!("service:{}#{}", o.file, o.package.service);
        let entry = services.entry(key).or_insert_with(|| (o, Vec::new()));
        let r = bom_ref(&o.package);
        if !entry.1.contains(&r) {
            entry.1.push(r);
        }
    }
    let mut service_list = Vec::new();
    let mut dependencies = Vec::new();
    for (r, (o, depends)) in &services {
        let p = &o.package;
        let mut s = Map::new();
        s.insert("bom-ref".into(), json!(r));
        s.insert("name".into(), json!(p.service));
        s.insert("x-trust-boundary".into(), json!(p.exposed));
        if !p.unauthenticated.is_empty() {
            s.insert("authenticated".into(), json!(false));
        }
        let mut props = vec![
            property("moat:declared-in", o.file.clone()),
            property("moat:exposed", p.exposed.to_string()),
        ];
        if !p.exposure.is_empty() {
            props.push(property("moat:exposure", p.exposure.join(", ")));
        }
        if !p.unauthenticated.is_empty() {
            props.push(property("moat:unauthenticated", p.unauthenticated.clone()));
        }
        s.insert("properties".into(), Value::Array(props));
        service_list.push(Value::Object(s));
        let mut depends = depends.clone();
        depends.sort();
        dependencies.push(json!({ "ref": r, "dependsOn": depends }));
    }
    // Services that build their own image: listed, with what they are built from.
    for b in &inv.built {
        let r = format!("service:{}#{}", b.file, b.name);
        if services.contains_key(&r) {
            continue;
        }
        let mut props = vec![
            property("moat:declared-in", b.file.clone()),
            property("moat:exposed", b.exposed.to_string()),
            property("moat:built-from", b.build.clone()),
        ];
        if let Some(i) = &b.image {
            props.push(property("moat:built-as", i.clone()));
        }
        if !b.exposure.is_empty() {
            props.push(property("moat:exposure", b.exposure.join(", ")));
        }
        service_list.push(json!({
            "bom-ref": r, "name": b.name, "x-trust-boundary": b.exposed, "properties": props,
        }));
        dependencies.push(json!({ "ref": r, "dependsOn": [] }));
    }
    for r in components.keys() {
        dependencies.push(json!({ "ref": r }));
    }

    // Vulnerabilities: each advisory that applies somewhere, with every component it affects.
    struct Vuln<'a> {
        applies: &'a Applies,
        affects: Vec<(String, String)>,
        conditional: bool,
        fixable: bool,
    }
    let mut vulns: BTreeMap<String, Vuln> = BTreeMap::new();
    for (r, (p, _)) in &components {
        let a = &p.assessment;
        let lists = [
            (&a.fixable, true),
            (&a.unfixed, false),
            (&a.open_ended, false),
        ];
        for (list, fixable) in lists {
            for x in list.iter() {
                let version = match p.kind {
                    Kind::Image => p.tag.clone(),
                    Kind::Package(_) => p.pinned.clone(),
                }
                .unwrap_or_else(|| p.version_text().unwrap_or_default());
                let v = vulns.entry(x.advisory.id.clone()).or_insert(Vuln {
                    applies: x,
                    affects: Vec::new(),
                    conditional: x.conditional(),
                    fixable,
                });
                v.conditional &= x.conditional();
                let pair = (r.clone(), version);
                if !v.affects.contains(&pair) {
                    v.affects.push(pair);
                }
            }
        }
    }
    let mut vuln_list = Vec::new();
    for (id, v) in &vulns {
        let adv = &v.applies.advisory;
        let mut o = Map::new();
        o.insert("bom-ref".into(), json!(format!("vulnerability:{id}")));
        o.insert("id".into(), json!(id));
        o.insert(
            "source".into(),
            json!({ "name": "moat advisory table", "url": adv.url }),
        );
        let refs: Vec<Value> = adv
            .aliases
            .iter()
            .filter(|a| a.contains(|c: char| c.is_ascii_digit()))
            .map(|a| json!({ "id": a, "source": { "name": alias_source(a) } }))
            .collect();
        if !refs.is_empty() {
            o.insert("references".into(), Value::Array(refs));
        }
        o.insert("ratings".into(), json!([rating(v.applies)]));
        o.insert("description".into(), json!(adv.summary));
        if let Some(note) = &adv.note {
            o.insert("detail".into(), json!(note));
        }
        let fixed: Vec<String> = adv
            .entries
            .iter()
            .flat_map(|e| {
                e.fixed
                    .iter()
                    .map(move |f| format!("{} {f}", advisory::title_of(e.component)))
            })
            .collect();
        if v.fixable && !fixed.is_empty() {
            o.insert(
                "recommendation".into(),
                json!(format!("Upgrade: fixed in {}", dedup(fixed).join(", "))),
            );
        } else {
            o.insert(
                "recommendation".into(),
                json!("No fixed release is named: limit who can reach the component"),
            );
        }
        let mut advisories = vec![json!({ "url": adv.url })];
        for r in &adv.references {
            advisories.push(json!({ "url": r }));
        }
        o.insert("advisories".into(), Value::Array(dedup_values(advisories)));
        if v.conditional {
            let condition = v.applies.only_if.clone().unwrap_or_default();
            o.insert(
                "analysis".into(),
                json!({
                    "state": "in_triage",
                    "detail": format!("Applies only if {condition}."),
                }),
            );
        }
        let affects: Vec<Value> = v
            .affects
            .iter()
            .map(|(r, version)| {
                if version.is_empty() {
                    json!({ "ref": r })
                } else {
                    json!({ "ref": r, "versions": [{ "version": version, "status": "affected" }] })
                }
            })
            .collect();
        o.insert("affects".into(), Value::Array(affects));
        vuln_list.push(Value::Object(o));
    }

    let table = advisory::active();
    let bom = json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "tools": {
                "components": [{
                    "type": "application",
                    "name": "moat",
                    "version": env!("CARGO_PKG_VERSION"),
                }]
            },
            "properties": [
                property("moat:advisories", table.advisories.len().to_string()),
            ],
        },
        "components": component_list,
        "services": service_list,
        "dependencies": dependencies,
        "vulnerabilities": vuln_list,
    });
    let mut out = serde_json::to_string_pretty(&bom).unwrap_or_else(|_| "{}".into());
    out.push('\n');
    out
}

/// Where an alias id comes from, by its prefix.
fn alias_source(id: &str) -> &'static str {
    if id.starts_with("GHSA-") {
        "GitHub Advisory Database"
    } else if id.starts_with("GO-") {
        "Go Vulnerability Database"
    } else if id.starts_with("PYSEC-") {
        "PyPI Advisory Database"
    } else if id.starts_with("CVE-") {
        "CVE"
    } else {
        "other"
    }
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    v.retain(|x| seen.insert(x.clone()));
    v
}

fn dedup_values(mut v: Vec<Value>) -> Vec<Value> {
    let mut seen = std::collections::HashSet::new();
    v.retain(|x| seen.insert(x.to_string()));
    v
}
