//! The canvas: camera, node shapes with live state (utilisation ring, queue
//! bar, saturation glow), edges with arrows, selection and dragging.

use std::f32::consts::{FRAC_PI_2, TAU};

use bevy::prelude::*;
use bevy_egui::EguiContexts;
use bevy_pancam::{PanCam, PanCamSystems};
use bevy_prototype_lyon::prelude::*;

use super::pointer::Pointer;
use super::state::{CanvasRect, ContextMenu, PaletteDrag, Panels, Selection};
use super::{kinds, theme};
use crate::edit::{Edit, EditBatch};
use crate::sim::{LinkParams, LinkSpec, NodeKind, NodeLive, NodeParams, SimLink, SimNode};

/// Radius used for hit-testing and where edges meet a node.
pub const NODE_RADIUS: f32 = 46.0;
pub const RING_RADIUS: f32 = 56.0;

/// A node being dragged: which one and where it was grabbed.
#[derive(Resource, Default)]
struct Drag {
    node: Option<Entity>,
    grab_offset: Vec2,
    /// Shift was held: this drag draws a new link instead of moving.
    connecting: bool,
    moved: bool,
}

/// Cursor position in world coordinates this frame (None if off-window).
#[derive(Resource, Default, Clone, Copy)]
pub struct CursorWorld(pub Option<Vec2>);

#[derive(Component)]
struct NodeBody {
    state: Option<NodeState>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NodeState {
    Normal,
    Saturated,
    Paused,
    Down,
}

#[derive(Component)]
struct UtilRing {
    last: i32,
}

#[derive(Component)]
struct QueueFill {
    last: i32,
}

#[derive(Component)]
struct SelectionHalo;

/// The drawn line of a link.
#[derive(Component)]
struct EdgeShape;

/// A band of background colour under a link's line, just wider than it:
/// where two links cross, the one drawn later cuts a gap in the other, so
/// each can be followed through the crossing.
#[derive(Component)]
struct Casing(Entity);

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Drag>()
        .init_resource::<CursorWorld>()
        .insert_resource(ClearColor(theme::BACKGROUND))
        .add_systems(Startup, spawn_camera)
        .add_systems(
            Update,
            (
                track_cursor,
                pick_and_drag.before(PanCamSystems),
                touch_view,
                reveal_selected,
                (dress_new_nodes, dress_new_links),
                follow_positions,
                redraw_edges,
                show_live_state,
                show_selection,
                draw_grid,
            )
                .chain(),
        )
        .add_systems(Update, software_rendering_without_msaa);
}

/// How far the view zooms in and out (world units per pixel).
const MIN_SCALE: f32 = 0.2;
const MAX_SCALE: f32 = 12.0;

fn spawn_camera(mut commands: Commands) {
    commands.spawn((
        Name::new("Canvas camera"),
        Camera2d,
        Msaa::Sample4,
        PanCam {
            // Left-drag pans only on empty canvas (see `pick_and_drag`).
            grab_buttons: vec![MouseButton::Left, MouseButton::Right, MouseButton::Middle],
            move_keys: bevy_pancam::DirectionKeys::arrows(),
            min_scale: MIN_SCALE,
            max_scale: MAX_SCALE,
            ..default()
        },
    ));
}

/// 4× MSAA smooths every shape on a GPU for almost nothing, but on a
/// software rasteriser (llvmpipe, SwiftShader) it halves the frame rate:
/// there, turn it off.
fn software_rendering_without_msaa(
    info: Option<Res<bevy::render::renderer::RenderAdapterInfo>>,
    mut cams: Query<&mut Msaa, With<Camera2d>>,
    mut done: Local<bool>,
) {
    let Some(info) = info else { return };
    if *done {
        return;
    }
    *done = true;
    if format!("{:?}", info.device_type) == "Cpu" {
        info!("software renderer ({}): multisampling off", info.name);
        for mut m in &mut cams {
            *m = Msaa::Off;
        }
    }
}

fn track_cursor(pointer: Res<Pointer>, cams: Query<(&Camera, &GlobalTransform)>, mut cursor: ResMut<CursorWorld>) {
    cursor.0 = None;
    let Ok((cam, tf)) = cams.single() else { return };
    if let Some(p) = pointer.screen {
        cursor.0 = cam.viewport_to_world_2d(tf, p).ok();
    }
}

