//! Siting new stations: greedy maximum coverage of the buildings no station reaches.
//!
//! Each round takes the candidate site covering the most still-uncovered buildings within the
//! radius (ties to the lowest candidate index), then marks what it covers. The greedy is lazy:
//! candidates sit in a max-heap keyed by a stale upper bound of their gain (gains only shrink),
//! and only the top is recomputed, which gives the same picks as recomputing every gain every
//! round.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::index::PointIndex;

/// The result of [`greedy_sites`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Siting {
    /// Chosen candidates (indexes into the candidate slice), in pick order.
    pub chosen: Vec<usize>,
    /// Buildings newly covered by each pick.
    pub gains: Vec<u64>,
    /// Number of (candidate, uncovered building) pairs within the radius.
    pub n_pairs: u64,
}

/// Picks `k` sites among `candidates` greedily to cover the most of `uncovered` within `r`.
/// A candidate already chosen can be chosen again only when nothing is left to gain (as
/// `numpy.argmax` over all gains would).
///
/// ```
/// use onemap_geo::siting::greedy_sites;
/// let uncovered = [[0.0, 0.0], [100.0, 0.0], [5000.0, 0.0]];
/// let candidates = [[50.0, 0.0], [5000.0, 10.0], [0.0, 0.0]];
/// let s = greedy_sites(&uncovered, &candidates, 500.0, 2);
/// assert_eq!(s.chosen, vec![0, 1]);
/// assert_eq!(s.gains, vec![2, 1]);
/// assert_eq!(s.n_pairs, 5);
/// ```
#[must_use]
pub fn greedy_sites(uncovered: &[[f64; 2]], candidates: &[[f64; 2]], r: f64, k: usize) -> Siting {
    let ids: Vec<u32> = (0..candidates.len() as u32).collect();
    let index = PointIndex::with_cell(candidates, &ids, r.max(1.0));
    greedy_sites_indexed(uncovered, candidates, &index, r, k)
}

/// [`greedy_sites`] with the candidates already indexed (`candidate_index` over `candidates`,
/// ids = positions in `candidates`), so the index can be built once and reused. Initial gains
/// are counted from the uncovered buildings outward: each building's disc adds one to whole
/// runs of candidates through a difference array.
///
/// ```
/// use onemap_geo::{index::PointIndex, siting::greedy_sites_indexed};
/// let candidates = [[50.0, 0.0], [5000.0, 10.0]];
/// let index = PointIndex::new(&candidates);
/// let s = greedy_sites_indexed(&[[0.0, 0.0], [100.0, 0.0]], &candidates, &index, 500.0, 1);
/// assert_eq!((s.chosen, s.gains, s.n_pairs), (vec![0], vec![2], 2));
/// ```
#[must_use]
pub fn greedy_sites_indexed(
    uncovered: &[[f64; 2]],
    candidates: &[[f64; 2]],
    candidate_index: &PointIndex,
    r: f64,
    k: usize,
) -> Siting {
    let ids: Vec<u32> = (0..uncovered.len() as u32).collect();
    let index = PointIndex::with_cell(uncovered, &ids, (r / 6.0).max(1.0));
    let nc = candidates.len();
    let diffs = crate::parallel::map_blocks(uncovered.len(), |range| {
        let mut diff = vec![0i32; nc + 1];
        for u in &uncovered[range] {
            candidate_index.visit_disc(u[0], u[1], r, |run| {
                diff[run.start] += 1;
                diff[run.end] -= 1;
            });
        }
        diff
    });
    let mut counts = vec![0u64; nc];
    let mut acc: i64 = 0;
    for pos in 0..nc {
        acc += diffs.iter().map(|d| i64::from(d[pos])).sum::<i64>();
        counts[candidate_index.ids()[pos] as usize] = acc.max(0) as u64;
    }
    let n_pairs = counts.iter().sum();
    let mut heap: BinaryHeap<(u64, Reverse<usize>)> = counts
        .iter()
        .enumerate()
        .map(|(c, &g)| (g, Reverse(c)))
        .collect();
    let mut covered = vec![0u64; uncovered.len().div_ceil(64)];
    let gain_of = |covered: &[u64], c: usize| {
        let mut g = 0u64;
        index.visit_disc(candidates[c][0], candidates[c][1], r, |run| {
            g += (run.len() as u64) - count_ones(covered, run);
        });
        g
    };
    let mut chosen = Vec::with_capacity(k);
    let mut gains = Vec::with_capacity(k);
    while chosen.len() < k {
        let Some((bound, Reverse(c))) = heap.pop() else {
            break;
        };
        let g = if bound == 0 { 0 } else { gain_of(&covered, c) };
        if heap.peek().is_none_or(|top| (g, Reverse(c)) >= *top) {
            chosen.push(c);
            gains.push(g);
            index.visit_disc(candidates[c][0], candidates[c][1], r, |run| {
                crate::coverage::set_run(&mut covered, run);
            });
            heap.push((0, Reverse(c)));
        } else {
            heap.push((g, Reverse(c)));
        }
    }
    Siting {
        chosen,
        gains,
        n_pairs,
    }
}

