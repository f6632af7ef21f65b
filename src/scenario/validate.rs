//! Semantic checks on a parsed scenario: references, ranges, cycles.
//! The first error wins and carries the path of the offending field.

use std::collections::HashMap;

use super::locate::Seg;
use super::{Scenario, VERSION};
use crate::sim::dist::Dist;
use crate::sim::engine::MAX_DEPTH;
use crate::sim::model::*;

/// Something legal but probably unintended.
#[derive(Clone, Debug, PartialEq)]
pub struct Warning {
    pub path: String,
    pub message: String,
}

type Fail = (Vec<Seg>, String);

const MAX_NODES: usize = 10_000;
const MAX_LINKS: usize = 100_000;
const MAX_OUT_LINKS: usize = 200;
const MAX_RATE: f64 = 1e8;
const MAX_COUNT: u32 = 10_000_000;

struct Ctx {
    path: Vec<Seg>,
}

impl Ctx {
    fn at<T>(&mut self, seg: Seg, f: impl FnOnce(&mut Self) -> Result<T, Fail>) -> Result<T, Fail> {
        self.path.push(seg);
        let r = f(self);
        self.path.pop();
        r
    }
    fn field<T>(&mut self, name: &str, f: impl FnOnce(&mut Self) -> Result<T, Fail>) -> Result<T, Fail> {
        self.at(Seg::Field(name.into()), f)
    }
    fn fail<T>(&self, msg: impl Into<String>) -> Result<T, Fail> {
        Err((self.path.clone(), msg.into()))
    }
    fn number(&mut self, name: &str, v: f64, min: f64, max: f64) -> Result<(), Fail> {
        self.field(name, |c| {
            if !v.is_finite() {
                c.fail(format!("must be a finite number, got {v}"))
            } else if v < min {
                c.fail(format!("must be at least {min}, got {v}"))
            } else if v > max {
                c.fail(format!("must be at most {max}, got {v}"))
            } else {
                Ok(())
            }
        })
    }
    fn count(&mut self, name: &str, v: u32, min: u32, max: u32) -> Result<(), Fail> {
        self.field(name, |c| {
            if v < min || v > max { c.fail(format!("must be between {min} and {max}, got {v}")) } else { Ok(()) }
        })
    }
    fn dist(&mut self, name: &str, d: &Dist) -> Result<(), Fail> {
        self.field(name, |c| d.check().or_else(|e| c.fail(e)))
    }
    fn probability(&mut self, name: &str, v: f64) -> Result<(), Fail> {
        self.number(name, v, 0.0, 1.0)
    }
    fn retry(&mut self, r: &Option<RetryPolicy>) -> Result<(), Fail> {
        let Some(r) = r else { return Ok(()) };
        self.field("retry", |c| {
            c.number("timeout_ms", r.timeout_ms, 0.001, 3.6e6)?;
            c.count("max_retries", r.max_retries, 0, 100)?;
            c.number("backoff_ms", r.backoff_ms, 0.0, 3.6e6)?;
            c.number("max_backoff_ms", r.max_backoff_ms, 0.0, 3.6e6)?;
            c.probability("jitter", r.jitter)?;
            if let Some(b) = r.budget {
                c.number("budget", b, 0.001, 10.0)?;
            }
            Ok(())
        })
    }
}

