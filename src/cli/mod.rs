//! Command line: subcommands, `fusioninventory-*` link names, exit codes.
#![allow(clippy::print_stdout, clippy::print_stderr)]

/// Entry point of the binary.
#[must_use]
pub fn main() -> std::process::ExitCode {
    std::process::ExitCode::SUCCESS
}
