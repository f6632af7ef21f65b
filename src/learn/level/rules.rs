//! What a design may be by a level's rules: locked nodes, templates,
//! the world's link physics, and the design rules of goals.

use super::*;

impl Level {
    /// What is wrong with `design` by the level's rules, one sentence
    /// each (empty: it is a legal design).
    pub fn problems(&self, start: &Scenario, design: &Scenario) -> Vec<String> {
        let mut out = Vec::new();
        let start_node = |id: &str| start.nodes.iter().find(|n| n.id == id);
        for id in &self.locked {
            let Some(was) = start_node(id) else { continue };
            match design.nodes.iter().find(|n| &n.id == id) {
                None => out.push(format!("{id} is locked: it cannot be removed")),
                Some(n) => {
                    let changed = self.changed_fields(was, n);
                    if !changed.is_empty() {
                        out.push(format!("{id} is locked: its {} cannot change", changed.join(", ")));
                    }
                }
            }
        }
        let mut fed_by: Vec<(&str, &[String])> = Vec::new();
        for n in design.nodes.iter().filter(|n| !self.locked.contains(&n.id)) {
            if let Some(was) = start_node(&n.id)
                && self.changed_fields(was, n).is_empty()
            {
                continue;
            }
            match self.template_for(n) {
                Ok(t) if !t.fed_by.is_empty() => fed_by.push((&n.id, &t.fed_by)),
                Ok(_) => {}
                Err(e) => out.push(e),
            }
        }
        for (id, kinds) in fed_by {
            for l in design.links.iter().filter(|l| l.to == id) {
                let from = design.nodes.iter().find(|n| n.id == l.from).map(variant).unwrap_or_default();
                if !kinds.contains(&from) {
                    out.push(format!("{id} takes links only from {} (not from {})", kinds.join(" or "), l.from));
                }
            }
        }
        for l in &start.links {
            let locked = self.locked.contains(&l.from) && self.locked.contains(&l.to);
            if locked && !design.links.iter().any(|d| d.from == l.from && d.to == l.to) {
                out.push(format!("the link {} → {} is locked: it cannot be removed", l.from, l.to));
            }
        }
        for l in &design.links {
            if let Err(e) = self.link_allowed(start, l) {
                out.push(e);
            }
        }
        out
    }

    /// What is wrong with one node of a design by the level's rules (its
    /// links aside): a locked node changed, or a node no template allows.
    pub fn node_problem(&self, start: &Scenario, n: &NodeSpec) -> Option<String> {
        let was = start.nodes.iter().find(|s| s.id == n.id);
        if self.locked.contains(&n.id) {
            let changed = self.changed_fields(was?, n);
            return (!changed.is_empty())
                .then(|| format!("{} is locked: its {} cannot change", n.id, changed.join(", ")));
        }
        if was.is_some_and(|w| self.changed_fields(w, n).is_empty()) {
            return None;
        }
        self.template_for(n).err()
    }

    /// Fields of `now` that differ from `was` and the level does not let change.
    fn changed_fields(&self, was: &NodeSpec, now: &NodeSpec) -> Vec<String> {
        if variant(was) != variant(now) {
            return vec!["kind".into()];
        }
        let (a, b) = (node_fields(was), node_fields(now));
        let editable = |f: &str| self.editable.iter().any(|e| e == &format!("{}.{f}", was.id));
        differing(&a, &b).into_iter().filter(|f| !editable(f)).collect()
    }

