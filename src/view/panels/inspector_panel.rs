//! The inspector on the right: the selected node's or link's parameters,
//! its faults, and what it is doing now.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_egui::EguiPrimaryContextPass;
use bevy_egui::egui::{self, DragValue, RichText};

use super::super::state::{FaultStrength, Panels, Selection};
use super::super::{chaos_menu, inspector, kinds, theme};
use super::layout::{PanelSet, RootUi};
use crate::chaos::ChaosCommand;
use crate::edit::{Edit, EditBatch};
use crate::sim::model::*;
use crate::sim::{LinkParams, NodeLive, NodeParams, Sim, SimNode};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, inspector_panel.in_set(PanelSet::Inspector));
}

type NodeQuery<'w, 's> = Query<'w, 's, (&'static SimNode, &'static Name, &'static mut NodeParams, &'static NodeLive)>;

/// What the inspector reads and writes.
#[derive(SystemParam)]
struct Inspector<'w, 's> {
    panels: Res<'w, Panels>,
    pointer: Res<'w, super::super::pointer::Pointer>,
    selection: ResMut<'w, Selection>,
    sim: Option<Res<'w, Sim>>,
    nodes: NodeQuery<'w, 's>,
    links: Query<'w, 's, &'static mut LinkParams>,
    edits: MessageWriter<'w, EditBatch>,
    chaos: MessageWriter<'w, ChaosCommand>,
    strength: ResMut<'w, FaultStrength>,
    lesson: ResMut<'w, super::super::lesson_panel::LessonState>,
}

fn inspector_panel(mut root: ResMut<RootUi>, mut st: Inspector) {
    let Some(root) = root.get() else { return };
    if !st.panels.inspector {
        return;
    }
    let compact = st.panels.compact;
    let pointer = *st.pointer;
    let Inspector { selection, nodes, links, sim, edits, chaos, strength, lesson, .. } = &mut st;
    let types = inspector::type_names(nodes.iter().map(|(_, _, p, _)| &p.0.kind), links.iter().map(|l| &l.0));
    let level = lesson.levels.level();
    // On a narrow window the inspector is a drawer from the bottom, open
    // while something is selected.
    // (Nor while a finger or the mouse is busy on the canvas: a drawer
    // appearing under a drag would hide where it is going.)
    if compact && (**selection == Selection::None || (pointer.pressed && pointer.on_canvas)) {
        return;
    }
    let panel = if compact {
        let height = (root.max_rect().height() * 0.45).min(380.0);
        egui::Panel::bottom("inspector-drawer").resizable(false).exact_size(height)
    } else {
        egui::Panel::right("inspector").resizable(true).default_size(300.0)
    };
    panel.show(root, |ui| {
        if compact && ui.button("Close").on_hover_text("Deselect").clicked() {
            **selection = Selection::None;
        }
        egui::ScrollArea::vertical().show(ui, |ui| match **selection {
            Selection::Node(e) => {
                let ends: Vec<(String, String)> = links.iter().map(|l| (l.0.from.clone(), l.0.to.clone())).collect();
                let fx = (&mut *edits, &mut *chaos, &mut **strength);
                if let Some(id) = node(ui, e, nodes, sim.as_deref(), fx, &types, &ends, level.as_ref()) {
                    super::super::lesson_panel::open_concept(lesson, id);
                }
            }
            Selection::Link(e) => {
                if let Some(id) = link(ui, e, links, edits, chaos, strength, &types) {
                    super::super::lesson_panel::open_concept(lesson, id);
                }
            }
            Selection::None => nothing_selected(ui),
        });
    });
}

/// Links to the concepts about the selected node's kind that name no fault
/// (those about breaking it are linked under its fault buttons); returns
/// one to open.
fn learn_links(ui: &mut egui::Ui, kind: &NodeKind) -> Option<&'static str> {
    use crate::learn::concept::{about, fault_verbs};
    let verbs = fault_verbs();
    let names_fault = |l: &crate::learn::concept::Loaded| l.concept.about.iter().any(|a| verbs.contains(&a.as_str()));
    let about: Vec<_> = about(kind.label()).into_iter().filter(|l| !names_fault(l)).collect();
    super::super::concept_panel::links(ui, "Learn:", &about)
}

