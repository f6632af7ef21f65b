//! Clients: open- and closed-loop traffic, requests and their attempts,
//! timeouts, retries with backoff and budgets.

use super::*;

/// The least a closed-loop or long-polling user waits after a request that
/// ended the instant it was made (an error, or a path that takes no time).
const ZERO_TIME_PAUSE: Nanos = 1_000_000_000;

impl Engine {
    pub(super) fn start_client(&mut self, n: u32) {
        let node = &mut self.nodes[n as usize];
        let NodeKind::Client(c) = &node.spec.kind else { return };
        node.epoch = node.epoch.next();
        let epoch = node.epoch;
        match closed_loop(&c.traffic) {
            Some((users, think_ms)) => {
                let long_poll = matches!(c.traffic, Traffic::LongPolling { .. });
                node.users = users;
                for _ in 0..users {
                    // Long-polling apps connect over the first second.
                    let think = if long_poll {
                        (self.rng.unit() * 1e9) as Nanos
                    } else {
                        self.rng.exp(think_ms.max(0.0) * 1e6) as Nanos
                    };
                    self.at(self.now + think, What::UserWake { node: n, epoch });
                }
            }
            None => {
                node.users = 0;
                if node.arrival_lane.is_none() {
                    node.arrival_lane = self.queue.add_owned();
                }
                self.schedule_next_arrival(n);
            }
        }
    }

    pub(super) fn schedule_next_arrival(&mut self, n: u32) {
        let node = &self.nodes[n as usize];
        let NodeKind::Client(c) = &node.spec.kind else { return };
        let epoch = node.epoch;
        let now = self.now;
        let spike = node.fx.spike;
        // A spike multiplies the rate, but no client sends more than the
        // most a file may ask for: work must stay within what a run can do.
        let cap = |r: f64| r.min(crate::sim::check::MAX_RATE);
        // A tiny rate draws a gap past the end of the clock: the next
        // arrival is then never, not a time that wrapped round.
        let after = |gap: Nanos| now.saturating_add(gap.max(1));
        match c.traffic {
            Traffic::Poisson { rate } if rate * spike > 0.0 => {
                let rate = cap(rate * spike);
                let gap = self.rng.exp(1e9 / rate) as Nanos;
                self.arrival_at(n, after(gap), What::ClientFire { node: n, epoch, arrive: true });
            }
            Traffic::Polling { users, interval_s, .. } if users * spike > 0.0 && interval_s > 0.0 => {
                // Many apps polling on their own clocks: their polls merge
                // into a Poisson stream of users / interval a second.
                let rate = cap(users * spike / interval_s);
                let gap = self.rng.exp(1e9 / rate) as Nanos;
                self.arrival_at(n, after(gap), What::ClientFire { node: n, epoch, arrive: true });
            }
            Traffic::Diurnal { mean_rate, amplitude, period_s, peak_at_s } if mean_rate * spike > 0.0 => {
                // Thinning: candidates at the peak rate, each kept with
                // rate(t) / peak (exact for a time-varying Poisson process).
                let a = amplitude.clamp(0.0, 1.0);
                let peak = cap(mean_rate * spike * (1.0 + a));
                let gap = self.rng.exp(1e9 / peak) as Nanos;
                let t = after(gap) as f64 / 1e9;
                let phase = std::f64::consts::TAU * (t - peak_at_s) / period_s.max(1e-3);
                let keep = (1.0 + a * libm::cos(phase)) / (1.0 + a);
                let arrive = self.rng.chance(keep);
                self.arrival_at(n, after(gap), What::ClientFire { node: n, epoch, arrive });
            }
            Traffic::Constant { rate } if rate * spike > 0.0 => {
                let rate = cap(rate * spike);
                let gap = (1e9 / rate) as Nanos;
                self.arrival_at(n, after(gap), What::ClientFire { node: n, epoch, arrive: true });
            }
            Traffic::Burst { rate, burst_rate, period_s, burst_s } => {
                let (rate, burst_rate) = (cap(rate * spike), cap(burst_rate * spike));
                let period = secs_to_nanos(period_s).max(1);
                let burst = secs_to_nanos(burst_s).min(period);
                let phase = now % period;
                let (r, boundary) =
                    if phase < burst { (burst_rate, now - phase + burst) } else { (rate, now - phase + period) };
                // Memoryless: if the next arrival would fall past the rate
                // change, stop at the boundary and draw again from there.
                let gap = if r > 0.0 { self.rng.exp(1e9 / r) as Nanos } else { Nanos::MAX / 4 };
                if now.saturating_add(gap) < boundary {
                    self.arrival_at(n, after(gap), What::ClientFire { node: n, epoch, arrive: true });
                } else {
                    self.arrival_at(n, boundary.max(now + 1), What::ClientFire { node: n, epoch, arrive: false });
                }
            }
            _ => {}
        }
    }

