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
    let font = FontId::proportional(14.0);
    let numbers = painter.layout_no_wrap(TYPICAL_NUMBERS.into(), FontId::monospace(11.0), Color32::WHITE).size();
    let (shown, spots): (Vec<_>, Vec<_>) = nodes
        .iter()
        .filter_map(|(_, name, p, live)| {
            let size = painter.layout_no_wrap(name.to_string(), font.clone(), Color32::WHITE).size();
            let c = node_at(p);
            let (o, rim) = (to_screen(c)?, to_screen(c + Vec2::new(RING_RADIUS, 0.0))?);
            let above = Align2::CENTER_BOTTOM.anchor_size(to_screen(c + Vec2::new(0.0, 70.0))?, size);
            let below = Align2::CENTER_TOP.anchor_size(to_screen(c + Vec2::new(0.0, -80.0))?, size);
            let info = kinds::has_gauges(&p.0.kind)
                .then(|| Some(Align2::LEFT_CENTER.anchor_size(to_screen(c + Vec2::new(48.0, -70.0))?, numbers)))
                .flatten();
            Some(((name, p, live), NameSpot { disc: disc(o, (rim.x - o.x).abs()), info, above, below }))
        })
        .unzip();
    let places = place_names(&spots);
    let mut obstacles = Vec::new();
    for ((name, p, live), (spot, at)) in shown.iter().zip(spots.iter().zip(places)) {
        obstacles.push(spot.disc);
        obstacles.push(at);
        // A dark backing keeps the name legible over links and the grid.
        painter.rect_filled(at.expand2(egui::vec2(3.0, 1.0)), 3.0, Color32::from_rgba_unmultiplied(11, 14, 21, 200));
        painter.text(at.center(), Align2::CENTER_CENTER, name.as_str(), font.clone(), Color32::from_gray(230));
        obstacles.extend(node_label(&painter, &to_screen, p, live));
    }
    let mut wanted = Vec::new();
    for l in links.iter() {
        let (Some(a), Some(b)) = (pos_of(&l.0.from), pos_of(&l.0.to)) else { continue };
        if edge_ends(a, b).is_none() {
            continue;
        }
        let (Some(sa), Some(sb)) = (to_screen(a), to_screen(b)) else { continue };
        let galley = painter.layout_no_wrap(link_text(&l.0), FontId::proportional(11.0), Color32::from_gray(150));
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

/// A node's disc on screen, where its live numbers go, and the two places
/// its name may go.
#[derive(Clone, Copy, Debug)]
struct NameSpot {
    disc: egui::Rect,
    /// (None for kinds without live numbers.)
    info: Option<egui::Rect>,
    above: egui::Rect,
    below: egui::Rect,
}

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
/// not placed there. When every place is taken, the one that covers least.
fn place_names(spots: &[NameSpot]) -> Vec<egui::Rect> {
    let mut placed: Vec<egui::Rect> = Vec::new();
    for (i, s) in spots.iter().enumerate() {
        let size = s.above.size();
        let (centre, half) = (s.disc.center(), s.disc.width() / 2.0 + 6.0);
        let right = Align2::LEFT_CENTER.anchor_size(centre + egui::vec2(half, 0.0), size);
        let left = Align2::RIGHT_CENTER.anchor_size(centre - egui::vec2(half, 0.0), size);
        let higher = s.above.translate(egui::vec2(0.0, -(size.y + 2.0)));
        // Corners of the ring, for a node boxed in on every side.
        let corner = |dx: f32, dy: f32| centre + egui::vec2(dx, dy) * half * 0.75;
        let candidates = [
            (s.above, Slot::Above),
            (s.below, Slot::Below),
            (right, Slot::Side),
            (left, Slot::Side),
            (higher, Slot::Above),
            (Align2::LEFT_BOTTOM.anchor_size(corner(1.0, -1.0), size), Slot::Side),
            (Align2::RIGHT_BOTTOM.anchor_size(corner(-1.0, -1.0), size), Slot::Side),
            (Align2::LEFT_TOP.anchor_size(corner(1.0, 1.0), size), Slot::Side),
            (Align2::RIGHT_TOP.anchor_size(corner(-1.0, 1.0), size), Slot::Side),
        ];
        let covered = |&(r, slot): &(egui::Rect, Slot)| {
            covers(spots, i, r, slot) + placed.iter().map(|p| overlap(*p, r)).sum::<f32>()
        };
        let at = candidates.iter().find(|c| covered(c) == 0.0).unwrap_or_else(|| {
            candidates.iter().min_by(|a, b| covered(a).total_cmp(&covered(b))).unwrap_or(&candidates[0])
        });
        placed.push(at.0);
    }
    placed
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
    let slot = if r == s.below {
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
        each_framed_design(|path, s, to, spots, size| {
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
                candidates.push(label_places(to(a), to(b), size(&link_text(l), FontId::proportional(11.0))));
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

    /// Every shipped design with nodes, framed as [`Frame`] frames it: its
    /// path, the scenario, where a world point falls, its nodes' name
    /// spots, and how large a text is drawn.
    fn each_framed_design(
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
            let frame = Frame::of(&s);
            let to = |p: Vec2| frame.to(p);
            let spots = name_spots(&s, &to, frame.scale, &size);
            check(path, &s, &to, &spots, &size);
        }
    }

    /// A design framed on a 1100 × 650 canvas (never enlarged), as the
    /// layout tests see it.
    struct Frame {
        mid: Vec2,
        scale: f32,
    }

    impl Frame {
        fn of(s: &Scenario) -> Frame {
            let (lo, hi) = s.nodes.iter().fold((Vec2::MAX, Vec2::MIN), |(lo, hi), n| {
                let p = Vec2::new(n.pos.0, n.pos.1);
                (lo.min(p), hi.max(p))
            });
            let (lo, hi) = (lo - Vec2::new(100.0, 100.0), hi + Vec2::new(160.0, 110.0));
            Frame { mid: (lo + hi) / 2.0, scale: (1100.0 / (hi.x - lo.x)).min(650.0 / (hi.y - lo.y)).min(1.0) }
        }

        fn to(&self, p: Vec2) -> egui::Pos2 {
            egui::pos2(550.0 + (p.x - self.mid.x) * self.scale, 325.0 - (p.y - self.mid.y) * self.scale)
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
        s.nodes
            .iter()
            .map(|n| {
                let c = Vec2::new(n.pos.0, n.pos.1);
                let name = size(&n.id, FontId::proportional(14.0));
                NameSpot {
                    disc: disc(to(c), RING_RADIUS * scale),
                    info: kinds::has_gauges(&n.kind)
                        .then(|| Align2::LEFT_CENTER.anchor_size(to(c + Vec2::new(48.0, -70.0)), numbers)),
                    above: Align2::CENTER_BOTTOM.anchor_size(to(c + Vec2::new(0.0, 70.0)), name),
                    below: Align2::CENTER_TOP.anchor_size(to(c + Vec2::new(0.0, -80.0)), name),
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
        each_framed_design(|path, _, _, spots, _| {
            let always_above: Vec<egui::Rect> = spots.iter().map(|s| s.above).collect();
            let placed = place_names(spots);
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
}
