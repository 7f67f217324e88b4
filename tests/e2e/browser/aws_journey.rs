//! The AWS journey: the real server, pointed at the fake Bedrock only through the standard
//! endpoint variables, driven in Chromium. Refresh us-east-1, see Nova Pro flagged "requires
//! profile", bind it from the suggestion, test it and see the reply and token counts, then test
//! an unbound profile-only model and fix the on-demand failure in one click. A second journey
//! follows a two-region refresh region by region, binds every required model after a preview,
//! checks the file, and creates and deletes an application profile.

use std::time::Duration;

use fake_bedrock::{FakeBedrock, FakeHandle, LatencyRule, Operation, ProfileType, RunningFake, TEST_CREDENTIALS_ENV};

use super::harness::{journey_with_env, row, testid};
use crate::aws_api::{NOVA, NOVA_US};
use crate::helpers::reference;

/// Profile-only in us-east-1 and not in the seed file.
const MICRO: &str = "amazon.nova-micro-v1:0";
const MICRO_US: &str = "us.amazon.nova-micro-v1:0";

/// The fake Bedrock, where Nova Pro and Nova Micro are profile-only in us-east-1, and the
/// server's environment that points at it.
fn fake_bedrock() -> (RunningFake, Vec<(String, String)>) {
    let fake = FakeBedrock::with_default_regions().profile_only("us-east-1", NOVA).profile_only("us-east-1", MICRO);
    let fake = fake.start().expect("start the fake Bedrock");
    let env = aws_env(&fake);
    (fake, env)
}

/// The server's environment: the fake's endpoints and test credentials, region us-east-1, and
/// no instance metadata lookups.
fn aws_env(fake: &RunningFake) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = vec![
        ("AWS_REGION".to_owned(), "us-east-1".to_owned()),
        ("AWS_EC2_METADATA_DISABLED".to_owned(), "true".to_owned()),
        ("AWS_MAX_ATTEMPTS".to_owned(), "1".to_owned()),
    ];
    env.extend(fake.endpoint_env().into_iter().map(|(name, value)| (name.to_owned(), value)));
    env.extend(TEST_CREDENTIALS_ENV.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())));
    env
}

/// CSS for an element with `data-testid=id` and `attribute=value`.
fn with(id: &str, attribute: &str, value: &str) -> String {
    format!("[data-testid=\"{id}\"][{attribute}=\"{value}\"]")
}

