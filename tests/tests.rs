//! The single integration-test binary of sonde.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

/// The command line: help of every subcommand, link names, exit codes.
mod cli;
/// `agent --daemon`: schedule, HTTP port, signals.
mod daemon;
/// `deploy/`: units, cron, container and package recipes.
mod deploy;
/// Discovery end to end: live (simulate) equals --file, formats, control messages, errors.
mod discovery;
/// Faults: misbehaving agents (one client, and whole jobs), servers, HTTP clients, state.
mod faults;
/// Device identification on every bundled walk, against both reference agents' results.
mod identify;
/// `sonde inject`: a saved inventory uploaded to a loopback server, and a server that is down.
mod inject;
/// Local inventory: schema validation, reference sections, counts against the system.
mod inventory;
/// Network inventory: upstream results element by element, reference summaries, live = file,
/// the commands, failures, per-VLAN contexts.
mod netinventory;
/// Discovery probes on loopback and in a private namespace: ICMP, NetBIOS, neighbours, DNS.
mod probes;
/// Every bundled walk through simulate → walk (sonde and snmpbulkwalk), and the binaries end to end.
mod roundtrip;
/// Secrets (communities, v3 passphrases, HTTP passwords) never in a trace log, an error or a status.
mod secrets;
/// The SNMP client against the in-process simulator: operations, walks, errors, 10,000 in flight.
mod snmp_client;
/// Interoperability with a real net-snmp snmpd on loopback (v1, v2c, v3 auth × privacy).
mod snmpd;
/// Shared helpers: loading the bundled walks, spawning the binary.
mod util;
/// Wake-on-LAN: the command to a loopback listener, exit codes, the fallback without
/// CAP_NET_RAW, raw frames read back in a private namespace.
mod wakeonlan;
/// Walk files: every bundled walk parses, write/read round trips, anonymisation.
mod walks;
