//! Logging set-up for the binary: `tracing` events go to stderr, so stdout stays clean for XML,
//! JSON and walk output.
//!
//! The filter starts from `RUST_LOG` when it is set (else `warn`), then `--quiet`, `--verbose` and
//! each `--debug` (repeatable, as in FusionInventory) set sonde's own level on top of it.

use std::io::IsTerminal;

use anyhow::anyhow;
use tracing_subscriber::EnvFilter;

use super::args::Verbosity;

/// The filter used when `RUST_LOG` is unset or empty.
const DEFAULT_FILTER: &str = "warn";

/// The directive the flags add on top of `RUST_LOG`, if any.
fn flag_directive(v: Verbosity) -> Option<&'static str> {
    match v.debug {
        0 if v.quiet => Some("sonde=error"),
        0 if v.verbose => Some("sonde=info"),
        0 => None,
        1 => Some("sonde=debug"),
        2 => Some("sonde=trace"),
        _ => Some("trace"),
    }
}

/// Builds the filter from `RUST_LOG` (the raw value, if set) and the flags.
fn filter(rust_log: Option<&str>, v: Verbosity) -> EnvFilter {
    let base = rust_log.map(str::trim).filter(|s| !s.is_empty());
    let mut filter = match base.map(EnvFilter::try_new) {
        Some(Ok(filter)) => filter,
        Some(Err(e)) => {
            eprintln!("sonde: warning: ignoring RUST_LOG: {e}");
            EnvFilter::new(DEFAULT_FILTER)
        }
        None => EnvFilter::new(DEFAULT_FILTER),
    };
    if let Some(directive) = flag_directive(v).and_then(|d| d.parse().ok()) {
        filter = filter.add_directive(directive);
    }
    filter
}

/// Installs the global subscriber writing to stderr (colours only on a terminal).
pub(crate) fn init(v: Verbosity) -> anyhow::Result<()> {
    let rust_log = std::env::var("RUST_LOG").ok();
    tracing_subscriber::fmt()
        .with_env_filter(filter(rust_log.as_deref(), v))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init()
        .map_err(|e| anyhow!("cannot set up logging: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(debug: u8, verbose: bool, quiet: bool) -> Verbosity {
        Verbosity {
            debug,
            verbose,
            quiet,
        }
    }

    #[test]
    fn flags_map_to_levels() {
        assert_eq!(flag_directive(v(0, false, false)), None);
        assert_eq!(flag_directive(v(0, false, true)), Some("sonde=error"));
        assert_eq!(flag_directive(v(0, true, false)), Some("sonde=info"));
        assert_eq!(flag_directive(v(1, false, true)), Some("sonde=debug"));
        assert_eq!(flag_directive(v(2, false, false)), Some("sonde=trace"));
        assert_eq!(flag_directive(v(3, false, false)), Some("trace"));
    }

    #[test]
    fn filters_combine_rust_log_and_flags() {
        assert_eq!(filter(None, v(0, false, false)).to_string(), "warn");
        assert_eq!(filter(Some("  "), v(0, false, false)).to_string(), "warn");
        let f = filter(Some("info"), v(1, false, false)).to_string();
        assert!(f.contains("sonde=debug") && f.contains("info"), "{f}");
        assert_eq!(
            filter(Some("sonde=[{"), v(0, false, false)).to_string(),
            "warn"
        );
    }
}
