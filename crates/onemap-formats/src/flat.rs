//! Properties as the columns of flat formats (dBase, GeoPackage, CSV): which columns, of what
//! type, under which (possibly shortened) names, and how a JSON value is written as text.

use std::collections::{BTreeSet, HashSet};

use serde_json::Value;

use crate::source::Record;

/// The storage type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Text.
    Text,
    /// Whole numbers.
    Integer,
    /// Numbers.
    Real,
    /// True/false.
    Bool,
    /// A list of scalars, written `a,b,c`.
    List,
    /// Anything else (objects, mixed), written as JSON text.
    Json,
}

/// One column: a property name, its (possibly shortened) column name and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The property.
    pub name: String,
    /// The column name in the file (at most the format's limit).
    pub short: String,
    /// Its type.
    pub kind: ColumnKind,
    /// Decimals a `Real` column needs to hold every value exactly.
    pub decimals: u8,
}

impl Column {
    /// The columns of `records`' properties, sorted by name, each typed by its values; names
    /// longer than `max_len` bytes (0: no limit) are shortened to unique names.
    ///
    /// ```
    /// use onemap_formats::flat::{Column, ColumnKind};
    /// use onemap_formats::source::Record;
    /// let r = Record {
    ///     properties: serde_json::json!({"community_code": "440311001001", "floors": 6, "services": ["appeal"]})
    ///         .as_object().cloned().unwrap_or_default(),
    ///     geometry: None,
    ///     geometry_error: None,
    /// };
    /// let cols = Column::plan(&[r], 10);
    /// assert_eq!(cols[0].short, "community_");
    /// assert_eq!(cols[1].kind, ColumnKind::Integer);
    /// assert_eq!(cols[2].kind, ColumnKind::List);
    /// ```
    #[must_use]
    pub fn plan(records: &[Record], max_len: usize) -> Vec<Column> {
        let names: BTreeSet<&String> = records.iter().flat_map(|r| r.properties.keys()).collect();
        let mut used = HashSet::new();
        names
            .into_iter()
            .map(|name| {
                let values = records.iter().filter_map(|r| r.properties.get(name));
                let (kind, decimals) = kind_of(values);
                let short = shorten(name, max_len, &mut used);
                Column {
                    name: name.clone(),
                    short,
                    kind,
                    decimals,
                }
            })
            .collect()
    }
}

fn kind_of<'a>(values: impl Iterator<Item = &'a Value>) -> (ColumnKind, u8) {
    let mut kind: Option<ColumnKind> = None;
    let mut decimals = 0_u8;
    for v in values {
        let k = match v {
            Value::Null => continue,
            Value::Bool(_) => ColumnKind::Bool,
            Value::Number(n) if n.is_i64() || n.is_u64() => ColumnKind::Integer,
            Value::Number(n) => {
                let text = n.to_string();
                let d = text.split_once('.').map_or(0, |(_, frac)| {
                    frac.trim_end_matches(|c: char| !c.is_ascii_digit()).len()
                });
                decimals = decimals.max(u8::try_from(d).unwrap_or(u8::MAX));
                ColumnKind::Real
            }
            Value::String(_) => ColumnKind::Text,
            Value::Array(items) if items.iter().all(|i| i.is_string() || i.is_number()) => {
                ColumnKind::List
            }
            _ => ColumnKind::Json,
        };
        kind = Some(match (kind, k) {
            (None, k) => k,
            (Some(a), b) if a == b => a,
            (Some(ColumnKind::Integer), ColumnKind::Real)
            | (Some(ColumnKind::Real), ColumnKind::Integer) => ColumnKind::Real,
            (Some(ColumnKind::Text), _) | (_, ColumnKind::Text) => ColumnKind::Text,
            _ => ColumnKind::Json,
        });
    }
    (kind.unwrap_or(ColumnKind::Text), decimals)
}

fn shorten(name: &str, max_len: usize, used: &mut HashSet<String>) -> String {
    let fits = |s: &str| max_len == 0 || s.len() <= max_len;
    if fits(name) && used.insert(name.to_owned()) {
        return name.to_owned();
    }
    let cut = |s: &str, len: usize| {
        let mut end = len.min(s.len());
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s[..end].to_owned()
    };
    let first = cut(name, max_len);
    if used.insert(first.clone()) {
        return first;
    }
    for n in 1.. {
        let suffix = format!("_{n}");
        let candidate = format!(
            "{}{suffix}",
            cut(name, max_len.saturating_sub(suffix.len()))
        );
        if used.insert(candidate.clone()) {
            return candidate;
        }
    }
    unreachable!("the counter always finds a free name")
}

/// A property value as the text a flat format stores: strings as they are, lists joined with
/// commas, numbers and booleans as JSON writes them, null as empty, objects as JSON.
///
/// ```
/// use onemap_formats::flat::text_of;
/// assert_eq!(text_of(&serde_json::json!(["appeal", "legal"])), "appeal,legal");
/// assert_eq!(text_of(&serde_json::json!("光明")), "光明");
/// assert_eq!(text_of(&serde_json::Value::Null), "");
/// ```
#[must_use]
pub fn text_of(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(|i| i.is_string() || i.is_number()) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortened_names_stay_unique() {
        let mut used = HashSet::new();
        assert_eq!(shorten("reported_at", 10, &mut used), "reported_a");
        assert_eq!(shorten("reporter_name", 10, &mut used), "reporter_n");
        assert_eq!(shorten("reporter_nick", 10, &mut used), "reporter_1");
        assert_eq!(shorten("id", 10, &mut used), "id");
        assert_eq!(shorten("名称名称名称", 10, &mut used), "名称名");
    }

    #[test]
    fn decimals_cover_the_longest_fraction() {
        let vals = [
            serde_json::json!(1.5),
            serde_json::json!(2.125),
            serde_json::json!(3),
        ];
        assert_eq!(kind_of(vals.iter()), (ColumnKind::Real, 3));
    }
}
