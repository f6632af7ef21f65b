//! The campaign: the bundled levels, parsed once, and a level ready to
//! play.

use super::*;

/// A bundled level: its files by name.
pub struct Bundled {
    pub id: &'static str,
    pub files: &'static [(&'static str, &'static str)],
}

macro_rules! levels {
    ($($id:literal $([$($extra:literal),*])?),* $(,)?) => {
        &[$(Bundled {
            id: $id,
            files: &[
                ("level.ron", include_str!(concat!("../../../scenarios/levels/", $id, "/level.ron"))),
                ("start.ron", include_str!(concat!("../../../scenarios/levels/", $id, "/start.ron"))),
                ("reference.ron", include_str!(concat!("../../../scenarios/levels/", $id, "/reference.ron"))),
                ("naive.ron", include_str!(concat!("../../../scenarios/levels/", $id, "/naive.ron"))),
                $($(($extra, include_str!(concat!("../../../scenarios/levels/", $id, "/", $extra))),)*)?
            ],
        }),*]
    };
}

/// The campaign, in order, one line each (traps in brackets).
pub const BUNDLED: &[Bundled] = levels![
    // Chapter 1: keep the lights on
    "opening-day" ["more-apps.ron"],
    "odd-one-out" ["weights.ron", "random.ron"],
    "pull-the-plug" ["four-no-checks.ron", "five-servers.ron"],
    "the-smartest-balancer" ["slow-checks.ron", "two-choices.ron"],
    "two-buildings" ["one-building.ron", "slow-checks.ron", "five-and-five.ron"],
    "slow-tuesday" ["four-least-connections.ron", "slow-checks.ron", "six-round-robin.ron"],
    // Chapter 2: data gravity
    "melting-database" ["small-cache.ron", "huge-cache.ron"],
    "expiry-oclock" ["limiter.ron"],
    "read-the-room" ["more-replicas.ron", "primary-reads.ron"],
    "celebrity" ["more-shards.ron", "cache-only.ron"],
    "failover-drill" ["short-timeout.ron", "hammer.ron"],
    "photo-day" ["wrong-half.ron"],
    // Chapter 3: later is fine
    "flash-sale" ["retry-at-once.ron", "deep-buffer.ron", "more-servers.ron"],
    "nothing-gets-lost" ["patient.ron", "hurry.ron"],
    "one-event-many-listeners" ["one-queue.ron"],
    "billing-cant-keep-up" ["keep-up.ron", "max-partitions.ron"],
    "are-you-there" ["not-durable.ron", "two-gateways.ron"],
    // Chapter 4: everything fails
    "slow-neighbour" ["fallback-only.ron", "retries.ron", "loose-timeout.ron"],
    "retry-storm" ["backoff-jitter.ron", "one-retry.ron", "no-retries.ron"],
    "black-friday" ["three-servers.ron", "newest-first.ron", "checkouts-first.ron", "rate-limiter.ron"],
    "monday-0900" ["patient-retries.ron", "coalesce-no-retries.ron"],
    "noisy-neighbour" ["priority-only.ron", "newest-first.ron", "own-server.ron"],
    "skewed" ["longer-timeouts.ron", "no-retries.ron", "short-timeout.ron"],
    "nine-oclock" ["lockstep-limiter.ron", "jitter-only.ron", "one-limiter.ron", "more-apps.ron"],
    // Chapter 5: planet scale
    "east-goes-dark" ["one-second-ttl.ron", "no-health-check.ron"],
    "day-in-ten-minutes" ["fixed-fleet.ron", "high-floor.ron"],
    "pay-per-use" ["always-on.ron", "provisioned.ron"],
    "blast-radius" ["three-copies.ron"],
    "cost-crunch" ["no-cache.ron", "data-untouched.ron"],
    "gauntlet" ["round-robin.ron", "no-cache.ron", "one-zone.ron", "everything-big.ron"],
];