    /// Schedule a client's next arrival, on its own lane when it has one.
    fn arrival_at(&mut self, n: u32, t: Nanos, what: What) {
        match self.nodes[n as usize].arrival_lane {
            Some(lane) => self.queue.push_owned(lane, self.now, t, what),
            None => self.at(t, what),
        }
    }

    pub(super) fn new_request(&mut self, client: u32) {
        let slot = match self.free_reqs.pop() {
            Some(s) => s,
            None => {
                self.reqs.push(Req::default());
                (self.reqs.len() - 1) as u32
            }
        };
        let r = &mut self.reqs[slot as usize];
        r.era = r.era.next();
        r.live = true;
        r.client = client;
        r.created = self.now;
        r.attempt = 0;
        r.full_poll = false;
        r.ask = None;
        if let NodeKind::Client(ClientSpec { traffic: Traffic::Polling { interval_s, messages_per_min, .. }, .. }) =
            self.nodes[client as usize].spec.kind
        {
            // Messages arrive for a user as a Poisson stream: none since the
            // last poll with probability e^(-rate × interval).
            let empty = libm::exp(-(messages_per_min / 60.0).max(0.0) * interval_s.max(0.0));
            let full = !self.rng.chance(empty);
            self.reqs[slot as usize].full_poll = full;
            let stats = &mut self.nodes[client as usize].stats;
            if full {
                stats.polls_full += 1;
            } else {
                stats.polls_empty += 1;
            }
        }
        self.reqs[slot as usize].hold = 0;
        if let NodeKind::Client(ClientSpec {
            traffic: Traffic::LongPolling { timeout_s, messages_per_min, .. }, ..
        }) = self.nodes[client as usize].spec.kind
        {
            // Held until the user's next message (exponential) or the timeout.
            let timeout = secs_to_nanos(timeout_s.max(0.0));
            let next = if messages_per_min > 0.0 { self.rng.exp(60e9 / messages_per_min) as Nanos } else { Nanos::MAX };
            let full = next < timeout;
            let r = &mut self.reqs[slot as usize];
            r.full_poll = full;
            r.hold = next.min(timeout);
            let stats = &mut self.nodes[client as usize].stats;
            if full {
                stats.polls_full += 1;
            } else {
                stats.polls_empty += 1;
            }
        }
        self.ledger.requests_created += 1;
        self.ledger.requests_live += 1;
        if let NodeKind::Client(ClientSpec { retry: Some(RetryPolicy { budget: Some(b), .. }), .. }) =
            &self.nodes[client as usize].spec.kind
        {
            let b = *b;
            let node = &mut self.nodes[client as usize];
            node.retry_tokens = (node.retry_tokens + b).min(RETRY_TOKENS_MAX);
        }
        self.global.created += 1;
        self.global.in_flight.add(self.now, 1);
        self.send_attempt(slot);
    }

    pub(super) fn client_spec(&self, n: u32) -> &ClientSpec {
        match &self.nodes[n as usize].spec.kind {
            NodeKind::Client(c) => c,
            _ => unreachable!("requests are only created by clients"),
        }
    }

