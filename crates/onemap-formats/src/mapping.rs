//! Mapping a source's fields onto a OneMap layer: the mapping file, the suggestion the wizard
//! starts from, and applying it to records (type coercion, enumerated values, coordinates from
//! columns or from an address, the source's coordinate system to WGS84).
//!
//! A mapping file (`onemap import LAYER FILE --mapping map.json`) looks like
//!
//! ```json
//! {
//!   "layer": "buildings",
//!   "fields": {"id": "楼栋编号", "address": "地址", "rating": "安全等级", "floors": "层数"},
//!   "values": {"rating": {"A": "safe", "B": "general", "C": "warning"}},
//!   "constants": {"synthetic": false},
//!   "geometry": {"x": "X坐标", "y": "Y坐标"},
//!   "crs": "EPSG:4547"
//! }
//! ```
//!
//! `fields` maps OneMap's property (the key) to the source field (the value); an empty value
//! leaves the property out. Source fields not mapped are kept under their own names unless
//! `"keep_unmapped": false`. `values` translates
//! labels of enumerated fields; labels the schema knows (`放心级` → `safe`, `警示` → `warning`,
//! `诉求,法律` → `["appeal","legal"]`) need no entry. `geometry` takes coordinates from two
//! columns (`x`/`y`: longitude/latitude, or easting/northing in `crs`) or from an address column
//! (`{"address": "地址"}`), matched against the dataset's building addresses (see
//! [`Gazetteer`]); without it the source's own geometry is used. `crs` overrides the system the
//! source declares; `datum` (`gcj02`, `bd09`) converts longitude/latitude from those datums
//! (done by the store's validation, `onemap::datum`). `types` gives the type of fields the
//! layer schema does not know (written by the Shapefile exporter so that a re-import restores
//! them).

use std::collections::{BTreeMap, HashMap};

use geo::MapCoords;
use geo_types::{Coord, Geometry, Point};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::crs::Crs;
use crate::flat::{Column, ColumnKind};
use crate::schema::{FieldSpec, FieldType, LayerSchema, canonical_value};
use crate::source::{Source, geometry_to_json};

/// Where a layer's geometry comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum GeometryFrom {
    /// Two coordinate columns: longitude/easting (`x`) and latitude/northing (`y`).
    Columns {
        /// The x column.
        x: String,
        /// The y column.
        y: String,
    },
    /// An address column matched against the dataset's building addresses.
    Address {
        /// The address column.
        address: String,
    },
}

/// A mapping of a source onto a OneMap layer (see the module documentation for the file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// The target layer (`buildings`, `stations`, …).
    pub layer: String,
    /// OneMap property → source field.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// OneMap property → {source label → value}.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, BTreeMap<String, Value>>,
    /// OneMap property → a value every feature gets.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub constants: BTreeMap<String, Value>,
    /// Types of properties the layer schema does not define.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub types: BTreeMap<String, FieldType>,
    /// Where the geometry comes from (default: the source's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geometry: Option<GeometryFrom>,
    /// The coordinate system, overriding the source's (`EPSG:4547`, `EPSG:4490`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crs: Option<String>,
    /// The datum of longitude/latitude: `wgs84` (default), `cgcs2000`, `gcj02`, `bd09`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datum: Option<String>,
    /// The attribute encoding (Shapefile `.dbf`, CSV), overriding the `.cpg`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// The GeoPackage table or spreadsheet sheet to read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_layer: Option<String>,
    /// Whether source fields not mapped are kept under their own names.
    #[serde(default = "yes")]
    pub keep_unmapped: bool,
}

fn yes() -> bool {
    true
}

/// A problem with one source row, found while mapping it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    /// 0-based index of the record in the source.
    pub index: usize,
    /// The id it would have, when known.
    pub id: Option<String>,
    /// What is wrong.
    pub reason: String,
}

