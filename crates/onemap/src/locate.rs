//! Locating a case: from a point to its red sub-grid, and from a sub-grid code to its community,
//! street and district.
//!
//! The spatial work belongs to the geo core (`onemap_geo::Atlas`); this crate only needs the
//! [`Locator`] trait. The store holds the current locator as an `Arc` snapshot that is swapped
//! whole when a layer changes, so readers never wait for a rebuild.

use std::sync::Arc;

use serde::Serialize;

/// Where a point lies in the administrative tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The red sub-grid's code (community code + 3 digits).
    pub subgrid_code: String,
    /// The community's 12-digit code.
    pub community_code: String,
    /// The street's 9-digit code.
    pub street_code: String,
    /// The district's 6-digit code.
    pub district_code: String,
}

impl Location {
    /// The location of a sub-grid from its code alone: the codes nest (a sub-grid is its
    /// community's 12 digits plus 3, a community its street's 9 plus 3, a street its district's
    /// 6 plus 3).
    ///
    /// ```
    /// use onemap::locate::Location;
    /// let l = Location::from_subgrid_code("440311001001003").unwrap();
    /// assert_eq!(l.community_code, "440311001001");
    /// assert_eq!(l.street_code, "440311001");
    /// assert_eq!(l.district_code, "440311");
    /// ```
    pub fn from_subgrid_code(code: &str) -> Option<Location> {
        if code.len() != 15 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(Location {
            subgrid_code: code.to_string(),
            community_code: code[..12].to_string(),
            street_code: code[..9].to_string(),
            district_code: code[..6].to_string(),
        })
    }
}

/// Finds the sub-grid containing a point.
pub trait Locator: Send + Sync {
    /// The location of (`lon`, `lat`) (WGS84), or `None` outside every sub-grid.
    fn locate(&self, lon: f64, lat: f64) -> Option<Location>;

    /// The geo core's Atlas behind this locator, when it is one: the dashboard and the risk
    /// score read coverage and ratings from the same snapshot cases are located with.
    fn atlas(&self) -> Option<&onemap_geo::atlas::Atlas> {
        None
    }
}

/// A locator that knows no sub-grids (before any layer is loaded): every point is unlocated.
#[derive(Debug, Default, Clone, Copy)]
pub struct Nowhere;

impl Locator for Nowhere {
    fn locate(&self, _lon: f64, _lat: f64) -> Option<Location> {
        None
    }
}

/// A locator and, when it is one, the geo core's Atlas behind it.
pub type LocatorAndAtlas = (Arc<dyn Locator>, Option<Arc<onemap_geo::atlas::Atlas>>);

/// Builds a fresh locator from the layers in the store (after an import or a rating change).
pub trait AtlasBuilder: Send + Sync {
    /// Builds from a dataset: layer name → GeoJSON FeatureCollection text, the layout of
    /// `geodata/guangming/`.
    fn build(&self, layers: &[(String, String)]) -> crate::Result<Arc<dyn Locator>>;

    /// Builds the locator and, when it is one, the geo core's Atlas behind it (planning works
    /// on the Atlas itself). By default: [`AtlasBuilder::build`] and no Atlas.
    fn build_with_atlas(&self, layers: &[(String, String)]) -> crate::Result<LocatorAndAtlas> {
        Ok((self.build(layers)?, None))
    }
}

/// A plain locator over the sub-grid polygons: a bounding-box filter then point-in-polygon.
/// Used until (and where) no geo-core Atlas is plugged in; exact, and fast enough for the
/// 264 sub-grids of a district.
#[derive(Debug, Default)]
pub struct SubgridPolygons {
    grids: Vec<(geo::Rect<f64>, geo::MultiPolygon<f64>, Location)>,
}

impl SubgridPolygons {
    /// Builds from the features of a `subgrids` layer (GeoJSON features as JSON values);
    /// features without a valid code or polygon are skipped.
    pub fn from_features(features: &[serde_json::Value]) -> SubgridPolygons {
        use geo::BoundingRect;
        let grids = features
            .iter()
            .filter_map(|f| {
                let code = f.pointer("/properties/code")?.as_str()?;
                let loc = Location::from_subgrid_code(code)?;
                let shape = crate::geometry::parse(f.get("geometry")?).ok()?;
                let mp = match shape {
                    geo::Geometry::Polygon(p) => geo::MultiPolygon(vec![p]),
                    geo::Geometry::MultiPolygon(mp) => mp,
                    _ => return None,
                };
                Some((mp.bounding_rect()?, mp, loc))
            })
            .collect();
        SubgridPolygons { grids }
    }

