//! Semantic checks on a parsed scenario: references, ranges, cycles.
//! The first error wins and carries the path of the offending field.

use std::collections::HashMap;

use super::{Scenario, VERSION};
use crate::sim::check::{Checker, Fail, MAX_COUNT, Seg, printable, type_name};
use crate::sim::engine::MAX_DEPTH;
use crate::sim::kinds::Reach;
use crate::sim::model::*;

/// Something legal but probably unintended.
#[derive(Clone, Debug, PartialEq)]
pub struct Warning {
    pub path: String,
    pub message: String,
}

const MAX_NODES: usize = 10_000;
const MAX_LINKS: usize = 100_000;
const MAX_OUT_LINKS: usize = 200;
/// The longest node id (characters).
pub const MAX_ID_CHARS: usize = 64;

pub fn check(s: &Scenario) -> Result<Vec<Warning>, Fail> {
    let mut c = Checker::default();
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

    let ids = check_nodes(&mut c, s)?;
    check_types(&mut c, s)?;
    let out = check_links(&mut c, s, &ids)?;
    check_cycles_and_chaos(&mut c, s, &out)?;
    check_depth(&mut c, s, &out, &mut warnings)?;
    check_work(&mut c, s, &ids, &out)?;
    Ok(warnings)
}

/// Ids unique and non-empty, each node's own fields and its kind's.
fn check_nodes<'a>(c: &mut Checker, s: &'a Scenario) -> Result<HashMap<&'a str, usize>, Fail> {
    let mut ids: HashMap<&str, usize> = HashMap::new();
    for (i, n) in s.nodes.iter().enumerate() {
        c.field("nodes", |c| {
            c.at(Seg::Index(i), |c| {
                c.field("id", |c| {
                    if n.id.trim().is_empty() {
                        return c.fail("a node needs a non-empty id");
                    }
                    if !printable(&n.id) || n.id.chars().count() > MAX_ID_CHARS {
                        return c.fail(format!(
                            "\"{}\" is not a usable id: 1 to {MAX_ID_CHARS} printable characters (no control characters or direction overrides)",
                            n.id.escape_debug()
                        ));
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
                c.field("kind", |c| n.kind.check(c))
            })
        })?;
    }

    Ok(ids)
}

/// Request types are tracked as bits of a 64-bit mask.
fn check_types(c: &mut Checker, s: &Scenario) -> Result<(), Fail> {
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

    Ok(())
}

/// Links join existing nodes (never a client as a target, never twice) and
/// have sane parameters; returns each node's callees.
fn check_links(c: &mut Checker, s: &Scenario, ids: &HashMap<&str, usize>) -> Result<Vec<Vec<usize>>, Fail> {
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
                if let Some(after) = l.hedge_after_ms {
                    c.number("hedge_after_ms", after, 0.001, 3.6e6)?;
                }
                c.count("repeat", l.repeat, 1, MAX_REPEAT)?;
                let repeats = matches!(
                    s.nodes[from].kind,
                    NodeKind::Service(_)
                        | NodeKind::Autoscaling(_)
                        | NodeKind::Serverless(_)
                        | NodeKind::RateLimiter(_)
                );
                if l.repeat > 1 && !repeats {
                    return c.field("repeat", |c| {
                        c.fail(format!(
                            "only services, autoscaling groups, serverless functions and rate limiters repeat a call, \
                             not \"{}\" ({})",
                            l.from,
                            s.nodes[from].kind.label()
                        ))
                    });
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

    Ok(out)
}

fn check_cycles_and_chaos(c: &mut Checker, s: &Scenario, out: &[Vec<usize>]) -> Result<(), Fail> {
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
                    if d == 0.0 {
                        // It would end as it starts: nothing would happen.
                        return c.field("for_s", |c| {
                            c.fail("a fault lasting 0 s never takes effect; leave for_s out to keep it until the end")
                        });
                    }
                }
                match f.fault.check(s) {
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

    Ok(())
}

/// Call chains no deeper than the engine allows; warnings for nodes that
/// can do nothing useful.
fn check_depth(c: &mut Checker, s: &Scenario, out: &[Vec<usize>], warnings: &mut Vec<Warning>) -> Result<(), Fail> {
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
    let mut depth = vec![0usize; out.len()];
    for n in topological_order(out).into_iter().rev() {
        depth[n] = out[n].iter().map(|&m| depth[m] + 1).max().unwrap_or(0);
    }
    depth
}

/// The most calls a second (client requests and every call they lead to)
/// a design may imply: at about ten million events a second on one core,
/// more would make one second of sim time take minutes.
pub const MAX_CALLS_PER_S: f64 = 1e8;

/// The work a design implies: each client's peak rate times the calls one
/// of its requests can lead to (every fan-out taken, the costliest of
/// alternatives). A fan-out tree a few lines long can otherwise ask for
/// 10¹² calls a second and never finish a tick.
fn check_work(c: &mut Checker, s: &Scenario, ids: &HashMap<&str, usize>, plain: &[Vec<usize>]) -> Result<(), Fail> {
    // The links with their call probabilities.
    let mut out: Vec<Vec<(usize, f64)>> = vec![Vec::new(); s.nodes.len()];
    for l in &s.links {
        if let (Some(&a), Some(&b)) = (ids.get(l.from.as_str()), ids.get(l.to.as_str())) {
            out[a].push((b, l.call_probability.clamp(0.0, 1.0)));
        }
    }
    // calls[n]: a request arriving at n, and every call it leads to below.
    let mut calls = vec![1.0f64; s.nodes.len()];
    let costliest = |v: &[(usize, f64)], calls: &[f64]| v.iter().map(|&(b, _)| calls[b]).fold(0.0, f64::max);
    for n in topological_order(plain).into_iter().rev() {
        calls[n] = 1.0
            + match s.nodes[n].kind.reach() {
                Reach::Nothing => 0.0,
                Reach::One => costliest(&out[n], &calls),
                Reach::Each => out[n].iter().map(|&(b, p)| p * calls[b]).sum(),
            };
    }
    let mut total = 0.0;
    for (i, n) in s.nodes.iter().enumerate() {
        let NodeKind::Client(cl) = &n.kind else { continue };
        let Some(rate) = cl.traffic.peak_rate() else { continue };
        let each = costliest(&out[i], &calls);
        let work = rate * each;
        total += work;
        if work > MAX_CALLS_PER_S {
            return c.field("nodes", |c| {
                c.at(Seg::Index(i), |c| {
                    c.field("kind", |c| {
                        c.field("traffic", |c| {
                            c.fail(format!(
                                "each request from \"{}\" leads to up to {} calls (fan-outs below it), so {} requests a second would be {:.2e} calls a second; the simulator takes at most {MAX_CALLS_PER_S:e}. Lower the rate or the fan-out",
                                n.id, round_sig(each), round_sig(rate), work
                            ))
                        })
                    })
                })
            });
        }
    }
    if total > MAX_CALLS_PER_S {
        return c.field("nodes", |c| {
            c.fail(format!(
                "the clients together lead to {total:.2e} calls a second; the simulator takes at most {MAX_CALLS_PER_S:e}. Lower their rates"
            ))
        });
    }
    Ok(())
}

/// A figure for a message: whole when large, three digits when small.
fn round_sig(x: f64) -> String {
    if x >= 100.0 { format!("{}", x.round()) } else { format!("{}", (x * 100.0).round() / 100.0) }
}

/// Nodes in an order where every link goes forwards (the graph has no
/// cycle by now; nodes on one would be left out).
pub(crate) fn topological_order(out: &[Vec<usize>]) -> Vec<usize> {
    // Kahn's algorithm.
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
    order
}

/// Faults in a scenario file target its nodes and links by name.
impl crate::chaos::Names for Scenario {
    fn node_kind(&self, id: &str) -> Option<&NodeKind> {
        self.nodes.iter().find(|n| n.id == id).map(|n| &n.kind)
    }

    fn link_exists(&self, from: &str, to: &str) -> bool {
        self.links.iter().any(|l| l.from == from && l.to == to)
    }
}
