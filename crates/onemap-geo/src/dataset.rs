//! The dataset layers of `geodata/SCHEMA.md`, parsed into typed records.
//!
//! A dataset is a directory of GeoJSON FeatureCollections in WGS84 lon/lat. [`Dataset::from_dir`]
//! reads one from disk; [`Dataset::from_sources`] parses the same files from memory (the CLI embeds
//! the bundled Guangming dataset that way). Only the layers the spatial engine needs are read:
//! districts, streets, communities, sub-grids, stations, buildings and cameras.

use std::path::Path;

use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde::{Deserialize, Serialize};

/// Why a dataset could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// A layer file could not be read from disk.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A layer is not a FeatureCollection of the expected shape.
    #[error("layer {layer}: {message}")]
    Parse {
        /// Layer name (`"stations"`, …).
        layer: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// One of the three 500-metre service circles (DOMAIN.md).
///
/// ```
/// use onemap_geo::dataset::Service;
/// assert_eq!("legal".parse::<Service>(), Ok(Service::Legal));
/// assert_eq!(Service::Psych.as_str(), "psych");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// Citizen-appeal service (群众诉求服务).
    Appeal,
    /// Public legal service (公共法律服务).
    Legal,
    /// Social-psychology service (社会心理服务).
    Psych,
}

impl Service {
    /// All services, in a fixed order.
    pub const ALL: [Service; 3] = [Service::Appeal, Service::Legal, Service::Psych];

    /// The schema name: `appeal`, `legal` or `psych`.
    ///
    /// ```
    /// assert_eq!(onemap_geo::dataset::Service::Appeal.as_str(), "appeal");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Appeal => "appeal",
            Service::Legal => "legal",
            Service::Psych => "psych",
        }
    }

    /// Position in [`Service::ALL`], used as a bit index.
    ///
    /// ```
    /// assert_eq!(onemap_geo::dataset::Service::Psych.index(), 2);
    /// ```
    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Service {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "appeal" => Ok(Service::Appeal),
            "legal" => Ok(Service::Legal),
            "psych" => Ok(Service::Psych),
            other => Err(format!("unknown service {other:?} (appeal, legal, psych)")),
        }
    }
}

/// The level of a service hall or station ("1+6+31+N").
///
/// ```
/// use onemap_geo::dataset::StationLevel;
/// assert_eq!(StationLevel::CommunityHall.as_str(), "community_hall");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StationLevel {
    /// The district hall (1).
    DistrictHall,
    /// A street hall (6).
    StreetHall,
    /// A community hall (31).
    CommunityHall,
    /// A neighbourhood station in a sub-grid (N).
    SubgridStation,
}

impl StationLevel {
    /// The schema name.
    ///
    /// ```
    /// assert_eq!(onemap_geo::dataset::StationLevel::SubgridStation.as_str(), "subgrid_station");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            StationLevel::DistrictHall => "district_hall",
            StationLevel::StreetHall => "street_hall",
            StationLevel::CommunityHall => "community_hall",
            StationLevel::SubgridStation => "subgrid_station",
        }
    }
}

/// Safety rating of a residential rental building (数字楼宇平安图).
///
/// ```
/// use onemap_geo::dataset::Rating;
/// assert_eq!(Rating::Warning.as_str(), "warning");
/// assert_eq!(Rating::ALL.len(), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rating {
    /// 放心级.
    Safe,
    /// 一般级.
    General,
    /// 警示级.
    Warning,
}

impl Rating {
    /// All ratings, from safe to warning.
    pub const ALL: [Rating; 3] = [Rating::Safe, Rating::General, Rating::Warning];

    /// The schema name.
    ///
    /// ```
    /// assert_eq!(onemap_geo::dataset::Rating::Safe.as_str(), "safe");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Safe => "safe",
            Rating::General => "general",
            Rating::Warning => "warning",
        }
    }
}

/// The level of an administrative unit, from the district down to the red sub-grid.
///
/// ```
/// use onemap_geo::dataset::AdminLevel;
/// assert_eq!("community".parse::<AdminLevel>(), Ok(AdminLevel::Community));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AdminLevel {
    /// 区.
    District,
    /// 街道.
    Street,
    /// 社区.
    Community,
    /// 红色小分格.
    Subgrid,
}

