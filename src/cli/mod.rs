//! Command line: subcommands, `fusioninventory-*` link names, logging set-up, exit codes.
//!
//! The only module that knows argv and the only one that prints. [`main`] parses argv (after
//! [`links`] has turned a link invocation into `sonde <subcommand> …`), sets up logging and
//! calls the subcommand's `run`. Exit codes: 0 success, 1 runtime error (`sonde: error: …` on
//! stderr), 2 usage error (clap) or a subcommand that is not implemented yet.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::ffi::OsString;
use std::process::ExitCode;

use clap::FromArgMatches;

/// Options of `agent` (`fusioninventory-agent`).
pub mod agent;
/// The top-level clap structs and shared value types.
pub mod args;
/// Options of `capture`: walk a device into a walk file.
pub mod capture;
/// `--credentials` specs and `--community` → SNMP credentials.
pub mod credentials;
/// `agent --daemon`: the managed mode's process.
mod daemon;
/// Options of `inject` (`fusioninventory-injector`).
pub mod inject;
/// Options of `inventory` (`fusioninventory-inventory`).
pub mod inventory;
/// `fusioninventory-*` link names → subcommand argv.
pub mod links;
/// tracing-subscriber on stderr.
mod logging;
/// Options of `netdiscovery` (`fusioninventory-netdiscovery`).
pub mod netdiscovery;
/// Options of `netinventory` (`fusioninventory-netinventory`).
pub mod netinventory;
/// `--save DIR` output files.
mod save;
/// Options of `simulate`: serve walk files as SNMP agents.
pub mod simulate;
/// Options of `wakeonlan` (`fusioninventory-wakeonlan`).
pub mod wakeonlan;

use args::{Cli, Command};

/// Entry point of the binary.
#[must_use]
pub fn main() -> ExitCode {
    let cli = match parse(std::env::args_os().collect()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    if let Err(e) = logging::init(cli.command.verbosity()) {
        eprintln!("sonde: warning: {e:#}");
    }
    match run(cli.command) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sonde: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Parses argv, including `argv[0]`: called through a `fusioninventory-*` link, the binary parses
/// `sonde <subcommand> …` and names itself after the link in usage and errors.
pub fn parse(argv: Vec<OsString>) -> Result<Cli, clap::Error> {
    let (mut cmd, argv) = match argv.first().and_then(|argv0| links::detect(argv0)) {
        Some(link) => for_link(&link, argv),
        None => (args::command(), argv),
    };
    let matches = cmd.try_get_matches_from_mut(argv)?;
    Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut cmd))
}

/// The command and argv for a link invocation: the subcommand inserted into argv, and its usage
/// line and name spelled with the link's name.
fn for_link(link: &links::Link, argv: Vec<OsString>) -> (clap::Command, Vec<OsString>) {
    // Options and usage come from the fully built command, as `sonde <sub>` sees them.
    let mut built = args::command().bin_name("sonde");
    built.build();
    let Some(sub) = built.find_subcommand_mut(link.subcommand) else {
        return (args::command(), argv);
    };
    let usage = sub.render_usage().to_string();
    let usage = usage.trim_start_matches("Usage:").trim().replacen(
        &format!("sonde {}", link.subcommand),
        &link.name,
        1,
    );
    let cmd = args::command().mut_subcommands(|s| {
        if s.get_name() == link.subcommand {
            s.bin_name(&link.name).override_usage(usage.clone())
        } else {
            s
        }
    });
    (cmd, links::rewrite(sub, argv))
}

/// Runs a parsed command line.
fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Netdiscovery(a) => netdiscovery::run(a),
        Command::Netinventory(a) => netinventory::run(a),
        Command::Inventory(a) => inventory::run(a),
        Command::Agent(a) => agent::run(a),
        Command::Inject(a) => inject::run(a),
        Command::Capture(a) => capture::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Wakeonlan(a) => wakeonlan::run(a),
    }
}

