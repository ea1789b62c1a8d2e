//! The config parser (`ppob-contract.toml`): any text is a config or an
//! error naming the file; never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use ppob_contract::flow::Pacing;
use ppob_contract::config::Config;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    match Config::parse(Path::new("fuzz.toml"), text) {
        Ok(config) => {
            // What the CLI derives from a config must not panic either.
            let _ = config.credentials.as_ref().map(|c| c.credentials());
            for base in [Pacing::sandbox(), Pacing::simulator()] {
                let pacing = config.polling.apply(base);
                let mut interval = pacing.interval;
                for _ in 0..70 {
                    interval = pacing.next_interval(interval);
                }
            }
        }
        Err(e) => assert!(e.to_string().starts_with("fuzz.toml"), "{e}"),
    }
});
