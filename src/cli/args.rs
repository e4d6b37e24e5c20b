//! The clap derive structs shared by every subcommand: the top-level [`Cli`], the [`Command`] enum
//! and the small value types (`--format`, `--protocol`, `--range`, `--probes`, `--type`).
//!
//! Each subcommand's own options live next to its `run` in `netdiscovery.rs`, `capture.rs`, …;
//! turning argv into these structs (including `fusioninventory-*` link names) is `mod.rs` and
//! `links.rs`. Nothing here does I/O.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use super::agent::AgentArgs;
use super::capture::CaptureArgs;
use super::inject::InjectArgs;
use super::inventory::InventoryArgs;
use super::netdiscovery::NetdiscoveryArgs;
use super::netinventory::NetinventoryArgs;
use super::simulate::SimulateArgs;
use super::wakeonlan::WakeonlanArgs;

/// `sonde [SUBCOMMAND] [OPTIONS]`.
#[derive(Debug, Parser)]
#[command(
    name = "sonde",
    version,
    about = "Fast network discovery and SNMP inventory agent, a drop-in successor to the FusionInventory agent",
    propagate_version = true,
    subcommand_required = true,
    arg_required_else_help = true
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands; each is also reachable through a `fusioninventory-*` link name.
#[derive(Debug, Subcommand)]
#[expect(
    clippy::large_enum_variant,
    reason = "built once per process; boxing the agent options buys nothing"
)]
pub enum Command {
    /// Find the devices of IP ranges (ICMP, ARP, SNMP); also `fusioninventory-netdiscovery`.
    Netdiscovery(NetdiscoveryArgs),
    /// Inventory network devices over SNMP or from walk files; also `fusioninventory-netinventory`.
    Netinventory(NetinventoryArgs),
    /// Inventory this machine and print it; also `fusioninventory-inventory`.
    Inventory(InventoryArgs),
    /// Run the agent for a GLPI server or a local target; also `fusioninventory-agent`.
    Agent(AgentArgs),
    /// Send inventory files to a server; also `fusioninventory-injector`.
    Inject(InjectArgs),
    /// Walk a device and write the walk file, optionally anonymised.
    Capture(CaptureArgs),
    /// Serve walk files as simulated SNMP agents.
    Simulate(SimulateArgs),
    /// Wake machines by their MAC addresses; also `fusioninventory-wakeonlan`.
    Wakeonlan(WakeonlanArgs),
}

/// The names of the subcommands, as typed on the command line.
pub const SUBCOMMANDS: [&str; 8] = [
    "netdiscovery",
    "netinventory",
    "inventory",
    "agent",
    "inject",
    "capture",
    "simulate",
    "wakeonlan",
];

/// The clap command of `sonde`, with `--version` of every subcommand printing `sonde <version>`.
#[must_use]
pub fn command() -> clap::Command {
    Cli::command().mut_subcommands(|sub| sub.display_name("sonde"))
}

/// Logging knobs every subcommand carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Verbosity {
    /// How often `--debug` was given.
    pub debug: u8,
    /// `--verbose` (informational messages).
    pub verbose: bool,
    /// `--quiet` (errors only).
    pub quiet: bool,
}

impl Command {
    /// The logging settings the subcommand was given.
    #[must_use]
    pub fn verbosity(&self) -> Verbosity {
        let debug_only = |debug| Verbosity {
            debug,
            ..Verbosity::default()
        };
        match self {
            Command::Netdiscovery(a) => Verbosity {
                debug: a.debug,
                quiet: a.quiet,
                ..Verbosity::default()
            },
            Command::Netinventory(a) => debug_only(a.debug),
            Command::Inventory(a) => Verbosity {
                debug: a.debug,
                verbose: a.verbose,
                quiet: false,
            },
            Command::Agent(a) => debug_only(a.debug),
            Command::Inject(a) => debug_only(a.debug),
            Command::Capture(a) => debug_only(a.debug),
            Command::Simulate(a) => debug_only(a.debug),
            Command::Wakeonlan(a) => debug_only(a.debug),
        }
    }
}

/// `--format`: how results are printed.
///
/// (Variants of the value enums carry plain comments, not doc comments, so that `--help` lists the
/// possible values on one line.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    // FusionInventory XML messages (what the Perl tools print).
    #[default]
    Xml,
    // GLPI-native JSON.
    Json,
    // A human-readable table.
    Table,
}

