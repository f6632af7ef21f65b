//! This share of answers on the link arrive corrupted (`corrupt`).

use super::*;

/// This share of answers on the link arrive corrupted (`corrupt`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Corrupt {
    pub from: String,
    pub to: String,
    pub share: f64,
}

impl FaultKind for Corrupt {
    const VERB: &str = "corrupt";
    const USAGE: &str = "corrupt A->B N%";

    fn label(&self) -> String {
        format!("corrupt {}->{} {}%", self.from, self.to, self.share * 100.0)
    }

    fn check(&self, t: &dyn Names) -> Result<(), Bad> {
        link(t, &self.from, &self.to).and(share("share", self.share))
    }

    fn effects(&self, t: &Targets) -> Result<Vec<Effect>, String> {
        Ok(vec![Effect::LinkCorrupt(t.link(&self.from, &self.to)?, self.share)])
    }

    fn parse(a: &Args) -> Result<Self, String> {
        let (from, to) = a.ends()?;
        Ok(Corrupt { from, to, share: a.num(2, &["%"])? / 100.0 })
    }

    fn menu(aim: &Aim, s: &Strength) -> Option<MenuEntry<Self>> {
        let (from, to) = aim.link()?;
        Some(MenuEntry::new(
            format!("Corrupt {:.0}%", s.share * 100.0),
            "This share of answers arrive corrupted",
            Corrupt { from: from.into(), to: to.into(), share: s.share },
        ))
    }
}
