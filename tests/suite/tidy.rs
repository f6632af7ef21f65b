//! Tidy up: every shipped design laid out left to right by call depth,
//! nodes apart, and fewer crossing links than as drawn by hand.

use systemdecoder::scenario::Scenario;
use systemdecoder::scenario::layout::{COLUMN, ROW, tidy};

/// Every design shipped: examples, kinds, benchmarks, lesson steps,
/// concepts' before and after, levels' designs.
fn shipped() -> Vec<(String, Scenario)> {
    systemdecoder::learn::shipped_designs()
        .into_iter()
        .filter_map(|(p, t)| Scenario::parse(&p, t).ok().map(|(s, _)| (p, s)))
        .collect()
}

/// Pairs of links (sharing no node) whose straight lines cross.
fn crossings(s: &Scenario, pos: &[(f32, f32)]) -> usize {
    let at = |id: &str| s.nodes.iter().position(|n| n.id == id).map(|i| pos[i]);
    let segs: Vec<(usize, usize, (f32, f32), (f32, f32))> = s
        .links
        .iter()
        .filter_map(|l| {
            let (a, b) = (s.nodes.iter().position(|n| n.id == l.from)?, s.nodes.iter().position(|n| n.id == l.to)?);
            Some((a, b, at(&l.from)?, at(&l.to)?))
        })
        .collect();
    let side =
        |p: (f32, f32), q: (f32, f32), r: (f32, f32)| ((q.0 - p.0) * (r.1 - p.1) - (q.1 - p.1) * (r.0 - p.0)).signum();
    let mut n = 0;
    for (i, &(a, b, p1, p2)) in segs.iter().enumerate() {
        for &(c, d, q1, q2) in &segs[i + 1..] {
            if a == c || a == d || b == c || b == d {
                continue;
            }
            if side(p1, p2, q1) * side(p1, p2, q2) < 0.0 && side(q1, q2, p1) * side(q1, q2, p2) < 0.0 {
                n += 1;
            }
        }
    }
    n
}

#[test]
fn tidy_lays_every_design_out_left_to_right_with_fewer_crossings() {
    let (mut before, mut after, mut designs) = (0, 0, 0);
    for (path, s) in shipped() {
        if s.nodes.is_empty() {
            continue;
        }
        designs += 1;
        let pos = tidy(&s);
        assert_eq!(pos.len(), s.nodes.len());
        let at = |id: &str| pos[s.nodes.iter().position(|n| n.id == id).unwrap()];
        for l in &s.links {
            assert!(at(&l.to).0 >= at(&l.from).0 + COLUMN - 0.5, "{path}: {} -> {} does not go right", l.from, l.to);
        }
        for (i, p) in pos.iter().enumerate() {
            for q in &pos[i + 1..] {
                let d = ((p.0 - q.0).powi(2) + (p.1 - q.1).powi(2)).sqrt();
                assert!(d >= ROW.min(COLUMN) - 1.0, "{path}: two nodes {d} apart");
            }
        }
        // Laid out again, it stays where it is.
        let mut again = s.clone();
        for (n, p) in again.nodes.iter_mut().zip(&pos) {
            n.pos = *p;
        }
        assert_eq!(tidy(&again), pos, "{path}: tidying a tidy design moves it");
        // Still a valid design.
        again.check().unwrap_or_else(|e| panic!("{path}: {e}"));
        let drawn: Vec<(f32, f32)> = s.nodes.iter().map(|n| n.pos).collect();
        before += crossings(&s, &drawn);
        after += crossings(&s, &pos);
    }
    println!("{designs} designs: {before} crossing links as drawn, {after} tidied");
    assert!(designs > 300, "{designs}");
    assert!(after < before, "tidied {after}, drawn {before}");
}
