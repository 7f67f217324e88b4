//! The AWS half of the UI as plain logic: the header badge, a refresh's per-region progress,
//! the live model table and its filter, a test run as its events stream in, and a diagnosis's
//! one-click fix as a [`Change`].

use std::collections::HashMap;

use bedrock_binder_shared::Region;
use bedrock_binder_shared::api::{
    AwsStatus, RefreshProgress, RegionCatalog, RegionProgress, RegionState, TestResponse, TestStreamEvent,
};
use bedrock_binder_shared::aws_failure::{AwsFailureCode, Fix};
use bedrock_binder_shared::catalog::Lifecycle;
use bedrock_binder_shared::fact_source::FactSource;
use bedrock_binder_shared::profile_suggestion::ProfileSuggestion;

use crate::state::change::Change;

/// How the header badge looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// AWS answered: live data and test calls work.
    Connected,
    /// No credentials: the app works on the offline catalog.
    Offline,
    /// Credentials were found but do not work (expired, rejected, unreachable, no region).
    Problem,
}

/// The header badge: a short label and the longer text of its tooltip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusBadge {
    /// The badge text.
    pub label: String,
    /// The tooltip: who, where, or why not.
    pub detail: String,
    /// Its colour.
    pub tone: Tone,
}

/// The badge for a status.
pub fn status_badge(status: &AwsStatus) -> StatusBadge {
    let region = status.region.as_deref().unwrap_or("no region");
    if status.ok {
        let account = status.account.as_deref().unwrap_or("unknown account");
        let mut detail = format!("Account {account} in {region}");
        if let Some(profile) = &status.profile {
            detail.push_str(&format!(", profile {profile}"));
        }
        if let Some(source) = &status.credentials_source {
            detail.push_str(&format!(", credentials from {source}"));
        }
        if let Some(arn) = &status.caller_arn {
            detail.push_str(&format!(". Caller: {arn}"));
        }
        return StatusBadge { label: format!("AWS {account} · {region}"), detail, tone: Tone::Connected };
    }
    let why = status
        .problem
        .as_ref()
        .map(|problem| format!("{} {}", problem.explanation, problem.remedy))
        .unwrap_or_else(|| "AWS did not answer.".to_owned());
    if !status.credentials {
        return StatusBadge {
            label: "AWS: no credentials".to_owned(),
            detail: format!("{why} Until then the app works on the offline catalog."),
            tone: Tone::Offline,
        };
    }
    let label = match status.problem.as_ref().map(|problem| problem.code) {
        Some(AwsFailureCode::ExpiredCredentials) => "AWS: credentials expired",
        Some(AwsFailureCode::InvalidCredentials) => "AWS: credentials rejected",
        Some(AwsFailureCode::NoRegion) => "AWS: no region",
        Some(AwsFailureCode::Unreachable) => "AWS: unreachable",
        _ => "AWS: not connected",
    };
    StatusBadge { label: label.to_owned(), detail: why, tone: Tone::Problem }
}

/// The regions typed in the region box: separated by commas or spaces, duplicates dropped, in
/// the order typed. The error names the entry that is not a region.
pub fn parse_regions(text: &str) -> Result<Vec<Region>, String> {
    let mut regions: Vec<Region> = Vec::new();
    for entry in text.split([',', ' ', '\n', '\t']).filter(|entry| !entry.is_empty()) {
        let region: Region = entry.parse().map_err(|_| format!("`{entry}` is not a region name, like us-east-1"))?;
        if !regions.contains(&region) {
            regions.push(region);
        }
    }
    if regions.is_empty() {
        return Err("name at least one region, like us-east-1".to_owned());
    }
    Ok(regions)
}

/// One region's line in the refresh progress list.
pub fn progress_text(progress: &RegionProgress) -> String {
    match progress.state {
        RegionState::Pending => "waiting".to_owned(),
        RegionState::Running => "fetching…".to_owned(),
        RegionState::Done => {
            let mut text = format!("{} models, {} profiles", progress.models, progress.profiles);
            if progress.cached {
                text.push_str(" (from the cache)");
            } else if let Some(ms) = progress.elapsed_ms {
                text.push_str(&format!(" in {ms} ms"));
            }
            text
        }
        RegionState::Failed => match &progress.error {
            Some(diagnosis) => format!("failed: {}", diagnosis.explanation),
            None => "failed".to_owned(),
        },
    }
}

