//! The live recording: every run the app shows is recorded from the moment
//! it opens, with copies of the engine taken every few sim seconds, so any
//! past moment can be shown again at once: seeking restores the nearest
//! earlier copy and simulates forward, exact because the run is
//! deterministic. Playing on from the past plays back what was recorded; a
//! change made there starts a new branch, and the old one is kept to
//! compare against.

use bevy::prelude::*;

use super::{Input, Player, Replay, Step};
use crate::chaos::{ApplyChaos, ChaosApplied};
use crate::edit::{Edit, EditBatch, EditOrigin, EditsApplied};
use crate::scenario::LoadedScenario;
use crate::sim::time::{NANOS_PER_SEC, Nanos, SimSpeed};
use crate::sim::{ApplyParams, Engine, LinkParams, NodeParams, Sim, SimLink, SimNode, SimSystems};

/// Snapshots kept at most; past this, every other one goes and the
/// intervals double (memory stays bounded, seeks get a little slower).
pub const MAX_SNAPSHOTS: usize = 60;
/// The most memory the copies may take together (roughly): beyond it every
/// other copy is dropped, as beyond [`MAX_SNAPSHOTS`].
pub const MAX_SNAPSHOT_BYTES: usize = 512 << 20;
/// A snapshot is taken after this much sim time…
pub const FIRST_INTERVAL: Nanos = 10 * NANOS_PER_SEC;
/// …or after this many events, whichever comes first (so a busy system,
/// where ten sim seconds are millions of events, still seeks quickly).
pub const FIRST_EVENTS: u64 = 2_000_000;
/// Earlier branches kept at most.
pub const MAX_BRANCHES: usize = 8;

/// Copies of the engine along the recording (each with the index of the
/// next step it has not applied), and when the next one is due.
struct Snapshots {
    list: Vec<Player>,
    every: Nanos,
    every_events: u64,
}

impl Default for Snapshots {
    fn default() -> Self {
        Snapshots { list: Vec::new(), every: FIRST_INTERVAL, every_events: FIRST_EVENTS }
    }
}

impl Snapshots {
    /// Is a copy due: enough sim time or enough events since the last?
    fn due(&self, engine: &Engine) -> bool {
        let (at, events) = self.list.last().map_or((0, 0), |s| (s.engine.now(), s.engine.events_processed()));
        engine.now() > at
            && (engine.now() >= at + self.every || engine.events_processed() >= events + self.every_events)
    }

    /// Keep a copy of this engine if one is due.
    fn keep(&mut self, engine: &Engine, next: usize) {
        if !self.due(engine) {
            return;
        }
        // A system holding millions of requests is not copied (seeking back
        // then replays from an earlier copy); copies kept stay within the
        // memory budget.
        let bytes = engine.approx_bytes();
        if bytes > MAX_SNAPSHOT_BYTES / 4 {
            return;
        }
        self.list.push(Player { engine: engine.clone(), next });
        let total = |l: &[Player]| l.iter().map(|p| p.engine.approx_bytes()).sum::<usize>();
        while self.list.len() > 1 && (self.list.len() > MAX_SNAPSHOTS || total(&self.list) > MAX_SNAPSHOT_BYTES) {
            let mut keep = 0;
            self.list.retain(|_| {
                keep += 1;
                keep % 2 == 0
            });
            self.every *= 2;
            self.every_events *= 2;
        }
    }

    /// The latest copy at or before `t`, or the replay's start.
    fn from(&self, replay: &Replay, t: Nanos) -> Player {
        self.list.iter().rev().find(|s| s.engine.now() <= t).cloned().unwrap_or_else(|| replay.start())
    }

    fn last_at(&self) -> Nanos {
        self.list.last().map_or(0, |s| s.engine.now())
    }
}

/// An earlier branch: its inputs and where it had got to.
pub struct Branch {
    pub name: String,
    pub replay: Replay,
    /// When it and the branch after it parted.
    pub parted_at: Nanos,
    /// The engine at the branch's end (what comparisons read).
    pub end: Engine,
}

