//! Tables: CSV and spreadsheets (XLSX, XLS, ODS through `calamine`). The first non-empty row
//! holds the field names; records carry no geometry (the mapping names coordinate or address
//! columns). CSV is read as UTF-8 when it is valid UTF-8 (a BOM is dropped), else as GB18030
//! (the superset of GBK that Chinese Excel writes), unless an encoding is given; the delimiter
//! is whichever of `,` `;` tab `|` the header line has most of.

use std::path::Path;

use calamine::{Data, Reader};
use serde_json::{Map, Value};

use crate::source::{Format, Record, Source, SourceError};

/// Reads a CSV file.
///
/// # Errors
/// [`SourceError`] when it cannot be read or decoded, or a row is malformed.
pub fn read_csv(path: &Path, encoding: Option<&str>) -> Result<Source, SourceError> {
    let bytes = std::fs::read(path).map_err(|e| SourceError::unreadable(path, e))?;
    let (text, used) = decode(&bytes, encoding).map_err(|e| SourceError::unreadable(path, e))?;
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = [b',', b';', b'\t', b'|']
        .into_iter()
        .max_by_key(|d| first_line.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| SourceError::unreadable(path, e))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let mut records = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let row = row.map_err(|e| SourceError::unreadable(path, format!("row {}: {e}", i + 2)))?;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut properties = Map::new();
        for (h, cell) in headers.iter().zip(row.iter()) {
            if !h.is_empty() && !cell.trim().is_empty() {
                properties.insert(h.clone(), Value::String(cell.trim().to_owned()));
            }
        }
        records.push(Record {
            properties,
            geometry: None,
            geometry_error: None,
        });
    }
    Ok(Source {
        format: Format::Csv,
        path: path.to_path_buf(),
        crs: None,
        crs_source: "columns named in the mapping".into(),
        encoding: Some(used),
        layer: None,
        layers: Vec::new(),
        fields: Vec::new(),
        records,
    })
}

fn decode(bytes: &[u8], label: Option<&str>) -> Result<(String, String), String> {
    if let Some(label) = label {
        let enc = encoding_rs::Encoding::for_label(label.trim().as_bytes())
            .ok_or_else(|| format!("unknown encoding {label:?} (try GBK, GB18030 or UTF-8)"))?;
        let (text, _, bad) = enc.decode(bytes);
        if bad {
            return Err(format!("the file is not valid {}", enc.name()));
        }
        return Ok((text.into_owned(), enc.name().to_owned()));
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((s.to_owned(), "UTF-8".into())),
        Err(_) => {
            let (text, _, bad) = encoding_rs::GB18030.decode(bytes);
            if bad {
                Err("the file is neither UTF-8 nor GB18030/GBK; give its encoding".into())
            } else {
                Ok((text.into_owned(), "GB18030 (detected: not UTF-8)".into()))
            }
        }
    }
}

/// Reads one sheet of a spreadsheet (the first, or `sheet`).
///
/// # Errors
/// [`SourceError`] when the workbook cannot be opened or has no such sheet.
pub fn read_sheet(path: &Path, sheet: Option<&str>) -> Result<Source, SourceError> {
    let mut book =
        calamine::open_workbook_auto(path).map_err(|e| SourceError::unreadable(path, e))?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(s) if names.iter().any(|n| n == s) => s.to_owned(),
        Some(s) => {
            return Err(SourceError::NoSuchLayer {
                path: path.display().to_string(),
                layer: s.to_owned(),
                available: names,
            });
        }
        None => names
            .first()
            .cloned()
            .ok_or_else(|| SourceError::unreadable(path, "the workbook has no sheets"))?,
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| SourceError::unreadable(path, e))?;
    let mut rows = range
        .rows()
        .skip_while(|r| r.iter().all(|c| matches!(c, Data::Empty)));
    let headers: Vec<String> = rows
        .next()
        .map(|r| r.iter().map(|c| cell_text(c).trim().to_owned()).collect())
        .unwrap_or_default();
    let mut records = Vec::new();
    for row in rows {
        let mut properties = Map::new();
        for (h, cell) in headers.iter().zip(row) {
            if h.is_empty() {
                continue;
            }
            let v = match cell {
                Data::Empty | Data::Error(_) => continue,
                Data::Int(i) => Value::from(*i),
                Data::Float(f) => {
                    serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
                }
                Data::Bool(b) => Value::Bool(*b),
                Data::String(s) if s.trim().is_empty() => continue,
                other => Value::String(cell_text(other)),
            };
            properties.insert(h.clone(), v);
        }
        if !properties.is_empty() {
            records.push(Record {
                properties,
                geometry: None,
                geometry_error: None,
            });
        }
    }
    Ok(Source {
        format: Format::Spreadsheet,
        path: path.to_path_buf(),
        crs: None,
        crs_source: "columns named in the mapping".into(),
        encoding: None,
        layer: Some(name),
        layers: names,
        fields: Vec::new(),
        records,
    })
}

fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => match d.as_datetime() {
            // A date cell without a time of day reads as the date alone.
            Some(dt) if dt.time() == chrono::NaiveTime::MIN => dt.date().to_string(),
            Some(dt) => dt.format("%Y-%m-%dT%H:%M:%S").to_string(),
            None => d.as_f64().to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_csv_is_detected_and_semicolons_split_fields() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("楼栋.csv");
        let (bytes, _, _) =
            encoding_rs::GBK.encode("编号;地址;安全等级\nB1;光明社区华夏路12号;放心级\n\n");
        std::fs::write(&path, &bytes).expect("write");
        let src = read_csv(&path, None).expect("read");
        assert!(src.encoding.as_deref().unwrap_or("").starts_with("GB18030"));
        assert_eq!(src.records.len(), 1);
        assert_eq!(src.records[0].properties["地址"], "光明社区华夏路12号");
        let utf8 = read_csv(&path, Some("UTF-8"));
        assert!(utf8.is_err(), "GBK bytes are not valid UTF-8");
    }
}
