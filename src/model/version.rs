//! Version numbers of the components in moat's advisory table, read from image tags, package
//! pins and the table's own ranges: one place, so the advisory rule, the inventory and the
//! component rules (Redis's Lua CVEs, Triton's release, Chroma's server generation) agree.
//!
//! Two schemes cover the table. *Semver-like* (Ollama, Redis, ChromaDB, the NVIDIA Container
//! Toolkit and GPU Operator): dot-separated numbers, compared number by number, a missing
//! number counting as 0 (`7.2` = `7.2.0`). *NGC* (Triton's containers): `yy.mm` release
//! months (`24.05`), also written `r24.05`. Tags carry variants after the number (`7.2.4-alpine`,
//! `8.2.1-debian-12-r0`, `v1.17.7-ubuntu20.04`, `24.05-py3`, `0.5.7-rocm`), which do not
//! change the version; a pre-release (`8.0-rc1`, `0.4.0-ci1`) is never compared with release
//! ranges. A tag without a number (`latest`, `alpine`, `rocm`) names no version at all.

use std::cmp::Ordering;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    Semver,
    Ngc,
}

impl Scheme {
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Semver => "semver",
            Scheme::Ngc => "ngc",
        }
    }

    /// Numbers in a full release (`7.2.4`, `24.05`); fewer name a release line.
    fn full_len(self) -> usize {
        match self {
            Scheme::Semver => 3,
            Scheme::Ngc => 2,
        }
    }
}

/// A release number. Ordering and equality pad with zeros, so `7.2` and `7.2.0` are equal.
#[derive(Debug, Clone)]
pub struct Version {
    parts: Vec<u64>,
    scheme: Scheme,
}

impl Version {
    pub fn parts(&self) -> &[u64] {
        &self.parts
    }

    /// The first version after every version that starts with these numbers: `7.2` → `7.3`.
    fn line_end(&self) -> Version {
        let mut parts = self.parts.clone();
        if let Some(last) = parts.last_mut() {
            *last = last.saturating_add(1);
        }
        Version {
            parts,
            scheme: self.scheme,
        }
    }

    /// Same major and minor number: the release branch that gets patch releases. NGC
    /// releases are monthly trains with no branches, so every NGC version is on its own.
    pub fn same_branch(&self, other: &Version) -> bool {
        match self.scheme {
            Scheme::Ngc => false,
            Scheme::Semver => {
                let at = |v: &Version, i: usize| v.parts.get(i).copied().unwrap_or(0);
                at(self, 0) == at(other, 0) && at(self, 1) == at(other, 1)
            }
        }
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.parts.len().max(other.parts.len());
        for i in 0..n {
            let a = self.parts.get(i).copied().unwrap_or(0);
            let b = other.parts.get(i).copied().unwrap_or(0);
            match a.cmp(&b) {
                Ordering::Equal => continue,
                o => return o,
            }
        }
        Ordering::Equal
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.scheme, self.parts.as_slice()) {
            // NGC months keep their two digits: `24.05`, not `24.5`.
            (Scheme::Ngc, [yy, mm]) => write!(f, "{yy:02}.{mm:02}"),
            _ => {
                let text: Vec<String> = self.parts.iter().map(u64::to_string).collect();
                f.write_str(&text.join("."))
            }
        }
    }
}

/// What an image tag or a package pin says about the version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stated {
    /// One release: `7.2.4-alpine`, `24.05-py3`.
    Exact(Version),
    /// A release line (`7`, `7.2-bookworm`, `0.4.*`): whichever of its releases the tag points
    /// to when the image is pulled.
    Line(Version),
    /// A pre-release (`8.0-rc1`, `1.0.0a1`); the text is the whole pre-release version.
    Prerelease(Version, String),
    /// No version (`latest`, `alpine`, `rocm`), or a shape this scheme does not use.
    None,
}

impl Stated {
    /// The version as moat prints it: `7.2.4`, `7.2` (a line), `8.0-rc1`.
    pub fn text(&self) -> Option<String> {
        match self {
            Stated::Exact(v) | Stated::Line(v) => Some(v.to_string()),
            Stated::Prerelease(_, t) => Some(t.clone()),
            Stated::None => None,
        }
    }
}

