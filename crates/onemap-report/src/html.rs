//! The report as one self-contained HTML page: inline style, the map as a `data:` PNG, no
//! request to anywhere, printable on A4 (the browser's print dialog makes the same PDF-like
//! pages).

use base64::Engine as _;

use crate::Lang;
use crate::document::Block;

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
@page { size: A4; margin: 16mm 15mm; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif;
       color: #1d2430; margin: 0 auto; max-width: 190mm; padding: 12mm 0; font-size: 10pt; line-height: 1.5; }
h1 { font-size: 20pt; margin: 0 0 4mm; color: #a4161a; }
.lines p { margin: 0.5mm 0; color: #444; }
h2 { font-size: 13.5pt; margin: 8mm 0 2mm; padding-bottom: 1mm; border-bottom: 1.5px solid #a4161a; break-after: avoid; }
h3 { font-size: 11pt; margin: 5mm 0 1.5mm; break-after: avoid; }
p { margin: 1.5mm 0; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; margin: 2mm 0 3mm; }
thead { display: table-header-group; }
th { background: #eef0f4; text-align: left; font-weight: 600; }
th, td { border: 0.5px solid #c9ced8; padding: 0.8mm 1.6mm; vertical-align: top; }
td.n, th.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) td { background: #f7f8fa; }
tr { break-inside: avoid; }
figure { margin: 2mm 0; break-inside: avoid; }
figure img { width: 100%; border: 0.5px solid #c9ced8; }
figcaption { font-size: 8.5pt; color: #555; margin-top: 1mm; }
"#;

/// Renders `blocks` (with the map PNG) as an HTML document.
///
/// ```
/// use onemap_report::{Lang, document::Block, html::render};
/// let page = render(&[Block::Heading("一、覆盖概况".into()), Block::Para("a < b".into())], &[], Lang::ZhCn);
/// assert!(page.starts_with("<!DOCTYPE html>") && page.contains("lang=\"zh-CN\""));
/// assert!(page.contains("<h2>一、覆盖概况</h2>") && page.contains("a &lt; b"));
/// assert!(!page.contains("http"));
/// ```
#[must_use]
pub fn render(blocks: &[Block], map_png: &[u8], lang: Lang) -> String {
    let mut title = String::new();
    let mut body = String::new();
    for b in blocks {
        match b {
            Block::Title { title: t, lines } => {
                title.clone_from(t);
                body.push_str(&format!("<h1>{}</h1>\n<div class=\"lines\">\n", esc(t)));
                for l in lines {
                    body.push_str(&format!("<p>{}</p>\n", esc(l)));
                }
                body.push_str("</div>\n");
            }
            Block::Heading(t) => body.push_str(&format!("<h2>{}</h2>\n", esc(t))),
            Block::Subheading(t) => body.push_str(&format!("<h3>{}</h3>\n", esc(t))),
            Block::Para(t) => body.push_str(&format!("<p>{}</p>\n", esc(t))),
            Block::Table(t) => {
                body.push_str("<table>\n<thead><tr>");
                for (i, h) in t.headers.iter().enumerate() {
                    let cls = if t.numeric.get(i).copied().unwrap_or(false) {
                        " class=\"n\""
                    } else {
                        ""
                    };
                    body.push_str(&format!("<th{cls}>{}</th>", esc(h)));
                }
                body.push_str("</tr></thead>\n<tbody>\n");
                for row in &t.rows {
                    body.push_str("<tr>");
                    for (i, c) in row.iter().enumerate() {
                        let cls = if t.numeric.get(i).copied().unwrap_or(false) {
                            " class=\"n\""
                        } else {
                            ""
                        };
                        body.push_str(&format!("<td{cls}>{}</td>", esc(c)));
                    }
                    body.push_str("</tr>\n");
                }
                body.push_str("</tbody>\n</table>\n");
            }
            Block::Map(caption) => {
                if map_png.is_empty() {
                    continue;
                }
                let data = base64::engine::general_purpose::STANDARD.encode(map_png);
                body.push_str(&format!(
                    "<figure><img alt=\"{}\" src=\"data:image/png;base64,{data}\"><figcaption>{}</figcaption></figure>\n",
                    esc(caption),
                    esc(caption)
                ));
            }
        }
    }
    let lang_tag = match lang {
        Lang::ZhCn => "zh-CN",
        Lang::En => "en",
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang_tag}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        esc(&title)
    )
}
