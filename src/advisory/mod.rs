//! The advisory table (`rules/advisories.toml`, extended or replaced by `--advisories FILE`)
//! and what it says about one component occurrence: which advisories apply to the stated
//! version, which release to move to. The model turns the answer into facts (`package`
//! nodes) that the `AV` rules read and `moat inventory` lists; nothing here knows a file
//! format.

mod load;

pub use load::{builtin, from_file, normalize_package, parse, AdvisoryError};

use crate::model::version::{self, Packaging, Range, Scheme, Stated, Version};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// Components the table may name, with their version schemes and display names. A component
/// outside this list would have versions moat cannot read, so the loader rejects it.
pub const COMPONENTS: &[(&str, Scheme, &str)] = &[
    ("ollama", Scheme::Semver, "Ollama"),
    ("redis", Scheme::Semver, "Redis"),
    ("chromadb", Scheme::Semver, "ChromaDB"),
    (
        "triton-inference-server",
        Scheme::Ngc,
        "Triton Inference Server",
    ),
    (
        "nvidia-container-toolkit",
        Scheme::Semver,
        "NVIDIA Container Toolkit",
    ),
    ("nvidia-gpu-operator", Scheme::Semver, "NVIDIA GPU Operator"),
    (
        "nvidia-k8s-device-plugin",
        Scheme::Semver,
        "NVIDIA device plugin",
    ),
    ("nvidia-mig-manager", Scheme::Semver, "NVIDIA MIG Manager"),
];

pub fn scheme_of(component: &str) -> Option<Scheme> {
    COMPONENTS
        .iter()
        .find(|(c, _, _)| *c == component)
        .map(|(_, s, _)| *s)
}

pub fn title_of(component: &str) -> &str {
    COMPONENTS
        .iter()
        .find(|(c, _, _)| *c == component)
        .map_or(component, |(_, _, t)| t)
}

/// The CNA's rating of an advisory. `Unknown` when no record rates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Unknown,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Unknown => "unknown",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    fn parse(s: &str) -> Option<Severity> {
        [
            Severity::Unknown,
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    /// For "most severe first": known ratings above an unrated advisory, which ranks with
    /// medium (it is listed because a record calls it a vulnerability).
    fn rank(self) -> u8 {
        match self {
            Severity::Critical => 4,
            Severity::High => 3,
            Severity::Medium | Severity::Unknown => 2,
            Severity::Low => 1,
        }
    }
}

#[derive(Debug)]
pub struct Advisory {
    pub id: String,
    pub aliases: Vec<String>,
    pub severity: Severity,
    pub cvss: Option<f64>,
    pub cvss_vector: Option<String>,
    pub summary: String,
    pub url: String,
    pub references: Vec<String>,
    pub note: Option<String>,
    /// Empty: every platform. Container images run on `linux`.
    pub platforms: Vec<String>,
    /// The main entry first, then `[[advisory.related]]` blocks.
    pub entries: Vec<Entry>,
    /// Triton: the server release of each fixed NGC tag of the main entry.
    pub fixed_release: Vec<String>,
    /// Where the advisory was read: `rules/advisories.toml` or the user's file.
    pub origin: String,
}

/// Where an advisory applies: a component, the images and packages that carry it, and its
/// affected ranges and fixed releases.
#[derive(Debug)]
pub struct Entry {
    pub component: &'static str,
    pub scheme: Scheme,
    /// `(registry, repository)` as `model::image` normalises them (Docker Hub has `None`).
    pub images: Vec<(Option<String>, String)>,
    pub packages: Vec<(Packaging, String)>,
    pub affected: Vec<Range>,
    pub fixed: Vec<Version>,
    pub only_if: Option<String>,
    pub note: Option<String>,
}

/// Whether a stated version is affected by an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Affected,
    NotAffected,
    /// A release line with some releases affected and some not, a pre-release, no version.
    Unknown,
}