fn node_pos(p: &NodeParams) -> Vec2 {
    Vec2::new(p.0.pos.0, p.0.pos.1)
}

/// Shape of each node kind (centred on the origin), filled and outlined.
fn body(kind: &NodeKind, stroke: Color, width: f32) -> Shape {
    kinds::outline(kind).fill(theme::CARD).stroke((stroke, width)).build()
}

fn ring(util: f32, colour: Color) -> Shape {
    // Never a degenerate arc: an empty mesh upsets the renderer (callers hide
    // the ring instead when utilisation is ~0).
    let sweep = -(util.clamp(0.0, 1.0) * TAU).max(0.05);
    let start = Vec2::from_angle(FRAC_PI_2) * RING_RADIUS;
    let path = ShapePath::new().move_to(start).arc(Vec2::ZERO, Vec2::splat(RING_RADIUS), sweep, 0.0);
    ShapeBuilder::with(&path).stroke((colour, 5.0)).build()
}

fn bar(fill: f32, colour: Color) -> Shape {
    let w = 84.0 * fill.clamp(0.0, 1.0);
    ShapeBuilder::with(&shapes::Rectangle {
        extents: Vec2::new(w.max(0.5), 6.0),
        origin: shapes::RectangleOrigin::CustomCenter(Vec2::new(-42.0 + w / 2.0, 0.0)),
        radii: Some(shapes::BorderRadii::single(3.0)),
    })
    .fill(colour)
    .build()
}

/// Give a freshly spawned node entity its transform and visual parts.
fn dress_new_nodes(mut commands: Commands, q: Query<(Entity, &NodeParams), Added<SimNode>>) {
    for (e, p) in &q {
        let kind = &p.0.kind;
        let pos = node_pos(p);
        commands.entity(e).insert((Transform::from_xyz(pos.x, pos.y, 2.0), Visibility::default()));
        // Kinds without a worker limit (clients, load balancers…): no ring, no queue.
        let gauges = if kinds::has_gauges(kind) { Visibility::Inherited } else { Visibility::Hidden };
        commands.entity(e).with_children(|c| {
            c.spawn((
                Name::new("ring track"),
                ring(1.0, theme::RING_TRACK),
                Transform::from_xyz(0.0, 0.0, -0.2),
                gauges,
            ));
            c.spawn((
                Name::new("utilisation"),
                ring(0.0, theme::OK),
                UtilRing { last: -1 },
                Transform::from_xyz(0.0, 0.0, 0.1),
                Visibility::Hidden,
            ));
            c.spawn((
                Name::new("body"),
                body(kind, kinds::accent(kind), 2.5),
                NodeBody { state: None },
                Transform::default(),
            ));
            c.spawn((
                Name::new("queue track"),
                bar(1.0, theme::RING_TRACK),
                Transform::from_xyz(0.0, -RING_RADIUS - 14.0, 0.0),
                gauges,
            ));
            c.spawn((
                Name::new("queue fill"),
                bar(0.0, theme::WARN),
                QueueFill { last: -1 },
                Transform::from_xyz(0.0, -RING_RADIUS - 14.0, 0.1),
                gauges,
            ));
            c.spawn((
                Name::new("selection halo"),
                ShapeBuilder::with(&shapes::Circle { radius: RING_RADIUS + 9.0, center: Vec2::ZERO })
                    .stroke((theme::SELECTED, 2.0))
                    .build(),
                SelectionHalo,
                Visibility::Hidden,
                Transform::from_xyz(0.0, 0.0, -0.3),
            ));
        });
    }
}

fn dress_new_links(mut commands: Commands, q: Query<(Entity, &SimLink), Added<SimLink>>) {
    for (e, l) in &q {
        // The shape itself is added by `redraw_edges` once both ends are
        // known: an empty mesh upsets the renderer's allocator. Each link
        // has its own depth (below packets at 1 and nodes at 2), its casing
        // just under it.
        let z = 0.5 + (l.0 % 1000) as f32 * 0.0005;
        commands.entity(e).insert((EdgeShape, Transform::from_xyz(0.0, 0.0, z), Visibility::default()));
    }
}

fn follow_positions(mut q: Query<(&NodeParams, &mut Transform), Changed<NodeParams>>) {
    for (p, mut t) in &mut q {
        let pos = node_pos(p);
        if t.translation.truncate() != pos {
            t.translation.x = pos.x;
            t.translation.y = pos.y;
        }
    }
}

