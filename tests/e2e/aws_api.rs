//! The `/api/v1/aws/…` routes through `router(state).oneshot(...)`, with the real AWS SDK
//! pointed at the fake Bedrock: an `SdkConfig` whose endpoint is the fake, static test
//! credentials and no retries (so a scripted throttle is answered once, not backed off).

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use bedrock_binder::aws::{Aws, AwsSettings};
use bedrock_binder::server::{AppState, router};
use bedrock_binder_shared::Catalog;
use bedrock_binder_shared::api::{
    AwsCatalogResponse, AwsStatus, BindRequiredPreview, CheckKind, CheckResponse, CheckStatus, CreateProfileResponse,
    DeleteProfileResponse, ErrorBody, InferenceProfileType, ProfilesResponse, RefreshProgress, RegionCatalog,
    RegionState, TestResponse, TestStreamEvent,
};
use bedrock_binder_shared::aws_failure::{AwsFailureCode, Fix};
use bedrock_binder_shared::diff::LineChange;
use bedrock_binder_shared::fact_source::FactSource;
use bedrock_binder_shared::profile_suggestion::ProfileSuggestionKind;
use fake_bedrock::{
    DEFAULT_ACCOUNT, FakeBedrock, FakeError, FakeProfile, ModelMatch, Operation, ProfileType, Rule, RunningFake,
    TEST_CREDENTIALS_ENV,
};
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;
use tower::ServiceExt;

use crate::helpers::TestHome;

pub(crate) const NOVA: &str = "amazon.nova-pro-v1:0";
pub(crate) const NOVA_US: &str = "us.amazon.nova-pro-v1:0";

/// An SDK configuration that sends every service to `fake` in `region`, with the fake's test
/// credentials (or none) and no retries. FIPS and dual-stack are pinned off so a developer's
/// environment cannot turn the custom endpoint into an error.
pub(crate) async fn sdk_config(fake: &RunningFake, region: &str, credentials: bool) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(&fake.url)
        .region(aws_config::Region::new(region.to_owned()))
        .retry_config(RetryConfig::disabled())
        .use_fips(false)
        .use_dual_stack(false);
    loader = if credentials {
        let [(_, key), (_, secret)] = TEST_CREDENTIALS_ENV;
        loader.credentials_provider(aws_sdk_bedrock::config::Credentials::new(key, secret, None, None, "test"))
    } else {
        loader.no_credentials()
    };
    loader.load().await
}

/// An [`Aws`] on the fake, with `settings`.
pub(crate) async fn aws_with(fake: &RunningFake, region: &str, settings: AwsSettings) -> Aws {
    Aws::from_config(sdk_config(fake, region, true).await, settings)
}

/// The app over the home's file, with AWS on the fake in us-east-1.
pub(crate) async fn app_on(home: &TestHome, fake: &RunningFake) -> Router {
    app_with(home, aws_with(fake, "us-east-1", AwsSettings::default()).await)
}

pub(crate) fn app_with(home: &TestHome, aws: Aws) -> Router {
    router(AppState::new(home.environments(), Catalog::embedded()).with_aws(aws))
}

/// What came back.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Reply {
    #[track_caller]
    pub(crate) fn json<T: DeserializeOwned>(&self) -> T {
        assert!(self.status.is_success(), "{}: {}", self.status, String::from_utf8_lossy(&self.body));
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|error| panic!("not the expected JSON ({error}): {}", String::from_utf8_lossy(&self.body)))
    }

    #[track_caller]
    pub(crate) fn error(&self, status: StatusCode) -> ErrorBody {
        assert_eq!(self.status, status, "{}", String::from_utf8_lossy(&self.body));
        serde_json::from_slice(&self.body).expect("an error body")
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub(crate) async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.expect("the router never fails");
    let (parts, body) = response.into_parts();
    let body = body.collect().await.expect("a readable body").to_bytes();
    Reply { status: parts.status, headers: parts.headers, body }
}

pub(crate) fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).expect("request")
}

pub(crate) fn post_json(uri: &str, if_match: Option<&str>, json: serde_json::Value) -> Request<Body> {
    let mut builder = Request::builder().method(Method::POST).uri(uri).header(header::CONTENT_TYPE, "application/json");
    if let Some(tag) = if_match {
        builder = builder.header(header::IF_MATCH, tag);
    }
    builder.body(Body::from(json.to_string())).expect("request")
}

/// us-east-1's catalog, just refreshed.
async fn live_us_east_1(app: &Router) -> RegionCatalog {
    refresh(app, &["us-east-1"]).await;
    let mut catalog: AwsCatalogResponse = send(app, get("/api/v1/aws/catalog?regions=us-east-1")).await.json();
    catalog.regions.remove(0)
}

async fn refresh(app: &Router, regions: &[&str]) -> RefreshProgress {
    send(app, post_json("/api/v1/aws/refresh", None, serde_json::json!({ "regions": regions }))).await.json()
}

// --- status ------------------------------------------------------------------------------

#[tokio::test]
async fn status_reports_the_account_region_and_credentials() {
    let fake = FakeBedrock::with_default_regions().spawn().await.expect("fake");
    let home = TestHome::new();
    let status: AwsStatus = send(&app_on(&home, &fake).await, get("/api/v1/aws/status")).await.json();
    assert!(status.ok && status.credentials, "{status:?}");
    assert_eq!(status.account.as_deref(), Some(DEFAULT_ACCOUNT));
    assert_eq!(status.region.as_deref(), Some("us-east-1"));
    assert!(status.caller_arn.as_deref().is_some_and(|arn| arn.starts_with("arn:aws:iam::")));
    assert_eq!(status.problem, None);
    assert!(fake.requests().iter().any(|r| r.operation == Some(Operation::GetCallerIdentity)));
}

#[tokio::test]
async fn status_is_reused_across_page_loads_and_asked_anew_on_check_again() {
    let fake = FakeBedrock::with_default_regions().spawn().await.expect("fake");
    let home = TestHome::new();
    let app = app_on(&home, &fake).await;
    let sts_calls = || fake.requests().iter().filter(|r| r.operation == Some(Operation::GetCallerIdentity)).count();
    for _ in 0..3 {
        let status: AwsStatus = send(&app, get("/api/v1/aws/status")).await.json();
        assert!(status.ok, "{status:?}");
    }
    assert_eq!(sts_calls(), 1, "three page loads, one STS call");
    let status: AwsStatus = send(&app, get("/api/v1/aws/status?fresh=true")).await.json();
    assert!(status.ok, "{status:?}");
    assert_eq!(sts_calls(), 2, "Check again asks STS anew");
}

