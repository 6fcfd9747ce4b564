//! The city-scale dataset: the real 9 districts, 74 streets and their communities, about 5,000
//! sub-grids, exactly 600,000 buildings in Guangming's rating proportions, about 1,000 stations.

use onemap_gen::buildings::Rating;
use onemap_gen::stations::StationLevel;
use onemap_gen::{DEFAULT_SEED, Scale};

#[test]
fn shenzhen_scale_holds_the_city_counts() {
    let d = onemap_gen::generate(Scale::Shenzhen, DEFAULT_SEED).expect("generates");
    let t = &d.territory;
    assert_eq!(t.districts.len(), 9);
    assert_eq!(t.streets.len(), 74);
    assert_eq!(t.communities.len(), 783);
    assert_eq!(t.subgrids.len(), 5_000);
    assert_eq!(d.buildings.len(), 600_000);
    let count = |r: Rating| d.buildings.iter().filter(|b| b.rating == r).count();
    assert_eq!(
        [
            count(Rating::Safe),
            count(Rating::General),
            count(Rating::Warning)
        ],
        [492_034, 75_005, 32_961]
    );
    assert_eq!(d.stations.len(), 1_000);
    assert_eq!(
        d.stations
            .iter()
            .filter(|s| s.level == StationLevel::DistrictHall)
            .count(),
        9
    );
    assert_eq!(d.cameras.len(), 12_300);
    assert_eq!(d.cases.len(), 476_000);
    // Every community sits in its real street: codes nest.
    for c in &t.communities {
        assert!(c.code.starts_with(&t.streets[c.parent].code), "{}", c.code);
    }
    for s in &t.subgrids {
        assert!(s.code.starts_with(&t.communities[s.parent].code) && s.code.len() == 15);
    }
    // The partition tiles each district: children's areas add up to the parent's.
    for (i, district) in t.districts.iter().enumerate() {
        let streets: f64 = t
            .streets
            .iter()
            .filter(|s| s.parent == i)
            .map(|s| s.area_km2)
            .sum();
        assert!(
            (streets - district.area_km2).abs() < district.area_km2 * 0.001,
            "{}",
            district.name
        );
    }
}
