//! Chaos: faults a person injects live, schedules in a scenario file
//! (`at_s: 30, for_s: 20, fault: Kill(node: "app-2")`) or passes on the command
//! line (`--chaos "kill app-2 at 10s for 5s"`). Names follow the industry's
//! tools (Gremlin, Chaos Mesh, Toxiproxy). The engine carries them out; this
//! module is the model, its checks and the wiring into the app.

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use crate::sim::engine::faults_api::Effect;
use crate::sim::engine::{LinkRt, NodeRt};
use crate::sim::time::{ms_to_nanos, secs_to_nanos};
use crate::sim::{Sim, SimSystems};

/// One fault and what it targets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Fault {
    /// Crash a node: its queued and in-progress work fails, arrivals are
    /// refused (`node_down`) until it is healed.
    Kill { node: String },
    /// Freeze a node (like SIGSTOP or a long GC pause): nothing progresses,
    /// arrivals queue up, and everything resumes where it stopped.
    Pause { node: String },
    /// Make a node's work take `factor` times longer.
    CpuThrottle { node: String, factor: f64 },
    /// Add delay (and uniform jitter) to a link, both directions.
    Latency { from: String, to: String, add_ms: f64, jitter_ms: f64 },
    /// Lose this share of the messages crossing a link.
    PacketLoss { from: String, to: String, loss: f64 },
    /// Cap a link's bandwidth (Mbit/s, each direction).
    Bandwidth { from: String, to: String, mbps: f64 },
    /// Drop everything on a link without telling anyone: only timeouts notice.
    Blackhole { from: String, to: String },
    /// Cut these nodes off from all others: links crossing the cut blackhole.
    Partition { nodes: Vec<String> },
    /// Multiply a client's open-loop request rate.
    TrafficSpike { client: String, factor: f64 },
}

/// A fault on a schedule (times in sim seconds).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledFault {
    pub at_s: f64,
    /// How long it lasts; absent: until the end of the run.
    #[serde(default)]
    pub for_s: Option<f64>,
    pub fault: Fault,
}

impl Fault {
    /// Short human description, e.g. `kill app-2`.
    pub fn label(&self) -> String {
        match self {
            Fault::Kill { node } => format!("kill {node}"),
            Fault::Pause { node } => format!("pause {node}"),
            Fault::CpuThrottle { node, factor } => format!("throttle {node} x{factor}"),
            Fault::Latency { from, to, add_ms, jitter_ms } => {
                format!("latency {from}->{to} +{add_ms}ms±{jitter_ms}ms")
            }
            Fault::PacketLoss { from, to, loss } => format!("loss {from}->{to} {}%", loss * 100.0),
            Fault::Bandwidth { from, to, mbps } => format!("bandwidth {from}->{to} {mbps}Mbps"),
            Fault::Blackhole { from, to } => format!("blackhole {from}->{to}"),
            Fault::Partition { nodes } => format!("partition {}", nodes.join(",")),
            Fault::TrafficSpike { client, factor } => format!("spike {client} x{factor}"),
        }
    }

