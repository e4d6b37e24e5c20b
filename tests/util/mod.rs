//! Shared helpers for the integration tests: the bundled walk files and their expectations.
//!
//! The walks live gzip-compressed under `tests/resources/walks/<path>.walk.gz`; tests name them
//! by `<path>.walk` (the path of `../shared/walks`, e.g. `resources/walks/sample4.walk`).

use std::path::{Path, PathBuf};

/// `tests/resources/walks` of this crate.
pub(crate) fn walks_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/resources/walks")
}

/// Every bundled walk (`**/*.walk.gz`), sorted.
pub(crate) fn walk_paths() -> Vec<PathBuf> {
    fn visit(dir: &Path, out: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                visit(&path, out);
            } else if path.to_string_lossy().ends_with(".walk.gz") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    visit(&walks_dir(), &mut out);
    out.sort();
    out
}

/// The name tests use for a bundled walk: its path under `tests/resources/walks`, without `.gz`.
pub(crate) fn walk_name(path: &Path) -> String {
    let rel = path.strip_prefix(walks_dir()).unwrap_or(path);
    let rel = rel.to_string_lossy();
    rel.strip_suffix(".gz").unwrap_or(&rel).to_owned()
}

/// Parses a bundled walk named like `resources/walks/sample4.walk` (`.gz` optional).
pub(crate) fn load_walk(rel: &str) -> sonde::walk::WalkFile {
    let rel = rel.strip_suffix(".gz").unwrap_or(rel);
    let path = walks_dir().join(format!("{rel}.gz"));
    sonde::walk::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The rows of a tab-separated file under `tests/resources/walks` (`#` lines are comments).
pub(crate) fn read_tsv(name: &str) -> Vec<Vec<String>> {
    let path = walks_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| line.split('\t').map(str::to_owned).collect())
        .collect()
}

/// Undoes the `\\ \t \n \r` escapes of the TSV files.
pub(crate) fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}