#[tokio::test]
async fn status_without_credentials_says_so_and_calls_nothing() {
    let fake = FakeBedrock::with_default_regions().spawn().await.expect("fake");
    let home = TestHome::new();
    let aws = Aws::from_config(sdk_config(&fake, "us-east-1", false).await, AwsSettings::default());
    let status: AwsStatus = send(&app_with(&home, aws), get("/api/v1/aws/status")).await.json();
    assert!(!status.ok && !status.credentials);
    assert_eq!(status.problem.map(|p| p.code), Some(AwsFailureCode::NoCredentials));
    assert!(fake.requests().is_empty(), "no call goes out without credentials");
}

#[tokio::test]
async fn status_with_expired_credentials_names_the_problem() {
    let fake = FakeBedrock::with_default_regions()
        .fail_next(Operation::GetCallerIdentity, ModelMatch::Any, FakeError::ExpiredToken)
        .spawn()
        .await
        .expect("fake");
    let home = TestHome::new();
    let status: AwsStatus = send(&app_on(&home, &fake).await, get("/api/v1/aws/status")).await.json();
    assert!(!status.ok && status.credentials);
    let problem = status.problem.expect("a problem");
    assert_eq!(problem.code, AwsFailureCode::ExpiredCredentials);
    assert_eq!(problem.aws.map(|aws| aws.error_type), Some("ExpiredToken".to_owned()));
}

// --- refresh and catalog -----------------------------------------------------------------

#[tokio::test]
async fn a_refresh_reports_each_region_and_the_catalog_merges_live_data_over_offline() {
    let fake = FakeBedrock::with_default_regions().profile_only("us-east-1", NOVA).spawn().await.expect("fake");
    let home = TestHome::new();
    let app = app_on(&home, &fake).await;

    let before: AwsCatalogResponse = send(&app, get("/api/v1/aws/catalog?regions=us-east-1")).await.json();
    assert_eq!(before.regions[0].source, FactSource::Offline);
    assert!(fake.requests().is_empty(), "the catalog alone never calls AWS");

    let progress = refresh(&app, &["us-east-1", "eu-west-1", "us-west-2"]).await;
    assert!(!progress.running);
    let states: Vec<(&str, RegionState)> = progress.regions.iter().map(|r| (r.region.as_str(), r.state)).collect();
    assert_eq!(
        states,
        [("us-east-1", RegionState::Done), ("eu-west-1", RegionState::Done), ("us-west-2", RegionState::Done)]
    );
    assert!(progress.regions.iter().all(|r| r.models > 0 && r.profiles > 0 && r.elapsed_ms.is_some()));
    let polled: RefreshProgress = send(&app, get("/api/v1/aws/refresh")).await.json();
    assert_eq!(polled, progress, "GET /aws/refresh shows the latest refresh");

    let catalog: AwsCatalogResponse =
        send(&app, get("/api/v1/aws/catalog?regions=us-east-1,eu-west-1&requires_profile=true")).await.json();
    let east = &catalog.regions[0];
    assert_eq!((east.region.as_str(), east.source), ("us-east-1", FactSource::Live));
    assert!(east.fetched_at.is_some());
    let nova = east.models.iter().find(|m| m.id == NOVA).expect("nova requires a profile in us-east-1");
    assert_eq!((nova.requires_profile, nova.source), (Some(true), FactSource::Live));
    assert_eq!(nova.inference_types, ["INFERENCE_PROFILE"], "read with as_str(), unknown to the SDK's enum");
    assert_eq!(nova.fetched_at, east.fetched_at);
    let top = &nova.suggestions[0];
    assert_eq!((top.profile.as_str(), top.kind, top.rank), (NOVA_US, ProfileSuggestionKind::Geo, 1));
    assert!(top.reason.contains("us-east-1"), "{}", top.reason);
    assert!(east.models.iter().all(|m| m.requires_profile == Some(true)), "the filter applies");
    let west = &catalog.regions[1];
    assert!(west.models.iter().all(|m| m.requires_profile == Some(true)), "the filter applies to every region");
}

#[tokio::test]
async fn suggestions_come_only_from_profiles_discovered_in_that_region() {
    let fake = FakeBedrock::with_default_regions().profile_only("eu-west-1", NOVA).spawn().await.expect("fake");
    let home = TestHome::new();
    let app = app_on(&home, &fake).await;
    refresh(&app, &["eu-west-1"]).await;
    let catalog: AwsCatalogResponse = send(&app, get("/api/v1/aws/catalog?regions=eu-west-1")).await.json();
    let nova = catalog.regions[0].models.iter().find(|m| m.id == NOVA).expect("nova");
    let profiles: Vec<&str> = nova.suggestions.iter().map(|s| s.profile.as_str()).collect();
    assert_eq!(profiles, ["eu.amazon.nova-pro-v1:0"], "no `us.` id is made up for eu-west-1");
}

#[tokio::test]
async fn catalog_with_live_fetches_what_is_missing_then_answers_from_the_cache() {
    let fake = FakeBedrock::with_default_regions().spawn().await.expect("fake");
    let home = TestHome::new();
    let app = app_on(&home, &fake).await;
    let first: AwsCatalogResponse = send(&app, get("/api/v1/aws/catalog?regions=us-west-2&live=true")).await.json();
    assert_eq!(first.regions[0].source, FactSource::Live);
    let calls = fake.requests().len();
    assert_eq!(calls, 3, "ListFoundationModels and ListInferenceProfiles twice (system, application)");
    let second: AwsCatalogResponse = send(&app, get("/api/v1/aws/catalog?regions=us-west-2&live=true")).await.json();
    assert_eq!(second.regions[0].fetched_at, first.regions[0].fetched_at);
    assert_eq!(fake.requests().len(), calls, "fresh data is reused within the TTL");
    assert_eq!(second.ttl_seconds, 900);
}

#[tokio::test]
async fn a_manual_refresh_fetches_again_even_within_the_ttl() {
    let fake = FakeBedrock::with_default_regions().spawn().await.expect("fake");
    let home = TestHome::new();
    let app = app_on(&home, &fake).await;
    refresh(&app, &["us-east-1"]).await;
    refresh(&app, &["us-east-1"]).await;
    let lists = fake.requests().iter().filter(|r| r.operation == Some(Operation::ListFoundationModels)).count();
    assert_eq!(lists, 2);
    let cached: RefreshProgress = send(
        &app,
        post_json("/api/v1/aws/refresh", None, serde_json::json!({ "regions": ["us-east-1"], "use_cache": true })),
    )
    .await
    .json();
    assert!(cached.regions[0].cached);
}

