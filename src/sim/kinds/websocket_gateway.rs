//! A websocket gateway: holds phones' open connections and pushes messages
//! down them; when it restarts, its phones reconnect one after another.

use serde::{Deserialize, Serialize};

use super::*;

/// Persistent connections (websockets): `connections` phones stay
/// connected through it, at most `max_connections` (the others cannot
/// connect, and look offline). A message for a phone is pushed down its
/// open connection (`service` each, `workers` at once) over the link that
/// carries its type: nothing flows when nobody talks. After a crash, every
/// phone that was connected reconnects within `reconnect_s`: each reconnect
/// is a request of type "connect" over the links that carry it (to
/// authenticate and restore the session) — a reconnect storm.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebsocketGatewaySpec {
    pub connections: u32,
    pub max_connections: u32,
    pub workers: u32,
    pub service: Dist,
    pub reconnect_s: f64,
}

impl Default for WebsocketGatewaySpec {
    fn default() -> Self {
        Self { connections: 50_000, max_connections: 100_000, workers: 64, service: Dist::Const(0.2), reconnect_s: 5.0 }
    }
}

impl Kind for WebsocketGatewaySpec {
    const LABEL: &str = "websocket gateway";
    const PRICE_PER_HOUR: f64 = 0.10;
    const PRICING: &str = "$0.10 per 100 000 connections it can hold, an hour";

    fn price_per_hour(&self) -> f64 {
        self.max_connections as f64 / 1_000_000.0
    }
    type State = ();

    fn counters(&self, _: &(), node: &Facts) -> Vec<(&'static str, f64)> {
        vec![
            ("connections", self.connections.min(self.max_connections) as f64),
            ("refused_over_limit", node.stats.offline as f64),
            ("reconnects", node.stats.reconnects as f64),
        ]
    }

    fn prepare(&self) -> Prepared {
        Prepared::new(self.workers, UNLIMITED, self.service.sampler()).after(AfterService::RouteByType)
    }

    fn check(&self, c: &mut Checker) -> Result<(), Fail> {
        let w = self;
        // A crash reconnects every phone, one event each.
        c.count("connections", w.connections, 0, MAX_COUNT)?;
        c.count("max_connections", w.max_connections, 1, MAX_COUNT)?;
        c.count("workers", w.workers, 1, MAX_COUNT)?;
        c.dist("service", &w.service)?;
        c.number("reconnect_s", w.reconnect_s, 0.0, 3600.0)
    }
}