/// The mapped records: GeoJSON features (WGS84, or the mapping's datum) for the rows that
/// mapped, with the source row each came from, and every problem by row.
#[derive(Debug, Clone, Default)]
pub struct Mapped {
    /// GeoJSON Feature objects.
    pub features: Vec<Value>,
    /// `rows[i]` is the source index of `features[i]`.
    pub rows: Vec<usize>,
    /// Rows that could not be mapped, and why.
    pub problems: Vec<RowProblem>,
}

/// Why a mapping cannot be applied at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    /// The mapping names a layer the schema does not have.
    #[error("unknown layer {0:?}")]
    UnknownLayer(String),
    /// A mapped source field is not in the source.
    #[error(
        "the mapping names source field {field:?} for {target}, but the source has no such field (it has: {available})"
    )]
    NoSuchField {
        /// The OneMap property.
        target: String,
        /// The source field named.
        field: String,
        /// The source's fields.
        available: String,
    },
    /// The `crs` is not one OneMap reads.
    #[error("crs {0}")]
    Crs(String),
    /// A table source needs coordinate or address columns.
    #[error("a {0} source has no geometry: map coordinate columns (x/y) or an address column")]
    NoGeometry(&'static str),
    /// Addresses can only be matched against a dataset with buildings.
    #[error("address matching needs the buildings layer in the store; import buildings first")]
    NoGazetteer,
    /// Something else is inconsistent.
    #[error("{0}")]
    Invalid(String),
}

/// The dataset's building addresses, for placing rows by an address column.
///
/// An address matches when its normalised form equals a building's: full-width characters made
/// half-width, whitespace and punctuation removed, and a leading `广东省`, `深圳市` and district
/// name (`光明区`…) dropped from both sides. A row whose address matches no building, or matches
/// several buildings at different places, is reported and not imported.
#[derive(Debug, Default, Clone)]
pub struct Gazetteer {
    places: HashMap<String, Option<(f64, f64)>>,
    count: usize,
}

impl Gazetteer {
    /// From `(address, lon, lat)` triples.
    ///
    /// ```
    /// use onemap_formats::mapping::Gazetteer;
    /// let g = Gazetteer::new([("光明社区华夏路12号".to_string(), 113.93, 22.77)]);
    /// assert_eq!(g.find("深圳市光明区 光明社区华夏路１２号"), Ok((113.93, 22.77)));
    /// assert!(g.find("光明社区华夏路13号").is_err());
    /// ```
    pub fn new(entries: impl IntoIterator<Item = (String, f64, f64)>) -> Self {
        let mut places: HashMap<String, Option<(f64, f64)>> = HashMap::new();
        let mut count = 0;
        for (address, lon, lat) in entries {
            count += 1;
            let key = normalise_address(&address);
            if key.is_empty() {
                continue;
            }
            places
                .entry(key)
                .and_modify(|p| {
                    if p.is_some_and(|(x, y)| (x - lon).abs() > 1e-6 || (y - lat).abs() > 1e-6) {
                        *p = None;
                    }
                })
                .or_insert(Some((lon, lat)));
        }
        Self { places, count }
    }

    /// How many addresses it holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether it holds none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The position of `address`.
    ///
    /// # Errors
    /// Why it was not found (no match, or several places).
    pub fn find(&self, address: &str) -> Result<(f64, f64), String> {
        match self.places.get(&normalise_address(address)) {
            Some(Some(p)) => Ok(*p),
            Some(None) => Err(format!(
                "address {address:?} names several buildings at different places"
            )),
            None => Err(format!(
                "address {address:?} matches none of the {} building addresses",
                self.count
            )),
        }
    }
}

/// The normal form addresses are compared in.
#[must_use]
pub fn normalise_address(address: &str) -> String {
    let mut s: String = address
        .chars()
        .filter_map(|c| {
            let c = match c {
                // Full-width ASCII (digits, letters, hyphen) to half-width.
                '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
                '\u{3000}' => ' ',
                c => c,
            };
            (!c.is_whitespace()
                && !matches!(c, ',' | '，' | '、' | '.' | '。' | '(' | ')' | '（' | '）'))
            .then(|| c.to_ascii_uppercase())
        })
        .collect();
    for prefix in ["广东省", "深圳市"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.to_owned();
        }
    }
    // A district name: up to 3 characters ending in 区 at the start (光明区, 南山区…).
    if let Some((at, _)) = s.char_indices().take(4).find(|(_, c)| *c == '区') {
        let head = &s[..at];
        if !head.is_empty() && head.chars().count() <= 3 && !head.contains('社') {
            s = s[at + '区'.len_utf8()..].to_owned();
        }
    }
    s
}

