//! `onemap geodata generate` with the default seed reproduces `geodata/guangming/` byte for
//! byte, and the city scale is deterministic too.

mod common;

use onemap_gen::{DEFAULT_SEED, Scale};

#[test]
fn generating_with_the_default_seed_reproduces_the_committed_dataset_byte_for_byte() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dataset = onemap_gen::generate(Scale::Guangming, DEFAULT_SEED).expect("generates");
    let written = onemap_gen::write::write(&dataset, dir.path()).expect("writes");
    let committed_dir = common::committed_dir();
    let mut committed_files: Vec<String> = std::fs::read_dir(&committed_dir)
        .expect("committed dir lists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    committed_files.sort();
    let mut written_files: Vec<String> = written.iter().map(|(n, _)| n.clone()).collect();
    written_files.sort();
    assert_eq!(written_files, committed_files, "same files");
    for name in &written_files {
        let fresh = std::fs::read(dir.path().join(name)).expect("fresh file reads");
        let old = std::fs::read(committed_dir.join(name)).expect("committed file reads");
        assert!(
            fresh == old,
            "{name} differs from the committed one; regenerate with `onemap geodata generate --out geodata/guangming`"
        );
    }
}

#[test]
fn another_seed_gives_another_dataset_with_the_same_counts() {
    let a = onemap_gen::generate(Scale::Guangming, DEFAULT_SEED + 1).expect("generates");
    let b = onemap_gen::generate(Scale::Guangming, DEFAULT_SEED).expect("generates");
    assert_eq!(a.buildings.len(), b.buildings.len());
    assert_eq!(a.territory.subgrids.len(), 264);
    assert_ne!(a.buildings[0].lonlat, b.buildings[0].lonlat);
}