/// Where a link's line starts and ends (on the nodes' rims).
pub fn edge_ends(a: Vec2, b: Vec2) -> Option<(Vec2, Vec2)> {
    let d = b - a;
    let len = d.length();
    if len < 2.0 * NODE_RADIUS + 4.0 {
        return None;
    }
    let dir = d / len;
    Some((a + dir * NODE_RADIUS, b - dir * (NODE_RADIUS + 2.0)))
}

fn redraw_edges(
    mut commands: Commands,
    nodes: Query<(&Name, &NodeParams), With<SimNode>>,
    changed_nodes: Query<(), (With<SimNode>, Changed<NodeParams>)>,
    mut links: Query<(Entity, Ref<LinkParams>, Option<&mut Shape>, &mut Visibility, Option<&Casing>), With<EdgeShape>>,
    mut casings: Query<&mut Shape, Without<EdgeShape>>,
    selection: Res<Selection>,
    mut last_selection: Local<Selection>,
    sim: Option<Res<crate::sim::Sim>>,
    link_index: Query<&SimLink>,
    mut last_faults: Local<u64>,
) {
    let moved = !changed_nodes.is_empty();
    // Redraw all edges when link faults change (cheap: a few dozen shapes).
    let fault_key = sim.as_ref().map_or(0, |s| {
        s.links().iter().enumerate().fold(0u64, |h, (i, l)| {
            let on = l.fx.blackhole
                || l.fx.extra_loss > 0.0
                || l.fx.extra_latency > 0
                || l.fx.bandwidth_mbps.is_some()
                || l.breaker.state != crate::sim::engine::BreakerState::Closed;
            h.wrapping_mul(31).wrapping_add(if on { i as u64 + 1 } else { 0 })
        })
    });
    let faults_changed = fault_key != *last_faults;
    *last_faults = fault_key;
    let sel_changed = *selection != *last_selection || faults_changed;
    *last_selection = *selection;
    let pos_of = |id: &str| nodes.iter().find(|(n, _)| n.as_str() == id).map(|(_, p)| node_pos(p));
    for (e, lp, shape, mut vis, casing) in &mut links {
        if shape.is_some() && !(moved || sel_changed || lp.is_changed()) {
            continue;
        }
        let (Some(a), Some(b)) = (pos_of(&lp.0.from), pos_of(&lp.0.to)) else { continue };
        let Some((s, t)) = edge_ends(a, b) else {
            // The nodes overlap: nothing sensible to draw.
            vis.set_if_neq(Visibility::Hidden);
            continue;
        };
        vis.set_if_neq(Visibility::Inherited);
        let dir = (t - s).normalize();
        let normal = dir.perp();
        let tip = t;
        let back = tip - dir * 14.0;
        let path = ShapePath::new()
            .move_to(s)
            .line_to(back)
            .move_to(back + normal * 6.5)
            .line_to(tip)
            .line_to(back - normal * 6.5)
            .close();
        let faulted = sim
            .as_ref()
            .and_then(|sim| sim.links().get(link_index.get(e).map_or(usize::MAX, |l| l.0 as usize)))
            .is_some_and(|l| {
                l.fx.blackhole || l.fx.extra_loss > 0.0 || l.fx.extra_latency > 0 || l.fx.bandwidth_mbps.is_some()
            });
        let breaker_open = sim
            .as_ref()
            .and_then(|sim| sim.links().get(link_index.get(e).map_or(usize::MAX, |l| l.0 as usize)))
            .is_some_and(|l| l.breaker.state != crate::sim::engine::BreakerState::Closed);
        let colour = if *selection == Selection::Link(e) {
            theme::SELECTED
        } else if breaker_open {
            theme::WARN
        } else if faulted {
            theme::BAD
        } else if lp.0.loss > 0.0 {
            theme::EDGE_LOSSY
        } else {
            theme::EDGE
        };
        let built = ShapeBuilder::with(&path).fill(colour).stroke((colour, 2.0)).build();
        match shape {
            Some(mut s) => *s = built,
            None => {
                commands.entity(e).insert(built);
            }
        }
        // The casing stops short of both ends, where links meet at a node.
        let band = ShapePath::new().move_to(s + dir * 8.0).line_to(back - dir * 4.0);
        let band = ShapeBuilder::with(&band).stroke((theme::BACKGROUND, 7.0)).build();
        match casing.and_then(|c| casings.get_mut(c.0).ok()) {
            Some(mut c) => *c = band,
            None => {
                let child =
                    commands.spawn((Name::new("link casing"), band, Transform::from_xyz(0.0, 0.0, -0.0002))).id();
                commands.entity(e).add_child(child).insert(Casing(child));
            }
        }
    }
}