    /// Number of sub-grids known.
    pub fn len(&self) -> usize {
        self.grids.len()
    }

    /// Whether no sub-grid is known.
    pub fn is_empty(&self) -> bool {
        self.grids.is_empty()
    }
}

impl Locator for SubgridPolygons {
    fn locate(&self, lon: f64, lat: f64) -> Option<Location> {
        use geo::Intersects;
        let p = geo::Point::new(lon, lat);
        self.grids
            .iter()
            .find(|(r, mp, _)| r.intersects(&p) && mp.intersects(&p))
            .map(|(_, _, l)| l.clone())
    }
}

/// Builds a [`SubgridPolygons`] locator from the `subgrids` layer.
#[derive(Debug, Default, Clone, Copy)]
pub struct SubgridPolygonsBuilder;

impl AtlasBuilder for SubgridPolygonsBuilder {
    fn build(&self, layers: &[(String, String)]) -> crate::Result<Arc<dyn Locator>> {
        let Some((_, text)) = layers.iter().find(|(n, _)| n == "subgrids") else {
            return Ok(Arc::new(Nowhere));
        };
        let fc: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| crate::Error::invalid(format!("subgrids layer: {e}")))?;
        let features = fc
            .get("features")
            .and_then(|f| f.as_array())
            .cloned()
            .unwrap_or_default();
        Ok(Arc::new(SubgridPolygons::from_features(&features)))
    }
}

impl Locator for onemap_geo::atlas::Atlas {
    fn locate(&self, lon: f64, lat: f64) -> Option<Location> {
        let l = onemap_geo::atlas::Atlas::locate(self, lon, lat)?;
        Some(Location {
            subgrid_code: l.subgrid.code,
            community_code: l.community.code,
            street_code: l.street.code,
            district_code: l.district.code,
        })
    }

    fn atlas(&self) -> Option<&onemap_geo::atlas::Atlas> {
        Some(self)
    }
}

/// Builds the geo core's [`onemap_geo::atlas::Atlas`] from the stored layers. The Atlas needs
/// the whole administrative tree; while the store holds only part of it (a fresh store, or
/// test fixtures with sub-grids alone) the plain [`SubgridPolygons`] locator stands in.
#[derive(Debug, Default, Clone, Copy)]
pub struct GeoAtlasBuilder;

impl AtlasBuilder for GeoAtlasBuilder {
    fn build(&self, layers: &[(String, String)]) -> crate::Result<Arc<dyn Locator>> {
        Ok(self.build_with_atlas(layers)?.0)
    }

    fn build_with_atlas(&self, layers: &[(String, String)]) -> crate::Result<LocatorAndAtlas> {
        const EMPTY: &str = r#"{"type":"FeatureCollection","features":[]}"#;
        let get = |name: &str| {
            layers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, t)| t.as_str())
        };
        let tree = ["districts", "streets", "communities", "subgrids"];
        if tree.iter().any(|n| get(n).is_none()) {
            return Ok((SubgridPolygonsBuilder.build(layers)?, None));
        }
        let sources = onemap_geo::dataset::Sources {
            districts: get("districts").unwrap_or(EMPTY),
            streets: get("streets").unwrap_or(EMPTY),
            communities: get("communities").unwrap_or(EMPTY),
            subgrids: get("subgrids").unwrap_or(EMPTY),
            stations: get("stations").unwrap_or(EMPTY),
            buildings: get("buildings").unwrap_or(EMPTY),
            cameras: get("cameras").unwrap_or(""),
        };
        let atlas = onemap_geo::dataset::Dataset::from_sources(&sources)
            .and_then(onemap_geo::atlas::Atlas::from_dataset)
            .map_err(|e| crate::Error::invalid(format!("building the Atlas: {e}")))?;
        let atlas = Arc::new(atlas);
        Ok((Arc::clone(&atlas) as Arc<dyn Locator>, Some(atlas)))
    }
}