pub fn check(s: &Scenario) -> Result<Vec<Warning>, Fail> {
    let mut c = Ctx { path: Vec::new() };
    let mut warnings: Vec<Warning> = Vec::new();
    if s.version != VERSION {
        return c.field("version", |c| {
            c.fail(format!("this build reads scenario version {VERSION}, the file says {}", s.version))
        });
    }
    c.number("duration_s", s.duration_s, 0.0, 1e7)?;
    c.number("warmup_s", s.warmup_s, 0.0, 1e7)?;
    if let Some(sc) = &s.scale {
        c.field("scale", |c| c.number("copies", sc.copies, 1.0, 1e12))?;
    }
    if s.nodes.is_empty() {
        // Legal (a blank canvas) but it will not do anything.
        warnings.push(Warning { path: "nodes".into(), message: "the scenario has no nodes".into() });
    }
    if s.nodes.len() > MAX_NODES {
        return c.field("nodes", |c| c.fail(format!("{} nodes; the limit is {MAX_NODES}", s.nodes.len())));
    }
    if s.links.len() > MAX_LINKS {
        return c.field("links", |c| c.fail(format!("{} links; the limit is {MAX_LINKS}", s.links.len())));
    }

    let mut ids: HashMap<&str, usize> = HashMap::new();
    for (i, n) in s.nodes.iter().enumerate() {
        c.field("nodes", |c| {
            c.at(Seg::Index(i), |c| {
                c.field("id", |c| {
                    if n.id.trim().is_empty() {
                        return c.fail("a node needs a non-empty id");
                    }
                    if ids.insert(&n.id, i).is_some() {
                        return c.fail(format!("duplicate node id \"{}\"", n.id));
                    }
                    Ok(())
                })?;
                if let Some(p) = n.price_per_hour {
                    c.number("price_per_hour", p, 0.0, 1e6)?;
                }
                c.number("pos", n.pos.0 as f64, -1e7, 1e7)?;
                c.number("pos", n.pos.1 as f64, -1e7, 1e7)?;
                c.field("kind", |c| check_kind(c, &n.kind))
            })
        })?;
    }

    // Request types are tracked as bits of a 64-bit mask.
    let mut types: std::collections::BTreeSet<&str> = ["read", "write"].into();
    for n in &s.nodes {
        match &n.kind {
            NodeKind::Client(cl) => types.extend(cl.mix.iter().map(|t| t.name.as_str())),
            NodeKind::Service(sv) => {
                types.extend(sv.by_type.keys().map(|t| t.as_str()));
                types.extend(sv.shedding.priority.iter().map(|t| t.as_str()));
            }
            _ => {}
        }
    }
    for l in &s.links {
        types.extend(l.only.iter().map(|t| t.as_str()));
    }
    if types.len() > 60 {
        return c.fail(format!("{} request types are named; the limit is 60", types.len()));
    }

    let mut out: Vec<Vec<usize>> = vec![Vec::new(); s.nodes.len()];
    let mut seen: HashMap<(usize, usize), usize> = HashMap::new();
    for (i, l) in s.links.iter().enumerate() {
        let (from, to) = c.field("links", |c| {
            c.at(Seg::Index(i), |c| {
                let from = c.field("from", |c| match ids.get(l.from.as_str()) {
                    Some(&n) => Ok(n),
                    None => c.fail(format!("no node has id \"{}\"", l.from)),
                })?;
                let to = c.field("to", |c| match ids.get(l.to.as_str()) {
                    Some(&n) => {
                        if n == from {
                            return c.fail("a link cannot connect a node to itself");
                        }
                        if matches!(s.nodes[n].kind, NodeKind::Client(_)) {
                            return c.fail(format!("\"{}\" is a client; clients only send requests", l.to));
                        }
                        Ok(n)
                    }
                    None => c.fail(format!("no node has id \"{}\"", l.to)),
                })?;
                if let Some(first) = seen.insert((from, to), i) {
                    return c.fail(format!("links[{first}] already connects \"{}\" to \"{}\"", l.from, l.to));
                }
                c.dist("latency", &l.latency)?;
                c.number("jitter_ms", l.jitter_ms, 0.0, 3.6e6)?;
                c.probability("loss", l.loss)?;
                if let Some(bw) = l.bandwidth_mbps {
                    c.number("bandwidth_mbps", bw, 1e-6, 1e9)?;
                }
                c.probability("call_probability", l.call_probability)?;
                c.field("only", |c| l.only.iter().try_for_each(|t| type_name(c, t)))?;
                c.number("weight", l.weight, 0.0, 1e6)?;
                c.retry(&l.retry)?;
                if let Some(max) = l.max_concurrent {
                    c.count("max_concurrent", max, 1, MAX_COUNT)?;
                }
                if let Some(cb) = &l.circuit_breaker {
                    c.field("circuit_breaker", |c| {
                        c.number("failure_ratio", cb.failure_ratio, 0.001, 1.0)?;
                        c.count("min_calls", cb.min_calls, 1, 1_000_000)?;
                        c.number("window_ms", cb.window_ms, 0.001, 3.6e6)?;
                        c.number("open_ms", cb.open_ms, 0.001, 3.6e6)?;
                        c.count("half_open_calls", cb.half_open_calls, 1, 1_000_000)
                    })?;
                }
                Ok((from, to))
            })
        })?;
        out[from].push(to);
        if out[from].len() > MAX_OUT_LINKS {
            return c.field("links", |c| {
                c.at(Seg::Index(i), |c| c.fail(format!("\"{}\" has more than {MAX_OUT_LINKS} outgoing links", l.from)))
            });
        }
    }

    // Requests only travel along links, so a cycle would let one circle
    // for ever; the call depth is bounded too.
    if let Some(cycle) = find_cycle(&out) {
        let names: Vec<&str> = cycle.iter().map(|&n| s.nodes[n].id.as_str()).collect();
        let first_link = s.links.iter().position(|l| l.from == names[0] && l.to == names[1]).unwrap_or(0);
        return c.field("links", |c| {
            c.at(Seg::Index(first_link), |c| {
                c.fail(format!("requests could loop for ever: {} (links must not form a cycle)", names.join(" -> ")))
            })
        });
    }
    for (i, f) in s.chaos.iter().enumerate() {
        c.field("chaos", |c| {
            c.at(Seg::Index(i), |c| {
                c.number("at_s", f.at_s, 0.0, 1e7)?;
                if let Some(d) = f.for_s {
                    c.number("for_s", d, 0.0, 1e7)?;
                }
                let node_exists = |id: &str| ids.contains_key(id);
                let link_exists = |a: &str, b: &str| s.links.iter().any(|l| l.from == a && l.to == b);
                match f.fault.check(node_exists, link_exists) {
                    Ok(()) => Ok(()),
                    Err((field, msg)) => c.field("fault", |c| c.field(field, |c| c.fail(msg))),
                }
            })
        })?;
    }

    if let Some(m) = &s.monkey {
        c.field("monkey", |c| {
            c.number("mean_interval_s", m.mean_interval_s, 0.001, 1e7)?;
            c.number("duration_s", m.duration_s, 0.0, 1e7)?;
            if m.faults.is_empty() {
                return c.field("faults", |c| c.fail("list at least one fault"));
            }
            Ok(())
        })?;
    }

    let depth = longest_paths(&out);
    for (i, n) in s.nodes.iter().enumerate() {
        if depth[i] >= MAX_DEPTH {
            return c.field("nodes", |c| {
                c.at(Seg::Index(i), |c| {
                    c.fail(format!("calls from \"{}\" go {} hops deep; the limit is {}", n.id, depth[i], MAX_DEPTH - 1))
                })
            });
        }
        let path = format!("nodes[{i}]");
        match &n.kind {
            NodeKind::Client(_) if out[i].is_empty() => warnings.push(Warning {
                path,
                message: format!("client \"{}\" has no outgoing link: all its requests fail (no_route)", n.id),
            }),
            NodeKind::LoadBalancer(_) if out[i].is_empty() => warnings.push(Warning {
                path,
                message: format!("load balancer \"{}\" has no backends: requests through it fail (no_route)", n.id),
            }),
            NodeKind::Queue(_) if out[i].is_empty() => warnings.push(Warning {
                path,
                message: format!("queue \"{}\" has no consumers linked: it only fills up", n.id),
            }),
            _ => {}
        }
    }
    Ok(warnings)
}

