//! Breaking things by hand: the fault buttons for a node or a link (in the
//! inspector and in the right-click menu), with adjustable strength and
//! duration.

use bevy_egui::egui::{DragValue, Ui};

use super::state::FaultStrength;
use crate::chaos::Fault;
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

/// Buttons for the faults a node can suffer; returns the one clicked.
pub fn node_faults(
    ui: &mut Ui,
    s: &FaultStrength,
    id: &str,
    kind: &NodeKind,
    zone: Option<&str>,
    zone_members: &[String],
) -> Option<Fault> {
    let mut picked = None;
    let id = id.to_string();
    ui.horizontal_wrapped(|ui| {
        let mut button = |ui: &mut Ui, label: String, tip: &str, f: Fault| {
            if ui.button(label).on_hover_text(tip).clicked() {
                picked = Some(f);
            }
        };
        if matches!(kind, NodeKind::Client(_)) {
            client_faults(ui, &mut button, s, &id);
            return;
        }
        button(
            ui,
            "Kill".into(),
            "Crash: work there fails, arrivals are refused",
            Fault::Kill(crate::chaos::Kill { node: id.clone() }),
        );
        button(
            ui,
            "Pause".into(),
            "Freeze: nothing progresses until healed, then it resumes",
            Fault::Pause(crate::chaos::Pause { node: id.clone() }),
        );
        let k = s.factor;
        button(
            ui,
            format!("CPU ×{k}"),
            "Every request takes this many times longer",
            Fault::CpuThrottle(crate::chaos::CpuThrottle { node: id.clone(), factor: k }),
        );
        let group = if zone.is_some() && !zone_members.is_empty() { zone_members.to_vec() } else { vec![id.clone()] };
        button(
            ui,
            "Partition".into(),
            "Cut this node (its whole zone, if it has one) off from all others",
            Fault::Partition(crate::chaos::Partition { nodes: group }),
        );
        button(
            ui,
            "Restart".into(),
            "Crash and restart; 3× slower until warm (10 s)",
            Fault::Restart(crate::chaos::Restart { node: id.clone(), warmup_s: 10.0 }),
        );
        button(
            ui,
            "Memory leak".into(),
            "Slower and slower, crashes after 30 s",
            Fault::MemoryLeak(crate::chaos::MemoryLeak { node: id.clone(), crash_after_s: 30.0 }),
        );
        let workers = pool_size(kind);
        let leaked = (workers * 3 / 4).max(1);
        button(
            ui,
            "Leak 75% of pool".into(),
            "Connections held by a leak: fewer workers",
            Fault::PoolExhaustion(crate::chaos::PoolExhaustion { node: id.clone(), leaked }),
        );
        kind_faults(ui, &mut button, s, &id, kind, zone);
    });
    picked
}

/// A fault button: its label, tooltip and the fault it injects.
type Button<'a> = dyn FnMut(&mut Ui, String, &str, Fault) + 'a;

/// What a client can suffer: spikes, herds, hot keys, a skewed clock.
fn client_faults(ui: &mut Ui, button: &mut Button, s: &FaultStrength, id: &str) {
    let k = s.factor;
    button(
        ui,
        format!("Spike ×{k}"),
        "Multiply this client's request rate",
        Fault::TrafficSpike(crate::chaos::TrafficSpike { client: id.to_string(), factor: k }),
    );
    button(
        ui,
        "Herd".into(),
        "2 000 requests at the same instant",
        Fault::ThunderingHerd(crate::chaos::ThunderingHerd { client: id.to_string(), requests: 2000 }),
    );
    let pct = s.share * 100.0;
    button(
        ui,
        format!("Hot key {pct:.0}%"),
        "This share of requests use one key",
        Fault::HotKey(crate::chaos::HotKey { client: id.to_string(), share: s.share }),
    );
    button(
        ui,
        "Clock ×0.2".into(),
        "Clock skew: timeouts fire five times too early",
        Fault::ClockSkew(crate::chaos::ClockSkew { client: id.to_string(), factor: 0.2 }),
    );
}