impl Mapping {
    /// A mapping for `layer` with nothing mapped.
    #[must_use]
    pub fn new(layer: &str) -> Self {
        Self {
            layer: layer.to_owned(),
            fields: BTreeMap::new(),
            values: BTreeMap::new(),
            constants: BTreeMap::new(),
            types: BTreeMap::new(),
            geometry: None,
            crs: None,
            datum: None,
            encoding: None,
            source_layer: None,
            keep_unmapped: true,
        }
    }

    /// The mapping a flat export writes beside its file: each property's (shortened) column,
    /// and the types of properties the schema does not know.
    #[must_use]
    pub fn for_columns(layer: &str, columns: &[Column]) -> Self {
        let mut m = Self::new(layer);
        let schema = crate::schema::layer(layer);
        for c in columns {
            if c.short != c.name {
                m.fields.insert(c.name.clone(), c.short.clone());
            }
            if schema.and_then(|s| s.field(&c.name)).is_none() {
                let ty = match c.kind {
                    ColumnKind::Integer => Some(FieldType::Integer),
                    ColumnKind::Real => Some(FieldType::Number),
                    ColumnKind::Bool => Some(FieldType::Bool),
                    ColumnKind::List => Some(FieldType::List),
                    ColumnKind::Text | ColumnKind::Json => None,
                };
                if let Some(ty) = ty {
                    m.types.insert(c.name.clone(), ty);
                }
            }
        }
        m
    }

    /// The mapping the wizard starts from: each layer field matched to a source field by its
    /// name, an alias (`名称` → `name`, `安全等级` → `rating`) or a dBase-shortened name
    /// (`community_` → `community_code`), case-insensitively; for tables, coordinate columns
    /// (`lon`/`lat`, `经度`/`纬度`, `x`/`y`) or an address column; and for tables whose
    /// coordinates are metres around Shenzhen, EPSG:4547.
    ///
    /// # Errors
    /// [`MappingError::UnknownLayer`].
    pub fn suggest(layer: &str, source: &Source) -> Result<Self, MappingError> {
        let schema = crate::schema::layer(layer)
            .ok_or_else(|| MappingError::UnknownLayer(layer.to_owned()))?;
        let mut m = Self::new(layer);
        let names: Vec<&str> = source.fields.iter().map(|f| f.name.as_str()).collect();
        let find = |want: &str| {
            names
                .iter()
                .find(|n| n.trim().eq_ignore_ascii_case(want))
                .map(|n| (*n).to_owned())
        };
        let mut taken: Vec<String> = Vec::new();
        for spec in schema.fields {
            let found = find(spec.name)
                .or_else(|| spec.aliases.iter().find_map(|a| find(a)))
                .or_else(|| {
                    // A name cut to 10 bytes by a dBase writer.
                    names
                        .iter()
                        .find(|n| {
                            n.len() == 10 && spec.name.len() > 10 && spec.name.starts_with(**n)
                        })
                        .map(|n| (*n).to_owned())
                });
            if let Some(src) = found
                && !taken.contains(&src)
            {
                taken.push(src.clone());
                if src != spec.name {
                    m.fields.insert(spec.name.to_owned(), src);
                }
            }
        }
        if source.format.is_table() {
            let pick = |cands: &[&str]| cands.iter().find_map(|c| find(c));
            let x = pick(&[
                "lon",
                "lng",
                "longitude",
                "经度",
                "x",
                "x坐标",
                "东坐标",
                "easting",
            ]);
            let y = pick(&[
                "lat",
                "latitude",
                "纬度",
                "y",
                "y坐标",
                "北坐标",
                "northing",
            ]);
            let address = pick(&["address", "地址", "楼栋地址", "门牌地址", "详细地址"]);
            m.geometry = match (x, y, address) {
                (Some(x), Some(y), _) => {
                    if let Some(crs) = guess_table_crs(source, &x, &y) {
                        m.crs = Some(crs);
                    }
                    Some(GeometryFrom::Columns { x, y })
                }
                (_, _, Some(address)) => Some(GeometryFrom::Address { address }),
                _ => None,
            };
        }
        Ok(m)
    }