#[tokio::test]
async fn listing_follows_every_next_token_for_both_profile_types() {
    let fake = FakeBedrock::with_default_regions()
        .update_region("us-east-1", |data| {
            for id in ["aaaaaaaaaaa1", "aaaaaaaaaaa2", "aaaaaaaaaaa3"] {
                let mut profile = FakeProfile::system(id, format!("app {id}"), NOVA, ["us-east-1"]);
                profile.profile_type = ProfileType::Application;
                data.profiles.push(profile);
            }
        })
        .spawn()
        .await
        .expect("fake");
    let expected = fake.region_data("us-east-1").expect("region").profiles.len();
    let home = TestHome::new();
    let aws = aws_with(&fake, "us-east-1", AwsSettings { page_size: Some(2), ..AwsSettings::default() }).await;
    let app = app_with(&home, aws);
    refresh(&app, &["us-east-1"]).await;
    let catalog: AwsCatalogResponse = send(&app, get("/api/v1/aws/catalog?regions=us-east-1")).await.json();
    assert_eq!(catalog.regions[0].profiles.len(), expected, "every page of both types");
    let requests = fake.requests();
    let pages = |kind: &str| {
        requests.iter().filter(|r| r.query.as_deref().is_some_and(|q| q.contains(&format!("type={kind}")))).count()
    };
    assert_eq!(pages("APPLICATION"), 2, "3 application profiles in pages of 2");
    assert!(pages("SYSTEM_DEFINED") > 2);
    assert!(requests.iter().any(|r| r.query.as_deref().is_some_and(|q| q.contains("nextToken="))));
}

/// An application profile `team-nova` (id `abcdefabcdef`) that calls Nova Pro in `regions`.
fn team_nova(regions: &[&str]) -> FakeProfile {
    let mut profile = FakeProfile::system("abcdefabcdef", "team-nova", NOVA, regions.iter().copied());
    profile.profile_type = ProfileType::Application;
    profile
}

#[tokio::test]
async fn application_profiles_show_the_base_model_read_from_their_model_arns() {
    let fake = FakeBedrock::with_default_regions()
        .update_region("us-east-1", |data| data.profiles.push(team_nova(&["us-east-1", "us-west-2"])))
        .spawn()
        .await
        .expect("fake");
    let home = TestHome::new();
    let app = app_on(&home, &fake).await;
    let region = &live_us_east_1(&app).await;
    let profile = region.profiles.iter().find(|p| p.id == "abcdefabcdef").expect("the application profile");
    assert_eq!(profile.profile_type, InferenceProfileType::Application);
    assert_eq!(profile.base_model.as_deref(), Some(NOVA));
    assert_eq!(profile.destination_regions, ["us-east-1", "us-west-2"]);
    let nova = region.models.iter().find(|m| m.id == NOVA).expect("nova");
    let application =
        nova.suggestions.iter().find(|s| s.kind == ProfileSuggestionKind::Application).expect("suggested");
    assert_eq!(application.profile, profile.arn, "application profiles are bound by ARN");
    assert_eq!(nova.suggestions.last().map(|s| s.kind), Some(ProfileSuggestionKind::Application), "ranked last");
}

#[tokio::test]
async fn a_failing_region_is_reported_with_a_diagnosis_and_the_others_still_load() {
    let fake = FakeBedrock::with_default_regions()
        .rule(
            Rule::new(Operation::ListFoundationModels, ModelMatch::Any, FakeError::AccessDenied).in_region("eu-west-1"),
        )
        .spawn()
        .await
        .expect("fake");
    let home = TestHome::new();
    let app = app_on(&home, &fake).await;
    let progress = refresh(&app, &["us-east-1", "eu-west-1"]).await;
    assert_eq!(progress.regions[0].state, RegionState::Done);
    assert_eq!(progress.regions[1].state, RegionState::Failed);
    let error = progress.regions[1].error.as_ref().expect("why");
    assert_eq!(error.code, AwsFailureCode::AccessDenied);
    let catalog: AwsCatalogResponse = send(&app, get("/api/v1/aws/catalog?regions=eu-west-1")).await.json();
    assert_eq!(catalog.regions[0].source, FactSource::Offline, "the offline catalog stands in");
    assert_eq!(catalog.regions[0].error.as_ref().map(|e| e.code), Some(AwsFailureCode::AccessDenied));
}

#[tokio::test]
async fn a_malformed_region_is_refused_and_no_region_at_all_is_a_diagnosed_424() {
    let fake = FakeBedrock::with_default_regions().spawn().await.expect("fake");
    let home = TestHome::new();
    let app = app_on(&home, &fake).await;
    let error = send(&app, get("/api/v1/aws/catalog?regions=US-EAST-1")).await.error(StatusCode::BAD_REQUEST);
    assert_eq!(error.code, "invalid-query");
    let error = send(&app, post_json("/api/v1/aws/refresh", None, serde_json::json!({ "regions": ["mars"] })))
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.code, "invalid-request");

    let no_region = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(&fake.url)
        .no_credentials()
        .region(None::<aws_config::Region>)
        .load()
        .await;
    let app = app_with(&home, Aws::from_config(no_region, AwsSettings::default()));
    let error = send(&app, get("/api/v1/aws/catalog")).await.error(StatusCode::FAILED_DEPENDENCY);
    assert_eq!(error.code, "aws-error");
    assert_eq!(error.details.and_then(|d| d.diagnosis).map(|d| d.code), Some(AwsFailureCode::NoRegion));
}

// --- test invocations --------------------------------------------------------------------

async fn test_call(app: &Router, json: serde_json::Value) -> TestResponse {
    send(app, post_json("/api/v1/aws/test", None, json)).await.json()
}

