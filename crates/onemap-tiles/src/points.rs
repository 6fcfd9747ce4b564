//! Point layers (buildings, cameras) cut into tiles, aggregated into cells at low zoom.
//!
//! Points are quantised to a 2^31 grid per world side and sorted by their Morton (Z-order)
//! code. Every tile, and every aggregation cell inside a tile, is then one contiguous run of
//! that order: cutting a tile is two binary searches and a walk over the points it holds, and
//! the index costs 12 bytes per point.
//!
//! Each point lands in exactly one tile (no buffer): MapLibre draws circles and symbols whole
//! across tile edges, and a point copied into two tiles would be drawn twice.

use crate::TileId;
use crate::encode::{EXTENT, LayerBuilder, Props};
use crate::tile_id::lonlat_to_world;

/// Bits per axis of the quantised world.
const BITS: u32 = 31;

/// One point to tile: where it is and its class (an index into the layer's class names; for
/// buildings the rating).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointInput {
    /// Longitude, degrees (WGS84).
    pub lon: f64,
    /// Latitude, degrees (WGS84).
    pub lat: f64,
    /// Index into [`Aggregation::classes`] (0 when the layer has no classes).
    pub class: u8,
}

/// How a layer aggregates at low zoom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aggregation {
    /// Tiles of zoom below this hold cells, not points (14: every point from zoom 14 on).
    pub below_zoom: u8,
    /// Cells per tile side, as a power of two (3: 8 × 8 cells, 64 px on a 512-px tile).
    pub cells_log2: u8,
    /// The class names, counted per cell as properties of the same name.
    pub classes: Vec<String>,
}

/// A point layer ready to cut.
#[derive(Debug, Clone)]
pub struct PointTiles {
    name: String,
    /// Morton codes, ascending.
    codes: Vec<u64>,
    /// `order[k]`: the caller's index of the point with `codes[k]`.
    order: Vec<u32>,
    /// `classes[k]`: the class of the point with `codes[k]`.
    classes: Vec<u8>,
    aggregation: Option<Aggregation>,
}

/// Spreads the low 32 bits of `v` over the even bits of a u64.
fn spread(v: u32) -> u64 {
    let mut x = u64::from(v);
    x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF;
    x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x << 2)) & 0x3333_3333_3333_3333;
    x = (x | (x << 1)) & 0x5555_5555_5555_5555;
    x
}

/// The inverse of [`spread`].
fn compact(v: u64) -> u32 {
    let mut x = v & 0x5555_5555_5555_5555;
    x = (x | (x >> 1)) & 0x3333_3333_3333_3333;
    x = (x | (x >> 2)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x >> 4)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x >> 8)) & 0x0000_FFFF_0000_FFFF;
    x = (x | (x >> 16)) & 0x0000_0000_FFFF_FFFF;
    #[allow(clippy::cast_possible_truncation)]
    let c = x as u32;
    c
}

fn morton(qx: u32, qy: u32) -> u64 {
    spread(qx) | (spread(qy) << 1)
}

fn quantise(w: f64) -> u32 {
    let max = f64::from((1u32 << BITS) - 1);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let q = (w * f64::from(1u32 << BITS)).floor().clamp(0.0, max) as u32;
    q
}

/// The Morton range [lo, hi) of a tile.
fn tile_range(t: TileId) -> (u64, u64) {
    let shift = 2 * (BITS - u32::from(t.z));
    let lo = morton(t.x, t.y) << shift;
    (lo, lo + (1u64 << shift))
}

/// A point's position in tile coordinates (0 .. EXTENT) from its Morton code.
fn tile_xy(code: u64, t: TileId) -> (f64, f64) {
    let (qx, qy) = (compact(code), compact(code >> 1));
    let span = f64::from(1u32 << (BITS - u32::from(t.z)));
    let x0 = f64::from(t.x) * span;
    let y0 = f64::from(t.y) * span;
    let scale = f64::from(EXTENT) / span;
    ((f64::from(qx) - x0) * scale, (f64::from(qy) - y0) * scale)
}

#[allow(clippy::cast_possible_truncation)]
fn to_i32(v: f64) -> i32 {
    v.floor().clamp(0.0, f64::from(EXTENT - 1)) as i32
}

