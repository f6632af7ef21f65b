//! Editing the running system: every change a person makes becomes an
//! [`EditBatch`] message, applied inside the fixed step (so a replay can
//! record it), checked like a scenario file first, and undoable.

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use crate::chaos::ChaosRefused;
use crate::scenario::{self, LoadedScenario, Scenario};
use crate::sim::model::{LinkSpec, NodeSpec};
use crate::sim::{
    Committed, CommittedLink, Engine, LinkParams, NodeParams, Sim, SimLink, SimNode, SimSystems, spawn_link_entity,
    spawn_node_entity,
};

/// One change, naming nodes by id so it can be stored and replayed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Edit {
    AddNode(NodeSpec),
    RemoveNode(String),
    AddLink(LinkSpec),
    RemoveLink {
        from: String,
        to: String,
    },
    /// Replace the node with this spec's id (parameters or position).
    SetNode(NodeSpec),
    /// Replace the link with this spec's ends.
    SetLink(LinkSpec),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditOrigin {
    User,
    Undo,
    Redo,
    /// A recorded edit played back (not a new change: no undo step, not
    /// recorded again).
    Replay,
}

/// Edits that belong together (one undo step).
#[derive(Message, Clone, Debug)]
pub struct EditBatch {
    pub edits: Vec<Edit>,
    pub origin: EditOrigin,
}

impl EditBatch {
    pub fn user(edits: Vec<Edit>) -> Self {
        Self { edits, origin: EditOrigin::User }
    }
}

/// Edits that reached the engine, in the order they did (recordings read
/// these).
#[derive(Message, Clone, Debug)]
pub struct EditsApplied(pub Vec<Edit>);

/// Ask for an undo or a redo (applied with the next batch of edits).
#[derive(Message, Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryRequest {
    Undo,
    Redo,
}

/// Undo and redo stacks of inverse edit batches.
#[derive(Resource, Default)]
pub struct EditHistory {
    pub undo: Vec<Vec<Edit>>,
    pub redo: Vec<Vec<Edit>>,
    /// The target of the last single-parameter edit and when (real seconds),
    /// so a slider drag becomes one undo step rather than sixty.
    last: Option<(String, f64)>,
}

/// Counts applied edit batches, so a document can tell whether it changed
/// since it was last saved.
#[derive(Resource, Default, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Revision(pub u64);

/// The outcome of the last edit, for the UI to show.
#[derive(Resource, Default, Clone, Debug)]
pub struct EditFeedback {
    /// A refused edit's reason.
    pub error: Option<String>,
    /// Bumped on every refusal so the UI can notice a new one.
    pub serial: u64,
}

const MERGE_WINDOW_S: f64 = 1.0;

pub(super) fn plugin(app: &mut App) {
    app.add_message::<EditBatch>()
        .add_message::<HistoryRequest>()
        .add_message::<EditsApplied>()
        .init_resource::<EditHistory>()
        .init_resource::<EditFeedback>()
        .init_resource::<Revision>()
        .add_systems(
            FixedUpdate,
            (
                // A newly opened scenario starts with nothing to undo.
                forget_history.run_if(resource_changed::<LoadedScenario>),
                apply_edits,
            )
                .chain()
                .in_set(SimSystems::ApplyEdits)
                // A fixed order within a tick, so a recording replays it.
                .after(crate::chaos::ApplyChaos)
                .before(crate::sim::ApplyParams)
                .run_if(resource_exists::<Sim>),
        )
        .add_systems(FixedUpdate, report_refused_faults.in_set(SimSystems::Publish));
}

fn forget_history(mut history: ResMut<EditHistory>) {
    *history = EditHistory::default();
}

/// A fault the chaos layer could not apply is shown like a refused edit.
fn report_refused_faults(mut refused: MessageReader<ChaosRefused>, mut feedback: ResMut<EditFeedback>) {
    for r in refused.read() {
        feedback.error = Some(r.0.clone());
        feedback.serial += 1;
    }
}

fn link_key(l: &LinkSpec) -> String {
    format!("{}->{}", l.from, l.to)
}

fn merge_key(batch: &[Edit]) -> Option<String> {
    match batch {
        [Edit::SetNode(n)] => Some(format!("node:{}", n.id)),
        [Edit::SetLink(l)] => Some(format!("link:{}", link_key(l))),
        _ => None,
    }
}