impl Entry {
    /// An exact release is affected or not; a release line only when all of it, or none of
    /// it, is in the affected ranges.
    pub fn verdict(&self, stated: &Stated) -> Verdict {
        match stated {
            Stated::Exact(v) if self.affects(v) => Verdict::Affected,
            Stated::Exact(_) => Verdict::NotAffected,
            Stated::Line(l) if self.affected.iter().any(|r| r.covers_line(l)) => Verdict::Affected,
            Stated::Line(l) if !self.affected.iter().any(|r| r.touches_line(l)) => {
                Verdict::NotAffected
            }
            _ => Verdict::Unknown,
        }
    }

    fn carries(&self, target: &Target) -> bool {
        match target {
            Target::Image {
                registry,
                repository,
            } => self
                .images
                .iter()
                .any(|(r, repo)| r.as_deref() == *registry && repo == repository),
            Target::Package { packaging, name } => self
                .packages
                .iter()
                .any(|(p, n)| p == packaging && n == name),
        }
    }

    /// No fix and no end: every release from some point on (by design, or not fixed yet).
    fn open_ended(&self) -> bool {
        self.fixed.is_empty() && self.affected.iter().any(|r| !r.bounded_above())
    }

    fn affects(&self, v: &Version) -> bool {
        self.affected.iter().any(|r| r.contains(v))
    }
}

#[derive(Debug, Default)]
pub struct Table {
    pub advisories: Vec<Arc<Advisory>>,
    /// NGC tag → Triton server release, sorted by tag.
    pub triton_releases: Vec<(Version, String)>,
    /// Image repository or package name → the entries that list it (advisory and entry
    /// indices, in table order); built at the first lookup, once the table is complete (a
    /// corpus run asks about thousands of images).
    by_name: OnceLock<HashMap<String, Vec<(usize, usize)>>>,
}

/// What an occurrence is, as the table lists things.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Image {
        registry: Option<&'a str>,
        repository: &'a str,
    },
    Package {
        packaging: Packaging,
        name: &'a str,
    },
}

/// One advisory that applies to an occurrence.
#[derive(Debug, Clone)]
pub struct Applies {
    pub advisory: Arc<Advisory>,
    /// The entry's non-default condition, when it has one.
    pub only_if: Option<String>,
    /// The first release after the occurrence's version that this advisory no longer affects.
    pub fix: Option<Version>,
}

impl Applies {
    pub fn conditional(&self) -> bool {
        self.only_if.is_some()
    }
}

/// What the table says about one stated version.
#[derive(Debug, Clone, Default)]
pub struct Assessment {
    /// Affected, and a fixed release exists: an upgrade finding. Most severe first.
    pub fixable: Vec<Applies>,
    /// Affected, no fixed release named, but later releases are not listed as affected.
    pub unfixed: Vec<Applies>,
    /// Affected by every release from some point on, with no fix (no authentication by
    /// design, say): context for the component's exposure rules, not an upgrade finding.
    pub open_ended: Vec<Applies>,
    /// The first release after this version that none of the fixable or unfixed advisories
    /// (nor any other bounded advisory of the component) affects.
    pub upgrade: Option<Version>,
}

impl Assessment {
    /// The worst severity among advisories that apply without a non-default condition.
    pub fn worst(&self) -> Option<Severity> {
        self.fixable
            .iter()
            .chain(&self.unfixed)
            .filter(|a| !a.conditional())
            .map(|a| a.advisory.severity)
            .max_by_key(|s| (s.rank(), *s))
    }
}

static ACTIVE: OnceLock<Table> = OnceLock::new();

/// The table this run uses: the one `install`ed by the command line, else the built-in one.
pub fn active() -> &'static Table {
    ACTIVE.get_or_init(|| {
        // The built-in table is validated by the test suite; a broken build gets an empty
        // table (no advisory findings) rather than a panic.
        builtin().unwrap_or_default()
    })
}

/// Use `table` for the rest of the process. `false` when a table is already in use (the
/// command line installs before it lints anything).
pub fn install(table: Table) -> bool {
    ACTIVE.set(table).is_ok()
}

impl Table {
    pub fn advisory(&self, id: &str) -> Option<&Advisory> {
        self.advisories.iter().find(|a| a.id == id).map(|a| &**a)
    }

