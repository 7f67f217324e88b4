//! The environment journeys, on a server with a store of three environments (`default`,
//! `staging`, `prod`) written on disk in the store's layout.
//!
//! The main one: the user opens `/?env=staging`, then `/` (default) and switches to `staging` in
//! the header, binds a model there, previews a promote of two models from `staging` to `prod`
//! (nothing written), applies it (exactly those two lines of prod's file change, its comments
//! stay), then restores prod's version from before the promote in its history: prod's file is
//! then byte for byte what it was. Two short ones: creating an environment as a copy and
//! deleting it after a confirmation; and a `--file` server, which says why it has only
//! `default`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use bedrock_binder_shared::api::EnvSettings;
use fantoccini::Locator;

use super::harness::{Page, journey, journey_in, row, testid};
use super::journeys::{bind_through_picker, rebound};
use crate::helpers::{TestHome, reference};

const NOVA_PRO: &str = "amazon.nova-pro-v1:0";
const NOVA_LITE: &str = "amazon.nova-lite-v1:0";
const LLAMA3: &str = "meta.llama3-70b-instruct-v1:0";
const NOVA_PRO_US: &str = "us.amazon.nova-pro-v1:0";
const NOVA_LITE_US: &str = "us.amazon.nova-lite-v1:0";

const DEFAULT: &str = "# The default environment\namazon.nova-pro-v1:0=\n";

/// Staging calls the Nova models through the US system profiles; Nova Lite still has prod's
/// ARN until the journey binds it.
const STAGING: &str = "# Staging: US system profiles\n\
                       amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n\
                       amazon.nova-lite-v1:0=arn:aws:bedrock:us-east-2:521369004927:inference-profile/us.amazon.nova-lite-v1:0\n\
                       \n\
                       # Llama 3 is being tried through its profile here only\n\
                       meta.llama3-70b-instruct-v1:0=us.meta.llama3-70b-instruct-v1:0\n\
                       anthropic.claude-3-haiku-20240307-v1:0=\n";

/// Writes `text` and `settings` as the store keeps environment `name`:
/// `DIR/envs/NAME/inference.txt` and `DIR/envs/NAME/settings.json` (pretty JSON, newline).
fn write_env(store: &Path, name: &str, text: &str, settings: &EnvSettings) {
    let dir = store.join("envs").join(name);
    std::fs::create_dir_all(&dir).expect("create the environment's directory");
    std::fs::write(dir.join("inference.txt"), text).expect("write inference.txt");
    let json = serde_json::to_string_pretty(settings).expect("settings as JSON") + "\n";
    std::fs::write(dir.join("settings.json"), json).expect("write settings.json");
}

