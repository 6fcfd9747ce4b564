//! Splitting data-parallel loops over the available cores with `std::thread::scope`.

/// Number of worker threads to use (the available parallelism, at least 1, at most 8).
pub(crate) fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 8))
}

/// Runs `f` on matching chunks of `input` and `output` (same length), one chunk per worker.
pub(crate) fn for_chunks<I: Sync, O: Send>(
    input: &[I],
    output: &mut [O],
    f: impl Fn(&[I], &mut [O]) + Sync,
) {
    debug_assert_eq!(input.len(), output.len());
    let w = workers();
    if w == 1 || input.len() < 4096 {
        f(input, output);
        return;
    }
    let chunk = input.len().div_ceil(w);
    std::thread::scope(|s| {
        for (i, o) in input.chunks(chunk).zip(output.chunks_mut(chunk)) {
            let f = &f;
            s.spawn(move || f(i, o));
        }
    });
}

/// Maps `0..n` in contiguous blocks, one per worker, and returns the per-block results in order.
pub(crate) fn map_blocks<R: Send>(
    n: usize,
    f: impl Fn(std::ops::Range<usize>) -> R + Sync,
) -> Vec<R> {
    let w = workers();
    if w == 1 || n < 1024 {
        return vec![f(0..n)];
    }
    let chunk = n.div_ceil(w);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .step_by(chunk)
            .map(|a| {
                let f = &f;
                s.spawn(move || f(a..(a + chunk).min(n)))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| match h.join() {
                Ok(r) => r,
                Err(e) => std::panic::resume_unwind(e),
            })
            .collect()
    })
}

/// Evaluates `f(point)` for every point of a [`PointIndex`](crate::index::PointIndex) in its
/// storage order — grid order, spatially coherent, sequential in memory — split over the
/// cores, and returns the results indexed by point id (ids must be `0..n`).
pub(crate) fn map_indexed<T: Send + Copy + Default>(
    points: &crate::index::PointIndex,
    f: impl Fn([f64; 2]) -> T + Sync,
) -> Vec<T> {
    let mut by_pos = vec![T::default(); points.len()];
    for_chunks(points.points(), &mut by_pos, |pts, out| {
        for (p, o) in pts.iter().zip(out.iter_mut()) {
            *o = f(*p);
        }
    });
    let mut out = vec![T::default(); points.len()];
    for (id, v) in points.ids().iter().zip(by_pos) {
        out[*id as usize] = v;
    }
    out
}
