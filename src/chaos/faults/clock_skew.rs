//! The client's clock runs at `factor`: its timeouts fire after

use super::*;

/// The client's clock runs at `factor`: its timeouts fire after
/// timeout × factor (0.1: ten times too early).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockSkew {
    pub client: String,
    pub factor: f64,
}

impl FaultKind for ClockSkew {
    const VERB: &str = "skew";
    const USAGE: &str = "skew CLIENT xK";

    fn label(&self) -> String {
        format!("skew {} x{}", self.client, self.factor)
    }

    fn check(&self, t: &dyn Names) -> Result<(), Bad> {
        client(t, "client", &self.client).and(within("factor", self.factor, 1.0 / MAX_FACTOR, MAX_FACTOR))
    }

    fn effects(&self, t: &Targets) -> Result<Vec<Effect>, String> {
        Ok(vec![Effect::ClockSkew(t.node(&self.client)?, self.factor)])
    }

    fn parse(a: &Args) -> Result<Self, String> {
        Ok(ClockSkew { client: a.target()?.into(), factor: a.num(2, &["x", "×"])? })
    }

    fn menu(aim: &Aim, _: &Strength) -> Option<MenuEntry<Self>> {
        let client = aim.client()?;
        Some(MenuEntry::new(
            "Clock ×0.2",
            "Clock skew: timeouts fire five times too early",
            ClockSkew { client: client.into(), factor: 0.2 },
        ))
    }
}