#[tokio::test]
async fn refreshing_us_east_1_binding_nova_pro_from_its_suggestion_testing_it_and_fixing_an_on_demand_failure() {
    let (fake, env) = fake_bedrock();
    let seed = reference("seed-example-inference.txt");
    let handle = fake.handle.clone();
    journey_with_env("aws-refresh-bind-test-fix", seed.as_bytes(), &env, move |page| async move {
        page.open().await?;
        // The header says who the server calls AWS as.
        let badge = page.wait_text(&testid("aws-badge"), "us-east-1").await?;
        assert!(badge.contains("AWS 123456789012"), "the badge names the fake's account: {badge:?}");

        // 1. Refresh us-east-1, and see the region's progress.
        page.click("nav-aws").await?;
        let regions = page.find(&testid("regions-input")).await?;
        page.retype(&regions, "us-east-1").await?;
        page.click("refresh-button").await?;
        let summary = page.wait_text(&testid("refresh-summary"), "Refreshed 1 region").await?;
        assert!(!summary.contains("failed"), "{summary}");
        let progress = page.find(&with("region-progress", "data-region", "us-east-1")).await?;
        assert_eq!(progress.attr("data-state").await?.as_deref(), Some("done"));
        assert!(progress.text().await?.contains(" models, "), "the region's line counts what it found");
        let listed = handle.requests().iter().filter(|r| r.operation == Some(Operation::ListFoundationModels)).count();
        assert!(listed >= 1, "the refresh listed the region's models through the fake");

        // 2. Nova Pro "requires profile", as the fake says, from live data.
        page.find(&testid("aws-search")).await?.send_keys("nova-pro").await?;
        let nova = page.wait_text(&row("aws-model-row", NOVA), "requires profile").await?;
        assert!(nova.contains("live, us-east-1, "), "the row says its facts are live, and where and when: {nova:?}");

        // 3. Bind it from the suggestion (the seed binds it to a us-east-2 ARN).
        let nova_row = page.find(&row("aws-model-row", NOVA)).await?;
        let suggestion = page.find_in(&nova_row, &with("suggestion", "data-profile", NOVA_US)).await?;
        page.find_in(&suggestion, &testid("suggestion-bind")).await?.click().await?;
        let status = page.wait_text(&testid("status"), "Saved").await?;
        assert!(status.contains(NOVA_US), "{status:?}");
        page.wait_text(&row("aws-model-row", NOVA), "bound").await?;
        let on_disk = page.disk_text();
        assert!(on_disk.lines().any(|line| line == format!("{NOVA}={NOVA_US}")), "{on_disk}");
        assert_eq!(on_disk.lines().filter(|l| l.starts_with('#')).count(), seed_comments(), "comments kept");

        // 4. Test it: the reply streams in, then the token counts and what was sent.
        let nova_row = page.find(&row("aws-model-row", NOVA)).await?;
        page.find_in(&nova_row, &testid("test-button")).await?.click().await?;
        let reply = page.find(&testid("test-reply")).await?.text().await?;
        assert!(!reply.trim().is_empty(), "a reply is shown");
        let tokens = page.find(&testid("test-tokens")).await?.text().await?;
        assert!(is_token_counts(&tokens), "input and output token counts: {tokens:?}");
        let sent = page.find(&testid("test-sent")).await?.text().await?;
        assert_eq!(sent, format!("{NOVA_US} in us-east-1"), "the exact modelId sent");
        let streamed = handle.requests();
        let call = streamed.iter().rev().find(|r| r.operation == Some(Operation::ConverseStream)).expect("a call");
        assert_eq!(call.model_id.as_deref(), Some(NOVA_US), "the fake was called with the bound profile");

        // 5. An unbound profile-only model fails on demand; the failure offers the profile
        //    discovered in us-east-1, and its fix binds it and tests again, successfully.
        let search = page.find(&testid("aws-search")).await?;
        page.retype(&search, "nova-micro").await?;
        let micro_row = page.find(&row("aws-model-row", MICRO)).await?;
        page.find_in(&micro_row, &testid("test-button")).await?.click().await?;
        let failure = page.find(&with("aws-failure", "data-code", "on-demand-not-supported")).await?;
        let explanation = failure.text().await?;
        assert!(explanation.contains("inference profile"), "{explanation}");
        assert!(explanation.contains("isn\u{2019}t supported"), "AWS's own words are shown: {explanation}");
        let fix = page.find_in(&failure, &testid("aws-failure-fix")).await?;
        assert_eq!(fix.text().await?, format!("Bind {MICRO} to {MICRO_US}"));
        fix.click().await?;
        page.wait_text(&testid("status"), &format!("Saved: bind {MICRO} to {MICRO_US}")).await?;
        let retested = page.find(&testid("test-sent")).await?.text().await?;
        assert_eq!(retested, format!("{MICRO_US} in us-east-1"), "the test ran again through the new binding");
        page.find(&testid("test-reply")).await?;
        let on_disk = page.disk_text();
        assert!(on_disk.lines().any(|line| line == format!("{MICRO}={MICRO_US}")), "{on_disk}");
        assert!(on_disk.lines().any(|line| line == format!("{NOVA}={NOVA_US}")), "the earlier bind is kept");
        Ok(())
    })
    .await;
    drop(fake);
}

/// The number of comment lines in the seed file.
fn seed_comments() -> usize {
    reference("seed-example-inference.txt").lines().filter(|l| l.starts_with('#')).count()
}

/// `"12 in, 5 out"` with both numbers present.
fn is_token_counts(text: &str) -> bool {
    let Some((input, output)) = text.split_once(" in, ") else { return false };
    let Some(output) = output.strip_suffix(" out") else { return false };
    input.parse::<u32>().is_ok() && output.parse::<u32>().is_ok()
}

