//! `sonde netinventory` / `fusioninventory-netinventory`: inventory network devices over SNMP or
//! from walk files.
//!
//! Options are those of FusionInventory's tool (protocol.md §6.5) plus `--format`. The inventory
//! engine is later work; `run` says so.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgAction, Args};

use super::args::{DeviceType, OutputFormat, Transport};
use super::credentials::CredentialParser;
use crate::snmp::Credential;

/// Options of `netinventory`.
#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("target")
        .required(true)
        .multiple(true)
        .args(["host", "file"])
))]
pub struct NetinventoryArgs {
    /// Device to query (repeatable, comma-separated).
    #[arg(
        long,
        value_name = "HOST",
        value_delimiter = ',',
        help_heading = "Targets"
    )]
    pub host: Vec<String>,
    /// Offline: an snmpwalk file (numeric -On or symbolic) used in place of a device (repeatable).
    #[arg(long, value_name = "WALK", help_heading = "Targets")]
    pub file: Vec<PathBuf>,

    /// SNMP port per host; the first repeats for the remaining hosts [default: 161].
    #[arg(
        long,
        value_name = "PORT",
        value_delimiter = ',',
        help_heading = "SNMP"
    )]
    pub port: Vec<u16>,
    /// SNMP transport per host, like --port [default: udp/ipv4].
    #[arg(
        long,
        value_name = "PROTO",
        value_delimiter = ',',
        help_heading = "SNMP"
    )]
    pub protocol: Vec<Transport>,
    /// Community (SNMP v1); takes precedence over --credentials.
    #[arg(long, value_name = "COMMUNITY", help_heading = "SNMP")]
    pub community: Option<String>,
    /// Credential spec key:value,… (version, community, username, authprotocol, authpassphrase,
    /// privprotocol, privpassphrase, context, engineid).
    #[arg(long, value_name = "SPEC", value_parser = CredentialParser, help_heading = "SNMP")]
    pub credentials: Option<Credential>,
    /// SNMP timeout in seconds [default: 60 as in FusionInventory].
    #[arg(long, value_name = "SECS", help_heading = "SNMP")]
    pub timeout: Option<u64>,

    /// Force the device type instead of detecting it.
    #[arg(
        long = "type",
        value_name = "TYPE",
        value_enum,
        ignore_case = true,
        help_heading = "Device"
    )]
    pub device_type: Option<DeviceType>,
    /// Device ID written into the results.
    #[arg(long, value_name = "ID", help_heading = "Device")]
    pub id: Option<u64>,
    /// Deprecated and ignored (models are chosen from the sysObjectID).
    #[arg(long, value_name = "MODEL", help_heading = "Device")]
    pub model: Option<String>,
    /// Devices queried in parallel [default: 1].
    #[arg(long, value_name = "N", help_heading = "Device")]
    pub threads: Option<usize>,

    /// Output format.
    #[arg(long, value_enum, default_value_t, help_heading = "Output")]
    pub format: OutputFormat,
    /// Also print the START and END control messages.
    #[arg(long, help_heading = "Output")]
    pub control: bool,
    /// More log output on stderr (repeatable).
    #[arg(long, action = ArgAction::Count, help_heading = "Output")]
    pub debug: u8,
}

impl NetinventoryArgs {
    /// The credential to query with: `--community` (v1), else `--credentials`, else v1 `public`.
    #[must_use]
    pub fn credential(&self) -> Credential {
        match (&self.community, &self.credentials) {
            (Some(community), _) => Credential::v1(community),
            (None, Some(credential)) => credential.clone(),
            (None, None) => Credential::v1("public"),
        }
    }
}

/// Runs `netinventory`.
pub(crate) fn run(args: NetinventoryArgs) -> anyhow::Result<ExitCode> {
    drop(args);
    Ok(super::not_yet_implemented("netinventory"))
}
