//! GeoJSON geometries as JSON values: parsing into `geo` types, checking, and transforming
//! coordinates in place.

use geo::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use serde_json::Value;

use crate::error::{Error, Result};

fn bad(msg: impl Into<String>) -> Error {
    Error::Invalid(msg.into())
}

fn coord(v: &Value) -> Result<Coord<f64>> {
    let a = v
        .as_array()
        .ok_or_else(|| bad("a position is not an array"))?;
    if a.len() < 2 {
        return Err(bad("a position has fewer than 2 numbers"));
    }
    let x = a[0]
        .as_f64()
        .ok_or_else(|| bad("a longitude is not a number"))?;
    let y = a[1]
        .as_f64()
        .ok_or_else(|| bad("a latitude is not a number"))?;
    if !x.is_finite() || !y.is_finite() {
        return Err(bad("a coordinate is not finite"));
    }
    if !(-180.0..=180.0).contains(&x) || !(-90.0..=90.0).contains(&y) {
        return Err(bad(format!("coordinate ({x}, {y}) is out of range")));
    }
    Ok(Coord { x, y })
}

fn array(v: &Value) -> Result<&Vec<Value>> {
    v.as_array()
        .ok_or_else(|| bad("coordinates are not nested arrays"))
}

fn line(v: &Value) -> Result<LineString<f64>> {
    let cs = array(v)?.iter().map(coord).collect::<Result<Vec<_>>>()?;
    if cs.len() < 2 {
        return Err(bad("a line has fewer than 2 positions"));
    }
    Ok(LineString(cs))
}

fn ring(v: &Value) -> Result<LineString<f64>> {
    let r = line(v)?;
    if r.0.len() < 4 {
        return Err(bad("a polygon ring has fewer than 4 positions"));
    }
    if r.0.first() != r.0.last() {
        return Err(bad("a polygon ring is not closed"));
    }
    Ok(r)
}

fn polygon(v: &Value) -> Result<Polygon<f64>> {
    let rings = array(v)?;
    let (first, rest) = rings
        .split_first()
        .ok_or_else(|| bad("a polygon has no rings"))?;
    Ok(Polygon::new(
        ring(first)?,
        rest.iter().map(ring).collect::<Result<_>>()?,
    ))
}

/// Parses a GeoJSON geometry object (positions checked for range, rings for closure).
pub fn parse(g: &Value) -> Result<Geometry<f64>> {
    let ty = g
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("geometry has no type"))?;
    let c = g
        .get("coordinates")
        .ok_or_else(|| bad("geometry has no coordinates"))?;
    Ok(match ty {
        "Point" => Geometry::Point(Point(coord(c)?)),
        "MultiPoint" => Geometry::MultiPoint(MultiPoint(
            array(c)?
                .iter()
                .map(|p| coord(p).map(Point))
                .collect::<Result<_>>()?,
        )),
        "LineString" => Geometry::LineString(line(c)?),
        "MultiLineString" => Geometry::MultiLineString(MultiLineString(
            array(c)?.iter().map(line).collect::<Result<_>>()?,
        )),
        "Polygon" => Geometry::Polygon(polygon(c)?),
        "MultiPolygon" => Geometry::MultiPolygon(MultiPolygon(
            array(c)?.iter().map(polygon).collect::<Result<_>>()?,
        )),
        other => return Err(bad(format!("unsupported geometry type {other}"))),
    })
}

/// Applies `f` to every position of a GeoJSON geometry object, in place.
pub fn transform(g: &mut Value, f: &dyn Fn(f64, f64) -> (f64, f64)) {
    fn walk(v: &mut Value, f: &dyn Fn(f64, f64) -> (f64, f64)) {
        let Some(a) = v.as_array_mut() else { return };
        if a.len() >= 2 && a[0].is_number() && a[1].is_number() {
            let (x, y) = (
                a[0].as_f64().unwrap_or(f64::NAN),
                a[1].as_f64().unwrap_or(f64::NAN),
            );
            let (nx, ny) = f(x, y);
            a[0] = round7(nx);
            a[1] = round7(ny);
        } else {
            for x in a {
                walk(x, f);
            }
        }
    }
    if let Some(c) = g.get_mut("coordinates") {
        walk(c, f);
    }
}

/// A coordinate rounded to 7 decimals (about 1 cm), as the dataset stores them.
fn round7(v: f64) -> Value {
    let r = (v * 1e7).round() / 1e7;
    serde_json::Number::from_f64(r).map_or(Value::Null, Value::Number)
}
