#![no_main]
//! Fuzz target `values`: the property in shared/tests/fuzz_properties/values.rs.

#[path = "../../shared/tests/fuzz_properties/values.rs"]
mod values;

libfuzzer_sys::fuzz_target!(|data: &[u8]| values::check(data));