    /// The component an image or package is, by the table's image and package lists.
    pub fn component_of(&self, target: &Target) -> Option<&'static str> {
        self.entries_naming(target)
            .iter()
            .map(|&(a, e)| &self.advisories[a].entries[e])
            .find(|entry| entry.carries(target))
            .map(|entry| entry.component)
    }

    /// The (advisory, entry) indices of the entries that list the target's name, in table
    /// order.
    fn entries_naming(&self, target: &Target) -> &[(usize, usize)] {
        let name = match target {
            Target::Image { repository, .. } => repository,
            Target::Package { name, .. } => name,
        };
        self.by_name().get(*name).map_or(&[], Vec::as_slice)
    }

    fn by_name(&self) -> &HashMap<String, Vec<(usize, usize)>> {
        self.by_name.get_or_init(|| {
            let mut index: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
            for (a, advisory) in self.advisories.iter().enumerate() {
                for (e, entry) in advisory.entries.iter().enumerate() {
                    let names = entry.images.iter().map(|(_, repository)| repository);
                    for name in names.chain(entry.packages.iter().map(|(_, name)| name)) {
                        index.entry(name.clone()).or_default().push((a, e));
                    }
                }
            }
            index
        })
    }

    /// The Triton server release of an NGC tag, when the table knows it.
    pub fn triton_release(&self, tag: &Version) -> Option<&str> {
        // Sorted by tag (load keeps it so).
        self.triton_releases
            .binary_search_by(|(t, _)| t.cmp(tag))
            .ok()
            .map(|i| self.triton_releases[i].1.as_str())
    }

    /// Which advisories apply to `stated` (the version of `target`, on `platform`). A release
    /// line (`redis:7.0`) is matched only where every release of the line is affected; a
    /// pre-release or a missing version matches nothing.
    pub fn assess(&self, target: &Target, stated: &Stated, platform: &str) -> Assessment {
        let mut out = Assessment::default();
        let (version, line) = match stated {
            Stated::Exact(v) => (v, false),
            Stated::Line(v) => (v, true),
            Stated::Prerelease(..) | Stated::None => return out,
        };
        let on_platform =
            |a: &Advisory| a.platforms.is_empty() || a.platforms.iter().any(|p| p == platform);
        // Every entry for this target on this platform, with its advisory, in table order
        // (an advisory's entries together), found through the name index: scanning the whole
        // table per occurrence, and every entry per matching entry, was quadratic in a large
        // `--advisories` file.
        let mut entries: Vec<(&Arc<Advisory>, &Entry)> = Vec::new();
        let mut last: Option<(usize, usize)> = None;
        for &(a, e) in self.entries_naming(target) {
            // An entry that lists the name twice is indexed twice, consecutively.
            if last == Some((a, e)) {
                continue;
            }
            last = Some((a, e));
            let advisory = &self.advisories[a];
            let entry = &advisory.entries[e];
            if on_platform(advisory) && entry.carries(target) {
                entries.push((advisory, entry));
            }
        }
        // Releases after the stated one: after the whole line for a line.
        let after = |c: &Version| {
            if line {
                !line_contains(version, c) && c > version
            } else {
                c > version
            }
        };
        for group in entries.chunk_by(|x, y| Arc::ptr_eq(x.0, y.0)) {
            let a = group[0].0;
            // Where this advisory's `Applies` went: one advisory may apply through two
            // entries (two branches with different conditions); the unconditional one wins.
            let mut placed: [Option<usize>; 3] = [None; 3];
            for (_, e) in group {
                let hit = e.affected.iter().any(|r| {
                    if line {
                        r.covers_line(version)
                    } else {
                        r.contains(version)
                    }
                });
                if !hit {
                    continue;
                }
                let fix = first_clear(
                    group
                        .iter()
                        .flat_map(|(_, e)| &e.fixed)
                        .filter(|c| after(c)),
                    |c| group.iter().any(|(_, e)| e.affects(c)),
                );
                let applies = Applies {
                    advisory: Arc::clone(a),
                    only_if: e.only_if.clone(),
                    fix,
                };
                let which = if !e.fixed.is_empty() || applies.fix.is_some() {
                    0
                } else if e.open_ended() {
                    1
                } else {
                    2
                };
                let list = match which {
                    0 => &mut out.fixable,
                    1 => &mut out.open_ended,
                    _ => &mut out.unfixed,
                };
                match placed[which] {
                    Some(i) if list[i].conditional() && !applies.conditional() => list[i] = applies,
                    Some(_) => {}
                    None => {
                        placed[which] = Some(list.len());
                        list.push(applies);
                    }
                }
            }
        }
        for list in [&mut out.fixable, &mut out.unfixed, &mut out.open_ended] {
            list.sort_by(|x, y| {
                let key = |a: &Applies| {
                    (
                        a.conditional(),
                        std::cmp::Reverse(a.advisory.severity.rank()),
                        std::cmp::Reverse((a.advisory.cvss.unwrap_or(0.0) * 10.0).round() as i64),
                    )
                };
                key(x)
                    .cmp(&key(y))
                    .then_with(|| x.advisory.id.cmp(&y.advisory.id))
            });
        }
        if !out.fixable.is_empty() {
            // The first fixed release (of any advisory of this target) that no bounded
            // advisory affects: later patch releases carry earlier fixes, so the smallest
            // such release is the nearest safe one, on the same branch when it has one.
            out.upgrade = first_clear(
                entries
                    .iter()
                    .flat_map(|(_, e)| &e.fixed)
                    .filter(|c| after(c)),
                |c| {
                    entries
                        .iter()
                        .filter(|(_, e)| !e.open_ended())
                        .any(|(_, e)| e.affects(c))
                },
            );
        }
        out
    }
}

