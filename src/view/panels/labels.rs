//! Names, glyphs, live numbers and link latencies drawn over the canvas,
//! with the nodes a lesson asks to watch and the fences of partitions.

use std::f32::consts::TAU;

use bevy::prelude::*;
use bevy_egui::egui::{self, Align2, Color32, FontId};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

use super::super::canvas::{RING_RADIUS, edge_ends};
use super::super::lesson_panel::{self, LessonState};
use super::super::state::CanvasRect;
use super::super::{kinds, theme};
use super::layout::PanelSet;
use crate::sim::{LinkParams, NodeLive, NodeParams, Sim, SimNode};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, canvas_labels.in_set(PanelSet::Labels));
}

/// Names, glyphs, live numbers and link latencies drawn over the canvas.
fn canvas_labels(
    mut contexts: EguiContexts,
    canvas: Res<CanvasRect>,
    cams: Query<(&Camera, &GlobalTransform)>,
    nodes: Query<(&SimNode, &Name, &NodeParams, &NodeLive)>,
    links: Query<&LinkParams>,
    lesson: Res<LessonState>,
    sim: Option<Res<Sim>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let Some(free) = canvas.0 else { return Ok(()) };
    let Ok((cam, tf)) = cams.single() else { return Ok(()) };
    // Stay inside the free canvas, not over the panels.
    let painter = ctx.layer_painter(egui::LayerId::background()).with_clip_rect(free);
    let to_screen = |p: Vec2| cam.world_to_viewport(tf, p.extend(0.0)).ok().map(|v| egui::pos2(v.x, v.y));
    let pos_of = |id: &str| {
        nodes.iter().find(|(_, n, _, _)| n.as_str() == id).map(|(_, _, p, _)| Vec2::new(p.0.pos.0, p.0.pos.1))
    };
    // A lesson step's nodes to watch: a dashed amber circle each.
    for id in lesson_panel::watched(&lesson) {
        let (Some(c), Some(edge)) =
            (pos_of(&id).and_then(|c| to_screen(c)), pos_of(&id).and_then(|c| to_screen(c + Vec2::new(78.0, 0.0))))
        else {
            continue;
        };
        let r = (edge.x - c.x).abs();
        let amber = theme::to_egui(theme::WARN);
        let points: Vec<egui::Pos2> = (0..=48)
            .map(|i| c + egui::vec2(r * (i as f32 / 48.0 * TAU).cos(), r * (i as f32 / 48.0 * TAU).sin()))
            .collect();
        painter.extend(egui::Shape::dashed_line(&points, egui::Stroke::new(2.0, amber), 8.0, 6.0));
    }
    // A partition: a dashed red fence around the nodes it cuts off.
    if let Some(sim) = &sim {
        for f in sim.fault_log().iter().filter(|f| f.active && !f.group.is_empty()) {
            let corners: Vec<egui::Pos2> = f
                .group
                .iter()
                .filter_map(|id| pos_of(id))
                .flat_map(|c| [c + Vec2::new(-75.0, -85.0), c + Vec2::new(75.0, 95.0)])
                .filter_map(|p| to_screen(p))
                .collect();
            if corners.is_empty() {
                continue;
            }
            let fence = egui::Rect::from_points(&corners);
            let red = theme::to_egui(theme::BAD);
            let stroke = egui::Stroke::new(2.0, red);
            let (a, b, c, d) = (fence.left_top(), fence.right_top(), fence.right_bottom(), fence.left_bottom());
            for (p, q) in [(a, b), (b, c), (c, d), (d, a)] {
                painter.extend(egui::Shape::dashed_line(&[p, q], stroke, 10.0, 6.0));
            }
            painter.text(
                d + egui::vec2(6.0, -4.0),
                Align2::LEFT_BOTTOM,
                "partitioned",
                FontId::proportional(12.0),
                red,
            );
        }
    }
    // Node texts first: link labels are then placed where they cover
    // neither a node nor its texts nor each other.
    // Each name above its node, or below it where another node or an
    // earlier name is in the way.
    // Names shrink with the nodes on a zoomed-out view (a small window,
    // an embed), down to a size still easy to read.
    let zoom = to_screen(Vec2::ZERO).zip(to_screen(Vec2::X)).map_or(1.0, |(a, b)| (b.x - a.x).abs());
    let px = name_px(zoom);
    let numbers = painter.layout_no_wrap(TYPICAL_NUMBERS.into(), FontId::monospace(11.0), Color32::WHITE).size();
    let (shown, spots): (Vec<_>, Vec<_>) = nodes
        .iter()
        .filter_map(|(_, name, p, live)| {
            let size = painter.layout_no_wrap(name.to_string(), FontId::proportional(px), Color32::WHITE).size();
            let c = node_at(p);
            let (o, rim) = (to_screen(c)?, to_screen(c + Vec2::new(RING_RADIUS, 0.0))?);
            let above = Align2::CENTER_BOTTOM.anchor_size(to_screen(c + Vec2::new(0.0, 70.0))?, size);
            let below = Align2::CENTER_TOP.anchor_size(to_screen(c + Vec2::new(0.0, -80.0))?, size);
            let info = kinds::has_gauges(&p.0.kind)
                .then(|| Some(Align2::LEFT_CENTER.anchor_size(to_screen(c + Vec2::new(48.0, -70.0))?, numbers)))
                .flatten();
            Some(((name, p, live), NameSpot { disc: disc(o, (rim.x - o.x).abs()), info, above, below, px }))
        })
        .unzip();
    let places = place_names(&spots);
    let mut obstacles = Vec::new();
    for ((name, p, live), (spot, at)) in shown.iter().zip(spots.iter().zip(places)) {
        obstacles.push(spot.disc);
        obstacles.push(at);
        // A dark backing keeps the name legible over links and the grid.
        painter.rect_filled(at.expand2(egui::vec2(3.0, 1.0)), 3.0, Color32::from_rgba_unmultiplied(11, 14, 21, 200));
        // (Smaller than the others where only that left it a place.)
        let font = FontId::proportional(px * at.height() / spot.above.height());
        painter.text(at.center(), Align2::CENTER_CENTER, name.as_str(), font, Color32::from_gray(230));
        obstacles.extend(node_label(&painter, &to_screen, p, live));
    }
    let mut wanted = Vec::new();
    for l in links.iter() {
        let (Some(a), Some(b)) = (pos_of(&l.0.from), pos_of(&l.0.to)) else { continue };
        if edge_ends(a, b).is_none() {
            continue;
        }
        let (Some(sa), Some(sb)) = (to_screen(a), to_screen(b)) else { continue };
        let galley =
            painter.layout_no_wrap(link_text(&l.0), FontId::proportional(link_px(zoom)), Color32::from_gray(150));
        wanted.push((sa, sb, galley));
    }
    let candidates: Vec<Vec<egui::Rect>> = wanted.iter().map(|(a, b, g)| label_places(*a, *b, g.size())).collect();
    let hover = ctx.pointer_hover_pos();
    for ((a, b, galley), place) in wanted.into_iter().zip(place_labels(&obstacles, &candidates)) {
        match place {
            Some(r) => painter.galley(r.min, galley, Color32::from_gray(150)),
            // Crowded out: shown, on a backing, while the pointer is near
            // the link.
            None if hover.is_some_and(|h| near_segment(h, a, b, 24.0)) => {
                let r = egui::Rect::from_center_size(a.lerp(b, 0.5), galley.size()).expand(3.0);
                painter.rect_filled(r, 3.0, Color32::from_rgba_unmultiplied(20, 22, 28, 230));
                painter.galley(r.min + egui::vec2(3.0, 3.0), galley, Color32::from_gray(200));
            }
            None => {}
        }
    }
    Ok(())
}

