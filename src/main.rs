//! Entry point: parse the command line; open the app or run a headless command.

use std::process::ExitCode;

use clap::Parser;
use systemdecoder::cli::{self, Cli};

fn main() -> ExitCode {
    let args = Cli::parse();
    cli::main(&args)
}
