//! Links: latency, bandwidth (one wire per direction), loss, duplicates,
//! and the circuit breaker that guards each one.

use super::*;

/// A link's runtime state.
#[derive(Clone)]
pub struct LinkRt {
    pub spec: LinkSpec,
    pub from: u32,
    pub to: u32,
    pub(super) latency: Sampler,
    pub(super) jitter: f64,
    /// When each direction's wire is free again (bandwidth limits only).
    pub(super) wire_free: [Nanos; 2],
    pub(super) ns_per_byte: f64,
    pub stats: LinkStats,
    pub removed: bool,
    pub fx: LinkFx,
    pub breaker: Breaker,
    /// Request types it carries, as bits of type indices (0: all).
    pub(super) mask: u64,
    /// `(lane, latency)` while sending over it is only that: a constant
    /// delay on a lane, with no loss, jitter, bandwidth or fault to weigh
    /// (see [`Engine::refresh_fast`]); `None` takes the full path.
    pub(super) fast: Option<(u8, Nanos)>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BreakerState {
    #[default]
    Closed,
    Open,
    HalfOpen,
}

/// A link's circuit-breaker state (see [`CircuitBreaker`]).
#[derive(Clone, Debug, Default)]
pub struct Breaker {
    pub state: BreakerState,
    pub(super) window_start: Nanos,
    pub(super) calls: u32,
    pub(super) failures: u32,
    pub(super) opened_at: Nanos,
    pub(super) trials_sent: u32,
    pub(super) trials_ok: u32,
    /// How many times it has opened.
    pub opened: u64,
}

/// The combined effect of the active faults on a link.
#[derive(Clone, Debug, Default)]
pub struct LinkFx {
    pub extra_latency: Nanos,
    pub extra_jitter: f64,
    pub extra_loss: f64,
    /// Bandwidth cap in Mbit/s, overriding the link's own.
    pub bandwidth_mbps: Option<f64>,
    /// Everything sent is silently dropped (nobody is told).
    pub blackhole: bool,
    /// Share of answers that arrive corrupted (the caller sees an error).
    pub corrupt: f64,
    /// Share of requests delivered twice (the copy's answer is discarded).
    pub duplicate: f64,
}

impl LinkFx {
    /// Whether it changes nothing about sending (corruption acts on arrival).
    fn sends_plainly(&self) -> bool {
        !self.blackhole
            && self.extra_loss == 0.0
            && self.bandwidth_mbps.is_none()
            && self.extra_latency == 0
            && self.extra_jitter == 0.0
            && self.duplicate == 0.0
    }
}

impl LinkRt {
    pub(super) fn new(spec: LinkSpec, from: u32, to: u32, now: Nanos) -> Self {
        let mut link = LinkRt {
            from,
            to,
            latency: spec.latency.sampler(),
            jitter: 0.0,
            wire_free: [0; 2],
            ns_per_byte: 0.0,
            spec,
            stats: LinkStats::default(),
            removed: false,
            fx: LinkFx::default(),
            breaker: Breaker::default(),
            mask: 0,
            fast: None,
        };
        link.stats.in_transit.restart(now);
        link.prepare();
        link
    }

    pub(super) fn prepare(&mut self) {
        self.latency = self.spec.latency.sampler();
        self.jitter = self.spec.jitter_ms.max(0.0) * 1e6;
        self.ns_per_byte = match self.spec.bandwidth_mbps {
            Some(mbps) if mbps > 0.0 => 8e3 / mbps,
            _ => 0.0,
        };
    }
}

/// A packet on a link, for drawing.
#[derive(Clone, Copy, Debug)]
pub struct Transit {
    pub link: u32,
    pub back: bool,
    pub depart: Nanos,
    pub arrive: Nanos,
    pub error: bool,
    pub response: bool,
}

impl Engine {
    /// Decide again whether link `l` takes the fast path in [`Self::transit`]:
    /// after anything that changes its spec, its faults or its removal.
    pub(super) fn refresh_fast(&mut self, l: usize) {
        let link = &mut self.links[l];
        link.fast = match link.latency {
            Sampler::Const(delay)
                if !link.removed
                    && link.spec.loss == 0.0
                    && link.jitter == 0.0
                    && link.ns_per_byte == 0.0
                    && link.fx.sends_plainly() =>
            {
                self.queue.lane_of(delay).map(|lane| (lane, delay))
            }
            _ => None,
        };
    }