/// The sentence above the progress list.
pub fn progress_summary(progress: &RefreshProgress) -> String {
    let total = progress.regions.len();
    let count = |state: RegionState| progress.regions.iter().filter(|r| r.state == state).count();
    let (done, failed) = (count(RegionState::Done), count(RegionState::Failed));
    let regions = |n: usize| format!("{n} region{}", if n == 1 { "" } else { "s" });
    if progress.running {
        return format!("Refreshing: {done} of {} done", regions(total));
    }
    let mut text = format!("Refreshed {}", regions(done));
    if let Some(ms) = progress.elapsed_ms {
        text.push_str(&format!(" in {ms} ms"));
    }
    if failed > 0 {
        text.push_str(&format!("; {} failed", regions(failed)));
    }
    text.push('.');
    text
}

/// Where a row's facts come from: "live, fetched 12 s ago" or "offline catalog".
pub fn source_label(source: FactSource, fetched_at: Option<u64>, now: u64) -> String {
    match (source, fetched_at) {
        (FactSource::Live, Some(at)) => {
            let age = now.saturating_sub(at);
            match age {
                0..=59 => format!("live, fetched {age} s ago"),
                60..=3599 => format!("live, fetched {} min ago", age / 60),
                _ => format!("live, fetched {} h ago", age / 3600),
            }
        }
        (FactSource::Live, None) => "live".to_owned(),
        (FactSource::Offline, _) => "offline catalog".to_owned(),
    }
}

/// One model of a region, as the AWS page's table shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveRow {
    /// The model id.
    pub id: String,
    /// Its display name.
    pub name: String,
    /// Whether the region serves it only through a profile; `None` when unknown.
    pub requires_profile: Option<bool>,
    /// Its lifecycle.
    pub lifecycle: Lifecycle,
    /// Live or offline, and when fetched.
    pub source: FactSource,
    /// When fetched.
    pub fetched_at: Option<u64>,
    /// The binding in force for it, if the file has one (empty: direct).
    pub bound: Option<String>,
    /// The profiles to bind it to, best first.
    pub suggestions: Vec<ProfileSuggestion>,
    haystack: String,
}

impl LiveRow {
    /// Whether the model needs a binding it does not have: profile-only and unbound (or bound
    /// to be called directly).
    pub fn needs_binding(&self) -> bool {
        self.requires_profile == Some(true) && self.bound.as_deref().is_none_or(str::is_empty)
    }

    /// A key that changes when anything the row shows changes, for keyed rendering.
    pub fn render_key(&self) -> String {
        let requires = match self.requires_profile {
            Some(true) => "requires",
            Some(false) => "on-demand",
            None => "unknown",
        };
        let mut key = format!("{}\u{0}{requires}\u{0}", self.id);
        key.push_str(self.bound.as_deref().unwrap_or("\u{1}"));
        key.push('\u{0}');
        key.push_str(&self.fetched_at.unwrap_or_default().to_string());
        for suggestion in &self.suggestions {
            key.push('\u{0}');
            key.push_str(&suggestion.profile);
        }
        key
    }
}

/// The rows of a region's catalog, with the file's bindings (model → value).
pub fn live_rows(catalog: &RegionCatalog, bindings: &HashMap<String, String>) -> Vec<LiveRow> {
    catalog
        .models
        .iter()
        .map(|model| LiveRow {
            id: model.id.clone(),
            name: model.name.clone(),
            requires_profile: model.requires_profile,
            lifecycle: model.lifecycle,
            source: model.source,
            fetched_at: model.fetched_at,
            bound: bindings.get(&model.id).cloned(),
            suggestions: model.suggestions.clone(),
            haystack: format!("{}\n{}\n{}", model.id, model.name, model.provider).to_ascii_lowercase(),
        })
        .collect()
}

