//! A rate limiter: a token bucket that refuses requests beyond its rate.

use serde::{Deserialize, Serialize};

use super::*;

/// A token bucket in front of its outgoing links: `rate` tokens per second,
/// at most `burst` saved up; a request without a token is rejected
/// (`rate_limited`), the others pass on to the links.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimiterSpec {
    pub rate: f64,
    pub burst: u32,
}

impl Default for RateLimiterSpec {
    fn default() -> Self {
        Self { rate: 100.0, burst: 20 }
    }
}

/// The bucket: tokens in it as of `at` (it starts full).
#[derive(Clone)]
pub struct Bucket {
    pub tokens: f64,
    pub at: Nanos,
}

impl Default for Bucket {
    fn default() -> Self {
        Bucket { tokens: f64::INFINITY, at: 0 }
    }
}

impl Kind for RateLimiterSpec {
    const LABEL: &str = "rate limiter";
    const PRICE_PER_HOUR: f64 = 0.02;
    type State = Bucket;

    fn prepare(&self) -> Prepared {
        let hooks = Hooks { admit: true, ..Default::default() };
        Prepared { hooks, ..Prepared::new(UNLIMITED, UNLIMITED, Sampler::Const(0)) }.after(AfterService::PassOn)
    }

    /// Refill continuously, spend one token per request.
    fn admit(&self, b: &mut Bucket, job: Job) -> Result<(), FailReason> {
        let (rate, burst) = (self.rate.max(0.0), self.burst.max(1) as f64);
        let elapsed = (job.now - b.at) as f64 / 1e9;
        b.tokens = (b.tokens + elapsed * rate).min(burst);
        b.at = job.now;
        if b.tokens < 1.0 {
            return Err(FailReason::RateLimited);
        }
        b.tokens -= 1.0;
        Ok(())
    }

    fn check(&self, c: &mut Checker) -> Result<(), Fail> {
        let rl = self;
        c.number("rate", rl.rate, 0.0, MAX_RATE)?;
        c.count("burst", rl.burst, 1, MAX_COUNT)
    }
}