    /// May a call go over this link now? (Circuit breaker.)
    pub(super) fn breaker_allows(&mut self, l: u32) -> bool {
        let now = self.now;
        let link = &mut self.links[l as usize];
        let Some(cb) = &link.spec.circuit_breaker else { return true };
        let b = &mut link.breaker;
        if b.state == BreakerState::Open {
            if now < b.opened_at + ms_to_nanos(cb.open_ms) {
                return false;
            }
            b.state = BreakerState::HalfOpen;
            b.trials_sent = 0;
            b.trials_ok = 0;
        }
        if b.state == BreakerState::HalfOpen {
            if b.trials_sent >= cb.half_open_calls.max(1) {
                return false;
            }
            b.trials_sent += 1;
        }
        true
    }

    /// A call over this link came back: count it towards the breaker.
    pub(super) fn breaker_record(&mut self, l: u32, ok: bool) {
        let now = self.now;
        let link = &mut self.links[l as usize];
        let Some(cb) = &link.spec.circuit_breaker else { return };
        let b = &mut link.breaker;
        let open = |b: &mut Breaker| {
            b.state = BreakerState::Open;
            b.opened_at = now;
            b.opened += 1;
        };
        match b.state {
            BreakerState::Open => {}
            BreakerState::HalfOpen => {
                if !ok {
                    open(b);
                } else {
                    b.trials_ok += 1;
                    if b.trials_ok >= cb.half_open_calls.max(1) {
                        *b = Breaker { opened: b.opened, window_start: now, ..Breaker::default() };
                    }
                }
            }
            BreakerState::Closed => {
                if now.saturating_sub(b.window_start) >= ms_to_nanos(cb.window_ms) {
                    b.window_start = now;
                    b.calls = 0;
                    b.failures = 0;
                }
                b.calls += 1;
                b.failures += (!ok) as u32;
                if b.calls >= cb.min_calls.max(1) && b.failures as f64 >= cb.failure_ratio * b.calls as f64 {
                    open(b);
                }
            }
        }
    }

    /// Put a message on a link; schedules its arrival or loses it.
    pub(super) fn transit(&mut self, m: u32, link: u32, back: bool, bytes: u32) {
        let now = self.now;
        let l = &mut self.links[link as usize];
        if let Some((lane, delay)) = l.fast {
            // A constant delay and nothing else: the same as the full path
            // below, without weighing what cannot happen.
            l.stats.sent += 1;
            l.stats.bytes += bytes as u64;
            l.stats.in_transit.add(now, 1);
            let arrive = now + delay;
            let msg = &mut self.msgs[m as usize];
            msg.place = Place::OnLink { link, back, depart: now, arrive };
            let era = msg.era;
            self.queue.push_lane(lane, now, arrive, What::Arrive { msg: m, era });
            return;
        }
        if self.links[link as usize].removed {
            self.fail_here(m, FailReason::Removed);
            return;
        }
        let l = &mut self.links[link as usize];
        l.stats.sent += 1;
        l.stats.bytes += bytes as u64;
        if l.fx.blackhole {
            // Silently dropped: only a timeout will ever notice.
            l.stats.lost += 1;
            self.ledger.messages_lost += 1;
            self.msgs[m as usize].place = Place::Lost;
            return;
        }
        let loss = 1.0 - (1.0 - l.spec.loss) * (1.0 - l.fx.extra_loss);
        if loss > 0.0 && self.rng.chance(loss) {
            l.stats.lost += 1;
            self.lose(m);
            return;
        }
        let dir = back as usize;
        let ns_per_byte = match l.fx.bandwidth_mbps {
            Some(mbps) if mbps > 0.0 => 8e3 / mbps,
            _ => l.ns_per_byte,
        };
        let depart = if ns_per_byte > 0.0 {
            // The wire is a FIFO server: serialisation delay = size / bandwidth.
            let start = l.wire_free[dir].max(now);
            l.wire_free[dir] = start + (bytes as f64 * ns_per_byte) as Nanos;
            l.wire_free[dir]
        } else {
            now
        };
        let mut delay = l.latency.sample(&mut self.rng);
        let l = &mut self.links[link as usize];
        if l.jitter > 0.0 {
            delay += (l.jitter * self.rng.unit()) as Nanos;
        }
        delay += l.fx.extra_latency;
        if l.fx.extra_jitter > 0.0 {
            delay += (l.fx.extra_jitter * self.rng.unit()) as Nanos;
        }
        let arrive = depart + delay;
        l.stats.in_transit.add(now, 1);
        let duplicate = !back && l.fx.duplicate > 0.0;
        let msg = &mut self.msgs[m as usize];
        msg.place = Place::OnLink { link, back, depart: now, arrive };
        let era = msg.era;
        self.at(arrive, What::Arrive { msg: m, era });
        if duplicate && self.rng.chance(self.links[link as usize].fx.duplicate) {
            self.duplicate(m, link, arrive);
        }
    }

