//! SystemDecoder: build a distributed system, run it, break it.
//!
//! The plugin tree: [`sim`] (render-free, deterministic) and [`scenario`]
//! (files in and out) form the core that also runs headless; the `gui`
//! feature adds everything a person sees.

pub mod chaos;
pub mod edit;
pub mod headless;
pub mod learn;
pub mod replay;
pub mod scenario;
pub mod sim;
pub mod sweep;

#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
#[cfg(feature = "gui")]
pub mod view;

use bevy::prelude::*;

/// The render-free core: simulation and scenarios. Runs under `MinimalPlugins`
/// or with no runner at all (the headless CLI drives `FixedUpdate` itself).
pub struct CorePlugin;

impl Plugin for CorePlugin {
    fn build(&self, app: &mut App) {
        app.add_plugins((sim::plugin, chaos::plugin, scenario::plugin, edit::plugin));
    }
}
