//! The committed Guangming dataset matches every published and specified count exactly.

mod common;

use common::{committed, reference_rows};
use std::collections::BTreeMap;

fn tally(layer: &str, key: &str) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for f in committed().layer(layer) {
        *m.entry(f.str(key).to_owned()).or_insert(0) += 1;
    }
    m
}

#[test]
fn layers_hold_the_published_counts() {
    let ds = committed();
    for (layer, n) in [
        ("districts", 1),
        ("streets", 6),
        ("communities", 31),
        ("subgrids", 264),
        ("stations", 302),
        ("buildings", 30_254),
        ("cameras", 958),
        ("matters", 217),
        ("cases", 35_800),
    ] {
        assert_eq!(ds.layer(layer).len(), n, "{layer}");
    }
}

#[test]
fn building_ratings_are_exactly_the_published_ones() {
    let r = tally("buildings", "rating");
    assert_eq!(r.get("safe"), Some(&24_810));
    assert_eq!(r.get("general"), Some(&3_782));
    assert_eq!(r.get("warning"), Some(&1_662));
    assert_eq!(r.len(), 3);
}

#[test]
fn stations_are_one_plus_six_plus_thirty_one_plus_one_per_subgrid() {
    let l = tally("stations", "level");
    assert_eq!(l.get("district_hall"), Some(&1));
    assert_eq!(l.get("street_hall"), Some(&6));
    assert_eq!(l.get("community_hall"), Some(&31));
    assert_eq!(l.get("subgrid_station"), Some(&264));
    let mut stations_per_subgrid: BTreeMap<&str, usize> = BTreeMap::new();
    for s in committed()
        .layer("stations")
        .iter()
        .filter(|s| s.str("level") == "subgrid_station")
    {
        *stations_per_subgrid
            .entry(s.str("subgrid_code"))
            .or_insert(0) += 1;
    }
    assert_eq!(
        stations_per_subgrid.len(),
        264,
        "one station in every sub-grid"
    );
}

#[test]
fn halls_offer_all_three_services_and_stations_mostly_appeal() {
    let stations = committed().layer("stations");
    let services = |s: &onemap_gen::read::Feature| -> Vec<String> {
        s.properties["services"]
            .as_array()
            .expect("services array")
            .iter()
            .map(|v| v.as_str().expect("service string").to_owned())
            .collect()
    };
    for s in stations
        .iter()
        .filter(|s| s.str("level") != "subgrid_station")
    {
        assert_eq!(services(s), ["appeal", "legal", "psych"], "{}", s.id);
    }
    let small: Vec<_> = stations
        .iter()
        .filter(|s| s.str("level") == "subgrid_station")
        .collect();
    let offering = |service: &str| {
        small
            .iter()
            .filter(|s| services(s).iter().any(|x| x == service))
            .count()
    };
    assert!(offering("appeal") > small.len() * 8 / 10);
    assert!(offering("legal") > 0 && offering("legal") < small.len() / 2);
    assert!(offering("psych") > 0 && offering("psych") < small.len() / 2);
    assert!(small.iter().all(|s| !services(s).is_empty()));
}

#[test]
fn cases_match_the_published_history() {
    let cases = committed().layer("cases");
    let resolved: Vec<_> = cases
        .iter()
        .filter(|c| c.str("outcome") == "resolved")
        .collect();
    assert_eq!(resolved.len(), 35_588);
    let same_day = resolved
        .iter()
        .filter(|c| c.str("reported_at")[..10] == c.str("resolved_at")[..10])
        .count();
    let share = same_day as f64 / resolved.len() as f64;
    assert!((0.975..=0.985).contains(&share), "same-day share {share}");
    for c in cases {
        let reported = c.str("reported_at");
        assert!(reported.ends_with("+08:00"), "{}", c.id);
        assert!(
            ("2022-01-01".."2023-06-29").contains(&&reported[..10]),
            "{} reported {reported}",
            c.id
        );
        for later in ["noticed_at", "met_at", "resolved_at", "closed_at"] {
            let t = c.str(later);
            assert!(
                t.is_empty() || t > reported,
                "{} {later} {t} before {reported}",
                c.id
            );
        }
    }
    let channels = tally("cases", "channel");
    for channel in [
        "hall", "station", "hotline", "app", "qr", "patrol", "camera",
    ] {
        assert!(
            channels.get(channel).copied().unwrap_or(0) > 500,
            "channel {channel}"
        );
    }
}