fn show_live_state(
    nodes: Query<(&NodeLive, &NodeParams, &Children), Changed<NodeLive>>,
    mut rings: Query<(&mut Shape, &mut UtilRing, &mut Visibility), Without<QueueFill>>,
    mut bars: Query<(&mut Shape, &mut QueueFill), (Without<UtilRing>, Without<NodeBody>)>,
    mut bodies: Query<(&mut Shape, &mut NodeBody), (Without<UtilRing>, Without<QueueFill>)>,
) {
    for (live, params, children) in &nodes {
        let util = if live.workers == u32::MAX { 0.0 } else { live.utilization.min(1.0) };
        let q = live.queued as f64;
        // Bounded queues fill their bar; unbounded ones on a soft scale.
        let limit = params.0.kind.queue_capacity();
        let fill = match limit {
            Some(l) if l > 0 => (q / l as f64).min(1.0),
            _ => q / (q + 10.0),
        };
        let saturated = util >= 0.95 || fill >= 0.5 || live.rejected_last_window > 0;
        // Chaos wins over load: a crashed node is grey, a frozen one amber.
        let state = if live.down {
            NodeState::Down
        } else if live.paused {
            NodeState::Paused
        } else if saturated {
            NodeState::Saturated
        } else {
            NodeState::Normal
        };
        for &child in children {
            if let Ok((mut shape, mut r, mut vis)) = rings.get_mut(child) {
                let key = (util * 100.0).round() as i32;
                if key != r.last {
                    r.last = key;
                    *shape = ring(util as f32, theme::load_colour(util));
                    vis.set_if_neq(if key == 0 { Visibility::Hidden } else { Visibility::Inherited });
                }
            }
            if let Ok((mut shape, mut b)) = bars.get_mut(child) {
                let key = (fill * 100.0).round() as i32;
                if key != b.last {
                    b.last = key;
                    *shape = bar(fill as f32, if fill > 0.8 { theme::BAD } else { theme::WARN });
                }
            }
            if let Ok((mut shape, mut b)) = bodies.get_mut(child) {
                if b.state == Some(state) {
                    continue;
                }
                b.state = Some(state);
                let (stroke, width) = match state {
                    NodeState::Down => (theme::DEAD, 2.5),
                    NodeState::Paused => (theme::WARN, 4.5),
                    NodeState::Saturated => (theme::BAD, 4.5),
                    NodeState::Normal => (kinds::accent(&params.0.kind), 2.5),
                };
                *shape = body(&params.0.kind, stroke, width);
            }
        }
    }
}

fn show_selection(
    selection: Res<Selection>,
    nodes: Query<(Entity, &Children), With<SimNode>>,
    mut halos: Query<&mut Visibility, With<SelectionHalo>>,
) {
    if !selection.is_changed() {
        return;
    }
    for (e, children) in &nodes {
        for &c in children {
            if let Ok(mut v) = halos.get_mut(c) {
                *v = if *selection == Selection::Node(e) { Visibility::Visible } else { Visibility::Hidden };
            }
        }
    }
}

/// Distance from p to the segment ab.
pub fn dist_to_segment(p: Vec2, a: Vec2, b: Vec2) -> f32 {
    let ab = b - a;
    let t = ((p - a).dot(ab) / ab.length_squared().max(1e-6)).clamp(0.0, 1.0);
    p.distance(a + ab * t)
}

fn hit_node<'a>(nodes: impl Iterator<Item = (Entity, &'a NodeParams)>, p: Vec2) -> Option<Entity> {
    nodes
        .map(|(e, np)| (e, node_pos(np).distance(p)))
        .filter(|(_, d)| *d <= NODE_RADIUS + 6.0)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(e, _)| e)
}

