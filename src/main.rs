//! Entry point: parse the command line; open the app or run a headless command.
//! In the browser there is no command line: the app opens on the bundled
//! default scenario.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    use clap::Parser;
    use systemdecoder::cli::{self, Cli};
    let args = Cli::parse();
    cli::main(&args)
}

#[cfg(all(target_arch = "wasm32", feature = "gui"))]
fn main() {
    let text = include_str!("../scenarios/examples/three-tier.ron");
    match systemdecoder::scenario::Scenario::parse("scenarios/examples/three-tier.ron", text) {
        Ok((s, _)) => {
            systemdecoder::view::run_app(&s, Default::default());
        }
        // Only a broken build could get here; say so in the console.
        Err(e) => bevy::log::error!("{e}"),
    }
}

#[cfg(all(target_arch = "wasm32", not(feature = "gui")))]
fn main() {}