/// Where a link's label may go, best first: beside the middle of the
/// line, then further along it either way, on either side.
fn label_places(a: egui::Pos2, b: egui::Pos2, size: egui::Vec2) -> Vec<egui::Rect> {
    let d = (b - a).normalized();
    // The side below the line first (as before), then above.
    let n = egui::vec2(-d.y, d.x);
    let n = if n.y < 0.0 { -n } else { n };
    // Far enough out that the label clears the line whatever its angle.
    let off = n.x.abs() * size.x / 2.0 + n.y.abs() * size.y / 2.0 + 3.0;
    let mut out = Vec::new();
    for t in [0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78] {
        for side in [1.0, -1.0] {
            out.push(egui::Rect::from_center_size(a.lerp(b, t) + n * off * side, size));
        }
    }
    out
}

/// Each link label's place: the first of its candidates that overlaps no
/// obstacle (nodes and their texts) and no label placed before it; `None`
/// when all are taken.
fn place_labels(obstacles: &[egui::Rect], candidates: &[Vec<egui::Rect>]) -> Vec<Option<egui::Rect>> {
    let mut placed: Vec<egui::Rect> = Vec::new();
    candidates
        .iter()
        .map(|cands| {
            let free = cands.iter().copied().find(|r| !obstacles.iter().chain(&placed).any(|o| o.intersects(*r)));
            placed.extend(free);
            free
        })
        .collect()
}