    pub(super) fn send_attempt(&mut self, req: u32) {
        let (client, era, attempt) = {
            let r = &self.reqs[req as usize];
            (r.client, r.era, r.attempt)
        };
        if self.nodes[client as usize].out.is_empty() {
            self.finish_request(req, Some(FailReason::NoRoute));
            return;
        }
        if self.live_msgs >= crate::sim::metrics::MAX_LIVE_MESSAGES {
            // Memory stays bounded whatever grows without limit.
            self.finish_request(req, Some(FailReason::SimLimit));
            return;
        }
        let retry = self.client_spec(client).retry.clone();
        let ask = match self.reqs[req as usize].ask {
            Some(a) => a,
            None => {
                let a = self.draw_ask(client, req);
                self.reqs[req as usize].ask = Some(a);
                a
            }
        };
        let Ask { op, class, key, req_bytes: rq, resp_bytes: rs } = ask;
        let Some(first) = self.pick_carrier(client, class) else {
            self.finish_request(req, Some(FailReason::NoRoute));
            return;
        };
        let skew = self.nodes[client as usize].fx.skew;
        let m = self.new_msg(req, client, op, key, rq, rs);
        self.msgs[m as usize].class = class;
        self.msgs[m as usize].hold = self.reqs[req as usize].hold;
        let (mg,) = (self.msgs[m as usize].era,);
        let r = &mut self.reqs[req as usize];
        r.msg = m;
        r.msg_gen = mg;
        let give_up = retry.map(|p| self.now + ms_to_nanos(p.timeout_ms * skew).max(1));
        if let (Some(t), true) = (give_up, self.client_spec(client).propagate_deadline) {
            self.msgs[m as usize].deadline = t;
        }
        self.call(client, m, first, NONE as u8, false, 0, self.now);
        if let Some(t) = give_up {
            self.at(t, What::ReqTimeout { req, era, attempt });
        }
    }

    /// What a new request asks: operation and type (from the client's mix
    /// or write ratio), sizes, and key (hot key, Zipf or uniform).
    fn draw_ask(&mut self, client: u32, req: u32) -> Ask {
        let c = self.client_spec(client);
        let (write_ratio, keys, mut rq, mut rs) = (c.write_ratio, c.keys.max(1), c.request_bytes, c.response_bytes);
        let zipf_s = c.zipf;
        let (op, class) = if self.nodes[client as usize].mix.is_empty() {
            let op = if self.rng.chance(write_ratio) { Op::Write } else { Op::Read };
            (op, (op == Op::Write) as u8)
        } else {
            let mix = &self.nodes[client as usize].mix;
            let total = mix.last().map_or(0.0, |e| e.cumulative);
            let u = self.rng.unit() * total;
            let e = mix.iter().find(|e| u < e.cumulative).unwrap_or(&mix[mix.len() - 1]);
            (rq, rs) = (e.req_bytes, e.resp_bytes);
            (if e.write { Op::Write } else { Op::Read }, e.class)
        };
        if let Traffic::Polling { .. } | Traffic::LongPolling { .. } = self.client_spec(client).traffic {
            if !self.reqs[req as usize].full_poll {
                // "Nothing new": a small answer.
                rs = EMPTY_ANSWER_BYTES;
            }
        }
        let hot = self.nodes[client as usize].fx.hot;
        let zipf = match (zipf_s, &self.nodes[client as usize].zipf) {
            (Some(_), Some(z)) => Some(*z),
            (Some(s), None) => {
                let z = crate::sim::dist::Zipf::new(keys, s);
                self.nodes[client as usize].zipf = Some(z);
                Some(z)
            }
            _ => None,
        };
        let key = if hot > 0.0 && self.rng.chance(hot) {
            0
        } else if let Some(z) = zipf {
            // Rank 1 is key 0, the most popular.
            z.sample(&mut self.rng) - 1
        } else {
            self.rng.next_u64() % keys
        };
        Ask { op, class, key, req_bytes: rq, resp_bytes: rs }
    }

    pub(super) fn req_timeout(&mut self, req: u32, era: Gen, attempt: u8) {
        let r = &self.reqs[req as usize];
        if !r.live || r.era != era || r.attempt != attempt {
            return;
        }
        let (m, mg, client) = (r.msg, r.msg_gen, r.client);
        // The attempt still wanders somewhere: it finishes its journey but
        // is thrown away when it gets back.
        if self.msg_ok(m, mg) {
            let from = if self.msgs[m as usize].twin != NONE { self.hedge_given_up(m, 0, None) } else { 1 };
            let msg = &mut self.msgs[m as usize];
            if msg.place == Place::Lost {
                // The client gave up on a message lost on the way: every
                // call it was making is over (connections reset).
                self.release_stack(m, from);
                self.end_msg(m);
            } else if msg.orphan_depth == NO_ORPHAN {
                msg.orphan_depth = 0;
            }
        }
        self.retry_or_fail(req, client, FailReason::Timeout);
    }

