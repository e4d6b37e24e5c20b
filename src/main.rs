//! The `sonde` binary: hands argv (and the name it was called by) to [`sonde::cli`].

fn main() -> std::process::ExitCode {
    sonde::cli::main()
}
