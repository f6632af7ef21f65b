//! This share of requests on the link is delivered twice.

use super::*;

/// This share of requests on the link is delivered twice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Duplicate {
    pub from: String,
    pub to: String,
    pub share: f64,
}

impl FaultKind for Duplicate {
    const VERB: &str = "duplicate";
    const USAGE: &str = "duplicate A->B N%";

    fn label(&self) -> String {
        format!("duplicate {}->{} {}%", self.from, self.to, self.share * 100.0)
    }

    fn check(&self, t: &dyn Names) -> Result<(), Bad> {
        link(t, &self.from, &self.to).and(share("share", self.share))
    }

    fn effects(&self, t: &Targets) -> Result<Vec<Effect>, String> {
        Ok(vec![Effect::LinkDuplicate(t.link(&self.from, &self.to)?, self.share)])
    }

    fn parse(a: &Args) -> Result<Self, String> {
        let (from, to) = a.ends()?;
        Ok(Duplicate { from, to, share: a.num(2, &["%"])? / 100.0 })
    }

    fn menu(aim: &Aim, s: &Strength) -> Option<MenuEntry<Self>> {
        let (from, to) = aim.link()?;
        Some(MenuEntry::new(
            format!("Duplicate {:.0}%", s.share * 100.0),
            "Deliver this share of requests twice",
            Duplicate { from: from.into(), to: to.into(), share: s.share },
        ))
    }
}