    /// The palette template `n` is built from, or why none fits.
    pub fn template_for(&self, n: &NodeSpec) -> Result<&Template, String> {
        let mut closest: Option<(&Template, Vec<String>)> = None;
        let fields = node_fields(n);
        for t in &self.palette {
            let tn = NodeSpec { id: n.id.clone(), kind: t.kind.clone(), pos: n.pos, zone: None, price_per_hour: None };
            if variant(&tn) != variant(n) {
                continue;
            }
            let mut wrong: Vec<String> = differing(&node_fields(&tn), &fields)
                .into_iter()
                .filter(|f| f != "zone" && !t.edit.contains(f))
                .map(|f| format!("{f} is fixed"))
                .collect();
            for (f, max) in &t.at_most {
                if fields.get(f).and_then(Value::as_f64).is_some_and(|v| v > *max) {
                    wrong.push(format!("{f} is at most {max}"));
                }
            }
            if !t.zones.is_empty() && !n.zone.as_ref().is_some_and(|z| t.zones.contains(z)) {
                wrong.push(format!("its zone must be one of {}", t.zones.join(", ")));
            }
            if n.price_per_hour.is_some() {
                wrong.push("its price is the cloud's, not yours".into());
            }
            if wrong.is_empty() {
                return Ok(t);
            }
            if closest.as_ref().is_none_or(|(_, w)| wrong.len() < w.len()) {
                closest = Some((t, wrong));
            }
        }
        Err(match closest {
            Some((t, wrong)) => format!("{}: as {} ({}), {}", n.id, t.name, t.kind.label(), wrong.join("; ")),
            None => {
                let names: Vec<&str> = self.palette.iter().map(|t| t.name.as_str()).collect();
                let has = if names.is_empty() { "nothing to add".to_string() } else { names.join(", ") };
                format!("{}: a {} is not in this level's palette (it has {has})", n.id, n.kind.label())
            }
        })
    }

    /// Whether a link of the design keeps the world's physics.
    fn link_allowed(&self, start: &Scenario, l: &LinkSpec) -> Result<(), String> {
        let physics = |x: &LinkSpec| {
            let mut f = link_fields(x);
            f.retain(|k, _| !self.links.edit.contains(k));
            f
        };
        let mut mine = physics(l);
        // A user's device cannot make up an answer: a fallback on a link
        // out of a client would turn refusals into successes.
        let from_client =
            start.nodes.iter().any(|n| n.id == l.from && matches!(n.kind, crate::sim::model::NodeKind::Client(_)));
        if from_client && l.fallback {
            mine.insert("fallback".into(), Value::Bool(true));
        }
        let editable = |f: &str| self.editable.iter().any(|e| e == &format!("{}->{}.{f}", l.from, l.to));
        let wrong = |want: &LinkSpec| -> Vec<String> {
            let mut want = physics(want);
            if from_client {
                want.remove("fallback");
            }
            differing(&want, &mine).into_iter().filter(|f| !editable(f)).collect()
        };
        let name = format!("the link {} → {}", l.from, l.to);
        if let Some(was) = start.links.iter().find(|s| s.from == l.from && s.to == l.to) {
            let w = wrong(was);
            return if w.is_empty() {
                Ok(())
            } else {
                Err(format!("{name}: its {} cannot change in this level", w.join(", ")))
            };
        }
        let like = self.links_like(start, l);
        let best = like.iter().map(|w| wrong(&LinkSpec { from: l.from.clone(), to: l.to.clone(), ..w.clone() }));
        let best = best.min_by_key(Vec::len).unwrap_or_default();
        if best.is_empty() {
            Ok(())
        } else {
            Err(format!("{name}: its {} cannot be set in this level", best.join(", ")))
        }
    }

    /// The links a new link between `l`'s ends may look like (its physics):
    /// out of a locked node, like that node's starting links; into one,
    /// like the starting links into it; otherwise the level's template.
    fn links_like(&self, start: &Scenario, l: &LinkSpec) -> Vec<LinkSpec> {
        let out_of: Vec<&LinkSpec> = start.links.iter().filter(|s| s.from == l.from).collect();
        let into: Vec<&LinkSpec> = start.links.iter().filter(|s| s.to == l.to).collect();
        if self.locked.contains(&l.from) && !out_of.is_empty() {
            out_of.into_iter().cloned().collect()
        } else if self.locked.contains(&l.to) && !into.is_empty() {
            into.into_iter().cloned().collect()
        } else {
            vec![LinkSpec { latency: self.links.latency.clone(), ..link_like(l) }]
        }
    }