/// Whether the error comes from writing to a closed pipe (`sonde … | head`): not worth a message.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snmp::Credential;

    fn parse_ok(argv: &[&str]) -> Command {
        match parse(argv.iter().map(OsString::from).collect()) {
            Ok(cli) => cli.command,
            Err(e) => panic!("{argv:?}: {e}"),
        }
    }

    fn parse_err(argv: &[&str]) -> clap::Error {
        match parse(argv.iter().map(OsString::from).collect()) {
            Ok(cli) => panic!("{argv:?}: parsed as {:?}", cli.command),
            Err(e) => e,
        }
    }

    #[test]
    fn link_and_subcommand_parse_the_same() {
        let fi = [
            "--first",
            "10.0.0.1",
            "--last",
            "10.0.0.254",
            "--community",
            "public",
            "--threads",
            "20",
            "--timeout",
            "1",
        ];
        let mut link = vec!["/usr/bin/fusioninventory-netdiscovery"];
        link.extend(fi);
        let mut native = vec!["sonde", "netdiscovery"];
        native.extend(fi);
        let (Command::Netdiscovery(a), Command::Netdiscovery(b)) =
            (parse_ok(&link), parse_ok(&native))
        else {
            panic!("not netdiscovery");
        };
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        assert_eq!(a.first, ["10.0.0.1".parse::<std::net::IpAddr>().unwrap()]);
        assert_eq!(a.threads, Some(20));
        assert_eq!(a.timeout, Some(1));
    }

    #[test]
    fn every_link_name_selects_its_subcommand() {
        let cases: [(&str, &[&str]); 12] = [
            (
                "fusioninventory-netdiscovery",
                &["--first", "1.2.3.4", "--last", "1.2.3.5"],
            ),
            ("netdiscovery", &["--range", "10.0.0.0/30"]),
            ("fusioninventory-netinventory", &["--host", "10.0.0.1"]),
            ("netinventory", &["--file", "x.walk"]),
            ("fusioninventory-inventory", &["--scan-homedirs"]),
            ("inventory", &[]),
            (
                "fusioninventory-injector",
                &["-f", "a.xml", "-u", "http://glpi/"],
            ),
            ("injector", &["--stdin", "--url", "http://glpi/"]),
            ("fusioninventory-agent", &["--server", "http://glpi/"]),
            ("agent", &["--local", "-"]),
            ("fusioninventory-wakeonlan", &["--mac", "00:1a:2b:3c:4d:5e"]),
            (
                "wakeonlan",
                &["--mac", "00:1a:2b:3c:4d:5e", "--methods", "udp"],
            ),
        ];
        for (argv0, rest) in cases {
            let mut argv = vec![argv0];
            argv.extend_from_slice(rest);
            let name = match parse_ok(&argv) {
                Command::Netdiscovery(_) => "netdiscovery",
                Command::Netinventory(_) => "netinventory",
                Command::Inventory(_) => "inventory",
                Command::Agent(_) => "agent",
                Command::Inject(_) => "injector",
                Command::Wakeonlan(_) => "wakeonlan",
                Command::Capture(_) | Command::Simulate(_) => "other",
            };
            assert!(argv0.ends_with(name), "{argv0} ran {name}");
        }
    }

    #[test]
    fn link_accepts_perl_style_options() {
        let Command::Netdiscovery(a) = parse_ok(&[
            "fusioninventory-netdiscovery",
            "-first",
            "10.0.0.1",
            "-last=10.0.0.9",
            "--comm",
            "private",
            "--Threads",
            "4",
        ]) else {
            panic!("not netdiscovery");
        };
        assert_eq!(a.last, ["10.0.0.9".parse::<std::net::IpAddr>().unwrap()]);
        assert_eq!(a.community, ["private"]);
        assert_eq!(a.threads, Some(4));
    }

    #[test]
    fn native_subcommands_stay_strict() {
        parse_err(&[
            "sonde",
            "netdiscovery",
            "-first",
            "10.0.0.1",
            "--last",
            "10.0.0.2",
        ]);
        parse_err(&[
            "sonde",
            "netdiscovery",
            "--comm",
            "x",
            "--range",
            "10.0.0.0/24",
        ]);
    }

    #[test]
    fn link_usage_names_the_link() {
        let e = parse_err(&["/usr/bin/fusioninventory-netdiscovery", "--bogus"]);
        assert_eq!(e.exit_code(), 2);
        let text = e.render().to_string();
        assert!(
            text.contains("Usage: fusioninventory-netdiscovery [OPTIONS]"),
            "{text}"
        );
        assert!(!text.contains("sonde"), "{text}");
    }

    #[test]
    fn credentials_are_parsed_by_clap() {
        let Command::Netdiscovery(a) = parse_ok(&[
            "sonde",
            "netdiscovery",
            "--range",
            "10.0.0.0/24",
            "--credentials",
            "version:2c,community:private",
            "--credentials",
            "version:3,username:bob",
        ]) else {
            panic!("not netdiscovery");
        };
        assert_eq!(a.credentials[0], Credential::v2c("private"));
        assert_eq!(a.credentials.len(), 2);
        let e = parse_err(&[
            "sonde",
            "netdiscovery",
            "--range",
            "10.0.0.0/24",
            "--credentials",
            "version:3",
        ]);
        assert!(e.to_string().contains("SNMP v3 needs a username"), "{e}");
    }

    #[test]
    fn broken_pipe_is_recognised_through_context() {
        let io = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        let e = anyhow::Error::new(io).context("writing the walk");
        assert!(is_broken_pipe(&e));
        assert!(!is_broken_pipe(&anyhow::anyhow!("other")));
    }
}
