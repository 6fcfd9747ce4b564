//! The road network is connected, split at junctions, and named.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::committed;
use geo::Geometry;

fn key(c: &geo::Coord) -> (i64, i64) {
    ((c.x * 1e7).round() as i64, (c.y * 1e7).round() as i64)
}

fn lines() -> Vec<(String, Vec<geo::Coord>)> {
    committed()
        .layer("roads")
        .iter()
        .map(|r| match &r.geometry {
            Some(Geometry::LineString(l)) => (r.id.clone(), l.0.clone()),
            other => panic!("road {} is {other:?}", r.id),
        })
        .collect()
}

#[test]
fn every_road_segment_is_reachable_from_every_other() {
    let roads = lines();
    let mut index: BTreeMap<(i64, i64), usize> = BTreeMap::new();
    let mut parent: Vec<usize> = Vec::new();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    let mut node = |k: (i64, i64), parent: &mut Vec<usize>| -> usize {
        *index.entry(k).or_insert_with(|| {
            parent.push(parent.len());
            parent.len() - 1
        })
    };
    for (_, l) in &roads {
        let a = node(key(&l[0]), &mut parent);
        let b = node(key(&l[l.len() - 1]), &mut parent);
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        parent[ra] = rb;
    }
    let roots: BTreeSet<usize> = (0..parent.len()).map(|i| find(&mut parent, i)).collect();
    assert_eq!(
        roots.len(),
        1,
        "the network falls into {} parts",
        roots.len()
    );
}

#[test]
fn segments_end_at_junctions_and_never_pass_through_one() {
    let roads = lines();
    let ends: BTreeSet<(i64, i64)> = roads
        .iter()
        .flat_map(|(_, l)| [key(&l[0]), key(&l[l.len() - 1])])
        .collect();
    for (id, l) in &roads {
        assert!(l.len() >= 2, "{id}");
        for c in &l[1..l.len() - 1] {
            assert!(
                !ends.contains(&key(c)),
                "{id} passes through a junction at {c:?}"
            );
        }
    }
}

#[test]
fn roads_come_in_three_classes_with_names() {
    let mut classes: BTreeMap<&str, usize> = BTreeMap::new();
    for r in committed().layer("roads") {
        assert!(!r.str("name").is_empty(), "{}", r.id);
        assert!(r.num("length_m") > 0.0, "{}", r.id);
        *classes.entry(r.str("class")).or_insert(0) += 1;
    }
    assert_eq!(
        classes.keys().copied().collect::<Vec<_>>(),
        ["arterial", "local", "secondary"]
    );
}