    /// The coordinate system the records' coordinates are in: the mapping's `crs`, else the
    /// source's, else (tables) WGS84.
    ///
    /// # Errors
    /// [`MappingError::Crs`] for a `crs` OneMap cannot read.
    pub fn effective_crs(&self, source: &Source) -> Result<Crs, MappingError> {
        match &self.crs {
            Some(name) => parse_crs(name),
            None => Ok(source.crs.unwrap_or(Crs::Wgs84)),
        }
    }

    /// Maps every record of `source`. `gazetteer` places rows by address (needed only when the
    /// mapping takes the geometry from an address column).
    ///
    /// # Errors
    /// [`MappingError`] when the mapping as a whole does not fit the source; problems with
    /// single rows are collected in [`Mapped::problems`] instead.
    pub fn apply(
        &self,
        source: &Source,
        gazetteer: Option<&Gazetteer>,
        progress: &onemap_progress::Progress,
    ) -> Result<Mapped, MappingError> {
        let schema = crate::schema::layer(&self.layer)
            .ok_or_else(|| MappingError::UnknownLayer(self.layer.clone()))?;
        let available = || {
            source
                .fields
                .iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let has = |name: &str| source.fields.iter().any(|f| f.name == name);
        for (target, field) in &self.fields {
            // An empty source name leaves the target out on purpose.
            if !field.is_empty() && !has(field) {
                return Err(MappingError::NoSuchField {
                    target: target.clone(),
                    field: field.clone(),
                    available: available(),
                });
            }
        }
        match &self.geometry {
            Some(GeometryFrom::Columns { x, y }) => {
                for c in [x, y] {
                    if !has(c) {
                        return Err(MappingError::NoSuchField {
                            target: "geometry".into(),
                            field: c.clone(),
                            available: available(),
                        });
                    }
                }
            }
            Some(GeometryFrom::Address { address }) => {
                if !has(address) {
                    return Err(MappingError::NoSuchField {
                        target: "geometry".into(),
                        field: address.clone(),
                        available: available(),
                    });
                }
                if gazetteer.is_none_or(Gazetteer::is_empty) {
                    return Err(MappingError::NoGazetteer);
                }
            }
            None if source.format.is_table() && !schema.geometry.is_empty() => {
                return Err(MappingError::NoGeometry(source.format.label()));
            }
            None => {}
        }
        let crs = self.effective_crs(source)?;
        let projected = matches!(crs, Crs::GaussKruger { .. });
        if projected && matches!(self.datum.as_deref(), Some("gcj02" | "bd09")) {
            return Err(MappingError::Invalid(
                "GCJ-02 / BD-09 are longitude/latitude datums; they do not apply to projected (Gauss-Krüger) coordinates".into(),
            ));
        }
        let mapped_sources: Vec<&str> = self.fields.values().map(String::as_str).collect();
        let geometry_columns: Vec<&str> = match &self.geometry {
            Some(GeometryFrom::Columns { x, y }) => vec![x.as_str(), y.as_str()],
            Some(GeometryFrom::Address { .. }) | None => Vec::new(),
        };
        let mut out = Mapped::default();
        progress.stage("mapping", source.records.len() as u64);
        for (index, record) in source.records.iter().enumerate() {
            if index.is_multiple_of(1024) && progress.is_cancelled() {
                break;
            }
            progress.advance(1);
            let mut reasons = Vec::new();
            let mut props = Map::new();
            if self.keep_unmapped {
                for (k, v) in &record.properties {
                    if mapped_sources.contains(&k.as_str())
                        || geometry_columns.contains(&k.as_str())
                        || self.fields.contains_key(k)
                    {
                        continue;
                    }
                    props.insert(k.clone(), v.clone());
                }
            }
            for spec in schema.fields {
                let src = self.fields.get(spec.name).map_or(spec.name, String::as_str);
                if src.is_empty() {
                    props.remove(spec.name);
                    continue;
                }
                if let Some(v) = record.properties.get(src) {
                    props.insert(spec.name.to_owned(), v.clone());
                }
            }
            for (target, src) in &self.fields {
                if !src.is_empty()
                    && schema.field(target).is_none()
                    && let Some(v) = record.properties.get(src)
                {
                    props.insert(target.clone(), v.clone());
                }
            }
            for (k, v) in &self.constants {
                props.insert(k.clone(), v.clone());
            }
            // Coerce every property to its type; drop empties (SCHEMA.md: left out, not null).
            let keys: Vec<String> = props.keys().cloned().collect();
            for k in keys {
                let Some(v) = props.remove(&k) else { continue };
                let spec = schema.field(&k);
                let ty = spec.map(|s| s.ty).or_else(|| self.types.get(&k).copied());
                match coerce(&v, ty, spec, self.values.get(&k)) {
                    Ok(Some(v)) => {
                        props.insert(k, v);
                    }
                    Ok(None) => {}
                    Err(e) => reasons.push(format!("{k}: {e}")),
                }
            }
            let id = props
                .get(schema.id_field)
                .and_then(Value::as_str)
                .map(str::to_owned);
            // A GeoJSON `id` member is read as an `id` property; for layers keyed by `code` it
            // only repeats the code and is not a property of its own.
            if schema.id_field != "id"
                && id.is_some()
                && props.get("id").and_then(Value::as_str) == id.as_deref()
            {
                props.remove("id");
            }
            let geometry: Option<Geometry<f64>> = match &self.geometry {
                Some(GeometryFrom::Columns { x, y }) => {
                    match (
                        number_of(record.properties.get(x)),
                        number_of(record.properties.get(y)),
                    ) {
                        (Some(x), Some(y)) => Some(Point::new(x, y).into()),
                        (None, _) => {
                            reasons.push(format!("{x}: no number for the x coordinate"));
                            None
                        }
                        (_, None) => {
                            reasons.push(format!("{y}: no number for the y coordinate"));
                            None
                        }
                    }
                }
                Some(GeometryFrom::Address { address }) => {
                    let text = record
                        .properties
                        .get(address)
                        .map(crate::flat::text_of)
                        .unwrap_or_default();
                    match gazetteer.map(|g| g.find(&text)) {
                        Some(Ok((lon, lat))) => Some(Point::new(lon, lat).into()),
                        Some(Err(e)) => {
                            reasons.push(e);
                            None
                        }
                        None => None,
                    }
                }
                None => {
                    if let Some(e) = &record.geometry_error {
                        reasons.push(format!("geometry: {e}"));
                    }
                    record.geometry.clone()
                }
            };
            if !reasons.is_empty() {
                out.problems.push(RowProblem {
                    index,
                    id,
                    reason: reasons.join("; "),
                });
                continue;
            }
            // Addresses are matched against stored (WGS84) buildings: no conversion for them.
            let by_address = matches!(self.geometry, Some(GeometryFrom::Address { .. }));
            let geometry = geometry.map(|g| {
                if by_address {
                    g
                } else {
                    g.map_coords(|c| {
                        let (x, y) = crs.to_wgs84(c.x, c.y);
                        Coord { x, y }
                    })
                }
            });
            let mut feature = json!({
                "type": "Feature",
                "geometry": geometry.as_ref().map_or(Value::Null, geometry_to_json),
                "properties": props,
            });
            if let Some(id) = id {
                feature["id"] = Value::String(id);
            }
            out.features.push(feature);
            out.rows.push(index);
        }
        Ok(out)
    }
}

/// Parses `EPSG:4547` (or a bare code) into a [`Crs`].
///
/// # Errors
/// [`MappingError::Crs`] for anything else or an unsupported code.
pub fn parse_crs(name: &str) -> Result<Crs, MappingError> {
    let code = name
        .trim()
        .trim_start_matches("EPSG:")
        .trim_start_matches("epsg:")
        .parse::<u32>()
        .map_err(|_| MappingError::Crs(format!("{name:?} is not an EPSG code like EPSG:4547")))?;
    Crs::from_epsg(code).map_err(|e| MappingError::Crs(e.to_string()))
}

/// EPSG:4547 when a table's x/y values are metres of CGCS2000 GK CM 114°E around Shenzhen.
fn guess_table_crs(source: &Source, x: &str, y: &str) -> Option<String> {
    let mut n = 0;
    for r in source.records.iter().take(50) {
        let (Some(xv), Some(yv)) = (
            number_of(r.properties.get(x)),
            number_of(r.properties.get(y)),
        ) else {
            continue;
        };
        n += 1;
        let metres =
            (350_000.0..650_000.0).contains(&xv) && (2_400_000.0..2_650_000.0).contains(&yv);
        if !metres {
            return None;
        }
    }
    (n > 0).then(|| "EPSG:4547".to_owned())
}

fn number_of(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|x: &f64| x.is_finite())
}

