//! The CJK fonts the PDF embeds: Noto Sans CJK from Debian's `fonts-noto-cjk` (which the
//! project's scripts install), regular and bold.
//!
//! Debian ships them as TrueType/OpenType *collections* (`.ttc`) holding the Japanese, Korean,
//! Simplified and Traditional Chinese faces; the face is picked by its family name (`Noto Sans
//! CJK SC`), not by position, since the order differs between releases. `ONEMAP_REPORT_FONT`
//! (and `ONEMAP_REPORT_FONT_BOLD`) point at another font file when set.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::ReportError;

/// Where Debian (and a few other systems) keep Noto Sans CJK.
const REGULAR: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
];
const BOLD: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc",
];

/// One face of a font file.
#[derive(Debug, Clone)]
pub struct Face {
    /// The file's bytes (shared: a CJK collection is 20 MB).
    pub data: Arc<Vec<u8>>,
    /// Index of the face in a collection (0 for a plain font file).
    pub index: u32,
    /// Where it came from.
    pub path: PathBuf,
    /// Its family name.
    pub family: String,
}

/// The regular and bold faces.
#[derive(Debug, Clone)]
pub struct Fonts {
    /// Body text.
    pub regular: Face,
    /// Headings and table headers (the regular face when no bold one is found).
    pub bold: Face,
}

/// The family name of face `index` of `data`.
fn family(data: &[u8], index: u32) -> Option<String> {
    let face = ttf_parser::Face::parse(data, index).ok()?;
    let names = face.names();
    let mut best: Option<String> = None;
    for n in names {
        // 16: typographic family; 1: family. Prefer English (Unicode / Windows en-US) names.
        if (n.name_id == 16 || n.name_id == 1)
            && n.is_unicode()
            && (n.name_id == 16 || best.is_none())
            && let Some(s) = n.to_string()
        {
            best = Some(s);
        }
    }
    best
}

/// The face of `path` whose family contains `want` (e.g. `CJK SC`), else its first face.
///
/// # Errors
/// [`ReportError::Font`] when the file cannot be read or holds no face.
pub fn face_of(path: &Path, want: &str) -> Result<Face, ReportError> {
    let data =
        std::fs::read(path).map_err(|e| ReportError::Font(format!("{}: {e}", path.display())))?;
    let count = ttf_parser::fonts_in_collection(&data).unwrap_or(1);
    let mut first: Option<(u32, String)> = None;
    for index in 0..count {
        let Some(fam) = family(&data, index) else {
            continue;
        };
        if fam.contains(want) {
            return Ok(Face {
                data: Arc::new(data),
                index,
                path: path.to_path_buf(),
                family: fam,
            });
        }
        first.get_or_insert((index, fam));
    }
    let (index, family) = first.ok_or_else(|| {
        ReportError::Font(format!("{}: no usable font face in it", path.display()))
    })?;
    Ok(Face {
        data: Arc::new(data),
        index,
        path: path.to_path_buf(),
        family,
    })
}

fn find(env: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env)
        .map(PathBuf::from)
        .filter(|p| p.is_file())
    {
        return Some(p);
    }
    candidates.iter().map(PathBuf::from).find(|p| p.is_file())
}

/// The system's Noto Sans CJK SC, regular and bold, loaded once per process.
///
/// # Errors
/// [`ReportError::Font`] naming the package to install when no CJK font is found.
pub fn system() -> Result<&'static Fonts, ReportError> {
    static FONTS: OnceLock<Result<Fonts, String>> = OnceLock::new();
    let loaded = FONTS.get_or_init(|| {
        let regular = find("ONEMAP_REPORT_FONT", REGULAR).ok_or_else(|| {
            "no CJK font for the PDF report: install Debian's fonts-noto-cjk (or set ONEMAP_REPORT_FONT to a font file)".to_string()
        })?;
        let regular = face_of(&regular, "CJK SC").map_err(|e| e.to_string())?;
        let bold = match find("ONEMAP_REPORT_FONT_BOLD", BOLD) {
            Some(p) => face_of(&p, "CJK SC").map_err(|e| e.to_string())?,
            None => regular.clone(),
        };
        Ok(Fonts { regular, bold })
    });
    loaded.as_ref().map_err(|e| ReportError::Font(e.clone()))
}
