//! `onemap report planning --map FILE` writes the report and, beside it, the map the report
//! carries: the one drawn for the document, not a second computation of the whole report.

mod common;

#[test]
fn the_planning_report_writes_its_map_beside_it() {
    let (dir, _) = common::onemap_in_fresh_dir(
        "report-map",
        &[
            "report",
            "planning",
            "--format",
            "html",
            "--lang",
            "en",
            "--day",
            "2026-12-01",
            "--out",
            "report.html",
            "--map",
            "map.png",
        ],
    );
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html written");
    let png = std::fs::read(dir.join("map.png")).expect("map.png written");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(png[16..20].try_into().expect("IHDR width"));
    assert_eq!(width, onemap_report::MAP_WIDTH);
    // The HTML embeds an image of the same size (base64: 4 characters per 3 bytes).
    let embedded = html
        .split("data:image/png;base64,")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the report embeds its map");
    assert_eq!(embedded.len(), png.len().div_ceil(3) * 4);
    let _ = std::fs::remove_dir_all(&dir);
}
