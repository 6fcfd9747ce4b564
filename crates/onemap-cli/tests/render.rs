//! `onemap geodata render` draws the Guangming dataset built into the binary when no `--data`
//! is given, so an installed `onemap` prints a map from any directory.

mod common;

#[test]
fn render_draws_the_built_in_dataset_from_any_directory() {
    let (dir, stdout) = common::onemap_in_fresh_dir(
        "render",
        &[
            "geodata", "render", "-o", "map.png", "--paper", "a4", "--dpi", "72",
        ],
    );
    assert!(stdout.starts_with("wrote map.png"), "{stdout}");
    let png = std::fs::read(dir.join("map.png")).expect("map.png written");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // A4 landscape at 72 dpi: 842 × 595 px.
    let width = u32::from_be_bytes(png[16..20].try_into().expect("IHDR width"));
    assert_eq!(width, 842);
    let _ = std::fs::remove_dir_all(&dir);
}