    /// A new link from `from` to `to` as the level's world makes it: the
    /// physics it must have, no policies.
    pub fn new_link(&self, start: &Scenario, from: &str, to: &str) -> LinkSpec {
        let bare = link_like(&LinkSpec::new(from, to, 0.0));
        let like = self.links_like(start, &bare).into_iter().next().unwrap_or_else(|| bare.clone());
        let mut l = LinkSpec { from: from.into(), to: to.into(), ..like };
        // The policies are the player's to set: none yet.
        let policy = link_like(&bare);
        for f in &self.links.edit {
            match f.as_str() {
                "retry" => l.retry = policy.retry.clone(),
                "circuit_breaker" => l.circuit_breaker = policy.circuit_breaker.clone(),
                "max_concurrent" => l.max_concurrent = policy.max_concurrent,
                "only" => l.only = policy.only.clone(),
                "weight" => l.weight = policy.weight,
                "fallback" => l.fallback = policy.fallback,
                "hedge_after_ms" => l.hedge_after_ms = policy.hedge_after_ms,
                _ => {}
            }
        }
        l
    }
}

/// A node's kind as files name it (`Service`).
pub(super) fn variant(n: &NodeSpec) -> String {
    match serde_json::to_value(&n.kind) {
        Ok(Value::Object(m)) => m.keys().next().cloned().unwrap_or_default(),
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// A node's fields by name: its kind's, its zone and its price.
pub(super) fn node_fields(n: &NodeSpec) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    if let Ok(Value::Object(m)) = serde_json::to_value(&n.kind)
        && let Some(Value::Object(inner)) = m.into_iter().next().map(|(_, v)| v)
    {
        out.extend(inner);
    }
    out.insert("zone".into(), n.zone.clone().map_or(Value::Null, Value::String));
    out.insert("price_per_hour".into(), n.price_per_hour.map_or(Value::Null, Value::from));
    out
}

pub(super) fn link_fields(l: &LinkSpec) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    if let Ok(Value::Object(m)) = serde_json::to_value(l) {
        out.extend(m);
    }
    out.remove("from");
    out.remove("to");
    out
}

/// A link between the same nodes with every other field at its default.
pub(super) fn link_like(l: &LinkSpec) -> LinkSpec {
    let text = format!("(from: {:?}, to: {:?})", l.from, l.to);
    crate::scenario::ron_options().from_str(&text).expect("a link with only its ends parses")
}

/// Field names whose values differ (a missing field differs from a present one).
pub(super) fn differing(a: &BTreeMap<String, Value>, b: &BTreeMap<String, Value>) -> Vec<String> {
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k).filter(|v| !v.is_null()) != b.get(*k).filter(|v| !v.is_null()))
        .cloned()
        .collect()
}

/// A field of a design as text: `lb.policy` → `LeastConnections`; unset → `none`.
pub fn field_text(design: &Scenario, field: &str) -> Option<String> {
    let (id, name) = field.split_once('.')?;
    let n = design.nodes.iter().find(|n| n.id == id)?;
    let fields = node_fields(n);
    Some(match fields.get(name) {
        None | Some(Value::Null) => "none".into(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    })
}

/// Whether the design's links lead from `from` to `to`.
pub(super) fn reaches(design: &Scenario, from: &str, to: &str) -> bool {
    let mut seen = vec![from.to_string()];
    let mut i = 0;
    while let Some(at) = seen.get(i).cloned() {
        if at == to {
            return true;
        }
        for l in design.links.iter().filter(|l| l.from == at) {
            if !seen.contains(&l.to) {
                seen.push(l.to.clone());
            }
        }
        i += 1;
    }
    false
}