/// A home holding a store (`HOME/store`) of `default`, `staging` and `prod` (holding `prod`).
fn seeded_store(prod: &str) -> (TestHome, PathBuf) {
    let home = TestHome::new();
    let store = home.dir.path().join("store");
    let settings = |description: &str, protected: bool| EnvSettings {
        description: description.to_owned(),
        protected,
        ..EnvSettings::default()
    };
    write_env(&store, "default", DEFAULT, &settings("", false));
    // Staging's Nova Pro carries a preset, which a promote of Nova Pro takes along.
    let mut staging = settings("Pre-production", false);
    staging.presets.insert(NOVA_PRO.to_owned(), serde_json::from_str(r#"{"maxTokens":300}"#).expect("a preset"));
    write_env(&store, "staging", STAGING, &staging);
    write_env(&store, "prod", prod, &settings("What the apps call", true));
    (home, store)
}

/// `DIR/envs/NAME/inference.txt`.
fn env_file(store: &Path, name: &str) -> PathBuf {
    store.join("envs").join(name).join("inference.txt")
}

/// The comment lines of `text`, in order.
fn comments(text: &str) -> Vec<&str> {
    text.lines().filter(|line| line.trim_start().starts_with('#')).collect()
}

/// A CSS selector for the environments table's row of `name`.
fn env_row(name: &str) -> String {
    format!("{}[data-env=\"{name}\"]", testid("env-row"))
}

/// Chooses `value` in the `<select>` with `data-testid="id"`.
async fn choose(page: &Page, id: &str, value: &str) -> Result<(), fantoccini::error::CmdError> {
    page.find(&testid(id)).await?.select_by_value(value).await
}

/// Waits until the browser's address contains `needle`.
async fn wait_address(page: &Page, needle: &str) -> Result<String, fantoccini::error::CmdError> {
    page.wait_for(&format!("the address to contain {needle:?}"), move || async move {
        let url = page.client.current_url().await?.to_string();
        Ok(url.contains(needle).then_some(url))
    })
    .await
}

#[tokio::test]
async fn promoting_from_staging_to_prod_writes_two_lines_and_reverting_restores_prod_exactly() {
    // TPipe's example file, with its four comment blocks and ARNs, is prod.
    let prod = reference("seed-example-inference.txt");
    let expected_promoted = rebound(&rebound(&prod, NOVA_PRO, NOVA_PRO_US), NOVA_LITE, NOVA_LITE_US);
    let expected_staging = rebound(STAGING, NOVA_LITE, NOVA_LITE_US);

    // prod's file was written outside the store, so no recorded change produced it: undoing
    // the promote (restoring the text it replaced) is what brings it back.
    let (home, store) = seeded_store(&prod);

    let args: Vec<OsString> = vec!["--store".into(), store.clone().into_os_string()];
    journey_in("envs-promote-revert", home, &args, &[], move |page| async move {
        let prod_file = env_file(&store, "prod");
        let staging_file = env_file(&store, "staging");
        let prod_on_disk = || std::fs::read(&prod_file).expect("read prod's file");

        // An address names its environment: `/?env=staging` is staging's bindings page.
        page.client.goto(&page.address("/?env=staging")).await?;
        page.wait_text(&row("binding-row", LLAMA3), "us.meta.llama3-70b-instruct-v1:0").await?;
        let switcher = page.find(&testid("env-switcher")).await?;
        assert_eq!(switcher.prop("value").await?.as_deref(), Some("staging"));

        // Without one, the app opens on `default`: the header says so and lists every
        // environment.
        page.open().await?;
        page.find(&row("binding-row", NOVA_PRO)).await?;
        let switcher = page.find(&testid("env-switcher")).await?;
        assert_eq!(switcher.prop("value").await?.as_deref(), Some("default"));
        let on_page = &page;
        page.wait_for("the switcher to list the three environments", move || async move {
            let options = on_page.client.find_all(Locator::Css("[data-testid=\"env-switcher\"] option")).await?;
            let mut names = Vec::new();
            for option in options {
                names.push(option.attr("value").await?.unwrap_or_default());
            }
            Ok((names == ["default", "prod", "staging"]).then_some(()))
        })
        .await?;

        // Switching to staging loads the bindings page of staging, at `/?env=staging`.
        choose(&page, "env-switcher", "staging").await?;
        wait_address(&page, "?env=staging#/bindings").await?;
        page.wait_text(&row("binding-row", LLAMA3), "us.meta.llama3-70b-instruct-v1:0").await?;
        let switcher = page.find(&testid("env-switcher")).await?;
        assert_eq!(switcher.prop("value").await?.as_deref(), Some("staging"));

        // Bind Nova Lite in staging through its row's picker: staging's file changes, prod's not.
        bind_through_picker(&page, NOVA_LITE, NOVA_LITE_US).await?;
        page.wait_text(&row("binding-row", NOVA_LITE), NOVA_LITE_US).await?;
        assert_eq!(std::fs::read_to_string(&staging_file)?, expected_staging, "only staging's Nova Lite line changed");
        assert_eq!(prod_on_disk(), prod.as_bytes(), "binding in staging leaves prod alone");

        // Promote: from staging (this page's environment) into prod.
        page.click("nav-promote").await?;
        wait_address(&page, "/envs?env=staging#/promote").await?;
        let from = page.find(&testid("promote-from")).await?;
        assert_eq!(from.prop("value").await?.as_deref(), Some("staging"));
        choose(&page, "promote-to", "prod").await?;
        // The diff, binding by binding: both Nova models and Llama 3 differ; the models only
        // prod binds are shown too, and cannot be chosen. (Waited for: until prod's diff
        // arrives, the rows are those of the environment chosen first.)
        page.wait_text(&row("diff-row", "deepseek.r1-v1:0"), "deepseek").await?;
        let nova_lite_row = page.find(&row("diff-row", NOVA_LITE)).await?;
        let text = nova_lite_row.text().await?;
        assert!(text.contains(NOVA_LITE_US) && text.contains("arn:aws:bedrock"), "both values: {text}");
        assert_eq!(nova_lite_row.attr("data-change").await?.as_deref(), Some("changed"));
        let deepseek = page.find(&row("diff-row", "deepseek.r1-v1:0")).await?;
        assert_eq!(deepseek.attr("data-change").await?.as_deref(), Some("added"), "only in prod");
        let boxes = deepseek.find_all(Locator::Css(&testid("promote-model"))).await?;
        assert!(boxes.is_empty(), "a promote never removes, so a binding only prod has has no box");
        let llama = page.find(&row("diff-row", LLAMA3)).await?;
        // Every promotable model starts chosen: leave Llama 3 out.
        let llama_box = page.find_in(&llama, &testid("promote-model")).await?;
        assert!(llama_box.is_selected().await?, "every model the source binds starts chosen");
        llama_box.click().await?;
        page.wait_text("body", "2 models chosen.").await?;

        // Preview: the two models, what the gate found, and nothing written.
        page.find(&testid("promote-reason")).await?.send_keys("Nova through the US profiles").await?;
        page.click("promote-preview").await?;
        let preview = page.find(&testid("promote-preview-result")).await?;
        let changes = page.models("promote-change").await?;
        assert_eq!(changes, [NOVA_LITE, NOVA_PRO], "the preview promotes exactly the two chosen models");
        let gate = page.find_in(&preview, &testid("gate-verdict")).await?.text().await?;
        assert!(gate.contains("no problem"), "system profile ids of active models pass the gate: {gate}");
        let diff = page.find_in(&preview, &testid("promote-diff")).await?.text().await?;
        assert!(diff.contains("2 line(s) added, 2 removed"), "prod's line diff: {diff}");
        let presets = page.find_in(&preview, &testid("promote-presets")).await?.text().await?;
        let expected = format!("{NOVA_PRO}: in prod now no preset; after the promote maxTokens=300");
        assert!(presets.contains(&expected), "the preset travels with its binding: {presets}");
        assert_eq!(prod_on_disk(), prod.as_bytes(), "a preview writes nothing");

        // Apply: exactly those two lines of prod change, and every comment stays.
        let apply = page.find(&testid("promote-apply")).await?;
        page.wait_enabled(&apply, "Apply").await?;
        apply.click().await?;
        let status = page.wait_text(&testid("status"), "Promoted 2 bindings from staging to prod").await?;
        assert!(status.contains("change #"), "the status names the recorded change: {status}");
        page.wait_gone(&testid("promote-preview-result")).await?;
        let promoted = String::from_utf8(prod_on_disk())?;
        assert_eq!(promoted, expected_promoted, "only the two promoted lines changed");
        assert_eq!(comments(&promoted), comments(&prod), "every comment of prod stays, in order");
        let prod_settings = std::fs::read_to_string(store.join("envs/prod/settings.json"))?;
        assert!(prod_settings.contains("\"maxTokens\": 300"), "prod has Nova Pro's preset now: {prod_settings}");
        // The diff now shows only what was left out.
        page.wait_gone(&row("diff-row", NOVA_PRO)).await?;
        page.find(&row("diff-row", LLAMA3)).await?;

        // History of prod: switch environments on this bundle's page, then open History.
        page.click("nav-history").await?;
        page.find(&testid("history-entry")).await?;
        choose(&page, "env-switcher", "prod").await?;
        wait_address(&page, "/envs?env=prod#/history").await?;
        page.wait_text("#history-title", "History of prod").await?;
        let newest = page.find(&testid("history-entry")).await?;
        assert_eq!(newest.attr("data-kind").await?.as_deref(), Some("promote"), "the promote is the newest change");
        let newest_text = newest.text().await?;
        assert!(newest_text.contains("Nova through the US profiles"), "its reason: {newest_text}");
        let mut models = Vec::new();
        for change in newest.find_all(Locator::Css(&testid("history-change"))).await? {
            models.push(change.attr("data-model").await?.unwrap_or_default());
        }
        assert_eq!(models, [NOVA_LITE, NOVA_PRO], "the promote changed the two bindings");
        assert!(
            newest.find_all(Locator::Css(&testid("history-revert"))).await?.is_empty(),
            "the current version cannot be restored: it is current"
        );
        let seq: u64 = newest.attr("data-seq").await?.unwrap_or_default().parse()?;

        // Undo the promote: restore the text it replaced.
        page.find_in(&newest, &testid("history-undo")).await?.click().await?;
        let confirm = page.find_in(&newest, &testid("history-undo-confirm")).await?;
        page.find_in(&confirm, &testid("history-undo-reason")).await?.send_keys("undo the promote").await?;
        assert_eq!(prod_on_disk(), promoted.as_bytes(), "asking to revert writes nothing yet");
        page.find_in(&confirm, &testid("history-undo-button")).await?.click().await?;
        page.wait_text(&testid("status"), &format!("Undid change #{seq}")).await?;
        assert!(
            prod_on_disk() == prod.as_bytes(),
            "prod is byte for byte what it was:\n{}",
            String::from_utf8_lossy(&prod_on_disk())
        );

        // The history now starts with the revert, which says why.
        let on_page = &page;
        page.wait_for("the revert at the top of the history", move || async move {
            let Some(top) = on_page.try_find(&testid("history-entry")).await? else { return Ok(None) };
            Ok((top.attr("data-kind").await?.as_deref() == Some("revert")).then_some(()))
        })
        .await?;
        page.wait_text(&testid("history-entry"), "undo the promote").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn an_environment_is_created_as_a_copy_then_deleted_after_a_confirmation() {
    let prod = reference("seed-example-inference.txt");
    let (home, store) = seeded_store(&prod);
    let args: Vec<OsString> = vec!["--store".into(), store.clone().into_os_string()];
    journey_in("envs-create-delete", home, &args, &[], move |page| async move {
        // An address whose environment is not a name says so, and offers `default`.
        page.client.goto(&page.address("/?env=Prod")).await?;
        let said = page.wait_text(&testid("bad-env"), "lower-case").await?;
        assert!(said.contains("Open the default environment"), "{said}");

        page.open().await?;
        page.click("nav-envs").await?;
        wait_address(&page, "/envs#/envs").await?;
        let prod_row = page.find(&env_row("prod")).await?;
        let text = prod_row.text().await?;
        assert!(text.contains("What the apps call") && text.contains("yes"), "prod's settings: {text}");
        let bindings = page.find_in(&prod_row, &testid("env-bindings")).await?.text().await?;
        assert_eq!(bindings, "7", "prod binds seven models");
        // Its health badge: this server has no AWS region, so its scheduled check cannot tell.
        let health = page.find_in(&prod_row, &testid("env-health")).await?;
        let status = health.attr("data-status").await?;
        assert_eq!(status.as_deref(), Some("unchecked"), "no region, no verdict: {}", health.text().await?);

        // A name that is not one is explained before anything is sent.
        let name = page.find(&testid("env-create-name")).await?;
        name.send_keys("QA").await?;
        page.wait_text(&testid("env-create-error"), "lower-case").await?;
        assert!(!page.find(&testid("env-create-submit")).await?.is_enabled().await?, "Create waits for a valid name");
        page.retype(&name, "qa").await?;
        page.wait_gone(&testid("env-create-error")).await?;
        choose(&page, "env-create-from", "staging").await?;
        page.click("env-create-submit").await?;
        page.wait_text(&testid("status"), "Created qa (a copy of staging)").await?;
        let qa = env_row("qa");
        page.wait_text(&qa, "Pre-production").await?;
        assert_eq!(std::fs::read_to_string(env_file(&store, "qa"))?, STAGING, "qa starts as staging's file");
        let on_page = &page;
        page.wait_for("the switcher to offer qa", move || async move {
            let option = on_page.try_find("[data-testid=\"env-switcher\"] option[value=\"qa\"]").await?;
            Ok(option.map(|_| ()))
        })
        .await?;

        // Delete asks first; keeping it writes nothing.
        let qa_row = page.find(&qa).await?;
        page.find_in(&qa_row, &testid("env-delete")).await?.click().await?;
        let confirm = page.find(&testid("env-delete-confirm")).await?;
        assert!(confirm.text().await?.contains("history is kept"));
        confirm.find(Locator::Css("button:not(.danger)")).await?.click().await?;
        page.wait_gone(&testid("env-delete-confirm")).await?;
        assert!(env_file(&store, "qa").exists(), "keeping it deletes nothing");
        let qa_row = page.find(&qa).await?;
        page.find_in(&qa_row, &testid("env-delete")).await?.click().await?;
        page.click("env-delete-confirm-button").await?;
        page.wait_text(&testid("status"), "Deleted qa").await?;
        page.wait_gone(&qa).await?;
        assert!(!env_file(&store, "qa").exists(), "qa's file is gone");
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_server_on_one_file_says_why_environments_cannot_be_created() {
    journey("envs-file-store", DEFAULT.as_bytes(), move |page| async move {
        page.open().await?;
        page.click("nav-envs").await?;
        page.wait_text(&testid("envs-file-store"), "serve --store DIR").await?;
        page.find(&env_row("default")).await?;
        assert!(page.try_find(&testid("env-create")).await?.is_none(), "no create form");
        assert!(page.try_find(&testid("env-delete")).await?.is_none(), "no delete button");
        Ok(())
    })
    .await;
}
