//! Object storage: time to first byte, then a transfer time added per
//! request from its size.

use serde::{Deserialize, Serialize};

use super::*;

/// Object storage (S3-like): every request gets its own connection; it
/// takes `first_byte` to start, then the object streams at `mbps` (reads
/// send the client's `response_bytes`, writes its `request_bytes`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ObjectStorageSpec {
    pub first_byte: Dist,
    /// Per-connection throughput, megabits per second.
    pub mbps: f64,
}

impl Default for ObjectStorageSpec {
    fn default() -> Self {
        Self { first_byte: Dist::LogNormal { mean: 20.0, std_dev: 10.0 }, mbps: 400.0 }
    }
}

impl Kind for ObjectStorageSpec {
    const LABEL: &str = "object storage";
    const PRICE_PER_HOUR: f64 = 0.03;
    type State = ();

    fn prepare(&self) -> Prepared {
        let hooks = Hooks { adjust: true, ..Default::default() };
        Prepared { hooks, ..Prepared::new(UNLIMITED, UNLIMITED, self.first_byte.sampler()) }.after(AfterService::Respond)
    }

    /// The transfer, after the first byte: size / throughput.
    fn adjust(&self, _: &mut (), job: Job, _: &mut SimRng) -> Adjust {
        let extra = if self.mbps > 0.0 { (job.bytes as f64 * 8e3 / self.mbps) as Nanos } else { 0 };
        Adjust { extra, ..Default::default() }
    }

    fn check(&self, c: &mut Checker) -> Result<(), Fail> {
        let o = self;
        c.dist("first_byte", &o.first_byte)?;
        c.number("mbps", o.mbps, 1e-6, 1e9)
    }
}
