//! sonde: network discovery and SNMP inventory agent, a drop-in successor to the FusionInventory agent.
//!
//! # Layout
//! - [`snmp`]: the SNMP engine: BER codec, v1/v2c/v3 (USM) messages, one dispatcher multiplexing
//!   thousands of requests over a few UDP sockets, sessions with classified errors, adaptive
//!   GETBULK walks, and an agent that serves walk files (`sonde simulate`).
//! - [`walk`]: net-snmp walk files: parsing every style, writing `-On` text, anonymising
//!   captures (`sonde capture --anonymize`).
//! - [`discovery`]: the sweep engine: targets, every probe of an address side by side, streamed
//!   results.
//! - [`netinventory`]: the inventory of one SNMP device: ports, VLANs, neighbours, MAC tables,
//!   components, firmwares, printer data.
//! - [`inventory`]: the local inventory of the machine sonde runs on (BIOS, OS, CPUs, disks,
//!   network, software, users, processes…), read from /proc, /sys and /etc.
//! - [`net`]: the other discovery probes: ICMP, NetBIOS, neighbour table, DNS; the rate limiter.
//! - [`mib`]: SNMP device identification from run-time data (`mibs/`): type, maker, model, serial…
//! - [`model`]: domain types shared by engines and reporters (no wire formats).
//! - [`report`]: wire formats: FusionInventory XML messages, JSON lines, tables.
//! - [`agent`]: the managed agent: its configuration (agent.cfg, `SONDE_*` variables, the
//!   command line), its dialogue with the server (PROLOG / CONTACT messages, task options and
//!   their defaults) and one run over its targets.
//! - [`transport`]: the HTTP(S) layer to GLPI servers: URL rules, compression, TLS trust and
//!   pinning, authentication, redirects, reply decoding, classified errors, retries; the spool of
//!   results waiting for a server.
//! - [`wakeonlan`]: Wake-on-LAN magic packets, as raw Ethernet frames or UDP broadcasts, each
//!   method falling back to the next.
//! - [`cli`]: everything about argv: subcommands, `fusioninventory-*` link names, logging, exit
//!   codes. The only module that prints.
//!
//! Data: `mibs/` (sysObjectID database, identification rules, symbolic OID names).
//! Tests: `tests/tests.rs` (one integration
//! binary; the bundled walks live gzipped in `tests/resources/walks`). Benchmarks: `benches/`.
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]

pub mod agent;
pub mod cli;
pub mod discovery;
pub mod inventory;
pub mod mib;
pub mod model;
pub mod net;
pub mod netinventory;
pub mod report;
pub mod snmp;
pub mod transport;
pub mod wakeonlan;
pub mod walk;
