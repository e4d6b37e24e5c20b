//! `sonde netdiscovery` / `fusioninventory-netdiscovery`: find the devices of IP ranges.
//!
//! Options are those of FusionInventory's tool (protocol.md §6.4) plus sonde's own (`--range`,
//! `--exclude`, `--rate`, `--retries`, `--probes`, `--format`, `--quiet`). The sweep engine is
//! later work; `run` says so.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgAction, Args};

use super::args::{Cidr, OutputFormat, Probe, Transport};
use super::credentials::CredentialParser;
use crate::snmp::Credential;

/// Options of `netdiscovery`.
#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("target")
        .required(true)
        .multiple(true)
        .args(["first", "range", "file"])
))]
pub struct NetdiscoveryArgs {
    /// First address of a range (inclusive); pairs with the --last of the same position.
    #[arg(long, value_name = "ADDR", requires = "last", help_heading = "Targets")]
    pub first: Vec<IpAddr>,
    /// Last address of a range (inclusive).
    #[arg(
        long,
        value_name = "ADDR",
        requires = "first",
        help_heading = "Targets"
    )]
    pub last: Vec<IpAddr>,
    /// A block to scan, e.g. 10.0.0.0/24 (repeatable).
    #[arg(long, value_name = "CIDR", help_heading = "Targets")]
    pub range: Vec<Cidr>,
    /// Addresses or blocks to skip (repeatable, comma-separated).
    #[arg(
        long,
        value_name = "CIDR",
        value_delimiter = ',',
        help_heading = "Targets"
    )]
    pub exclude: Vec<Cidr>,
    /// Offline: identify the device of an snmpwalk file instead of scanning (repeatable).
    #[arg(long, value_name = "WALK", help_heading = "Targets")]
    pub file: Vec<PathBuf>,

    /// SNMP ports [default: 161] (repeatable, comma-separated).
    #[arg(
        long,
        value_name = "PORT",
        value_delimiter = ',',
        help_heading = "SNMP"
    )]
    pub port: Vec<u16>,
    /// SNMP transports [default: udp/ipv4] (repeatable, comma-separated).
    #[arg(
        long,
        value_name = "PROTO",
        value_delimiter = ',',
        help_heading = "SNMP"
    )]
    pub protocol: Vec<Transport>,
    /// Community; each one is an SNMP v1 credential (repeatable) [default: public].
    #[arg(long, value_name = "COMMUNITY", help_heading = "SNMP")]
    pub community: Vec<String>,
    /// Credential spec key:value,… (version, community, username, authprotocol, authpassphrase,
    /// privprotocol, privpassphrase, context, engineid); used when no --community is given
    /// (repeatable).
    #[arg(long, value_name = "SPEC", value_parser = CredentialParser, help_heading = "SNMP")]
    pub credentials: Vec<Credential>,
    /// SNMP timeout in seconds [default: 60 as in FusionInventory].
    #[arg(long, value_name = "SECS", help_heading = "SNMP")]
    pub timeout: Option<u64>,
    /// SNMP retries per request.
    #[arg(long, value_name = "N", help_heading = "SNMP")]
    pub retries: Option<u32>,

    /// Probes to run on each address: icmp, arp, snmp, netbios, mdns, tcp:PORT (comma-separated).
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        help_heading = "Scan"
    )]
    pub probes: Vec<Probe>,
    /// Addresses probed in parallel [default: 1 as in FusionInventory].
    #[arg(long, value_name = "N", help_heading = "Scan")]
    pub threads: Option<usize>,
    /// Packets per second, all probes together.
    #[arg(long, value_name = "PPS", help_heading = "Scan")]
    pub rate: Option<u32>,
    /// Entity of the discovered devices (accepted and ignored, as in FusionInventory).
    #[arg(long, value_name = "ENTITY", help_heading = "Scan")]
    pub entity: Option<String>,
    /// Run netinventory on every discovered device that has a type and an SNMP credential.
    #[arg(short = 'i', long, help_heading = "Scan")]
    pub inventory: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t, help_heading = "Output")]
    pub format: OutputFormat,
    /// Also print the START, NBIP and END control messages.
    #[arg(long, help_heading = "Output")]
    pub control: bool,
    /// Write DIR/netdiscovery/IP.xml (and DIR/netinventory/IP.xml) instead of printing.
    #[arg(short = 's', long, value_name = "DIR", help_heading = "Output")]
    pub save: Option<PathBuf>,
    /// Only print errors on stderr.
    #[arg(long, conflicts_with = "debug", help_heading = "Output")]
    pub quiet: bool,
    /// More log output on stderr (repeatable).
    #[arg(long, action = ArgAction::Count, help_heading = "Output")]
    pub debug: u8,
}

/// Runs `netdiscovery`.
pub(crate) fn run(args: NetdiscoveryArgs) -> anyhow::Result<ExitCode> {
    drop(args);
    Ok(super::not_yet_implemented("netdiscovery"))
}