/// A node's disc on screen, where its live numbers go, the two places
/// its name may go, and the size of its name's font.
#[derive(Clone, Copy, Debug)]
struct NameSpot {
    disc: egui::Rect,
    /// (None for kinds without live numbers.)
    info: Option<egui::Rect>,
    above: egui::Rect,
    below: egui::Rect,
    px: f32,
}

/// A node's name at a zoom where nodes are at least this large (screen
/// pixels per world unit: the app opens on the default design at about
/// 0.5, and frames most designs on a large window at 0.8 to 1).
const NAME_FULL_ZOOM: f32 = 0.45;

/// The name's font at full size, and the smallest it shrinks to with the
/// zoom.
const NAME_PX: f32 = 14.0;
const NAME_MIN_PX: f32 = 11.0;

/// A name that has no place clear of other names, nodes and numbers is
/// drawn smaller, a pixel at a time, down to this.
const NAME_LAST_RESORT_PX: f32 = 9.0;

/// The names' font size at `zoom` screen pixels per world unit: full size
/// down to [`NAME_FULL_ZOOM`], then smaller with the nodes, down to
/// [`NAME_MIN_PX`].
fn name_px(zoom: f32) -> f32 {
    (NAME_PX * zoom / NAME_FULL_ZOOM).clamp(NAME_MIN_PX, NAME_PX)
}

/// A link label's font, 11 px, shrinks with the zoom as names do (so it
/// never outgrows them), down to 9 px.
fn link_px(zoom: f32) -> f32 {
    (LINK_PX * zoom / NAME_FULL_ZOOM).clamp(LINK_MIN_PX, LINK_PX)
}
const LINK_PX: f32 = 11.0;
const LINK_MIN_PX: f32 = 9.0;

/// Live numbers as wide as they usually are, to keep names off them.
const TYPICAL_NUMBERS: &str = "100% · q 12";

fn node_at(p: &NodeParams) -> Vec2 {
    Vec2::new(p.0.pos.0, p.0.pos.1)
}

fn disc(centre: egui::Pos2, r: f32) -> egui::Rect {
    egui::Rect::from_center_size(centre, egui::Vec2::splat(2.0 * r))
}

/// Each name's place: above its node unless another node's disc, any
/// node's live numbers or a name placed before is there; then below it;
/// then beside its ring, right or left (nodes stacked close); then a line
/// higher than above (side by side, neighbours' names alternate); then off
/// a corner of its ring (a node boxed in on every side). A name
/// that would read as another node's (below its node but where a name of
/// the node beneath would be, or beside its node but nearer another) is
/// not placed there. When every place is taken, the same places with the
/// name a pixel smaller, down to [`NAME_LAST_RESORT_PX`]; when still
/// every place is taken, the one that covers least of other names (none,
/// but in the most crowded designs), at the largest size, covering least
/// of the rest. The places are the names' boxes: one smaller than its
/// spot's is drawn that much smaller.
fn place_names(spots: &[NameSpot]) -> Vec<egui::Rect> {
    let mut placed: Vec<egui::Rect> = Vec::new();
    for (i, s) in spots.iter().enumerate() {
        // Full size first, then a pixel smaller at a time.
        let smallest = NAME_LAST_RESORT_PX.min(s.px);
        let steps = (s.px - smallest).floor() as usize;
        let mut all = Vec::new();
        let mut found = None;
        for step in 0..=steps {
            let size = s.above.size() * ((s.px - step as f32) / s.px);
            let candidates = name_places(s, size);
            // Covering another name counts before anything else.
            let covered = |&(r, slot): &(egui::Rect, Slot)| {
                (placed.iter().map(|p| overlap(*p, r)).sum::<f32>(), covers(spots, i, r, slot))
            };
            if let Some(c) = candidates.iter().find(|c| covered(c) == (0.0, 0.0)) {
                found = Some(c.0);
                break;
            }
            all.extend(candidates.iter().map(|c| (c.0, step, covered(c))));
        }
        // No place is clear: the one covering least of other names, at the
        // largest size, covering least of the rest.
        let at = found.unwrap_or_else(|| {
            all.iter()
                .min_by(|a, b| a.2.0.total_cmp(&b.2.0).then(a.1.cmp(&b.1)).then(a.2.1.total_cmp(&b.2.1)))
                .map_or(s.above, |c| c.0)
        });
        placed.push(at);
    }
    placed
}