#[test]
fn matter_codes_run_from_m001_to_m217_under_a_handful_of_domains() {
    let matters = committed().layer("matters");
    for (i, m) in matters.iter().enumerate() {
        assert_eq!(m.str("code"), format!("M{:03}", i + 1));
        assert!(["L1", "L2", "L3"].contains(&m.str("default_level")));
    }
    assert_eq!(tally("matters", "domain").len(), 7);
}

#[test]
fn streets_and_communities_carry_their_real_names_and_codes() {
    let rows = reference_rows("guangming_communities.csv");
    let communities = committed().layer("communities");
    assert_eq!(rows.len(), communities.len());
    for (row, c) in rows.iter().zip(communities) {
        assert_eq!(c.str("code"), row[0]);
        assert_eq!(c.str("official_name"), row[1]);
        assert_eq!(c.str("name"), row[2]);
        assert_eq!(
            c.str("street_code"),
            row[3],
            "{} sits in its real street",
            row[2]
        );
    }
    let streets: BTreeMap<&str, &str> = committed()
        .layer("streets")
        .iter()
        .map(|s| (s.str("code"), s.str("name")))
        .collect();
    for row in &rows {
        assert_eq!(streets.get(row[3].as_str()), Some(&row[4].as_str()));
    }
}

#[test]
fn subgrids_have_plausible_size_people_and_staff() {
    let subgrids = committed().layer("subgrids");
    let mut population = 0.0;
    let mut staff = 0.0;
    for s in subgrids {
        let area = s.num("area_km2");
        assert!((0.15..=1.5).contains(&area), "{} is {area} km²", s.id);
        assert!(
            s.str("code").starts_with(s.str("community_code")) && s.str("code").len() == 15,
            "{}",
            s.id
        );
        population += s.num("population");
        staff += s.num("staff");
        assert!(
            (2_000.0..=10_000.0).contains(&s.num("population")),
            "{} people",
            s.id
        );
    }
    assert!(
        (1_300_000.0..=1_340_000.0).contains(&population),
        "population {population}"
    );
    assert_eq!(staff, 3_596.0);
    let mean = subgrids.iter().map(|s| s.num("area_km2")).sum::<f64>() / subgrids.len() as f64;
    assert!((0.4..=0.7).contains(&mean), "mean sub-grid {mean} km²");
}

#[test]
fn no_street_is_under_ten_square_kilometres() {
    for s in committed().layer("streets") {
        assert!(s.num("area_km2") >= 10.0, "{} {}", s.id, s.num("area_km2"));
    }
}

#[test]
fn every_generated_feature_is_marked_synthetic_and_the_outline_is_not() {
    for layer in onemap_gen::read::LAYERS {
        for f in committed().layer(layer) {
            let expected = layer != "districts";
            assert_eq!(
                f.properties.get("synthetic").and_then(|v| v.as_bool()),
                Some(expected),
                "{layer} {}",
                f.id
            );
            let own_id = if f.properties.contains_key("id") {
                f.str("id")
            } else {
                f.str("code")
            };
            assert_eq!(
                f.id, own_id,
                "{layer}: feature id equals its properties' id or code"
            );
        }
    }
}

#[test]
fn every_file_stays_under_ten_megabytes() {
    for (file, bytes) in &committed().file_sizes {
        assert!(*bytes < 10 * 1024 * 1024, "{file} is {bytes} bytes");
    }
}