/// The indices of the rows that match the search (id, name or provider, any case) and, with
/// `requires_only`, require a profile.
pub fn filter_live(rows: &[LiveRow], query: &str, requires_only: bool) -> Vec<usize> {
    let query = query.trim().to_ascii_lowercase();
    rows.iter()
        .enumerate()
        .filter(|(_, row)| row.haystack.contains(&query) && (!requires_only || row.requires_profile == Some(true)))
        .map(|(index, _)| index)
        .collect()
}

/// A test invocation as the UI follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestRun {
    /// Sent; the reply so far.
    Streaming {
        /// The `modelId` sent and the region, once the server said so.
        sent: Option<(String, String)>,
        /// The text received so far.
        text: String,
    },
    /// Finished, well or not: the whole outcome.
    Done(Box<TestResponse>),
    /// The server refused the request, or the stream broke.
    Failed(String),
}

impl TestRun {
    /// A run that has just been sent.
    pub fn started() -> TestRun {
        TestRun::Streaming { sent: None, text: String::new() }
    }

    /// Takes the next event of the stream.
    pub fn apply(&mut self, event: TestStreamEvent) {
        match event {
            TestStreamEvent::Start { model_id_sent, region, .. } => {
                if let TestRun::Streaming { sent, .. } = self {
                    *sent = Some((model_id_sent, region));
                }
            }
            TestStreamEvent::Delta { text: more } => {
                if let TestRun::Streaming { text, .. } = self {
                    text.push_str(&more);
                }
            }
            TestStreamEvent::Done(response) => *self = TestRun::Done(response),
        }
    }

    /// Whether the outcome is still to come.
    pub fn is_running(&self) -> bool {
        matches!(self, TestRun::Streaming { .. })
    }

    /// The stream ended: without a `done` event, the run failed.
    pub fn finish(&mut self) {
        if self.is_running() {
            *self = TestRun::Failed("the stream ended before the outcome arrived".to_owned());
        }
    }
}

/// The facts of a finished test, as label and value.
pub fn outcome_facts(response: &TestResponse) -> Vec<(&'static str, String)> {
    let mut facts = vec![("Sent", format!("{} in {}", response.model_id_sent, response.region))];
    if let Some(reason) = &response.stop_reason {
        facts.push(("Stop reason", reason.clone()));
    }
    if response.input_tokens.is_some() || response.output_tokens.is_some() {
        let count = |n: Option<u32>| n.map_or_else(|| "?".to_owned(), |n| n.to_string());
        facts.push(("Tokens", format!("{} in, {} out", count(response.input_tokens), count(response.output_tokens))));
    }
    let mut latency = format!("{} ms at the server", response.latency_ms);
    if let Some(service) = response.service_latency_ms {
        latency.push_str(&format!(", {service} ms at Bedrock"));
    }
    facts.push(("Latency", latency));
    facts.push(("Max tokens", response.max_tokens.to_string()));
    facts
}

/// The change a one-click fix makes.
pub fn fix_change(fix: &Fix) -> Change {
    match fix {
        Fix::Bind { model, profile } => Change::bind(model, profile),
    }
}

/// The fix button's text.
pub fn fix_label(fix: &Fix) -> String {
    match fix {
        Fix::Bind { model, profile } => format!("Bind {model} to {profile}"),
    }
}

#[cfg(test)]
mod tests {
    use bedrock_binder_shared::api::RegionModel;
    use bedrock_binder_shared::aws_failure::AwsFailure;
    use bedrock_binder_shared::profile_suggestion::ProfileSuggestionKind;

    use super::*;

    fn status(json: &str) -> AwsStatus {
        serde_json::from_str(json).expect("status JSON")
    }

    #[test]
    fn the_badge_names_the_account_and_region_or_says_why_not() {
        let ok = status_badge(&status(
            r#"{"ok":true,"credentials":true,"profile":"dev","region":"us-east-1","account":"123456789012",
                "credentials_source":"Profile","caller_arn":"arn:aws:iam::123456789012:user/ci"}"#,
        ));
        assert_eq!((ok.label.as_str(), ok.tone), ("AWS 123456789012 · us-east-1", Tone::Connected));
        assert!(ok.detail.contains("profile dev") && ok.detail.contains("user/ci"), "{}", ok.detail);