/// A node's editors, price and zone, faults and live numbers; returns a
/// concept to open.
#[allow(clippy::too_many_arguments)]
fn node(
    ui: &mut egui::Ui,
    e: Entity,
    nodes: &mut NodeQuery,
    sim: Option<&Sim>,
    (edits, chaos, strength): (&mut MessageWriter<EditBatch>, &mut MessageWriter<ChaosCommand>, &mut FaultStrength),
    types: &[String],
    ends: &[(String, String)],
    level: Option<&crate::learn::level::Loaded>,
) -> Option<&'static str> {
    let zones: Vec<(String, Option<String>)> =
        nodes.iter().map(|(_, n, p, _)| (n.to_string(), p.0.zone.clone())).collect();
    let Ok((_, name, mut params, live)) = nodes.get_mut(e) else { return None };
    ui.heading(format!("{} {}", kinds::glyph(&params.0.kind), name));
    ui.label(RichText::new(params.0.kind.label()).weak());
    if let Some(l) = level {
        ui.label(RichText::new(level_note(l, &params.0)).small().color(egui::Color32::LIGHT_YELLOW));
    }
    let mut learn = learn_links(ui, &params.0.kind);
    ui.separator();
    let mut spec = params.0.clone();
    kinds::editors(ui, &mut spec.kind, types);
    ui.horizontal(|ui| {
        ui.label("price").on_hover_text("What this node costs to run, in $ per hour.");
        let mut p = spec.price_per_hour();
        // In a level the price is the cloud's.
        let r = ui.add_enabled(
            level.is_none(),
            DragValue::new(&mut p).range(0.0..=1e6).speed(0.005).prefix("$").suffix("/h"),
        );
        if r.changed() {
            spec.price_per_hour = Some(p);
        }
        ui.label(RichText::new(format!("${:.0}/month", p * 730.0)).weak());
    });
    ui.horizontal(|ui| {
        ui.label("zone").on_hover_text("Availability zone, for zone-outage drills (empty: none).");
        let mut z = spec.zone.clone().unwrap_or_default();
        if ui.add(egui::TextEdit::singleline(&mut z).desired_width(90.0)).changed() {
            spec.zone = (!z.trim().is_empty()).then(|| z.trim().to_string());
        }
    });
    // In a level, an edit that would break its rules (a locked field, a
    // template's fixed one) does not happen; the reason shows instead.
    // (The level's canvas is read only when something was edited.)
    let start = level.filter(|_| spec != params.0).and_then(|l| l.start().ok());
    if let (Some(l), Some(start)) = (level, &start)
        && l.level.node_problem(start, &params.0).is_none()
        && let Some(why) = l.level.node_problem(start, &spec)
    {
        ui.colored_label(theme::to_egui(theme::BAD), format!("Not in this level: {why}"));
        spec = params.0.clone();
    }
    if spec != params.0 {
        // Show it at once; the edit (with its undo step) reaches
        // the engine on the next tick.
        params.0 = spec.clone();
        edits.write(EditBatch::user(vec![Edit::SetNode(spec)]));
    }
    let locked = level.is_some_and(|l| l.level.locked.contains(&params.0.id));
    ui.horizontal(|ui| {
        // Connecting without a drag (a phone, a keyboard): pick the callee.
        let free: Vec<&str> = zones
            .iter()
            .map(|(n, _)| n.as_str())
            .filter(|n| *n != name.as_str() && !ends.iter().any(|(f, t)| f == name.as_str() && t == n))
            .collect();
        ui.add_enabled_ui(!free.is_empty(), |ui| {
            ui.menu_button("Link to…", |ui| {
                egui::ScrollArea::vertical().max_height(240.0).show(ui, |ui| {
                    for to in &free {
                        if ui.button(*to).clicked() {
                            let link = super::super::canvas::new_link(level, name.as_str(), to);
                            edits.write(EditBatch::user(vec![Edit::AddLink(link)]));
                            ui.close();
                        }
                    }
                });
            })
            .response
            .on_hover_text("Add a link from this node to another (or drag from its rim)");
        });
        let delete = ui.add_enabled(!locked, egui::Button::new("🗑 Delete node"));
        if delete.on_hover_text("Delete (its links go too; work in flight there fails)").clicked() {
            edits.write(EditBatch::user(vec![Edit::RemoveNode(name.to_string())]));
        }
    });
    ui.separator();
    ui.label(RichText::new("Break it").strong())
        .on_hover_text("Faults start now and last until healed, or for the time set (Chaos in the top bar). Right-click a node or link for the same.");
    chaos_menu::strength(ui, strength, chaos_menu::Target::of(&params.0.kind));
    let zone = params.0.zone.clone();
    let members: Vec<String> =
        zones.iter().filter(|(_, z)| zone.is_some() && *z == zone).map(|(n, _)| n.clone()).collect();
    let picked = chaos_menu::node_faults(ui, strength, name.as_str(), &params.0.kind, zone.as_deref(), &members);
    if let Some(f) = picked.fault {
        chaos.write(ChaosCommand::InjectFor(f, strength.for_s));
    }
    learn = picked.concept.or(learn);
    ui.separator();
    if matches!(params.0.kind, NodeKind::Client(_)) {
        // A client has no workers or queue; the charts show its traffic.
        return learn;
    }
    ui.label(RichText::new("Live").strong());
    let workers = if live.workers == u32::MAX { "∞".to_string() } else { live.workers.to_string() };
    ui.label(format!("busy {} / {workers} · queued {}", live.busy, live.queued));
    if live.workers != u32::MAX {
        ui.label(format!("utilisation {:.1}% (last second)", live.utilization * 100.0));
    }
    if live.rejected_last_window > 0 {
        ui.colored_label(theme::to_egui(theme::BAD), format!("{} rejected last second", live.rejected_last_window));
    }
    if let Some(sim) = sim {
        if let Some(n) = sim.nodes().iter().find(|n| n.spec.id == name.as_str() && !n.removed) {
            let s = &n.stats;
            ui.label(format!(
                "since start: {} arrivals, sojourn mean {:.2} ms, p99 {:.2} ms",
                s.arrivals,
                s.sojourn.mean_ms(),
                s.sojourn.quantile_ms(0.99)
            ));
            kinds::live(ui, n, &sim.links(), sim.now(), sim.now() - sim.stats_since());
        }
    }
    learn
}