/// Where a name of this size may go, best first (see [`place_names`]).
fn name_places(s: &NameSpot, size: egui::Vec2) -> [(egui::Rect, Slot); 9] {
    let above = Align2::CENTER_BOTTOM.anchor_size(s.above.center_bottom(), size);
    let below = Align2::CENTER_TOP.anchor_size(s.below.center_top(), size);
    let (centre, half) = (s.disc.center(), s.disc.width() / 2.0 + 6.0);
    let right = Align2::LEFT_CENTER.anchor_size(centre + egui::vec2(half, 0.0), size);
    let left = Align2::RIGHT_CENTER.anchor_size(centre - egui::vec2(half, 0.0), size);
    let higher = above.translate(egui::vec2(0.0, -(size.y + 2.0)));
    // Corners of the ring, for a node boxed in on every side.
    let corner = |dx: f32, dy: f32| centre + egui::vec2(dx, dy) * half * 0.75;
    [
        (above, Slot::Above),
        (below, Slot::Below),
        (right, Slot::Side),
        (left, Slot::Side),
        (higher, Slot::Above),
        (Align2::LEFT_BOTTOM.anchor_size(corner(1.0, -1.0), size), Slot::Side),
        (Align2::RIGHT_BOTTOM.anchor_size(corner(-1.0, -1.0), size), Slot::Side),
        (Align2::LEFT_TOP.anchor_size(corner(1.0, 1.0), size), Slot::Side),
        (Align2::RIGHT_TOP.anchor_size(corner(-1.0, 1.0), size), Slot::Side),
    ]
}

/// Where a name sits relative to its node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Above,
    Below,
    Side,
}

/// How much of other nodes' discs and of any node's numbers node `i`'s
/// name at `r` covers (square pixels); a name that would read as another
/// node's counts as covering a great deal.
fn covers(spots: &[NameSpot], i: usize, r: egui::Rect, slot: Slot) -> f32 {
    let own = spots[i].disc.center().distance(r.center());
    let mut area = 0.0;
    for (j, o) in spots.iter().enumerate() {
        if j != i {
            area += overlap(o.disc, r);
            let misread = match slot {
                Slot::Above => false,
                // Names go above nodes: one just over another node is read as its.
                Slot::Below => o.above.expand2(egui::vec2(0.0, o.above.height())).intersects(r),
                Slot::Side => o.disc.center().distance(r.center()) < own,
            };
            if misread {
                area += 1e6;
            }
        }
        area += o.info.map_or(0.0, |n| overlap(n, r));
    }
    area
}

fn overlap(a: egui::Rect, b: egui::Rect) -> f32 {
    let i = a.intersect(b);
    if i.is_positive() { i.area() } else { 0.0 }
}

/// Whether node `i`'s name at `r` covers another node or any node's
/// numbers, or reads as another node's.
#[cfg(test)]
fn in_the_way(spots: &[NameSpot], i: usize, r: egui::Rect) -> bool {
    let s = &spots[i];
    let slot = if r.center_top().distance(s.below.center_top()) < 0.5 {
        Slot::Below
    } else if (r.center().y - s.disc.center().y).abs() < 1.0 {
        Slot::Side
    } else {
        Slot::Above
    };
    covers(spots, i, r, slot) > 0.0
}

fn near_segment(p: egui::Pos2, a: egui::Pos2, b: egui::Pos2, within: f32) -> bool {
    let ab = b - a;
    let t = ((p - a).dot(ab) / ab.length_sq().max(1e-6)).clamp(0.0, 1.0);
    (a + ab * t).distance(p) <= within
}

