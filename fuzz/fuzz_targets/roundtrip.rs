#![no_main]
//! Fuzz target `roundtrip`: the property in shared/tests/fuzz_properties/roundtrip.rs.

#[path = "../../shared/tests/fuzz_properties/roundtrip.rs"]
mod roundtrip;

libfuzzer_sys::fuzz_target!(|data: &[u8]| roundtrip::check(data));
