//! The real reference data the generator builds on, embedded at compile time from
//! `geodata/reference/` so that the binary needs nothing beside it: district outlines, the
//! statistics codes and names of streets and communities, and the GeoNames seat points.

use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::Value;

use crate::GenError;

const GUANGMING_OUTLINE: &str =
    include_str!("../../../geodata/reference/guangming_district_wgs84.geojson");
const SHENZHEN_OUTLINES: &str =
    include_str!("../../../geodata/reference/shenzhen_districts_wgs84.geojson");
const GUANGMING_COMMUNITIES: &str =
    include_str!("../../../geodata/reference/guangming_communities.csv");
const SHENZHEN_STREETS: &str = include_str!("../../../geodata/reference/shenzhen_streets.csv");
const SHENZHEN_COMMUNITIES: &str =
    include_str!("../../../geodata/reference/shenzhen_communities.csv");
const GEONAMES_PLACES: &str =
    include_str!("../../../geodata/reference/geonames_places_shenzhen_wgs84.geojson");

/// A real district: its code, name and outline in longitude/latitude.
#[derive(Debug, Clone)]
pub struct DistrictRef {
    /// Six-digit administrative code, e.g. `440311`.
    pub code: String,
    /// Chinese name, e.g. `光明区`.
    pub name: String,
    /// The outline, WGS84.
    pub outline: MultiPolygon,
    /// Its streets, in code order.
    pub streets: Vec<StreetRef>,
}

/// A real street (街道) with its communities.
#[derive(Debug, Clone)]
pub struct StreetRef {
    /// Nine-digit statistics code.
    pub code: String,
    /// Chinese name, e.g. `光明街道`.
    pub name: String,
    /// Roughly where the street lies (WGS84), to start its synthetic boundary from; only
    /// known for Guangming.
    pub hint: Option<Coord>,
    /// Its communities, in code order.
    pub communities: Vec<CommunityRef>,
}

/// A real community (社区).
#[derive(Debug, Clone)]
pub struct CommunityRef {
    /// Twelve-digit statistics code.
    pub code: String,
    /// Short name, e.g. `光明社区`.
    pub name: String,
    /// Name of the residents' committee, e.g. `光明社区居委会`.
    pub official_name: String,
}

/// A GeoNames populated place that names a street seat.
#[derive(Debug, Clone)]
pub struct SeatPlace {
    /// The Chinese name, e.g. `公明`.
    pub name_zh: String,
    /// Its position, WGS84.
    pub position: Coord,
}

fn parse_json(text: &str, what: &str) -> Result<Value, GenError> {
    serde_json::from_str(text).map_err(|e| GenError::Reference(format!("{what}: {e}")))
}

