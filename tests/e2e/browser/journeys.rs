//! The user journeys of the web UI. Each clicks and types as a user would, then checks what
//! the page shows and what is now on disk. Every one starts from TPipe's example file, so
//! "comments intact" is checked against real comments.

use fantoccini::key::Key;

use super::harness::{Page, journey, row, testid};
use crate::helpers::reference;

const NOVA: &str = "amazon.nova-pro-v1:0";
const NOVA_US: &str = "us.amazon.nova-pro-v1:0";
const HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const HAIKU_US: &str = "us.anthropic.claude-3-haiku-20240307-v1:0";

/// TPipe's example `inference.txt`: four comment blocks, ARNs, direct bindings, blank lines.
fn seed() -> String {
    reference("seed-example-inference.txt")
}

/// `text` with the line binding `model` changed to `model=profile`, its line ending kept.
#[track_caller]
pub(super) fn rebound(text: &str, model: &str, profile: &str) -> String {
    let prefix = format!("{model}=");
    let mut found = 0;
    let out = text
        .split_inclusive('\n')
        .map(|line| {
            if line.starts_with(&prefix) {
                found += 1;
                let ending = &line[line.trim_end_matches(['\r', '\n']).len()..];
                format!("{prefix}{profile}{ending}")
            } else {
                line.to_owned()
            }
        })
        .collect();
    assert_eq!(found, 1, "{model} is bound on exactly one line of the seed");
    out
}

/// Every comment line of `before` is still in `after`, in the same order.
#[track_caller]
fn assert_comments_intact(before: &str, after: &str) {
    let comments = |text: &str| -> Vec<String> {
        text.lines().filter(|line| line.trim_start().starts_with('#')).map(str::to_owned).collect()
    };
    let wanted = comments(before);
    assert!(!wanted.is_empty(), "the seed has comments to keep");
    let kept: Vec<String> = comments(after).into_iter().filter(|line| wanted.contains(line)).collect();
    assert_eq!(kept, wanted, "every comment survives, in order; the file is now:\n{after}");
}

/// Opens the picker of a bindings-page row, for `model`.
async fn open_row_picker(
    page: &Page,
    model: &str,
) -> Result<fantoccini::elements::Element, fantoccini::error::CmdError> {
    let table_row = page.find(&row("binding-row", model)).await?;
    page.find_in(&table_row, &testid("bind-button")).await?.click().await?;
    page.find_in(&table_row, &testid("profile-input")).await?;
    Ok(table_row)
}

/// Binds `model` to `profile` through its row's picker, and waits until the status says it
/// was saved.
pub(super) async fn bind_through_picker(
    page: &Page,
    model: &str,
    profile: &str,
) -> Result<(), fantoccini::error::CmdError> {
    let table_row = open_row_picker(page, model).await?;
    let input = page.find_in(&table_row, &testid("profile-input")).await?;
    page.retype(&input, profile).await?;
    let save = page.find_in(&table_row, &testid("profile-save")).await?;
    page.wait_enabled(&save, "the picker's Bind button").await?;
    save.click().await?;
    page.wait_text(&testid("status"), "Saved").await?;
    Ok(())
}

