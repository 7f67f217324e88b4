#![no_main]
//! Fuzz target `edit`: the property in shared/tests/fuzz_properties/edit.rs.

#[path = "../../shared/tests/fuzz_properties/edit.rs"]
mod edit;

libfuzzer_sys::fuzz_target!(|data: &[u8]| edit::check(data));