/// `c` is a release of the line `line` (`7.2.4` of `7.2`).
fn line_contains(line: &Version, c: &Version) -> bool {
    line.parts()
        .iter()
        .enumerate()
        .all(|(i, p)| c.parts().get(i).copied().unwrap_or(0) == *p)
}

/// The smallest candidate that `blocked` does not reject.
fn first_clear<'a>(
    candidates: impl Iterator<Item = &'a Version>,
    blocked: impl Fn(&Version) -> bool,
) -> Option<Version> {
    let mut all: Vec<&Version> = candidates.collect();
    all.sort();
    all.dedup();
    all.into_iter().find(|c| !blocked(c)).cloned()
}

/// The version an image tag states for `component` (by its scheme); `Stated::None` for a
/// component the table does not know.
pub fn stated_from_tag(component: &str, tag: &str) -> Stated {
    match scheme_of(component) {
        Some(s) => version::from_tag(tag, s),
        None => Stated::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::version::parse_exact;

    fn table() -> Table {
        match builtin() {
            Ok(t) => t,
            Err(errors) => panic!(
                "rules/advisories.toml is invalid:\n{}",
                errors
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        }
    }

    fn image<'a>(registry: Option<&'a str>, repository: &'a str) -> Target<'a> {
        Target::Image {
            registry,
            repository,
        }
    }

    fn assess(t: &Table, target: Target, component: &str, tag: &str) -> Assessment {
        t.assess(&target, &stated_from_tag(component, tag), "linux")
    }

    fn ids(list: &[Applies]) -> Vec<&str> {
        list.iter().map(|a| a.advisory.id.as_str()).collect()
    }

    #[test]
    fn the_builtin_table_loads_and_is_consistent() {
        let t = table();
        assert!(t.advisories.len() > 80, "{}", t.advisories.len());
        // Every component moat knows has at least one advisory, so none is dead weight.
        for (c, _, _) in COMPONENTS {
            assert!(
                t.advisories
                    .iter()
                    .flat_map(|a| &a.entries)
                    .any(|e| e.component == *c),
                "{c} has no advisory"
            );
        }
    }

    /// The boundaries of every range in the table: an included bound is matched, the release
    /// just below an excluded upper bound is matched, and no fixed release is.
    #[test]
    fn every_range_boundary_of_the_table() {
        let t = table();
        let mut checked = 0;
        for a in &t.advisories {
            if !a.platforms.is_empty() && !a.platforms.iter().any(|p| p == "linux") {
                continue;
            }
            for e in &a.entries {
                let target = match (e.images.first(), e.packages.first()) {
                    (Some((r, repo)), _) => Target::Image {
                        registry: r.as_deref(),
                        repository: repo,
                    },
                    (None, Some((p, n))) => Target::Package {
                        packaging: *p,
                        name: n,
                    },
                    _ => panic!("{}: an entry with no image or package", a.id),
                };
                let matched = |v: &Version| {
                    let got = t.assess(&target, &Stated::Exact(v.clone()), "linux");
                    got.fixable
                        .iter()
                        .chain(&got.unfixed)
                        .chain(&got.open_ended)
                        .any(|x| x.advisory.id == a.id)
                };
                for f in &e.fixed {
                    assert!(!matched(f), "{} matches its fixed release {f}", a.id);
                    checked += 1;
                }
                for r in &e.affected {
                    let mut inside = Vec::new();
                    if let Some((v, true)) = r.lower() {
                        inside.push(v.clone());
                    }
                    match r.upper() {
                        Some((v, true)) => inside.push(v.clone()),
                        Some((v, false)) => inside.extend(previous(v, e.scheme)),
                        None => {}
                    }
                    for v in inside {
                        assert!(matched(&v), "{} misses {v} of `{}`", a.id, r.text());
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 250, "{checked}");
    }

    /// The release just below `v` in its own numbering: `7.2.11` → `7.2.10`, `25.07` →
    /// `25.06`; none for `0.4.0` or `26.01` (the release before has an unknown number).
    fn previous(v: &Version, scheme: Scheme) -> Option<Version> {
        let mut p = v.parts().to_vec();
        let last = p.last_mut()?;
        *last = last.checked_sub(1)?;
        let text: Vec<String> = match scheme {
            Scheme::Ngc => p.iter().map(|n| format!("{n:02}")).collect(),
            Scheme::Semver => p.iter().map(u64::to_string).collect(),
        };
        parse_exact(&text.join("."), scheme)
    }

    #[test]
    fn redis_branches_and_the_nearest_fix() {
        let t = table();
        let redis = image(None, "redis");
        let a = assess(&t, redis, "redis", "7.2.4-alpine");
        assert_eq!(ids(&a.fixable)[0], "CVE-2025-49844", "most severe first");
        assert_eq!(a.upgrade.unwrap().to_string(), "7.2.11");
        assert_eq!(
            a.fixable[0].fix.as_ref().unwrap().to_string(),
            "7.2.11",
            "fixed on the same branch"
        );
        // 7.0 never got the Lua fix: the nearest safe release is on 7.2.
        let a = assess(&t, redis, "redis", "7.0.15");
        assert_eq!(a.upgrade.unwrap().to_string(), "7.2.11");
        // A line is matched only where all of it is affected.
        let a = assess(&t, redis, "redis", "7.0");
        assert!(ids(&a.fixable).contains(&"CVE-2025-49844"));
        let a = assess(&t, redis, "redis", "7.2");
        assert!(a.fixable.is_empty(), "{:?}", ids(&a.fixable));
        // 8.2.2 fixed the Lua bugs but not XACKDEL.
        let a = assess(&t, redis, "redis", "8.2.2");
        assert_eq!(ids(&a.fixable), ["CVE-2025-62507"]);
        assert_eq!(a.upgrade.unwrap().to_string(), "8.2.3");
        assert!(assess(&t, redis, "redis", "8.2.3").fixable.is_empty());
        // Bitnami tags carry the Redis version first.
        let a = assess(
            &t,
            image(None, "bitnami/redis"),
            "redis",
            "8.2.1-debian-12-r0",
        );
        assert_eq!(a.upgrade.unwrap().to_string(), "8.2.3");
        // Valkey and mirrors are not in the table's image lists.
        assert!(assess(&t, image(None, "valkey/valkey"), "redis", "7.2.4")
            .fixable
            .is_empty());
        assert!(assess(&t, redis, "redis", "latest").fixable.is_empty());
        assert!(assess(&t, redis, "redis", "8.0-rc1").fixable.is_empty());
    }

    #[test]
    fn conditional_advisories_do_not_raise_the_severity() {
        let t = table();
        // redis-check-aof is a local tool: CVE-2025-27151 applies, conditionally.
        let a = assess(&t, image(None, "redis"), "redis", "7.4.3");
        let cond: Vec<&str> = a
            .fixable
            .iter()
            .filter(|x| x.conditional())
            .map(|x| x.advisory.id.as_str())
            .collect();
        assert!(cond.contains(&"CVE-2025-27151"), "{cond:?}");
        // NVIDIAScape before 1.17.5 needs CDI mode; 1.17.6 is affected in every mode.
        let tk = image(Some("nvcr.io"), "nvidia/k8s/container-toolkit");
        let a = assess(&t, tk, "nvidia-container-toolkit", "v1.17.4-ubuntu20.04");
        let scape = a
            .fixable
            .iter()
            .find(|x| x.advisory.id == "CVE-2025-23266")
            .unwrap();
        assert!(scape.conditional());
        let a = assess(&t, tk, "nvidia-container-toolkit", "v1.17.6-ubuntu20.04");
        let scape = a
            .fixable
            .iter()
            .find(|x| x.advisory.id == "CVE-2025-23266")
            .unwrap();
        assert!(!scape.conditional());
        assert_eq!(a.worst(), Some(Severity::Critical));
        assert_eq!(a.upgrade.unwrap().to_string(), "1.19.1");
    }

    #[test]
    fn triton_uses_ngc_months_and_skips_windows_only_advisories() {
        let t = table();
        let tr = image(Some("nvcr.io"), "nvidia/tritonserver");
        let a = assess(&t, tr, "triton-inference-server", "24.11-py3");
        assert!(!ids(&a.fixable).contains(&"CVE-2024-53880"));
        assert_eq!(a.upgrade.unwrap().to_string(), "26.06");
        assert_eq!(
            t.triton_release(&parse_exact("24.05", Scheme::Ngc).unwrap()),
            Some("2.46.0")
        );
        let a = assess(&t, tr, "triton-inference-server", "26.06-py3");
        assert!(a.fixable.is_empty(), "{:?}", ids(&a.fixable));
    }

    #[test]
    fn ollama_open_ended_and_unfixed_advisories() {
        let t = table();
        let ol = image(None, "ollama/ollama");
        let a = assess(&t, ol, "ollama", "0.3.14");
        assert!(ids(&a.unfixed).contains(&"CVE-2024-12055"));
        assert_eq!(ids(&a.open_ended), ["CVE-2025-63389"]);
        assert_eq!(a.upgrade.unwrap().to_string(), "0.17.1");
        // 0.20.1: only an advisory with no fix and the by-design one: no upgrade finding.
        let a = assess(&t, ol, "ollama", "0.20.1");
        assert!(a.fixable.is_empty());
        assert_eq!(ids(&a.unfixed), ["CVE-2026-7020"]);
        let a = assess(&t, ol, "ollama", "0.17.1");
        assert!(a.fixable.is_empty() && a.unfixed.is_empty());
    }

    #[test]
    fn packages_match_by_kind_and_name() {
        let t = table();
        let deb = Target::Package {
            packaging: Packaging::Deb,
            name: "nvidia-container-toolkit",
        };
        assert_eq!(t.component_of(&deb), Some("nvidia-container-toolkit"));
        let stated = version::from_package("1.16.1-1", Packaging::Deb, Scheme::Semver);
        let a = t.assess(&deb, &stated, "linux");
        assert_eq!(ids(&a.fixable)[0], "CVE-2024-0132");
        let pypi = Target::Package {
            packaging: Packaging::Pypi,
            name: "chromadb",
        };
        let a = t.assess(
            &pypi,
            &Stated::Exact(parse_exact("1.0.5", Scheme::Semver).unwrap()),
            "linux",
        );
        assert!(a.fixable.is_empty());
        assert!(ids(&a.open_ended).contains(&"CVE-2026-45829"));
        let client = Target::Package {
            packaging: Packaging::Pypi,
            name: "ollama",
        };
        assert_eq!(
            t.component_of(&client),
            None,
            "the Python client is not the server"
        );
    }
}