/// The run of `digits(.digits)*` at the start of `t` and what follows it; `None` when `t` does
/// not start with a digit or a number is implausibly long for a version (a date, a build id).
fn leading_numbers(t: &str) -> Option<(Vec<u64>, &str)> {
    let mut parts = Vec::new();
    let mut rest = t;
    loop {
        let len = rest.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 || len > 6 {
            return None;
        }
        parts.push(rest[..len].parse().ok()?);
        rest = &rest[len..];
        match rest.strip_prefix('.') {
            Some(after) if after.starts_with(|c: char| c.is_ascii_digit()) => rest = after,
            _ => return Some((parts, rest)),
        }
    }
}

/// A pre-release marker at the start of `s` (after its separator): `rc1`, `alpha`, `beta2`,
/// `dev`, `ci1`, `m02`, `a1`, `b3`.
fn prerelease_marker(s: &str) -> bool {
    let s = s.to_ascii_lowercase();
    let letters: String = s.chars().take_while(char::is_ascii_alphabetic).collect();
    let digits = s[letters.len()..].starts_with(|c: char| c.is_ascii_digit());
    match letters.as_str() {
        "rc" | "alpha" | "beta" | "pre" | "preview" | "dev" | "nightly" | "snapshot" | "ci" => true,
        // Single letters are markers only with a number (`a1`, `m02`); `alpine` is a variant.
        "a" | "b" | "m" => digits,
        _ => false,
    }
}

/// The version an image tag states, in `scheme`.
pub fn from_tag(tag: &str, scheme: Scheme) -> Stated {
    let tag = tag.trim();
    let t = match scheme {
        Scheme::Semver => tag.strip_prefix(['v', 'V']).unwrap_or(tag),
        Scheme::Ngc => tag.strip_prefix(['r', 'v']).unwrap_or(tag),
    };
    let Some((parts, rest)) = leading_numbers(t) else {
        return Stated::None;
    };
    if scheme == Scheme::Ngc && !ngc_shaped(t, &parts) {
        return Stated::None;
    }
    let version = Version { parts, scheme };
    let full = version.parts.len() >= scheme.full_len();
    let numeric = &t[..t.len() - rest.len()];
    if rest.is_empty() {
        return if full {
            Stated::Exact(version)
        } else {
            Stated::Line(version)
        };
    }
    if matches!(rest, ".*" | "*" | ".x") && scheme == Scheme::Semver {
        return Stated::Line(version);
    }
    let (separated, after) = match rest.strip_prefix(['-', '_', '+', '.', '~']) {
        Some(after) => (true, after),
        None => (false, rest),
    };
    if prerelease_marker(after) {
        return Stated::Prerelease(version, format!("{numeric}{rest}"));
    }
    if !separated {
        // `7alpine`, `0.3.1post1`: not a shape moat knows how to compare.
        return Stated::None;
    }
    if full {
        Stated::Exact(version)
    } else {
        Stated::Line(version)
    }
}

/// `yy.mm` with two-digit numbers and a real month.
fn ngc_shaped(t: &str, parts: &[u64]) -> bool {
    let b = t.as_bytes();
    parts.len() == 2
        && b.len() >= 5
        && b[2] == b'.'
        && b[..2].iter().all(u8::is_ascii_digit)
        && b[3..5].iter().all(u8::is_ascii_digit)
        && (1..=12).contains(&parts[1])
}

/// Which packaging a pinned version comes from; each writes its own decorations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packaging {
    /// `[epoch:]upstream[-revision]`: `1:1.17.8-1`.
    Deb,
    /// `version[-release]`: `1.17.8-1`.
    Rpm,
    /// PEP 440: `[N!]release[pre][.postN][.devN]`, `0.4.*`.
    Pypi,
    /// `version[-rN]`.
    Apk,
}