fn ring_from_json(value: &Value) -> Option<LineString> {
    let coords = value
        .as_array()?
        .iter()
        .map(|p| {
            let p = p.as_array()?;
            Some(Coord {
                x: p.first()?.as_f64()?,
                y: p.get(1)?.as_f64()?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(LineString::new(coords))
}

fn polygon_from_json(value: &Value) -> Option<Polygon> {
    let rings = value.as_array()?;
    let exterior = ring_from_json(rings.first()?)?;
    let interiors = rings[1..]
        .iter()
        .map(ring_from_json)
        .collect::<Option<Vec<_>>>()?;
    Some(Polygon::new(exterior, interiors))
}

/// Parses a GeoJSON Polygon or MultiPolygon geometry object.
pub fn multipolygon_from_geometry(geometry: &Value) -> Option<MultiPolygon> {
    let coordinates = geometry.get("coordinates")?;
    match geometry.get("type")?.as_str()? {
        "Polygon" => Some(MultiPolygon::new(vec![polygon_from_json(coordinates)?])),
        "MultiPolygon" => Some(MultiPolygon::new(
            coordinates
                .as_array()?
                .iter()
                .map(polygon_from_json)
                .collect::<Option<Vec<_>>>()?,
        )),
        _ => None,
    }
}

fn outlines(text: &str, what: &str) -> Result<Vec<(String, String, MultiPolygon)>, GenError> {
    let json = parse_json(text, what)?;
    let features = json
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| GenError::Reference(format!("{what}: no features")))?;
    features
        .iter()
        .map(|f| {
            let props = &f["properties"];
            let code = props["adcode"].as_str().map(str::to_owned);
            let name = props["name"].as_str().map(str::to_owned);
            let outline = multipolygon_from_geometry(&f["geometry"]);
            match (code, name, outline) {
                (Some(c), Some(n), Some(o)) => Ok((c, n, o)),
                _ => Err(GenError::Reference(format!("{what}: malformed feature"))),
            }
        })
        .collect()
}

/// Rows of a small CSV without quoted commas in the columns we read.
fn csv_rows(text: &str) -> Vec<Vec<&str>> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').collect())
        .collect()
}

/// The short community name from the committee's name: `光明社区居委会` → `光明社区`,
/// `大梅沙居委会` → `大梅沙社区`.
fn community_short_name(official: &str) -> String {
    let stem = official
        .strip_suffix("居民委员会")
        .or_else(|| official.strip_suffix("居委会"))
        .unwrap_or(official);
    if stem.ends_with("社区") {
        stem.to_owned()
    } else {
        format!("{stem}社区")
    }
}

fn column<'a>(row: &[&'a str], index: usize, what: &str) -> Result<&'a str, GenError> {
    row.get(index)
        .copied()
        .ok_or_else(|| GenError::Reference(format!("{what}: short row")))
}

/// Approximate positions of Guangming's streets (west 公明, north-west 新湖, centre 光明,
/// east 凤凰, south 玉塘, south-west 马田), only to start the synthetic partition in the right
/// arrangement; the boundaries themselves are generated.
fn guangming_street_hint(name: &str) -> Option<Coord> {
    let (x, y) = match name {
        "公明街道" => (113.875, 22.775),
        "新湖街道" => (113.905, 22.815),
        "光明街道" => (113.935, 22.790),
        "凤凰街道" => (113.970, 22.760),
        "玉塘街道" => (113.945, 22.715),
        "马田街道" => (113.895, 22.730),
        _ => return None,
    };
    Some(Coord { x, y })
}

/// Guangming: the real outline, 6 streets and 31 communities.
pub fn guangming() -> Result<Vec<DistrictRef>, GenError> {
    let (code, name, outline) = outlines(GUANGMING_OUTLINE, "guangming outline")?
        .into_iter()
        .next()
        .ok_or_else(|| GenError::Reference("guangming outline: empty".into()))?;
    let mut streets: Vec<StreetRef> = Vec::new();
    for row in csv_rows(GUANGMING_COMMUNITIES) {
        let what = "guangming_communities.csv";
        let community = CommunityRef {
            code: column(&row, 0, what)?.to_owned(),
            official_name: column(&row, 1, what)?.to_owned(),
            name: column(&row, 2, what)?.to_owned(),
        };
        let street_code = column(&row, 3, what)?;
        let street_name = column(&row, 4, what)?;
        match streets.iter_mut().find(|s| s.code == street_code) {
            Some(street) => street.communities.push(community),
            None => streets.push(StreetRef {
                code: street_code.to_owned(),
                name: street_name.to_owned(),
                hint: guangming_street_hint(street_name),
                communities: vec![community],
            }),
        }
    }
    streets.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(vec![DistrictRef {
        code,
        name,
        outline,
        streets,
    }])
}