fn check_kind(c: &mut Ctx, k: &NodeKind) -> Result<(), Fail> {
    match k {
        NodeKind::Client(cl) => {
            c.field("traffic", |c| match cl.traffic {
                Traffic::Poisson { rate } | Traffic::Constant { rate } => c.number("rate", rate, 0.0, MAX_RATE),
                Traffic::Burst { rate, burst_rate, period_s, burst_s } => {
                    c.number("rate", rate, 0.0, MAX_RATE)?;
                    c.number("burst_rate", burst_rate, 0.0, MAX_RATE)?;
                    c.number("period_s", period_s, 1e-6, 1e7)?;
                    c.number("burst_s", burst_s, 0.0, period_s)
                }
                Traffic::Closed { users, think_ms } => {
                    c.count("users", users, 0, MAX_COUNT)?;
                    c.number("think_ms", think_ms, 0.0, 3.6e6)
                }
                Traffic::Diurnal { mean_rate, amplitude, period_s, peak_at_s } => {
                    c.number("mean_rate", mean_rate, 0.0, MAX_RATE / 2.0)?;
                    c.number("amplitude", amplitude, 0.0, 1.0)?;
                    c.number("period_s", period_s, 1e-3, 1e8)?;
                    c.number("peak_at_s", peak_at_s, -1e8, 1e8)
                }
                Traffic::LongPolling { users, timeout_s, messages_per_min } => {
                    c.count("users", users, 0, MAX_COUNT)?;
                    c.number("timeout_s", timeout_s, 1e-3, 1e6)?;
                    c.number("messages_per_min", messages_per_min, 0.0, 1e6)
                }
                Traffic::Polling { users, interval_s, messages_per_min } => {
                    c.number("users", users, 0.0, 1e10)?;
                    c.number("interval_s", interval_s, 1e-3, 1e6)?;
                    c.number("messages_per_min", messages_per_min, 0.0, 1e6)?;
                    if users / interval_s > MAX_RATE {
                        return c.fail(format!(
                            "{users} users polling every {interval_s} s is {:.3e} polls a second; the simulator runs at most {MAX_RATE:e} a second per client",
                            users / interval_s
                        ));
                    }
                    Ok(())
                }
            })?;
            c.probability("write_ratio", cl.write_ratio)?;
            c.field("keys", |c| if cl.keys == 0 { c.fail("must be at least 1") } else { Ok(()) })?;
            if let Some(z) = cl.zipf {
                c.number("zipf", z, 0.01, 10.0)?;
            }
            if !cl.mix.is_empty() {
                c.field("mix", |c| {
                    for (i, t) in cl.mix.iter().enumerate() {
                        c.at(Seg::Index(i), |c| {
                            c.field("name", |c| type_name(c, &t.name))?;
                            c.number("share", t.share, 0.0, 1e9)
                        })?;
                    }
                    if cl.mix.iter().map(|t| t.share).sum::<f64>() <= 0.0 {
                        return c.fail("the shares add up to 0: no request type would ever be sent");
                    }
                    Ok(())
                })?;
            }
            c.retry(&cl.retry)
        }
        NodeKind::LoadBalancer(lb) => {
            c.dist("service", &lb.service)?;
            health_check(c, &lb.health_check)
        }
        NodeKind::Service(s) => {
            c.count("workers", s.workers, 1, MAX_COUNT)?;
            if let Some(q) = s.queue_limit {
                c.count("queue_limit", q, 0, MAX_COUNT)?;
            }
            c.dist("service", &s.service)?;
            c.field("shedding", |c| {
                if let Some(t) = s.shedding.lifo_above {
                    c.count("lifo_above", t, 0, MAX_COUNT)?;
                }
                c.field("priority", |c| s.shedding.priority.iter().try_for_each(|t| type_name(c, t)))
            })?;
            c.field("by_type", |c| {
                for (name, d) in &s.by_type {
                    type_name(c, name)?;
                    c.dist(name, d)?;
                }
                Ok(())
            })
        }
        NodeKind::Cache(cache) => {
            c.probability("hit_ratio", cache.hit_ratio)?;
            if let Some(cap) = cache.capacity {
                c.count("capacity", cap, 1, MAX_COUNT)?;
            }
            if let Some(t) = cache.ttl_ms {
                c.number("ttl_ms", t, 0.001, 3.6e9)?;
            }
            c.count("workers", cache.workers, 1, MAX_COUNT)?;
            c.dist("service", &cache.service)
        }
        NodeKind::Database(d) => {
            c.count("pool", d.pool, 1, MAX_COUNT)?;
            if let Some(q) = d.queue_limit {
                c.count("queue_limit", q, 0, MAX_COUNT)?;
            }
            c.dist("read", &d.read)?;
            c.dist("write", &d.write)
        }
        NodeKind::RateLimiter(rl) => {
            c.number("rate", rl.rate, 0.0, MAX_RATE)?;
            c.count("burst", rl.burst, 1, MAX_COUNT)
        }
        NodeKind::Queue(q) => {
            if let Some(cap) = q.capacity {
                c.count("capacity", cap, 1, MAX_COUNT)?;
            }
            c.count("consumers", q.consumers, 1, MAX_COUNT)?;
            if let Some(v) = q.visibility_timeout_ms {
                c.number("visibility_timeout_ms", v, 0.001, 3.6e9)?;
            }
            if let Some(r) = q.max_receives {
                c.count("max_receives", r, 1, 250)?;
            }
            c.dist("service", &q.service)
        }
        NodeKind::Gateway(g) => {
            c.count("workers", g.workers, 1, MAX_COUNT)?;
            if let Some(q) = g.queue_limit {
                c.count("queue_limit", q, 0, MAX_COUNT)?;
            }
            c.dist("auth", &g.auth)
        }
        NodeKind::Serverless(f) => {
            c.count("concurrency", f.concurrency, 1, MAX_COUNT)?;
            c.dist("service", &f.service)?;
            c.dist("cold_start", &f.cold_start)?;
            c.number("keep_warm_s", f.keep_warm_s, 0.0, 1e7)
        }
        NodeKind::Autoscaling(a) => {
            c.count("min", a.min, 1, 10_000)?;
            c.count("max", a.max, a.min, 10_000)?;
            c.count("initial", a.initial, a.min, a.max)?;
            c.count("workers_per_instance", a.workers_per_instance, 1, 100_000)?;
            if let Some(q) = a.queue_limit {
                c.count("queue_limit", q, 0, MAX_COUNT)?;
            }
            c.dist("service", &a.service)?;
            c.number("target_utilization", a.target_utilization, 0.05, 1.0)?;
            c.number("interval_s", a.interval_s, 0.1, 3600.0)?;
            c.number("boot_s", a.boot_s, 0.0, 3600.0)?;
            c.number("cooldown_s", a.cooldown_s, 0.0, 86_400.0)
        }
        NodeKind::ShardedDatabase(d) => {
            c.count("shards", d.shards, 1, 250)?;
            c.count("pool", d.pool, 1, MAX_COUNT)?;
            if let Some(q) = d.queue_limit {
                c.count("queue_limit", q, 0, MAX_COUNT)?;
            }
            c.dist("read", &d.read)?;
            c.dist("write", &d.write)
        }
        NodeKind::ReplicatedDatabase(d) => {
            c.count("replicas", d.replicas, 0, 249)?;
            c.count("pool", d.pool, 1, MAX_COUNT)?;
            if let Some(q) = d.queue_limit {
                c.count("queue_limit", q, 0, MAX_COUNT)?;
            }
            c.dist("read", &d.read)?;
            c.dist("write", &d.write)?;
            c.dist("lag", &d.lag)?;
            c.number("failover_s", d.failover_s, 0.0, 86_400.0)
        }
        NodeKind::PubSub(p) => c.dist("service", &p.service),
        NodeKind::Devices(d) => {
            c.field("users", |c| if d.users == 0 { c.fail("must be at least 1") } else { Ok(()) })?;
            c.probability("online_share", d.online_share)?;
            c.number("mean_session_s", d.mean_session_s, 0.001, 1e7)?;
            c.probability("open_on_push", d.open_on_push)?;
            c.dist("service", &d.service)
        }
        NodeKind::WebsocketGateway(w) => {
            c.count("connections", w.connections, 0, 1_000_000_000)?;
            c.count("max_connections", w.max_connections, 1, 1_000_000_000)?;
            c.count("workers", w.workers, 1, MAX_COUNT)?;
            c.dist("service", &w.service)?;
            c.number("reconnect_s", w.reconnect_s, 0.0, 3600.0)
        }
        NodeKind::PushService(ps) => {
            c.dist("accept", &ps.accept)?;
            c.probability("delivery_ratio", ps.delivery_ratio)
        }
        NodeKind::Inbox(i) => {
            c.dist("service", &i.service)?;
            c.count("deliveries", i.deliveries, 1, MAX_COUNT)?;
            c.number("retry_ms", i.retry_ms, 0.001, 3.6e6)
        }
        NodeKind::ObjectStorage(o) => {
            c.dist("first_byte", &o.first_byte)?;
            c.number("mbps", o.mbps, 1e-6, 1e9)
        }
        NodeKind::Stream(st) => {
            c.count("partitions", st.partitions, 1, 10_000)?;
            c.dist("service", &st.service)?;
            c.number("retry_ms", st.retry_ms, 0.001, 3.6e6)
        }
        NodeKind::Cdn(cdn) => {
            c.probability("hit_ratio", cdn.hit_ratio)?;
            if let Some(cap) = cdn.capacity {
                c.count("capacity", cap, 1, MAX_COUNT)?;
            }
            if let Some(t) = cdn.ttl_ms {
                c.number("ttl_ms", t, 0.001, 3.6e9)?;
            }
            c.dist("service", &cdn.service)
        }
        NodeKind::Dns(d) => {
            c.number("ttl_s", d.ttl_s, 0.0, 1e7)?;
            c.count("resolvers", d.resolvers, 1, 1_000_000)?;
            c.dist("lookup", &d.lookup)?;
            health_check(c, &d.health_check)
        }
    }
}

