//! One varied parameter: `NODE.FIELD=VALUES` or `FROM->TO.FIELD=VALUES`,
//! the field found in the node's or the link's description, and the values
//! it takes.

use serde_json::{Number, Value};

use crate::scenario::Scenario;

/// Most values one parameter may take.
pub const MAX_VALUES: usize = 10_000;

/// Where a parameter lives.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    Node(String),
    /// The link from one node to another (`api->db`).
    Link {
        from: String,
        to: String,
    },
}

/// What a field holds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Leaf {
    /// A number (or an unset optional number).
    Number,
    /// A word: one of an enum's variants (`LeastConnections`), a name, or
    /// `true`/`false` (or an unset optional one).
    Word,
}

/// One field of one node or link, found in its description as a scenario
/// file would write it: `app-1.workers`, `lb.policy`,
/// `api->db.retry.timeout_ms`.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// As given.
    pub name: String,
    pub target: Target,
    /// The field's full path inside the description, e.g.
    /// `kind.Client.traffic.Poisson.rate`.
    pub path: Vec<String>,
}

impl Param {
    /// Find the field `name` names, of the given sort, in `s`. A field at
    /// its default is not written out; one named alone is found by trying
    /// `sample` (a value it would take) in its place.
    pub fn parse(name: &str, s: &Scenario, leaf: Leaf, sample: &Value) -> Result<Param, String> {
        let name = name.trim();
        let (target, field) = split_target(name, s)?;
        let tree = description(&target, s).ok_or_else(|| format!("{name}: nothing there"))??;
        let path = resolve(&tree, &field, name, leaf).or_else(|missing| {
            if field.contains('.') || ["id", "from", "to", "pos", "kind"].contains(&field.as_str()) {
                return Err(missing);
            }
            // The node's or link's own field, or its kind's.
            let mut places = vec![vec![field.clone()]];
            if let Some(Value::Object(kind)) = tree.get("kind") {
                places.extend(kind.keys().map(|k| vec!["kind".to_string(), k.clone(), field.clone()]));
            }
            let mut refused = None;
            for path in places {
                let mut trial = tree.clone();
                place(&mut trial, &path, sample.clone()).ok_or(missing.clone())?;
                match accepts(&target, trial) {
                    Ok(()) => return Ok(path),
                    Err(e) if e.to_string().contains("unknown field") => {}
                    Err(e) => refused = Some(format!("{name}: {e}")),
                }
            }
            Err(refused.unwrap_or(missing))
        })?;
        Ok(Param { name: name.to_string(), target, path })
    }

    /// The field's value in `s` (None: no such node, link or field, or
    /// a field at its default, not written out).
    pub fn get(&self, s: &Scenario) -> Option<Value> {
        leaf(&description(&self.target, s)?.ok()?, &self.path).cloned()
    }

    /// Whether the field already holds `v` in `s`: setting it would change
    /// nothing (this also knows a default that is not written out).
    pub fn holds(&self, s: &Scenario, v: &Value) -> bool {
        let mut t = s.clone();
        self.put(&mut t, v.clone()).is_ok()
            && description(&self.target, &t).and_then(Result::ok) == description(&self.target, s).and_then(Result::ok)
    }

    /// Set the field to `v` in `s` (checked later, with the whole design).
    pub fn put(&self, s: &mut Scenario, v: Value) -> Result<(), String> {
        let bad = |e: serde_json::Error| format!("{}: {e}", self.name);
        let gone = || format!("{}: the field is gone", self.name);
        match &self.target {
            Target::Node(id) => {
                let spec = s.nodes.iter_mut().find(|n| &n.id == id).ok_or(format!("no node \"{id}\""))?;
                self.put_in(spec, v)
            }
            Target::Link { from, to } => {
                let link = s
                    .links
                    .iter_mut()
                    .find(|l| &l.from == from && &l.to == to)
                    .ok_or(format!("no link {from}->{to}"))?;
                let mut tree = serde_json::to_value(&*link).map_err(bad)?;
                place(&mut tree, &self.path, v).ok_or_else(gone)?;
                *link = serde_json::from_value(tree).map_err(bad)?;
                Ok(())
            }
        }
    }

