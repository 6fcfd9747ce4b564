//! Buildings, cameras, stations and cases each lie in exactly one sub-grid, the one their
//! `subgrid_code` names.

mod common;

use std::collections::BTreeMap;

use common::committed;
use geo::{Contains, Geometry, MultiPolygon, Point};
use onemap_gen::locate::SubgridLocator;

fn check_layer(layer: &str) {
    let ds = committed();
    let subgrids = ds.layer("subgrids");
    let polygons: Vec<MultiPolygon> = subgrids
        .iter()
        .map(|s| match &s.geometry {
            Some(Geometry::MultiPolygon(mp)) => mp.clone(),
            _ => panic!("sub-grid {} is not an area", s.id),
        })
        .collect();
    let locator = SubgridLocator::new(polygons.clone());
    for f in ds.layer(layer) {
        let at = f
            .point()
            .unwrap_or_else(|| panic!("{layer} {} is a point", f.id));
        let candidates = locator.candidates(at, at);
        let holding: Vec<usize> = candidates
            .into_iter()
            .filter(|&i| polygons[i].contains(&Point(at)))
            .collect();
        assert_eq!(
            holding.len(),
            1,
            "{layer} {} lies in {} sub-grids",
            f.id,
            holding.len()
        );
        assert_eq!(
            subgrids[holding[0]].str("code"),
            f.str("subgrid_code"),
            "{layer} {}",
            f.id
        );
    }
}

#[test]
fn every_building_lies_in_exactly_the_subgrid_it_names() {
    check_layer("buildings");
}

#[test]
fn every_camera_lies_in_exactly_the_subgrid_it_names() {
    check_layer("cameras");
}

#[test]
fn every_station_lies_in_exactly_the_subgrid_it_names() {
    check_layer("stations");
}

#[test]
fn every_case_lies_in_exactly_the_subgrid_it_names() {
    check_layer("cases");
}

#[test]
fn case_references_point_at_existing_buildings_cameras_and_matters() {
    let ds = committed();
    let buildings: BTreeMap<&str, &onemap_gen::read::Feature> = ds
        .layer("buildings")
        .iter()
        .map(|b| (b.id.as_str(), b))
        .collect();
    let cameras: BTreeMap<&str, &onemap_gen::read::Feature> = ds
        .layer("cameras")
        .iter()
        .map(|c| (c.id.as_str(), c))
        .collect();
    let matters: Vec<&str> = ds.layer("matters").iter().map(|m| m.str("code")).collect();
    for c in ds.layer("cases") {
        assert!(matters.contains(&c.str("matter")), "{}", c.id);
        if let Some(b) = c.properties.get("building_id").and_then(|v| v.as_str()) {
            assert_eq!(
                buildings[b].point(),
                c.point(),
                "{} sits on its building",
                c.id
            );
        }
        if let Some(cam) = c.properties.get("camera_id").and_then(|v| v.as_str()) {
            assert_eq!(
                cameras[cam].point(),
                c.point(),
                "{} sits on its camera",
                c.id
            );
        }
    }
}

#[test]
fn warning_buildings_concentrate_in_urban_villages() {
    let buildings = committed().layer("buildings");
    let share = |kind: &str| {
        let of_kind: Vec<_> = buildings.iter().filter(|b| b.str("kind") == kind).collect();
        of_kind
            .iter()
            .filter(|b| b.str("rating") == "warning")
            .count() as f64
            / of_kind.len() as f64
    };
    assert!(
        share("village") > 2.0 * share("estate"),
        "village {} estate {}",
        share("village"),
        share("estate")
    );
    let addresses_with_community = buildings
        .iter()
        .filter(|b| b.str("address").ends_with('号') || b.str("address").contains("号之"))
        .count();
    assert_eq!(addresses_with_community, buildings.len());
}

#[test]
fn service_circles_cover_most_buildings_but_leave_gaps() {
    let s = onemap_gen::summary::summarize(committed());
    let c = &s.coverage_500m;
    assert!((0.85..=0.95).contains(&c.any), "any {}", c.any);
    assert!(c.appeal <= c.any && c.legal < c.any && c.psych < c.any);
}