/// A link's editors and faults.
fn link(
    ui: &mut egui::Ui,
    e: Entity,
    links: &mut Query<&mut LinkParams>,
    edits: &mut MessageWriter<EditBatch>,
    chaos: &mut MessageWriter<ChaosCommand>,
    strength: &mut FaultStrength,
    types: &[String],
) -> Option<&'static str> {
    let Ok(mut lp) = links.get_mut(e) else { return None };
    ui.heading(format!("{} -> {}", lp.0.from, lp.0.to));
    ui.label(RichText::new("link").weak());
    let about: Vec<_> =
        crate::learn::concept::LINK_TOPICS.iter().flat_map(|t| crate::learn::concept::about(t)).collect();
    let learn = super::super::concept_panel::links(ui, "Learn:", &about);
    ui.separator();
    let mut spec = lp.0.clone();
    inspector::link(ui, &mut spec, types);
    if spec != lp.0 {
        lp.0 = spec.clone();
        edits.write(EditBatch::user(vec![Edit::SetLink(spec)]));
    }
    if ui.button("🗑 Delete link").on_hover_text("Delete").clicked() {
        edits.write(EditBatch::user(vec![Edit::RemoveLink { from: lp.0.from.clone(), to: lp.0.to.clone() }]));
    }
    ui.separator();
    ui.label(RichText::new("Break it").strong())
        .on_hover_text("Faults start now and last until healed, or for the time set (Chaos in the top bar).");
    chaos_menu::strength(ui, strength, chaos_menu::Target::Link);
    let picked = chaos_menu::link_faults(ui, strength, &lp.0.from, &lp.0.to);
    if let Some(f) = picked.fault {
        chaos.write(ChaosCommand::InjectFor(f, strength.for_s));
    }
    learn.or(picked.concept)
}