/// The upstream version of a pinned package, in `scheme`.
pub fn from_package(text: &str, packaging: Packaging, scheme: Scheme) -> Stated {
    let t = text.trim();
    let t = match packaging {
        Packaging::Deb => t.split_once(':').map_or(t, |(epoch, rest)| {
            if epoch.bytes().all(|b| b.is_ascii_digit()) {
                rest
            } else {
                t
            }
        }),
        Packaging::Pypi => t.split_once('!').map_or(t, |(_, rest)| rest),
        Packaging::Rpm | Packaging::Apk => t,
    };
    // The packager's revision (`-1`, `-r0`) is not part of the upstream version; a `-` that
    // starts a pre-release (`1.0.0-rc1`) stays.
    let t = match packaging {
        Packaging::Deb | Packaging::Rpm | Packaging::Apk => match t.rsplit_once('-') {
            Some((upstream, revision)) if !upstream.is_empty() && !prerelease_marker(revision) => {
                upstream
            }
            _ => t,
        },
        Packaging::Pypi => t,
    };
    // Debian writes pre-releases with `~` (`1.18.0~rc.1`); `from_tag` takes `~` as a separator.
    from_tag(t, scheme)
}

/// A release number exactly as the advisory table writes it: numbers only (`7.2.11`, `24.05`).
pub fn parse_exact(text: &str, scheme: Scheme) -> Option<Version> {
    let t = text.trim();
    match from_tag(t, scheme) {
        Stated::Exact(v) if v.to_string() == t || scheme == Scheme::Semver && plain(t) => Some(v),
        Stated::Line(v) if scheme == Scheme::Semver && plain(t) => Some(v),
        _ => None,
    }
}

fn plain(t: &str) -> bool {
    !t.is_empty()
        && t.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Bound {
    version: Version,
    inclusive: bool,
}

/// One affected range of an advisory: comparisons joined by `,` (all must hold), e.g.
/// `>=7.0.0,<7.2.11`, `<0.1.34`, `=24.11`. Each range is an interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    text: String,
    lower: Option<Bound>,
    upper: Option<Bound>,
}

