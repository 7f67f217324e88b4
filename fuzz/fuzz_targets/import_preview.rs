#![no_main]
//! Fuzz target `import_preview`: the property in shared/tests/fuzz_properties/import_preview.rs.

#[path = "../../shared/tests/fuzz_properties/import_preview.rs"]
mod import_preview;

libfuzzer_sys::fuzz_target!(|data: &[u8]| import_preview::check(data));
