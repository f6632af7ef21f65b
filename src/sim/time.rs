//! The simulation's own clock: integer nanoseconds, independent of the frame
//! rate, plus the speed control a person (or the headless runner) drives.

use bevy::prelude::*;

/// Simulated time in nanoseconds since the run started.
pub type Nanos = u64;

pub const NANOS_PER_MS: f64 = 1e6;
pub const NANOS_PER_SEC: u64 = 1_000_000_000;

/// Milliseconds (as written in scenario files) to nanoseconds, rounded.
pub fn ms_to_nanos(ms: f64) -> Nanos {
    if ms.is_finite() && ms > 0.0 { (ms * NANOS_PER_MS + 0.5) as Nanos } else { 0 }
}

pub fn secs_to_nanos(s: f64) -> Nanos {
    if s.is_finite() && s > 0.0 { (s * 1e9 + 0.5) as Nanos } else { 0 }
}

pub fn nanos_to_ms(n: Nanos) -> f64 {
    n as f64 / NANOS_PER_MS
}

pub fn nanos_to_secs(n: Nanos) -> f64 {
    n as f64 / 1e9
}

/// How fast simulated time moves relative to the fixed tick.
///
/// Each `FixedUpdate` advances the simulation by `tick × speed` of sim time.
/// Statistics do not depend on this: events carry exact timestamps and are
/// processed in timestamp order whatever the chunk size.
#[derive(Resource, Debug, Clone)]
pub struct SimSpeed {
    pub paused: bool,
    /// Sim seconds per real second (0.1 … 1000).
    pub factor: f64,
    /// Set by "step": advance exactly one tick while paused.
    pub step_once: bool,
    /// Sim time one fixed tick represents at factor 1.
    pub tick: Nanos,
    /// The most sim time one `FixedUpdate` may process; the rest is dropped
    /// and reported as "behind" (so is time cut by the frame budget).
    pub max_chunk: Nanos,
    /// Sim time requested in the last tick but not simulated.
    pub behind: Nanos,
    /// The clock may not pass this time in a tick (a replay's next step
    /// takes effect exactly then).
    pub stop_at: Option<Nanos>,
}

impl Default for SimSpeed {
    fn default() -> Self {
        Self {
            paused: false,
            factor: 1.0,
            step_once: false,
            tick: NANOS_PER_SEC / 64,
            // ×1000 at 64 ticks/s is 15.6 s of sim time per tick.
            max_chunk: 16 * NANOS_PER_SEC,
            behind: 0,
            stop_at: None,
        }
    }
}

impl SimSpeed {
    pub const MIN_FACTOR: f64 = 0.1;
    pub const MAX_FACTOR: f64 = 1000.0;

    pub fn set_factor(&mut self, f: f64) {
        self.factor = if f.is_finite() { f.clamp(Self::MIN_FACTOR, Self::MAX_FACTOR) } else { 1.0 };
    }

    /// Sim time to advance in this tick, consuming the step request.
    pub fn take_advance(&mut self) -> Nanos {
        if self.paused {
            if self.step_once {
                self.step_once = false;
                return self.tick;
            }
            return 0;
        }
        let want = (self.tick as f64 * self.factor) as Nanos;
        let now = want.min(self.max_chunk);
        // Time not simulated is dropped, not owed: catching up later would
        // make the clock race after a slow spell.
        self.behind = want - now;
        now
    }
}