/// A level ready to play.
#[derive(Clone, Copy)]
pub struct Loaded {
    pub level: &'static Level,
    pub(super) bundled: &'static Bundled,
}

fn parse_level(name: &str, text: &str) -> Result<Level, String> {
    let l: Level = parse_ron(name, text).map_err(|e| e.to_string())?;
    l.check().map_err(|e| format!("{name}: {e}"))?;
    Ok(l)
}

/// Every bundled level parsed once.
fn parsed() -> &'static [Result<Level, String>] {
    static PARSED: std::sync::OnceLock<Vec<Result<Level, String>>> = std::sync::OnceLock::new();
    PARSED.get_or_init(|| {
        BUNDLED.iter().map(|b| parse_level(&format!("scenarios/levels/{}/level.ron", b.id), b.files[0].1)).collect()
    })
}

impl Loaded {
    /// Every bundled level, in campaign order.
    pub fn all() -> Vec<Result<Loaded, String>> {
        BUNDLED
            .iter()
            .zip(parsed())
            .map(|(b, p)| p.as_ref().map(|l| Loaded { level: l, bundled: b }).map_err(Clone::clone))
            .collect()
    }

    /// A bundled level by id.
    pub fn get(id: &str) -> Result<Loaded, String> {
        let i = BUNDLED.iter().position(|b| b.id == id).ok_or_else(|| {
            let ids: Vec<&str> = BUNDLED.iter().map(|b| b.id).collect();
            format!("no level \"{id}\" (there is: {})", ids.join(", "))
        })?;
        let l = parsed()[i].as_ref().map_err(Clone::clone)?;
        Ok(Loaded { level: l, bundled: &BUNDLED[i] })
    }

    #[cfg(not(target_arch = "wasm32"))]
    /// A level from its folder on disk (to check one while writing it).
    /// Its files stay in memory for the rest of the program.
    pub fn from_dir(dir: &std::path::Path) -> Result<Loaded, String> {
        let read = |f: &str| crate::learn::read_kept(dir, f);
        let text = read("level.ron")?;
        let level = parse_level(&dir.join("level.ron").display().to_string(), text)?;
        let mut files = vec![("level.ron", text)];
        for f in ["start.ron", "reference.ron", "naive.ron"].into_iter().chain(level.traps.iter().map(|t| {
            let s: &'static str = Box::leak(t.file.clone().into_boxed_str());
            s
        })) {
            files.push((f, read(f)?));
        }
        let id: &'static str = Box::leak(level.id.clone().into_boxed_str());
        let bundled = Box::leak(Box::new(Bundled { id, files: Box::leak(files.into_boxed_slice()) }));
        Ok(Loaded { level: Box::leak(Box::new(level)), bundled })
    }

    pub fn id(&self) -> &'static str {
        self.bundled.id
    }

    /// One of the level's designs by file name.
    pub fn scenario(&self, file: &str) -> Result<Scenario, ScenarioError> {
        let name = format!("scenarios/levels/{}/{file}", self.bundled.id);
        let text =
            self.bundled.files.iter().find(|(f, _)| *f == file).map(|(_, t)| *t).ok_or_else(|| ScenarioError {
                file: name.clone(),
                line: 0,
                col: 0,
                path: String::new(),
                message: "not bundled with the level".into(),
            })?;
        Scenario::parse(&name, text).map(|(s, _)| s)
    }

    /// The canvas the player starts from.
    pub fn start(&self) -> Result<Scenario, String> {
        self.scenario("start.ron").map_err(|e| e.to_string())
    }

    /// The seeds to grade on: the level's, or the first `n` of them and
    /// more after them.
    pub fn seeds(&self, n: Option<usize>) -> Vec<u64> {
        let own = &self.level.seeds;
        let n = n.unwrap_or(own.len());
        (0..n).map(|i| own.get(i).copied().unwrap_or(1000 + i as u64)).collect()
    }
}
