//! Every input kept for a fuzz target still passes that target's property: the crashes the
//! fuzzer found and other inputs worth keeping (`fuzz/regressions/TARGET/`), and the corpus
//! seeds (`fuzz/seeds/TARGET/`). CI runs these; the fuzzer itself runs by hand
//! (`scripts/fuzz.sh`), which copies each new crash into `fuzz/regressions/TARGET/`.

mod fuzz_properties;

use std::path::{Path, PathBuf};

fn kept_inputs(target: &str) -> Vec<PathBuf> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut inputs = Vec::new();
    for kind in ["regressions", "seeds"] {
        let Ok(entries) = std::fs::read_dir(fuzz.join(kind).join(target)) else { continue };
        for entry in entries {
            let path = entry.expect("a readable directory entry").path();
            if path.is_file() {
                inputs.push(path);
            }
        }
    }
    inputs.sort();
    inputs
}

#[track_caller]
fn every_kept_input_passes(target: &str, property: fn(&[u8])) {
    let inputs = kept_inputs(target);
    assert!(!inputs.is_empty(), "fuzz target `{target}` has no kept inputs under fuzz/");
    let failed: Vec<String> = inputs
        .iter()
        .filter(|path| {
            let data = std::fs::read(path).expect("a readable kept input");
            // Each failure prints its panic message; all of them are checked before the verdict.
            std::panic::catch_unwind(|| property(&data)).is_err()
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} kept inputs of `{target}` break its property (replay one with \
         `scripts/fuzz.sh replay {target} FILE`): {failed:#?}",
        failed.len(),
        inputs.len()
    );
}

#[test]
fn kept_roundtrip_inputs_print_back_byte_for_byte() {
    every_kept_input_passes("roundtrip", fuzz_properties::roundtrip::check);
}

#[test]
fn kept_edit_inputs_change_only_the_edited_lines() {
    every_kept_input_passes("edit", fuzz_properties::edit::check);
}

#[test]
fn kept_values_agree_between_parsers_and_the_validator() {
    every_kept_input_passes("values", fuzz_properties::values::check);
}

#[test]
fn kept_import_previews_rebuild_both_texts() {
    every_kept_input_passes("import_preview", fuzz_properties::import_preview::check);
}

#[test]
fn kept_api_bodies_read_back_from_their_own_json() {
    every_kept_input_passes("api_json", fuzz_properties::api_json::check);
}