    /// Deliver a second copy of a request: it does the work again, and its
    /// answer is discarded by the caller that never asked for it.
    pub(super) fn duplicate(&mut self, m: u32, link: u32, arrive: Nanos) {
        let copy = self.clone_msg(m);
        let c = &mut self.msgs[copy as usize];
        c.orphan_depth = c.depth - 1;
        c.place = Place::OnLink { link, back: false, depart: self.now, arrive: arrive + 1 };
        let era = c.era;
        self.links[link as usize].stats.in_transit.add(self.now, 1);
        self.at(arrive + 1, What::Arrive { msg: copy, era });
    }

    /// A message vanished on a link. If a timeout is watching for it, the
    /// timeout will notice; otherwise the caller learns at once (as a reset
    /// connection would tell it) so no request is stranded forever.
    pub(super) fn lose(&mut self, m: u32) {
        let msg = &self.msgs[m as usize];
        let d = msg.depth as usize;
        let orphan = msg.orphan_depth != NO_ORPHAN;
        // A fan-out branch is watched only by timeouts on its own calls.
        let base = if msg.parent != NONE { (msg.fork_depth as usize).min(d) } else { 0 };
        let hop_watched = msg.stack[base..d].iter().any(|h| self.links[h.link as usize].spec.retry.is_some());
        let client_watched = msg.req != NONE && msg.parent == NONE && self.client_spec(msg.origin).retry.is_some();
        self.ledger.messages_lost += 1;
        if orphan {
            let mut from = self.msgs[m as usize].orphan_depth as usize + 1;
            if self.msgs[m as usize].twin != NONE {
                from = self.hedge_orphan_lost(m, from);
            }
            self.release_stack(m, from);
            self.end_msg(m);
            return;
        }
        if hop_watched || client_watched {
            self.msgs[m as usize].place = Place::Lost;
            return;
        }
        let msg = &mut self.msgs[m as usize];
        msg.resp = true;
        msg.error = Some(FailReason::PacketLoss);
        self.answer_arrived(m);
    }

    pub(super) fn arrive(&mut self, m: u32) {
        let Place::OnLink { link, back, .. } = self.msgs[m as usize].place else {
            return;
        };
        self.links[link as usize].stats.in_transit.add(self.now, -1);
        if self.links[link as usize].removed {
            self.fail_here(m, FailReason::Removed);
            return;
        }
        if back {
            let corrupt = self.links[link as usize].fx.corrupt;
            if corrupt > 0.0 && self.msgs[m as usize].error.is_none() && self.rng.chance(corrupt) {
                // The bytes arrived but fail the checksum: an error answer.
                self.msgs[m as usize].error = Some(FailReason::Corrupt);
            }
            self.answer_arrived(m);
        } else {
            let to = self.links[link as usize].to;
            self.request_arrived(to, m);
        }
    }
}
