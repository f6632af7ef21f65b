//! This share of the client's requests use one single key (consistent

use super::*;

/// This share of the client's requests use one single key (consistent
/// hashing sends them all to one backend).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HotKey {
    pub client: String,
    pub share: f64,
}

impl FaultKind for HotKey {
    const VERB: &str = "hotkey";
    const USAGE: &str = "hotkey CLIENT N%";

    fn label(&self) -> String {
        format!("hotkey {} {}%", self.client, self.share * 100.0)
    }

    fn check(&self, t: &dyn Names) -> Result<(), Bad> {
        client(t, "client", &self.client).and(share("share", self.share))
    }

    fn effects(&self, t: &Targets) -> Result<Vec<Effect>, String> {
        Ok(vec![Effect::HotKey(t.node(&self.client)?, self.share)])
    }

    fn parse(a: &Args) -> Result<Self, String> {
        Ok(HotKey { client: a.target()?.into(), share: a.num(2, &["%"])? / 100.0 })
    }

    fn menu(aim: &Aim, s: &Strength) -> Option<MenuEntry<Self>> {
        let client = aim.client()?;
        Some(MenuEntry::new(
            format!("Hot key {:.0}%", s.share * 100.0),
            "This share of requests use one key",
            HotKey { client: client.into(), share: s.share },
        ))
    }
}
