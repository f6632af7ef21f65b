//! Random numbers and the time distributions the model samples from.
//!
//! Determinism across native and wasm32 matters more than speed here, so every
//! transcendental function comes from the pure-Rust `libm` crate (the platform
//! maths library may round differently) and the generator is the named,
//! portable ChaCha8 seeded from the scenario.

use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::time::{Nanos, ms_to_nanos};

/// The simulation's only source of randomness.
#[derive(Clone, Debug)]
pub struct SimRng(ChaCha8Rng);

impl SimRng {
    pub fn seeded(seed: u64) -> Self {
        Self(ChaCha8Rng::seed_from_u64(seed))
    }

    /// Uniform in [0, 1).
    #[inline]
    pub fn unit(&mut self) -> f64 {
        self.0.random::<f64>()
    }

    /// Uniform in (0, 1]: safe to take the logarithm of.
    #[inline]
    pub fn unit_open0(&mut self) -> f64 {
        1.0 - self.unit()
    }

    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && (p >= 1.0 || self.unit() < p)
    }

    /// Uniform integer in 0..n (n > 0).
    #[inline]
    pub fn below(&mut self, n: u32) -> u32 {
        debug_assert!(n > 0);
        self.0.random_range(0..n)
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Exponential with the given mean.
    #[inline]
    pub fn exp(&mut self, mean: f64) -> f64 {
        -mean * libm::log(self.unit_open0())
    }

    /// Standard normal (Box–Muller; one value per call keeps the stream simple).
    pub fn std_normal(&mut self) -> f64 {
        let u1 = self.unit_open0();
        let u2 = self.unit();
        libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(core::f64::consts::TAU * u2)
    }
}

/// A distribution of durations, written in milliseconds in scenario files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Dist {
    /// Always the same value.
    Const(f64),
    /// Exponential (memoryless) with this mean: the M in M/M/c.
    Exp(f64),
    /// Uniform between `min` and `max`.
    Uniform { min: f64, max: f64 },
    /// Log-normal with this mean and standard deviation (a long right tail,
    /// typical of real service times).
    LogNormal { mean: f64, std_dev: f64 },
    /// Normal truncated at zero.
    Normal { mean: f64, std_dev: f64 },
}

impl Default for Dist {
    fn default() -> Self {
        Dist::Const(0.0)
    }
}

impl Dist {
    /// The mean in milliseconds (exact for every variant except the
    /// zero-truncated normal, where it is the untruncated mean).
    pub fn mean_ms(&self) -> f64 {
        match *self {
            Dist::Const(v) | Dist::Exp(v) => v,
            Dist::Uniform { min, max } => (min + max) / 2.0,
            Dist::LogNormal { mean, .. } | Dist::Normal { mean, .. } => mean,
        }
    }

    /// Every parameter finite and non-negative, and internally consistent.
    pub fn check(&self) -> Result<(), String> {
        let ok = |v: f64, what: &str| {
            if !v.is_finite() {
                Err(format!("{what} must be a finite number, got {v}"))
            } else if v < 0.0 {
                Err(format!("{what} must not be negative, got {v}"))
            } else if v > 3.6e6 {
                Err(format!("{what} of {v} ms is more than an hour"))
            } else {
                Ok(())
            }
        };
        match *self {
            Dist::Const(v) | Dist::Exp(v) => ok(v, "duration"),
            Dist::Uniform { min, max } => {
                ok(min, "min")?;
                ok(max, "max")?;
                if min > max {
                    return Err(format!("min ({min}) is greater than max ({max})"));
                }
                Ok(())
            }
            Dist::LogNormal { mean, std_dev } | Dist::Normal { mean, std_dev } => {
                ok(mean, "mean")?;
                ok(std_dev, "std_dev")
            }
        }
    }

    /// A cheap sampler with the parameters pre-converted to nanoseconds.
    pub fn sampler(&self) -> Sampler {
        let ns = |ms: f64| ms * 1e6;
        match *self {
            Dist::Const(v) => Sampler::Const(ms_to_nanos(v)),
            Dist::Exp(v) => Sampler::Exp(ns(v)),
            Dist::Uniform { min, max } => Sampler::Uniform(ns(min), ns(max) - ns(min)),
            Dist::LogNormal { mean, std_dev } => {
                if mean <= 0.0 {
                    return Sampler::Const(0);
                }
                // Moment matching: sigma² = ln(1 + cv²), mu = ln(mean) - sigma²/2.
                let cv2 = (std_dev / mean) * (std_dev / mean);
                let s2 = libm::log1p(cv2);
                Sampler::LogNormal { mu: libm::log(ns(mean)) - s2 / 2.0, sigma: libm::sqrt(s2) }
            }
            Dist::Normal { mean, std_dev } => Sampler::Normal(ns(mean), ns(std_dev)),
        }
    }
}

/// [`Dist`] ready to draw nanoseconds from.
#[derive(Clone, Copy, Debug)]
pub enum Sampler {
    Const(Nanos),
    Exp(f64),
    Uniform(f64, f64),
    LogNormal { mu: f64, sigma: f64 },
    Normal(f64, f64),
}

impl Sampler {
    /// A draw. A constant (every fixed link latency) is answered inline;
    /// the rest goes to [`Sampler::draw`].
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> Nanos {
        match *self {
            Sampler::Const(n) => n,
            _ => self.draw(rng),
        }
    }