/// What the level lets the player do with this node.
fn level_note(l: &crate::learn::level::Loaded, n: &crate::sim::model::NodeSpec) -> String {
    let v = l.level;
    if v.locked.contains(&n.id) {
        let prefix = format!("{}.", n.id);
        let mine: Vec<&str> = v.editable.iter().filter_map(|e| e.strip_prefix(&prefix)).collect();
        return if mine.is_empty() {
            "🔒 Locked by the level".into()
        } else {
            format!("🔒 Locked by the level, except {}", mine.join(", "))
        };
    }
    match v.template_for(n) {
        Ok(t) if t.edit.is_empty() => format!("Level template {}: nothing to set", t.name),
        Ok(t) => format!("Level template {}: you set {}", t.name, t.edit.join(", ")),
        Err(e) => format!("⚠ {e}"),
    }
}

fn nothing_selected(ui: &mut egui::Ui) {
    ui.heading("Inspector");
    ui.label(
        "Click a node or a link to see and change its parameters. Changes apply to the running simulation at once.",
    );
    ui.add_space(8.0);
    ui.label(RichText::new("Drag a node to move it; drag from a node's rim (or Shift-drag) to another node to connect them; drag empty space to pan; scroll to zoom. Add nodes from the palette on the left.").weak());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::engine::{Engine, Topology};

    /// Run one egui frame off screen (there is no renderer: the texture
    /// uploads are dropped on purpose).
    fn frame(mut add: impl FnMut(&mut egui::Ui)) {
        let ctx = egui::Context::default();
        let mut out = ctx.run_ui(egui::RawInput::default(), |ui| add(ui));
        out.textures_delta.clear();
    }

    #[test]
    fn every_kind_has_editors_and_live_numbers() {
        // One node of each kind, each feeding the next where it can, run for
        // a few seconds; then the inspector's editors and live lines draw
        // for every one of them without a fault.
        let kinds = NodeKind::catalogue();
        let nodes: Vec<NodeSpec> = kinds
            .iter()
            .enumerate()
            .map(|(i, k)| NodeSpec {
                id: format!("n{i}"),
                kind: k.clone(),
                pos: (0.0, 0.0),
                zone: None,
                price_per_hour: None,
            })
            .collect();
        let links: Vec<LinkSpec> = (1..nodes.len()).map(|i| LinkSpec::new(&nodes[0].id, &nodes[i].id, 1.0)).collect();
        let link_ends = (1..nodes.len()).map(|i| (0u32, i as u32)).collect();
        let mut e = Engine::new(Topology { nodes: nodes.clone(), links: links.clone(), link_ends }, 1);
        e.run_until(3_000_000_000);
        let types = inspector::type_names(kinds.iter(), links.iter());
        for (i, kind) in kinds.iter().enumerate() {
            let mut edited = kind.clone();
            frame(|ui| kinds::editors(ui, &mut edited, &types));
            assert_eq!(&edited, kind, "drawing the editors changes nothing");
            frame(|ui| kinds::live(ui, &e.nodes()[i], &e.links(), e.now(), e.now()));
            let s = FaultStrength::default();
            frame(|ui| assert!(chaos_menu::node_faults(ui, &s, "n", kind, Some("z"), &[]).fault.is_none()));
            assert!(!kinds::glyph(kind).is_empty());
        }
        let mut l = links[0].clone();
        frame(|ui| inspector::link(ui, &mut l, &types));
        assert_eq!(l, links[0]);
    }

    #[test]
    fn showing_a_shipped_scenario_in_the_inspector_changes_nothing() {
        // Widgets must never rewrite a value merely by drawing it (e.g. a
        // slider clamping 30 000 workers to its own range).
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out);
                } else if crate::scenario::is_scenario_file(&p) {
                    out.push(p);
                }
            }
        }
        let mut files = Vec::new();
        walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"), &mut files);
        for f in files {
            let (s, _) = crate::scenario::Scenario::load(&f).unwrap();
            let types = inspector::type_names(s.nodes.iter().map(|n| &n.kind), s.links.iter());
            for n in &s.nodes {
                let mut k = n.kind.clone();
                frame(|ui| kinds::editors(ui, &mut k, &types));
                assert_eq!(k, n.kind, "{}: {}", f.display(), n.id);
            }
            for l in &s.links {
                let mut edited = l.clone();
                frame(|ui| inspector::link(ui, &mut edited, &types));
                assert_eq!(&edited, l, "{}: {} -> {}", f.display(), l.from, l.to);
            }
        }
    }
}
