//! Packets in flight, drawn as one mesh rebuilt each frame: a small quad per
//! message with a per-vertex colour, so ten thousand packets cost one draw
//! call. Positions are interpolated between fixed ticks for smooth motion.

use bevy::asset::RenderAssetUsages;
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;

use super::canvas::edge_ends;
use super::theme;
use crate::sim::time::Nanos;
use crate::sim::{LinkParams, NodeParams, Sim, SimLink, SimNode, SimSpeed};

/// The single entity that carries every packet.
#[derive(Component)]
struct PacketCloud;

/// How many packets were drawn last frame (shown in the status strip).
#[derive(Resource, Default)]
pub struct PacketCount(pub usize);

/// The time the last frame spent building the packets' mesh on the CPU (the
/// test mode's frame report averages it).
#[derive(Resource, Default)]
pub struct PacketBuildTime(pub std::time::Duration);

/// Six triangles fanning out from the centre vertex (0) of a hexagon.
const HEX_INDICES: [u32; 18] = [0, 1, 2, 0, 2, 3, 0, 3, 4, 0, 4, 5, 0, 5, 6, 0, 6, 1];

/// Up to this many packets each is a hexagon; beyond, a cheaper diamond.
const ROUND_UP_TO: usize = 4_000;

/// Beyond this many, packets are thinned evenly (the numbers stay exact).
pub const MAX_DRAWN: usize = 200_000;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<PacketCount>()
        .init_resource::<PacketBuildTime>()
        .add_systems(Startup, spawn_cloud)
        .add_systems(PostUpdate, rebuild_cloud.before(TransformSystems::Propagate));
}

fn empty_mesh() -> Mesh {
    let mut m = Mesh::new(PrimitiveTopology::TriangleList, RenderAssetUsages::default());
    m.insert_attribute(Mesh::ATTRIBUTE_POSITION, vec![[0.0f32; 3]; 3]);
    m.insert_attribute(Mesh::ATTRIBUTE_COLOR, vec![[0.0f32; 4]; 3]);
    m.insert_indices(Indices::U32(vec![0, 1, 2]));
    m
}

fn spawn_cloud(mut commands: Commands, mut meshes: ResMut<Assets<Mesh>>, mut materials: ResMut<Assets<ColorMaterial>>) {
    commands.spawn((
        Name::new("Packets"),
        PacketCloud,
        Mesh2d(meshes.add(empty_mesh())),
        MeshMaterial2d(materials.add(ColorMaterial::from_color(Color::WHITE))),
        Transform::from_xyz(0.0, 0.0, 1.0),
        // The mesh changes every frame; its bounds are never worth testing.
        bevy::camera::visibility::NoFrustumCulling,
    ));
}

#[allow(clippy::too_many_arguments)]
fn rebuild_cloud(
    sim: Option<Res<Sim>>,
    speed: Res<SimSpeed>,
    fixed: Res<Time<Fixed>>,
    cloud: Query<&Mesh2d, With<PacketCloud>>,
    mut meshes: ResMut<Assets<Mesh>>,
    links: Query<(&SimLink, &LinkParams)>,
    nodes: Query<(&Name, &NodeParams), With<SimNode>>,
    cams: Query<&Projection>,
    mut count: ResMut<PacketCount>,
    mut took: ResMut<PacketBuildTime>,
) {
    let started = bevy::platform::time::Instant::now();
    let Some(sim) = sim else { return };
    let Ok(handle) = cloud.single() else { return };
    let Some(mut mesh) = meshes.get_mut(&handle.0) else { return };

    // Link index → its drawn endpoints.
    let pos_of = |id: &str| nodes.iter().find(|(n, _)| n.as_str() == id).map(|(_, p)| Vec2::new(p.0.pos.0, p.0.pos.1));
    // Per link: both ends and the sideways offset of the answer lane.
    let mut ends: Vec<Option<(Vec2, Vec2, Vec2)>> = vec![None; sim.links().len()];
    for (l, lp) in &links {
        if let (Some(a), Some(b)) = (pos_of(&lp.0.from), pos_of(&lp.0.to)) {
            if let Some(slot) = ends.get_mut(l.0 as usize) {
                *slot = edge_ends(a, b).map(|(s, t)| (s, t, (t - s).normalize_or_zero().perp() * 4.0));
            }
        }
    }

    // Sim time to show: the last tick plus how far real time has run since.
    let ahead = if speed.paused { 0 } else { (fixed.overstep().as_secs_f64() * 1e9 * speed.factor) as Nanos };
    let t = sim.now() + ahead.min((speed.tick as f64 * speed.factor) as Nanos);
    let scale = cams.iter().find_map(|p| match p {
        Projection::Orthographic(o) => Some(o.scale),
        _ => None,
    });
    let half = 3.5 * scale.unwrap_or(1.0).max(1.0).sqrt();
    let hexagon: [(f32, f32); 6] = std::array::from_fn(|k| {
        let (s, c) = (k as f32 * std::f32::consts::FRAC_PI_3).sin_cos();
        (half * c, half * s)
    });

    let total = sim.transits().count();
    let stride = total.div_ceil(MAX_DRAWN).max(1);
    let round = total <= ROUND_UP_TO;
    let mut pos: Vec<[f32; 3]> = Vec::with_capacity(7 * total.min(MAX_DRAWN));
    let mut col: Vec<[f32; 4]> = Vec::with_capacity(7 * total.min(MAX_DRAWN));
    let mut idx: Vec<u32> = Vec::with_capacity(18 * total.min(MAX_DRAWN));
    for tr in sim.transits().step_by(stride) {
        let Some(Some((a, b, side))) = ends.get(tr.link as usize) else { continue };
        let span = tr.arrive.saturating_sub(tr.depart).max(1) as f64;
        let f = ((t.saturating_sub(tr.depart)) as f64 / span).clamp(0.0, 1.0) as f32;
        // Two lanes: requests on one side of the line, answers on the other.
        let c = if tr.back { b.lerp(*a, f) - *side } else { a.lerp(*b, f) + *side };
        let colour = if tr.error {
            theme::ERROR
        } else if tr.response {
            theme::RESPONSE
        } else {
            theme::REQUEST
        };
        let base = pos.len() as u32;
        if round {
            // A small hexagon: round enough to read as a dot.
            pos.push([c.x, c.y, 0.0]);
            for (dx, dy) in hexagon {
                pos.push([c.x + dx, c.y + dy, 0.0]);
            }
            col.extend([colour; 7]);
            idx.extend_from_slice(&HEX_INDICES.map(|i| base + i));
        } else {
            // Crowds: a two-triangle diamond, a third of the triangles.
            pos.extend([
                [c.x - half, c.y, 0.0],
                [c.x, c.y - half, 0.0],
                [c.x + half, c.y, 0.0],
                [c.x, c.y + half, 0.0],
            ]);
            col.extend([colour; 4]);
            idx.extend([base, base + 1, base + 2, base, base + 2, base + 3]);
        }
    }
    if pos.is_empty() {
        // Never hand the renderer an empty mesh: one invisible triangle.
        pos.extend([[0.0, 0.0, 0.0]; 3]);
        col.extend([[0.0; 4]; 3]);
        idx.extend([0, 1, 2]);
    }
    count.0 = total;
    mesh.insert_attribute(Mesh::ATTRIBUTE_POSITION, pos);
    mesh.insert_attribute(Mesh::ATTRIBUTE_COLOR, col);
    mesh.insert_indices(Indices::U32(idx));
    took.0 = started.elapsed();
}