impl PointTiles {
    /// Indexes `points` for the layer `name` (the `source-layer` in the style). Point `i` of
    /// the input is the index the property writer of [`PointTiles::tile`] is called with.
    ///
    /// ```
    /// use onemap_tiles::{PointInput, PointTiles};
    /// let pts = [PointInput { lon: 113.93, lat: 22.75, class: 0 }];
    /// let layer = PointTiles::new("cameras", pts, None);
    /// assert_eq!(layer.len(), 1);
    /// ```
    #[must_use]
    pub fn new(
        name: &str,
        points: impl IntoIterator<Item = PointInput>,
        aggregation: Option<Aggregation>,
    ) -> PointTiles {
        let mut keyed: Vec<(u64, u32, u8)> = points
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let [wx, wy] = lonlat_to_world(p.lon, p.lat);
                #[allow(clippy::cast_possible_truncation)]
                let i = i as u32;
                (morton(quantise(wx), quantise(wy)), i, p.class)
            })
            .collect();
        keyed.sort_unstable_by_key(|&(code, i, _)| (code, i));
        PointTiles {
            name: name.to_string(),
            codes: keyed.iter().map(|k| k.0).collect(),
            order: keyed.iter().map(|k| k.1).collect(),
            classes: keyed.iter().map(|k| k.2).collect(),
            aggregation,
        }
    }

    /// The layer's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How many points the layer holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether the layer holds no point.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// How many points lie in tile `t` (whatever the zoom aggregates them into).
    ///
    /// ```
    /// use onemap_tiles::{PointInput, PointTiles, TileId};
    /// let pts = [PointInput { lon: 113.93, lat: 22.75, class: 0 }];
    /// let layer = PointTiles::new("cameras", pts, None);
    /// assert_eq!(layer.count_in(TileId::containing(113.93, 22.75, 12)), 1);
    /// assert_eq!(layer.count_in(TileId::containing(-70.0, 22.75, 12)), 0);
    /// ```
    #[must_use]
    pub fn count_in(&self, t: TileId) -> usize {
        let (a, b) = self.run(t);
        b - a
    }

    /// The positions in `codes` of tile `t`'s points.
    fn run(&self, t: TileId) -> (usize, usize) {
        let (lo, hi) = tile_range(t);
        (
            self.codes.partition_point(|&c| c < lo),
            self.codes.partition_point(|&c| c < hi),
        )
    }

    /// Adds tile `t`'s features to `layer`. `props(i, p)` writes the properties of the
    /// caller's point `i` (a single point); cells get `point_count` and one count per class.
    pub fn cut_into(
        &self,
        t: TileId,
        layer: &mut LayerBuilder,
        props: &dyn Fn(usize, &mut Props<'_>),
    ) {
        let (a, b) = self.run(t);
        match &self.aggregation {
            Some(agg) if t.z < agg.below_zoom => self.cells(t, a, b, agg, layer, props),
            _ => {
                for k in a..b {
                    let (x, y) = tile_xy(self.codes[k], t);
                    layer.point(to_i32(x), to_i32(y), |p| props(self.order[k] as usize, p));
                }
            }
        }
    }

    fn cells(
        &self,
        t: TileId,
        a: usize,
        b: usize,
        agg: &Aggregation,
        layer: &mut LayerBuilder,
        props: &dyn Fn(usize, &mut Props<'_>),
    ) {
        let cell_zoom = (u32::from(t.z) + u32::from(agg.cells_log2)).min(BITS);
        let shift = 2 * (BITS - cell_zoom);
        let mut counts = vec![0u64; agg.classes.len().max(1)];
        let mut k = a;
        while k < b {
            let cell = self.codes[k] >> shift;
            let start = k;
            let (mut sx, mut sy) = (0.0, 0.0);
            counts.iter_mut().for_each(|c| *c = 0);
            while k < b && self.codes[k] >> shift == cell {
                let (x, y) = tile_xy(self.codes[k], t);
                sx += x;
                sy += y;
                if let Some(c) = counts.get_mut(usize::from(self.classes[k])) {
                    *c += 1;
                }
                k += 1;
            }
            let n = k - start;
            if n == 1 {
                let (x, y) = tile_xy(self.codes[start], t);
                layer.point(to_i32(x), to_i32(y), |p| {
                    props(self.order[start] as usize, p);
                });
                continue;
            }
            #[allow(clippy::cast_precision_loss)]
            let nf = n as f64;
            layer.point(to_i32(sx / nf), to_i32(sy / nf), |p| {
                p.uint("point_count", n as u64);
                for (name, &c) in agg.classes.iter().zip(&counts) {
                    p.uint(name, c);
                }
            });
        }
    }

    /// Tile `t` of this layer alone, as MVT bytes (empty when no point lies in it).
    ///
    /// ```
    /// use onemap_tiles::{PointInput, PointTiles, TileId};
    /// let pts = [PointInput { lon: 113.93, lat: 22.75, class: 0 }];
    /// let layer = PointTiles::new("cameras", pts, None);
    /// let bytes = layer.tile(TileId::containing(113.93, 22.75, 14), &|_, p| { p.str("id", "CAM-1"); });
    /// assert!(!bytes.is_empty());
    /// assert!(layer.tile(TileId::new(14, 0, 0).unwrap(), &|_, _| {}).is_empty());
    /// ```
    #[must_use]
    pub fn tile(&self, t: TileId, props: &dyn Fn(usize, &mut Props<'_>)) -> Vec<u8> {
        let mut layer = LayerBuilder::new(&self.name);
        self.cut_into(t, &mut layer, props);
        crate::encode::encode_tile(vec![layer])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn morton_codes_round_trip() {
        for (x, y) in [(0, 0), (1, 2), (0x7FFF_FFFF, 5), (123_456_789, 987_654_321)] {
            let c = morton(x, y);
            assert_eq!((compact(c), compact(c >> 1)), (x, y));
        }
    }

    #[test]
    fn a_tile_range_holds_exactly_the_codes_of_its_four_children() {
        let t = TileId::new(10, 837, 444).expect("a tile on the grid");
        let (lo, hi) = tile_range(t);
        let kids = [(0, 0), (1, 0), (0, 1), (1, 1)].map(|(dx, dy)| {
            tile_range(TileId::new(11, 2 * t.x + dx, 2 * t.y + dy).expect("a tile on the grid"))
        });
        let min = kids.iter().map(|k| k.0).min().expect("four children");
        let max = kids.iter().map(|k| k.1).max().expect("four children");
        assert_eq!((min, max), (lo, hi));
        let total: u64 = kids.iter().map(|k| k.1 - k.0).sum();
        assert_eq!(total, hi - lo);
    }
}
