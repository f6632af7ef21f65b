//! Entry point: parse the command line; open the app or run a headless command.
//! In the browser there is no command line: the page's address says what
//! to open (`view::web`).

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    use clap::Parser;
    use systemdecoder::cli::{self, Cli};
    let args = Cli::parse();
    #[cfg(unix)]
    if args.command.is_some() {
        // Output cut short (`systemdecoder run … | head`) ends the program
        // quietly, as for any Unix tool, instead of a panic on the write.
        // SAFETY: setting a signal's disposition to its default, before any
        // thread starts.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    cli::main(&args)
}

#[cfg(all(target_arch = "wasm32", feature = "gui"))]
fn main() {
    systemdecoder::view::web::start();
}

#[cfg(all(target_arch = "wasm32", not(feature = "gui")))]
fn main() {}