#[tokio::test]
async fn searching_the_catalog_then_binding_nova_pro_writes_that_line_and_keeps_every_comment() {
    let seed = seed();
    let expected = rebound(&seed, NOVA, NOVA_US);
    let before = seed.clone();
    journey("catalog-search-and-bind", seed.as_bytes(), move |page| async move {
        page.open().await?;
        page.click("nav-catalog").await?;
        // The source line names the embedded catalog and its date, not the file's whole header.
        let source = page.wait_text(&testid("catalog-source"), "embedded catalog of ").await?;
        assert!(!source.contains("Compiled"), "the header stays behind the toggle: {source:?}");

        let search = page.find(&testid("catalog-search")).await?;
        search.send_keys("nova-pro").await?;
        let on_page = &page;
        let shown = page
            .wait_for("the catalog to show only nova-pro models", move || async move {
                let models = on_page.models("catalog-row").await?;
                Ok((!models.is_empty() && models.iter().all(|m| m.contains("nova-pro"))).then_some(models))
            })
            .await?;
        assert!(shown.iter().any(|m| m == NOVA), "the search finds {NOVA}: {shown:?}");

        let catalog_row = page.find(&row("catalog-row", NOVA)).await?;
        page.find_in(&catalog_row, &testid("catalog-bind")).await?.click().await?;
        let input = page.find_in(&catalog_row, &testid("profile-input")).await?;
        page.retype(&input, NOVA_US).await?;
        let save = page.find_in(&catalog_row, &testid("profile-save")).await?;
        page.wait_enabled(&save, "the picker's Bind button").await?;
        save.click().await?;

        let status = page.wait_text(&testid("status"), "Saved").await?;
        assert!(status.contains(NOVA_US), "the status line names the new binding: {status:?}");
        page.wait_gone(&testid("profile-input")).await?;

        // What the page shows: the bindings table has the new profile for the model.
        page.click("nav-bindings").await?;
        let text = page.wait_text(&row("binding-row", NOVA), NOVA_US).await?;
        assert!(!text.contains("arn:aws:bedrock"), "the old ARN is gone from the row: {text:?}");

        // What is on disk: that one line changed, every other byte as it was.
        let on_disk = page.disk_text();
        assert!(on_disk.lines().any(|line| line == format!("{NOVA}={NOVA_US}")), "{on_disk}");
        assert_comments_intact(&before, &on_disk);
        assert_eq!(on_disk, expected, "only the nova-pro line changes");
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_malformed_arn_shows_an_inline_error_and_save_stays_disabled() {
    let seed = seed();
    // Eleven account digits: one short.
    const BAD: &str = "arn:aws:bedrock:us-east-2:52136900492:inference-profile/us.amazon.nova-pro-v1:0";
    const GOOD: &str = "arn:aws:bedrock:us-east-2:521369004920:inference-profile/us.amazon.nova-pro-v1:0";
    let unchanged = seed.clone();
    journey("malformed-arn", seed.as_bytes(), move |page| async move {
        page.open().await?;
        let table_row = open_row_picker(&page, NOVA).await?;
        let input = page.find_in(&table_row, &testid("profile-input")).await?;
        let save = page.find_in(&table_row, &testid("profile-save")).await?;

        page.retype(&input, BAD).await?;
        let error = page.wait_text(&testid("profile-error"), "12 digits").await?;
        assert!(error.contains("52136900492"), "the error quotes the bad account: {error:?}");
        assert!(!save.is_enabled().await?, "Save is disabled while the ARN is malformed");
        assert_eq!(input.attr("aria-invalid").await?.as_deref(), Some("true"));

        // Enter submits the form; with a malformed value it must do nothing.
        input.send_keys(&Key::Enter).await?;
        assert!(page.try_find(&testid("profile-error")).await?.is_some(), "the error is still shown");
        assert!(!page.status().await?.contains("Sav"), "nothing is being saved");

        // Fixing the account clears the error and enables Save; Cancel then writes nothing.
        page.retype(&input, GOOD).await?;
        page.wait_enabled(&save, "Bind, once the ARN is fixed").await?;
        page.wait_gone(&testid("profile-error")).await?;
        input.send_keys(&Key::Escape).await?;
        page.wait_gone(&testid("profile-input")).await?;

        assert_eq!(page.disk_text(), unchanged, "nothing was written");
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn saving_after_the_file_changed_on_disk_shows_a_conflict_and_keeps_the_other_edit() {
    let seed = seed();
    // Someone edits the file in an editor while the page is open.
    let theirs = format!("{}# Llama 3 now goes through the US profile\n", seed).replace(
        "meta.llama3-70b-instruct-v1:0=\n",
        "meta.llama3-70b-instruct-v1:0=us.meta.llama3-70b-instruct-v1:0\n",
    );
    assert_ne!(theirs, seed);
    let both = rebound(&theirs, HAIKU, HAIKU_US);
    let before = seed.clone();
    journey("conflict", seed.as_bytes(), move |page| async move {
        page.open().await?;
        std::fs::write(&page.file, &theirs)?;

        let table_row = open_row_picker(&page, HAIKU).await?;
        let input = page.find_in(&table_row, &testid("profile-input")).await?;
        page.retype(&input, HAIKU_US).await?;
        let save = page.find_in(&table_row, &testid("profile-save")).await?;
        page.wait_enabled(&save, "the picker's Bind button").await?;
        save.click().await?;

        // The page: a conflict, showing their version; the status says nothing was saved.
        let panel = page.find(&testid("conflict")).await?;
        let their_text = page.find_in(&panel, &testid("conflict-theirs")).await?.text().await?;
        assert!(their_text.contains("# Llama 3 now goes through the US profile"), "{their_text}");
        let mine = page.find_in(&panel, &testid("conflict-mine")).await?.text().await?;
        assert!(mine.contains(&format!("{HAIKU}={HAIKU_US}")), "{mine}");
        let status = page.status().await?;
        assert!(status.contains("Not saved"), "{status:?}");
        // The disk: their edit, untouched.
        assert_eq!(page.disk_text(), theirs, "the edit made on disk survives the refused save");

        // Re-applying sends the same bind against their version: both changes are kept.
        page.click("conflict-reapply").await?;
        page.wait_gone(&testid("conflict")).await?;
        page.wait_text(&testid("status"), "Saved").await?;
        let on_disk = page.disk_text();
        assert_comments_intact(&before, &on_disk);
        assert_eq!(on_disk, both, "their edit and my binding, nothing else");
        page.wait_text(&row("binding-row", HAIKU), HAIKU_US).await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn export_downloads_the_file_byte_for_byte() {
    // Mixed line endings, trailing blanks and no final newline: bytes a text pipeline would
    // normalise.
    let seed = seed();
    let mut bytes = String::new();
    for (i, line) in seed.lines().enumerate() {
        bytes.push_str(line);
        bytes.push_str(if i % 2 == 0 { "\r\n" } else { "\n" });
    }
    bytes.push_str("# last line, no newline  ");
    let exported = bytes.clone();
    journey("export", bytes.as_bytes(), move |page| async move {
        page.open().await?;
        page.click("nav-transfer").await?;
        let link = page.find(&testid("export-link")).await?;
        link.click().await?;
        let downloaded = page.downloaded("inference.txt").await?;
        assert!(downloaded == exported.as_bytes(), "the download is the file, byte for byte");
        assert_eq!(page.disk(), exported.as_bytes(), "exporting writes nothing");
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn import_previews_the_diff_then_applies_the_file_exactly() {
    let seed = seed();
    // CRLF endings: the upload must reach the disk untouched.
    let import = "# Shared by the platform team\r\n\
                  amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\r\n\
                  amazon.nova-lite-v1:0=us.amazon.nova-lite-v1:0\r\n\
                  \r\n\
                  # Claude models (direct access available)\r\n\
                  anthropic.claude-3-haiku-20240307-v1:0=\r\n";
    let unchanged = seed.clone();
    journey("import", seed.as_bytes(), move |page| async move {
        let upload = page.scratch.join("team-inference.txt");
        std::fs::write(&upload, import)?;

        page.open().await?;
        page.click("nav-transfer").await?;
        // Choosing a file: WebDriver types its path into the file input.
        let chooser = page.find(&testid("import-file")).await?;
        chooser.send_keys(&upload.display().to_string()).await?;
        page.wait_text("body", "Read team-inference.txt").await?;

        page.click("import-preview").await?;
        let diff = page.find(&testid("import-diff")).await?.text().await?;
        assert!(diff.contains("line(s) added"), "the preview summarises the change: {diff}");
        assert!(diff.contains("# Shared by the platform team"), "the added lines are shown: {diff}");
        assert!(diff.contains("DeepSeek"), "the removed lines are shown: {diff}");
        assert_eq!(page.disk_text(), unchanged, "previewing writes nothing");

        let apply = page.find(&testid("import-apply")).await?;
        page.wait_enabled(&apply, "Apply import").await?;
        apply.click().await?;
        page.wait_text(&testid("status"), "Saved").await?;
        page.wait_gone(&testid("import-diff")).await?;
        assert!(page.disk() == import.as_bytes(), "the disk holds the imported file exactly:\n{:?}", page.disk_text());

        page.click("nav-bindings").await?;
        page.wait_text(&row("binding-row", NOVA), NOVA_US).await?;
        let models = page.models("binding-row").await?;
        assert!(
            !models.iter().any(|m| m.starts_with("deepseek.")),
            "the imported file replaced the old one: {models:?}"
        );
        Ok(())
    })
    .await;
}