fn health_check(c: &mut Ctx, hc: &Option<HealthCheck>) -> Result<(), Fail> {
    let Some(hc) = hc else { return Ok(()) };
    c.field("health_check", |c| {
        c.number("interval_ms", hc.interval_ms, 1.0, 3.6e6)?;
        c.count("unhealthy_after", hc.unhealthy_after, 1, 1000)?;
        c.count("healthy_after", hc.healthy_after, 1, 1000)
    })
}

/// Request type names: short and printable.
fn type_name(c: &mut Ctx, name: &str) -> Result<(), Fail> {
    if name.trim().is_empty() || name.len() > 40 || name.chars().any(|ch| ch.is_control()) {
        return c.fail(format!("\"{name}\" is not a usable request type name (1 to 40 printable characters)"));
    }
    Ok(())
}

/// A directed cycle as a node list (first node repeated at the end), if any.
fn find_cycle(out: &[Vec<usize>]) -> Option<Vec<usize>> {
    // Iterative DFS with colours: 0 new, 1 on the stack, 2 done.
    let mut colour = vec![0u8; out.len()];
    let mut parent = vec![usize::MAX; out.len()];
    for root in 0..out.len() {
        if colour[root] != 0 {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        colour[root] = 1;
        while let Some(&mut (n, ref mut next)) = stack.last_mut() {
            if let Some(&m) = out[n].get(*next) {
                *next += 1;
                match colour[m] {
                    0 => {
                        colour[m] = 1;
                        parent[m] = n;
                        stack.push((m, 0));
                    }
                    1 => {
                        let mut cycle = vec![n];
                        let mut k = n;
                        while k != m {
                            k = parent[k];
                            cycle.push(k);
                        }
                        cycle.reverse();
                        cycle.push(m);
                        return Some(cycle);
                    }
                    _ => {}
                }
            } else {
                colour[n] = 2;
                stack.pop();
            }
        }
    }
    None
}

/// Longest chain of links starting at each node (the graph is acyclic).
fn longest_paths(out: &[Vec<usize>]) -> Vec<usize> {
    // Kahn's algorithm gives a topological order; walk it backwards.
    let mut indeg = vec![0usize; out.len()];
    for targets in out {
        for &m in targets {
            indeg[m] += 1;
        }
    }
    let mut order: Vec<usize> = (0..out.len()).filter(|&n| indeg[n] == 0).collect();
    let mut i = 0;
    while i < order.len() {
        for &m in &out[order[i]] {
            indeg[m] -= 1;
            if indeg[m] == 0 {
                order.push(m);
            }
        }
        i += 1;
    }
    let mut depth = vec![0usize; out.len()];
    for &n in order.iter().rev() {
        depth[n] = out[n].iter().map(|&m| depth[m] + 1).max().unwrap_or(0);
    }
    depth
}
