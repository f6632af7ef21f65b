//! A leaderless quorum store (Dynamo, Cassandra, Riak): every key has N
//! copies; a write goes to all of them and succeeds once W have applied it,
//! a read asks all of them and returns the newest of the first R answers.
//!
//! Each copy applies a write after its own replication lag, drawn for every
//! copy and every write. When R + W > N, any R copies include one of the W
//! that acknowledged the latest write, so no read is stale; when R + W ≤ N a
//! read can land on copies the write has not reached yet. With exponential
//! lags of mean m the chance is exactly C(N−W, R)/C(N, R) · e^(−Rτ/m) for a
//! read τ after the write succeeded (the copies still behind are memoryless);
//! `tests/suite/quorum.rs` checks the store against it. The coordinator gives
//! up after `timeout_ms`: a write that fewer than W copies applied in time,
//! or a read that fewer than R answered, fails with `timeout` (the copies
//! that were reached keep the write: nothing is rolled back).

use std::collections::HashMap;

use super::*;
use crate::sim::metrics::FailReason;
use crate::sim::time::ms_to_nanos;

/// The most copies a key may have.
pub const MAX_REPLICAS: u32 = 15;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuorumStoreSpec {
    /// N: copies of every key.
    pub replicas: u32,
    /// R: answers a read waits for.
    pub read_quorum: u32,
    /// W: copies that must apply a write before it succeeds.
    pub write_quorum: u32,
    /// One copy's time to answer a read.
    pub read: Dist,
    /// One copy's time to receive and apply a write (its replication lag).
    pub lag: Dist,
    /// The coordinator gives up after this long.
    pub timeout_ms: f64,
    /// A read that finds older copies among its answers brings them up to
    /// date before it returns.
    pub read_repair: bool,
}

impl Default for QuorumStoreSpec {
    fn default() -> Self {
        Self {
            replicas: 3,
            read_quorum: 2,
            write_quorum: 2,
            read: Dist::Exp(1.0),
            lag: Dist::Exp(2.0),
            timeout_ms: 100.0,
            read_repair: true,
        }
    }
}

/// Versions of one key: the latest that succeeded, and on each copy the
/// newest applied plus writes still on their way to it.
#[derive(Default, Clone)]
pub struct KeyCopies {
    /// Succeeded writes not yet visible to clients at their time, and the
    /// newest that is: (version, succeeded at).
    succeeding: Vec<(u64, Nanos)>,
    succeeded: u64,
    /// Per copy: newest version applied, and (version, applied at) pending.
    copies: Vec<(u64, Vec<(u64, Nanos)>)>,
    /// Versions handed out so far.
    written: u64,
}

impl KeyCopies {
    /// Bring everything up to `now`: pending writes that have arrived apply.
    fn settle(&mut self, now: Nanos) {
        let mut newest = self.succeeded;
        self.succeeding.retain(|&(v, at)| {
            if at <= now {
                newest = newest.max(v);
            }
            at > now
        });
        self.succeeded = newest;
        for (applied, pending) in &mut self.copies {
            pending.retain(|&(v, at)| {
                if at <= now {
                    *applied = (*applied).max(v);
                }
                at > now
            });
        }
    }
}

/// What a quorum store keeps while it runs.
#[derive(Default, Clone)]
pub struct QuorumState {
    keys: HashMap<u64, KeyCopies>,
    pub counts: QuorumCounts,
}

/// What a quorum store counts (since the statistics last restarted).
#[derive(Default, Clone)]
pub struct QuorumCounts {
    pub reads: u64,
    pub stale_reads: u64,
    pub failed_reads: u64,
    pub writes: u64,
    pub failed_writes: u64,
    pub repairs: u64,
}

impl Kind for QuorumStoreSpec {
    const LABEL: &str = "quorum store";
    /// Per copy: every copy is a database node.
    const PRICE_PER_HOUR: f64 = 0.15;
    const PRICING: &str = "$0.15 per replica-hour";
    type State = QuorumState;

    fn prepare(&self) -> Prepared {
        let hooks = Hooks { serve: true, ..Default::default() };
        Prepared { hooks, ..Prepared::new(UNLIMITED, UNLIMITED, self.read.sampler()) }.after(AfterService::Respond)
    }

    fn members(&self) -> u32 {
        self.replicas.max(1)
    }

    fn serve(&self, st: &mut QuorumState, job: Job, rng: &mut SimRng) -> Served {
        let n = self.replicas.clamp(1, MAX_REPLICAS) as usize;
        let timeout = ms_to_nanos(self.timeout_ms);
        let key = st.keys.entry(job.key).or_default();
        key.copies.resize_with(n, Default::default);
        key.settle(job.now);
        // Every copy is asked; each answers (or applies) after its own time.
        let sampler = if job.write { self.lag.sampler() } else { self.read.sampler() };
        let mut times = [(0 as Nanos, 0usize); MAX_REPLICAS as usize];
        for (i, t) in times.iter_mut().enumerate().take(n) {
            *t = ((sampler.sample(rng) as f64 * job.slow) as Nanos, i);
        }
        let times = &mut times[..n];
        times.sort_unstable();
        if job.write {
            let w = (self.write_quorum as usize).clamp(1, n);
            key.written += 1;
            let v = key.written;
            for &(t, i) in times.iter() {
                key.copies[i].1.push((v, job.now + t));
            }
            st.counts.writes += 1;
            let done = times[w - 1].0;
            if done > timeout {
                st.counts.failed_writes += 1;
                return Served { time: timeout, error: Some(FailReason::Timeout) };
            }
            key.succeeding.push((v, job.now + done));
            return Served { time: done, error: None };
        }
        let r = (self.read_quorum as usize).clamp(1, n);
        st.counts.reads += 1;
        let done = times[r - 1].0;
        if done > timeout {
            st.counts.failed_reads += 1;
            return Served { time: timeout, error: Some(FailReason::Timeout) };
        }
        // The first R to answer, as of the read's arrival.
        let newest = times[..r].iter().map(|&(_, i)| key.copies[i].0).max().unwrap_or(0);
        if newest < key.succeeded {
            st.counts.stale_reads += 1;
        }
        if self.read_repair {
            for &(_, i) in &times[..r] {
                if key.copies[i].0 < newest {
                    key.copies[i].0 = newest;
                    st.counts.repairs += 1;
                }
            }
        }
        Served { time: done, error: None }
    }

    fn counters(&self, st: &QuorumState, _: &Facts) -> Vec<(&'static str, f64)> {
        let mut c = vec![
            ("reads", st.counts.reads as f64),
            ("stale_reads", st.counts.stale_reads as f64),
            ("failed_reads", st.counts.failed_reads as f64),
            ("writes", st.counts.writes as f64),
            ("failed_writes", st.counts.failed_writes as f64),
        ];
        if self.read_repair {
            c.push(("repairs", st.counts.repairs as f64));
        }
        c
    }

    fn reset_counters(&self, st: &mut QuorumState, _now: Nanos) {
        st.counts = QuorumCounts::default();
    }

    fn check(&self, c: &mut Checker) -> Result<(), Fail> {
        c.count("replicas", self.replicas, 1, MAX_REPLICAS)?;
        c.count("read_quorum", self.read_quorum, 1, self.replicas)?;
        c.count("write_quorum", self.write_quorum, 1, self.replicas)?;
        c.dist("read", &self.read)?;
        c.dist("lag", &self.lag)?;
        c.number("timeout_ms", self.timeout_ms, 0.001, 3.6e6)
    }
}