/// Whether a value is empty (null, empty or blank text).
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// `v` as `ty` (`None` keeps it as it is), with `spec`'s enumerated values and the mapping's
/// `labels`; `Ok(None)` for an empty value.
fn coerce(
    v: &Value,
    ty: Option<FieldType>,
    spec: Option<&FieldSpec>,
    labels: Option<&BTreeMap<String, Value>>,
) -> Result<Option<Value>, String> {
    if is_empty(v) {
        return Ok(None);
    }
    let enumerated = |text: &str| -> Result<Value, String> {
        if let Some(hit) = labels.and_then(|l| l.get(text.trim())) {
            return Ok(hit.clone());
        }
        match spec.filter(|s| !s.values.is_empty()) {
            None => Ok(Value::String(text.trim().to_owned())),
            Some(s) => canonical_value(s.values, text)
                .map(|c| Value::String(c.to_owned()))
                .ok_or_else(|| {
                    let allowed: Vec<String> = s
                        .values
                        .iter()
                        .map(|e| {
                            format!("{} ({})", e.value, e.labels.first().copied().unwrap_or(""))
                        })
                        .collect();
                    format!("{text:?} is not one of {}", allowed.join(", "))
                }),
        }
    };
    let Some(ty) = ty else {
        return Ok(Some(v.clone()));
    };
    Ok(Some(match ty {
        FieldType::Text => match v {
            Value::String(s) => enumerated(s)?,
            Value::Number(n) => enumerated(&integral_text(n))?,
            Value::Bool(b) => Value::String(b.to_string()),
            other => Value::String(other.to_string()),
        },
        FieldType::Integer => match v {
            Value::Number(n) if n.is_i64() || n.is_u64() => v.clone(),
            Value::Number(n) => match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => json!(f as i64),
                _ => return Err(format!("{n} is not a whole number")),
            },
            Value::String(s) => match s.trim().parse::<f64>() {
                Ok(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => json!(f as i64),
                _ => return Err(format!("{s:?} is not a whole number")),
            },
            other => return Err(format!("{other} is not a whole number")),
        },
        FieldType::Number => match v {
            Value::Number(_) => v.clone(),
            Value::String(s) => match s.trim().parse::<f64>() {
                Ok(f) if f.is_finite() => json!(f),
                _ => return Err(format!("{s:?} is not a number")),
            },
            other => return Err(format!("{other} is not a number")),
        },
        FieldType::Bool => match v {
            Value::Bool(_) => v.clone(),
            Value::Number(n) if n.as_f64() == Some(0.0) => Value::Bool(false),
            Value::Number(n) if n.as_f64() == Some(1.0) => Value::Bool(true),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "t" | "yes" | "y" | "1" | "是" | "真" => Value::Bool(true),
                "false" | "f" | "no" | "n" | "0" | "否" | "假" => Value::Bool(false),
                _ => return Err(format!("{s:?} is not true or false")),
            },
            other => return Err(format!("{other} is not true or false")),
        },
        FieldType::List => {
            let items: Vec<String> = match v {
                Value::Array(a) => a.iter().map(crate::flat::text_of).collect(),
                Value::String(s) => s
                    .split([',', ';', '、', '|', '，', '；'])
                    .map(|p| p.trim().to_owned())
                    .filter(|p| !p.is_empty())
                    .collect(),
                other => vec![crate::flat::text_of(other)],
            };
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(enumerated(&item)?);
            }
            Value::Array(out)
        }
        FieldType::Date => {
            let s = crate::flat::text_of(v);
            let s = s.trim().replace(['/', '.'], "-");
            // `2023-06-28`, `2023/6/28`, or a date with a time after it.
            let date = s.split(['T', ' ']).next().unwrap_or("");
            let parts: Vec<u32> = date.split('-').filter_map(|p| p.parse().ok()).collect();
            match parts.as_slice() {
                [y, m, d] if *y >= 1000 && (1..=12).contains(m) && (1..=31).contains(d) => {
                    Value::String(format!("{y:04}-{m:02}-{d:02}"))
                }
                _ => return Err(format!("{s:?} is not a date (YYYY-MM-DD)")),
            }
        }
        FieldType::Instant => Value::String(crate::flat::text_of(v).trim().to_owned()),
    }))
}

