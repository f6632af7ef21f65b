//! Entry point: parse the command line; open the app or run a headless command.
//! In the browser there is no command line: the page's address says what
//! to open (`view::web`).

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    use clap::Parser;
    use systemdecoder::cli::{self, Cli};
    let args = Cli::parse();
    cli::main(&args)
}

#[cfg(all(target_arch = "wasm32", feature = "gui"))]
fn main() {
    systemdecoder::view::web::start();
}

#[cfg(all(target_arch = "wasm32", not(feature = "gui")))]
fn main() {}