/// Shenzhen: the 9 real district outlines, their 74 streets and the communities under them.
/// The 5 special-zone codes (4xx: bonded zones, Qianhai, the airport) are not streets and are
/// skipped together with their one virtual community each.
pub fn shenzhen() -> Result<Vec<DistrictRef>, GenError> {
    let mut districts: Vec<DistrictRef> = outlines(SHENZHEN_OUTLINES, "shenzhen districts")?
        .into_iter()
        .map(|(code, name, outline)| DistrictRef {
            code,
            name,
            outline,
            streets: Vec::new(),
        })
        .collect();
    districts.sort_by(|a, b| a.code.cmp(&b.code));
    for row in csv_rows(SHENZHEN_STREETS) {
        let what = "shenzhen_streets.csv";
        let kind = column(&row, 4, what)?;
        if kind != "街道" {
            continue;
        }
        let district_code = column(&row, 2, what)?;
        let district = districts
            .iter_mut()
            .find(|d| d.code == district_code)
            .ok_or_else(|| {
                GenError::Reference(format!("{what}: unknown district {district_code}"))
            })?;
        district.streets.push(StreetRef {
            code: column(&row, 0, what)?.to_owned(),
            name: column(&row, 1, what)?.to_owned(),
            hint: None,
            communities: Vec::new(),
        });
    }
    for row in csv_rows(SHENZHEN_COMMUNITIES) {
        let what = "shenzhen_communities.csv";
        let street_code = column(&row, 2, what)?;
        let official = column(&row, 1, what)?;
        let street = districts
            .iter_mut()
            .flat_map(|d| d.streets.iter_mut())
            .find(|s| s.code == street_code);
        if let Some(street) = street {
            street.communities.push(CommunityRef {
                code: column(&row, 0, what)?.to_owned(),
                name: community_short_name(official),
                official_name: official.to_owned(),
            });
        }
    }
    for district in &mut districts {
        district.streets.sort_by(|a, b| a.code.cmp(&b.code));
        for street in &mut district.streets {
            street.communities.sort_by(|a, b| a.code.cmp(&b.code));
        }
    }
    Ok(districts)
}

/// The GeoNames places that name a street seat inside the given districts: a place whose
/// Chinese name plus `街道` is a street's name.
pub fn street_seats(districts: &[DistrictRef]) -> Result<Vec<SeatPlace>, GenError> {
    let json = parse_json(GEONAMES_PLACES, "geonames places")?;
    let features = json
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| GenError::Reference("geonames: no features".into()))?;
    let street_names: Vec<&str> = districts
        .iter()
        .flat_map(|d| d.streets.iter().map(|s| s.name.as_str()))
        .collect();
    let mut seats = Vec::new();
    for f in features {
        let Some(name_zh) = f["properties"]["name_zh"].as_str() else {
            continue;
        };
        let Some(coords) = f["geometry"]["coordinates"].as_array() else {
            continue;
        };
        let (Some(x), Some(y)) = (
            coords.first().and_then(Value::as_f64),
            coords.get(1).and_then(Value::as_f64),
        ) else {
            continue;
        };
        let street_name = format!("{name_zh}街道");
        if street_names.contains(&street_name.as_str())
            && !seats.iter().any(|s: &SeatPlace| s.name_zh == name_zh)
        {
            seats.push(SeatPlace {
                name_zh: name_zh.to_owned(),
                position: Coord { x, y },
            });
        }
    }
    seats.sort_by(|a, b| a.name_zh.cmp(&b.name_zh));
    Ok(seats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guangming_reference_has_six_streets_and_thirty_one_communities() {
        let d = guangming().expect("embedded reference parses");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].streets.len(), 6);
        assert_eq!(
            d[0].streets
                .iter()
                .map(|s| s.communities.len())
                .sum::<usize>(),
            31
        );
    }

    #[test]
    fn shenzhen_reference_has_seventy_four_streets() {
        let d = shenzhen().expect("embedded reference parses");
        assert_eq!(d.len(), 9);
        assert_eq!(d.iter().map(|d| d.streets.len()).sum::<usize>(), 74);
        assert!(
            d.iter()
                .flat_map(|d| &d.streets)
                .all(|s| !s.communities.is_empty())
        );
    }

    #[test]
    fn short_names_end_in_shequ() {
        assert_eq!(community_short_name("大梅沙居委会"), "大梅沙社区");
        assert_eq!(community_short_name("光明社区居委会"), "光明社区");
        assert_eq!(community_short_name("桂木园社区居民委员会"), "桂木园社区");
    }
}
