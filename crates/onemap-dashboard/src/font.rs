//! Fonts: charts and slides draw Chinese, so they need a CJK font.
//!
//! No font is committed (the Noto CJK collection is about 19 MB). It is found at run time:
//! `ONEMAP_CJK_FONT` (a `.ttf`, `.otf` or `.ttc`) first, then the places Debian's
//! `fonts-noto-cjk` (which the project's scripts install), Fedora, Arch, macOS and Windows put
//! a CJK font. From a collection (`.ttc`) the Simplified Chinese face is taken (Noto Sans CJK
//! SC; the JP face at index 0 draws some characters in Japanese forms) and copied out as a
//! standalone font, because plotters reads the first face of what it is given.
//!
//! SVG carries the family names ([`FAMILY`]) and lets the viewer draw the text with its own
//! fonts; the font found here only measures text for layout there. PNG is drawn with it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::style::FontStyle;

use crate::error::{Error, Result};

/// The font family charts name: plotters registers the found font under this name, and SVG
/// viewers read it as a CSS family list.
pub const FAMILY: &str = "Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, WenQuanYi Micro Hei, sans-serif";

/// Where a CJK regular face is looked for, in order (its bold sibling is looked for beside it).
const CANDIDATES: [&str; 7] = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:\\Windows\\Fonts\\msyh.ttc",
];

/// What [`ensure`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FontInfo {
    /// The file the regular face came from.
    pub regular: PathBuf,
    /// The file the bold face came from (the regular one when no bold was found).
    pub bold: PathBuf,
    /// The face's family name as the font names it.
    pub family: String,
}

/// Finds a CJK font, registers it (regular and bold) with plotters under [`FAMILY`] and says
/// which; later calls return the first answer.
///
/// # Errors
/// [`Error::NoFont`] when no candidate exists or none parses.
pub fn ensure() -> Result<&'static FontInfo> {
    static FOUND: OnceLock<std::result::Result<FontInfo, String>> = OnceLock::new();
    FOUND
        .get_or_init(find_and_register)
        .as_ref()
        .map_err(|looked| Error::NoFont(looked.clone()))
}

/// For SVG, where the font only measures text: a CJK font when there is one, else any common
/// Latin font (the viewer draws the text with its own fonts).
///
/// # Errors
/// [`Error::NoFont`] when not even a Latin font is found.
pub fn ensure_for_layout() -> Result<()> {
    if ensure().is_ok() {
        return Ok(());
    }
    static LATIN: OnceLock<bool> = OnceLock::new();
    let ok = *LATIN.get_or_init(|| {
        LATIN_FALLBACKS.iter().any(|p| {
            std::fs::read(p).is_ok_and(|bytes| {
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                plotters::style::register_font(FAMILY, FontStyle::Normal, bytes).is_ok()
            })
        })
    });
    if ok {
        Ok(())
    } else {
        Err(Error::NoFont(format!(
            "{} and {}",
            CANDIDATES.join(", "),
            LATIN_FALLBACKS.join(", ")
        )))
    }
}

const LATIN_FALLBACKS: [&str; 2] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
];

fn find_and_register() -> std::result::Result<FontInfo, String> {
    let mut looked: Vec<PathBuf> = Vec::new();
    if let Some(p) = std::env::var_os("ONEMAP_CJK_FONT") {
        looked.push(PathBuf::from(p));
    }
    looked.extend(CANDIDATES.iter().map(PathBuf::from));
    for path in &looked {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let Some((face, family)) = simplified_chinese_face(&bytes) else {
            continue;
        };
        // plotters keeps registered fonts for the life of the process and wants them 'static.
        let regular: &'static [u8] = Box::leak(face.into_boxed_slice());
        if plotters::style::register_font(FAMILY, FontStyle::Normal, regular).is_err() {
            continue;
        }
        let bold_path = bold_sibling(path);
        let bold = bold_path
            .as_ref()
            .and_then(|b| std::fs::read(b).ok())
            .and_then(|b| simplified_chinese_face(&b))
            .map(|(f, _)| &*Box::leak(f.into_boxed_slice()))
            .filter(|b| plotters::style::register_font(FAMILY, FontStyle::Bold, b).is_ok());
        return Ok(FontInfo {
            regular: path.clone(),
            bold: if bold.is_some() {
                bold_path.unwrap_or_else(|| path.clone())
            } else {
                path.clone()
            },
            family,
        });
    }
    Err(looked
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", "))
}