/// Apply the batch to a scenario copy (for checking before the real thing).
pub fn apply_to_scenario(s: &mut Scenario, batch: &[Edit]) {
    for e in batch {
        match e {
            Edit::AddNode(n) => s.nodes.push(n.clone()),
            Edit::RemoveNode(id) => {
                s.nodes.retain(|n| &n.id != id);
                s.links.retain(|l| &l.from != id && &l.to != id);
            }
            Edit::AddLink(l) => s.links.push(l.clone()),
            Edit::RemoveLink { from, to } => s.links.retain(|l| !(&l.from == from && &l.to == to)),
            Edit::SetNode(n) => {
                if let Some(x) = s.nodes.iter_mut().find(|x| x.id == n.id) {
                    *x = n.clone();
                }
            }
            Edit::SetLink(l) => {
                if let Some(x) = s.links.iter_mut().find(|x| x.from == l.from && x.to == l.to) {
                    *x = l.clone();
                }
            }
        }
    }
}

fn find_node(world: &mut World, id: &str) -> Option<(Entity, u32)> {
    let mut q = world.query::<(Entity, &Name, &SimNode)>();
    q.iter(world).find(|(_, n, _)| n.as_str() == id).map(|(e, _, s)| (e, s.0))
}

fn find_link(world: &mut World, from: &str, to: &str) -> Option<(Entity, u32, LinkSpec)> {
    let mut q = world.query::<(Entity, &SimLink, &LinkParams)>();
    q.iter(world).find(|(_, _, p)| p.0.from == from && p.0.to == to).map(|(e, l, p)| (e, l.0, p.0.clone()))
}

/// Carry out one edit on the engine alone, naming nodes by id (what the
/// app does underneath, and what a replay does); returns the index of the
/// node or link it made or changed, or nothing when its target is gone.
pub fn apply_to_engine(engine: &mut Engine, e: &Edit) -> Option<u32> {
    match e {
        Edit::AddNode(spec) => Some(engine.add_node(spec.clone())),
        Edit::RemoveNode(id) => {
            let n = engine.find_node(id)?;
            engine.remove_node(n);
            Some(n)
        }
        Edit::AddLink(spec) => {
            let (from, to) = (engine.find_node(&spec.from)?, engine.find_node(&spec.to)?);
            Some(engine.add_link(spec.clone(), from, to))
        }
        Edit::RemoveLink { from, to } => {
            let l = engine.find_link(from, to)?;
            engine.remove_link(l);
            Some(l)
        }
        Edit::SetNode(spec) => {
            let n = engine.find_node(&spec.id)?;
            engine.set_node_spec(n as usize, spec.clone());
            Some(n)
        }
        Edit::SetLink(spec) => {
            let l = engine.find_link(&spec.from, &spec.to)?;
            engine.set_link_spec(l as usize, spec.clone());
            Some(l)
        }
    }
}

/// Apply one checked edit to the engine and the entities; returns its
/// inverse (to undo it).
fn apply_one(world: &mut World, e: &Edit) -> Vec<Edit> {
    // What undo needs is read before the edit changes it.
    let inverse = match e {
        Edit::AddNode(spec) => vec![Edit::RemoveNode(spec.id.clone())],
        Edit::RemoveNode(id) => {
            let Some((entity, _)) = find_node(world, id) else { return vec![] };
            let spec = world.get::<Committed>(entity).map(|c| c.0.clone());
            // Its links go with it; undo brings them back.
            let mut q = world.query::<&LinkParams>();
            let links = q.iter(world).filter(|p| &p.0.from == id || &p.0.to == id).map(|p| Edit::AddLink(p.0.clone()));
            spec.into_iter().map(Edit::AddNode).chain(links).collect()
        }
        Edit::AddLink(spec) => vec![Edit::RemoveLink { from: spec.from.clone(), to: spec.to.clone() }],
        Edit::RemoveLink { from, to } => {
            find_link(world, from, to).map(|(_, _, l)| Edit::AddLink(l)).into_iter().collect()
        }
        Edit::SetNode(spec) => find_node(world, &spec.id)
            .and_then(|(entity, _)| world.get::<Committed>(entity))
            .map(|c| Edit::SetNode(c.0.clone()))
            .into_iter()
            .collect(),
        Edit::SetLink(spec) => find_link(world, &spec.from, &spec.to)
            .and_then(|(entity, _, _)| world.get::<CommittedLink>(entity))
            .map(|c| Edit::SetLink(c.0.clone()))
            .into_iter()
            .collect(),
    };
    let Some(index) = apply_to_engine(&mut world.resource_mut::<Sim>(), e) else { return vec![] };
    match e {
        Edit::AddNode(spec) => {
            spawn_node_entity(world, index, spec.clone());
        }
        Edit::RemoveNode(id) => {
            let mut q = world.query::<(Entity, &LinkParams)>();
            let links: Vec<Entity> =
                q.iter(world).filter(|(_, p)| &p.0.from == id || &p.0.to == id).map(|(e, _)| e).collect();
            let mut q = world.query::<(Entity, &SimNode)>();
            let nodes: Vec<Entity> = q.iter(world).filter(|(_, n)| n.0 == index).map(|(e, _)| e).collect();
            for e in links.into_iter().chain(nodes) {
                world.despawn(e);
            }
        }
        Edit::AddLink(spec) => {
            spawn_link_entity(world, index, spec.clone());
        }
        Edit::RemoveLink { .. } => {
            let mut q = world.query::<(Entity, &SimLink)>();
            let links: Vec<Entity> = q.iter(world).filter(|(_, l)| l.0 == index).map(|(e, _)| e).collect();
            for e in links {
                world.despawn(e);
            }
        }
        Edit::SetNode(spec) => {
            let mut q = world.query::<(Entity, &SimNode)>();
            if let Some(entity) = q.iter(world).find(|(_, n)| n.0 == index).map(|(e, _)| e) {
                if let Some(mut p) = world.get_mut::<NodeParams>(entity) {
                    p.set_if_neq(NodeParams(spec.clone()));
                }
                world.entity_mut(entity).insert(Committed(spec.clone()));
            }
        }
        Edit::SetLink(spec) => {
            let mut q = world.query::<(Entity, &SimLink)>();
            if let Some(entity) = q.iter(world).find(|(_, l)| l.0 == index).map(|(e, _)| e) {
                if let Some(mut p) = world.get_mut::<LinkParams>(entity) {
                    p.set_if_neq(LinkParams(spec.clone()));
                }
                world.entity_mut(entity).insert(CommittedLink(spec.clone()));
            }
        }
    }
    inverse
}

