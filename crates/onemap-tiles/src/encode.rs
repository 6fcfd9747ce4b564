//! Building one MVT layer: features with their geometry commands and a property table.
//!
//! The protobuf messages, the key/value tables and the command encoding of lines and
//! polygons are geozero's (generated from the spec's `vector_tile.proto`); this module adds
//! the property writer the layers fill and the point encoding they need most.

use geozero::ToMvt;
use geozero::mvt::tile::{self, GeomType};
use geozero::mvt::{Message, TagsBuilder, Tile, TileValue};

/// Tile coordinate space per side (the spec's usual 4096).
pub const EXTENT: u32 = 4096;

/// The spec's MoveTo command with a count of 1 (`id 1 | count 1 << 3`).
const MOVE_TO_ONE: u32 = 9;

/// Zigzag encoding of a geometry parameter (spec 4.3.2).
///
/// ```
/// assert_eq!(onemap_tiles::encode::zigzag(0), 0);
/// assert_eq!(onemap_tiles::encode::zigzag(-1), 1);
/// assert_eq!(onemap_tiles::encode::zigzag(1), 2);
/// assert_eq!(onemap_tiles::encode::zigzag(25), 50);
/// ```
#[must_use]
pub fn zigzag(n: i32) -> u32 {
    #[allow(clippy::cast_sign_loss)]
    let z = ((n << 1) ^ (n >> 31)) as u32;
    z
}

/// The properties of one feature being written: keys and values go into the layer's shared
/// tables, the feature keeps index pairs.
pub struct Props<'a> {
    tags: &'a mut TagsBuilder,
    pairs: Vec<u32>,
}

impl Props<'_> {
    fn put(&mut self, key: &str, value: TileValue) -> &mut Self {
        let (k, v) = self.tags.insert_ref(key, value);
        self.pairs.push(k);
        self.pairs.push(v);
        self
    }

    /// A string property.
    pub fn str(&mut self, key: &str, value: &str) -> &mut Self {
        self.put(key, TileValue::Str(value.to_string()))
    }

    /// An unsigned integer property (counts).
    pub fn uint(&mut self, key: &str, value: u64) -> &mut Self {
        self.put(key, TileValue::Uint(value))
    }

    /// A signed integer property.
    pub fn int(&mut self, key: &str, value: i64) -> &mut Self {
        self.put(key, TileValue::Sint(value))
    }

    /// A floating-point property.
    pub fn double(&mut self, key: &str, value: f64) -> &mut Self {
        self.put(key, TileValue::Double(value))
    }

    /// A boolean property.
    pub fn bool(&mut self, key: &str, value: bool) -> &mut Self {
        self.put(key, TileValue::Bool(value))
    }
}

/// One layer of one tile, being filled.
pub struct LayerBuilder {
    name: String,
    tags: TagsBuilder,
    features: Vec<tile::Feature>,
}

impl LayerBuilder {
    /// An empty layer named `name` (the `source-layer` of the map's style).
    #[must_use]
    pub fn new(name: &str) -> LayerBuilder {
        LayerBuilder {
            name: name.to_string(),
            tags: TagsBuilder::new(),
            features: Vec::new(),
        }
    }

    /// How many features the layer holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// Whether the layer holds no feature.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    fn push(&mut self, kind: GeomType, geometry: Vec<u32>, props: impl FnOnce(&mut Props<'_>)) {
        let mut p = Props {
            tags: &mut self.tags,
            pairs: Vec::new(),
        };
        props(&mut p);
        let mut f = tile::Feature {
            tags: p.pairs,
            geometry,
            ..Default::default()
        };
        f.set_type(kind);
        self.features.push(f);
    }

    /// A point at tile coordinates (x, y), with its properties.
    pub fn point(&mut self, x: i32, y: i32, props: impl FnOnce(&mut Props<'_>)) {
        self.push(
            GeomType::Point,
            vec![MOVE_TO_ONE, zigzag(x), zigzag(y)],
            props,
        );
    }

    /// Lines or polygons already in tile coordinates (integers, clipped, outer rings clockwise
    /// on screen): encoded with geozero's command writer. Empty or degenerate geometry adds
    /// nothing.
    pub fn shape(&mut self, geometry: &geo::Geometry<f64>, props: impl FnOnce(&mut Props<'_>)) {
        let kind = match geometry {
            geo::Geometry::LineString(_) | geo::Geometry::MultiLineString(_) => {
                GeomType::Linestring
            }
            geo::Geometry::Polygon(_) | geo::Geometry::MultiPolygon(_) => GeomType::Polygon,
            _ => return,
        };
        // geozero refuses rings and lines with too few coordinates; callers drop those first,
        // so a refusal here only means there is nothing to draw.
        if let Ok(f) = geometry.to_mvt_unscaled()
            && !f.geometry.is_empty()
        {
            self.push(kind, f.geometry, props);
        }
    }

    /// The finished layer message.
    #[must_use]
    pub fn finish(self) -> tile::Layer {
        let (keys, values) = self.tags.into_tags();
        tile::Layer {
            version: 2,
            name: self.name,
            features: self.features,
            keys,
            values: values.into_iter().map(Into::into).collect(),
            extent: Some(EXTENT),
        }
    }
}

/// A tile of the given layers as protobuf bytes; layers without features are left out, so a
/// tile with nothing in it is zero bytes (a valid, empty tile).
#[must_use]
pub fn encode_tile(layers: Vec<LayerBuilder>) -> Vec<u8> {
    let tile = Tile {
        layers: layers
            .into_iter()
            .filter(|l| !l.is_empty())
            .map(LayerBuilder::finish)
            .collect(),
    };
    tile.encode_to_vec()
}