    /// Set the field to `v` in a node's description (unchecked).
    fn put_in(&self, spec: &mut crate::sim::model::NodeSpec, v: Value) -> Result<(), String> {
        let bad = |e: serde_json::Error| format!("{}: {e}", self.name);
        let mut tree = serde_json::to_value(&*spec).map_err(bad)?;
        place(&mut tree, &self.path, v).ok_or(format!("{}: the field is gone", self.name))?;
        *spec = serde_json::from_value(tree).map_err(bad)?;
        Ok(())
    }
}

/// A parameter and its values.
#[derive(Clone, Debug, PartialEq)]
pub struct Vary {
    pub param: Param,
    pub values: Vec<f64>,
}

impl Vary {
    /// Parse `NODE.FIELD=VALUES` (or `FROM->TO.FIELD=VALUES`) against the
    /// scenario it will vary. VALUES: `A..B` (every whole number), `A..B:N`
    /// (N evenly spaced, ends included), `a,b,c`, or one number. FIELD may
    /// be shortened to any dotted part of the full path that names one
    /// number field.
    pub fn parse(text: &str, s: &Scenario) -> Result<Vary, String> {
        let (name, values) = text
            .split_once('=')
            .ok_or_else(|| format!("--vary \"{text}\": expected NODE.FIELD=VALUES, e.g. app-1.workers=2..16"))?;
        let mut values = parse_values(values.trim()).map_err(|e| format!("--vary {}: {e}", name.trim()))?;
        let sample = number(values[0]).unwrap_or(Value::Null);
        let param = Param::parse(name, s, Leaf::Number, &sample).map_err(|e| format!("--vary {e}"))?;
        let integer = param.get(s).is_some_and(|v| v.is_u64() || v.is_i64());
        if integer {
            // A whole-number field takes whole numbers: round, keep each once.
            values = values.iter().map(|v| v.round()).collect();
            values.dedup();
        }
        Ok(Vary { param, values })
    }

    /// As given: `app-1.workers`.
    pub fn name(&self) -> &str {
        &self.param.name
    }

    /// The node it varies (None: a link's field).
    pub fn node(&self) -> Option<&str> {
        match &self.param.target {
            Target::Node(id) => Some(id),
            Target::Link { .. } => None,
        }
    }

    /// The parameter's value in `s` (None: no such node, or an unset field).
    pub fn value(&self, s: &Scenario) -> Option<f64> {
        self.param.get(s)?.as_f64()
    }

    /// Set the parameter to `x` in `s` (checked later, with the whole point).
    pub fn apply(&self, s: &mut Scenario, x: f64) -> Result<(), String> {
        self.param.put(s, number(x).ok_or(format!("{}={x}: not a finite number", self.param.name))?)
    }

    /// Set the parameter to `x` in the node's description (unchecked).
    pub fn apply_to_node(&self, spec: &mut crate::sim::model::NodeSpec, x: f64) -> Result<(), String> {
        self.param.put_in(spec, number(x).ok_or(format!("{}={x}: not a finite number", self.param.name))?)
    }
}

/// A field of a node that a sweep can vary.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The shortest name that finds it (`workers`, `traffic.rate`).
    pub name: String,
    /// Its value now (`None`: an unset optional field).
    pub value: Option<f64>,
    /// It takes whole numbers.
    pub integer: bool,
}

/// Every number field of a node, by the shortest name that finds it.
pub fn fields(spec: &crate::sim::model::NodeSpec) -> Vec<Field> {
    let Ok(tree) = serde_json::to_value(spec) else { return Vec::new() };
    let mut all = Vec::new();
    leaves(&tree, Leaf::Number, &mut Vec::new(), &mut all);
    all.iter()
        .filter_map(|path| {
            // Named parts, without variant names; the shortest tail of them
            // that finds this field alone.
            let named: Vec<&str> = path.iter().map(String::as_str).filter(|k| !is_variant(k) && *k != "kind").collect();
            let name = (1..=named.len()).rev().map(|k| named[named.len() - k..].join(".")).rfind(|n| {
                let want: Vec<&str> = n.split('.').collect();
                all.iter().filter(|p| fits(p, &want)).count() == 1
            })?;
            let v = leaf(&tree, path)?;
            Some(Field { name, value: v.as_f64(), integer: v.is_u64() || v.is_i64() })
        })
        .filter(|f| f.name != "pos" && !f.name.starts_with("pos."))
        .collect()
}

