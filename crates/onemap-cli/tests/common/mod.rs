//! Shared by the CLI's tests that run the built `onemap` as a user would.

use std::path::PathBuf;
use std::process::Command;

/// Runs `onemap ARGS` in a fresh temporary directory named after `tag`, asserts that it
/// succeeded, and returns the directory (for the files it wrote) and its stdout.
pub fn onemap_in_fresh_dir(tag: &str, args: &[&str]) -> (PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("onemap-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = Command::new(env!("CARGO_BIN_EXE_onemap"))
        .args(args)
        .current_dir(&dir)
        .output()
        .expect("run onemap");
    assert!(
        out.status.success(),
        "onemap {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    (dir, String::from_utf8_lossy(&out.stdout).into_owned())
}
