//! The map's large layers as vector tiles (`{layer}/{z}/{x}/{y}.mvt`), cut lazily from the
//! Atlas by `onemap-tiles` and cached. The HTTP route and the desktop's `tiles://` protocol
//! both call [`MapData::tile_at`].

use std::sync::Arc;

use onemap_geo::dataset::{AdminLevel, Rating};
use onemap_tiles::{Aggregation, PointInput, PointTiles, ShapeTiles, TileCache, TileId};
use serde_json::Value;

use super::{MapData, MapError};

/// Bytes of cut tiles kept in memory (a city-scale session at street level holds a few MB).
const CACHE_BYTES: usize = 48 << 20;

/// Buildings are aggregated into cells in tiles of zoom below this; from it on each building
/// is its own feature (a z14 tile is about 2 km across).
pub const BUILDING_DETAIL_ZOOM: u8 = 14;

/// The layers served as tiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TileLayer {
    /// Rated buildings: cells with `point_count`, `safe`, `general`, `warning` below
    /// [`BUILDING_DETAIL_ZOOM`], then every building with `id` and `rating`.
    Buildings,
    /// Cameras with `id`, `name`, `kind`.
    Cameras,
    /// Red sub-grids with `code` and `name`, clipped per tile.
    Subgrids,
    /// Roads with `id`, `name` and `class`, clipped per tile: arterials at every zoom,
    /// secondary roads from [`SECONDARY_ROAD_ZOOM`], local ones from [`LOCAL_ROAD_ZOOM`].
    Roads,
}

/// The zoom from which the road tiles carry secondary roads.
pub const SECONDARY_ROAD_ZOOM: u8 = 10;
/// The zoom from which the road tiles carry local roads (the map draws them from 13.5).
pub const LOCAL_ROAD_ZOOM: u8 = 13;

impl TileLayer {
    /// Every tiled layer.
    pub const ALL: [TileLayer; 4] = [
        TileLayer::Buildings,
        TileLayer::Cameras,
        TileLayer::Subgrids,
        TileLayer::Roads,
    ];

    /// The name in tile URLs and the `source-layer` inside the tiles.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            TileLayer::Buildings => "buildings",
            TileLayer::Cameras => "cameras",
            TileLayer::Subgrids => "subgrids",
            TileLayer::Roads => "roads",
        }
    }

    /// The tiled layer named `name`.
    ///
    /// ```
    /// use onemap_server::map::TileLayer;
    /// assert_eq!(TileLayer::parse("buildings").unwrap(), TileLayer::Buildings);
    /// assert_eq!(TileLayer::parse("roads").unwrap(), TileLayer::Roads);
    /// assert_eq!(TileLayer::parse("stations").unwrap_err().code(), "not_found");
    /// ```
    ///
    /// # Errors
    /// [`MapError::NotFound`] for a layer that is not tiled.
    pub fn parse(name: &str) -> Result<TileLayer, MapError> {
        TileLayer::ALL
            .into_iter()
            .find(|l| l.as_str() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = TileLayer::ALL.iter().map(|l| l.as_str()).collect();
                MapError::NotFound(format!(
                    "no tiled layer {name:?} (one of: {})",
                    names.join(", ")
                ))
            })
    }
}

/// The tiled layers, indexed once on first use.
#[derive(Debug)]
pub(super) struct Tiles {
    buildings: PointTiles,
    cameras: PointTiles,
    subgrids: ShapeTiles,
    cache: TileCache<(TileLayer, TileId)>,
}

/// The road layer, kept only as tiles: at city scale its GeoJSON (112,000 roads, 26 MB) would
/// be parsed and indexed again in the webview.
#[derive(Debug)]
pub(super) struct Roads {
    tiles: ShapeTiles,
    /// Per road: `id`, `name`, `class`.
    props: Vec<[Box<str>; 3]>,
}

impl Roads {
    /// How many roads.
    pub(super) fn len(&self) -> usize {
        self.props.len()
    }

