//! The properties the fuzz targets in `fuzz/` check, one module per target, each a
//! `check(&[u8])` that panics where its property does not hold. The fuzz targets include these
//! files by path and `fuzz_regressions.rs` runs every kept input through them, so a property is
//! written once and CI replays what the fuzzer found without running the fuzzer.

pub(crate) mod api_json;
pub(crate) mod edit;
pub(crate) mod import_preview;
pub(crate) mod roundtrip;
pub(crate) mod values;
