//! sonde: network discovery and SNMP inventory agent, a drop-in successor to the FusionInventory agent.
//!
//! # Layout
//! - [`snmp`]: the SNMP engine: BER codec, v1/v2c/v3 (USM) messages, one dispatcher multiplexing
//!   thousands of requests over a few UDP sockets, walks, and an agent that serves walk files.
//! - [`walk`]: net-snmp walk files: parsing every style, writing `-On` text, anonymising captures.
//! - [`cli`]: everything about argv: subcommands, `fusioninventory-*` link names, exit codes. The only
//!   module that prints.
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]

pub mod cli;
pub mod snmp;
pub mod walk;