    fn draw(&self, rng: &mut SimRng) -> Nanos {
        let v = match *self {
            Sampler::Const(n) => return n,
            Sampler::Exp(mean) => rng.exp(mean),
            Sampler::Uniform(lo, width) => lo + width * rng.unit(),
            Sampler::LogNormal { mu, sigma } => libm::exp(mu + sigma * rng.std_normal()),
            Sampler::Normal(mean, sd) => mean + sd * rng.std_normal(),
        };
        // Round to the nearest nanosecond: unbiased, and far below any
        // duration the model deals in.
        if v <= 0.0 { 0 } else { (v + 0.5) as Nanos }
    }

    pub fn is_zero(&self) -> bool {
        matches!(self, Sampler::Const(0))
    }
}

/// 64-bit FNV-1a, then a finaliser: stable across platforms and releases.
pub fn hash64(bytes: &[u8], salt: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_of(d: &Dist, n: usize) -> f64 {
        let s = d.sampler();
        let mut rng = SimRng::seeded(7);
        (0..n).map(|_| s.sample(&mut rng) as f64).sum::<f64>() / n as f64 / 1e6
    }

    #[test]
    fn sample_means_match_the_declared_mean() {
        for d in [
            Dist::Const(2.0),
            Dist::Exp(1.5),
            Dist::Uniform { min: 1.0, max: 3.0 },
            Dist::LogNormal { mean: 4.0, std_dev: 3.0 },
            Dist::Normal { mean: 10.0, std_dev: 1.0 },
        ] {
            let m = mean_of(&d, 400_000);
            assert!((m - d.mean_ms()).abs() / d.mean_ms() < 0.01, "{d:?}: sample mean {m}");
        }
    }

    #[test]
    fn bad_parameters_are_rejected() {
        assert!(Dist::Exp(f64::NAN).check().is_err());
        assert!(Dist::Const(-1.0).check().is_err());
        assert!(Dist::Uniform { min: 3.0, max: 1.0 }.check().is_err());
        assert!(Dist::Exp(1.0).check().is_ok());
    }
}

/// Zipf-distributed ranks 1..=n with exponent `s` (rank k has probability
/// ∝ k^-s), by rejection-inversion (Hörmann & Derflinger 1996): constant
/// time per draw and no table, so a million keys cost nothing.
#[derive(Clone, Copy, Debug)]
pub struct Zipf {
    n: f64,
    s: f64,
    h_x1: f64,
    h_n: f64,
    shortcut: f64,
}

impl Zipf {
    pub fn new(n: u64, s: f64) -> Self {
        let n = n.max(1) as f64;
        let s = if s.is_finite() && s > 0.0 { s } else { 1e-9 };
        let mut z = Self { n, s, h_x1: 0.0, h_n: 0.0, shortcut: 0.0 };
        z.h_x1 = z.big_h(1.5) - 1.0;
        z.h_n = z.big_h(n + 0.5);
        z.shortcut = 2.0 - z.big_h_inv(z.big_h(2.5) - z.h(2.0));
        z
    }

    fn h(&self, x: f64) -> f64 {
        libm::exp(-self.s * libm::log(x))
    }

    /// ∫ h, written so that s = 1 (the logarithm) needs no special case.
    fn big_h(&self, x: f64) -> f64 {
        let lx = libm::log(x);
        helper2((1.0 - self.s) * lx) * lx
    }

    fn big_h_inv(&self, x: f64) -> f64 {
        let t = (x * (1.0 - self.s)).max(-1.0);
        libm::exp(helper1(t) * x)
    }

    /// A rank in 1..=n.
    pub fn sample(&self, rng: &mut SimRng) -> u64 {
        loop {
            let u = self.h_n + rng.unit() * (self.h_x1 - self.h_n);
            let x = self.big_h_inv(u);
            let k = (x + 0.5).floor().clamp(1.0, self.n);
            if k - x <= self.shortcut || u >= self.big_h(k + 0.5) - self.h(k) {
                return k as u64;
            }
        }
    }
}

/// ln(1 + x) / x, accurate near 0.
fn helper1(x: f64) -> f64 {
    if x.abs() > 1e-8 { libm::log1p(x) / x } else { 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x)) }
}

/// (e^x - 1) / x, accurate near 0.
fn helper2(x: f64) -> f64 {
    if x.abs() > 1e-8 { libm::expm1(x) / x } else { 1.0 + x * 0.5 * (1.0 + x / 3.0 * (1.0 + 0.25 * x)) }
}

#[cfg(test)]
mod zipf_tests {
    use super::*;

    #[test]
    fn zipf_frequencies_follow_the_power_law() {
        let z = Zipf::new(1000, 1.0);
        let mut rng = SimRng::seeded(3);
        let mut count = vec![0u32; 1001];
        for _ in 0..400_000 {
            count[z.sample(&mut rng) as usize] += 1;
        }
        let h: f64 = (1..=1000).map(|k| 1.0 / k as f64).sum();
        for k in [1usize, 2, 10] {
            let expected = 400_000.0 / (k as f64 * h);
            let rel = (count[k] as f64 - expected).abs() / expected;
            assert!(rel < 0.03, "rank {k}: {} vs {expected:.0}", count[k]);
        }
    }
}
