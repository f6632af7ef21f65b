//! Breaking things by hand: the fault buttons for a node or a link (in the
//! inspector and in the right-click menu), with adjustable strength and
//! duration. Which buttons there are is each fault's own business (its
//! `FaultKind::menu`); this file draws them.

use bevy_egui::egui::{DragValue, Ui};

use super::state::FaultStrength;
use crate::chaos::{Aim, Fault, MenuEntry};
use crate::sim::model::NodeKind;

/// What the strength fields are for.
#[derive(Clone, Copy, PartialEq)]
pub enum Target {
    Client,
    Node,
    Link,
}

impl Target {
    pub fn of(kind: &NodeKind) -> Target {
        if matches!(kind, NodeKind::Client(_)) { Target::Client } else { Target::Node }
    }
}

/// Strength and duration fields, compact: only those the buttons use.
pub fn strength(ui: &mut Ui, s: &mut FaultStrength, target: Target) {
    ui.horizontal_wrapped(|ui| {
        if target == Target::Link {
            ui.label("+").on_hover_text("Latency added each way (jitter is a fifth of it).");
            ui.add(DragValue::new(&mut s.add_ms).range(0.0..=60_000.0).speed(5.0).suffix(" ms"));
            ui.label("share").on_hover_text("Share of messages lost, corrupted or duplicated.");
            ui.add(DragValue::new(&mut s.share).range(0.0..=1.0).speed(0.01));
            ui.label("cap").on_hover_text("Bandwidth cap, each way.");
            ui.add(DragValue::new(&mut s.mbps).range(0.001..=1e6).speed(0.1).suffix(" Mb/s"));
        } else {
            ui.label("×").on_hover_text("CPU throttle or traffic spike factor.");
            ui.add(DragValue::new(&mut s.factor).range(0.01..=1000.0).speed(0.05));
        }
        if target == Target::Client {
            ui.label("share").on_hover_text("Share of requests on the hot key.");
            ui.add(DragValue::new(&mut s.share).range(0.0..=1.0).speed(0.01));
        }
        ui.label("for").on_hover_text("How long the fault lasts; 0: until healed.");
        ui.add(DragValue::new(&mut s.for_s).range(0.0..=86_400.0).speed(1.0).suffix(" s"));
    });
}

/// What a person chose in a fault menu: a fault to inject, or a concept
/// to read about one.
#[derive(Default)]
pub struct Picked {
    pub fault: Option<Fault>,
    pub concept: Option<&'static str>,
}

/// Buttons for the faults a node can suffer, and links to the concepts
/// about this kind failing that way.
pub fn node_faults(
    ui: &mut Ui,
    s: &FaultStrength,
    id: &str,
    kind: &NodeKind,
    zone: Option<&str>,
    zone_members: &[String],
) -> Picked {
    buttons(ui, Fault::menu(&Aim::Node { id, kind, zone, zone_members }, s), Some(kind.label()))
}

/// Buttons for the faults a link can suffer, and links to the concepts
/// about them.
pub fn link_faults(ui: &mut Ui, s: &FaultStrength, from: &str, to: &str) -> Picked {
    buttons(ui, Fault::menu(&Aim::Link { from, to }, s), None)
}

/// One button per entry, wrapped, then "Learn:" and the concepts about
/// these faults (and about `kind`, when given).
fn buttons(ui: &mut Ui, entries: Vec<MenuEntry>, kind: Option<&str>) -> Picked {
    let mut picked = Picked::default();
    let verbs: Vec<&str> = entries.iter().map(|e| e.fault.verb()).collect();
    ui.horizontal_wrapped(|ui| {
        for e in entries {
            if ui.button(e.label).on_hover_text(e.tip).clicked() {
                picked.fault = Some(e.fault);
            }
        }
    });
    let about: Vec<_> = crate::learn::concept::Loaded::all()
        .into_iter()
        .flatten()
        .filter(|l| {
            let a = &l.concept.about;
            a.iter().any(|x| verbs.contains(&x.as_str())) && kind.is_none_or(|k| a.iter().any(|x| x == k))
        })
        .collect();
    picked.concept = super::concept_panel::links(ui, "Learn how it fails:", &about);
    picked
}
