//! The document engine: any bytes, judged as each document kind and with the
//! kind detected from the shape. Never a panic; a verdict every time.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ppob_contract::contract::DocKind;
use ppob_contract::validate::{Engine, EngineOptions, Input};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(EngineOptions::default()))
}

fuzz_target!(|bytes: &[u8]| {
    let engine = engine();
    let kinds = std::iter::once(None).chain(DocKind::ALL.into_iter().map(Some));
    for kind in kinds {
        let report = engine.check(Input {
            source: "fuzz.json",
            bytes,
            kind,
            first_line: 1,
        });
        // Every finding is placed inside the document.
        let lines = 1 + bytes.iter().filter(|b| **b == b'\n').count() as u64;
        for finding in &report.findings {
            assert!(finding.line <= lines, "{finding:?} past line {lines}");
        }
    }
});
