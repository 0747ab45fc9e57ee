//! The headroom-report parser, and every observation evaluated against the
//! triggers of a fixed runbook, in memory.
#![no_main]

use std::sync::OnceLock;

use dossier::evaluate::{self, Outcome};
use dossier::model::report;
use dossier::model::runbook::{self, Runbook};
use dossier::sources::Source;
use libfuzzer_sys::fuzz_target;

const RUNBOOK: &str = include_str!("../../tests/fixtures/check/good/runbooks/capacity-planning.md");

fn runbook() -> &'static Runbook {
    static RUNBOOK_MODEL: OnceLock<Runbook> = OnceLock::new();
    RUNBOOK_MODEL.get_or_init(|| {
        runbook::parse(Source {
            path: "runbooks/capacity-planning.md".to_owned(),
            text: RUNBOOK.to_owned(),
            sha256: String::new(),
        })
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let lines = text.split('\n').count();
    let report = report::parse(Source {
        path: "evidence/capacity_reports/2026-11-03.md".to_owned(),
        text,
        sha256: String::new(),
    });
    assert_eq!(report.folder, "evidence/capacity_reports");
    let _ = report.body();
    for p in &report.problems {
        assert!((1..=lines + 1).contains(&p.pos.line), "{p:?}");
    }
    let Some(meta) = &report.meta else { return };
    for obs in &meta.observations {
        for pos in [obs.group.pos, obs.metric.pos, obs.text.pos] {
            assert!((1..=lines + 1).contains(&pos.line), "{obs:?}");
        }
        if let Outcome::Read { reading, .. } = evaluate::observation(runbook(), obs) {
            assert!(reading.observed.is_finite());
            assert!(reading.headroom.is_none_or(f64::is_finite));
            let _ = evaluate::percent(reading.headroom.unwrap_or(0.0));
        }
    }
});