    /// Check names and numbers against a scenario's nodes and links; `Err`
    /// gives the field and what is wrong with it.
    pub fn check(
        &self,
        node_exists: impl Fn(&str) -> bool,
        link_exists: impl Fn(&str, &str) -> bool,
    ) -> Result<(), (&'static str, String)> {
        let node = |field: &'static str, id: &str| {
            if node_exists(id) { Ok(()) } else { Err((field, format!("no node has id \"{id}\""))) }
        };
        let link = |from: &str, to: &str| {
            if link_exists(from, to) { Ok(()) } else { Err(("to", format!("no link \"{from}\" -> \"{to}\""))) }
        };
        let positive = |field: &'static str, v: f64| {
            if v.is_finite() && v > 0.0 { Ok(()) } else { Err((field, format!("must be a positive number, got {v}"))) }
        };
        match self {
            Fault::Kill { node: n } | Fault::Pause { node: n } => node("node", n),
            Fault::CpuThrottle { node: n, factor } => node("node", n).and(positive("factor", *factor)),
            Fault::Latency { from, to, add_ms, jitter_ms } => {
                link(from, to)?;
                if !(add_ms.is_finite() && *add_ms >= 0.0) {
                    return Err(("add_ms", format!("must be a non-negative number, got {add_ms}")));
                }
                if !(jitter_ms.is_finite() && *jitter_ms >= 0.0) {
                    return Err(("jitter_ms", format!("must be a non-negative number, got {jitter_ms}")));
                }
                Ok(())
            }
            Fault::PacketLoss { from, to, loss } => {
                link(from, to)?;
                if loss.is_finite() && (0.0..=1.0).contains(loss) {
                    Ok(())
                } else {
                    Err(("loss", format!("must be between 0 and 1, got {loss}")))
                }
            }
            Fault::Bandwidth { from, to, mbps } => link(from, to).and(positive("mbps", *mbps)),
            Fault::Blackhole { from, to } => link(from, to),
            Fault::Partition { nodes } => {
                if nodes.is_empty() {
                    return Err(("nodes", "a partition needs at least one node".into()));
                }
                nodes.iter().try_for_each(|n| node("nodes", n))
            }
            Fault::TrafficSpike { client, factor } => node("client", client).and(positive("factor", *factor)),
        }
    }

    /// Resolve names to engine indices; `Err` names what is wrong.
    pub fn effects(&self, nodes: &[NodeRt], links: &[LinkRt]) -> Result<Vec<Effect>, String> {
        let node = |id: &str| {
            nodes
                .iter()
                .position(|n| n.spec.id == id && !n.removed)
                .map(|i| i as u32)
                .ok_or(format!("no node \"{id}\""))
        };
        let link = |from: &str, to: &str| {
            links
                .iter()
                .position(|l| l.spec.from == from && l.spec.to == to && !l.removed)
                .map(|i| i as u32)
                .ok_or(format!("no link \"{from}\" -> \"{to}\""))
        };
        let positive = |what: &str, v: f64| {
            if v.is_finite() && v > 0.0 { Ok(v) } else { Err(format!("{what} must be a positive number, got {v}")) }
        };
        Ok(match self {
            Fault::Kill { node: n } => vec![Effect::NodeDown(node(n)?)],
            Fault::Pause { node: n } => vec![Effect::NodePause(node(n)?)],
            Fault::CpuThrottle { node: n, factor } => vec![Effect::NodeSlow(node(n)?, positive("factor", *factor)?)],
            Fault::Latency { from, to, add_ms, jitter_ms } => {
                if !(add_ms.is_finite() && *add_ms >= 0.0 && jitter_ms.is_finite() && *jitter_ms >= 0.0) {
                    return Err("add_ms and jitter_ms must be non-negative numbers".into());
                }
                vec![Effect::LinkLatency(link(from, to)?, ms_to_nanos(*add_ms), jitter_ms * 1e6)]
            }
            Fault::PacketLoss { from, to, loss } => {
                if !(loss.is_finite() && (0.0..=1.0).contains(loss)) {
                    return Err(format!("loss must be between 0 and 1, got {loss}"));
                }
                vec![Effect::LinkLoss(link(from, to)?, *loss)]
            }
            Fault::Bandwidth { from, to, mbps } => {
                vec![Effect::LinkBandwidth(link(from, to)?, positive("mbps", *mbps)?)]
            }
            Fault::Blackhole { from, to } => vec![Effect::LinkBlackhole(link(from, to)?)],
            Fault::Partition { nodes: group } => {
                let inside: Vec<u32> = group.iter().map(|n| node(n)).collect::<Result<_, _>>()?;
                links
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| !l.removed && inside.contains(&l.from) != inside.contains(&l.to))
                    .map(|(i, _)| Effect::LinkBlackhole(i as u32))
                    .collect()
            }
            Fault::TrafficSpike { client, factor } => vec![Effect::Spike(node(client)?, positive("factor", *factor)?)],
        })
    }

    /// Parse the command-line form, e.g. `kill app-2 at 10s for 5s`,
    /// `latency lb->app-1 +100ms at 5s`, `loss a->b 20% at 0s`,
    /// `partition db,cache at 30s for 10s`, `spike users x3 at 20s`.
    pub fn parse_cli(text: &str) -> Result<ScheduledFault, String> {
        let usage = "expected e.g. \"kill app-2 at 10s for 5s\" (verbs: kill, pause, throttle NODE xK, \
                     latency A->B +Nms, loss A->B N%, bandwidth A->B NMbps, blackhole A->B, \
                     partition A,B,..., spike CLIENT xK)";
        let words: Vec<&str> = text.split_whitespace().collect();
        let find = |kw: &str| words.iter().position(|w| *w == kw);
        let secs = |w: Option<&&str>| -> Result<f64, String> {
            let w = w.ok_or(usage)?;
            w.trim_end_matches('s').parse::<f64>().map_err(|_| format!("bad time \"{w}\": {usage}"))
        };
        let at_s = match find("at") {
            Some(i) => secs(words.get(i + 1))?,
            None => 0.0,
        };
        let for_s = match find("for") {
            Some(i) => Some(secs(words.get(i + 1))?),
            None => None,
        };
        let end = [find("at"), find("for")].into_iter().flatten().min().unwrap_or(words.len());
        let args = &words[..end];
        let ends = |w: &str| -> Result<(String, String), String> {
            let (a, b) = w.split_once("->").ok_or(format!("\"{w}\" should be FROM->TO"))?;
            Ok((a.to_string(), b.to_string()))
        };
        let num = |w: Option<&&str>, strip: &[&str]| -> Result<f64, String> {
            let mut w = *w.ok_or(usage)?;
            for s in strip {
                w = w.trim_start_matches(s).trim_end_matches(s);
            }
            w.parse::<f64>().map_err(|_| format!("bad number in \"{text}\": {usage}"))
        };
        let target = *args.get(1).ok_or(usage)?;
        let fault = match args.first().copied().unwrap_or("") {
            "kill" => Fault::Kill { node: target.into() },
            "pause" => Fault::Pause { node: target.into() },
            "throttle" => Fault::CpuThrottle { node: target.into(), factor: num(args.get(2), &["x", "×"])? },
            "latency" => {
                let (from, to) = ends(target)?;
                Fault::Latency { from, to, add_ms: num(args.get(2), &["+", "ms"])?, jitter_ms: 0.0 }
            }
            "loss" => {
                let (from, to) = ends(target)?;
                Fault::PacketLoss { from, to, loss: num(args.get(2), &["%"])? / 100.0 }
            }
            "bandwidth" => {
                let (from, to) = ends(target)?;
                Fault::Bandwidth { from, to, mbps: num(args.get(2), &["Mbps", "mbps"])? }
            }
            "blackhole" => {
                let (from, to) = ends(target)?;
                Fault::Blackhole { from, to }
            }
            "partition" => Fault::Partition { nodes: target.split(',').map(String::from).collect() },
            "spike" => Fault::TrafficSpike { client: target.into(), factor: num(args.get(2), &["x", "×"])? },
            other => return Err(format!("unknown fault \"{other}\": {usage}")),
        };
        if !at_s.is_finite() || at_s < 0.0 || for_s.is_some_and(|f| !f.is_finite() || f < 0.0) {
            return Err(format!("times must be non-negative: {text}"));
        }
        Ok(ScheduledFault { at_s, for_s, fault })
    }
}