/// A number as text, integral floats without `.0` (codes read from spreadsheets).
fn integral_text(n: &serde_json::Number) -> String {
    match n.as_f64() {
        Some(f) if !(n.is_i64() || n.is_u64()) && f.fract() == 0.0 && f.abs() < 9.0e15 => {
            format!("{}", f as i64)
        }
        _ => n.to_string(),
    }
}

/// The schema's target fields of `layer`, for the wizard.
#[must_use]
pub fn targets(layer: &LayerSchema) -> Vec<&'static FieldSpec> {
    layer.fields.iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Format, Record, describe_fields};

    fn table(rows: &[Value]) -> Source {
        let records: Vec<Record> = rows
            .iter()
            .map(|r| Record {
                properties: r.as_object().cloned().unwrap_or_default(),
                geometry: None,
                geometry_error: None,
            })
            .collect();
        Source {
            format: Format::Csv,
            path: "t.csv".into(),
            crs: None,
            crs_source: String::new(),
            encoding: None,
            layer: None,
            layers: Vec::new(),
            fields: describe_fields(&records),
            records,
        }
    }

    #[test]
    fn suggestion_finds_aliases_coordinates_and_the_gauss_kruger_zone() {
        let src = table(&[
            json!({"楼栋编号": "B1", "安全等级": "放心级", "X坐标": 492810.8, "Y坐标": 2517961.1, "层数": "6"}),
        ]);
        let m = Mapping::suggest("buildings", &src).expect("suggest");
        assert_eq!(m.fields.get("id").map(String::as_str), Some("楼栋编号"));
        assert_eq!(m.fields.get("rating").map(String::as_str), Some("安全等级"));
        assert_eq!(m.fields.get("floors").map(String::as_str), Some("层数"));
        assert_eq!(
            m.geometry,
            Some(GeometryFrom::Columns {
                x: "X坐标".into(),
                y: "Y坐标".into()
            })
        );
        assert_eq!(m.crs.as_deref(), Some("EPSG:4547"));
    }

    #[test]
    fn applying_coerces_types_translates_labels_and_projects_to_wgs84() {
        let src = table(&[
            json!({"楼栋编号": "B1", "安全等级": "警示级", "X坐标": 492810.796301007, "Y坐标": 2517961.1167894, "层数": "6", "原因": "fire_exit、gas"}),
            json!({"楼栋编号": "B2", "安全等级": "很好", "X坐标": 492000, "Y坐标": 2517000, "层数": "六"}),
            json!({"楼栋编号": "B3", "安全等级": "一般", "X坐标": "", "Y坐标": 2517000}),
        ]);
        let m = Mapping::suggest("buildings", &src).expect("suggest");
        let out = m
            .apply(&src, None, &onemap_progress::Progress::new())
            .expect("apply");
        assert_eq!(out.features.len(), 1);
        assert_eq!(out.rows, [0]);
        let f = &out.features[0];
        assert_eq!(f["id"], "B1");
        assert_eq!(f["properties"]["rating"], "warning");
        assert_eq!(f["properties"]["floors"], 6);
        assert_eq!(f["properties"]["reasons"], json!(["fire_exit", "gas"]));
        assert!(
            f["properties"].get("X坐标").is_none(),
            "coordinate columns are not kept"
        );
        let c = &f["geometry"]["coordinates"];
        assert!((c[0].as_f64().unwrap_or(0.0) - 113.93).abs() < 1e-7, "{c}");
        assert!((c[1].as_f64().unwrap_or(0.0) - 22.76).abs() < 1e-7, "{c}");
        assert_eq!(out.problems.len(), 2);
        assert_eq!(out.problems[0].index, 1);
        assert!(
            out.problems[0]
                .reason
                .contains("rating: \"很好\" is not one of"),
            "{:?}",
            out.problems[0]
        );
        assert!(
            out.problems[0]
                .reason
                .contains("floors: \"六\" is not a whole number"),
            "{:?}",
            out.problems[0]
        );
        assert_eq!(out.problems[1].index, 2);
        assert!(
            out.problems[1].reason.contains("x coordinate"),
            "{:?}",
            out.problems[1]
        );
    }

    #[test]
    fn a_mapped_field_missing_from_the_source_is_refused_as_a_whole() {
        let src = table(&[json!({"a": 1})]);
        let mut m = Mapping::new("stations");
        m.fields.insert("name".into(), "名称".into());
        m.geometry = Some(GeometryFrom::Columns {
            x: "a".into(),
            y: "a".into(),
        });
        let e = m
            .apply(&src, None, &onemap_progress::Progress::new())
            .expect_err("refused");
        assert!(matches!(e, MappingError::NoSuchField { .. }), "{e}");
    }

    #[test]
    fn addresses_place_rows_and_unmatched_ones_are_reported() {
        let g = Gazetteer::new([
            ("光明社区华夏路12号".to_string(), 113.93, 22.77),
            ("光明社区华夏路14号".to_string(), 113.94, 22.78),
        ]);
        let src = table(&[
            json!({"id": "B1", "rating": "safe", "地址": "深圳市光明区光明社区华夏路12号"}),
            json!({"id": "B2", "rating": "safe", "地址": "光明社区华夏路99号"}),
        ]);
        let m = Mapping::suggest("buildings", &src).expect("suggest");
        assert_eq!(
            m.geometry,
            Some(GeometryFrom::Address {
                address: "地址".into()
            })
        );
        let out = m
            .apply(&src, Some(&g), &onemap_progress::Progress::new())
            .expect("apply");
        assert_eq!(out.features.len(), 1);
        assert_eq!(
            out.features[0]["geometry"]["coordinates"],
            json!([113.93, 22.77])
        );
        assert_eq!(out.problems.len(), 1);
        assert!(
            out.problems[0]
                .reason
                .contains("matches none of the 2 building addresses")
        );
    }

    #[test]
    fn the_mapping_file_round_trips_through_json() {
        let text = r#"{"layer":"buildings","fields":{"id":"编号"},"geometry":{"address":"地址"},"datum":"gcj02"}"#;
        let m: Mapping = serde_json::from_str(text).expect("parse");
        assert!(m.keep_unmapped);
        assert_eq!(
            m.geometry,
            Some(GeometryFrom::Address {
                address: "地址".into()
            })
        );
        let back: Mapping =
            serde_json::from_str(&serde_json::to_string(&m).expect("json")).expect("parse");
        assert_eq!(back, m);
        assert!(
            serde_json::from_str::<Mapping>(r#"{"layer":"x","feilds":{}}"#).is_err(),
            "typos are refused"
        );
    }
}
