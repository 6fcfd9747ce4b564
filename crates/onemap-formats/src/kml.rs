//! KML (georust `kml`): placemarks with their name, description and extended data
//! (`<Data name><value>` and `<SchemaData><SimpleData name>`), in any nesting of documents and
//! folders. KML coordinates are WGS84 longitude/latitude by definition. [`write`] writes a layer
//! as one document of placemarks whose extended data holds every property.

use std::collections::HashMap;
use std::path::Path;

use kml::types::{Element, Placemark};
use kml::{Kml, KmlDocument, KmlWriter};
use serde_json::{Map, Value};

use crate::crs::Crs;
use crate::source::{Format, Record, Source, SourceError};

/// Reads a `.kml` file.
///
/// # Errors
/// [`SourceError`] when it cannot be read or parsed.
pub fn read(path: &Path) -> Result<Source, SourceError> {
    let text = std::fs::read_to_string(path).map_err(|e| SourceError::unreadable(path, e))?;
    let kml: Kml = text
        .parse()
        .map_err(|e| SourceError::unreadable(path, format!("not KML: {e}")))?;
    let mut records = Vec::new();
    collect(&kml, &mut records);
    Ok(Source {
        format: Format::Kml,
        path: path.to_path_buf(),
        crs: Some(Crs::Wgs84),
        crs_source: "KML (WGS84 by definition)".into(),
        encoding: Some("UTF-8".into()),
        layer: None,
        layers: Vec::new(),
        fields: Vec::new(),
        records,
    })
}

fn collect(k: &Kml, out: &mut Vec<Record>) {
    match k {
        Kml::KmlDocument(d) => d.elements.iter().for_each(|e| collect(e, out)),
        Kml::Document { elements, .. } => elements.iter().for_each(|e| collect(e, out)),
        Kml::Folder(f) => f.elements.iter().for_each(|e| collect(e, out)),
        Kml::Placemark(p) => out.push(placemark(p)),
        _ => {}
    }
}

fn placemark(p: &Placemark) -> Record {
    let mut properties = Map::new();
    if let Some(n) = &p.name {
        properties.insert("name".into(), Value::String(n.trim().to_owned()));
    }
    if let Some(d) = &p.description {
        properties.insert("description".into(), Value::String(d.trim().to_owned()));
    }
    for child in &p.children {
        if child.name == "ExtendedData" {
            extended(child, &mut properties);
        }
    }
    let (geometry, geometry_error) = match &p.geometry {
        None => (None, None),
        Some(g) => match geo_types::Geometry::<f64>::try_from(g.clone()) {
            Ok(g) => (Some(g), None),
            Err(e) => (None, Some(e.to_string())),
        },
    };
    Record {
        properties,
        geometry,
        geometry_error,
    }
}

fn extended(e: &Element, props: &mut Map<String, Value>) {
    for c in &e.children {
        match c.name.as_str() {
            "Data" => {
                if let Some(name) = c.attrs.get("name") {
                    let value = c
                        .children
                        .iter()
                        .find(|v| v.name == "value")
                        .and_then(|v| v.content.clone())
                        .unwrap_or_default();
                    props.insert(name.clone(), Value::String(value));
                }
            }
            "SchemaData" => {
                for s in &c.children {
                    if s.name == "SimpleData"
                        && let Some(name) = s.attrs.get("name")
                    {
                        props.insert(
                            name.clone(),
                            Value::String(s.content.clone().unwrap_or_default()),
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

/// Writes `records` (WGS84) as a KML document named `name`: one placemark per record, its
/// `name_field` as the placemark name, every property as `<Data>`.
///
/// # Errors
/// A message when the geometry cannot be written or the writer fails.
pub fn write(
    out: &mut impl std::io::Write,
    name: &str,
    name_field: &str,
    records: &[Record],
    progress: &onemap_progress::Progress,
) -> Result<(), String> {
    progress.stage(&format!("writing {name}.kml"), records.len() as u64);
    let mut elements = vec![Kml::Element(Element {
        name: "name".into(),
        content: Some(name.to_owned()),
        ..Default::default()
    })];
    for r in records {
        if progress.is_cancelled() {
            return Err("cancelled".into());
        }
        let data: Vec<Element> = r
            .properties
            .iter()
            .map(|(k, v)| Element {
                name: "Data".into(),
                attrs: HashMap::from([("name".to_owned(), k.clone())]),
                content: None,
                children: vec![Element {
                    name: "value".into(),
                    content: Some(crate::flat::text_of(v)),
                    ..Default::default()
                }],
            })
            .collect();
        let geometry = r
            .geometry
            .as_ref()
            .map(|g| kml::types::Geometry::<f64>::from(g.clone()));
        elements.push(Kml::Placemark(Placemark {
            name: r
                .properties
                .get(name_field)
                .map(crate::flat::text_of)
                .filter(|s| !s.is_empty()),
            geometry,
            children: vec![Element {
                name: "ExtendedData".into(),
                children: data,
                ..Default::default()
            }],
            ..Default::default()
        }));
        progress.advance(1);
    }
    let doc = Kml::KmlDocument(KmlDocument {
        attrs: HashMap::from([(
            "xmlns".to_owned(),
            "http://www.opengis.net/kml/2.2".to_owned(),
        )]),
        elements: vec![Kml::Document {
            attrs: HashMap::new(),
            elements,
        }],
        ..Default::default()
    });
    out.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .map_err(|e| e.to_string())?;
    let mut writer = KmlWriter::from_writer(out);
    writer.write(&doc).map_err(|e| e.to_string())
}