/// The left button or a finger on the canvas: a click or tap selects a
/// node or link; dragging a node moves it (one undo step when released);
/// dragging from a node's rim, or Shift-dragging from anywhere on it, to
/// another node connects them (the rim needs no keyboard: touch screens,
/// pens); dragging empty space pans. A right click, or a finger resting on
/// a node or link, opens its fault menu.
#[allow(clippy::too_many_arguments)]
fn pick_and_drag(
    mouse: Res<ButtonInput<MouseButton>>,
    mut pointer: ResMut<Pointer>,
    keys: Res<ButtonInput<KeyCode>>,
    cursor: Res<CursorWorld>,
    mut egui: EguiContexts,
    mut selection: ResMut<Selection>,
    mut drag: ResMut<Drag>,
    mut pancam: Query<&mut PanCam>,
    mut nodes: Query<(Entity, &Name, &mut NodeParams)>,
    links: Query<(Entity, &LinkParams)>,
    mut edits: MessageWriter<EditBatch>,
    mut gizmos: Gizmos,
    palette: Res<PaletteDrag>,
    canvas: Res<CanvasRect>,
    (mut menu, mut right_press): (ResMut<ContextMenu>, Local<Option<Vec2>>),
    lesson: Option<Res<super::lesson_panel::LessonState>>,
) {
    let screen = pointer.screen;
    // Docked panels live on egui's background layer, which egui does not
    // count as "over egui": test against the free canvas rectangle too. A
    // finger's first frame comes before egui has seen it: ask egui which of
    // its windows, if any, is under it.
    let outside = match (screen, canvas.0) {
        (Some(p), Some(r)) => !r.contains(bevy_egui::egui::pos2(p.x, p.y)),
        _ => false,
    };
    let over_ui = outside
        || egui.ctx_mut().is_ok_and(|c| {
            c.egui_wants_pointer_input()
                || c.is_pointer_over_egui()
                || c.egui_is_using_pointer()
                || screen.is_some_and(|p| {
                    c.layer_id_at(bevy_egui::egui::pos2(p.x, p.y))
                        .is_some_and(|l| l.order != bevy_egui::egui::Order::Background)
                })
        });
    // The canvas must not pan while the pointer belongs to a panel or a
    // palette item is being dragged out.
    let pan = !over_ui && palette.0.is_none();
    for mut pc in &mut pancam {
        if pc.enabled != pan && drag.node.is_none() {
            pc.enabled = pan;
        }
    }
    let Some(p) = cursor.0 else { return };
    // Over a node's rim, show that a drag from here draws a link.
    if drag.node.is_none() && !over_ui && !pointer.touch {
        if let Some(np) = hit_node(nodes.iter().map(|(e, _, np)| (e, np)), p).and_then(|e| nodes.get(e).ok()) {
            let centre = node_pos(np.2);
            if on_rim(centre, p) {
                gizmos.circle_2d(centre, NODE_RADIUS + 3.0, theme::SELECTED);
                gizmos.arrow_2d(p, p + (p - centre).normalize_or_zero() * 24.0, theme::SELECTED);
            }
        }
    }
    // A right click (not a right drag, which pans) opens the fault menu.
    if mouse.just_pressed(MouseButton::Right) && !over_ui {
        *right_press = screen;
    }
    let mut menu_at = None;
    if mouse.just_released(MouseButton::Right)
        && let (Some(a), Some(b)) = (right_press.take(), screen)
        && a.distance(b) < 5.0
    {
        menu_at = Some(b);
    }
    // A finger resting on the canvas: the same menu; whatever its press
    // began is dropped (a node has not moved: a resting finger is still).
    if pointer.long_press && pointer.on_canvas {
        menu_at = screen;
        *drag = Drag::default();
        pointer.on_canvas = false;
    }
    if let Some(at) = menu_at {
        let target = pick_at(p, &nodes, &links);
        if target != Selection::None {
            *selection = target;
            *menu = ContextMenu { target, at: bevy_egui::egui::pos2(at.x, at.y) };
        }
    }
    if pointer.just_pressed {
        pointer.on_canvas = !over_ui;
    }
    if pointer.just_pressed && !over_ui {
        if let Some(e) = hit_node(nodes.iter().map(|(e, _, np)| (e, np)), p) {
            *selection = Selection::Node(e);
            let pos = nodes.get(e).map(|(_, _, np)| node_pos(np)).unwrap_or(p);
            let shift = keys.pressed(KeyCode::ShiftLeft) || keys.pressed(KeyCode::ShiftRight);
            let connecting = shift || on_rim(pos, p);
            *drag = Drag { node: Some(e), grab_offset: pos - p, connecting, moved: false };
            // Dragging a node must not also pan the canvas.
            for mut pc in &mut pancam {
                pc.grab_buttons.retain(|b| *b != MouseButton::Left);
            }
        } else {
            *selection = pick_at(p, &nodes, &links);
        }
    }
    let Some(e) = drag.node else { return };
    // A second finger turns the gesture into a pinch: a link being drawn
    // is dropped.
    if pointer.fingers > 1 && drag.connecting {
        *drag = Drag::default();
        return;
    }
    if pointer.pressed {
        if drag.connecting {
            if let Ok((_, _, np)) = nodes.get(e) {
                gizmos.arrow_2d(node_pos(np), p, theme::SELECTED);
            }
        } else if let (Ok((_, _, mut np)), true) = (nodes.get_mut(e), pointer.moved || !pointer.touch) {
            // (A finger moves a node only once it has left a tap's wobble.)
            let want = p + drag.grab_offset;
            if node_pos(&np).distance(want) > 0.01 {
                np.0.pos = (want.x, want.y);
                drag.moved = true;
            }
        }
        return;
    }
    // Released.
    if drag.connecting {
        let target = hit_node(nodes.iter().map(|(e, _, np)| (e, np)), p);
        if let (Some(t), Ok((_, from, _))) = (target, nodes.get(e))
            && t != e
            && let Ok((_, to, _)) = nodes.get(t)
        {
            let link = new_link(lesson.as_ref().and_then(|l| l.levels.level()).as_ref(), from, to);
            edits.write(EditBatch::user(vec![Edit::AddLink(link)]));
        }
    } else if drag.moved {
        if let Ok((_, _, np)) = nodes.get(e) {
            edits.write(EditBatch::user(vec![Edit::SetNode(np.0.clone())]));
        }
    }
    *drag = Drag::default();
    for mut pc in &mut pancam {
        if !pc.grab_buttons.contains(&MouseButton::Left) {
            pc.grab_buttons.push(MouseButton::Left);
        }
    }
}