        let none = status_badge(&AwsStatus {
            problem: Some(AwsFailure::no_credentials(None)),
            region: Some("us-east-1".to_owned()),
            ..AwsStatus::default()
        });
        assert_eq!((none.label.as_str(), none.tone), ("AWS: no credentials", Tone::Offline));
        assert!(none.detail.ends_with("the app works on the offline catalog."), "{}", none.detail);

        let expired = status_badge(&AwsStatus {
            credentials: true,
            problem: Some(AwsFailure::expired_credentials(Some("dev"), true)),
            ..AwsStatus::default()
        });
        assert_eq!((expired.label.as_str(), expired.tone), ("AWS: credentials expired", Tone::Problem));
    }

    #[test]
    fn regions_are_split_deduplicated_and_a_bad_one_is_named() {
        let regions = parse_regions("us-east-1, eu-west-1 us-east-1").expect("regions");
        let names: Vec<&str> = regions.iter().map(Region::as_str).collect();
        assert_eq!(names, ["us-east-1", "eu-west-1"]);
        assert_eq!(
            parse_regions("us-east-1,useast1").expect_err("bad"),
            "`useast1` is not a region name, like us-east-1"
        );
        assert!(parse_regions(" , ").is_err());
    }

    fn progress(region: &str, state: RegionState) -> RegionProgress {
        RegionProgress {
            region: region.to_owned(),
            state,
            models: 90,
            profiles: 40,
            elapsed_ms: Some(310),
            cached: false,
            error: None,
        }
    }

    #[test]
    fn progress_says_what_each_region_is_doing_and_sums_up() {
        let running = RefreshProgress {
            running: true,
            regions: vec![progress("us-east-1", RegionState::Done), progress("eu-west-1", RegionState::Running)],
            elapsed_ms: None,
        };
        assert_eq!(progress_summary(&running), "Refreshing: 1 of 2 regions done");
        assert_eq!(progress_text(&running.regions[0]), "90 models, 40 profiles in 310 ms");
        assert_eq!(progress_text(&running.regions[1]), "fetching…");

        let mut failed = progress("ap-south-1", RegionState::Failed);
        failed.error = Some(AwsFailure::unreachable("connection refused"));
        let finished = RefreshProgress {
            running: false,
            regions: vec![progress("us-east-1", RegionState::Done), failed],
            elapsed_ms: Some(420),
        };
        assert_eq!(progress_summary(&finished), "Refreshed 1 region in 420 ms; 1 region failed.");
        assert!(progress_text(&finished.regions[1]).starts_with("failed: "));
    }

    #[test]
    fn the_source_says_live_with_the_age_or_offline() {
        assert_eq!(source_label(FactSource::Live, Some(1_000), 1_012), "live, fetched 12 s ago");
        assert_eq!(source_label(FactSource::Live, Some(1_000), 1_000 + 300), "live, fetched 5 min ago");
        assert_eq!(source_label(FactSource::Offline, None, 5), "offline catalog");
    }

    fn region_catalog() -> RegionCatalog {
        let model = |id: &str, requires: Option<bool>, suggestion: Option<&str>| RegionModel {
            id: id.to_owned(),
            name: id.to_owned(),
            provider: "Amazon".to_owned(),
            requires_profile: requires,
            lifecycle: Lifecycle::Active,
            inference_types: Vec::new(),
            streaming: None,
            source: FactSource::Live,
            fetched_at: Some(7),
            suggestions: suggestion
                .map(|profile| ProfileSuggestion {
                    profile: profile.to_owned(),
                    arn: None,
                    kind: ProfileSuggestionKind::Geo,
                    rank: 1,
                    reason: "keeps requests in the US".to_owned(),
                    source: FactSource::Live,
                })
                .into_iter()
                .collect(),
        };
        RegionCatalog {
            region: "us-east-1".to_owned(),
            source: FactSource::Live,
            fetched_at: Some(7),
            error: None,
            models: vec![
                model("amazon.nova-lite-v1:0", Some(false), None),
                model("amazon.nova-pro-v1:0", Some(true), Some("us.amazon.nova-pro-v1:0")),
                model("amazon.titan-x", None, None),
            ],
            profiles: Vec::new(),
        }
    }

    #[test]
    fn live_rows_carry_the_binding_and_the_filter_keeps_profile_only_models() {
        let bindings: HashMap<String, String> = [("amazon.nova-lite-v1:0".to_owned(), String::new())].into();
        let rows = live_rows(&region_catalog(), &bindings);
        assert_eq!(rows[0].bound.as_deref(), Some(""));
        assert!(rows[1].needs_binding(), "profile-only and unbound");
        assert!(!rows[0].needs_binding() && !rows[2].needs_binding());
        assert_eq!(filter_live(&rows, "", false), [0, 1, 2]);
        assert_eq!(filter_live(&rows, " NOVA ", false), [0, 1]);
        assert_eq!(filter_live(&rows, "nova", true), [1]);
    }

    #[test]
    fn the_render_key_follows_the_binding() {
        let unbound = live_rows(&region_catalog(), &HashMap::new()).remove(1);
        let bindings = [("amazon.nova-pro-v1:0".to_owned(), "us.amazon.nova-pro-v1:0".to_owned())].into();
        let bound = live_rows(&region_catalog(), &bindings).remove(1);
        assert_ne!(unbound.render_key(), bound.render_key());
        assert!(!bound.needs_binding());
    }

    #[test]
    fn a_test_run_collects_deltas_then_takes_the_outcome() {
        let mut run = TestRun::started();
        run.apply(TestStreamEvent::Start {
            model: "m".to_owned(),
            model_id_sent: "us.m".to_owned(),
            region: "us-east-1".to_owned(),
        });
        run.apply(TestStreamEvent::Delta { text: "Hel".to_owned() });
        run.apply(TestStreamEvent::Delta { text: "lo".to_owned() });
        assert_eq!(
            run,
            TestRun::Streaming { sent: Some(("us.m".to_owned(), "us-east-1".to_owned())), text: "Hello".to_owned() }
        );
        let response = TestResponse { ok: true, reply: "Hello".to_owned(), ..TestResponse::default() };
        run.apply(TestStreamEvent::Done(Box::new(response.clone())));
        run.finish();
        assert_eq!(run, TestRun::Done(Box::new(response)), "a finished run stays finished");

        let mut cut = TestRun::started();
        cut.finish();
        assert!(matches!(cut, TestRun::Failed(_)));
    }

    #[test]
    fn outcome_facts_show_what_was_sent_tokens_and_both_latencies() {
        let response = TestResponse {
            model_id_sent: "us.amazon.nova-pro-v1:0".to_owned(),
            region: "us-east-1".to_owned(),
            ok: true,
            stop_reason: Some("end_turn".to_owned()),
            input_tokens: Some(12),
            output_tokens: Some(5),
            latency_ms: 41,
            service_latency_ms: Some(30),
            max_tokens: 64,
            ..TestResponse::default()
        };
        let facts = outcome_facts(&response);
        let get = |label: &str| facts.iter().find(|(l, _)| *l == label).map(|(_, v)| v.as_str());
        assert_eq!(get("Sent"), Some("us.amazon.nova-pro-v1:0 in us-east-1"));
        assert_eq!(get("Tokens"), Some("12 in, 5 out"));
        assert_eq!(get("Latency"), Some("41 ms at the server, 30 ms at Bedrock"));
        assert_eq!(get("Stop reason"), Some("end_turn"));
    }

    #[test]
    fn a_bind_fix_is_a_bind_change() {
        let fix = Fix::Bind { model: "amazon.nova-pro-v1:0".to_owned(), profile: "us.amazon.nova-pro-v1:0".to_owned() };
        assert_eq!(fix_change(&fix), Change::bind("amazon.nova-pro-v1:0", "us.amazon.nova-pro-v1:0"));
        assert_eq!(fix_label(&fix), "Bind amazon.nova-pro-v1:0 to us.amazon.nova-pro-v1:0");
    }
}
