//! The agent's configuration: `agent.cfg` (protocol.md §6.1), `SONDE_*` environment variables
//! and the command line, merged into one typed [`Settings`].
//!
//! Layers, weakest first: the defaults, the file (with its includes), the environment, the
//! command line. A key set by a stronger layer replaces the weaker layer's value as a whole: a
//! list given on the command line replaces the file's list, and a command-line flag counts only
//! when it is given. Every value keeps its [`Origin`] (`file:line`, the variable, the option), so
//! that an error names where the bad value came from.
//!
//! Unlike FusionInventory, values are checked: booleans are strict (`yes`/`no`, `true`/`false`,
//! `on`/`off`, `1`/`0`, empty = no; `no-ssl-check = no` means no), numbers, addresses and URLs
//! must parse, and every problem is reported at once ([`LoadError`]). Unknown keys and options
//! that belong to the command line are [`Warning`]s, as FusionInventory warned about them.
//!
//! The command line (`cli/agent.rs`) builds a [`Layer`] from its options, picks the file
//! ([`Source`]) and calls [`Settings::load`]; [`Settings::run_config`] then gives what one run
//! needs.

/// What goes wrong ([`ConfigError`], [`LoadError`]), what deserves a word ([`Warning`]).
mod error;
/// The known keys, where a value came from, and the layers of raw `key = value` entries.
mod layer;
/// The agent.cfg syntax: lines, quotes, comments, includes.
mod parse;
/// The typed settings, their defaults, and the run they describe.
mod settings;
#[cfg(test)]
mod tests;
/// The raw values merged and typed into settings.
mod values;

pub use error::{ConfigError, LoadError, Warning};
pub use layer::{CLI_ONLY, KEYS, Layer, Origin};
pub use parse::MAX_INCLUDE_DEPTH;
pub use settings::{DEFAULT_CONF_FILE, Loaded, Logger, Settings, Source, defaults};