/// Split `NODE.FIELD` at the dot after a node id (ids may contain dots),
/// or `FROM->TO.FIELD` at the dot after a linked pair.
fn split_target(name: &str, s: &Scenario) -> Result<(Target, String), String> {
    let node = |id: &str| s.nodes.iter().any(|n| n.id == id);
    if let Some((from, rest)) = name.split_once("->").filter(|(from, _)| node(from)) {
        let mut best: Option<(&str, &str)> = None;
        for (i, _) in rest.match_indices('.') {
            let (to, field) = (&rest[..i], &rest[i + 1..]);
            if s.links.iter().any(|l| l.from == from && l.to == to) && best.is_none_or(|(b, _)| to.len() > b.len()) {
                best = Some((to, field));
            }
        }
        return match best {
            Some((to, field)) if !field.is_empty() => {
                Ok((Target::Link { from: from.to_string(), to: to.to_string() }, field.to_string()))
            }
            Some((to, _)) => Err(format!("{name}: which field of the link {from}->{to}?")),
            None => {
                let tos: Vec<&str> = s.links.iter().filter(|l| l.from == from).map(|l| l.to.as_str()).collect();
                Err(format!("{name}: no link from \"{from}\" to that node (its links go to: {})", tos.join(", ")))
            }
        };
    }
    let mut best: Option<(&str, &str)> = None;
    for (i, _) in name.match_indices('.') {
        let (id, field) = (&name[..i], &name[i + 1..]);
        if node(id) && best.is_none_or(|(b, _)| id.len() > b.len()) {
            best = Some((id, field));
        }
    }
    match best {
        Some((id, field)) if !field.is_empty() => Ok((Target::Node(id.to_string()), field.to_string())),
        Some((id, _)) => Err(format!("{name}: which field of \"{id}\"?")),
        None => {
            let ids: Vec<&str> = s.nodes.iter().map(|n| n.id.as_str()).collect();
            Err(format!("{name}: no node with that id (nodes: {})", ids.join(", ")))
        }
    }
}

/// Whether the node's or link's description reads back with this tree.
fn accepts(target: &Target, tree: Value) -> Result<(), serde_json::Error> {
    match target {
        Target::Node(_) => serde_json::from_value::<crate::sim::model::NodeSpec>(tree).map(drop),
        Target::Link { .. } => serde_json::from_value::<crate::sim::model::LinkSpec>(tree).map(drop),
    }
}

/// Put `v` at `path`, adding the last key if it is not written out.
fn place(tree: &mut Value, path: &[String], v: Value) -> Option<()> {
    let (last, parent) = path.split_last()?;
    leaf_mut(tree, parent)?.as_object_mut()?.insert(last.clone(), v);
    Some(())
}

/// A node's or link's description as a tree (None: no such node or link).
fn description(target: &Target, s: &Scenario) -> Option<Result<Value, String>> {
    let tree = match target {
        Target::Node(id) => serde_json::to_value(s.nodes.iter().find(|n| &n.id == id)?),
        Target::Link { from, to } => serde_json::to_value(s.links.iter().find(|l| &l.from == from && &l.to == to)?),
    };
    Some(tree.map_err(|e| e.to_string()))
}

/// Every field of the sort in the tree (or unset optional field), by path.
/// Names and ends of a link are not parameters.
fn leaves(v: &Value, sort: Leaf, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match (v, sort) {
        (Value::Object(map), _) => {
            for (k, child) in map {
                if path.is_empty() && ["id", "from", "to"].contains(&k.as_str()) {
                    continue;
                }
                path.push(k.clone());
                leaves(child, sort, path, out);
                path.pop();
            }
        }
        (Value::Number(_), Leaf::Number) | (Value::String(_) | Value::Bool(_), Leaf::Word) | (Value::Null, _) => {
            out.push(path.clone())
        }
        _ => {}
    }
}