#[tokio::test]
async fn binding_all_required_after_a_preview_checking_and_creating_then_deleting_an_application_profile() {
    let (fake, env) = fake_bedrock();
    let seed = reference("seed-example-inference.txt");
    let handle = fake.handle.clone();
    journey_with_env("aws-bind-required-check-profiles", seed.as_bytes(), &env, move |page| async move {
        page.open().await?;
        page.click("nav-aws").await?;

        // A two-region refresh shows each region's progress while it runs: eu-west-1 answers
        // two seconds late, so us-east-1 is done while it is still fetching.
        handle.add_latency(LatencyRule::new(None, Some("eu-west-1"), Duration::from_secs(2)));
        let regions = page.find(&testid("regions-input")).await?;
        page.retype(&regions, "us-east-1, eu-west-1").await?;
        page.click("refresh-button").await?;
        let on_page = &page;
        page.wait_for("us-east-1 done while eu-west-1 is still fetching", move || async move {
            let state = |region: &'static str| async move {
                let element = on_page.try_find(&with("region-progress", "data-region", region)).await?;
                match element {
                    Some(element) => element.attr("data-state").await,
                    None => Ok(None),
                }
            };
            let (east, west) = (state("us-east-1").await?, state("eu-west-1").await?);
            Ok((east.as_deref() == Some("done") && west.as_deref() == Some("running")).then_some(()))
        })
        .await?;
        let summary = page.wait_text(&testid("refresh-summary"), "Refreshed 2 regions").await?;
        assert!(!summary.contains("failed"), "{summary}");
        handle.clear_latency();

        // Bind all required: the preview names the unbound profile-only model and its profile,
        // and nothing is written until Apply.
        let before = page.disk_text();
        page.click("bind-required-button").await?;
        let preview = page.wait_text(&testid("bind-required-preview"), MICRO).await?;
        assert!(preview.contains(MICRO_US), "the preview names the profile: {preview}");
        assert!(!preview.contains(&format!("{NOVA} →")), "a bound model is left alone: {preview}");
        page.find(&testid("bind-required-diff")).await?;
        assert_eq!(page.disk_text(), before, "a preview writes nothing");
        page.click("bind-required-apply").await?;
        let status = page.wait_text(&testid("status"), "Bound ").await?;
        assert!(status.ends_with("in us-east-1."), "{status}");
        let on_disk = page.disk_text();
        assert!(on_disk.lines().any(|line| line == format!("{MICRO}={MICRO_US}")), "{on_disk}");
        assert!(on_disk.starts_with(before.trim_end()), "every earlier line is kept as it was:\n{on_disk}");

        // Check every binding: the seed's us-east-2 ARN for Nova Pro cannot be called from us-east-1.
        page.click("check-button").await?;
        let summary = page.wait_text(&testid("check-summary"), "will fail").await?;
        assert!(summary.contains("in us-east-1"), "{summary}");
        let nova = page.find(&row("check-row", NOVA)).await?;
        let nova_result = page.find_in(&nova, &testid("check-result")).await?;
        assert_eq!(nova_result.attr("data-ok").await?.as_deref(), Some("false"));
        assert!(nova.text().await?.contains("us-east-2"), "the failure names the ARN's region");
        let micro = page.find(&row("check-row", MICRO)).await?;
        let micro_result = page.find_in(&micro, &testid("check-result")).await?;
        assert_eq!(micro_result.attr("data-ok").await?.as_deref(), Some("true"));
        let invoked = handle
            .requests()
            .iter()
            .any(|r| matches!(r.operation, Some(Operation::Converse) | Some(Operation::ConverseStream)));
        assert!(!invoked, "checks spend no tokens");

        // Create an application profile: a bad name is refused as it is typed; a good one is
        // created and bound to its model in the same step.
        page.find(&testid("no-profiles")).await?;
        let name = page.find(&testid("new-profile-name")).await?;
        name.send_keys("team..search").await?;
        page.wait_text(".create-profile .field-error", "is not allowed").await?;
        let submit = page.find(&testid("create-profile-submit")).await?;
        assert!(!submit.is_enabled().await?, "Create stays disabled while the name is refused");
        page.retype(&name, "team-search").await?;
        page.find(&testid("new-profile-from")).await?.send_keys(NOVA_US).await?;
        page.wait_enabled(&submit, "Create profile").await?;
        submit.click().await?;
        let status = page.wait_text(&testid("status"), "Created arn:aws:bedrock:us-east-1:").await?;
        assert!(status.contains(&format!("and bound it to {NOVA}")), "{status}");
        let arn = status
            .split_whitespace()
            .find(|word| word.starts_with("arn:"))
            .map(str::to_owned)
            .expect("the status names the new ARN");
        assert!(arn.contains(":application-inference-profile/"), "{arn}");
        let on_disk = page.disk_text();
        assert!(on_disk.lines().any(|line| line == format!("{NOVA}={arn}")), "{on_disk}");
        let listed = page.wait_text(&testid("profile-row"), "team-search").await?;
        assert!(listed.contains(&format!("used by {NOVA}")), "the list shows the line using it: {listed}");
        assert!(listed.contains(NOVA), "its base model, read from the profile's models: {listed}");

        // Delete: the server lists what would break and nothing goes until it is confirmed.
        page.click("delete-profile").await?;
        let confirm = page.wait_text(&testid("delete-confirm"), "cannot be undone").await?;
        assert!(confirm.contains(NOVA), "the warning names the binding that would break: {confirm}");
        assert_eq!(application_profiles(&handle), 1, "nothing is deleted before the confirmation");
        page.click("confirm-delete").await?;
        page.wait_text(&testid("status"), "still point at it").await?;
        page.find(&testid("no-profiles")).await?;
        assert_eq!(application_profiles(&handle), 0, "deleted once confirmed");
        Ok(())
    })
    .await;
    drop(fake);
}

/// How many application profiles the fake holds in us-east-1.
fn application_profiles(fake: &FakeHandle) -> usize {
    let data = fake.region_data("us-east-1").expect("the fake serves us-east-1");
    data.profiles.iter().filter(|p| p.profile_type == ProfileType::Application).count()
}