fn bold_sibling(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let bold = name.replace("Regular", "Bold");
    (bold != name).then(|| path.with_file_name(bold))
}

/// The standalone bytes and family of the best face in `data` for Simplified Chinese: a plain
/// font is taken as it is if it maps 中; from a collection, the face whose family ends in `SC`
/// (else the first that maps 中).
fn simplified_chinese_face(data: &[u8]) -> Option<(Vec<u8>, String)> {
    let draws_chinese = |f: &ttf_parser::Face<'_>| f.glyph_index('中').is_some();
    match ttf_parser::fonts_in_collection(data) {
        None => {
            let face = ttf_parser::Face::parse(data, 0).ok()?;
            draws_chinese(&face).then(|| (data.to_vec(), family_of(&face)))
        }
        Some(n) => {
            let faces: Vec<(u32, String)> = (0..n)
                .filter_map(|i| {
                    let f = ttf_parser::Face::parse(data, i).ok()?;
                    draws_chinese(&f).then(|| (i, family_of(&f)))
                })
                .collect();
            let (index, family) = faces
                .iter()
                .find(|(_, fam)| fam.ends_with(" SC") && !fam.contains("Mono"))
                .or_else(|| faces.first())?
                .clone();
            Some((extract_face(data, index)?, family))
        }
    }
}

fn family_of(face: &ttf_parser::Face<'_>) -> String {
    let names = face.names();
    (0..names.len())
        .filter_map(|i| names.get(i))
        .filter(|n| n.name_id == ttf_parser::name_id::FAMILY && n.is_unicode())
        .find_map(|n| n.to_string())
        .unwrap_or_default()
}

/// Copies face `index` of a TrueType/OpenType collection out as a standalone font: its table
/// directory with fresh offsets, then each table it names (4-byte aligned).
fn extract_face(data: &[u8], index: u32) -> Option<Vec<u8>> {
    let u32_at = |o: usize| -> Option<u32> {
        Some(u32::from_be_bytes(data.get(o..o + 4)?.try_into().ok()?))
    };
    let u16_at = |o: usize| -> Option<u16> {
        Some(u16::from_be_bytes(data.get(o..o + 2)?.try_into().ok()?))
    };
    if data.get(0..4)? != b"ttcf" || index >= u32_at(8)? {
        return None;
    }
    let dir = u32_at(12 + 4 * index as usize)? as usize;
    let num_tables = usize::from(u16_at(dir + 4)?);
    let header_len = 12 + 16 * num_tables;
    let mut out = data.get(dir..dir + header_len)?.to_vec();
    let mut body: Vec<u8> = Vec::new();
    for t in 0..num_tables {
        let rec = dir + 12 + 16 * t;
        let (offset, length) = (u32_at(rec + 8)? as usize, u32_at(rec + 12)? as usize);
        let table = data.get(offset..offset + length)?;
        let new_offset = u32::try_from(header_len + body.len()).ok()?;
        out[12 + 16 * t + 8..12 + 16 * t + 12].copy_from_slice(&new_offset.to_be_bytes());
        body.extend_from_slice(table);
        while !body.len().is_multiple_of(4) {
            body.push(0);
        }
    }
    out.extend_from_slice(&body);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_simplified_chinese_face_is_taken_from_the_noto_collection() {
        let Ok(bytes) = std::fs::read(CANDIDATES[0]) else {
            panic!(
                "{} is missing: install fonts-noto-cjk (scripts/test.sh does)",
                CANDIDATES[0]
            );
        };
        let (face, family) = simplified_chinese_face(&bytes).expect("a CJK face");
        assert_eq!(family, "Noto Sans CJK SC");
        let parsed = ttf_parser::Face::parse(&face, 0).expect("the extracted face parses alone");
        assert!(parsed.glyph_index('光').is_some() && parsed.glyph_index('A').is_some());
        assert_eq!(family_of(&parsed), "Noto Sans CJK SC");
    }

    #[test]
    fn a_file_that_is_no_font_is_refused() {
        assert!(simplified_chinese_face(b"not a font at all").is_none());
        assert!(extract_face(b"ttcf\0\0\0\0\0\0\0\0", 0).is_none());
    }
}
