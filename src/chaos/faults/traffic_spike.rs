//! Multiply a client's open-loop request rate.

use super::*;

/// Multiply a client's open-loop request rate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficSpike {
    pub client: String,
    pub factor: f64,
}

impl FaultKind for TrafficSpike {
    const VERB: &str = "spike";
    const USAGE: &str = "spike CLIENT xK";

    fn label(&self) -> String {
        format!("spike {} x{}", self.client, self.factor)
    }

    fn check(&self, t: &dyn Names) -> Result<(), Bad> {
        client(t, "client", &self.client).and(positive("factor", self.factor, MAX_FACTOR))
    }

    fn effects(&self, t: &Targets) -> Result<Vec<Effect>, String> {
        Ok(vec![Effect::Spike(t.node(&self.client)?, self.factor)])
    }

    fn parse(a: &Args) -> Result<Self, String> {
        Ok(TrafficSpike { client: a.target()?.into(), factor: a.num(2, &["x", "×"])? })
    }

    fn menu(aim: &Aim, s: &Strength) -> Option<MenuEntry<Self>> {
        let client = aim.client()?;
        Some(MenuEntry::new(
            format!("Spike ×{}", s.factor),
            "Multiply this client's request rate",
            TrafficSpike { client: client.into(), factor: s.factor },
        ))
    }
}
