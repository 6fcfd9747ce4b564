//! The window's security settings, read from the files Tauri builds them from: the CSP names no
//! remote origin (the app is offline and talks only to itself), and the capabilities grant the
//! main window nothing beyond listening to the app's own events.
//!
//! Being an integration test of this crate, it also makes `cargo test` build the
//! `onemap-desktop` binary beside the other test binaries, with the workspace's one feature
//! set; `scripts/test.sh` launches that binary under Xvfb instead of building it again.

use serde_json::Value;

fn json(path: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The sources a directive may name: the app itself, inline data, Tauri's IPC and the app's own
/// `tiles` protocol (with the `http://*.localhost` forms WebView2 uses for custom protocols).
const LOCAL: &[&str] = &[
    "'self'",
    "'none'",
    "data:",
    "blob:",
    "ipc:",
    "http://ipc.localhost",
    "tiles:",
    "http://tiles.localhost",
];

#[test]
fn the_csp_names_no_remote_origin_and_allows_no_inline_script() {
    let conf = json("tauri.conf.json");
    let csp = conf["app"]["security"]["csp"]
        .as_str()
        .expect("app.security.csp is a string");
    let mut directives = std::collections::BTreeMap::new();
    for d in csp.split(';').map(str::trim).filter(|d| !d.is_empty()) {
        let mut words = d.split_whitespace();
        let name = words.next().expect("a directive has a name");
        directives.insert(name, words.collect::<Vec<_>>());
    }
    for must in ["default-src", "script-src", "connect-src", "object-src"] {
        assert!(
            directives.contains_key(must),
            "the CSP has no {must}: {csp}"
        );
    }
    for (name, sources) in &directives {
        for s in sources {
            // Inline styles only: MapLibre and the panels set element styles.
            let inline_style = *name == "style-src" && *s == "'unsafe-inline'";
            assert!(
                LOCAL.contains(s) || inline_style,
                "{name} allows {s}, which is not the app itself: {csp}"
            );
        }
    }
    assert_eq!(directives["script-src"], ["'self'"], "{csp}");
    assert_eq!(directives["object-src"], ["'none'"], "{csp}");
}

#[test]
fn the_main_window_may_only_listen_to_events() {
    let cap = json("capabilities/default.json");
    assert_eq!(cap["windows"], serde_json::json!(["main"]));
    let granted: Vec<&str> = cap["permissions"]
        .as_array()
        .expect("permissions is a list")
        .iter()
        .map(|p| p.as_str().expect("a permission by name"))
        .collect();
    assert_eq!(
        granted,
        ["core:event:allow-listen", "core:event:allow-unlisten"]
    );
}

#[test]
fn the_window_loads_the_embedded_ui_not_a_dev_server() {
    let conf = json("tauri.conf.json");
    assert_eq!(conf["build"]["frontendDist"], "../ui/dist");
    // The default features embed ui/dist; without them a plain build would load devUrl.
    let manifest = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"),
    )
    .expect("Cargo.toml");
    assert!(
        manifest.contains("default = [\"custom-protocol\"]"),
        "onemap-desktop's default features must embed the UI"
    );
}