/// A new link from one node to another: in a level, with the level's
/// physics; elsewhere a plain 1-ms link.
pub fn new_link(level: Option<&crate::learn::level::Loaded>, from: &str, to: &str) -> LinkSpec {
    let start = level.and_then(|l| l.start().ok());
    match (level, &start) {
        (Some(l), Some(s)) => l.level.new_link(s, from, to),
        _ => LinkSpec::new(from, to, 1.0),
    }
}

/// Fingers on the free canvas: one on empty space drags the view, two
/// pinch it (the point between them stays under them). The mouse does
/// the same through the pan camera.
fn touch_view(
    touches: Res<Touches>,
    pointer: Res<Pointer>,
    drag: Res<Drag>,
    mut cams: Query<(&Camera, &mut Transform, &mut Projection)>,
    mut last: Local<Vec<(u64, Vec2)>>,
) {
    // Each finger from where it was last frame (a new one from where it
    // came down: its first moves may arrive with it).
    let before =
        |t: &bevy::input::touch::Touch| last.iter().find(|(i, _)| *i == t.id()).map_or(t.start_position(), |(_, p)| *p);
    let moves: Vec<(Vec2, Vec2)> = touches.iter().map(|t| (before(t), t.position())).collect();
    let now: Vec<(u64, Vec2)> = touches.iter().map(|t| (t.id(), t.position())).collect();
    let gesture = pointer.touch && pointer.on_canvas && drag.node.is_none();
    *last = now;
    if !gesture {
        return;
    }
    let Ok((cam, mut tf, mut proj)) = cams.single_mut() else { return };
    let Projection::Orthographic(o) = &mut *proj else { return };
    let centre = cam.logical_viewport_size().unwrap_or_default() / 2.0;
    // Screen to world offset from the camera: y points up in the world.
    let world = |m: Vec2, scale: f32| (m - centre) * Vec2::new(1.0, -1.0) * scale;
    match moves.as_slice() {
        [(a0, a1)] => {
            let shift = world(*a0, o.scale) - world(*a1, o.scale);
            tf.translation += shift.extend(0.0);
        }
        [(a0, a1), (b0, b1), ..] => {
            let (m0, m1) = ((*a0 + *b0) / 2.0, (*a1 + *b1) / 2.0);
            let (d0, d1) = (a0.distance(*b0), a1.distance(*b1));
            let old = o.scale;
            if d0 > 1.0 && d1 > 1.0 {
                o.scale = (old * d0 / d1).clamp(MIN_SCALE, MAX_SCALE);
            }
            let shift = world(m0, old) - world(m1, o.scale);
            tf.translation += shift.extend(0.0);
        }
        _ => {}
    }
}

