//! Browser mode embeds the built UI: refuse to build without it rather than serve nothing.
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-env-changed=CARGO_FEATURE_HTTP");
    if std::env::var_os("CARGO_FEATURE_HTTP").is_none() {
        return;
    }
    // Read at run time, not with env!(): cargo reuses a compiled build script across clones that
    // share one target dir, and a path baked in at compile time would point at another clone.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default();
    let dist = Path::new(&manifest_dir).join("../../ui/dist");
    println!("cargo:rerun-if-changed={}", dist.display());
    println!(
        "cargo:rerun-if-changed={}",
        dist.join("index.html").display()
    );
    if !dist.join("index.html").is_file() {
        panic!(
            "\n\nonemap-server embeds the built UI, and {} has no index.html.\n\
             Build the UI first:  (cd ui && npm ci && npm run build)\n\n",
            dist.display()
        );
    }
}