    /// The roads of a `roads.geojson` FeatureCollection's features (LineString or
    /// MultiLineString; other geometry is kept as an empty shape).
    pub(super) fn from_features(features: &[Value]) -> Roads {
        let text = |f: &Value, k: &str| -> Box<str> {
            f.get("properties")
                .and_then(|p| p.get(k))
                .and_then(Value::as_str)
                .unwrap_or("")
                .into()
        };
        let props: Vec<[Box<str>; 3]> = features
            .iter()
            .map(|f| [text(f, "id"), text(f, "name"), text(f, "class")])
            .collect();
        let shapes = features.iter().map(|f| {
            f.get("geometry")
                .and_then(line_geometry)
                .unwrap_or(geo::Geometry::MultiLineString(geo::MultiLineString(vec![])))
        });
        let zooms = props.iter().map(|[_, _, class]| match &**class {
            "local" => LOCAL_ROAD_ZOOM,
            "secondary" => SECONDARY_ROAD_ZOOM,
            _ => 0,
        });
        Roads {
            tiles: ShapeTiles::new(TileLayer::Roads.as_str(), shapes).with_min_zooms(zooms),
            props,
        }
    }
}

/// A GeoJSON LineString or MultiLineString as a geo geometry (lon/lat).
fn line_geometry(g: &Value) -> Option<geo::Geometry<f64>> {
    fn line(v: &Value) -> Option<geo::LineString<f64>> {
        v.as_array()?
            .iter()
            .map(|c| Some(geo::coord! { x: c.get(0)?.as_f64()?, y: c.get(1)?.as_f64()? }))
            .collect::<Option<Vec<_>>>()
            .map(geo::LineString::new)
    }
    let coords = g.get("coordinates")?;
    match g.get("type")?.as_str()? {
        "LineString" => Some(geo::Geometry::LineString(line(coords)?)),
        "MultiLineString" => Some(geo::Geometry::MultiLineString(geo::MultiLineString(
            coords
                .as_array()?
                .iter()
                .map(line)
                .collect::<Option<Vec<_>>>()?,
        ))),
        _ => None,
    }
}

fn rating_class(r: Rating) -> u8 {
    match r {
        Rating::Safe => 0,
        Rating::General => 1,
        Rating::Warning => 2,
    }
}

impl Tiles {
    pub(super) fn build(map: &MapData) -> Tiles {
        let atlas = &map.atlas;
        let buildings = PointTiles::new(
            TileLayer::Buildings.as_str(),
            atlas.buildings().iter().map(|b| PointInput {
                lon: b.lon,
                lat: b.lat,
                class: rating_class(b.rating),
            }),
            Some(Aggregation {
                below_zoom: BUILDING_DETAIL_ZOOM,
                cells_log2: 3,
                classes: Rating::ALL.iter().map(|r| r.as_str().to_string()).collect(),
            }),
        );
        let cameras = PointTiles::new(
            TileLayer::Cameras.as_str(),
            atlas.cameras().iter().map(|c| PointInput {
                lon: c.lon,
                lat: c.lat,
                class: 0,
            }),
            None,
        );
        let plane = atlas.plane();
        let subgrids = ShapeTiles::new(
            TileLayer::Subgrids.as_str(),
            atlas.units(AdminLevel::Subgrid).iter().map(|u| {
                use geo::MapCoords;
                geo::Geometry::MultiPolygon(u.geometry.map_coords(|c| {
                    let (lon, lat) = plane.inverse(c.x, c.y);
                    geo::Coord { x: lon, y: lat }
                }))
            }),
        );
        Tiles {
            buildings,
            cameras,
            subgrids,
            cache: TileCache::new(CACHE_BYTES),
        }
    }
}

/// Parses `{z}/{x}/{y}.mvt` (the `.mvt` is optional).
fn parse_zxy(z: &str, x: &str, y: &str) -> Result<TileId, MapError> {
    let y = y.strip_suffix(".mvt").unwrap_or(y);
    let bad =
        |what: &str, v: &str| MapError::Invalid(format!("tile {what} {v:?} is not a whole number"));
    let z: u8 = z.parse().map_err(|_| bad("zoom", z))?;
    let x: u32 = x.parse().map_err(|_| bad("column", x))?;
    let y: u32 = y.parse().map_err(|_| bad("row", y))?;
    TileId::new(z, x, y).map_err(|e| MapError::Invalid(e.to_string()))
}

impl MapData {
    fn tiles(&self) -> &Tiles {
        self.tiles.get_or_init(|| Tiles::build(self))
    }

