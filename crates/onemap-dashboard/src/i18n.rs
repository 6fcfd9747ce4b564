//! The report catalogue: every chart title, axis label, legend entry, KPI label and slide text
//! comes from `catalogue/zh-CN.json` or `catalogue/en.json` (zh-CN is the default). A test fails
//! on any key missing from either, and on any key the code uses that neither has.
//!
//! Names of places (streets, communities, sub-grids) are data, not text: they stay as the
//! dataset gives them in both languages.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A language of the reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Lang {
    /// Simplified Chinese (the default).
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    /// English.
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// Both languages.
    pub const ALL: [Lang; 2] = [Lang::ZhCn, Lang::En];

    /// The language tag: `zh-CN` or `en`.
    ///
    /// ```
    /// assert_eq!(onemap_dashboard::Lang::En.as_str(), "en");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Parses a tag (`zh-CN`, `zh`, `en`, case-insensitive); `None` or empty gives the default.
    ///
    /// ```
    /// use onemap_dashboard::Lang;
    /// assert_eq!(Lang::parse(Some("EN")).unwrap(), Lang::En);
    /// assert_eq!(Lang::parse(None).unwrap(), Lang::ZhCn);
    /// assert!(Lang::parse(Some("fr")).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Invalid`] for another language.
    pub fn parse(tag: Option<&str>) -> Result<Lang> {
        match tag.map(str::to_ascii_lowercase).as_deref() {
            None | Some("" | "zh-cn" | "zh" | "zh-hans") => Ok(Lang::ZhCn),
            Some("en" | "en-us" | "en-gb") => Ok(Lang::En),
            Some(other) => Err(Error::Invalid(format!(
                "unknown language {other:?} (zh-CN or en)"
            ))),
        }
    }
}

/// The catalogues' source text, for tests and tools.
pub const SOURCES: [(Lang, &str); 2] = [
    (Lang::ZhCn, include_str!("../catalogue/zh-CN.json")),
    (Lang::En, include_str!("../catalogue/en.json")),
];

fn catalogue(lang: Lang) -> &'static HashMap<String, String> {
    static CATALOGUES: OnceLock<[HashMap<String, String>; 2]> = OnceLock::new();
    let all = CATALOGUES.get_or_init(|| {
        // The files are part of the binary and checked by the tests; a broken one would fail
        // them, so an unreadable file here can only be empty.
        SOURCES.map(|(_, text)| serde_json::from_str(text).unwrap_or_default())
    });
    match lang {
        Lang::ZhCn => &all[0],
        Lang::En => &all[1],
    }
}

/// Whether `key` is in the catalogue of `lang`.
#[must_use]
pub fn has(lang: Lang, key: &str) -> bool {
    catalogue(lang).contains_key(key)
}

/// The text of `key` in `lang`; the key itself when missing (which the tests forbid).
///
/// ```
/// use onemap_dashboard::{Lang, i18n::tr};
/// assert_eq!(tr(Lang::ZhCn, "rating.warning"), "警示级");
/// assert_eq!(tr(Lang::En, "rating.warning"), "Warning");
/// ```
#[must_use]
pub fn tr(lang: Lang, key: &str) -> String {
    catalogue(lang)
        .get(key)
        .cloned()
        .unwrap_or_else(|| key.to_string())
}

/// [`tr`] with `{name}` placeholders filled from `vars`.
///
/// ```
/// use onemap_dashboard::{Lang, i18n::trf};
/// assert_eq!(trf(Lang::En, "slide.page", &[("n", "2".into()), ("total", "9".into())]), "Slide 2 of 9");
/// ```
#[must_use]
pub fn trf(lang: Lang, key: &str, vars: &[(&str, String)]) -> String {
    let mut s = tr(lang, key);
    for (k, v) in vars {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

/// A key built from a family and a value (`channel.hotline`), falling back to `{family}.other`
/// and then to the value itself for values the catalogue does not know (an imported domain).
#[must_use]
pub fn tr_value(lang: Lang, family: &str, value: &str) -> String {
    let key = format!("{family}.{value}");
    if has(lang, &key) {
        tr(lang, &key)
    } else if value.is_empty() && has(lang, &format!("{family}.unlocated")) {
        tr(lang, &format!("{family}.unlocated"))
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn keys(lang: Lang) -> BTreeSet<String> {
        catalogue(lang).keys().cloned().collect()
    }

    #[test]
    fn both_catalogues_parse_and_hold_the_same_keys() {
        for (lang, text) in SOURCES {
            let parsed: HashMap<String, String> =
                serde_json::from_str(text).unwrap_or_else(|e| panic!("{}: {e}", lang.as_str()));
            assert!(!parsed.is_empty());
            assert!(
                parsed.values().all(|v| !v.trim().is_empty()),
                "{} has an empty text",
                lang.as_str()
            );
        }
        let (zh, en) = (keys(Lang::ZhCn), keys(Lang::En));
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(only_zh.is_empty(), "missing from en.json: {only_zh:?}");
        assert!(only_en.is_empty(), "missing from zh-CN.json: {only_en:?}");
    }

    #[test]
    fn placeholders_agree_between_the_languages() {
        let holes = |s: &str| -> BTreeSet<String> {
            s.split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(k, _)| k.to_string()))
                .collect()
        };
        for k in keys(Lang::ZhCn) {
            assert_eq!(
                holes(&tr(Lang::ZhCn, &k)),
                holes(&tr(Lang::En, &k)),
                "placeholders of {k}"
            );
        }
    }

    /// Every literal key the crate's code passes to `tr`, `trf` or `key!` is in both
    /// catalogues (the sources are scanned, so a new chart cannot forget its strings).
    #[test]
    fn every_key_the_code_uses_is_in_both_catalogues() {
        let sources = [
            include_str!("charts.rs"),
            include_str!("kpi.rs"),
            include_str!("risk.rs"),
            include_str!("briefing.rs"),
            include_str!("slides.rs"),
        ];
        let mut used = BTreeSet::new();
        for src in sources {
            for call in [
                "tr(lang, \"",
                "trf(lang, \"",
                "tr(self.lang, \"",
                "trf(self.lang, \"",
            ] {
                for part in src.split(call).skip(1) {
                    if let Some((key, _)) = part.split_once('"') {
                        used.insert(key.to_string());
                    }
                }
            }
        }
        assert!(used.len() > 20, "the scan found only {used:?}");
        for lang in Lang::ALL {
            let missing: Vec<_> = used.iter().filter(|k| !has(lang, k)).collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", lang.as_str());
        }
    }

    /// Keys built from values (`channel.*`, `rating.*`, …) exist for every value the model has.
    #[test]
    fn every_value_family_is_complete_in_both_catalogues() {
        let mut need: Vec<String> = Vec::new();
        need.extend(
            onemap::model::Channel::ALL
                .iter()
                .map(|c| format!("channel.{}", c.as_str())),
        );
        need.extend(
            onemap_geo::dataset::Rating::ALL
                .iter()
                .map(|r| format!("rating.{}", r.as_str())),
        );
        need.extend(
            onemap_geo::dataset::Service::ALL
                .iter()
                .map(|s| format!("service.{}", s.as_str())),
        );
        need.extend(crate::charts::DOMAINS.iter().map(|d| format!("domain.{d}")));
        need.extend(
            crate::charts::ChartId::ALL
                .iter()
                .map(|c| c.title_key().to_string()),
        );
        need.extend((1..=3).map(|g| format!("grade.{g}")));
        for lang in Lang::ALL {
            let missing: Vec<_> = need.iter().filter(|k| !has(lang, k)).collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", lang.as_str());
        }
    }
}