impl ScheduledFault {
    /// Put it on the engine's schedule.
    pub fn schedule(&self, sim: &mut crate::sim::Engine) -> Result<u32, String> {
        let effects = self.fault.effects(&sim.nodes, &sim.links)?;
        let start = secs_to_nanos(self.at_s);
        let end = self.for_s.map(|d| start + secs_to_nanos(d));
        Ok(sim.schedule_fault(self.fault.label(), effects, start, end))
    }
}

/// Live chaos from the app: start a fault now, or heal one.
#[derive(Message, Clone, Debug)]
pub enum ChaosCommand {
    Inject(Fault),
    Heal(u32),
    HealAll,
}

pub(super) fn plugin(app: &mut App) {
    app.add_message::<ChaosCommand>()
        .add_systems(FixedUpdate, apply_chaos.in_set(SimSystems::ApplyEdits).run_if(resource_exists::<Sim>));
}

fn apply_chaos(
    mut commands: MessageReader<ChaosCommand>,
    mut sim: ResMut<Sim>,
    mut feedback: ResMut<crate::sim::edit::EditFeedback>,
) {
    for c in commands.read() {
        match c {
            ChaosCommand::Inject(f) => {
                let now = sim.now();
                match f.effects(&sim.nodes, &sim.links) {
                    Ok(effects) => {
                        sim.schedule_fault(f.label(), effects, now, None);
                    }
                    Err(e) => {
                        feedback.error = Some(e);
                        feedback.serial += 1;
                    }
                }
            }
            ChaosCommand::Heal(id) => sim.heal(*id),
            ChaosCommand::HealAll => {
                let active: Vec<u32> = sim.fault_log().iter().filter(|f| f.active).map(|f| f.id).collect();
                for id in active {
                    sim.heal(id);
                }
            }
        }
    }
}