/// A node's glyph, whether it is down or paused, its load and queue beside
/// the queue bar, and a badge for requests it turned away (its name is
/// placed by the caller). Returns what its texts cover.
fn node_label(
    painter: &egui::Painter,
    to_screen: &impl Fn(Vec2) -> Option<egui::Pos2>,
    p: &NodeParams,
    live: &NodeLive,
) -> Vec<egui::Rect> {
    let c = node_at(p);
    let Some(centre) = to_screen(c) else { return Vec::new() };
    // Live numbers sit right of the queue bar, clear of neighbours.
    let Some(bottom) = to_screen(c + Vec2::new(48.0, -70.0)) else { return Vec::new() };
    let mut covers = Vec::new();
    let accent = theme::to_egui(kinds::accent(&p.0.kind));
    painter.text(centre, Align2::CENTER_CENTER, kinds::glyph(&p.0.kind), FontId::proportional(20.0), accent);
    if live.down || live.paused {
        // Inside the node, under its glyph: clear of its ring, its name
        // and its links.
        let (text, colour) = if live.down { ("× DOWN", theme::BAD) } else { ("⏸ PAUSED", theme::WARN) };
        let at = centre + egui::vec2(0.0, 10.0);
        covers.push(painter.text(at, Align2::CENTER_TOP, text, FontId::proportional(11.0), theme::to_egui(colour)));
    }
    let mut info = String::new();
    if live.slow != 1.0 {
        info.push_str(&format!("CPU ×{} · ", live.slow));
    }
    if live.workers != u32::MAX {
        info.push_str(&format!("{:.0}%", live.utilization * 100.0));
    }
    if live.queued > 0 {
        if !info.is_empty() {
            info.push_str(" · ");
        }
        info.push_str(&format!("q {}", live.queued));
    }
    if !info.is_empty() {
        covers.push(painter.text(bottom, Align2::LEFT_CENTER, info, FontId::monospace(11.0), Color32::from_gray(170)));
    }
    if live.rejected_last_window > 0 {
        if let Some(badge) = to_screen(c + Vec2::new(40.0, 40.0)) {
            painter.circle_filled(badge, 9.0, theme::to_egui(theme::BAD));
            let n = live.rejected_last_window;
            let t = if n > 99 { "99+".to_string() } else { n.to_string() };
            painter.text(badge, Align2::CENTER_CENTER, t, FontId::proportional(9.0), Color32::WHITE);
        }
    }
    covers
}

