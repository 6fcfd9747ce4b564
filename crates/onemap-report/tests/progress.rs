//! A report counts its steps on its progress, ending full, and a cancelled one stops with
//! `Cancelled` instead of a document.

use std::sync::Arc;

use onemap_geo::atlas::Atlas;
use onemap_geo::scenario::Baseline;
use onemap_report::{Format, Input, Lang, Progress, ReportError, STEPS, render};

fn with_input(f: impl FnOnce(&Input<'_>)) {
    let atlas = Arc::new(Atlas::example());
    let baseline = Arc::new(Baseline::new(Arc::clone(&atlas), 500.0));
    f(&Input {
        atlas: &atlas,
        baseline: &baseline,
        scenario: None,
        walking: None,
        synthetic: true,
        date: "2026-12-01".into(),
        suggestions: 3,
    });
}

#[test]
fn a_report_counts_every_step_and_ends_full() {
    with_input(|input| {
        let progress = Progress::new();
        let html = render(input, Lang::En, Format::Html, &progress).expect("report");
        assert!(String::from_utf8_lossy(&html).contains("<html"));
        let s = progress.snapshot();
        assert_eq!(
            (s.stage.as_str(), s.done, s.total),
            ("planning report", STEPS, STEPS)
        );
    });
}

#[test]
fn a_cancelled_report_stops_with_cancelled() {
    with_input(|input| {
        let progress = Progress::new();
        progress.cancel();
        let r = render(input, Lang::ZhCn, Format::Html, &progress);
        assert!(
            matches!(r, Err(ReportError::Cancelled)),
            "{:?}",
            r.map(|b| b.len())
        );
        // It stopped at the first step, not at the end.
        assert_eq!(progress.snapshot().done, 1);
    });
}
