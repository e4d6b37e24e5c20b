//! `sonde wakeonlan` / `fusioninventory-wakeonlan`: wake machines by their MAC addresses.
//!
//! FusionInventory's options (`--mac`, `--methods`, `--debug`; protocol.md §6.7), plus several
//! `--mac` at once and the UDP destination (`--broadcast`, `--port`). Methods fall back to the
//! next one when they fail ([`crate::wakeonlan`]). Exit code 0 when every MAC was sent by some
//! method, 1 otherwise, with one line per MAC not sent on stderr; an invalid MAC address or
//! method is a usage error (2), as FusionInventory's `pod2usage`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use clap::{ArgAction, Args};

use crate::wakeonlan::{self, MacAddress, Method, WakeConfig};

/// Options of `wakeonlan`.
#[derive(Debug, Args)]
pub struct WakeonlanArgs {
    /// MAC address of a machine to wake: aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff or 12 hex digits
    /// (repeatable).
    #[arg(long, value_name = "ADDR", required = true)]
    pub mac: Vec<MacAddress>,
    /// Methods, tried in order for each MAC not sent yet (comma-separated): ethernet (a raw frame
    /// on every interface; needs root or CAP_NET_RAW), udp (a broadcast datagram).
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "ethernet,udp"
    )]
    pub methods: Vec<Method>,
    /// Destination address of the udp method.
    #[arg(long, value_name = "ADDR", default_value_t = IpAddr::V4(Ipv4Addr::BROADCAST))]
    pub broadcast: IpAddr,
    /// Destination port of the udp method.
    #[arg(long, value_name = "PORT", default_value_t = 9)]
    pub port: u16,
    /// More log output on stderr (repeatable).
    #[arg(long, action = ArgAction::Count)]
    pub debug: u8,
}

/// Runs `wakeonlan`.
pub(crate) fn run(args: WakeonlanArgs) -> anyhow::Result<ExitCode> {
    let config = WakeConfig {
        methods: args.methods,
        udp_destination: SocketAddr::new(args.broadcast, args.port),
        interfaces: None,
    };
    let report = wakeonlan::wake(&args.mac, &config);
    for failure in &report.unavailable {
        tracing::warn!("{failure}");
    }
    for target in &report.targets {
        if target.is_sent() {
            for failure in target.send_failures() {
                tracing::warn!("{}: {failure}", target.mac);
            }
            tracing::info!("{target}");
        } else {
            eprintln!("sonde: {target}");
        }
    }
    Ok(if report.all_sent() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
