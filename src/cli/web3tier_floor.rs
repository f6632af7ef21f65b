//! The first benchmark workload as a simulator written for it alone: how
//! fast this model can be simulated at all with the engine's exactness
//! (integer-nanosecond times, (time, sequence) order), its generator,
//! sampler and latency histogram, and none of its generality (no faults,
//! timeouts, retries, call stacks, per-node statistics, windows or ledger).
//! `bench` runs it beside the engine; the gap between the two is what the
//! engine's generality costs.
//!
//! The model is `scenarios/bench/web3tier.ron`: Poisson arrivals at
//! 20 000 req/s, a 2 ms link to a round-robin balancer, 1 ms links to four
//! app services (8 workers, exponential service with mean 1 ms), 30 % of
//! requests then call the database over a 1 ms link (16 connections,
//! exponential 2 ms), and every answer retraces its links. It has the
//! engine's events, about 6.9 a request: an arrival, a message reaching the
//! end of each link, and a service completion at each station.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::sim::dist::SimRng;
use crate::sim::metrics::LatencyHist;

const MS: u64 = 1_000_000;
const RATE: f64 = 20_000.0;
const APPS: usize = 4;
const APP_WORKERS: u32 = 8;
const APP_MEAN_NS: f64 = 1e6;
const DB_POOL: u32 = 16;
const DB_MEAN_NS: f64 = 2e6;
const DB_CALLS: f64 = 0.3;
const CLIENT_LINK: u64 = 2 * MS;
const INNER_LINK: u64 = MS;

/// What happens to request `.0` (an index into the request slots).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum What {
    /// The client sends its next request.
    Fire,
    ReachBalancer(u32),
    ReachApp(u32),
    AppDone(u32),
    ReachDb(u32),
    DbDone(u32),
    AnswerAtApp(u32),
    AnswerAtBalancer(u32),
    AnswerAtClient(u32),
}

/// An event, ordered by time, then sequence number (unique, so `what`
/// never decides).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Ev {
    t: u64,
    seq: u64,
    what: What,
}

/// Pending events: random delays in a heap; the two constant link delays
/// each in a FIFO lane, already in order since the clock never goes back.
#[derive(Default)]
struct Queue {
    /// Earliest on top of std's max-heap.
    heap: BinaryHeap<Reverse<Ev>>,
    lanes: [VecDeque<Ev>; 2],
    seq: u64,
}

impl Queue {
    fn at(&mut self, t: u64, what: What) {
        self.seq += 1;
        self.heap.push(Reverse(Ev { t, seq: self.seq, what }));
    }

    /// After a constant delay: lane 0 for the inner links, 1 for the client's.
    fn after_link(&mut self, now: u64, delay: u64, what: What) {
        self.seq += 1;
        let lane = (delay == CLIENT_LINK) as usize;
        self.lanes[lane].push_back(Ev { t: now + delay, seq: self.seq, what });
    }

    fn pop(&mut self) -> Option<Ev> {
        let key = |e: Option<&Ev>| e.map_or((u64::MAX, u64::MAX), |e| (e.t, e.seq));
        let (heap, a, b) =
            (key(self.heap.peek().map(|r| &r.0)), key(self.lanes[0].front()), key(self.lanes[1].front()));
        if heap <= a && heap <= b {
            self.heap.pop().map(|Reverse(e)| e)
        } else if a <= b {
            self.lanes[0].pop_front()
        } else {
            self.lanes[1].pop_front()
        }
    }
}

/// A station: `servers` servers and a FIFO queue of requests.
struct Station {
    busy: u32,
    servers: u32,
    mean_ns: f64,
    waiting: VecDeque<u32>,
}

impl Station {
    fn new(servers: u32, mean_ns: f64) -> Self {
        Station { busy: 0, servers, mean_ns, waiting: VecDeque::new() }
    }

    /// Request `r` arrives: served now (its completion scheduled) or queued.
    fn arrive(&mut self, r: u32, now: u64, q: &mut Queue, rng: &mut SimRng, done: fn(u32) -> What) {
        if self.busy < self.servers {
            self.busy += 1;
            q.at(now + exp_ns(rng, self.mean_ns), done(r));
        } else {
            self.waiting.push_back(r);
        }
    }

    /// A service ended: the next in the queue starts, or a server is free.
    fn finish(&mut self, now: u64, q: &mut Queue, rng: &mut SimRng, done: fn(u32) -> What) {
        match self.waiting.pop_front() {
            Some(next) => q.at(now + exp_ns(rng, self.mean_ns), done(next)),
            None => self.busy -= 1,
        }
    }
}