/// A link's label: its mean latency, then its loss, hedging, repeated calls
/// (×N) and the request types it carries, where it has them.
fn link_text(l: &crate::sim::model::LinkSpec) -> String {
    let mut text = format!("{:.1} ms", l.latency.mean_ms());
    if l.loss > 0.0 {
        text.push_str(&format!(" · {:.1}% loss", l.loss * 100.0));
    }
    if let Some(h) = l.hedge_after_ms {
        text.push_str(&format!(" · hedge {h:.0} ms"));
    }
    if l.repeat != 1 {
        text.push_str(&format!(" · ×{}", l.repeat));
    }
    if !l.only.is_empty() {
        text.push_str(&format!(" · {}", l.only.join(", ")));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    /// Every bundled design (examples, kinds, benchmarks, lessons'
    /// steps), framed on a canvas of 1 100 × 650: no link label covers a
    /// node, a node's texts or another label, and nearly all find a place.
    #[test]
    fn link_labels_keep_clear_of_nodes_and_of_each_other() {
        let (mut placed, mut all, mut designs) = (0usize, 0usize, 0usize);
        let mut worst: Vec<(String, usize)> = Vec::new();
        each_framed_design(Framing::Layout, |path, s, to, spots, size| {
            designs += 1;
            let pos = |id: &str| s.nodes.iter().find(|n| n.id == id).map(|n| Vec2::new(n.pos.0, n.pos.1));
            let mut obstacles: Vec<egui::Rect> = spots.iter().flat_map(|s| [Some(s.disc), s.info]).flatten().collect();
            obstacles.extend(place_names(spots));
            let mut candidates = Vec::new();
            for l in &s.links {
                let (Some(a), Some(b)) = (pos(&l.from), pos(&l.to)) else { continue };
                if edge_ends(a, b).is_none() {
                    continue;
                }
                candidates.push(label_places(to(a), to(b), size(&link_text(l), FontId::proportional(LINK_PX))));
            }
            let places = place_labels(&obstacles, &candidates);
            let got: Vec<egui::Rect> = places.iter().flatten().copied().collect();
            for (i, r) in got.iter().enumerate() {
                assert!(!obstacles.iter().any(|o| o.intersects(*r)), "{path}: a label covers a node or its text");
                assert!(!got[i + 1..].iter().any(|o| o.intersects(*r)), "{path}: two labels overlap");
            }
            placed += got.len();
            all += places.len();
            worst.push((path.to_string(), places.len() - got.len()));
        });
        worst.sort_by_key(|w| std::cmp::Reverse(w.1));
        println!("{placed} of {all} link labels placed in {designs} designs; most crowded: {:?}", &worst[..5]);
        assert!(designs > 100, "{designs} designs");
        assert!(placed as f64 >= 0.97 * all as f64, "{placed} of {all} placed; most crowded: {:?}", &worst[..5]);
    }

    /// Every shipped design with nodes, framed as `framing` frames it: its
    /// path, the scenario, where a world point falls, its nodes' name
    /// spots, and how large a text is drawn.
    fn each_framed_design(
        framing: Framing,
        mut check: impl FnMut(
            &str,
            &Scenario,
            &dyn Fn(Vec2) -> egui::Pos2,
            &[NameSpot],
            &dyn Fn(&str, FontId) -> egui::Vec2,
        ),
    ) {
        let ctx = egui::Context::default();
        let mut frame = ctx.run_ui(egui::RawInput::default(), |_| {});
        frame.textures_delta.clear();
        let size = |t: &str, f: FontId| ctx.fonts_mut(|fo| fo.layout_no_wrap(t.to_string(), f, Color32::WHITE).size());
        for (path, text) in &crate::learn::shipped_designs() {
            let Ok((s, _)) = Scenario::parse(path, text) else { continue };
            if s.nodes.is_empty() {
                continue;
            }
            let frame = Frame::of(&s, framing);
            let to = |p: Vec2| frame.to(p);
            let spots = name_spots(&s, &to, frame.scale, &size);
            check(path, &s, &to, &spots, &size);
        }
    }

    /// How a design is framed: on the layout tests' 1 100 × 650 canvas
    /// (never enlarged), or as the app frames it on a free canvas this
    /// large.
    #[derive(Clone, Copy, Debug)]
    enum Framing {
        Layout,
        App(Vec2),
    }

    /// The free canvas of an embed in a 900 × 520 frame (a post's
    /// `<iframe>`): the frame less the top bar and the chart below (as
    /// measured in the app).
    const EMBED_900X520: Framing = Framing::App(Vec2::new(900.0, 297.0));

    /// The same in a 390 × 420 frame on a phone.
    const EMBED_390X420: Framing = Framing::App(Vec2::new(390.0, 176.0));

    /// A design framed: the world's point in the canvas's middle, screen
    /// pixels per world unit, and the canvas's middle.
    struct Frame {
        mid: Vec2,
        scale: f32,
        centre: egui::Pos2,
    }

    impl Frame {
        fn of(s: &Scenario, framing: Framing) -> Frame {
            let (lo, hi) = s.nodes.iter().fold((Vec2::MAX, Vec2::MIN), |(lo, hi), n| {
                let p = Vec2::new(n.pos.0, n.pos.1);
                (lo.min(p), hi.max(p))
            });
            match framing {
                Framing::Layout => {
                    let (lo, hi) = (lo - Vec2::new(100.0, 100.0), hi + Vec2::new(160.0, 110.0));
                    Frame {
                        mid: (lo + hi) / 2.0,
                        scale: (1100.0 / (hi.x - lo.x)).min(650.0 / (hi.y - lo.y)).min(1.0),
                        centre: egui::pos2(550.0, 325.0),
                    }
                }
                // As `fit_view` frames it.
                Framing::App(free) => Frame {
                    mid: (lo + hi) / 2.0,
                    scale: 1.0 / super::super::super::state::fit_scale(lo, hi, free),
                    centre: egui::pos2(free.x / 2.0, free.y / 2.0),
                },
            }
        }

        fn to(&self, p: Vec2) -> egui::Pos2 {
            self.centre + egui::vec2((p.x - self.mid.x) * self.scale, -(p.y - self.mid.y) * self.scale)
        }
    }

    /// Where each node's disc, numbers and name places fall, framed as the
    /// tests frame a design.
    fn name_spots(
        s: &Scenario,
        to: &impl Fn(Vec2) -> egui::Pos2,
        scale: f32,
        size: &impl Fn(&str, FontId) -> egui::Vec2,
    ) -> Vec<NameSpot> {
        let numbers = size(TYPICAL_NUMBERS, FontId::monospace(11.0));
        let px = name_px(scale);
        s.nodes
            .iter()
            .map(|n| {
                let c = Vec2::new(n.pos.0, n.pos.1);
                let name = size(&n.id, FontId::proportional(px));
                NameSpot {
                    disc: disc(to(c), RING_RADIUS * scale),
                    info: kinds::has_gauges(&n.kind)
                        .then(|| Align2::LEFT_CENTER.anchor_size(to(c + Vec2::new(48.0, -70.0)), numbers)),
                    above: Align2::CENTER_BOTTOM.anchor_size(to(c + Vec2::new(0.0, 70.0)), name),
                    below: Align2::CENTER_TOP.anchor_size(to(c + Vec2::new(0.0, -80.0)), name),
                    px,
                }
            })
            .collect()
    }

    /// A name is in the way when it covers another node's disc, any node's
    /// numbers or another name, or sits nearer another node than its own.
    fn names_in_the_way(spots: &[NameSpot], names: &[egui::Rect]) -> usize {
        (0..names.len())
            .filter(|&i| {
                in_the_way(spots, i, names[i])
                    || names.iter().enumerate().any(|(j, n)| j != i && n.intersects(names[i]))
            })
            .count()
    }

    #[test]
    fn node_names_move_below_when_something_is_above() {
        // A node right above another: the lower one's name goes below it.
        let spot = |y: f32| NameSpot {
            disc: disc(egui::pos2(100.0, y), 56.0),
            info: Some(egui::Rect::from_min_size(egui::pos2(148.0, y + 63.0), egui::vec2(70.0, 14.0))),
            above: egui::Rect::from_center_size(egui::pos2(100.0, y - 78.0), egui::vec2(60.0, 16.0)),
            below: egui::Rect::from_center_size(egui::pos2(100.0, y + 88.0), egui::vec2(60.0, 16.0)),
            px: 14.0,
        };
        let (top, under) = (spot(100.0), spot(220.0));
        let places = place_names(&[top, under]);
        assert_eq!(places, vec![top.above, under.below]);
        // Alone, a name stays above.
        assert_eq!(place_names(&[under]), vec![under.above]);
    }

    #[test]
    fn node_names_keep_clear_in_the_shipped_designs() {
        let (mut before, mut after, mut names) = (0usize, 0usize, 0usize);
        let mut worst: Vec<(String, usize)> = Vec::new();
        each_framed_design(Framing::Layout, |path, _, _, spots, _| {
            let always_above: Vec<egui::Rect> = spots.iter().map(|s| s.above).collect();
            let placed = place_names(spots);
            // At this size every name is drawn at full size.
            for (s, r) in spots.iter().zip(&placed) {
                assert!(s.px == NAME_PX && r.height() == s.above.height(), "{path}: a name is drawn smaller");
            }
            let (b, a) = (names_in_the_way(spots, &always_above), names_in_the_way(spots, &placed));
            before += b;
            after += a;
            names += spots.len();
            worst.push((path.to_string(), a));
        });
        worst.sort_by_key(|w| std::cmp::Reverse(w.1));
        println!(
            "node names in the way: {before} always above, {after} placed, of {names}; most crowded: {:?}",
            &worst[..5]
        );
        assert!(after * 2 <= before, "placing names clears at least half of those in the way ({before} → {after})");
        assert!(after * 100 <= names, "{after} of {names} names in the way; most crowded: {:?}", &worst[..5]);
    }

    /// Names that overlap another name.
    fn names_overlapping(names: &[egui::Rect]) -> usize {
        (0..names.len()).filter(|&i| names.iter().enumerate().any(|(j, n)| j != i && n.intersects(names[i]))).count()
    }

    /// Every shipped design in an embed's small frame, where the app zooms
    /// out to fit it and names outgrow the nodes (the WhatsApp lesson's
    /// final design put "msg-lb" over "messages-2"): no name overlaps
    /// another, nearly none covers a node or its numbers (on a phone, whose
    /// canvas is 176 px high, at most 3 %: the numbers keep their size),
    /// and none is drawn smaller than the last resort.
    #[test]
    fn node_names_never_overlap_in_small_embeds() {
        for (framing, most_in_the_way) in [(EMBED_900X520, 0.005), (EMBED_390X420, 0.03)] {
            let (mut overlapping, mut in_the_way, mut names, mut smaller) = (0usize, 0usize, 0usize, 0usize);
            let (mut worst, mut crowded, mut whatsapp) = (Vec::new(), Vec::new(), false);
            each_framed_design(framing, |path, _, _, spots, _| {
                let placed = place_names(spots);
                let (o, w) = (names_overlapping(&placed), names_in_the_way(spots, &placed));
                for (s, r) in spots.iter().zip(&placed) {
                    let px = s.px * r.height() / s.above.height();
                    assert!(px >= NAME_LAST_RESORT_PX - 0.01, "{path}: a name drawn at {px} px");
                    smaller += usize::from(px < s.px - 0.01);
                }
                if o > 0 {
                    worst.push((path.to_string(), o));
                }
                if w > 0 {
                    crowded.push((path.to_string(), w));
                }
                (overlapping, in_the_way, names) = (overlapping + o, in_the_way + w, names + spots.len());
                whatsapp |= path.ends_with("whatsapp/8-final.ron");
            });
            println!(
                "{framing:?}: of {names} names, {overlapping} overlap another, {in_the_way} in the way, \
                 {smaller} drawn smaller as a last resort; in the way: {crowded:?}"
            );
            assert!(whatsapp);
            assert_eq!(overlapping, 0, "{framing:?}: names overlap in {worst:?}");
            assert!(
                in_the_way as f32 <= most_in_the_way * names as f32,
                "{framing:?}: {in_the_way} of {names} names in the way: {crowded:?}"
            );
        }
    }

    #[test]
    fn names_shrink_with_the_zoom_down_to_a_floor() {
        assert_eq!(name_px(1.5), NAME_PX);
        assert_eq!(name_px(NAME_FULL_ZOOM), NAME_PX);
        assert!(name_px(0.4) < NAME_PX && name_px(0.4) > NAME_MIN_PX);
        assert_eq!(name_px(0.1), NAME_MIN_PX);
        assert_eq!((link_px(NAME_FULL_ZOOM), link_px(0.1)), (LINK_PX, LINK_MIN_PX));
        assert!(link_px(0.3) <= name_px(0.3), "link labels never outgrow names");
    }

    #[test]
    fn a_name_with_no_room_is_drawn_smaller_rather_than_over_another() {
        // Two nodes side by side, so close that their names (60 px wide at
        // 14 px) fit above them only smaller; the second's other places are
        // taken by nodes below, right of and above it.
        let spot = |x: f32, y: f32| NameSpot {
            disc: disc(egui::pos2(x, y), 20.0),
            info: None,
            above: Align2::CENTER_BOTTOM.anchor_size(egui::pos2(x, y - 24.0), egui::vec2(60.0, 16.0)),
            below: Align2::CENTER_TOP.anchor_size(egui::pos2(x, y + 24.0), egui::vec2(60.0, 16.0)),
            px: 14.0,
        };
        let (a, b) = (spot(100.0, 100.0), spot(156.0, 100.0));
        let places = place_names(&[a, b, spot(156.0, 150.0), spot(215.0, 100.0), spot(156.0, 30.0)]);
        assert_eq!(places[0], a.above);
        // 12 px: the largest that clears the first name.
        let at = places[1];
        assert!(!at.intersects(places[0]), "{places:?}");
        assert!(at.center_bottom().distance(b.above.center_bottom()) < 0.01, "{places:?}");
        assert!((at.height() - 16.0 * 12.0 / 14.0).abs() < 0.01, "{places:?}");
    }
}
