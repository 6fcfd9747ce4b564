//! The PDF report opens in a real PDF reader (poppler, Debian's `poppler-utils`, installed by
//! scripts/test.sh): its Chinese text is extractable (the embedded CJK subset maps back to
//! Unicode), the font is embedded, and every page renders.

use std::process::Command;
use std::sync::Arc;

use onemap_geo::atlas::Atlas;
use onemap_geo::scenario::{Baseline, Edit, Scenario};
use onemap_report::{Format, Input, Lang};

fn poppler(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("{tool} not found ({e}): install Debian's poppler-utils (scripts/test.sh does)")
    });
    assert!(
        out.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn report(lang: Lang, format: Format, with_scenario: bool) -> Vec<u8> {
    let atlas = Arc::new(Atlas::example());
    let baseline = Arc::new(Baseline::new(Arc::clone(&atlas), 500.0));
    let mut sc = Scenario::new(Arc::clone(&baseline));
    sc.apply(&Edit::Add {
        id: None,
        name: Some("东南角新站".into()),
        level: None,
        services: onemap_geo::dataset::Service::ALL.to_vec(),
        lon: 113.9195,
        lat: 22.7020,
    })
    .expect("edit");
    let input = Input {
        atlas: &atlas,
        baseline: &baseline,
        scenario: with_scenario.then_some((&sc, "东南角补点方案")),
        walking: None,
        synthetic: true,
        date: "2026-12-01".into(),
        suggestions: 3,
    };
    onemap_report::render(&input, lang, format, &onemap_report::Progress::new()).expect("report")
}

#[test]
fn the_chinese_pdf_report_embeds_its_font_and_reads_back_as_chinese() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, report(Lang::ZhCn, Format::Pdf, true)).expect("write");
    let p = path.to_str().expect("utf-8 path");
    let text = poppler("pdftotext", &["-layout", p, "-"]);
    for want in [
        "光明区500米服务圈规划报告",
        "一、覆盖概况",
        "社会心理服务",
        "东南角补点方案",
        "合成数据",
    ] {
        assert!(
            text.contains(want),
            "{want:?} missing from the PDF text:\n{text}"
        );
    }
    let fonts = poppler("pdffonts", &[p]);
    assert!(fonts.contains("NotoSansCJK"), "{fonts}");
    for line in fonts.lines().skip(2) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        // name type encoding emb sub uni object ID: every font embedded and mapped to Unicode.
        let n = cols.len();
        assert!(
            n >= 7 && cols[n - 5] == "yes" && cols[n - 3] == "yes",
            "{line}"
        );
    }
    let info = poppler("pdfinfo", &[p]);
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("page count");
    assert!(pages >= 2, "{info}");
    poppler(
        "pdftoppm",
        &[
            "-r",
            "30",
            "-png",
            p,
            dir.path().join("page").to_str().expect("path"),
        ],
    );
    let rendered = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().starts_with("page"))
        })
        .count();
    assert_eq!(rendered, pages);
}

#[test]
fn the_english_report_is_in_english() {
    let html = String::from_utf8(report(Lang::En, Format::Html, false)).expect("utf-8");
    assert!(html.contains("500-metre service coverage planning report"));
    assert!(html.contains("Coverage at a glance") && !html.contains("覆盖概况"));
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, report(Lang::En, Format::Pdf, false)).expect("write");
    let text = poppler("pdftotext", &[path.to_str().expect("path"), "-"]);
    assert!(text.contains("Policy check"), "{text}");
}
