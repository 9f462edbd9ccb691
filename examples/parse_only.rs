//! The parse-only floor for `bench/corpus.sh`: discover, read, classify and parse every file
//! the way `moat check` does (same walk, same name and content rules, same parser per kind,
//! in parallel with rayon), but build no model and evaluate no rules. Whatever `moat check`
//! takes beyond this is the price of the model, the rules and the report.
//!
//!     cargo run --release --example parse_only -- PATHS...          # per-kind table
//!     cargo run --release --example parse_only -- --list KIND PATHS  # the files of one kind
//!
//! The table gives, per kind, the files, their bytes and the time spent reading them into a
//! `SourceFile` and parsing them, summed over files (per-thread wall time: it grows when
//! other work shares the cores; `bench/corpus.sh` measures process CPU time per kind instead).

use moat::classify::{self, FileKind};
use moat::discover;
use moat::parse;
use moat::source::SourceFile;
use moat::MAX_FILE_BYTES;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

struct Parsed {
    path: PathBuf,
    kind: FileKind,
    bytes: usize,
    parse_time: Duration,
    ok: bool,
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let list = match args.iter().position(|a| a == "--list") {
        Some(i) if i + 1 < args.len() => {
            let name = args.remove(i + 1);
            args.remove(i);
            match FileKind::parse(&name) {
                Some(k) => Some(k),
                None => {
                    eprintln!("parse_only: unknown kind {name:?}");
                    return ExitCode::from(2);
                }
            }
        }
        Some(_) => {
            eprintln!("parse_only: --list needs a kind");
            return ExitCode::from(2);
        }
        None => None,
    };
    let paths: Vec<PathBuf> = if args.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.into_iter().map(PathBuf::from).collect()
    };

    let start = Instant::now();
    let candidates = match discover::discover(&paths, false).map(|w| w.candidates) {
        Ok(found) => found,
        Err(e) => {
            eprintln!("parse_only: {e}");
            return ExitCode::from(2);
        }
    };
    let mut parsed: Vec<Parsed> = candidates
        .into_par_iter()
        .filter_map(|c| read_and_parse(&c.path, c.explicit))
        .collect();
    let wall = start.elapsed();

    if let Some(kind) = list {
        parsed.sort_by(|a, b| a.path.cmp(&b.path));
        for p in parsed.iter().filter(|p| p.kind == kind) {
            println!("{}", p.path.display());
        }
        return ExitCode::SUCCESS;
    }

    println!(
        "{:<12} {:>7} {:>11} {:>10} {:>9} {:>8}",
        "kind", "files", "bytes", "parse", "MB/s", "errors"
    );
    let mut total = (0usize, 0usize, Duration::ZERO, 0usize);
    for kind in FileKind::ALL {
        let of_kind: Vec<&Parsed> = parsed.iter().filter(|p| p.kind == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        let bytes: usize = of_kind.iter().map(|p| p.bytes).sum();
        let cpu: Duration = of_kind.iter().map(|p| p.parse_time).sum();
        let errors = of_kind.iter().filter(|p| !p.ok).count();
        println!(
            "{:<12} {:>7} {:>11} {:>8.1}ms {:>9.1} {:>8}",
            kind.name(),
            of_kind.len(),
            bytes,
            cpu.as_secs_f64() * 1e3,
            bytes as f64 / 1e6 / cpu.as_secs_f64().max(1e-9),
            errors
        );
        total.0 += of_kind.len();
        total.1 += bytes;
        total.2 += cpu;
        total.3 += errors;
    }
    println!(
        "{:<12} {:>7} {:>11} {:>8.1}ms {:>9.1} {:>8}",
        "total",
        total.0,
        total.1,
        total.2.as_secs_f64() * 1e3,
        total.1 as f64 / 1e6 / total.2.as_secs_f64().max(1e-9),
        total.3
    );
    println!(
        "wall (in process, walk included): {:.1} ms",
        wall.as_secs_f64() * 1e3
    );
    ExitCode::SUCCESS
}

/// What `lint_pending` in src/lib.rs does before the model: the same skips, the same
/// decoding, the same classification (without `.moat.toml` `[kinds]` mappings).
fn read_and_parse(path: &Path, explicit: bool) -> Option<Parsed> {
    if classify::by_name(path).is_none() && !classify::worth_sniffing(path, explicit) {
        return None;
    }
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_FILE_BYTES {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return None;
    }
    let (body, bom_len) = match bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(rest) => (rest, 3),
        None => (&bytes[..], 0),
    };
    if body.contains(&0) {
        return None;
    }
    let text = std::str::from_utf8(body).ok()?.to_string();
    let kind = match classify::classify(path, &text, None) {
        classify::Classified::Kind(k) => k,
        _ => return None,
    };
    let size = bytes.len();
    let start = Instant::now();
    let source = SourceFile::new(
        path.to_path_buf(),
        path.display().to_string(),
        text,
        bom_len,
    );
    let ok = source.text.trim().is_empty() || parse_text(kind, &source.text);
    Some(Parsed {
        path: path.to_path_buf(),
        kind,
        bytes: size,
        parse_time: start.elapsed(),
        ok,
    })
}

/// The parser `lint_source` (src/lib.rs) and the model readers (src/model/*) use per kind.
/// Results are dropped: building and freeing them is part of the floor.
fn parse_text(kind: FileKind, text: &str) -> bool {
    match kind {
        FileKind::Dockerfile => parse::dockerfile::parse(text).is_ok(),
        FileKind::Compose | FileKind::Kubernetes | FileKind::HelmValues => {
            parse::yaml::parse_documents(text).is_ok()
        }
        FileKind::RedisConf => parse::redis_conf::parse(text).1.is_empty(),
        FileKind::Env => parse::env_file::parse(text).1.is_empty(),
        FileKind::Systemd => parse::systemd::parse(text).1.is_empty(),
        FileKind::NvidiaToml => toml::de::DeTable::parse_recoverable(text).1.is_empty(),
    }
}
