//! `leaked` connections (workers) are held by a leak and unusable.

use super::*;

/// `leaked` connections (workers) are held by a leak and unusable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolExhaustion {
    pub node: String,
    pub leaked: u32,
}

impl FaultKind for PoolExhaustion {
    const VERB: &str = "exhaust";
    const USAGE: &str = "exhaust NODE N";

    fn label(&self) -> String {
        format!("exhaust {} {}", self.node, self.leaked)
    }

    fn check(&self, t: &dyn Names) -> Result<(), Bad> {
        node(t, "node", &self.node)?;
        if (1..=crate::sim::check::MAX_COUNT).contains(&self.leaked) {
            Ok(())
        } else {
            Err(("leaked", format!("must be between 1 and {}, got {}", crate::sim::check::MAX_COUNT, self.leaked)))
        }
    }

    fn effects(&self, t: &Targets) -> Result<Vec<Effect>, String> {
        Ok(vec![Effect::PoolLeak(t.node(&self.node)?, self.leaked)])
    }

    fn parse(a: &Args) -> Result<Self, String> {
        Ok(PoolExhaustion { node: a.target()?.into(), leaked: a.num(2, &[])? as u32 })
    }

    fn menu(aim: &Aim, _: &Strength) -> Option<MenuEntry<Self>> {
        let (id, kind) = aim.server()?;
        let leaked = (pool_size(kind) * 3 / 4).max(1);
        Some(MenuEntry::new(
            "Leak 75% of pool",
            "Connections held by a leak: fewer workers",
            PoolExhaustion { node: id.into(), leaked },
        ))
    }
}

/// The workers or connections a pool leak takes from.
fn pool_size(kind: &NodeKind) -> u32 {
    match kind {
        NodeKind::Service(s) => s.workers,
        NodeKind::Database(d) => d.pool,
        NodeKind::ShardedDatabase(d) => d.pool,
        NodeKind::ReplicatedDatabase(d) => d.pool,
        NodeKind::Cache(c) => c.workers,
        NodeKind::Gateway(g) => g.workers,
        NodeKind::Autoscaling(a) => a.workers_per_instance * a.initial,
        NodeKind::Serverless(f) => f.concurrency,
        NodeKind::WebsocketGateway(w) => w.workers,
        _ => 4,
    }
}
