//! The agent.cfg syntax (FusionInventory's `Config.pm` `loadFromFile`, protocol.md §6.1), read
//! into a [`Layer`] of entries that remember their `file:line`.
//!
//! - `key = value`: the key is `[A-Za-z0-9_-]+`; spaces around `=` and at both ends of the value
//!   are ignored; the value may be empty.
//! - A value wrapped in `'…'` or `"…"` is taken between the quotes, `#` included; after the
//!   closing quote only a comment may follow.
//! - Otherwise a comment is cut off: from the first `#` that has something after it (as
//!   FusionInventory does, so `pass#word` reads as `pass`: quote such values).
//! - Blank lines and lines starting with `#` are skipped. Any other line is an error
//!   (FusionInventory skipped it silently).
//! - `include "path"` or `include = path` reads one file, or every `*.cfg` of a directory in name
//!   order, in place (a later value of a key wins). A relative path is taken from the including
//!   file's folder. An include naming nothing is a warning; a loop and more than
//!   [`MAX_INCLUDE_DEPTH`] nested files are errors.

use std::path::{Component, Path, PathBuf};

use super::error::{ConfigError, Warning};
use super::layer::{Entry, Layer, Origin};

/// Most files open at once through includes (the top file counts as one).
pub const MAX_INCLUDE_DEPTH: usize = 16;

/// What reading a file gave.
#[derive(Debug, Default)]
pub(super) struct FileRead {
    /// The entries, includes expanded in place.
    pub(super) layer: Layer,
    /// The warnings (missing includes).
    pub(super) warnings: Vec<Warning>,
    /// The errors (unreadable files, bad lines, loops).
    pub(super) errors: Vec<ConfigError>,
}

/// Reads a configuration file and everything it includes.
pub(super) fn read(path: &Path) -> FileRead {
    let mut reader = Reader {
        follow_includes: true,
        ..Reader::default()
    };
    reader.file(path, None);
    reader.finish()
}

/// Reads configuration text as if it were the file `name`, without touching the file system:
/// an `include` is not followed but reported ([`Warning::IncludeNotFollowed`]).
pub(super) fn read_text(name: &Path, text: &str) -> FileRead {
    let mut reader = Reader::default();
    reader.lines(name, text);
    reader.finish()
}

/// One line, understood.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Line<'a> {
    /// Blank or a comment.
    Nothing,
    /// `key = value`.
    Setting {
        /// The key.
        key: &'a str,
        /// The value, unquoted, without its comment.
        value: String,
    },
    /// `include "path"` / `include = path`.
    Include(String),
}

/// Reads one line (see the module doc).
pub(super) fn parse_line(line: &str) -> Result<Line<'_>, &'static str> {
    const EXPECTED: &str = "expected `key = value` or `include \"path\"`";
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(Line::Nothing);
    }
    let key_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(line.len());
    let (key, rest) = line.split_at(key_end);
    if key.is_empty() {
        return Err(EXPECTED);
    }
    let is_include = key.eq_ignore_ascii_case("include");
    let value = if let Some(value) = rest.trim_start().strip_prefix('=') {
        value
    } else if is_include && rest.starts_with(char::is_whitespace) {
        rest
    } else {
        return Err(EXPECTED);
    };
    let value = clean_value(value)?;
    if is_include {
        if value.is_empty() {
            return Err("include without a path");
        }
        return Ok(Line::Include(value));
    }
    Ok(Line::Setting { key, value })
}

/// A value without its quotes or its comment.
fn clean_value(raw: &str) -> Result<String, &'static str> {
    let value = raw.trim();
    if let Some(quote) = value.chars().next().filter(|c| matches!(c, '"' | '\'')) {
        let inner = &value[1..];
        let Some(end) = inner.find(quote) else {
            return Err("missing closing quote");
        };
        let after = inner[end + 1..].trim_start();
        if !after.is_empty() && !after.starts_with('#') {
            return Err("text after the closing quote");
        }
        return Ok(inner[..end].to_owned());
    }
    Ok(match value.find('#') {
        Some(i) if i + 1 < value.len() => value[..i].trim_end().to_owned(),
        _ => value.to_owned(),
    })
}

/// Whether a setting carries a secret: a password, or a URL with a password in it.
fn holds_secret(key: &str, value: &str) -> bool {
    match key {
        "password" => !value.is_empty(),
        "server" | "proxy" => value.split([',', ' ']).any(|item| {
            reqwest::Url::parse(item.trim())
                .is_ok_and(|u| u.password().is_some_and(|p| !p.is_empty()))
        }),
        _ => false,
    }
}

