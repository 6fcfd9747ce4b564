//! Cutting tiles of a city-scale point layer (600,000 points over Shenzhen's extent) at the
//! zooms the map asks: the whole city aggregated (z10), a street aggregated (z13), every point
//! of a dense tile (z14).
use criterion::{Criterion, criterion_group, criterion_main};
use onemap_tiles::{Aggregation, PointInput, PointTiles, TileId};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn city() -> PointTiles {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let pts: Vec<PointInput> = (0..600_000)
        .map(|_| PointInput {
            lon: rng.random_range(113.75..114.6),
            lat: rng.random_range(22.45..22.85),
            class: u8::from(rng.random_bool(0.055)) * 2,
        })
        .collect();
    let agg = Aggregation {
        below_zoom: 14,
        cells_log2: 3,
        classes: vec!["safe".into(), "general".into(), "warning".into()],
    };
    PointTiles::new("buildings", pts, Some(agg))
}

fn bench(c: &mut Criterion) {
    c.bench_function("index 600k points", |b| b.iter(city));
    let layer = city();
    let props = |i: usize, p: &mut onemap_tiles::Props<'_>| {
        p.str("id", &format!("B-{i:06}")).str("rating", "safe");
    };
    for z in [10u8, 13, 14] {
        let t = TileId::containing(114.05, 22.6, z);
        c.bench_function(&format!("cut z{z} ({} points)", layer.count_in(t)), |b| {
            b.iter(|| layer.tile(t, &props))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
