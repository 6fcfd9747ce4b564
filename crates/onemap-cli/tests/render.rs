//! `onemap geodata render` draws the Guangming dataset built into the binary when no `--data`
//! is given, so an installed `onemap` prints a map from any directory.

use std::process::Command;

#[test]
fn render_draws_the_built_in_dataset_from_any_directory() {
    let dir = std::env::temp_dir().join(format!("onemap-render-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = Command::new(env!("CARGO_BIN_EXE_onemap"))
        .args([
            "geodata", "render", "-o", "map.png", "--paper", "a4", "--dpi", "72",
        ])
        .current_dir(&dir)
        .output()
        .expect("run onemap");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "onemap geodata render failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with("wrote map.png"), "{stdout}");
    let png = std::fs::read(dir.join("map.png")).expect("map.png written");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // A4 landscape at 72 dpi: 842 × 595 px.
    let width = u32::from_be_bytes(png[16..20].try_into().expect("IHDR width"));
    assert_eq!(width, 842);
    let _ = std::fs::remove_dir_all(&dir);
}