/// The faults only some kinds have: failover and lag, a full disk, a
/// flushed cache, and an outage of the node's zone.
fn kind_faults(ui: &mut Ui, button: &mut Button, s: &FaultStrength, id: &str, kind: &NodeKind, zone: Option<&str>) {
    if matches!(kind, NodeKind::ReplicatedDatabase(_)) {
        button(
            ui,
            "Failover".into(),
            "The primary dies: writes fail until a replica is promoted",
            Fault::LeaderFailover(crate::chaos::LeaderFailover { node: id.to_string() }),
        );
        let ms = s.add_ms.max(1.0) * 5.0;
        button(
            ui,
            format!("Lag +{ms:.0} ms"),
            "Replicas fall further behind: more stale reads",
            Fault::ReplicaLag(crate::chaos::ReplicaLag { node: id.to_string(), add_ms: ms }),
        );
    }
    let stores = matches!(
        kind,
        NodeKind::Database(_) | NodeKind::Queue(_) | NodeKind::ShardedDatabase(_) | NodeKind::ReplicatedDatabase(_)
    );
    if stores {
        button(
            ui,
            "Disk full".into(),
            "Writes fail; reads still work",
            Fault::DiskFull(crate::chaos::DiskFull { node: id.to_string() }),
        );
    }
    if matches!(kind, NodeKind::Cache(_) | NodeKind::Cdn(_)) {
        button(
            ui,
            "Flush".into(),
            "Empty the cache; it warms back over 10 s",
            Fault::CacheFlush(crate::chaos::CacheFlush { node: id.to_string(), warmup_s: 10.0 }),
        );
    }
    if let Some(zone) = zone {
        button(
            ui,
            format!("Zone {zone} outage"),
            "Crash every node in this zone",
            Fault::ZoneOutage(crate::chaos::ZoneOutage { zone: zone.to_string() }),
        );
    }
}

/// The workers or connections a pool leak takes from.
fn pool_size(kind: &NodeKind) -> u32 {
    match kind {
        NodeKind::Service(s) => s.workers,
        NodeKind::Database(d) => d.pool,
        NodeKind::ShardedDatabase(d) => d.pool,
        NodeKind::ReplicatedDatabase(d) => d.pool,
        NodeKind::Cache(c) => c.workers,
        NodeKind::Gateway(g) => g.workers,
        NodeKind::Autoscaling(a) => a.workers_per_instance * a.initial,
        NodeKind::Serverless(f) => f.concurrency,
        NodeKind::WebsocketGateway(w) => w.workers,
        _ => 4,
    }
}

/// Buttons for the faults a link can suffer; returns the one clicked.
pub fn link_faults(ui: &mut Ui, s: &FaultStrength, from: &str, to: &str) -> Option<Fault> {
    let mut picked = None;
    let (from, to) = (from.to_string(), to.to_string());
    ui.horizontal_wrapped(|ui| {
        let mut button = |ui: &mut Ui, label: String, tip: &str, f: Fault| {
            if ui.button(label).on_hover_text(tip).clicked() {
                picked = Some(f);
            }
        };
        let (ms, pct) = (s.add_ms, s.share * 100.0);
        let latency = Fault::Latency(crate::chaos::Latency {
            from: from.clone(),
            to: to.clone(),
            add_ms: ms,
            jitter_ms: ms / 5.0,
        });
        button(ui, format!("+{ms:.0} ms"), "Add latency (and a fifth of it as jitter) each way", latency);
        button(
            ui,
            format!("{pct:.0}% loss"),
            "Lose this share of messages",
            Fault::PacketLoss(crate::chaos::PacketLoss { from: from.clone(), to: to.clone(), loss: s.share }),
        );
        let mbps = s.mbps;
        button(
            ui,
            format!("{mbps} Mbps"),
            "Cap the bandwidth: messages queue for the wire",
            Fault::Bandwidth(crate::chaos::Bandwidth { from: from.clone(), to: to.clone(), mbps }),
        );
        button(
            ui,
            "Blackhole".into(),
            "Drop everything silently: only timeouts notice",
            Fault::Blackhole(crate::chaos::Blackhole { from: from.clone(), to: to.clone() }),
        );
        button(
            ui,
            format!("Corrupt {pct:.0}%"),
            "This share of answers arrive corrupted",
            Fault::Corrupt(crate::chaos::Corrupt { from: from.clone(), to: to.clone(), share: s.share }),
        );
        button(
            ui,
            format!("Duplicate {pct:.0}%"),
            "Deliver this share of requests twice",
            Fault::Duplicate(crate::chaos::Duplicate { from: from.clone(), to: to.clone(), share: s.share }),
        );
    });
    picked
}