    /// Tile `t` of `layer` as MVT bytes (empty when nothing lies in it), cut on first use and
    /// cached.
    #[must_use]
    pub fn tile(&self, layer: TileLayer, t: TileId) -> Arc<Vec<u8>> {
        let tiles = self.tiles();
        tiles.cache.get_or_cut((layer, t), || match layer {
            TileLayer::Buildings => tiles.buildings.tile(t, &|i, p| {
                if let Some(b) = self.atlas.buildings().get(i) {
                    p.str("id", &b.id).str("rating", b.rating.as_str());
                }
            }),
            TileLayer::Cameras => tiles.cameras.tile(t, &|i, p| {
                if let Some(c) = self.atlas.cameras().get(i) {
                    p.str("id", &c.id).str("name", &c.name).str("kind", &c.kind);
                }
            }),
            TileLayer::Subgrids => tiles.subgrids.tile(t, &|i, p| {
                if let Some(u) = self.atlas.units(AdminLevel::Subgrid).get(i) {
                    p.str("code", &u.code).str("name", &u.name);
                }
            }),
            TileLayer::Roads => self.roads.tiles.tile(t, &|i, p| {
                if let Some([id, name, class]) = self.roads.props.get(i) {
                    p.str("id", id).str("name", name).str("class", class);
                }
            }),
        })
    }

    /// The tile at `path`, `{layer}/{z}/{x}/{y}.mvt` (a leading `/` is allowed): what the
    /// HTTP route `/tiles/…` and the desktop's `tiles://localhost/…` serve.
    ///
    /// # Errors
    /// [`MapError::NotFound`] for a layer that is not tiled; [`MapError::Invalid`] for a path
    /// that is not a tile address.
    pub fn tile_at(&self, path: &str) -> Result<Arc<Vec<u8>>, MapError> {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let [layer, z, x, y] = parts[..] else {
            return Err(MapError::Invalid(format!(
                "a tile path is {{layer}}/{{z}}/{{x}}/{{y}}.mvt, not {path:?}"
            )));
        };
        let layer = TileLayer::parse(layer)?;
        Ok(self.tile(layer, parse_zxy(z, x, y)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onemap_tiles::TileId;
    use serde_json::json;

    fn road(id: &str, class: &str, coords: Value) -> Value {
        json!({
            "type": "Feature",
            "properties": { "id": id, "name": format!("{id}路"), "class": class },
            "geometry": { "type": "LineString", "coordinates": coords },
        })
    }

    #[test]
    fn road_tiles_carry_each_class_from_its_own_zoom() {
        // Three roads degrees apart, so no tile below holds two of them.
        let roads = Roads::from_features(&[
            road("R1", "arterial", json!([[110.90, 20.70], [110.91, 20.71]])),
            road("R2", "secondary", json!([[114.20, 22.60], [114.21, 22.61]])),
            road("R3", "local", json!([[117.60, 24.90], [117.61, 24.91]])),
        ]);
        assert_eq!(roads.len(), 3);
        let present = |lon: f64, lat: f64, z: u8| {
            !roads
                .tiles
                .tile(TileId::containing(lon, lat, z), &|_, _| {})
                .is_empty()
        };
        assert!(
            present(110.905, 20.705, 8),
            "an arterial belongs in a city-wide tile"
        );
        assert!(!present(114.205, 22.605, SECONDARY_ROAD_ZOOM - 1));
        assert!(present(114.205, 22.605, SECONDARY_ROAD_ZOOM));
        assert!(!present(117.605, 24.905, LOCAL_ROAD_ZOOM - 1));
        assert!(present(117.605, 24.905, LOCAL_ROAD_ZOOM));
    }

    #[test]
    fn a_multilinestring_road_is_kept_and_other_geometry_is_left_out_of_the_tiles() {
        let multi = json!({
            "type": "Feature",
            "properties": { "id": "R1", "class": "arterial" },
            "geometry": { "type": "MultiLineString", "coordinates": [
                [[113.90, 22.70], [113.91, 22.71]], [[113.92, 22.72], [113.93, 22.73]],
            ] },
        });
        let point = json!({
            "type": "Feature",
            "properties": { "id": "R2", "class": "arterial" },
            "geometry": { "type": "Point", "coordinates": [114.2, 22.6] },
        });
        let roads = Roads::from_features(&[multi, point]);
        assert_eq!(
            roads.len(),
            2,
            "every feature keeps its index, so props stay aligned"
        );
        let tile = |lon, lat| {
            roads
                .tiles
                .tile(TileId::containing(lon, lat, 14), &|_, _| {})
        };
        assert!(!tile(113.925, 22.725).is_empty());
        assert!(tile(114.2, 22.6).is_empty());
    }
}
