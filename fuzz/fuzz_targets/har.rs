//! The HAR readers: a cassette (`check --replay`) and a HAR file given to
//! `validate`. Any bytes: an error naming the file, or a cassette that
//! survives being written back and read again; never a panic.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ppob_contract::input::har::har_documents;
use ppob_contract::transport::cassette::{self, CassetteMeta};
use ppob_contract::transport::redact::Redactor;
use ppob_contract::validate::{Engine, EngineOptions, Input};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(EngineOptions::default()))
}

fuzz_target!(|bytes: &[u8]| {
    let path = Path::new("fuzz.har");
    if let Ok(read) = cassette::parse(bytes, path) {
        let meta = read.meta.clone().unwrap_or(CassetteMeta {
            case: "fuzz".into(),
            expect: None,
        });
        let text = cassette::render(&meta, &read.exchanges, &Redactor::new(None))
            .expect("a cassette that was read can be written");
        let again = cassette::parse(text.as_bytes(), path)
            .unwrap_or_else(|e| panic!("a written cassette reads back: {e}\n{text}"));
        assert_eq!(again.exchanges.len(), read.exchanges.len());
    }
    for document in har_documents("fuzz.har", bytes) {
        if let Ok(text) = &document.text {
            engine().check(Input {
                source: &document.source,
                bytes: text,
                kind: document.kind,
                first_line: 1,
            });
        }
    }
});