/// The recording of the run on screen.
#[derive(Resource, Default)]
pub struct Recorder {
    /// Absent until a system is loaded.
    pub replay: Option<Replay>,
    snapshots: Snapshots,
    /// While the run shown is behind the recording's end: the next
    /// recorded step to play back.
    pub playback: Option<usize>,
    /// Earlier branches of this run, oldest first.
    pub branches: Vec<Branch>,
    /// The current branch's name.
    pub name: String,
    /// Counts branches made, to name them.
    forks: u32,
}

impl Recorder {
    /// Start recording a run that begins with this engine (at time zero).
    pub fn begin(&mut self, replay: Replay) {
        *self = Recorder { replay: Some(replay), name: "A".into(), ..default() };
    }

    /// The design as it is at the recording's end: the system opened with
    /// every recorded edit applied.
    pub fn latest_design(&self) -> Option<crate::scenario::Scenario> {
        let r = self.replay.as_ref()?;
        let mut s = r.scenario.clone();
        for step in &r.steps {
            if let Input::Edits(edits) = &step.input {
                crate::edit::apply_to_scenario(&mut s, edits);
            }
        }
        Some(s)
    }

    /// How far the recording reaches (sim time).
    pub fn end(&self) -> Nanos {
        self.replay.as_ref().map_or(0, |r| r.end_ns)
    }

    /// Roughly what the copies kept take in memory.
    pub fn snapshot_bytes(&self) -> usize {
        self.snapshots.list.iter().map(|p| p.engine.approx_bytes()).sum()
    }

    /// Snapshots held and the interval between them.
    pub fn snapshot_count(&self) -> usize {
        self.snapshots.list.len()
    }

    pub fn interval(&self) -> Nanos {
        self.snapshots.every
    }

    /// The run as it was at `t` (clamped to the recording): from the
    /// nearest earlier snapshot, simulated forward, the recorded steps
    /// applied at their times.
    pub fn seek(&self, t: Nanos) -> Result<Player, String> {
        let replay = self.replay.as_ref().ok_or("nothing is recorded")?;
        let t = t.min(replay.end_ns);
        let mut p = self.snapshots.from(replay, t);
        replay.advance(&mut p, t)?;
        Ok(p)
    }

    /// [`Recorder::seek`], keeping snapshots on the way where the recording
    /// has none yet (an opened replay file is snapshotted as it is explored).
    pub fn seek_keeping(&mut self, t: Nanos) -> Result<Player, String> {
        let replay = self.replay.as_ref().ok_or("nothing is recorded")?;
        let t = t.min(replay.end_ns);
        let last = self.snapshots.last_at();
        let mut p = self.snapshots.from(replay, t);
        // Past the last copy: in slices of a second, so the event rule is
        // honoured too.
        let mut at = last;
        while t > last && at + NANOS_PER_SEC <= t {
            at += NANOS_PER_SEC;
            replay.advance(&mut p, at)?;
            self.snapshots.keep(&p.engine, p.next);
        }
        replay.advance(&mut p, t)?;
        Ok(p)
    }

    /// Keep an earlier branch (the oldest goes past [`MAX_BRANCHES`]).
    fn keep_branch(&mut self, b: Branch) {
        self.branches.push(b);
        if self.branches.len() > MAX_BRANCHES {
            self.branches.remove(0);
        }
    }

    /// A change was made while the past was shown: the recorded future
    /// becomes an earlier branch and this one carries on from now.
    fn fork(&mut self, now: Nanos) {
        let (Some(next), Some(replay)) = (self.playback.take(), self.replay.as_ref()) else { return };
        let old = replay.clone();
        // The old branch's end, from its own snapshots, before they go.
        let end = self.seek(old.end_ns).ok().map(|p| p.engine);
        let Some(replay) = self.replay.as_mut() else { return };
        replay.steps.truncate(next);
        replay.end_ns = now;
        self.snapshots.list.retain(|s| s.engine.now() <= now && s.next <= next);
        self.forks += 1;
        let name = std::mem::replace(&mut self.name, branch_name(self.forks));
        if let Some(end) = end {
            self.keep_branch(Branch { name, replay: old, parted_at: now, end });
        }
    }

