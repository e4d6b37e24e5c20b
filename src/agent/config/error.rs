//! What loading the configuration can report: [`ConfigError`]s (the agent does not start, and
//! `--validate` exits 2), gathered in one [`LoadError`], and [`Warning`]s (logged; the value is
//! ignored or adjusted). Every message names the origin (`file:line`, the variable, the option).

use std::fmt;
use std::io;
use std::path::PathBuf;

use super::layer::Origin;

/// A configuration problem that stops the agent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A configuration file (given, or included) could not be read.
    #[error("cannot read configuration file {}: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: io::Error,
    },
    /// A line that is neither `key = value`, `include "path"`, a comment nor blank.
    #[error("{origin}: syntax error, {reason}: {line:?}")]
    Syntax {
        /// The line.
        origin: Origin,
        /// What is wrong.
        reason: &'static str,
        /// The line's text.
        line: String,
    },
    /// A file includes itself, directly or through others.
    #[error("{origin}: include loop: {}", Chain(chain))]
    IncludeLoop {
        /// The include line that closes the loop.
        origin: Origin,
        /// The files of the loop, from the first one to the one included again.
        chain: Vec<PathBuf>,
    },
    /// Includes nested deeper than [`super::MAX_INCLUDE_DEPTH`].
    #[error("{origin}: include {}: more than {max} nested includes", path.display())]
    IncludeDepth {
        /// The include line.
        origin: Origin,
        /// The file it names.
        path: PathBuf,
        /// The limit.
        max: usize,
    },
    /// A value of the wrong type or out of range.
    #[error("{origin}: {key} = {value:?}: {reason}")]
    Invalid {
        /// Where the value was set.
        origin: Origin,
        /// The key.
        key: &'static str,
        /// The value as given (a proxy's password masked).
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Two keys that exclude each other are both set.
    #[error(
        "{first} ({first_origin}) and {second} ({second_origin}) exclude each other: set only one"
    )]
    Conflict {
        /// The first key.
        first: &'static str,
        /// Where it was set.
        first_origin: Origin,
        /// The second key.
        second: &'static str,
        /// Where it was set.
        second_origin: Origin,
    },
    /// `--config registry` outside Windows.
    #[error("--config registry: the Windows registry is not available on this system")]
    Registry,
    /// Neither a server nor a local target.
    #[error("no target: give --server URL and/or --local PATH")]
    NoTarget,
}

/// Something in the configuration that is ignored or adjusted, and said so.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Warning {
    /// A key sonde does not know (FusionInventory: "unknown configuration directive").
    #[error("{origin}: unknown configuration directive {key:?}, ignored")]
    UnknownKey {
        /// Where.
        origin: Origin,
        /// The key.
        key: String,
    },
    /// A command-line option set in a file or a variable.
    #[error("{origin}: {key} is a command-line option, ignored here")]
    CommandLineOnly {
        /// Where.
        origin: Origin,
        /// The option.
        key: String,
    },
    /// An include naming nothing that exists (FusionInventory skipped it silently).
    #[error("{origin}: include {}: no such file or directory, skipped", path.display())]
    IncludeMissing {
        /// The include line.
        origin: Origin,
        /// The path it names.
        path: PathBuf,
    },
    /// An include in configuration text read without the file system
    /// ([`Settings::load_text`](super::Settings::load_text)): not followed.
    #[error("{origin}: include {}: not followed (configuration given as text)", path.display())]
    IncludeNotFollowed {
        /// The include line.
        origin: Origin,
        /// The path it names.
        path: PathBuf,
    },
    /// `conf-reload-interval` between 1 and 59: raised to 60 (as FusionInventory does).
    #[error(
        "{origin}: conf-reload-interval = {value}: below the minimum of 60 seconds, 60 is used"
    )]
    ReloadIntervalRaised {
        /// Where.
        origin: Origin,
        /// The value given.
        value: i64,
    },
    /// A negative `conf-reload-interval`: 0, never (as FusionInventory does).
    #[error("{origin}: conf-reload-interval = {value}: negative, 0 (never reload) is used")]
    ReloadIntervalNegative {
        /// Where.
        origin: Origin,
        /// The value given.
        value: i64,
    },
    /// A name in `tasks` that is not one of sonde's tasks.
    #[error("{origin}: tasks: {name:?} is not a task of sonde ({known}), skipped")]
    UnknownTask {
        /// Where.
        origin: Origin,
        /// The name.
        name: String,
        /// The tasks sonde has.
        known: String,
    },
    /// A file that sets a password (or a URL holding one) and that every user may read.
    #[error(
        "{origin}: {key} holds a secret but the file is readable by every user (mode {mode:04o}); \
         make it readable only by its owner and the agent's group (chmod o-r)"
    )]
    SecretReadable {
        /// The last line holding a secret.
        origin: Origin,
        /// Its key.
        key: String,
        /// The file's permission bits.
        mode: u32,
    },
    /// `stdout`, FusionInventory's old spelling of `local = -`.
    #[error("{origin}: stdout is deprecated, use local = - instead")]
    DeprecatedStdout {
        /// Where.
        origin: Origin,
    },
}

/// Everything wrong with a configuration, and the warnings found on the way.
#[derive(Debug, thiserror::Error)]
#[error("{}", Lines(errors))]
pub struct LoadError {
    /// The errors (at least one), in the order found.
    pub errors: Vec<ConfigError>,
    /// The warnings.
    pub warnings: Vec<Warning>,
}

/// Errors one per line.
struct Lines<'a>(&'a [ConfigError]);

impl fmt::Display for Lines<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// Files joined with arrows.
struct Chain<'a>(&'a [PathBuf]);

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" -> ")?;
            }
            write!(f, "{}", p.display())?;
        }
        Ok(())
    }
}
