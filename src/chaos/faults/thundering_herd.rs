//! `requests` requests from the client at the same instant.

use super::*;

/// `requests` requests from the client at the same instant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThunderingHerd {
    pub client: String,
    pub requests: u32,
}

impl FaultKind for ThunderingHerd {
    const VERB: &str = "herd";
    const USAGE: &str = "herd CLIENT N";

    fn label(&self) -> String {
        format!("herd {} {}", self.client, self.requests)
    }

    fn check(&self, t: &dyn Names) -> Result<(), Bad> {
        client(t, "client", &self.client)?;
        if (1..=1_000_000).contains(&self.requests) {
            Ok(())
        } else {
            Err(("requests", format!("must be between 1 and 1000000, got {}", self.requests)))
        }
    }

    fn effects(&self, t: &Targets) -> Result<Vec<Effect>, String> {
        Ok(vec![Effect::Herd(t.node(&self.client)?, self.requests)])
    }

    fn parse(a: &Args) -> Result<Self, String> {
        Ok(ThunderingHerd { client: a.target()?.into(), requests: a.num(2, &[])? as u32 })
    }

    fn menu(aim: &Aim, _: &Strength) -> Option<MenuEntry<Self>> {
        let client = aim.client()?;
        Some(MenuEntry::new(
            "Herd",
            "2 000 requests at the same instant",
            ThunderingHerd { client: client.into(), requests: 2000 },
        ))
    }
}
