//! The preset journey: a binding's preset set through its row's editor, shown in the row and
//! stored in the file's settings (never in `inference.txt`); saved again over a change made
//! elsewhere after a 412; an out-of-range temperature refused in the browser, naming the
//! field, with nothing sent; then the preset cleared.

use std::path::PathBuf;

use fantoccini::error::CmdError;
use serde_json::Value;

use super::harness::{Page, journey, row, testid};

const NOVA: &str = "amazon.nova-pro-v1:0";
const SEED: &str = "# team bindings\namazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n";

/// The settings file of the journey's binding file: a single file keeps its settings in the
/// user's state directory (`HOME/.local/state/bedrock-binder/files/HASH/settings.json`), and
/// the server runs with the journey's temporary HOME. `None` until the first write.
fn settings_file(page: &Page) -> Option<PathBuf> {
    let home = page.file.parent().and_then(|aws| aws.parent()).expect("the file is HOME/.aws/inference.txt");
    let files = home.join(".local/state/bedrock-binder/files");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&files)
        .ok()?
        .flatten()
        .map(|entry| entry.path().join("settings.json"))
        .filter(|path| path.is_file())
        .collect();
    assert!(found.len() <= 1, "one binding file, one settings file: {found:?}");
    found.pop()
}

/// The preset of `model` in the settings on disk now.
fn preset_on_disk(page: &Page, model: &str) -> Option<Value> {
    let path = settings_file(page)?;
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let settings: Value = serde_json::from_str(&text).expect("the settings are JSON");
    settings.get("presets").and_then(|presets| presets.get(model)).cloned()
}

/// Opens `model`'s preset editor from its row.
async fn open_editor(page: &Page, model: &str) -> Result<fantoccini::elements::Element, CmdError> {
    let table_row = page.find(&row("binding-row", model)).await?;
    page.find_in(&table_row, &testid("preset-button")).await?.click().await?;
    page.find_in(&table_row, &testid("preset-editor")).await
}

#[tokio::test]
async fn a_preset_is_set_in_its_row_survives_a_conflict_is_refused_out_of_range_unsent_and_cleared() {
    journey("presets", SEED.as_bytes(), move |page| async move {
        page.open().await?;
        // Each row also frames its usage sparkline, drawn by the server for that binding.
        let table_row = page.find(&row("binding-row", NOVA)).await?;
        let sparkline = page.find_in(&table_row, &testid("usage-sparkline")).await?;
        let src = sparkline.attr("src").await?.unwrap_or_default();
        assert!(src.ends_with(&format!("/usage/sparkline.svg?model={}", NOVA.replace(':', "%3A"))), "{src}");
        assert_eq!(sparkline.attr("title").await?.as_deref(), Some("Usage"));
        let editor = open_editor(&page, NOVA).await?;
        let field = |name: &'static str| {
            let (page, editor) = (&page, &editor);
            async move { page.find_in(editor, &testid(&format!("preset-{name}"))).await }
        };
        field("maxTokens").await?.send_keys("512").await?;
        field("temperature").await?.send_keys("0.2").await?;
        field("stopSequences").await?.send_keys("END").await?;
        field("serviceTier").await?.select_by_value("flex").await?;
        field("latency").await?.select_by_value("optimized").await?;
        field("requestMetadata").await?.send_keys("team=search").await?;
        page.find_in(&editor, &testid("preset-save")).await?.click().await?;

        // What the page shows: the status, then the row's summary (the editor closes).
        page.wait_text(&testid("status"), "Saved: set the preset of").await?;
        page.wait_gone(&testid("preset-editor")).await?;
        let summary = page
            .wait_text(
                &format!("{} {}", row("binding-row", NOVA), testid("preset-summary")),
                "maxTokens=512 temperature=0.2",
            )
            .await?;
        assert!(summary.contains(r#"serviceTier=flex latency=optimized requestMetadata.team="search""#), "{summary}");

        // What is on disk: the preset in the settings, the binding file untouched.
        let stored = preset_on_disk(&page, NOVA).expect("the preset is stored");
        assert_eq!(
            stored,
            serde_json::json!({
                "maxTokens": 512, "temperature": 0.2, "stopSequences": ["END"], "serviceTier": "flex",
                "performanceConfig": {"latency": "optimized"}, "requestMetadata": {"team": "search"}
            })
        );
        assert_eq!(page.disk_text(), SEED, "a preset never touches inference.txt");

        // Someone else changes the presets while the editor is open: Save is refused (412),
        // theirs are reloaded into the row, what was typed stays, and Save again applies it.
        let editor = open_editor(&page, NOVA).await?;
        let max_tokens = page.find_in(&editor, &testid("preset-maxTokens")).await?;
        page.retype(&max_tokens, "256").await?;
        let path = settings_file(&page).expect("settings");
        let mut theirs: Value = serde_json::from_slice(&std::fs::read(&path)?)?;
        theirs["presets"][NOVA]["maxTokens"] = Value::from(100);
        std::fs::write(&path, serde_json::to_vec(&theirs)?)?;
        page.find_in(&editor, &testid("preset-save")).await?.click().await?;
        page.wait_text(&testid("status"), "Not saved: the presets changed elsewhere").await?;
        page.wait_text(&testid("preset-summary"), "maxTokens=100 ").await?;
        assert_eq!(max_tokens.prop("value").await?.as_deref(), Some("256"), "what was typed stays");
        page.find_in(&editor, &testid("preset-save")).await?.click().await?;
        page.wait_text(&testid("status"), "Saved: set the preset of").await?;
        page.wait_text(&testid("preset-summary"), "maxTokens=256 temperature=0.2").await?;
        assert_eq!(preset_on_disk(&page, NOVA).and_then(|preset| preset.get("maxTokens").cloned()), Some(256.into()));

        // An out-of-range temperature is refused before anything is sent, naming the field.
        let settings_before = std::fs::read(settings_file(&page).expect("settings"))?;
        let status_before = page.status().await?;
        let editor = open_editor(&page, NOVA).await?;
        let temperature = page.find_in(&editor, &testid("preset-temperature")).await?;
        assert_eq!(temperature.prop("value").await?.as_deref(), Some("0.2"), "the editor starts from the preset");
        page.retype(&temperature, "1.5").await?;
        page.find_in(&editor, &testid("preset-save")).await?.click().await?;
        let error = page.wait_text(&testid("preset-error"), "temperature").await?;
        assert!(error.contains("`temperature`: must be a number from 0 to 1, not 1.5"), "{error}");
        assert_eq!(temperature.attr("aria-invalid").await?.as_deref(), Some("true"));
        assert_eq!(
            page.client.active_element().await?.attr("data-testid").await?.as_deref(),
            Some("preset-temperature"),
            "the focus goes to the field named"
        );
        // A request would have said "Saving: …" in the status line the moment it was sent.
        assert_eq!(page.status().await?, status_before, "nothing was sent");
        assert_eq!(std::fs::read(settings_file(&page).expect("settings"))?, settings_before);

        // Clear deletes the preset: gone from the row and from the settings.
        page.find_in(&editor, &testid("preset-clear")).await?.click().await?;
        page.wait_text(&testid("status"), "Saved: clear the preset of").await?;
        page.wait_gone(&testid("preset-summary")).await?;
        assert_eq!(preset_on_disk(&page, NOVA), None, "the settings hold no preset for {NOVA}");
        assert_eq!(page.disk_text(), SEED);
        Ok(())
    })
    .await;
}