impl AdminLevel {
    /// The schema name.
    ///
    /// ```
    /// assert_eq!(onemap_geo::dataset::AdminLevel::Subgrid.as_str(), "subgrid");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AdminLevel::District => "district",
            AdminLevel::Street => "street",
            AdminLevel::Community => "community",
            AdminLevel::Subgrid => "subgrid",
        }
    }
}

impl std::str::FromStr for AdminLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "district" => Ok(AdminLevel::District),
            "street" => Ok(AdminLevel::Street),
            "community" => Ok(AdminLevel::Community),
            "subgrid" => Ok(AdminLevel::Subgrid),
            other => Err(format!(
                "unknown level {other:?} (district, street, community, subgrid)"
            )),
        }
    }
}

/// A district, street, community or sub-grid with its outline (WGS84 lon/lat).
#[derive(Debug, Clone, PartialEq)]
pub struct AdminUnit {
    /// Which level of the tree.
    pub level: AdminLevel,
    /// Statistics code (6, 9, 12 or 15 digits).
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// Code of the unit one level up (`None` for a district).
    pub parent_code: Option<String>,
    /// Residents (sub-grids only).
    pub population: Option<u64>,
    /// Outline, lon/lat degrees.
    pub geometry: MultiPolygon<f64>,
}

/// A service hall or station.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Station {
    /// Stable id (`"ST-0001"`).
    pub id: String,
    /// Name.
    pub name: String,
    /// Level in "1+6+31+N".
    pub level: StationLevel,
    /// Services offered.
    pub services: Vec<Service>,
    /// Opening hours (`"09:00-18:00"`, `"24h"`).
    pub hours: String,
    /// Sub-grid it stands in.
    pub subgrid_code: String,
    /// Longitude, degrees.
    pub lon: f64,
    /// Latitude, degrees.
    pub lat: f64,
}

impl Station {
    /// Whether the station offers `service`.
    ///
    /// ```
    /// use onemap_geo::dataset::{Service, Station, StationLevel};
    /// let s = Station { id: "ST-1".into(), name: "站".into(), level: StationLevel::SubgridStation,
    ///     services: vec![Service::Appeal], hours: "24h".into(), subgrid_code: String::new(),
    ///     lon: 113.9, lat: 22.7 };
    /// assert!(s.offers(Service::Appeal) && !s.offers(Service::Legal));
    /// ```
    #[must_use]
    pub fn offers(&self, service: Service) -> bool {
        self.services.contains(&service)
    }
}

/// A residential rental building (居住出租屋).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Building {
    /// Stable id (`"B-000001"`).
    pub id: String,
    /// Address.
    pub address: String,
    /// Residents.
    pub residents: u32,
    /// Safety rating.
    pub rating: Rating,
    /// `village`, `estate` or `dormitory`.
    pub kind: String,
    /// Sub-grid code as written in the file.
    pub subgrid_code: String,
    /// Longitude, degrees.
    pub lon: f64,
    /// Latitude, degrees.
    pub lat: f64,
}

/// A video camera (视频探头).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Camera {
    /// Stable id (`"CAM-0001"`).
    pub id: String,
    /// Name.
    pub name: String,
    /// `road`, `park`, `checkpoint` or `school`.
    pub kind: String,
    /// Sub-grid code as written in the file.
    pub subgrid_code: String,
    /// Longitude, degrees.
    pub lon: f64,
    /// Latitude, degrees.
    pub lat: f64,
}

/// The layers of a dataset the spatial engine reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    /// Districts.
    pub districts: Vec<AdminUnit>,
    /// Streets.
    pub streets: Vec<AdminUnit>,
    /// Communities.
    pub communities: Vec<AdminUnit>,
    /// Red sub-grids.
    pub subgrids: Vec<AdminUnit>,
    /// Service halls and stations.
    pub stations: Vec<Station>,
    /// Residential rental buildings.
    pub buildings: Vec<Building>,
    /// Video cameras.
    pub cameras: Vec<Camera>,
}

/// The text of each layer file, for [`Dataset::from_sources`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Sources<'a> {
    /// `districts.geojson`.
    pub districts: &'a str,
    /// `streets.geojson`.
    pub streets: &'a str,
    /// `communities.geojson`.
    pub communities: &'a str,
    /// `subgrids.geojson`.
    pub subgrids: &'a str,
    /// `stations.geojson`.
    pub stations: &'a str,
    /// `buildings.geojson`.
    pub buildings: &'a str,
    /// `cameras.geojson` (may be empty: no cameras).
    pub cameras: &'a str,
}

