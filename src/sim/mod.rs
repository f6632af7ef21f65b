//! The simulation: render-free, deterministic, advanced only in `FixedUpdate`.
//!
//! The discrete-event [`engine`] does the work; this plugin wires it into
//! Bevy: node and link entities carry the editable parameters (edits flow
//! into the engine on the next tick) and the live numbers the view reads.

pub mod check;
pub mod dist;
pub mod engine;
pub mod kinds;
pub mod metrics;
pub mod model;
pub mod recent;
pub mod report;
pub mod time;

use bevy::prelude::*;

pub use engine::Engine;
pub use model::*;
pub use time::SimSpeed;

/// Ordered phases of one simulation tick; producers before consumers.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SimSystems {
    /// Parameter edits from the editor reach the engine.
    ApplyEdits,
    /// The clock moves and events are processed.
    Advance,
    /// Live numbers are copied onto entities for the view.
    Publish,
}

/// The running engine.
#[derive(Resource, Deref, DerefMut)]
pub struct Sim(pub Engine);

/// A node entity: its index in the engine and its parameters.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimNode(pub u32);

#[derive(Component, Debug, Clone, PartialEq)]
pub struct NodeParams(pub NodeSpec);

#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimLink(pub u32);

#[derive(Component, Debug, Clone, PartialEq)]
pub struct LinkParams(pub LinkSpec);

/// The node's parameters as of the last recorded edit (what undo restores
/// to); `NodeParams` may run ahead of it during a drag.
#[derive(Component, Debug, Clone, PartialEq)]
pub struct Committed(pub NodeSpec);

#[derive(Component, Debug, Clone, PartialEq)]
pub struct CommittedLink(pub LinkSpec);

/// What the view shows on a node right now.
#[derive(Component, Debug, Clone, Copy, Default, PartialEq)]
pub struct NodeLive {
    pub busy: u32,
    /// `u32::MAX` = unlimited.
    pub workers: u32,
    pub queued: u32,
    /// Utilisation over the last closed one-second window.
    pub utilization: f64,
    pub rejected_last_window: u64,
    /// Chaos: crashed, frozen, and the service-time multiplier.
    pub down: bool,
    pub paused: bool,
    pub slow: f64,
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<SimSpeed>();
    app.add_systems(First, start_frame_budget);
    app.configure_sets(FixedUpdate, (SimSystems::ApplyEdits, SimSystems::Advance, SimSystems::Publish).chain());
    app.add_systems(
        FixedUpdate,
        (
            (apply_node_edits, apply_link_edits).in_set(SimSystems::ApplyEdits).in_set(ApplyParams),
            advance.in_set(SimSystems::Advance),
            publish_live.in_set(SimSystems::Publish),
        )
            .run_if(resource_exists::<Sim>),
    );
    #[cfg(any(debug_assertions, test))]
    app.add_systems(FixedUpdate, check_conservation.after(SimSystems::Advance).run_if(resource_exists::<Sim>));
}

/// The systems that copy edited parameters into the engine (editing layers
/// above order themselves before these).
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ApplyParams;

/// Spawn the entity for a node already added to the engine.
pub fn spawn_node_entity(world: &mut World, index: u32, spec: NodeSpec) -> Entity {
    world
        .spawn((
            Name::new(spec.id.clone()),
            SimNode(index),
            Committed(spec.clone()),
            NodeParams(spec),
            NodeLive::default(),
        ))
        .id()
}

pub fn spawn_link_entity(world: &mut World, index: u32, spec: LinkSpec) -> Entity {
    world
        .spawn((
            Name::new(format!("{} -> {}", spec.from, spec.to)),
            SimLink(index),
            CommittedLink(spec.clone()),
            LinkParams(spec),
        ))
        .id()
}

fn apply_node_edits(mut sim: ResMut<Sim>, q: Query<(&SimNode, &NodeParams), Changed<NodeParams>>) {
    for (node, params) in &q {
        if sim.nodes().get(node.0 as usize).is_some_and(|n| n.spec != params.0) {
            sim.set_node_spec(node.0 as usize, params.0.clone());
        }
    }
}

