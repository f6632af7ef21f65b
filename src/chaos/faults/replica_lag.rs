//! A replicated database's replicas fall `add_ms` further behind: more

use super::*;

/// A replicated database's replicas fall `add_ms` further behind: more
/// reads see old data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicaLag {
    pub node: String,
    pub add_ms: f64,
}

impl FaultKind for ReplicaLag {
    const VERB: &str = "lag";
    const USAGE: &str = "lag DB +Nms";

    fn label(&self) -> String {
        format!("lag {} +{}ms", self.node, self.add_ms)
    }

    fn check(&self, t: &dyn Names) -> Result<(), Bad> {
        replicated(t, &self.node).and(nonneg("add_ms", self.add_ms, MAX_ADDED_MS))
    }

    fn effects(&self, t: &Targets) -> Result<Vec<Effect>, String> {
        Ok(vec![Effect::ReplicaLag(t.node(&self.node)?, self.add_ms)])
    }

    fn parse(a: &Args) -> Result<Self, String> {
        Ok(ReplicaLag { node: a.target()?.into(), add_ms: a.num(2, &["+", "ms"])? })
    }

    fn menu(aim: &Aim, s: &Strength) -> Option<MenuEntry<Self>> {
        let (id, kind) = aim.server()?;
        let ms = s.add_ms.max(1.0) * 5.0;
        matches!(kind, NodeKind::ReplicatedDatabase(_)).then(|| {
            MenuEntry::new(
                format!("Lag +{ms:.0} ms"),
                "Replicas fall further behind: more stale reads",
                ReplicaLag { node: id.into(), add_ms: ms },
            )
        })
    }
}
