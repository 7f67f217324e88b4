//! The presets a diff, promote, change request or history entry changes, one line per model.

use bedrock_binder_shared::preset::{Preset, PresetChange};
use leptos::prelude::*;

/// One line per model: `MODEL: BEFORE → AFTER` (`no preset` for none); nothing when empty.
#[component]
pub fn PresetChanges(
    presets: Vec<PresetChange>,
    /// What the first preset is called (`In staging`, `Before`).
    before: String,
    /// What the second one is called.
    after: String,
    test_id: &'static str,
) -> impl IntoView {
    if presets.is_empty() {
        return ().into_any();
    }
    let shown = |preset: Option<Preset>| preset.map_or_else(|| "no preset".to_owned(), |preset| preset.to_string());
    let items = presets
        .into_iter()
        .map(|change| {
            let line = format!("{}: {before} {}; {after} {}", change.model, shown(change.before), shown(change.after));
            view! { <li>{line}</li> }
        })
        .collect_view();
    view! {
        <section class="preset-diff" data-testid=test_id>
            <h4>"Presets (they travel with their bindings)"</h4>
            <ul>{items}</ul>
        </section>
    }
    .into_any()
}
