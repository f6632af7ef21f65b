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
    /// Crash and restart at once; the fresh process is 3× slower, warming
    /// back to normal over `warmup_s` (cold caches, JIT, connection setup).
    Restart { node: String, warmup_s: f64 },
    /// A memory leak: work gets slower (up to 5×) until the node crashes
    /// after `crash_after_s`, and stays down until healed.
    MemoryLeak { node: String, crash_after_s: f64 },
    /// Writes to this store fail (`disk_full`); reads still work.
    DiskFull { node: String },
    /// The client's clock runs at `factor`: its timeouts fire after
    /// timeout × factor (0.1: ten times too early).
    ClockSkew { client: String, factor: f64 },
    /// This share of answers on the link arrive corrupted (`corrupt`).
    Corrupt { from: String, to: String, share: f64 },
    /// This share of requests on the link is delivered twice.
    Duplicate { from: String, to: String, share: f64 },
    /// Every node tagged with this zone crashes.
    ZoneOutage { zone: String },
    /// `requests` requests from the client at the same instant.
    ThunderingHerd { client: String, requests: u32 },
    /// This share of the client's requests use one single key (consistent
    /// hashing sends them all to one backend).
    HotKey { client: String, share: f64 },
    /// Empty a cache: its hit ratio drops to zero and recovers over `warmup_s`.
    CacheFlush { node: String, warmup_s: f64 },
    /// `leaked` connections (workers) are held by a leak and unusable.
    PoolExhaustion { node: String, leaked: u32 },
    /// A replicated database's replicas fall `add_ms` further behind: more
    /// reads see old data.
    ReplicaLag { node: String, add_ms: f64 },
    /// A replicated database's primary dies: writes fail until a replica is
    /// promoted (its `failover_s`); writes not yet replicated are lost. The
    /// old primary rejoins as a replica when the fault ends.
    LeaderFailover { node: String },
}

/// The chaos monkey in a scenario file: random faults from `faults` at a
/// mean interval, each lasting `duration_s`; reproducible from the seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonkeySpec {
    pub mean_interval_s: f64,
    #[serde(default = "ten")]
    pub duration_s: f64,
    #[serde(default = "all_monkey_faults")]
    pub faults: Vec<crate::sim::engine::MonkeyFault>,
}

fn ten() -> f64 {
    10.0
}

pub fn all_monkey_faults() -> Vec<crate::sim::engine::MonkeyFault> {
    use crate::sim::engine::MonkeyFault::*;
    vec![Kill, Pause, CpuThrottle, Restart, Latency, PacketLoss]
}

