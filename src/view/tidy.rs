//! Tidy up: the diagram laid out left to right by call depth
//! (`scenario::layout`), the nodes gliding there over half a second, kept
//! as one undoable edit.

use bevy::prelude::*;

use crate::edit::{Edit, EditBatch};
use crate::sim::{NodeParams, SimNode};

/// Ask for the layout to be tidied.
#[derive(Message, Clone, Copy, Debug, Default)]
pub struct TidyUp;

/// Nodes on their way: each with where it started and where it goes.
#[derive(Resource)]
struct Gliding {
    started: f64,
    moves: Vec<(Entity, Vec2, Vec2)>,
}

const GLIDE_S: f64 = 0.5;

pub(super) fn plugin(app: &mut App) {
    app.add_message::<TidyUp>().add_systems(Update, (start, glide.run_if(resource_exists::<Gliding>)).chain());
}

fn start(mut asked: MessageReader<TidyUp>, mut commands: Commands, gliding: Option<Res<Gliding>>) {
    if asked.read().count() == 0 || gliding.is_some() {
        return;
    }
    commands.queue(|w: &mut World| {
        let Some(s) = crate::scenario::export(w) else { return };
        let to = crate::scenario::layout::tidy(&s);
        let mut q = w.query_filtered::<(Entity, &NodeParams), With<SimNode>>();
        let moves: Vec<(Entity, Vec2, Vec2)> = q
            .iter(w)
            .filter_map(|(e, p)| {
                let i = s.nodes.iter().position(|n| n.id == p.0.id)?;
                let (from, to) = (Vec2::from(p.0.pos), Vec2::from(to[i]));
                (from.distance(to) > 0.5).then_some((e, from, to))
            })
            .collect();
        if moves.is_empty() {
            super::files::status(w, "the layout is already tidy".into(), false);
            return;
        }
        let started = w.resource::<Time<Real>>().elapsed_secs_f64();
        w.insert_resource(Gliding { started, moves });
    });
}

fn glide(
    mut commands: Commands,
    gliding: Res<Gliding>,
    time: Res<Time<Real>>,
    mut nodes: Query<&mut NodeParams>,
    mut edits: MessageWriter<EditBatch>,
    mut fit: MessageWriter<super::state::FitView>,
) {
    let t = ((time.elapsed_secs_f64() - gliding.started) / GLIDE_S).clamp(0.0, 1.0) as f32;
    let eased = t * t * (3.0 - 2.0 * t);
    for &(e, from, to) in &gliding.moves {
        if let Ok(mut p) = nodes.get_mut(e) {
            let at = from.lerp(to, eased);
            p.0.pos = (at.x, at.y);
        }
    }
    if t >= 1.0 {
        // Where they ended, as one step to undo.
        let done: Vec<Edit> = gliding
            .moves
            .iter()
            .filter_map(|&(e, _, _)| nodes.get(e).ok().map(|p| Edit::SetNode(p.0.clone())))
            .collect();
        edits.write(EditBatch::user(done));
        fit.write(super::state::FitView);
        commands.remove_resource::<Gliding>();
    }
}