    /// A request's attempt failed: back off and try again, or give up.
    pub(super) fn retry_or_fail(&mut self, req: u32, client: u32, reason: FailReason) {
        if self.nodes[client as usize].removed || self.nodes[client as usize].fx.down {
            self.finish_request(req, Some(reason));
            return;
        }
        let policy = self.client_spec(client).retry.clone();
        // Out of retry budget: fail now instead of adding load.
        let budget_ok = match policy.as_ref().and_then(|p| p.budget) {
            Some(_) => self.nodes[client as usize].retry_tokens >= 1.0,
            None => true,
        };
        let r = &mut self.reqs[req as usize];
        match policy {
            Some(p) if budget_ok && (r.attempt as u32) < p.max_retries.min(250) => {
                if p.budget.is_some() {
                    self.nodes[client as usize].retry_tokens -= 1.0;
                }
                let r = &mut self.reqs[req as usize];
                r.attempt += 1;
                let n = r.attempt;
                let era = r.era;
                self.global.retries += 1;
                let wait = self.backoff(&p, n);
                self.at(self.now + wait, What::ClientRetry { req, era });
            }
            _ => self.finish_request(req, Some(reason)),
        }
    }

    pub(super) fn backoff(&mut self, p: &RetryPolicy, attempt: u8) -> Nanos {
        let exp = 2f64.powi((attempt as i32 - 1).clamp(0, 30));
        let w = (p.backoff_ms * exp).min(p.max_backoff_ms.max(p.backoff_ms));
        let j = p.jitter.clamp(0.0, 1.0);
        ms_to_nanos(w * (1.0 - j + j * self.rng.unit()))
    }

    pub(super) fn finish_request(&mut self, req: u32, failure: Option<FailReason>) {
        let now = self.now;
        let r = &mut self.reqs[req as usize];
        debug_assert!(r.live);
        r.live = false;
        let (client, created, full_poll) = (r.client, r.created, r.full_poll);
        let class = r.ask.map(|a| a.class).filter(|_| !self.nodes[client as usize].mix.is_empty());
        self.free_reqs.push(req);
        let took = now - created;
        if self.several_clients {
            count(Tally::at(&mut self.global.by_client, client as usize), failure, took);
        }
        if let Some(c) = class {
            count(Tally::at(&mut self.global.by_type, c as usize), failure, took);
        }
        if full_poll && failure.is_none() {
            if let Traffic::Polling { interval_s, .. } = self.client_spec(client).traffic {
                // The messages it brings waited, on average, half an interval
                // for this poll (uniformly, for Poisson arrivals).
                let wait = (self.rng.unit() * interval_s.max(0.0) * 1e9) as Nanos;
                self.record_delivery(wait + (now - created));
            }
        }
        self.ledger.requests_live -= 1;
        self.global.in_flight.add(now, -1);
        match failure {
            None => {
                self.ledger.requests_completed += 1;
                self.global.completed += 1;
                self.global.latency.record(now - created);
                self.windows.latency.record(now - created);
                if let Some(c) = class {
                    crate::sim::metrics::hist_at(&mut self.windows.by_type, c as usize).record(now - created);
                }
                if self.several_clients {
                    crate::sim::metrics::hist_at(&mut self.windows.by_client, client as usize).record(now - created);
                }
            }
            Some(reason) => {
                self.ledger.requests_failed[reason.index()] += 1;
                self.global.failed[reason.index()] += 1;
            }
        }
        // A closed-loop user thinks, then asks again.
        let node = &mut self.nodes[client as usize];
        if node.removed || !node.fx.generating() {
            return;
        }
        let loop_ = match &node.spec.kind {
            NodeKind::Client(c) => closed_loop(&c.traffic),
            _ => None,
        };
        if let Some((users, think_ms)) = loop_ {
            if node.users > users {
                node.users -= 1;
            } else {
                let epoch = node.epoch;
                let mut think = self.rng.exp(think_ms.max(0.0) * 1e6) as Nanos;
                if now == created {
                    // Answered (or refused: no route, a crashed node at zero
                    // distance) the very instant it was asked: asking again
                    // at once would loop forever without the clock moving.
                    think = think.max(ZERO_TIME_PAUSE);
                }
                self.at(now + think, What::UserWake { node: client, epoch });
            }
        }
    }

    pub(super) fn record_delivery(&mut self, d: Nanos) {
        self.global.delivery.record(d);
        self.windows.delivery.record(d);
    }
}

/// One resolved request in a tally.
fn count(t: &mut Tally, failure: Option<FailReason>, took: Nanos) {
    match failure {
        None => {
            t.completed += 1;
            t.latency.record(took);
        }
        Some(_) => t.failed += 1,
    }
}