/// The file's current version, as the `If-Match` of a write.
pub(crate) async fn etag(app: &Router) -> String {
    let reply = send(app, get("/api/v1/bindings")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.headers.get(header::ETAG).and_then(|v| v.to_str().ok()).expect("an ETag").to_owned()
}

#[tokio::test]
async fn a_test_call_sends_the_binding_and_reports_the_reply_tokens_and_latencies() {
    let fake = FakeBedrock::with_default_regions().spawn().await.expect("fake");
    let home = TestHome::with_file(&format!("{NOVA}={NOVA_US}\n"));
    let app = app_on(&home, &fake).await;
    let response = test_call(&app, serde_json::json!({ "model": NOVA })).await;
    assert!(response.ok, "{response:?}");
    assert_eq!(response.model_id_sent, NOVA_US, "the binding, not the key");
    assert_eq!(response.binding.as_deref(), Some(NOVA_US));
    assert!(response.reply.contains(&format!("answered through {NOVA_US} in us-east-1")), "{}", response.reply);
    assert_eq!(response.stop_reason.as_deref(), Some("end_turn"));
    assert!(response.input_tokens.is_some_and(|n| n > 0) && response.output_tokens.is_some_and(|n| n > 0));
    assert!(response.service_latency_ms.is_some(), "metrics.latencyMs");
    assert_eq!(response.max_tokens, 64, "the default");
    let converse = fake.requests().into_iter().find(|r| r.operation == Some(Operation::Converse)).expect("sent");
    assert_eq!(converse.path, "/model/us.amazon.nova-pro-v1%3A0/converse");
    assert!(converse.body.contains("\"maxTokens\":64"), "{}", converse.body);
}

#[tokio::test]
async fn a_direct_or_unbound_model_is_called_by_its_own_id() {
    let fake = FakeBedrock::with_default_regions().spawn().await.expect("fake");
    let home = TestHome::with_file(&format!("{NOVA}=\n"));
    let app = app_on(&home, &fake).await;
    let response = test_call(&app, serde_json::json!({ "model": NOVA, "prompt": "hi there", "max_tokens": 10 })).await;
    assert!(response.ok);
    assert_eq!((response.model_id_sent.as_str(), response.binding.as_deref()), (NOVA, Some("")));
    assert_eq!(response.max_tokens, 10);
    let haiku = "anthropic.claude-haiku-4-5-20251001-v1:0";
    let response = test_call(&app, serde_json::json!({ "model": haiku })).await;
    assert_eq!((response.model_id_sent.as_str(), response.binding), (haiku, None));
}

#[tokio::test]
async fn an_unbound_profile_only_model_gets_the_on_demand_diagnosis_and_its_fix_works() {
    let fake = FakeBedrock::with_default_regions().profile_only("us-east-1", NOVA).spawn().await.expect("fake");
    let home = TestHome::new();
    let app = app_on(&home, &fake).await;
    let response = test_call(&app, serde_json::json!({ "model": NOVA })).await;
    assert!(!response.ok);
    let diagnosis = response.diagnosis.expect("a diagnosis");
    assert_eq!(diagnosis.code, AwsFailureCode::OnDemandNotSupported);
    assert!(diagnosis.aws.as_ref().is_some_and(|aws| aws.message.contains("isn\u{2019}t supported")));
    let Some(Fix::Bind { model, profile }) = diagnosis.fix else { panic!("a bind fix") };
    assert_eq!((model.as_str(), profile.as_str()), (NOVA, NOVA_US), "the profile discovered in us-east-1");

    // The one-click fix is a plain bind.
    let tag = etag(&app).await;
    let bound = send(
        &app,
        post_json("/api/v1/bindings/bind", Some(&tag), serde_json::json!({ "model": model, "profile": profile })),
    )
    .await;
    assert_eq!(bound.status, StatusCode::OK, "{}", bound.text());
    let response = test_call(&app, serde_json::json!({ "model": NOVA })).await;
    assert!(response.ok, "{response:?}");
    assert_eq!(response.model_id_sent, NOVA_US);
}

#[tokio::test]
async fn a_profile_of_another_geography_is_invalid_here_and_the_fix_offers_this_regions_profile() {
    let fake = FakeBedrock::with_default_regions().spawn().await.expect("fake");
    let home = TestHome::with_file(&format!("{NOVA}=eu.amazon.nova-pro-v1:0\n"));
    let app = app_on(&home, &fake).await;
    let response = test_call(&app, serde_json::json!({ "model": NOVA })).await;
    let diagnosis = response.diagnosis.expect("a diagnosis");
    assert_eq!(diagnosis.code, AwsFailureCode::InvalidModelIdentifier);
    assert_eq!(diagnosis.fix, Some(Fix::Bind { model: NOVA.to_owned(), profile: NOVA_US.to_owned() }));
}

#[tokio::test]
async fn every_failure_users_hit_is_diagnosed_with_a_remedy() {
    let sonnet = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    let cases = [
        (FakeError::OnDemandNotSupportedOldWording, AwsFailureCode::OnDemandNotSupported),
        (FakeError::InvalidModelIdentifier, AwsFailureCode::InvalidModelIdentifier),
        (FakeError::AccessDenied, AwsFailureCode::AccessDenied),
        (FakeError::MarketplaceAccessDenied, AwsFailureCode::MarketplaceAccessDenied),
        (FakeError::UseCaseFormRequired, AwsFailureCode::UseCaseFormRequired),
        (FakeError::EndOfLife, AwsFailureCode::EndOfLife),
        (FakeError::LegacyNotActive, AwsFailureCode::LegacyNotActive),
        (FakeError::Throttling, AwsFailureCode::Throttled),
        (FakeError::TooManyTokens, AwsFailureCode::Throttled),
        (FakeError::ModelTimeout, AwsFailureCode::ModelTimeout),
        (FakeError::ModelNotReady, AwsFailureCode::ModelNotReady),
        (FakeError::ModelError, AwsFailureCode::ModelError),
        (FakeError::ServiceUnavailable, AwsFailureCode::ServiceUnavailable),
        (FakeError::InternalServer, AwsFailureCode::InternalServer),
        (FakeError::ExpiredToken, AwsFailureCode::ExpiredCredentials),
        (FakeError::UnrecognizedClient, AwsFailureCode::InvalidCredentials),
    ];
    let fake = FakeBedrock::with_default_regions().spawn().await.expect("fake");
    let home = TestHome::with_file(&format!("{sonnet}=us.{sonnet}\n"));
    let app = app_on(&home, &fake).await;
    for (error, code) in cases {
        fake.fail_next(Operation::Converse, ModelMatch::Any, error.clone());
        let response = test_call(&app, serde_json::json!({ "model": sonnet })).await;
        let diagnosis = response.diagnosis.unwrap_or_else(|| panic!("{error:?} is diagnosed"));
        assert_eq!(diagnosis.code, code, "{error:?}");
        assert!(!diagnosis.explanation.is_empty() && !diagnosis.remedy.is_empty(), "{error:?}");
        assert_eq!(diagnosis.aws.map(|aws| aws.status), Some(Some(error.status())), "{error:?}");
        if code == AwsFailureCode::Throttled {
            assert_eq!(
                diagnosis.fix,
                Some(Fix::Bind { model: sonnet.to_owned(), profile: format!("global.{sonnet}") }),
                "throttled on the geo profile: the global one has more headroom"
            );
        }
    }
}

#[tokio::test]
async fn a_test_without_credentials_is_diagnosed_and_sends_nothing() {
    let fake = FakeBedrock::with_default_regions().spawn().await.expect("fake");
    let home = TestHome::new();
    let aws = Aws::from_config(sdk_config(&fake, "us-east-1", false).await, AwsSettings::default());
    let response = test_call(&app_with(&home, aws), serde_json::json!({ "model": NOVA })).await;
    assert!(!response.ok);
    assert_eq!(response.diagnosis.as_ref().map(|d| d.code), Some(AwsFailureCode::NoCredentials), "{response:?}");
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn max_tokens_over_the_ceiling_and_a_malformed_model_are_refused() {
    let fake = FakeBedrock::with_default_regions().spawn().await.expect("fake");
    let home = TestHome::new();
    let aws = aws_with(&fake, "us-east-1", AwsSettings { max_tokens_ceiling: 100, ..AwsSettings::default() }).await;
    let app = app_with(&home, aws);
    for body in [
        serde_json::json!({ "model": NOVA, "max_tokens": 101 }),
        serde_json::json!({ "model": NOVA, "max_tokens": 0 }),
        serde_json::json!({ "model": "nova pro" }),
        serde_json::json!({ "model": NOVA, "region": "Europe" }),
    ] {
        let error =
            send(&app, post_json("/api/v1/aws/test", None, body.clone())).await.error(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error.code, "invalid-request", "{body}");
    }
    let error =
        send(&app, post_json("/api/v1/aws/test", None, serde_json::json!({ "model": NOVA, "max_tokens": 101 })))
            .await
            .error(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.message.contains("100"), "{}", error.message);
    assert!(fake.requests().is_empty());
    assert!(test_call(&app, serde_json::json!({ "model": NOVA, "max_tokens": 100 })).await.ok);
}

// --- check -------------------------------------------------------------------------------

#[tokio::test]
async fn check_verifies_each_binding_without_invoking_a_model() {
    let lite = "amazon.nova-lite-v1:0";
    let micro = "amazon.nova-micro-v1:0";
    let sonnet = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    let haiku = "anthropic.claude-3-haiku-20240307-v1:0";
    let llama = "meta.llama3-1-8b-instruct-v1:0";
    let deepseek = "deepseek.r1-v1:0";
    let fake = FakeBedrock::with_default_regions()
        .update_region("us-east-1", |data| {
            if let Some(model) = data.model_mut(micro) {
                model.availability.authorized = false;
            }
            if let Some(model) = data.model_mut(deepseek) {
                model.availability.agreement = fake_bedrock::AgreementStatus::Pending;
            }
        })
        .spawn()
        .await
        .expect("fake");
    let text = format!(
        "{NOVA}={NOVA_US}\n{lite}=eu.{lite}\n{sonnet}=\n{haiku}=\n\
         {llama}=arn:aws:bedrock:us-west-2:123456789012:inference-profile/us.{llama}\n\
         {micro}=us.{micro}\n{deepseek}=us.{deepseek}\namazon.titan-text-express-v1=us.{lite}\n"
    );
    let home = TestHome::with_file(&text);
    let app = app_on(&home, &fake).await;
    let report: CheckResponse = send(&app, post_json("/api/v1/aws/check", None, serde_json::json!({}))).await.json();
    assert_eq!(report.region, "us-east-1");
    assert!(!report.ok);
    let failed = |model: &str| -> (Vec<CheckKind>, Option<AwsFailureCode>, Option<Fix>) {
        let binding = report.bindings.iter().find(|b| b.model == model).unwrap_or_else(|| panic!("{model} checked"));
        let kinds = binding.checks.iter().filter(|c| c.status == CheckStatus::Fail).map(|c| c.check).collect();
        let diagnosis = binding.diagnosis.clone();
        (kinds, diagnosis.as_ref().map(|d| d.code), diagnosis.and_then(|d| d.fix))
    };
    assert_eq!(failed(NOVA), (vec![], None, None));
    let (kinds, code, fix) = failed(lite);
    assert_eq!((kinds, code), (vec![CheckKind::ProfileExists], Some(AwsFailureCode::InvalidModelIdentifier)));
    assert_eq!(fix, Some(Fix::Bind { model: lite.to_owned(), profile: format!("us.{lite}") }));
    let (kinds, code, fix) = failed(sonnet);
    assert_eq!(kinds[0], CheckKind::OnDemand);
    assert_eq!(code, Some(AwsFailureCode::OnDemandNotSupported));
    assert_eq!(fix, Some(Fix::Bind { model: sonnet.to_owned(), profile: format!("us.{sonnet}") }));
    assert_eq!(failed(haiku).0, [CheckKind::NotLegacy]);
    assert_eq!(failed(llama).0, [CheckKind::ArnRegion], "a profile ARN of another region");
    assert_eq!(failed(micro).0, [CheckKind::Authorized]);
    assert_eq!(failed(micro).1, Some(AwsFailureCode::AccessDenied));
    assert_eq!(failed(deepseek).0, [CheckKind::Agreement]);
    assert_eq!(failed(deepseek).1, Some(AwsFailureCode::MarketplaceAccessDenied));
    assert_eq!(failed("amazon.titan-text-express-v1").0, [CheckKind::ProfileContainsModel]);
    let ok = report.bindings.iter().find(|b| b.model == NOVA).expect("nova");
    let passed: Vec<CheckKind> = ok.checks.iter().map(|c| c.check).collect();
    assert_eq!(
        passed,
        [
            CheckKind::WellFormed,
            CheckKind::ProfileExists,
            CheckKind::ProfileActive,
            CheckKind::ProfileContainsModel,
            CheckKind::NotLegacy,
            CheckKind::Authorized,
            CheckKind::Agreement
        ]
    );
    assert!(
        fake.requests().iter().all(|r| !matches!(r.operation, Some(Operation::Converse | Operation::ConverseStream))),
        "checking spends no tokens"
    );
}

#[tokio::test]
async fn check_of_listed_models_checks_only_those_and_an_unbound_one_as_direct() {
    let fake = FakeBedrock::with_default_regions().profile_only("us-east-1", NOVA).spawn().await.expect("fake");
    let home = TestHome::with_file("amazon.nova-lite-v1:0=\n");
    let app = app_on(&home, &fake).await;
    let report: CheckResponse = send(
        &app,
        post_json("/api/v1/aws/check", None, serde_json::json!({ "models": [NOVA], "region": "us-east-1" })),
    )
    .await
    .json();
    assert_eq!(report.bindings.len(), 1);
    let binding = &report.bindings[0];
    assert_eq!((binding.model.as_str(), binding.line, binding.ok), (NOVA, 0, false));
    assert_eq!(binding.diagnosis.as_ref().map(|d| d.code), Some(AwsFailureCode::OnDemandNotSupported));
}

// --- streaming ---------------------------------------------------------------------------

/// The server-sent events of a reply: (event, data).
fn sse_events(reply: &Reply) -> Vec<(String, TestStreamEvent)> {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let content_type = reply.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    assert_eq!(content_type, Some("text/event-stream"));
    reply
        .text()
        .split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let field = |name: &str| {
                block.lines().find_map(|line| line.strip_prefix(name)).map(str::trim).unwrap_or_default().to_owned()
            };
            let data = serde_json::from_str(&field("data:")).unwrap_or_else(|e| panic!("{e}: {block}"));
            (field("event:"), data)
        })
        .collect()
}