// ---- raw GeoJSON shapes -------------------------------------------------------------------

#[derive(Deserialize)]
struct Collection<P> {
    features: Vec<Feature<P>>,
}

#[derive(Deserialize)]
struct Feature<P> {
    properties: P,
    geometry: Option<Geometry>,
}

#[derive(Deserialize)]
#[serde(tag = "type")]
enum Geometry {
    Point {
        coordinates: [f64; 2],
    },
    Polygon {
        coordinates: Vec<Vec<[f64; 2]>>,
    },
    MultiPolygon {
        coordinates: Vec<Vec<Vec<[f64; 2]>>>,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct UnitProps {
    code: String,
    name: String,
    #[serde(default)]
    district_code: Option<String>,
    #[serde(default)]
    street_code: Option<String>,
    #[serde(default)]
    community_code: Option<String>,
    #[serde(default)]
    population: Option<u64>,
}

#[derive(Deserialize)]
struct StationProps {
    id: String,
    name: String,
    level: StationLevel,
    services: Vec<Service>,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    subgrid_code: String,
}

#[derive(Deserialize)]
struct BuildingProps {
    id: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    residents: u32,
    rating: Rating,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    subgrid_code: String,
}

#[derive(Deserialize)]
struct CameraProps {
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    subgrid_code: String,
}

fn ring(coords: Vec<[f64; 2]>) -> LineString<f64> {
    LineString::new(coords.into_iter().map(|[x, y]| Coord { x, y }).collect())
}

fn polygon(rings: Vec<Vec<[f64; 2]>>) -> Polygon<f64> {
    let mut it = rings.into_iter();
    let exterior = it
        .next()
        .map(ring)
        .unwrap_or_else(|| LineString::new(vec![]));
    Polygon::new(exterior, it.map(ring).collect())
}

fn parse<P: for<'de> Deserialize<'de>>(
    layer: &'static str,
    text: &str,
) -> Result<Vec<Feature<P>>, DatasetError> {
    serde_json::from_str::<Collection<P>>(text)
        .map(|c| c.features)
        .map_err(|e| DatasetError::Parse {
            layer,
            message: e.to_string(),
        })
}

fn point(layer: &'static str, id: &str, g: Option<Geometry>) -> Result<(f64, f64), DatasetError> {
    match g {
        Some(Geometry::Point {
            coordinates: [x, y],
        }) => Ok((x, y)),
        _ => Err(DatasetError::Parse {
            layer,
            message: format!("feature {id}: geometry is not a Point"),
        }),
    }
}

fn units(
    layer: &'static str,
    level: AdminLevel,
    text: &str,
) -> Result<Vec<AdminUnit>, DatasetError> {
    parse::<UnitProps>(layer, text)?
        .into_iter()
        .map(|f| {
            let p = f.properties;
            let geometry = match f.geometry {
                Some(Geometry::Polygon { coordinates }) => {
                    MultiPolygon::new(vec![polygon(coordinates)])
                }
                Some(Geometry::MultiPolygon { coordinates }) => {
                    MultiPolygon::new(coordinates.into_iter().map(polygon).collect())
                }
                _ => {
                    return Err(DatasetError::Parse {
                        layer,
                        message: format!("feature {}: geometry is not a (Multi)Polygon", p.code),
                    });
                }
            };
            let parent_code = match level {
                AdminLevel::District => None,
                AdminLevel::Street => p.district_code,
                AdminLevel::Community => p.street_code,
                AdminLevel::Subgrid => p.community_code,
            };
            if level != AdminLevel::District && parent_code.is_none() {
                return Err(DatasetError::Parse {
                    layer,
                    message: format!("feature {}: no parent code", p.code),
                });
            }
            Ok(AdminUnit {
                level,
                code: p.code,
                name: p.name,
                parent_code,
                population: p.population,
                geometry,
            })
        })
        .collect()
}

impl Dataset {
    /// Parses the layers from their file contents.
    ///
    /// ```
    /// use onemap_geo::dataset::{Dataset, Sources};
    /// let square = r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"440311",
    ///   "properties":{"code":"440311","name":"光明区"},"geometry":{"type":"Polygon",
    ///   "coordinates":[[[113.9,22.7],[114.0,22.7],[114.0,22.8],[113.9,22.8],[113.9,22.7]]]}}]}"#;
    /// let stations = r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"ST-0001",
    ///   "properties":{"id":"ST-0001","name":"光明区群众诉求服务大厅","level":"district_hall",
    ///   "services":["appeal","legal","psych"],"hours":"09:00-18:00","subgrid_code":"440311001001001"},
    ///   "geometry":{"type":"Point","coordinates":[113.95,22.75]}}]}"#;
    /// let empty = r#"{"type":"FeatureCollection","features":[]}"#;
    /// let ds = Dataset::from_sources(&Sources { districts: square, streets: empty,
    ///     communities: empty, subgrids: empty, stations, buildings: empty, cameras: "" }).unwrap();
    /// assert_eq!(ds.districts[0].name, "光明区");
    /// assert_eq!(ds.stations[0].services.len(), 3);
    /// ```
    ///
    /// # Errors
    /// [`DatasetError::Parse`] when a layer is not a FeatureCollection of the schema's shape.
    pub fn from_sources(src: &Sources<'_>) -> Result<Dataset, DatasetError> {
        let stations = parse::<StationProps>("stations", src.stations)?
            .into_iter()
            .map(|f| {
                let (lon, lat) = point("stations", &f.properties.id, f.geometry)?;
                let p = f.properties;
                Ok(Station {
                    id: p.id,
                    name: p.name,
                    level: p.level,
                    services: p.services,
                    hours: p.hours,
                    subgrid_code: p.subgrid_code,
                    lon,
                    lat,
                })
            })
            .collect::<Result<_, DatasetError>>()?;
        let buildings = parse::<BuildingProps>("buildings", src.buildings)?
            .into_iter()
            .map(|f| {
                let (lon, lat) = point("buildings", &f.properties.id, f.geometry)?;
                let p = f.properties;
                Ok(Building {
                    id: p.id,
                    address: p.address,
                    residents: p.residents,
                    rating: p.rating,
                    kind: p.kind,
                    subgrid_code: p.subgrid_code,
                    lon,
                    lat,
                })
            })
            .collect::<Result<_, DatasetError>>()?;
        let cameras = if src.cameras.trim().is_empty() {
            Vec::new()
        } else {
            parse::<CameraProps>("cameras", src.cameras)?
                .into_iter()
                .map(|f| {
                    let (lon, lat) = point("cameras", &f.properties.id, f.geometry)?;
                    let p = f.properties;
                    Ok(Camera {
                        id: p.id,
                        name: p.name,
                        kind: p.kind,
                        subgrid_code: p.subgrid_code,
                        lon,
                        lat,
                    })
                })
                .collect::<Result<_, DatasetError>>()?
        };
        Ok(Dataset {
            districts: units("districts", AdminLevel::District, src.districts)?,
            streets: units("streets", AdminLevel::Street, src.streets)?,
            communities: units("communities", AdminLevel::Community, src.communities)?,
            subgrids: units("subgrids", AdminLevel::Subgrid, src.subgrids)?,
            stations,
            buildings,
            cameras,
        })
    }

    /// Reads the layers from a dataset directory (`districts.geojson`, …). `cameras.geojson`
    /// may be missing; every other layer is required.
    ///
    /// ```no_run
    /// let ds = onemap_geo::dataset::Dataset::from_dir("geodata/guangming".as_ref()).unwrap();
    /// println!("{} buildings", ds.buildings.len());
    /// ```
    ///
    /// # Errors
    /// [`DatasetError::Io`] when a required file cannot be read, [`DatasetError::Parse`] when
    /// its content does not follow the schema.
    pub fn from_dir(dir: &Path) -> Result<Dataset, DatasetError> {
        let read = |name: &str, required: bool| -> Result<String, DatasetError> {
            let path = dir.join(format!("{name}.geojson"));
            match std::fs::read_to_string(&path) {
                Ok(s) => Ok(s),
                Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                    Ok(String::new())
                }
                Err(source) => Err(DatasetError::Io {
                    path: path.display().to_string(),
                    source,
                }),
            }
        };
        let districts = read("districts", true)?;
        let streets = read("streets", true)?;
        let communities = read("communities", true)?;
        let subgrids = read("subgrids", true)?;
        let stations = read("stations", true)?;
        let buildings = read("buildings", true)?;
        let cameras = read("cameras", false)?;
        Dataset::from_sources(&Sources {
            districts: &districts,
            streets: &streets,
            communities: &communities,
            subgrids: &subgrids,
            stations: &stations,
            buildings: &buildings,
            cameras: &cameras,
        })
    }
}