/// The one field of the sort whose path contains `field`'s parts in order
/// and ends with its last part (a variant name after it may follow:
/// `service` names `service.Exp`).
fn resolve(tree: &Value, field: &str, name: &str, sort: Leaf) -> Result<Vec<String>, String> {
    let want: Vec<&str> = field.split('.').collect();
    let mut all = Vec::new();
    leaves(tree, sort, &mut Vec::new(), &mut all);
    let matches: Vec<&Vec<String>> = all.iter().filter(|p| fits(p, &want)).collect();
    let show = |p: &Vec<String>| p.join(".");
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => {
            let fields: Vec<&str> =
                all.iter().filter_map(|p| p.iter().rev().find(|k| !is_variant(k))).map(String::as_str).collect();
            let sort = if sort == Leaf::Number { "number" } else { "word or yes/no" };
            Err(format!("{name}: no {sort} field \"{field}\" there (fields: {})", fields.join(", ")))
        }
        many => Err(format!(
            "{name}: \"{field}\" could be any of {}; say which",
            many.iter().map(|p| show(p)).collect::<Vec<_>>().join(", ")
        )),
    }
}

fn fits(path: &[String], want: &[&str]) -> bool {
    // Variant names (capitalised) at the end may be left out.
    let mut end = path.len();
    while end > 0 && want.last() != Some(&path[end - 1].as_str()) && is_variant(&path[end - 1]) {
        end -= 1;
    }
    let path = &path[..end];
    if path.last().map(String::as_str) != want.last().copied() {
        return false;
    }
    let mut it = path.iter();
    want.iter().all(|w| it.any(|p| p == w))
}

fn is_variant(key: &str) -> bool {
    key.chars().next().is_some_and(|c| c.is_ascii_uppercase())
}

fn leaf<'a>(v: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(k))
}

fn leaf_mut<'a>(v: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, k| v.get_mut(k))
}

/// A JSON number: whole numbers as integers (they fit integer and float
/// fields alike).
fn number(x: f64) -> Option<Value> {
    if !x.is_finite() {
        return None;
    }
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        return Some(Value::Number(if x >= 0.0 { Number::from(x as u64) } else { Number::from(x as i64) }));
    }
    Number::from_f64(x).map(Value::Number)
}

/// `A..B`, `A..B:N`, `a,b,c` or `a`.
pub fn parse_values(text: &str) -> Result<Vec<f64>, String> {
    let num = |t: &str| -> Result<f64, String> {
        let x: f64 = t.trim().parse().map_err(|_| format!("\"{}\" is not a number", t.trim()))?;
        if x.is_finite() { Ok(x) } else { Err(format!("\"{}\" is not a finite number", t.trim())) }
    };
    let values = if let Some((a, rest)) = text.split_once("..") {
        let (b, n) = match rest.split_once(':') {
            Some((b, n)) => (b, Some(n)),
            None => (rest, None),
        };
        let (a, b) = (num(a)?, num(b)?);
        if b < a {
            return Err(format!("the range {a}..{b} runs backwards"));
        }
        match n {
            Some(n) => {
                let n: usize = n.trim().parse().map_err(|_| format!("\"{n}\" is not a count of points"))?;
                if n == 0 || n > MAX_VALUES {
                    return Err(format!("a range takes 1 to {MAX_VALUES} points, got {n}"));
                }
                if n == 1 { vec![a] } else { (0..n).map(|i| a + (b - a) * i as f64 / (n - 1) as f64).collect() }
            }
            None => {
                if a.fract() != 0.0 || b.fract() != 0.0 {
                    return Err(format!("{a}..{b}: give a count of points, e.g. {a}..{b}:10"));
                }
                if b - a >= MAX_VALUES as f64 {
                    return Err(format!("{a}..{b} is more than {MAX_VALUES} values; give a count, e.g. {a}..{b}:10"));
                }
                (0..=(b - a) as usize).map(|i| a + i as f64).collect()
            }
        }
    } else {
        text.split(',').map(num).collect::<Result<Vec<_>, _>>()?
    };
    if values.is_empty() || values.len() > MAX_VALUES {
        return Err(format!("1 to {MAX_VALUES} values, got {}", values.len()));
    }
    Ok(values)
}