/// Check a batch against the rules scenario files obey, then apply it.
pub fn apply_batch(world: &mut World, batch: &EditBatch) -> Result<(), String> {
    let Some(mut candidate) = scenario::export(world) else { return Err("nothing is loaded".into()) };
    // Positions and parameters mid-drag are not committed yet; check against
    // what is committed plus this batch.
    apply_to_scenario(&mut candidate, &batch.edits);
    candidate.check().map_err(|e| e.message)?;
    // Undo runs the edits' inverses last-first; each inverse keeps its own
    // order (a node before the links that need it).
    let mut parts: Vec<Vec<Edit>> = batch.edits.iter().map(|e| apply_one(world, e)).collect();
    if batch.origin != EditOrigin::Replay {
        world.write_message(EditsApplied(batch.edits.clone()));
    }
    parts.reverse();
    let inverse: Vec<Edit> = parts.into_iter().flatten().collect();
    world.resource_mut::<Revision>().0 += 1;
    let now = world.get_resource::<Time<Real>>().map_or(0.0, |t| t.elapsed_secs_f64());
    let mut h = world.resource_mut::<EditHistory>();
    match batch.origin {
        EditOrigin::User => {
            let key = merge_key(&batch.edits);
            let merge = matches!((&key, &h.last), (Some(k), Some((lk, t))) if k == lk && now - t < MERGE_WINDOW_S);
            if !merge && !inverse.is_empty() {
                h.undo.push(inverse);
            }
            h.redo.clear();
            h.last = key.map(|k| (k, now));
        }
        EditOrigin::Undo => {
            h.redo.push(inverse);
            h.last = None;
        }
        EditOrigin::Redo => {
            h.undo.push(inverse);
            h.last = None;
        }
        EditOrigin::Replay => {}
    }
    Ok(())
}

/// Apply the tick's edit batches, undos and redos.
pub fn apply_edits(world: &mut World) {
    let requests: Vec<HistoryRequest> = world.resource_mut::<Messages<HistoryRequest>>().drain().collect();
    let mut batches: Vec<EditBatch> = world.resource_mut::<Messages<EditBatch>>().drain().collect();
    for r in requests {
        let mut h = world.resource_mut::<EditHistory>();
        let (stack, origin) = match r {
            HistoryRequest::Undo => (h.undo.pop(), EditOrigin::Undo),
            HistoryRequest::Redo => (h.redo.pop(), EditOrigin::Redo),
        };
        if let Some(edits) = stack {
            batches.push(EditBatch { edits, origin });
        }
    }
    for b in batches {
        if let Err(why) = apply_batch(world, &b) {
            warn!("edit refused: {why}");
            let mut f = world.resource_mut::<EditFeedback>();
            f.error = Some(why);
            f.serial += 1;
        }
    }
}