/// Number of set bits among positions `run`.
fn count_ones(bits: &[u64], run: std::ops::Range<usize>) -> u64 {
    let (a, b) = (run.start, run.end);
    if a >= b {
        return 0;
    }
    let (wa, wb) = (a >> 6, (b - 1) >> 6);
    let lo = !0u64 << (a & 63);
    let hi = !0u64 >> (63 - ((b - 1) & 63));
    if wa == wb {
        return u64::from((bits[wa] & lo & hi).count_ones());
    }
    let mut n = u64::from((bits[wa] & lo).count_ones()) + u64::from((bits[wb] & hi).count_ones());
    for w in &bits[wa + 1..wb] {
        n += u64::from(w.count_ones());
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The reference: recompute every gain every round, argmax with ties to the lowest index.
    fn brute(unc: &[[f64; 2]], cand: &[[f64; 2]], r: f64, k: usize) -> Siting {
        let within = |c: &[f64; 2], u: &[f64; 2]| {
            ((c[0] - u[0]).powi(2) + (c[1] - u[1]).powi(2)).sqrt() <= r
        };
        let n_pairs = cand
            .iter()
            .map(|c| unc.iter().filter(|u| within(c, u)).count() as u64)
            .sum();
        let mut covered = vec![false; unc.len()];
        let (mut chosen, mut gains) = (vec![], vec![]);
        for _ in 0..k {
            let gain: Vec<u64> = cand
                .iter()
                .map(|c| {
                    unc.iter()
                        .zip(&covered)
                        .filter(|(u, cv)| !**cv && within(c, u))
                        .count() as u64
                })
                .collect();
            let Some(best) = (0..cand.len()).max_by_key(|&i| (gain[i], Reverse(i))) else {
                break;
            };
            chosen.push(best);
            gains.push(gain[best]);
            for (u, cv) in unc.iter().zip(covered.iter_mut()) {
                if within(&cand[best], u) {
                    *cv = true;
                }
            }
        }
        Siting {
            chosen,
            gains,
            n_pairs,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 150, rng_seed: proptest::test_runner::RngSeed::Fixed(17), ..ProptestConfig::default() })]

        #[test]
        fn lazy_greedy_picks_what_the_full_recount_picks(
            unc in prop::collection::vec((0.0..4000.0f64, 0.0..4000.0f64), 0..400),
            cand in prop::collection::vec((0.0..4000.0f64, 0.0..4000.0f64), 0..60),
            r in 50.0..900.0f64, k in 0usize..12,
        ) {
            let unc: Vec<[f64; 2]> = unc.iter().map(|&(x, y)| [x, y]).collect();
            let cand: Vec<[f64; 2]> = cand.iter().map(|&(x, y)| [x, y]).collect();
            prop_assert_eq!(greedy_sites(&unc, &cand, r, k), brute(&unc, &cand, r, k));
        }

        #[test]
        fn ties_on_a_lattice_go_to_the_lowest_candidate(k in 1usize..8) {
            // Many equal gains: buildings and candidates on the same 100-m lattice.
            let pts: Vec<[f64; 2]> = (0..400).map(|i| [f64::from(i % 20) * 100.0, f64::from(i / 20) * 100.0]).collect();
            prop_assert_eq!(greedy_sites(&pts, &pts, 150.0, k), brute(&pts, &pts, 150.0, k));
        }
    }

    #[test]
    fn count_ones_counts_exactly_the_run() {
        let bits = vec![0xF0F0_F0F0_F0F0_F0F0u64, !0, 0, 0x1];
        for (a, b) in [(0, 0), (0, 8), (4, 70), (60, 200), (0, 256), (192, 193)] {
            let want = (a..b)
                .filter(|&i: &usize| bits[i >> 6] >> (i & 63) & 1 == 1)
                .count() as u64;
            assert_eq!(count_ones(&bits, a..b), want, "{a}..{b}");
        }
    }
}
