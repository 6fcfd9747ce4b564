//! Streets partition the district, communities their street, sub-grids their community:
//! unions equal parents within 0.1% of area, overlaps stay under 1 m².

mod common;

use common::committed;
use geo::{
    Area, BooleanOps, BoundingRect, Contains, Coord, Geometry, Intersects, MultiPolygon, Point,
    Winding,
};
use onemap_gen::plane;
use onemap_gen::read::Feature;

fn metric(f: &Feature) -> MultiPolygon {
    match &f.geometry {
        Some(Geometry::MultiPolygon(mp)) => plane::multipolygon_to_plane(mp),
        other => panic!("{} is not an area: {other:?}", f.id),
    }
}

fn check_partition(parent: &Feature, children: &[&Feature]) {
    let parent_shape = metric(parent);
    let shapes: Vec<MultiPolygon> = children.iter().map(|c| metric(c)).collect();
    let union = shapes
        .iter()
        .fold(MultiPolygon::new(vec![]), |acc, s| acc.union(s));
    let difference = parent_shape.xor(&union).unsigned_area();
    let parent_area = parent_shape.unsigned_area();
    assert!(
        difference <= parent_area * 0.001,
        "{}: union differs from parent by {difference:.0} m² of {parent_area:.0}",
        parent.id
    );
    for i in 0..shapes.len() {
        for j in i + 1..shapes.len() {
            let (Some(a), Some(b)) = (shapes[i].bounding_rect(), shapes[j].bounding_rect()) else {
                continue;
            };
            if !a.intersects(&b) {
                continue;
            }
            let overlap = shapes[i].intersection(&shapes[j]).unsigned_area();
            assert!(
                overlap < 1.0,
                "{} and {} overlap by {overlap} m²",
                children[i].id,
                children[j].id
            );
        }
    }
}

#[test]
fn streets_partition_the_district() {
    let ds = committed();
    let district = &ds.layer("districts")[0];
    let streets: Vec<&Feature> = ds.layer("streets").iter().collect();
    check_partition(district, &streets);
}

#[test]
fn communities_partition_their_street() {
    let ds = committed();
    for street in ds.layer("streets") {
        let children: Vec<&Feature> = ds
            .layer("communities")
            .iter()
            .filter(|c| c.str("street_code") == street.str("code"))
            .collect();
        assert!(!children.is_empty());
        check_partition(street, &children);
    }
}

#[test]
fn subgrids_partition_their_community() {
    let ds = committed();
    for community in ds.layer("communities") {
        let children: Vec<&Feature> = ds
            .layer("subgrids")
            .iter()
            .filter(|s| s.str("community_code") == community.str("code"))
            .collect();
        assert!(!children.is_empty(), "{} has sub-grids", community.id);
        check_partition(community, &children);
    }
}

#[test]
fn every_community_lies_inside_its_real_street() {
    let ds = committed();
    for c in ds.layer("communities") {
        let street = ds
            .layer("streets")
            .iter()
            .find(|s| s.str("code") == c.str("street_code"))
            .expect("street exists");
        let inside = metric(c).intersection(&metric(street)).unsigned_area();
        assert!(
            inside >= metric(c).unsigned_area() * 0.999,
            "{} outside {}",
            c.id,
            street.id
        );
    }
}

#[test]
fn the_geonames_seats_fall_in_the_streets_of_the_same_name() {
    let ds = committed();
    for (name, lon, lat) in [
        ("公明街道", 113.88246, 22.78743),
        ("光明街道", 113.92998, 22.77228),
    ] {
        let street = ds
            .layer("streets")
            .iter()
            .find(|s| s.str("name") == name)
            .expect("street exists");
        let Some(Geometry::MultiPolygon(mp)) = &street.geometry else {
            panic!("area")
        };
        assert!(mp.contains(&Point(Coord { x: lon, y: lat })), "{name}");
    }
}

#[test]
fn polygon_exteriors_run_counter_clockwise_and_coordinates_have_seven_decimals() {
    for layer in ["districts", "streets", "communities", "subgrids"] {
        for f in committed().layer(layer) {
            let Some(Geometry::MultiPolygon(mp)) = &f.geometry else {
                panic!("area")
            };
            for p in &mp.0 {
                assert!(p.exterior().is_ccw(), "{layer} {}", f.id);
                for c in &p.exterior().0 {
                    for v in [c.x, c.y] {
                        assert!(
                            ((v * 1e7).round() / 1e7 - v).abs() < 1e-12,
                            "{layer} {} has {v}",
                            f.id
                        );
                    }
                }
            }
        }
    }
}

/// Every area of the committed dataset is valid geometry in the OGC sense (no self-intersection,
/// spikes or repeated rings), as the store's import, PostGIS and GEOS require.
#[test]
fn every_area_is_valid_geometry() {
    use geo::Validation;
    let ds = committed();
    for layer in ["districts", "streets", "communities", "subgrids"] {
        for f in ds.layer(layer) {
            let Some(Geometry::MultiPolygon(mp)) = &f.geometry else {
                panic!("{layer} {} is not an area", f.id);
            };
            let problems: Vec<String> = mp
                .validation_errors()
                .iter()
                .map(ToString::to_string)
                .collect();
            assert!(problems.is_empty(), "{layer} {}: {problems:?}", f.id);
        }
    }
}