impl Range {
    pub fn parse(text: &str, scheme: Scheme) -> Result<Range, String> {
        let mut range = Range {
            text: text.trim().to_string(),
            lower: None,
            upper: None,
        };
        if range.text.is_empty() {
            return Err("an empty range".into());
        }
        for part in range.text.clone().split(',') {
            let part = part.trim();
            let (op, rest) = [">=", "<=", ">", "<", "=="]
                .iter()
                .find_map(|op| part.strip_prefix(op).map(|r| (*op, r)))
                .or_else(|| part.strip_prefix('=').map(|r| ("=", r)))
                .ok_or_else(|| {
                    format!(
                        "`{part}` needs one of the operators <, <=, >, >=, = before the version"
                    )
                })?;
            let version = parse_exact(rest, scheme).ok_or_else(|| {
                format!(
                    "`{}` is not a {} version{}",
                    rest.trim(),
                    scheme.name(),
                    match scheme {
                        Scheme::Semver => " (numbers joined by dots, like 7.2.11)",
                        Scheme::Ngc => " (an NGC year.month, like 24.05)",
                    }
                )
            })?;
            let b = |inclusive| Bound {
                version: version.clone(),
                inclusive,
            };
            match op {
                ">=" => range.raise(b(true)),
                ">" => range.raise(b(false)),
                "<=" => range.cap(b(true)),
                "<" => range.cap(b(false)),
                _ => {
                    range.raise(b(true));
                    range.cap(b(true));
                }
            }
        }
        if range.is_empty() {
            return Err(format!("`{}` contains no version", range.text));
        }
        Ok(range)
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    fn raise(&mut self, b: Bound) {
        let tighter = match &self.lower {
            None => true,
            Some(l) => b.version > l.version || (b.version == l.version && !b.inclusive),
        };
        if tighter {
            self.lower = Some(b);
        }
    }

    fn cap(&mut self, b: Bound) {
        let tighter = match &self.upper {
            None => true,
            Some(u) => b.version < u.version || (b.version == u.version && !b.inclusive),
        };
        if tighter {
            self.upper = Some(b);
        }
    }

    fn is_empty(&self) -> bool {
        match (&self.lower, &self.upper) {
            (Some(l), Some(u)) => match l.version.cmp(&u.version) {
                Ordering::Greater => true,
                Ordering::Equal => !(l.inclusive && u.inclusive),
                Ordering::Less => false,
            },
            _ => false,
        }
    }

    pub fn contains(&self, v: &Version) -> bool {
        let above = self.lower.as_ref().is_none_or(|l| {
            if l.inclusive {
                *v >= l.version
            } else {
                *v > l.version
            }
        });
        let below = self.upper.as_ref().is_none_or(|u| {
            if u.inclusive {
                *v <= u.version
            } else {
                *v < u.version
            }
        });
        above && below
    }

    /// Every release of the line (`7.0` → 7.0.0, 7.0.1, …) is in the range.
    pub fn covers_line(&self, line: &Version) -> bool {
        let end = line.line_end();
        let lower_ok = self.lower.as_ref().is_none_or(|l| {
            if l.inclusive {
                *line >= l.version
            } else {
                *line > l.version
            }
        });
        // Patch numbers have no end: `<= 7.0.99` leaves 7.0.100 out, so only an upper bound
        // at or past the next line covers the whole line.
        let upper_ok = self.upper.as_ref().is_none_or(|u| end <= u.version);
        lower_ok && upper_ok
    }

    /// Some release of the line is in the range.
    pub fn touches_line(&self, line: &Version) -> bool {
        let end = line.line_end();
        let lower_ok = self.lower.as_ref().is_none_or(|l| l.version < end);
        let upper_ok = self.upper.as_ref().is_none_or(|u| {
            if u.inclusive {
                u.version >= *line
            } else {
                u.version > *line
            }
        });
        lower_ok && upper_ok
    }

    /// The range ends somewhere: later releases are not in it.
    pub fn bounded_above(&self) -> bool {
        self.upper.is_some()
    }

    /// The lower bound and whether it is included.
    pub fn lower(&self) -> Option<(&Version, bool)> {
        self.lower.as_ref().map(|b| (&b.version, b.inclusive))
    }

    /// The upper bound and whether it is included.
    pub fn upper(&self) -> Option<(&Version, bool)> {
        self.upper.as_ref().map(|b| (&b.version, b.inclusive))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        parse_exact(s, Scheme::Semver).unwrap()
    }

    fn ngc(s: &str) -> Version {
        parse_exact(s, Scheme::Ngc).unwrap()
    }

    fn tag(s: &str) -> String {
        match from_tag(s, Scheme::Semver) {
            Stated::Exact(v) => format!("exact {v}"),
            Stated::Line(v) => format!("line {v}"),
            Stated::Prerelease(_, t) => format!("pre {t}"),
            Stated::None => "none".into(),
        }
    }

    #[test]
    fn semver_tags_with_variants_and_prefixes() {
        assert_eq!(tag("7.2.4"), "exact 7.2.4");
        assert_eq!(tag("7.2.4-alpine"), "exact 7.2.4");
        assert_eq!(tag("7.2.4-alpine3.19"), "exact 7.2.4");
        assert_eq!(tag("8.2.1-debian-12-r0"), "exact 8.2.1");
        assert_eq!(tag("v1.17.7-ubuntu20.04"), "exact 1.17.7");
        assert_eq!(tag("0.5.7-rocm"), "exact 0.5.7");
        assert_eq!(tag("v0.17.3"), "exact 0.17.3");
        assert_eq!(tag("7"), "line 7");
        assert_eq!(tag("7.2"), "line 7.2");
        assert_eq!(tag("8-alpine"), "line 8");
        assert_eq!(tag("7.4-bookworm"), "line 7.4");
        assert_eq!(tag("latest"), "none");
        assert_eq!(tag("alpine"), "none");
        assert_eq!(tag("rocm"), "none");
        assert_eq!(tag(""), "none");
        assert_eq!(tag("20240101"), "none", "a date is no version");
        assert_eq!(tag("7alpine"), "none");
    }

    #[test]
    fn prereleases_are_named_not_compared() {
        assert_eq!(tag("8.0-rc1"), "pre 8.0-rc1");
        assert_eq!(tag("0.4.0-ci1"), "pre 0.4.0-ci1");
        assert_eq!(tag("1.0.0a1"), "pre 1.0.0a1");
        assert_eq!(tag("7.4-m02"), "pre 7.4-m02");
        assert_eq!(tag("1.18.0~rc.1"), "pre 1.18.0~rc.1");
        assert_eq!(tag("0.1.32-beta"), "pre 0.1.32-beta");
    }

    #[test]
    fn ngc_tags() {
        let t = |s| match from_tag(s, Scheme::Ngc) {
            Stated::Exact(v) => v.to_string(),
            other => format!("{other:?}"),
        };
        assert_eq!(t("24.05-py3"), "24.05");
        assert_eq!(t("24.05-py3-sdk"), "24.05");
        assert_eq!(t("r25.10"), "25.10");
        assert_eq!(t("25.07-vllm-python-py3"), "25.07");
        assert_eq!(t("24.13-py3"), "None");
        assert_eq!(t("2.45.0"), "None");
        assert_eq!(t("latest"), "None");
        assert_eq!(t("24.123"), "None");
        assert!(ngc("24.05") < ngc("24.11"));
        assert!(ngc("24.12") < ngc("25.01"));
    }

    #[test]
    fn package_versions_lose_epochs_and_revisions() {
        let p = |s, k| {
            from_package(s, k, Scheme::Semver)
                .text()
                .unwrap_or_default()
        };
        assert_eq!(p("1.17.8-1", Packaging::Deb), "1.17.8");
        assert_eq!(p("1:1.17.8-1", Packaging::Deb), "1.17.8");
        assert_eq!(p("1.17.8-1", Packaging::Rpm), "1.17.8");
        assert_eq!(p("1.18.0~rc.1-1", Packaging::Deb), "1.18.0~rc.1");
        assert_eq!(p("0.4.22", Packaging::Pypi), "0.4.22");
        assert_eq!(p("0.4.*", Packaging::Pypi), "0.4");
        assert!(matches!(
            from_package("0.4.*", Packaging::Pypi, Scheme::Semver),
            Stated::Line(_)
        ));
        assert!(matches!(
            from_package("1.0.0rc1", Packaging::Pypi, Scheme::Semver),
            Stated::Prerelease(..)
        ));
    }

    #[test]
    fn ordering_pads_with_zeros() {
        assert_eq!(v("7.2"), v("7.2.0"));
        assert!(v("7.2.10") > v("7.2.9"));
        assert!(v("0.1.34") > v("0.1.4"));
        assert!(v("8") > v("7.99.99"));
    }

    #[test]
    fn ranges() {
        let r = Range::parse(">=7.0.0,<7.2.11", Scheme::Semver).unwrap();
        assert!(r.contains(&v("7.0.0")));
        assert!(r.contains(&v("7.2.10")));
        assert!(!r.contains(&v("7.2.11")));
        assert!(!r.contains(&v("6.2.20")));
        let eq = Range::parse("=24.11", Scheme::Ngc).unwrap();
        assert!(eq.contains(&ngc("24.11")) && !eq.contains(&ngc("24.12")));
        let le = Range::parse("<=0.3.14", Scheme::Semver).unwrap();
        assert!(le.contains(&v("0.3.14")) && !le.contains(&v("0.3.15")));
        assert!(Range::parse("<7.0.0,>=7.2.0", Scheme::Semver).is_err());
        assert!(Range::parse("~7.0", Scheme::Semver).is_err());
        assert!(Range::parse("<24.5", Scheme::Ngc).is_err());
        assert!(Range::parse("<7.0.x", Scheme::Semver).is_err());
        assert!(Range::parse("", Scheme::Semver).is_err());
    }

    #[test]
    fn lines_against_ranges() {
        let r = Range::parse(">=7.0.0,<7.2.11", Scheme::Semver).unwrap();
        assert!(r.covers_line(&v("7.0")), "7.0 never got the fix");
        assert!(!r.covers_line(&v("7.2")), "7.2.11 is on the line");
        assert!(r.touches_line(&v("7.2")));
        assert!(!r.touches_line(&v("7.4")));
        assert!(!r.covers_line(&v("7")));
        assert!(r.touches_line(&v("7")));
        let below = Range::parse("<6.2.20", Scheme::Semver).unwrap();
        assert!(below.covers_line(&v("5")));
        assert!(below.covers_line(&v("6.0")));
        assert!(!below.covers_line(&v("6")));
        let le = Range::parse("<=7.0.99", Scheme::Semver).unwrap();
        assert!(!le.covers_line(&v("7.0")), "7.0.100 would be outside");
        assert!(!Range::parse(">=8.2.0,<8.2.3", Scheme::Semver)
            .unwrap()
            .touches_line(&v("8.0")));
    }

    #[test]
    fn branches() {
        assert!(v("7.2.4").same_branch(&v("7.2.11")));
        assert!(!v("7.2.4").same_branch(&v("7.4.6")));
        assert!(!ngc("24.05").same_branch(&ngc("24.05")));
    }
}