/// An exponential duration, drawn and rounded as the engine's sampler does.
fn exp_ns(rng: &mut SimRng, mean_ns: f64) -> u64 {
    (rng.exp(mean_ns) + 0.5) as u64
}

/// What a run gives: events handled, and the latency of every request
/// answered, in the engine's own histogram.
pub struct Outcome {
    pub events: u64,
    pub latency: LatencyHist,
}

/// Simulate `seconds` of the model from `seed`.
pub fn run(seconds: f64, seed: u64) -> Outcome {
    let end = (seconds * 1e9) as u64;
    let mut rng = SimRng::seeded(seed);
    let mut q = Queue::default();
    // Per request slot: when it was sent, and its app service.
    let (mut sent, mut app_of): (Vec<u64>, Vec<u8>) = (Vec::new(), Vec::new());
    let mut free: Vec<u32> = Vec::new();
    let mut apps: Vec<Station> = (0..APPS).map(|_| Station::new(APP_WORKERS, APP_MEAN_NS)).collect();
    let mut db = Station::new(DB_POOL, DB_MEAN_NS);
    let mut next_app = 0;
    let mut latency = LatencyHist::default();
    let mut events = 0;
    q.at(0, What::Fire);
    while let Some(Ev { t, what, .. }) = q.pop().filter(|e| e.t <= end) {
        events += 1;
        match what {
            What::Fire => {
                let r = free.pop().unwrap_or_else(|| {
                    sent.push(0);
                    app_of.push(0);
                    (sent.len() - 1) as u32
                });
                sent[r as usize] = t;
                q.after_link(t, CLIENT_LINK, What::ReachBalancer(r));
                q.at(t + exp_ns(&mut rng, 1e9 / RATE), What::Fire);
            }
            What::ReachBalancer(r) => {
                app_of[r as usize] = next_app as u8;
                next_app = (next_app + 1) % APPS;
                q.after_link(t, INNER_LINK, What::ReachApp(r));
            }
            What::ReachApp(r) => apps[app_of[r as usize] as usize].arrive(r, t, &mut q, &mut rng, What::AppDone),
            What::AppDone(r) => {
                apps[app_of[r as usize] as usize].finish(t, &mut q, &mut rng, What::AppDone);
                let next = if rng.chance(DB_CALLS) { What::ReachDb(r) } else { What::AnswerAtBalancer(r) };
                q.after_link(t, INNER_LINK, next);
            }
            What::ReachDb(r) => db.arrive(r, t, &mut q, &mut rng, What::DbDone),
            What::DbDone(r) => {
                db.finish(t, &mut q, &mut rng, What::DbDone);
                q.after_link(t, INNER_LINK, What::AnswerAtApp(r));
            }
            What::AnswerAtApp(r) => q.after_link(t, INNER_LINK, What::AnswerAtBalancer(r)),
            What::AnswerAtBalancer(r) => q.after_link(t, CLIENT_LINK, What::AnswerAtClient(r)),
            What::AnswerAtClient(r) => {
                latency.record(t - sent[r as usize]);
                free.push(r);
            }
        }
    }
    Outcome { events, latency }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dedicated simulator runs the bundled model: its latency agrees
    /// with the engine's on the same scenario (a changed link, service
    /// time or call share in either would move the mean by more than 1 %),
    /// and it has the engine's events per request.
    #[test]
    fn agrees_with_the_engine_on_the_bundled_model() {
        let floor = run(5.0, 1);
        let (s, _) =
            crate::scenario::Scenario::parse("web3tier.ron", include_str!("../../scenarios/bench/web3tier.ron"))
                .expect("bundled benchmark is valid");
        let report = crate::headless::run_scenario(&s, &s.name, s.seed, 0.0, 5.0);
        let ours = floor.latency.mean_ms();
        assert!(
            (ours / report.latency_ms.mean - 1.0).abs() < 0.01,
            "floor {ours:.3} ms, engine {:.3} ms",
            report.latency_ms.mean
        );
        let p99 = floor.latency.quantile_ms(0.99);
        assert!(
            (p99 / report.latency_ms.p99 - 1.0).abs() < 0.03,
            "p99: floor {p99:.3} ms, engine {:.3} ms",
            report.latency_ms.p99
        );
        let requests = floor.latency.count();
        let per_request = floor.events as f64 / requests as f64;
        let engine_per_request = report.events as f64 / report.created as f64;
        assert!(
            (per_request - engine_per_request).abs() < 0.05,
            "{per_request:.2} against {engine_per_request:.2} events a request"
        );
        assert!((requests as f64 / 5.0 / RATE - 1.0).abs() < 0.02, "{requests} requests in 5 s");
    }
}