impl MonkeySpec {
    pub fn monkey(&self, seed: u64) -> crate::sim::engine::Monkey {
        crate::sim::engine::Monkey::new(
            secs_to_nanos(self.mean_interval_s),
            secs_to_nanos(self.duration_s),
            self.faults.clone(),
            seed,
        )
    }
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
            Fault::Restart { node, warmup_s } => format!("restart {node} warm {warmup_s}s"),
            Fault::MemoryLeak { node, crash_after_s } => format!("leak {node} crash {crash_after_s}s"),
            Fault::DiskFull { node } => format!("diskfull {node}"),
            Fault::ClockSkew { client, factor } => format!("skew {client} x{factor}"),
            Fault::Corrupt { from, to, share } => format!("corrupt {from}->{to} {}%", share * 100.0),
            Fault::Duplicate { from, to, share } => format!("duplicate {from}->{to} {}%", share * 100.0),
            Fault::ZoneOutage { zone } => format!("zone {zone}"),
            Fault::ThunderingHerd { client, requests } => format!("herd {client} {requests}"),
            Fault::HotKey { client, share } => format!("hotkey {client} {}%", share * 100.0),
            Fault::CacheFlush { node, warmup_s } => format!("flush {node} warm {warmup_s}s"),
            Fault::PoolExhaustion { node, leaked } => format!("exhaust {node} {leaked}"),
            Fault::ReplicaLag { node, add_ms } => format!("lag {node} +{add_ms}ms"),
            Fault::LeaderFailover { node } => format!("failover {node}"),
        }
    }

    /// The nodes a partition cuts off (empty for other faults).
    pub fn group(&self) -> Vec<String> {
        match self {
            Fault::Partition { nodes } => nodes.clone(),
            _ => Vec::new(),
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
        let nonneg = |field: &'static str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err((field, format!("must be a non-negative number, got {v}")))
            }
        };
        let share_ok = |v: f64| {
            if v.is_finite() && (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(("share", format!("must be between 0 and 1, got {v}")))
            }
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
            Fault::Restart { node: n, warmup_s } => node("node", n).and(nonneg("warmup_s", *warmup_s)),
            Fault::MemoryLeak { node: n, crash_after_s } => {
                node("node", n).and(positive("crash_after_s", *crash_after_s))
            }
            Fault::DiskFull { node: n } => node("node", n),
            Fault::ClockSkew { client, factor } => node("client", client).and(positive("factor", *factor)),
            Fault::Corrupt { from, to, share } | Fault::Duplicate { from, to, share } => {
                link(from, to).and(share_ok(*share))
            }
            Fault::ZoneOutage { zone } => {
                if zone.trim().is_empty() {
                    Err(("zone", "a zone name is needed".into()))
                } else {
                    Ok(())
                }
            }
            Fault::ThunderingHerd { client, requests } => {
                node("client", client)?;
                if (1..=1_000_000).contains(requests) {
                    Ok(())
                } else {
                    Err(("requests", format!("must be between 1 and 1000000, got {requests}")))
                }
            }
            Fault::HotKey { client, share } => node("client", client).and(share_ok(*share)),
            Fault::CacheFlush { node: n, warmup_s } => node("node", n).and(nonneg("warmup_s", *warmup_s)),
            Fault::PoolExhaustion { node: n, leaked } => {
                node("node", n)?;
                if *leaked == 0 { Err(("leaked", "must be at least 1".into())) } else { Ok(()) }
            }
            Fault::ReplicaLag { node: n, add_ms } => node("node", n).and(nonneg("add_ms", *add_ms)),
            Fault::LeaderFailover { node: n } => node("node", n),
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
        let replicated = |id: &str| {
            let n = node(id)?;
            match nodes[n as usize].spec.kind {
                crate::sim::NodeKind::ReplicatedDatabase(_) => Ok(n),
                _ => Err(format!("\"{id}\" is not a replicated database")),
            }
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
            Fault::Restart { node: n, warmup_s } => vec![Effect::Restart(node(n)?, secs_to_nanos(*warmup_s))],
            Fault::MemoryLeak { node: n, crash_after_s } => {
                vec![Effect::MemoryLeak(node(n)?, secs_to_nanos(positive("crash_after_s", *crash_after_s)?).max(1))]
            }
            Fault::DiskFull { node: n } => vec![Effect::DiskFull(node(n)?)],
            Fault::ClockSkew { client, factor } => vec![Effect::ClockSkew(node(client)?, positive("factor", *factor)?)],
            Fault::Corrupt { from, to, share } => vec![Effect::LinkCorrupt(link(from, to)?, share.clamp(0.0, 1.0))],
            Fault::Duplicate { from, to, share } => vec![Effect::LinkDuplicate(link(from, to)?, share.clamp(0.0, 1.0))],
            Fault::ZoneOutage { zone } => nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| !n.removed && n.spec.zone.as_deref() == Some(zone.as_str()))
                .map(|(i, _)| Effect::NodeDown(i as u32))
                .collect(),
            Fault::ThunderingHerd { client, requests } => vec![Effect::Herd(node(client)?, (*requests).min(1_000_000))],
            Fault::HotKey { client, share } => vec![Effect::HotKey(node(client)?, share.clamp(0.0, 1.0))],
            Fault::CacheFlush { node: n, warmup_s } => vec![Effect::CacheFlush(node(n)?, secs_to_nanos(*warmup_s))],
            Fault::PoolExhaustion { node: n, leaked } => vec![Effect::PoolLeak(node(n)?, *leaked)],
            Fault::ReplicaLag { node: n, add_ms } => {
                if !(add_ms.is_finite() && *add_ms >= 0.0) {
                    return Err(format!("add_ms must be a non-negative number, got {add_ms}"));
                }
                vec![Effect::ReplicaLag(replicated(n)?, *add_ms)]
            }
            Fault::LeaderFailover { node: n } => vec![Effect::LeaderFailover(replicated(n)?)],
        })
    }

    /// Parse the command-line form, e.g. `kill app-2 at 10s for 5s`,
    /// `latency lb->app-1 +100ms at 5s`, `loss a->b 20% at 0s`,
    /// `partition db,cache at 30s for 10s`, `spike users x3 at 20s`.
    pub fn parse_cli(text: &str) -> Result<ScheduledFault, String> {
        let usage = "expected e.g. \"kill app-2 at 10s for 5s\" (verbs: kill, pause, throttle NODE xK, \
                     restart NODE [warm Ns], leak NODE [crash Ns], diskfull NODE, exhaust NODE N, \
                     flush CACHE [warm Ns], latency A->B +Nms, loss A->B N%, bandwidth A->B NMbps, \
                     blackhole A->B, corrupt A->B N%, duplicate A->B N%, partition A,B,..., zone NAME, \
                     spike CLIENT xK, herd CLIENT N, hotkey CLIENT N%, skew CLIENT xK, \
                     lag DB +Nms, failover DB)";
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
        // `warm 5s`, `crash 30s`: an optional named duration.
        let opt = |args: &[&str], key: &str, default: f64| -> Result<f64, String> {
            match args.iter().position(|w| *w == key) {
                Some(i) => secs(args.get(i + 1)),
                None => Ok(default),
            }
        };
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
            "restart" => Fault::Restart { node: target.into(), warmup_s: opt(args, "warm", 10.0)? },
            "leak" => Fault::MemoryLeak { node: target.into(), crash_after_s: opt(args, "crash", 60.0)? },
            "diskfull" => Fault::DiskFull { node: target.into() },
            "skew" => Fault::ClockSkew { client: target.into(), factor: num(args.get(2), &["x", "×"])? },
            "corrupt" => {
                let (from, to) = ends(target)?;
                Fault::Corrupt { from, to, share: num(args.get(2), &["%"])? / 100.0 }
            }
            "duplicate" => {
                let (from, to) = ends(target)?;
                Fault::Duplicate { from, to, share: num(args.get(2), &["%"])? / 100.0 }
            }
            "zone" => Fault::ZoneOutage { zone: target.into() },
            "herd" => Fault::ThunderingHerd { client: target.into(), requests: num(args.get(2), &[])? as u32 },
            "hotkey" => Fault::HotKey { client: target.into(), share: num(args.get(2), &["%"])? / 100.0 },
            "flush" => Fault::CacheFlush { node: target.into(), warmup_s: opt(args, "warm", 10.0)? },
            "exhaust" => Fault::PoolExhaustion { node: target.into(), leaked: num(args.get(2), &[])? as u32 },
            "lag" => Fault::ReplicaLag { node: target.into(), add_ms: num(args.get(2), &["+", "ms"])? },
            "failover" => Fault::LeaderFailover { node: target.into() },
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
        let id = sim.schedule_fault(self.fault.label(), effects, start, end);
        sim.set_fault_group(id, self.fault.group());
        Ok(id)
    }
}