fn apply_link_edits(mut sim: ResMut<Sim>, q: Query<(&SimLink, &LinkParams), Changed<LinkParams>>) {
    for (link, params) in &q {
        if sim.links().get(link.0 as usize).is_some_and(|l| l.spec != params.0) {
            sim.set_link_spec(link.0 as usize, params.0.clone());
        }
    }
}

/// Wall-clock time the simulation may use per rendered frame, so a heavy
/// scenario at high speed slows the sim clock instead of freezing the UI.
/// Absent (headless runs) means "no limit".
#[derive(Resource, Debug, Clone, Copy)]
pub struct FrameBudget {
    /// The least the simulation gets per frame; when frames are slow (heavy
    /// drawing, software rendering) it may use up to as long as the last
    /// frame took, so the clock does not crawl just because drawing is slow.
    pub per_frame: std::time::Duration,
    this_frame: std::time::Duration,
    frame_start: bevy::platform::time::Instant,
    /// Sim time dropped this frame because the budget ran out.
    pub dropped: time::Nanos,
}

impl FrameBudget {
    pub fn new(per_frame: std::time::Duration) -> Self {
        Self { per_frame, this_frame: per_frame, frame_start: bevy::platform::time::Instant::now(), dropped: 0 }
    }
}

fn start_frame_budget(budget: Option<ResMut<FrameBudget>>, time: Option<Res<Time<Real>>>) {
    if let Some(mut b) = budget {
        b.frame_start = bevy::platform::time::Instant::now();
        let last = time.map_or(std::time::Duration::ZERO, |t| t.delta());
        b.this_frame = b.per_frame.max(last.min(std::time::Duration::from_millis(250)));
        b.dropped = 0;
    }
}

/// Events handled between checks of the wall-clock budget (a few
/// milliseconds of work), so that no design, however busy a millisecond of
/// it is, holds a frame for long.
const BUDGET_EVENTS: u64 = 20_000;

fn advance(mut sim: ResMut<Sim>, mut speed: ResMut<SimSpeed>, budget: Option<ResMut<FrameBudget>>) {
    use time::Nanos;
    let dt = speed.take_advance();
    if dt == 0 {
        return;
    }
    let until = (sim.now() + dt).min(speed.stop_at.unwrap_or(Nanos::MAX).max(sim.now()));
    let Some(mut budget) = budget else {
        sim.run_until(until);
        return;
    };
    // Slices change nothing in the results (events keep exact times); they
    // only let us stop when the frame's time is spent.
    loop {
        if budget.frame_start.elapsed() >= budget.this_frame {
            let left = until - sim.now();
            budget.dropped += left;
            speed.behind = speed.behind.max(left);
            return;
        }
        if sim.run_some(until, BUDGET_EVENTS) {
            return;
        }
    }
}

fn publish_live(sim: Res<Sim>, mut q: Query<(&SimNode, &mut NodeLive)>) {
    let last = sim.windows().history.back();
    for (node, mut live) in &mut q {
        let Some(n) = sim.nodes().get(node.0 as usize) else { continue };
        let w = last.and_then(|w| w.nodes.get(node.0 as usize));
        live.set_if_neq(NodeLive {
            busy: n.busy,
            workers: n.workers(),
            queued: n.queue_len() as u32,
            utilization: w.map_or(0.0, |w| w.utilization),
            rejected_last_window: w.map_or(0, |w| w.rejected),
            down: n.fx.down,
            paused: n.fx.paused_since.is_some(),
            slow: n.fx.slow,
        });
    }
}

/// created = completed + failed + in flight, every tick (debug builds).
#[cfg(any(debug_assertions, test))]
fn check_conservation(sim: Res<Sim>) {
    if let Err(e) = sim.check_conservation() {
        panic!("conservation invariant broken at t={} ns: {e}", sim.now());
    }
}