/// `--protocol`: transport and address family of SNMP requests (FusionInventory spelling).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Transport {
    // UDP over IPv4 (the default).
    #[default]
    #[value(name = "udp/ipv4")]
    UdpIpv4,
    // UDP over IPv6.
    #[value(name = "udp/ipv6")]
    UdpIpv6,
    // TCP over IPv4.
    #[value(name = "tcp/ipv4")]
    TcpIpv4,
    // TCP over IPv6.
    #[value(name = "tcp/ipv6")]
    TcpIpv6,
}

/// `--type`: the device type netinventory forces (FusionInventory spelling, any case:
/// COMPUTER, NETWORKING, PRINTER, STORAGE, POWER, PHONE, VIDEO, KVM).
pub(crate) fn parse_device_type(text: &str) -> Result<crate::model::DeviceType, String> {
    crate::model::DeviceType::parse(text).ok_or_else(|| {
        let names: Vec<&str> = crate::model::DeviceType::ALL
            .iter()
            .map(|t| t.as_str())
            .collect();
        format!("unknown type {text:?} (one of {})", names.join(", "))
    })
}

/// An address block: `10.0.0.0/24`, `2001:db8::/64`, or one address (`10.0.0.1` = `/32`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    /// The address as written (host bits are kept; the engine masks them).
    pub addr: IpAddr,
    /// Prefix length: 0–32 for IPv4, 0–128 for IPv6.
    pub prefix: u8,
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("`{addr}` is not an IP address"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => match p.parse::<u8>() {
                Ok(p) if p <= max => p,
                _ => {
                    return Err(format!(
                        "prefix length `{p}` is not a number from 0 to {max}"
                    ));
                }
            },
        };
        Ok(Cidr { addr, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// One discovery probe of `--probes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// ICMP echo and timestamp requests.
    Icmp,
    /// The kernel's neighbour (ARP) table, for MAC addresses.
    Arp,
    /// SNMP GETs with each credential.
    Snmp,
    /// NetBIOS node status queries.
    Netbios,
    /// Reverse DNS of the addresses that answered.
    Dns,
}

impl FromStr for Probe {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text.trim().to_ascii_lowercase().as_str() {
            "icmp" | "ping" => Probe::Icmp,
            "arp" => Probe::Arp,
            "snmp" => Probe::Snmp,
            "netbios" => Probe::Netbios,
            "dns" => Probe::Dns,
            _ => {
                return Err(format!(
                    "unknown probe `{text}` (expected icmp, arp, snmp, netbios or dns)"
                ));
            }
        })
    }
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Probe::Icmp => "icmp",
            Probe::Arp => "arp",
            Probe::Snmp => "snmp",
            Probe::Netbios => "netbios",
            Probe::Dns => "dns",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_definition_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn subcommand_names_match_the_enum() {
        let cmd = command();
        let names: Vec<&str> = cmd.get_subcommands().map(clap::Command::get_name).collect();
        assert_eq!(names, SUBCOMMANDS);
    }

    #[test]
    fn cidr_parses_blocks_and_single_addresses() {
        let c: Cidr = "10.0.0.0/24".parse().unwrap();
        assert_eq!(c.prefix, 24);
        assert_eq!(c.to_string(), "10.0.0.0/24");
        let c: Cidr = "10.0.0.7".parse().unwrap();
        assert_eq!(c.prefix, 32);
        let c: Cidr = "2001:db8::/64".parse().unwrap();
        assert_eq!(c.prefix, 64);
        let c: Cidr = "::1".parse().unwrap();
        assert_eq!(c.prefix, 128);
    }

    #[test]
    fn cidr_rejects_garbage() {
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("2001:db8::/129".parse::<Cidr>().is_err());
        assert!("10.0.0/24".parse::<Cidr>().is_err());
        assert!("10.0.0.0/x".parse::<Cidr>().is_err());
        assert!("".parse::<Cidr>().is_err());
    }

    #[test]
    fn probes_parse_and_print() {
        for text in ["icmp", "arp", "snmp", "netbios", "dns"] {
            assert_eq!(text.parse::<Probe>().unwrap().to_string(), text);
        }
        assert_eq!("PING".parse::<Probe>().unwrap(), Probe::Icmp);
        assert!("mdns".parse::<Probe>().is_err());
        assert!("udp:161".parse::<Probe>().is_err());
    }
}
