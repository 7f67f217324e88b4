#![no_main]
//! Fuzz target `api_json`: the property in shared/tests/fuzz_properties/api_json.rs.

#[path = "../../shared/tests/fuzz_properties/api_json.rs"]
mod api_json;

libfuzzer_sys::fuzz_target!(|data: &[u8]| api_json::check(data));