/// Live chaos from the app: start a fault now, or heal one.
#[derive(Message, Clone, Debug)]
pub enum ChaosCommand {
    Inject(Fault),
    /// Start a fault now, healing itself after this many seconds.
    InjectFor(Fault, f64),
    Heal(u32),
    HealAll,
    /// Start the monkey (mean seconds between faults), or stop it.
    Monkey(Option<f64>),
}

/// A live fault that could not be applied (its target is gone), and why.
#[derive(Message, Clone, Debug)]
pub struct ChaosRefused(pub String);

pub(super) fn plugin(app: &mut App) {
    app.add_message::<ChaosCommand>()
        .add_message::<ChaosRefused>()
        .add_systems(FixedUpdate, apply_chaos.in_set(SimSystems::ApplyEdits).run_if(resource_exists::<Sim>));
}

fn apply_chaos(
    mut commands: MessageReader<ChaosCommand>,
    mut sim: ResMut<Sim>,
    mut refused: MessageWriter<ChaosRefused>,
) {
    for c in commands.read() {
        match c {
            ChaosCommand::Inject(_) | ChaosCommand::InjectFor(..) => {
                let (f, end) = match c {
                    ChaosCommand::InjectFor(f, s) if s.is_finite() && *s > 0.0 => (f, Some(secs_to_nanos(*s))),
                    ChaosCommand::InjectFor(f, _) | ChaosCommand::Inject(f) => (f, None),
                    _ => unreachable!("matched above"),
                };
                let now = sim.now();
                match f.effects(&sim.nodes, &sim.links) {
                    Ok(effects) => {
                        let id = sim.schedule_fault(f.label(), effects, now, end.map(|d| now + d));
                        sim.set_fault_group(id, f.group());
                    }
                    Err(e) => {
                        refused.write(ChaosRefused(e));
                    }
                }
            }
            ChaosCommand::Heal(id) => sim.heal(*id),
            ChaosCommand::Monkey(interval) => {
                let seed = sim.now();
                let m = interval.filter(|s| s.is_finite() && *s > 0.0).map(|s| {
                    MonkeySpec { mean_interval_s: s, duration_s: 10.0, faults: all_monkey_faults() }.monkey(seed)
                });
                sim.set_monkey(m);
            }
            ChaosCommand::HealAll => {
                let active: Vec<u32> = sim.fault_log().iter().filter(|f| f.active).map(|f| f.id).collect();
                for id in active {
                    sim.heal(id);
                }
            }
        }
    }
}