/// The file's permission bits when users other than its owner and group may read it.
#[cfg(unix)]
fn readable_by_others(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o7777;
    (mode & 0o004 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn readable_by_others(_path: &Path) -> Option<u32> {
    None
}

/// The state of one read: the files open (for loops), what was found.
#[derive(Default)]
struct Reader {
    /// Whether `include` lines are read (else each is a warning).
    follow_includes: bool,
    /// The files being read, outermost first: (canonical path, path as named).
    open: Vec<(PathBuf, PathBuf)>,
    entries: Vec<Entry>,
    warnings: Vec<Warning>,
    errors: Vec<ConfigError>,
}

impl Reader {
    /// Reads `path`; `from` is the include line naming it (`None` for the top file).
    fn file(&mut self, path: &Path, from: Option<&Origin>) {
        let canonical = match std::fs::canonicalize(path) {
            Ok(p) => p,
            Err(error) => {
                self.errors.push(ConfigError::Read {
                    path: path.to_owned(),
                    error,
                });
                return;
            }
        };
        if let Some(origin) = from {
            if let Some(start) = self.open.iter().position(|(c, _)| *c == canonical) {
                let mut chain: Vec<PathBuf> =
                    self.open[start..].iter().map(|(_, p)| p.clone()).collect();
                chain.push(path.to_owned());
                self.errors.push(ConfigError::IncludeLoop {
                    origin: origin.clone(),
                    chain,
                });
                return;
            }
            if self.open.len() >= MAX_INCLUDE_DEPTH {
                self.errors.push(ConfigError::IncludeDepth {
                    origin: origin.clone(),
                    path: path.to_owned(),
                    max: MAX_INCLUDE_DEPTH,
                });
                return;
            }
        }
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(error) => {
                self.errors.push(ConfigError::Read {
                    path: path.to_owned(),
                    error,
                });
                return;
            }
        };
        let text = String::from_utf8_lossy(&bytes);
        let first_entry = self.entries.len();
        self.open.push((canonical, path.to_owned()));
        self.lines(path, &text);
        self.open.pop();
        // The last line of this very file (not of its includes) that holds a secret.
        let secret = self.entries[first_entry..].iter().rfind(|e| {
            matches!(&e.origin, Origin::File { path: p, .. } if p == path)
                && holds_secret(&e.key, &e.value)
        });
        if let Some(entry) = secret
            && let Some(mode) = readable_by_others(path)
        {
            self.warnings.push(Warning::SecretReadable {
                origin: entry.origin.clone(),
                key: entry.key.clone(),
                mode,
            });
        }
    }

    /// What was found, once every file is read.
    fn finish(self) -> FileRead {
        FileRead {
            layer: Layer::from_entries(self.entries),
            warnings: self.warnings,
            errors: self.errors,
        }
    }

    /// The lines of `path`, whose content is `text`.
    fn lines(&mut self, path: &Path, text: &str) {
        for (n, line) in text.lines().enumerate() {
            let origin = Origin::File {
                path: path.to_owned(),
                line: n + 1,
            };
            match parse_line(line) {
                Ok(Line::Nothing) => {}
                Ok(Line::Setting { key, value }) => self.entries.push(Entry {
                    key: key.to_owned(),
                    value,
                    origin,
                }),
                Ok(Line::Include(target)) if self.follow_includes => {
                    self.include(path, &target, &origin);
                }
                Ok(Line::Include(target)) => self.warnings.push(Warning::IncludeNotFollowed {
                    origin,
                    path: PathBuf::from(target),
                }),
                Err(reason) => self.errors.push(ConfigError::Syntax {
                    origin,
                    reason,
                    line: line.trim().to_owned(),
                }),
            }
        }
    }

    /// `include target`, written in `current`.
    fn include(&mut self, current: &Path, target: &str, origin: &Origin) {
        let target = Path::new(target);
        let path = if target.is_absolute() {
            target.to_owned()
        } else {
            current.parent().unwrap_or(Path::new("")).join(target)
        };
        // Without `.` components, for messages.
        let path: PathBuf = path
            .components()
            .filter(|c| *c != Component::CurDir)
            .collect();
        if path.is_dir() {
            let entries = match std::fs::read_dir(&path) {
                Ok(entries) => entries,
                Err(error) => {
                    self.errors.push(ConfigError::Read { path, error });
                    return;
                }
            };
            let mut files: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.extension().is_some_and(|x| x == "cfg")
                        && p.file_name()
                            .is_some_and(|n| !n.to_string_lossy().starts_with('.'))
                        && p.is_file()
                })
                .collect();
            files.sort();
            for file in files {
                self.file(&file, Some(origin));
            }
        } else if path.exists() {
            self.file(&path, Some(origin));
        } else {
            self.warnings.push(Warning::IncludeMissing {
                origin: origin.clone(),
                path,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(key: &'static str, value: &str) -> Line<'static> {
        Line::Setting {
            key,
            value: value.to_owned(),
        }
    }

    #[test]
    fn settings_quotes_and_comments() {
        let cases = [
            ("server = http://glpi/", setting("server", "http://glpi/")),
            ("  server=http://glpi/  ", setting("server", "http://glpi/")),
            ("tag = paris # the site", setting("tag", "paris")),
            ("tag = paris#site", setting("tag", "paris")),
            ("tag = paris#", setting("tag", "paris#")),
            ("tag = 'a # b'", setting("tag", "a # b")),
            ("tag = \"a # b\"  # comment", setting("tag", "a # b")),
            ("tag = \"it's\"", setting("tag", "it's")),
            ("tag = ''", setting("tag", "")),
            ("tag =", setting("tag", "")),
            ("no_task = x", setting("no_task", "x")),
            ("tag = a = b", setting("tag", "a = b")),
        ];
        for (line, expected) in cases {
            assert_eq!(parse_line(line), Ok(expected), "{line:?}");
        }
    }

    #[test]
    fn blanks_comments_and_includes() {
        assert_eq!(parse_line(""), Ok(Line::Nothing));
        assert_eq!(parse_line("   \t"), Ok(Line::Nothing));
        assert_eq!(parse_line("# server = x"), Ok(Line::Nothing));
        assert_eq!(parse_line("   #x"), Ok(Line::Nothing));
        assert_eq!(
            parse_line("include \"conf.d/\""),
            Ok(Line::Include("conf.d/".to_owned()))
        );
        assert_eq!(
            parse_line("include 'a b.cfg' # c"),
            Ok(Line::Include("a b.cfg".to_owned()))
        );
        assert_eq!(
            parse_line("include = other.cfg"),
            Ok(Line::Include("other.cfg".to_owned()))
        );
        assert_eq!(
            parse_line("INCLUDE other.cfg"),
            Ok(Line::Include("other.cfg".to_owned()))
        );
    }

    #[test]
    fn text_is_read_without_the_file_system() {
        let name = Path::new("given.cfg");
        let read = read_text(name, "tag = a\ninclude \"/etc\"\n\ntag b\n");
        let entries = read.layer.entries();
        assert_eq!(entries.len(), 1);
        assert_eq!(
            (entries[0].key.as_str(), entries[0].value.as_str()),
            ("tag", "a")
        );
        let at = |line| Origin::File {
            path: name.to_owned(),
            line,
        };
        assert_eq!(
            read.warnings,
            [Warning::IncludeNotFollowed {
                origin: at(2),
                path: PathBuf::from("/etc"),
            }]
        );
        assert!(
            matches!(&read.errors[..], [ConfigError::Syntax { origin, .. }] if *origin == at(4)),
            "{:?}",
            read.errors
        );
        let loaded = super::super::Settings::load_text(
            name,
            "server = http://glpi/\r\ntag = 'x y'\r\n",
            Vec::new(),
            &Layer::new(),
        )
        .unwrap();
        assert_eq!(loaded.settings.tag.as_deref(), Some("x y"));
        assert_eq!(loaded.settings.server[0].as_str(), "http://glpi/");
        assert_eq!(loaded.file.as_deref(), Some(name));
    }

    #[test]
    fn bad_lines_are_errors() {
        for (line, reason) in [
            ("server http://glpi/", "expected"),
            ("= value", "expected"),
            ("[section]", "expected"),
            ("tag: x", "expected"),
            ("tag = \"open", "missing closing quote"),
            ("tag = \"a\" b", "text after the closing quote"),
            ("include", "expected"),
            ("include = ''", "include without a path"),
            ("includefile.cfg", "expected"),
        ] {
            match parse_line(line) {
                Err(e) => assert!(e.starts_with(reason), "{line:?}: {e}"),
                Ok(l) => panic!("{line:?} parsed as {l:?}"),
            }
        }
    }
}