#[tokio::test]
async fn a_streaming_test_sends_start_each_delta_and_the_outcome_as_server_sent_events() {
    let fake = FakeBedrock::with_default_regions().spawn().await.expect("fake");
    let home = TestHome::with_file(&format!("{NOVA}={NOVA_US}\n"));
    let app = app_on(&home, &fake).await;
    let reply = send(&app, post_json("/api/v1/aws/test/stream", None, serde_json::json!({ "model": NOVA }))).await;
    let events = sse_events(&reply);
    let names: Vec<&str> = events.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names.first(), Some(&"start"));
    assert_eq!(names.last(), Some(&"done"));
    assert!(names.iter().filter(|n| **n == "delta").count() > 3, "one event per piece of text: {names:?}");
    let TestStreamEvent::Start { model_id_sent, region, .. } = &events[0].1 else { panic!("start first") };
    assert_eq!((model_id_sent.as_str(), region.as_str()), (NOVA_US, "us-east-1"));
    let streamed: String = events
        .iter()
        .filter_map(|(_, event)| match event {
            TestStreamEvent::Delta { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    let Some((_, TestStreamEvent::Done(done))) = events.last() else { panic!("done last") };
    assert!(done.ok, "{done:?}");
    assert_eq!(done.reply, streamed);
    assert!(done.output_tokens.is_some() && done.service_latency_ms.is_some());
    assert!(fake.requests().iter().any(|r| r.path == "/model/us.amazon.nova-pro-v1%3A0/converse-stream"));
}

#[tokio::test]
async fn a_streaming_test_that_fails_ends_with_the_diagnosis() {
    let fake = FakeBedrock::with_default_regions()
        .profile_only("us-east-1", NOVA)
        .rule(Rule::new(Operation::ConverseStream, NOVA_US, FakeError::ServiceUnavailable).mid_stream())
        .spawn()
        .await
        .expect("fake");
    let home = TestHome::new();
    let app = app_on(&home, &fake).await;
    let events =
        sse_events(&send(&app, post_json("/api/v1/aws/test/stream", None, serde_json::json!({ "model": NOVA }))).await);
    let Some((_, TestStreamEvent::Done(done))) = events.last() else { panic!("done last") };
    let diagnosis = done.diagnosis.as_ref().expect("diagnosed");
    assert_eq!(diagnosis.code, AwsFailureCode::OnDemandNotSupported);
    assert_eq!(diagnosis.fix, Some(Fix::Bind { model: NOVA.to_owned(), profile: NOVA_US.to_owned() }));

    home.write(format!("{NOVA}={NOVA_US}\n").as_bytes());
    let events =
        sse_events(&send(&app, post_json("/api/v1/aws/test/stream", None, serde_json::json!({ "model": NOVA }))).await);
    let Some((_, TestStreamEvent::Done(done))) = events.last() else { panic!("done last") };
    assert_eq!(done.reply, "Partial ", "what arrived before the failure");
    assert_eq!(done.diagnosis.as_ref().map(|d| d.code), Some(AwsFailureCode::ServiceUnavailable));

    let error = send(&app, post_json("/api/v1/aws/test/stream", None, serde_json::json!({ "model": "x" })))
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.code, "invalid-request", "a bad request is refused before the stream starts");
}

// --- application inference profiles ------------------------------------------------------

const NOVA_US_ARN: &str = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0";

fn delete(uri: &str) -> Request<Body> {
    Request::delete(uri).body(Body::empty()).expect("request")
}

/// An ARN as one path segment.
fn encoded(arn: &str) -> String {
    arn.replace(':', "%3A").replace('/', "%2F")
}

fn application_profiles(fake: &RunningFake) -> Vec<FakeProfile> {
    let data = fake.region_data("us-east-1").expect("region");
    data.profiles.into_iter().filter(|p| p.profile_type == ProfileType::Application).collect()
}

#[tokio::test]
async fn creating_a_profile_binds_it_in_the_same_step_and_a_retry_with_the_token_creates_nothing_new() {
    let fake = FakeBedrock::with_default_regions().spawn().await.expect("fake");
    let home = TestHome::new();
    let app = app_on(&home, &fake).await;
    let request = serde_json::json!({
        "name": "team nova",
        "description": "Nova Pro for the team",
        "copy_from": NOVA_US_ARN,
        "tags": [{ "key": "team", "value": "ml" }],
        "client_request_token": "token-1",
        "bind": true,
    });
    let tag = etag(&app).await;
    let reply = send(&app, post_json("/api/v1/aws/profiles", Some(&tag), request.clone())).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let created: CreateProfileResponse = reply.json();
    assert!(created.arn.starts_with("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/"));
    assert_eq!((created.status.as_str(), created.model.as_deref()), ("ACTIVE", Some(NOVA)));
    let bindings = created.bindings.expect("bound in the same step");
    assert_eq!(bindings.text, format!("{NOVA}={}\n", created.arn));
    let sent =
        fake.requests().into_iter().find(|r| r.operation == Some(Operation::CreateInferenceProfile)).expect("sent");
    let body: serde_json::Value = serde_json::from_str(&sent.body).expect("JSON body");
    assert_eq!(body["clientRequestToken"], "token-1");
    assert_eq!(body["modelSource"]["copyFrom"], NOVA_US_ARN);
    assert_eq!(body["tags"][0]["key"], "team");

    // A retry (the first answer was lost, say) with the same token: the same profile.
    let mut retry = request;
    retry["bind"] = serde_json::json!(false);
    let again: CreateProfileResponse = send(&app, post_json("/api/v1/aws/profiles", None, retry)).await.json();
    assert_eq!(again.arn, created.arn);
    assert_eq!(application_profiles(&fake).len(), 1);

    // The new binding works.
    let response = test_call(&app, serde_json::json!({ "model": NOVA })).await;
    assert!(response.ok, "{response:?}");
    assert_eq!(response.model_id_sent, created.arn);
}

#[tokio::test]
async fn create_and_bind_checks_if_match_before_creating_anything() {
    let fake = FakeBedrock::with_default_regions().spawn().await.expect("fake");
    let home = TestHome::with_file("# mine\n");
    let app = app_on(&home, &fake).await;
    let request = serde_json::json!({ "name": "p1", "copy_from": NOVA_US_ARN, "bind": true });
    let error = send(&app, post_json("/api/v1/aws/profiles", None, request.clone()))
        .await
        .error(StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(error.code, "precondition-required");
    let error = send(&app, post_json("/api/v1/aws/profiles", Some("\"stale\""), request))
        .await
        .error(StatusCode::PRECONDITION_FAILED);
    assert_eq!(error.details.and_then(|d| d.current_text).as_deref(), Some("# mine\n"));
    assert!(fake.requests().is_empty(), "nothing was created");
}

#[tokio::test]
async fn create_refuses_bad_fields_before_calling_aws_and_resolves_an_id_through_discovery() {
    let fake = FakeBedrock::with_default_regions().spawn().await.expect("fake");
    let home = TestHome::new();
    let app = app_on(&home, &fake).await;
    for (name, copy_from) in [
        ("bad//name", NOVA_US_ARN),
        ("p", "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcdefabcdef"),
        ("p", "arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-pro-v1:0"),
    ] {
        let body = serde_json::json!({ "name": name, "copy_from": copy_from });
        let error =
            send(&app, post_json("/api/v1/aws/profiles", None, body)).await.error(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error.code, "invalid-request", "{name} {copy_from}");
    }
    assert!(fake.requests().is_empty());

    let body = serde_json::json!({ "name": "by-id", "copy_from": NOVA });
    let created: CreateProfileResponse = send(&app, post_json("/api/v1/aws/profiles", None, body)).await.json();
    assert_eq!(created.model.as_deref(), Some(NOVA));
    let sent =
        fake.requests().into_iter().find(|r| r.operation == Some(Operation::CreateInferenceProfile)).expect("sent");
    assert!(sent.body.contains("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"), "{}", sent.body);
}

#[tokio::test]
async fn a_failed_create_is_a_424_carrying_the_diagnosis() {
    let fake = FakeBedrock::with_default_regions()
        .fail_next(Operation::CreateInferenceProfile, ModelMatch::Any, FakeError::AccessDenied)
        .spawn()
        .await
        .expect("fake");
    let home = TestHome::new();
    let app = app_on(&home, &fake).await;
    let body = serde_json::json!({ "name": "p", "copy_from": NOVA_US_ARN });
    let error = send(&app, post_json("/api/v1/aws/profiles", None, body)).await.error(StatusCode::FAILED_DEPENDENCY);
    assert_eq!(error.code, "aws-error");
    assert_eq!(error.details.and_then(|d| d.diagnosis).map(|d| d.code), Some(AwsFailureCode::AccessDenied));
}

#[tokio::test]
async fn listing_and_deleting_profiles_show_the_lines_that_use_them_and_delete_needs_confirmation() {
    let fake = FakeBedrock::with_default_regions().spawn().await.expect("fake");
    let home = TestHome::new();
    let app = app_on(&home, &fake).await;
    let body = serde_json::json!({ "name": "team-nova", "copy_from": NOVA_US_ARN, "bind": true });
    let tag = etag(&app).await;
    let created: CreateProfileResponse = send(&app, post_json("/api/v1/aws/profiles", Some(&tag), body)).await.json();

    let listed: ProfilesResponse = send(&app, get("/api/v1/aws/profiles?region=us-east-1")).await.json();
    assert_eq!(listed.profiles.len(), 1);
    let entry = &listed.profiles[0];
    assert_eq!((entry.profile.name.as_str(), entry.profile.base_model.as_deref()), ("team-nova", Some(NOVA)));
    assert_eq!(entry.references.len(), 1);
    assert_eq!((entry.references[0].model.as_str(), entry.references[0].line), (NOVA, 1));

    let uri = format!("/api/v1/aws/profiles/{}", encoded(&created.arn));
    let error = send(&app, delete(&uri)).await.error(StatusCode::CONFLICT);
    assert_eq!(error.code, "confirmation-required");
    assert!(error.message.contains("1 binding points at it"), "{}", error.message);
    let references = error.details.map(|d| d.references).unwrap_or_default();
    assert_eq!(references.len(), 1);
    assert_eq!(application_profiles(&fake).len(), 1, "not deleted without confirm");

    let deleted: DeleteProfileResponse = send(&app, delete(&format!("{uri}?confirm=true"))).await.json();
    assert_eq!(deleted.arn, created.arn);
    assert_eq!(deleted.references.len(), 1, "the lines now broken");
    assert!(application_profiles(&fake).is_empty());

    let error = send(&app, delete(&format!("/api/v1/aws/profiles/{}?confirm=true", encoded(NOVA_US_ARN))))
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.message.contains("system-defined"), "{}", error.message);
}

// --- bind all required -------------------------------------------------------------------

#[tokio::test]
async fn bind_required_previews_every_unbound_profile_only_model_and_applies_through_put() {
    let sonnet = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    let fake = FakeBedrock::with_default_regions().profile_only("us-east-1", NOVA).spawn().await.expect("fake");
    let home = TestHome::with_file(&format!("# mine\n{NOVA}=\n{sonnet}=global.{sonnet}\n"));
    let app = app_on(&home, &fake).await;
    let preview: BindRequiredPreview =
        send(&app, post_json("/api/v1/aws/bind-required", None, serde_json::json!({ "region": "us-east-1" })))
            .await
            .json();
    assert_eq!(preview.region, "us-east-1");
    let nova = preview.changes.iter().find(|c| c.model == NOVA).expect("the direct binding is replaced");
    assert_eq!(nova.profile, NOVA_US);
    assert!(nova.reason.contains("discovered in us-east-1"), "{}", nova.reason);
    assert!(preview.changes.iter().all(|c| c.model != sonnet), "an existing binding is left alone");
    assert!(preview.changes.len() > 5, "every unbound profile-only model of the region");
    assert!(preview.skipped.iter().any(|s| s.reason.contains("end of life")), "{:?}", preview.skipped);
    assert!(preview.text.starts_with(&format!("# mine\n{NOVA}={NOVA_US}\n{sonnet}=global.{sonnet}\n")));
    let removed: Vec<&str> =
        preview.diff.iter().filter(|l| l.change == LineChange::Removed).map(|l| l.text.as_str()).collect();
    assert_eq!(removed, [format!("{NOVA}=\n")]);
    assert_eq!(preview.diff.iter().filter(|l| l.change == LineChange::Added).count(), preview.changes.len());
    assert_eq!(home.read(), format!("# mine\n{NOVA}=\n{sonnet}=global.{sonnet}\n"), "a preview writes nothing");

    // Applying it is a plain conditional PUT of the text.
    let put = Request::builder()
        .method(Method::PUT)
        .uri("/api/v1/bindings")
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .header(header::IF_MATCH, format!("\"{}\"", preview.version))
        .body(Body::from(preview.text.clone()))
        .expect("request");
    let reply = send(&app, put).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(home.read(), preview.text);
    assert!(test_call(&app, serde_json::json!({ "model": NOVA })).await.ok);
}

// --- a profile that is not ACTIVE --------------------------------------------------------

#[tokio::test]
async fn check_fails_profile_active_for_a_profile_that_is_not_active_and_passes_once_it_is() {
    // An application profile for the same model: what the fix can offer instead.
    let team = team_nova(&["us-east-1"]);
    let team_arn = team.arn("us-east-1", fake_bedrock::DEFAULT_ACCOUNT);
    let fake = FakeBedrock::with_default_regions()
        .profile_status("us-east-1", NOVA_US, "DISABLED")
        .update_region("us-east-1", |data| data.profiles.push(team))
        .spawn()
        .await
        .expect("fake");
    let home = TestHome::with_file(&format!("{NOVA}={NOVA_US}\n"));
    let app = app_on(&home, &fake).await;
    let report: CheckResponse = send(&app, post_json("/api/v1/aws/check", None, serde_json::json!({}))).await.json();
    assert!(!report.ok);
    let binding = &report.bindings[0];
    assert_eq!((binding.model.as_str(), binding.profile.as_str(), binding.ok), (NOVA, NOVA_US, false));
    let outcome = |status: CheckStatus| -> Vec<CheckKind> {
        binding.checks.iter().filter(|c| c.status == status).map(|c| c.check).collect()
    };
    assert_eq!(outcome(CheckStatus::Fail), [CheckKind::ProfileActive]);
    let failed = binding.checks.iter().find(|c| c.check == CheckKind::ProfileActive).expect("checked");
    assert_eq!(failed.message, "the profile is DISABLED, not ACTIVE");
    assert!(
        outcome(CheckStatus::Pass).starts_with(&[CheckKind::WellFormed, CheckKind::ProfileExists]),
        "the profile was found: only its status fails"
    );
    assert!(outcome(CheckStatus::Pass).contains(&CheckKind::ProfileContainsModel), "the later checks still run");
    let diagnosis = binding.diagnosis.as_ref().expect("the failure is the diagnosis");
    assert!(
        diagnosis.explanation.contains(&format!("`{NOVA_US}` is DISABLED; only ACTIVE profiles can be called")),
        "{}",
        diagnosis.explanation
    );
    assert!(diagnosis.remedy.contains("bind another profile"), "{}", diagnosis.remedy);
    assert_eq!(diagnosis.code, AwsFailureCode::ProfileNotActive);
    let Some(Fix::Bind { model, profile }) = &diagnosis.fix else { panic!("a fix: {diagnosis:?}") };
    assert_eq!((model.as_str(), profile), (NOVA, &team_arn), "the other profile discovered for the model");
    let asked = fake.requests().into_iter().find(|r| r.operation == Some(Operation::GetInferenceProfile));
    let asked = asked.expect("the status came from GetInferenceProfile, through the SDK");
    assert_eq!((asked.status, asked.model_id.as_deref()), (200, Some(NOVA_US)));

    fake.set_profile_status("us-east-1", NOVA_US, fake_bedrock::PROFILE_ACTIVE);
    let report: CheckResponse = send(&app, post_json("/api/v1/aws/check", None, serde_json::json!({}))).await.json();
    assert!(report.ok, "{report:?}");
}

#[tokio::test]
async fn a_profile_that_is_not_active_is_listed_with_its_status_but_never_suggested() {
    let fake = FakeBedrock::with_default_regions()
        .profile_only("us-east-1", NOVA)
        .profile_status("us-east-1", NOVA_US, "DISABLED")
        .spawn()
        .await
        .expect("fake");
    let home = TestHome::new();
    let app = app_on(&home, &fake).await;
    let region = &live_us_east_1(&app).await;
    let profile = region.profiles.iter().find(|p| p.id == NOVA_US).expect("discovered");
    assert_eq!(profile.status, "DISABLED", "read with as_str(), unknown to the SDK's enum");
    let nova = region.models.iter().find(|m| m.id == NOVA).expect("nova");
    assert!(nova.suggestions.iter().all(|s| s.profile != NOVA_US), "{:?}", nova.suggestions);
}

// --- the cost guard ----------------------------------------------------------------------

/// How many Converse calls the fake has seen.
fn converse_calls(fake: &fake_bedrock::RunningFake) -> usize {
    fake.requests()
        .iter()
        .filter(|r| matches!(r.operation, Some(Operation::Converse | Operation::ConverseStream)))
        .count()
}

#[tokio::test]
async fn each_cost_limit_answers_429_with_its_reset_and_the_call_never_reaches_bedrock() {
    use bedrock_binder::cost_guard::{CostGuard, CostLimits};

    let fake = FakeBedrock::with_default_regions().spawn().await.expect("fake");
    let home = TestHome::with_file(&format!("{NOVA}={NOVA_US}\n"));
    let usage = home.dir.path().join("usage.json");
    let cases = [
        (CostLimits { calls_per_user_per_minute: Some(1), ..CostLimits::default() }, "test calls in the last minute"),
        (CostLimits { server_daily_tokens: Some(60), ..CostLimits::default() }, "server's daily token budget"),
        (CostLimits { env_daily_tokens: Some(60), ..CostLimits::default() }, "daily token budget of `default`"),
    ];
    for (limits, sentence) in cases {
        let _ = std::fs::remove_file(&usage);
        let aws = aws_with(&fake, "us-east-1", AwsSettings::default()).await;
        let state = AppState::new(home.environments(), Catalog::embedded()).with_aws(aws);
        let app = router(state.with_cost_guard(CostGuard::new(limits, Some(usage.clone()))));
        let call = serde_json::json!({ "model": NOVA, "max_tokens": 60 });
        let first = test_call(&app, call.clone()).await;
        assert!(first.ok, "{first:?}");
        let sent = converse_calls(&fake);
        let refused = send(&app, post_json("/api/v1/aws/test", None, call.clone())).await;
        assert!(refused.headers.get("retry-after").is_some(), "{sentence}: says when to retry");
        let error = refused.error(StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(error.code, "limit-exceeded");
        assert!(error.message.contains(sentence), "{}", error.message);
        let streamed = send(&app, post_json("/api/v1/aws/test/stream", None, call)).await;
        assert_eq!(streamed.status, StatusCode::TOO_MANY_REQUESTS, "the stream is guarded too");
        assert_eq!(converse_calls(&fake), sent, "{sentence}: no call reached Bedrock");
    }
}