/// Whether `p` is on the rim of the node at `centre`: its outer ring, where
/// a drag starts a link instead of moving the node.
pub fn on_rim(centre: Vec2, p: Vec2) -> bool {
    let d = centre.distance(p);
    d > NODE_RADIUS * RIM && d <= NODE_RADIUS + 6.0
}

/// Where the rim starts, as a share of the node's radius.
const RIM: f32 = 0.72;

/// The node under `p` (world), else the link within a few units of it.
fn pick_at(
    p: Vec2,
    nodes: &Query<(Entity, &Name, &mut NodeParams)>,
    links: &Query<(Entity, &LinkParams)>,
) -> Selection {
    if let Some(e) = hit_node(nodes.iter().map(|(e, _, np)| (e, np)), p) {
        return Selection::Node(e);
    }
    let pos_of = |id: &str| nodes.iter().find(|(_, n, _)| n.as_str() == id).map(|(_, _, np)| node_pos(np));
    let edge = links
        .iter()
        .filter_map(|(e, lp)| {
            let (a, b) = (pos_of(&lp.0.from)?, pos_of(&lp.0.to)?);
            Some((e, dist_to_segment(p, a, b)))
        })
        .filter(|(_, d)| *d < 9.0)
        .min_by(|a, b| a.1.total_cmp(&b.1));
    match edge {
        Some((e, _)) => Selection::Link(e),
        None => Selection::None,
    }
}

/// A faint grid that moves with the canvas.
fn draw_grid(mut gizmos: Gizmos, cams: Query<(&Camera, &GlobalTransform, &Projection)>) {
    let Ok((cam, tf, proj)) = cams.single() else { return };
    let Projection::Orthographic(o) = proj else { return };
    let Some(size) = cam.logical_viewport_size() else { return };
    let centre = tf.translation().truncate();
    let half = size * o.scale / 2.0;
    let step = if o.scale > 3.0 { 500.0 } else { 100.0 };
    let (x0, x1) = (((centre.x - half.x) / step).floor() as i32, ((centre.x + half.x) / step).ceil() as i32);
    let (y0, y1) = (((centre.y - half.y) / step).floor() as i32, ((centre.y + half.y) / step).ceil() as i32);
    if (x1 - x0) > 400 || (y1 - y0) > 400 {
        return;
    }
    for x in x0..=x1 {
        let x = x as f32 * step;
        gizmos.line_2d(Vec2::new(x, centre.y - half.y), Vec2::new(x, centre.y + half.y), theme::GRID);
    }
    for y in y0..=y1 {
        let y = y as f32 * step;
        gizmos.line_2d(Vec2::new(centre.x - half.x, y), Vec2::new(centre.x + half.x, y), theme::GRID);
    }
}

/// On a narrow window the inspector drawer covers the bottom of the canvas:
/// a node just selected under it is brought up into what is still shown.
fn reveal_selected(
    selection: Res<Selection>,
    pointer: Res<Pointer>,
    panels: Res<Panels>,
    canvas: Res<CanvasRect>,
    time: Res<Time<Real>>,
    nodes: Query<&NodeParams>,
    mut cams: Query<(&Camera, &GlobalTransform, &mut Transform)>,
    mut since: Local<f64>,
) {
    let now = time.elapsed_secs_f64();
    if selection.is_changed() || pointer.just_released {
        *since = now;
    }
    // (Only just after the choice or a release, once the drawer is out: a
    // node the person pans out of sight later stays there.)
    let Selection::Node(e) = *selection else { return };
    if !panels.compact || pointer.pressed || now - *since > 1.0 {
        return;
    }
    let (Some(free), Ok(np)) = (canvas.0, nodes.get(e)) else { return };
    let Ok((cam, gt, mut tf)) = cams.single_mut() else { return };
    let Ok(at) = cam.world_to_viewport(gt, node_pos(np).extend(0.0)) else { return };
    if free.shrink(24.0).contains(bevy_egui::egui::pos2(at.x, at.y)) {
        return;
    }
    if let Ok(middle) = cam.viewport_to_world_2d(gt, Vec2::new(free.center().x, free.center().y)) {
        tf.translation += (node_pos(np) - middle).extend(0.0);
    }
}
