//! Tidy up: a layered layout of a design, left to right by call depth,
//! with few crossing links (the method of Sugiyama and colleagues, kept
//! simple): each node's column is the longest chain of calls leading to
//! it; within a column, nodes are ordered by the average place of their
//! callers and callees, in a few sweeps each way; then each node sits level
//! with its callers where the spacing allows.

use super::Scenario;

/// Distance between columns (world units).
pub const COLUMN: f32 = 260.0;
/// Least distance between two nodes of a column.
pub const ROW: f32 = 190.0;

/// New positions for the nodes of `s`, in the order of `s.nodes`, centred
/// where the design was.
pub fn tidy(s: &Scenario) -> Vec<(f32, f32)> {
    let n = s.nodes.len();
    if n == 0 {
        return Vec::new();
    }
    let index = |id: &str| s.nodes.iter().position(|x| x.id == id);
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut inc: Vec<Vec<usize>> = vec![Vec::new(); n];
    for l in &s.links {
        if let (Some(a), Some(b)) = (index(&l.from), index(&l.to))
            && a != b
            && !out[a].contains(&b)
        {
            out[a].push(b);
            inc[b].push(a);
        }
    }
    // Columns: the longest chain of calls into each node (nodes left over
    // by a cycle, which validation refuses, stay in 0).
    let order = super::validate::topological_order(&out);
    let mut col = vec![0usize; n];
    for &a in &order {
        for &b in &out[a] {
            col[b] = col[b].max(col[a] + 1);
        }
    }
    let columns = col.iter().max().map_or(1, |m| m + 1);
    // Within a column, start from the order on screen (top first).
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); columns];
    for i in 0..n {
        rows[col[i]].push(i);
    }
    for r in &mut rows {
        r.sort_by(|&a, &b| s.nodes[b].pos.1.total_cmp(&s.nodes[a].pos.1).then(a.cmp(&b)));
    }
    // Sweeps: order each column by the mean place of its neighbours in the
    // columns already ordered (callers going right, callees coming back).
    let mut place = vec![0.0f32; n];
    let set_places = |rows: &[Vec<usize>], place: &mut [f32]| {
        for r in rows {
            for (k, &i) in r.iter().enumerate() {
                place[i] = (k as f32 + 0.5) / r.len() as f32;
            }
        }
    };
    set_places(&rows, &mut place);
    for _ in 0..4 {
        for c in 1..columns {
            sort_by_mean(&mut rows[c], &inc, &place);
            set_places(&rows, &mut place);
        }
        for c in (0..columns.saturating_sub(1)).rev() {
            sort_by_mean(&mut rows[c], &out, &place);
            set_places(&rows, &mut place);
        }
    }
    // Heights: the first column evenly; each later one level with its
    // callers as far as the spacing allows (y grows upwards).
    let mut y = vec![0.0f32; n];
    for (c, r) in rows.iter().enumerate() {
        let even: Vec<f32> = (0..r.len()).map(|k| ((r.len() - 1) as f32 / 2.0 - k as f32) * ROW).collect();
        let want: Vec<f32> = r
            .iter()
            .zip(&even)
            .map(|(&i, &e)| {
                let callers: Vec<f32> = inc[i].iter().filter(|&&a| col[a] < c).map(|&a| y[a]).collect();
                if callers.is_empty() { e } else { callers.iter().sum::<f32>() / callers.len() as f32 }
            })
            .collect();
        for (&i, h) in r.iter().zip(spread(&want)) {
            y[i] = h;
        }
    }
    // Centred where the design was, so the view does not jump.
    let centre = |xs: &mut dyn Iterator<Item = (f32, f32)>| {
        let (sx, sy, k) = xs.fold((0.0, 0.0, 0.0), |(sx, sy, k), (x, y)| (sx + x, sy + y, k + 1.0));
        (sx / k, sy / k)
    };
    let old = centre(&mut s.nodes.iter().map(|x| x.pos));
    let new: Vec<(f32, f32)> = (0..n).map(|i| ((col[i] as f32 * COLUMN).round(), y[i].round())).collect();
    let mid = centre(&mut new.iter().copied());
    // A whole shift, so that tidying a tidy design moves nothing.
    let (dx, dy) = ((old.0 - mid.0).round(), (old.1 - mid.1).round());
    new.into_iter().map(|(x, y)| (x + dx, y + dy)).collect()
}

/// Order `row` by the mean place of each node's neighbours in `via`
/// (nodes without any keep their place).
fn sort_by_mean(row: &mut [usize], via: &[Vec<usize>], place: &[f32]) {
    let key = |i: usize| {
        let v = &via[i];
        if v.is_empty() { place[i] } else { v.iter().map(|&j| place[j]).sum::<f32>() / v.len() as f32 }
    };
    row.sort_by(|&a, &b| key(a).total_cmp(&key(b)).then(place[a].total_cmp(&place[b])));
}

/// Heights as close to `want` as a spacing of `ROW` allows, keeping the
/// order (top first): pushed down from the top, pushed up from the bottom,
/// and the two averaged.
fn spread(want: &[f32]) -> Vec<f32> {
    let n = want.len();
    let mut down = want.to_vec();
    for k in 1..n {
        down[k] = down[k].min(down[k - 1] - ROW);
    }
    let mut up = want.to_vec();
    for k in (0..n.saturating_sub(1)).rev() {
        up[k] = up[k].max(up[k + 1] + ROW);
    }
    let mut y: Vec<f32> = down.iter().zip(&up).map(|(a, b)| (a + b) / 2.0).collect();
    for k in 1..n {
        y[k] = y[k].min(y[k - 1] - ROW);
    }
    y
}