    /// Keep a saved run beside this one to compare with: played to its
    /// end. The two part where their inputs first differ (at the start when
    /// the system or the seed differ).
    pub fn add_saved(&mut self, name: String, other: Replay) -> Result<(), String> {
        let end = other.play()?;
        let parted_at = match &self.replay {
            Some(r) if r.scenario == other.scenario && r.seed == other.seed => {
                let same = r.steps.iter().zip(&other.steps).take_while(|(a, b)| a == b).count();
                let first = |s: &[Step]| s.get(same).map(|s| s.at_ns);
                first(&r.steps).into_iter().chain(first(&other.steps)).min().unwrap_or(r.end_ns.min(other.end_ns))
            }
            _ => 0,
        };
        self.keep_branch(Branch { name, replay: other, parted_at, end });
        Ok(())
    }

    fn push(&mut self, at: Nanos, input: Input) {
        if let Some(r) = self.replay.as_mut() {
            if r.steps.len() < super::MAX_STEPS {
                r.steps.push(Step { at_ns: at, input });
            }
        }
    }
}

/// "B", "C", …, "Z", "AA", …
fn branch_name(n: u32) -> String {
    let mut n = n as usize;
    let mut s = String::new();
    loop {
        s.insert(0, (b'A' + (n % 26) as u8) as char);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    s
}

/// A replay to open: the next run loaded plays it back from the start
/// instead of starting a new recording.
#[derive(Resource)]
pub struct PendingReplay(pub Replay);

/// Ask to show another moment of the run, or to go back to its end.
#[derive(Message, Clone, Copy, Debug, PartialEq)]
pub enum Scrub {
    To(Nanos),
    /// The end of the recording, then live again.
    Latest,
}

pub fn plugin(app: &mut App) {
    app.init_resource::<Recorder>().add_message::<Scrub>().add_systems(
        FixedUpdate,
        (
            (begin.run_if(resource_changed::<LoadedScenario>), scrub, play_back)
                .chain()
                .in_set(SimSystems::ApplyEdits)
                .before(ApplyChaos),
            record.in_set(SimSystems::ApplyEdits).after(crate::edit::apply_edits).before(ApplyParams),
            keep_up.after(SimSystems::Advance),
        )
            .run_if(resource_exists::<Sim>),
    );
}

fn begin(world: &mut World) {
    let Some(scenario) = world.get_resource::<LoadedScenario>().map(|s| s.0.clone()) else { return };
    let seed = world.resource::<Sim>().seed();
    let opened =
        world.remove_resource::<PendingReplay>().map(|p| p.0).filter(|r| r.seed == seed && r.scenario == scenario);
    let mut rec = world.resource_mut::<Recorder>();
    match opened {
        Some(replay) => {
            let from_start = !replay.steps.is_empty() || replay.end_ns > 0;
            rec.begin(replay);
            rec.playback = from_start.then_some(0);
        }
        None => rec.begin(Replay::new(scenario, seed)),
    }
    world.resource_mut::<SimSpeed>().stop_at = None;
}

/// Show another moment: the engine from the recording, the entities rebuilt
/// to match, and playback from there.
fn scrub(world: &mut World) {
    let asks: Vec<Scrub> = world.resource_mut::<Messages<Scrub>>().drain().collect();
    let Some(ask) = asks.last().copied() else { return };
    if world.resource::<Recorder>().replay.is_none() {
        return;
    }
    let mut rec = world.resource_mut::<Recorder>();
    let end = rec.end();
    let t = match ask {
        Scrub::To(t) => t.min(end),
        Scrub::Latest => end,
    };
    let player = match rec.seek_keeping(t) {
        Ok(p) => p,
        Err(e) => {
            warn!("seek refused: {e}");
            return;
        }
    };
    let steps = rec.replay.as_ref().map_or(0, |r| r.steps.len());
    let behind = player.next < steps || t < end;
    let next = player.next;
    let before = crate::scenario::export(world);
    crate::scenario::show_engine(world, player.engine);
    // Undo steps belong to the moment they were made; the document changed
    // only if the design did.
    world.insert_resource(crate::edit::EditHistory::default());
    if crate::scenario::export(world) != before {
        world.resource_mut::<crate::edit::Revision>().0 += 1;
    }
    world.resource_mut::<Recorder>().playback = behind.then_some(next);
}

/// While behind the recording's end: apply the steps due now, and stop the
/// clock at the next one.
fn play_back(world: &mut World) {
    let Some(next) = world.resource::<Recorder>().playback else { return };
    let now = world.resource::<Sim>().now();
    let (due, next, stop, done) = {
        let Some(replay) = world.resource::<Recorder>().replay.as_ref() else { return };
        let mut n = next;
        let mut due = Vec::new();
        while let Some(s) = replay.steps.get(n).filter(|s| s.at_ns <= now) {
            due.push(s.input.clone());
            n += 1;
        }
        let stop = replay.steps.get(n).map_or(replay.end_ns, |s| s.at_ns);
        (due, n, stop, n >= replay.steps.len() && now >= replay.end_ns)
    };
    for input in due {
        match input {
            Input::Chaos(c) => {
                if let Err(e) = c.apply(&mut world.resource_mut::<Sim>()) {
                    warn!("recorded fault not applied: {e}");
                }
            }
            Input::Edits(edits) => {
                let batch = EditBatch { edits, origin: EditOrigin::Replay };
                if let Err(e) = crate::edit::apply_batch(world, &batch) {
                    warn!("recorded edit not applied: {e}");
                }
            }
        }
    }
    world.resource_mut::<SimSpeed>().stop_at = (!done).then_some(stop);
    world.resource_mut::<Recorder>().playback = (!done).then_some(next);
}

/// Record what reached the engine this tick: faults, edits, then parameters
/// that moved (a slider being dragged), in the order they took effect.
fn record(
    mut rec: ResMut<Recorder>,
    sim: Res<Sim>,
    mut chaos: MessageReader<ChaosApplied>,
    mut edits: MessageReader<EditsApplied>,
    nodes: Query<(&SimNode, &NodeParams), Changed<NodeParams>>,
    links: Query<(&SimLink, &LinkParams), Changed<LinkParams>>,
    mut speed: ResMut<SimSpeed>,
) {
    let mut inputs: Vec<Input> = chaos.read().map(|c| Input::Chaos(c.0.clone())).collect();
    inputs.extend(edits.read().map(|e| Input::Edits(e.0.clone())));
    for (node, params) in &nodes {
        if sim.nodes().get(node.0 as usize).is_some_and(|n| n.spec != params.0) {
            inputs.push(Input::Edits(vec![Edit::SetNode(params.0.clone())]));
        }
    }
    for (link, params) in &links {
        if sim.links().get(link.0 as usize).is_some_and(|l| l.spec != params.0) {
            inputs.push(Input::Edits(vec![Edit::SetLink(params.0.clone())]));
        }
    }
    if inputs.is_empty() {
        return;
    }
    if rec.playback.is_some() {
        rec.fork(sim.now());
        speed.stop_at = None;
    }
    for i in inputs {
        rec.push(sim.now(), i);
    }
}

/// After the clock moved: the recording reaches the new time (when live),
/// and a snapshot is taken when one is due.
fn keep_up(mut rec: ResMut<Recorder>, sim: Res<Sim>, mut speed: ResMut<SimSpeed>) {
    let now = sim.now();
    if let (Some(next), Some(r)) = (rec.playback, rec.replay.as_ref()) {
        if next < r.steps.len() || now < r.end_ns {
            return;
        }
        // Played back to the end: live again.
        rec.playback = None;
        speed.stop_at = None;
    }
    let rec = &mut *rec;
    if let Some(r) = rec.replay.as_mut() {
        r.end_ns = r.end_ns.max(now);
        rec.snapshots.keep(&sim, r.steps.len());
    }
}
