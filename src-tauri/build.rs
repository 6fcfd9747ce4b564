//! Tauri's build step: embeds the config, capabilities and ui/dist.
fn main() {
    tauri_build::build();
}
