//! Handler tests through `Router::oneshot`, plus the two ways of running a fake on a socket.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::control_plane::valid_profile_name;
use super::routing::{Target, route};
use crate::data::{FakeModel, FakeProfile, Lifecycle, RegionData};
use crate::error::FakeError;
use crate::eventstream::decode_all;
use crate::script::{LatencyRule, ModelMatch, Operation, RequestRecord, Rule};
// The public entry points, since these tests build the fake as its users do.
use crate::{FakeBedrock, FakeHandle};

const NOVA_PRO: &str = "amazon.nova-pro-v1:0";

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn error_type(&self) -> &str {
        self.headers
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(':').next())
            .unwrap_or("")
    }

    #[track_caller]
    fn assert_error(&self, status: u16, error_type: &str, message: &str) {
        assert_eq!(
            (self.status.as_u16(), self.error_type()),
            (status, error_type),
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(self.json()["message"], message);
    }
}

/// Encodes an identifier as one path segment, as the SDKs do.
fn segment(identifier: &str) -> String {
    identifier.replace(':', "%3A").replace('/', "%2F")
}

fn authorization(region: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKIDTEST/20250101/{region}/bedrock/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature=0000"
    )
}

async fn send(app: &Router, method: &str, uri: &str, region: Option<&str>, body: &str) -> Answer {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(region) = region {
        request = request.header(header::AUTHORIZATION, authorization(region));
    }
    let response = app.clone().oneshot(request.body(Body::from(body.to_owned())).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    Answer { status, headers, body }
}

async fn get(app: &Router, uri: &str, region: &str) -> Answer {
    send(app, "GET", uri, Some(region), "").await
}

async fn converse(app: &Router, identifier: &str, region: &str) -> Answer {
    let body = r#"{"messages": [{"role": "user", "content": [{"text": "Say hello"}]}]}"#;
    send(app, "POST", &format!("/model/{}/converse", segment(identifier)), Some(region), body).await
}

fn default_app() -> (Router, FakeHandle) {
    FakeBedrock::with_default_regions().into_router()
}

#[test]
fn an_encoded_arn_is_routed_as_one_decoded_identifier() {
    let arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0";
    assert_eq!(
        route(&Method::GET, &format!("/inference-profiles/{}", segment(arn))),
        Target::Bedrock(Operation::GetInferenceProfile, Some(arn.to_owned()))
    );
    assert_eq!(
        route(&Method::POST, "/model/amazon.nova-pro-v1%3A0/converse-stream"),
        Target::Bedrock(Operation::ConverseStream, Some(NOVA_PRO.to_owned()))
    );
    assert_eq!(route(&Method::POST, "/"), Target::Sts);
    // An ARN whose `/` was not encoded is two segments: AWS finds no operation either.
    assert_eq!(
        route(&Method::GET, "/inference-profiles/arn:aws:bedrock:us-east-1:1:inference-profile/x"),
        Target::Unknown
    );
    assert_eq!(route(&Method::PUT, "/inference-profiles"), Target::Unknown);
    assert_eq!(route(&Method::GET, "/foundation-models/"), Target::Unknown);
}

#[tokio::test]
async fn foundation_models_are_served_from_the_region_of_the_credential_scope() {
    let (app, _) = default_app();
    let east = get(&app, "/foundation-models", "us-east-1").await;
    assert_eq!(east.status, StatusCode::OK);
    let summaries = east.json()["modelSummaries"].as_array().unwrap().clone();
    let nova = summaries.iter().find(|m| m["modelId"] == NOVA_PRO).unwrap();
    assert_eq!(nova["modelArn"], "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0");
    assert_eq!(nova["inferenceTypesSupported"], json!(["ON_DEMAND"]));
    assert_eq!(nova["modelLifecycle"]["status"], "ACTIVE");

    let west = get(&app, "/foundation-models?byProvider=amazon", "us-west-2").await.json();
    let nova = west["modelSummaries"].as_array().unwrap().iter().find(|m| m["modelId"] == NOVA_PRO).unwrap().clone();
    assert_eq!(nova["inferenceTypesSupported"], json!(["INFERENCE_PROFILE"]));
    assert!(west["modelSummaries"].as_array().unwrap().iter().all(|m| m["providerName"] == "Amazon"));

    let on_demand = get(&app, "/foundation-models?byInferenceType=ON_DEMAND", "us-west-2").await.json();
    assert!(on_demand["modelSummaries"].as_array().unwrap().iter().all(|m| m["modelId"] != NOVA_PRO));

    let nowhere = get(&app, "/foundation-models", "sa-east-1").await.json();
    assert_eq!(nowhere, json!({ "modelSummaries": [] }));
}

#[tokio::test]
async fn a_bad_enum_filter_is_a_validation_error_naming_the_member() {
    let (app, _) = default_app();
    get(&app, "/foundation-models?byInferenceType=INFERENCE_PROFILE", "us-east-1").await.assert_error(
        400,
        "ValidationException",
        "1 validation error detected: Value 'INFERENCE_PROFILE' at 'byInferenceType' failed to satisfy constraint: \
         Member must satisfy enum value set: [ON_DEMAND, PROVISIONED]",
    );
}

#[tokio::test]
async fn get_foundation_model_takes_an_id_or_an_encoded_arn_of_its_region() {
    let (app, _) = default_app();
    let by_id = get(&app, &format!("/foundation-models/{}", segment(NOVA_PRO)), "us-east-1").await.json();
    assert_eq!(by_id["modelDetails"]["modelId"], NOVA_PRO);
    let arn = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0";
    let by_arn = get(&app, &format!("/foundation-models/{}", segment(arn)), "us-east-1").await.json();
    assert_eq!(by_arn, by_id);
    get(&app, &format!("/foundation-models/{}", segment(arn)), "us-west-2").await.assert_error(
        400,
        "ValidationException",
        "The provided model identifier is invalid.",
    );
    let availability = get(&app, &format!("/foundation-model-availability/{}", segment(NOVA_PRO)), "us-east-1").await;
    assert_eq!(availability.json()["authorizationStatus"], "AUTHORIZED");
    assert_eq!(availability.json()["agreementAvailability"]["status"], "AVAILABLE");
}

#[tokio::test]
async fn list_inference_profiles_pages_through_every_system_profile_one_at_a_time() {
    let (app, handle) = default_app();
    let expected: Vec<String> =
        handle.region_data("us-west-2").unwrap().profiles.iter().map(|p| p.id.clone()).collect();
    assert!(expected.len() > 3, "the default us-west-2 data has system profiles");

    let mut seen = Vec::new();
    let mut uri = "/inference-profiles?maxResults=1&type=SYSTEM_DEFINED".to_owned();
    loop {
        let page = get(&app, &uri, "us-west-2").await.json();
        let summaries = page["inferenceProfileSummaries"].as_array().unwrap();
        assert_eq!(summaries.len(), 1);
        seen.push(summaries[0]["inferenceProfileId"].as_str().unwrap().to_owned());
        match page.get("nextToken").and_then(Value::as_str) {
            Some(token) => uri = format!("/inference-profiles?maxResults=1&type=SYSTEM_DEFINED&nextToken={token}"),
            None => break,
        }
    }
    assert_eq!(seen, expected);

    // No type means system-defined profiles only.
    let all = get(&app, "/inference-profiles", "us-west-2").await.json();
    assert_eq!(all["inferenceProfileSummaries"].as_array().unwrap().len(), expected.len());
    assert!(all.get("nextToken").is_none());
    let applications = get(&app, "/inference-profiles?type=APPLICATION", "us-west-2").await.json();
    assert_eq!(applications, json!({ "inferenceProfileSummaries": [] }));
}

#[tokio::test]
async fn bad_pagination_parameters_are_validation_errors() {
    let (app, _) = default_app();
    let zero = get(&app, "/inference-profiles?maxResults=0", "us-east-1").await;
    assert_eq!((zero.status.as_u16(), zero.error_type()), (400, "ValidationException"));
    let token = get(&app, "/inference-profiles?nextToken=fake-APPLICATION-1", "us-east-1").await;
    assert_eq!((token.status.as_u16(), token.error_type()), (400, "ValidationException"));
    let kind = get(&app, "/inference-profiles?type=CUSTOM", "us-east-1").await;
    assert!(kind.json()["message"].as_str().unwrap().contains("at 'typeEquals'"));
}

#[tokio::test]
async fn a_request_without_authorization_gets_bedrocks_403() {
    let (app, handle) = default_app();
    let answer = send(&app, "GET", "/foundation-models", None, "").await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(
        answer.headers["x-amzn-errortype"],
        "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/"
    );
    assert_eq!(answer.json(), json!({ "Message": "Authorization header is missing" }));
    let record = &handle.requests()[0];
    assert_eq!(
        (record.status, record.error_type.as_deref(), record.region.as_deref()),
        (403, Some("AccessDeniedException"), None)
    );

    let garbled = app
        .clone()
        .oneshot(Request::get("/foundation-models").header("authorization", "Basic abc").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(garbled.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        garbled.headers()["x-amzn-errortype"].to_str().unwrap().split(':').next(),
        Some("IncompleteSignatureException")
    );
}

#[tokio::test]
async fn converse_by_a_bare_id_that_needs_a_profile_fails_with_the_on_demand_message() {
    let (app, handle) = default_app();
    converse(&app, NOVA_PRO, "us-west-2").await.assert_error(
        400,
        "ValidationException",
        "Invocation of model ID amazon.nova-pro-v1:0 with on-demand throughput isn\u{2019}t supported. Retry your \
         request with the ID or ARN of an inference profile that contains this model.",
    );
    let through_profile = converse(&app, "us.amazon.nova-pro-v1:0", "us-west-2").await;
    assert_eq!(through_profile.status, StatusCode::OK);
    let reply = through_profile.json();
    assert_eq!(reply["stopReason"], "end_turn");
    assert_eq!(reply["output"]["message"]["role"], "assistant");
    assert!(reply["output"]["message"]["content"][0]["text"].as_str().unwrap().contains(NOVA_PRO));
    assert_eq!(reply["usage"]["inputTokens"], 2);
    let usage = &reply["usage"];
    assert_eq!(usage["totalTokens"], usage["inputTokens"].as_u64().unwrap() + usage["outputTokens"].as_u64().unwrap());
    assert!(reply["metrics"]["latencyMs"].as_u64().unwrap() >= 1);

    // us-east-1 serves it on demand, until a test makes it profile-only there.
    assert_eq!(converse(&app, NOVA_PRO, "us-east-1").await.status, StatusCode::OK);
    handle.profile_only("us-east-1", NOVA_PRO);
    assert_eq!(converse(&app, NOVA_PRO, "us-east-1").await.status, StatusCode::BAD_REQUEST);

    let log = handle.requests();
    assert_eq!(log[0].model_id.as_deref(), Some(NOVA_PRO));
    assert_eq!(log[0].path, "/model/amazon.nova-pro-v1%3A0/converse");
    assert_eq!(log[0].region.as_deref(), Some("us-west-2"));
    assert_eq!(log[0].operation, Some(Operation::Converse));
    assert_eq!(log[0].access_key_id.as_deref(), Some("AKIDTEST"));
}

#[tokio::test]
async fn a_profile_of_another_geography_is_an_invalid_identifier() {
    let (app, _) = default_app();
    let invalid = "The provided model identifier is invalid.";
    converse(&app, "eu.amazon.nova-pro-v1:0", "us-west-2").await.assert_error(400, "ValidationException", invalid);
    converse(&app, "amazon.nova-pro-v1:1", "us-east-1").await.assert_error(400, "ValidationException", invalid);
    let arn_elsewhere = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0";
    converse(&app, arn_elsewhere, "us-west-2").await.assert_error(400, "ValidationException", invalid);
    assert_eq!(converse(&app, arn_elsewhere, "us-east-1").await.status, StatusCode::OK);
    assert_eq!(converse(&app, "eu.amazon.nova-pro-v1:0", "eu-west-1").await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_end_of_life_model_fails_even_through_a_profile() {
    let (app, _) = FakeBedrock::builder()
        .region(
            "us-east-1",
            RegionData::default()
                .with_model(FakeModel::new("old.model-v1:0").lifecycle(Lifecycle::EndOfLife))
                .with_profile(FakeProfile::system("us.old.model-v1:0", "US Old", "old.model-v1:0", ["us-east-1"])),
        )
        .into_router();
    let message =
        "This model version has reached the end of its life. Please refer to the AWS documentation for more details.";
    converse(&app, "old.model-v1:0", "us-east-1").await.assert_error(404, "ResourceNotFoundException", message);
    converse(&app, "us.old.model-v1:0", "us-east-1").await.assert_error(404, "ResourceNotFoundException", message);
    let listed = get(&app, "/foundation-models", "us-east-1").await.json();
    assert_eq!(listed["modelSummaries"][0]["modelLifecycle"]["status"], "LEGACY");
}

#[tokio::test]
async fn a_scripted_failure_applies_the_given_number_of_times_then_stops() {
    let (app, handle) = FakeBedrock::with_default_regions()
        .fail_next(Operation::Converse, NOVA_PRO, FakeError::Throttling)
        .rule(
            Rule::new(Operation::ListFoundationModels, ModelMatch::Any, FakeError::ExpiredToken)
                .in_region("eu-west-1")
                .times(2),
        )
        .into_router();
    converse(&app, NOVA_PRO, "us-east-1").await.assert_error(
        429,
        "ThrottlingException",
        "Too many requests, please wait before trying again.",
    );
    assert_eq!(converse(&app, NOVA_PRO, "us-east-1").await.status, StatusCode::OK);

    assert_eq!(get(&app, "/foundation-models", "us-east-1").await.status, StatusCode::OK);
    for _ in 0..2 {
        let expired = get(&app, "/foundation-models", "eu-west-1").await;
        expired.assert_error(403, "ExpiredTokenException", "The security token included in the request is expired");
        assert!(expired.headers["x-amzn-errortype"].to_str().unwrap().ends_with("com.amazon.coral.service/"));
    }
    assert_eq!(get(&app, "/foundation-models", "eu-west-1").await.status, StatusCode::OK);

    handle.fail_always(Operation::Converse, ModelMatch::Any, FakeError::ModelTimeout);
    for _ in 0..3 {
        assert_eq!(converse(&app, "us.amazon.nova-pro-v1:0", "us-east-1").await.status, StatusCode::REQUEST_TIMEOUT);
    }
    handle.clear_rules();
    assert_eq!(converse(&app, "us.amazon.nova-pro-v1:0", "us-east-1").await.status, StatusCode::OK);
}

#[tokio::test]
async fn every_error_goes_out_with_its_status_and_type() {
    let (app, handle) = default_app();
    let errors = [
        FakeError::AccessDenied,
        FakeError::MarketplaceAccessDenied,
        FakeError::UseCaseFormRequired,
        FakeError::LegacyNotActive,
        FakeError::ModelNotReady,
        FakeError::ModelError,
        FakeError::ServiceUnavailable,
        FakeError::InternalServer,
        FakeError::UnrecognizedClient,
        FakeError::OnDemandNotSupportedOldWording,
    ];
    for error in errors {
        handle.fail_next(Operation::Converse, NOVA_PRO, error.clone());
        converse(&app, NOVA_PRO, "us-east-1").await.assert_error(
            error.status(),
            error.error_type(),
            &error.message(Some(NOVA_PRO)),
        );
    }
}

#[tokio::test]
async fn an_application_profile_is_created_found_called_and_deleted_by_its_arn() {
    let (app, handle) = default_app();
    let source = "arn:aws:bedrock:us-west-2:123456789012:inference-profile/us.amazon.nova-pro-v1:0";
    let body = json!({
        "inferenceProfileName": "team-a nova",
        "description": "Team A",
        "clientRequestToken": "token-1",
        "modelSource": { "copyFrom": source },
        "tags": [{ "key": "team", "value": "a" }],
    })
    .to_string();
    let created = send(&app, "POST", "/inference-profiles", Some("us-west-2"), &body).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let arn = created.json()["inferenceProfileArn"].as_str().unwrap().to_owned();
    assert_eq!(created.json()["status"], "ACTIVE");
    let id = arn.strip_prefix("arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/").unwrap();
    assert_eq!(id.len(), 12);

    // A retry with the same token answers the same ARN and creates nothing.
    let retried = send(&app, "POST", "/inference-profiles", Some("us-west-2"), &body).await;
    assert_eq!(
        (retried.status, retried.json()["inferenceProfileArn"].as_str()),
        (StatusCode::CREATED, Some(arn.as_str()))
    );
    let changed = body.replace("Team A", "Team B");
    let conflict = send(&app, "POST", "/inference-profiles", Some("us-west-2"), &changed).await;
    assert_eq!((conflict.status.as_u16(), conflict.error_type()), (400, "ConflictException"));

    let found = get(&app, &format!("/inference-profiles/{}", segment(&arn)), "us-west-2").await.json();
    assert_eq!(found["type"], "APPLICATION");
    assert_eq!(found["description"], "Team A");
    assert_eq!(found["models"][0]["modelArn"], "arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-pro-v1:0");
    assert_eq!(get(&app, &format!("/inference-profiles/{id}"), "us-west-2").await.json(), found);
    let listed = get(&app, "/inference-profiles?type=APPLICATION", "us-west-2").await.json();
    assert_eq!(listed["inferenceProfileSummaries"].as_array().unwrap().len(), 1);
    assert_eq!(handle.region_data("us-west-2").unwrap().profile(id).unwrap().tags[0].key, "team");

    assert_eq!(converse(&app, &arn, "us-west-2").await.status, StatusCode::OK);
    converse(&app, &arn, "us-east-1").await.assert_error(
        400,
        "ValidationException",
        "The provided model identifier is invalid.",
    );

    let deleted = send(&app, "DELETE", &format!("/inference-profiles/{}", segment(&arn)), Some("us-west-2"), "").await;
    assert_eq!((deleted.status, deleted.json()), (StatusCode::OK, json!({})));
    let gone = get(&app, &format!("/inference-profiles/{}", segment(&arn)), "us-west-2").await;
    assert_eq!((gone.status.as_u16(), gone.error_type()), (404, "ResourceNotFoundException"));
    let system = send(&app, "DELETE", "/inference-profiles/us.amazon.nova-pro-v1%3A0", Some("us-west-2"), "").await;
    assert_eq!((system.status.as_u16(), system.error_type()), (400, "ValidationException"));
}

#[tokio::test]
async fn create_inference_profile_copies_a_foundation_model_and_refuses_other_sources() {
    let (app, _) = default_app();
    let create = |copy_from: &str, name: &str| {
        json!({ "inferenceProfileName": name, "modelSource": { "copyFrom": copy_from } }).to_string()
    };
    let fm = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0";
    let created = send(&app, "POST", "/inference-profiles", Some("us-east-1"), &create(fm, "direct")).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let duplicate = send(&app, "POST", "/inference-profiles", Some("us-east-1"), &create(fm, "direct")).await;
    assert_eq!(duplicate.error_type(), "ConflictException");
    let other_region = send(&app, "POST", "/inference-profiles", Some("us-west-2"), &create(fm, "x")).await;
    other_region.assert_error(400, "ValidationException", "The provided model identifier is invalid.");
    let bad_name = send(&app, "POST", "/inference-profiles", Some("us-east-1"), &create(fm, "-bad")).await;
    assert_eq!(bad_name.error_type(), "ValidationException");
    let no_source =
        send(&app, "POST", "/inference-profiles", Some("us-east-1"), r#"{"inferenceProfileName":"n"}"#).await;
    assert!(no_source.json()["message"].as_str().unwrap().contains("'modelSource'"));
}

#[test]
fn profile_names_follow_the_service_models_pattern() {
    for good in ["a", "team-a nova", "A_1-b c", "x-"] {
        assert!(valid_profile_name(good), "{good}");
    }
    for bad in ["", "-a", "a--b", "a  b", "a.b", &"a".repeat(65)] {
        assert!(!valid_profile_name(bad), "{bad}");
    }
}

#[tokio::test]
async fn converse_stream_sends_the_events_in_bedrocks_order_with_valid_frames() {
    let (app, _) = default_app();
    let body = r#"{"messages": [{"role": "user", "content": [{"text": "Hi"}]}]}"#;
    let answer = send(&app, "POST", "/model/us.amazon.nova-pro-v1%3A0/converse-stream", Some("us-east-1"), body).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers[header::CONTENT_TYPE], "application/vnd.amazon.eventstream");
    let messages = decode_all(&answer.body).unwrap();
    let types: Vec<&str> = messages.iter().map(|m| m.headers[0].1.as_str()).collect();
    assert_eq!(types.first(), Some(&"messageStart"));
    assert_eq!(&types[types.len() - 3..], ["contentBlockStop", "messageStop", "metadata"]);
    assert!(types[1..types.len() - 3].iter().all(|t| *t == "contentBlockDelta"));
    assert!(messages.iter().all(|m| m.headers[1..]
        == [
            (":content-type".to_owned(), "application/json".to_owned()),
            (":message-type".to_owned(), "event".to_owned())
        ]));
    let text: String = messages[1..messages.len() - 3]
        .iter()
        .map(|m| serde_json::from_slice::<Value>(&m.payload).unwrap()["delta"]["text"].as_str().unwrap().to_owned())
        .collect();
    assert!(text.starts_with("Hello from the fake Bedrock"), "{text}");
    let metadata: Value = serde_json::from_slice(&messages[messages.len() - 1].payload).unwrap();
    assert!(metadata["metrics"]["latencyMs"].as_u64().is_some());
    assert_eq!(metadata["usage"]["inputTokens"], 1);

    // An error before the stream starts is a plain JSON error.
    let refused = send(&app, "POST", "/model/amazon.nova-pro-v1%3A0/converse-stream", Some("us-west-2"), body).await;
    assert_eq!(refused.error_type(), "ValidationException");
}

#[tokio::test]
async fn a_mid_stream_failure_arrives_as_an_exception_event() {
    let (app, handle) = default_app();
    handle.add_rule(
        Rule::new(Operation::ConverseStream, ModelMatch::Any, FakeError::ServiceUnavailable).times(1).mid_stream(),
    );
    let body = r#"{"messages": [{"role": "user", "content": [{"text": "Hi"}]}]}"#;
    let answer = send(&app, "POST", "/model/us.amazon.nova-pro-v1%3A0/converse-stream", Some("us-east-1"), body).await;
    assert_eq!(answer.status, StatusCode::OK);
    let messages = decode_all(&answer.body).unwrap();
    let last = messages.last().unwrap();
    assert_eq!(
        last.headers,
        [
            (":exception-type".to_owned(), "serviceUnavailableException".to_owned()),
            (":content-type".to_owned(), "application/json".to_owned()),
            (":message-type".to_owned(), "exception".to_owned()),
        ]
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&last.payload).unwrap()["message"],
        "Bedrock is unable to process your request."
    );
    assert_eq!(handle.requests()[0].error_type.as_deref(), Some("ServiceUnavailableException"));
}

#[tokio::test]
async fn a_conversation_must_start_with_a_user_message() {
    let (app, _) = default_app();
    let answer =
        send(&app, "POST", "/model/amazon.nova-pro-v1%3A0/converse", Some("us-east-1"), r#"{"messages": []}"#).await;
    assert_eq!(answer.error_type(), "ValidationException");
    assert!(answer.json()["message"].as_str().unwrap().starts_with("A conversation must start with a user message."));
}

#[tokio::test]
async fn sts_get_caller_identity_answers_in_xml() {
    let (app, handle) = FakeBedrock::with_default_regions().account("210987654321").into_router();
    let request = Request::post("/")
        .header("authorization", authorization("us-east-1").replace("/bedrock/", "/sts/"))
        .header("content-type", "application/x-www-form-urlencoded; charset=utf-8")
        .body(Body::from("Action=GetCallerIdentity&Version=2011-06-15"))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "text/xml");
    let xml = String::from_utf8(response.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    assert!(xml.contains("<Account>210987654321</Account>"), "{xml}");
    assert!(xml.contains("<Arn>arn:aws:iam::210987654321:user/fake-bedrock</Arn>"), "{xml}");
    assert_eq!(handle.requests()[0].operation, Some(Operation::GetCallerIdentity));

    let unsigned = send(&app, "POST", "/", None, "Action=GetCallerIdentity&Version=2011-06-15").await;
    assert_eq!(unsigned.status, StatusCode::FORBIDDEN);
    assert!(String::from_utf8_lossy(&unsigned.body).contains("<Code>MissingAuthenticationToken</Code>"));
    let unknown = send(&app, "POST", "/", Some("us-east-1"), "Action=AssumeRole&Version=2011-06-15").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&unknown.body).contains("<Code>InvalidAction</Code>"));

    handle.fail_next(Operation::GetCallerIdentity, ModelMatch::Any, FakeError::ExpiredToken);
    let expired = send(&app, "POST", "/", Some("us-east-1"), "Action=GetCallerIdentity&Version=2011-06-15").await;
    assert_eq!(expired.status, StatusCode::FORBIDDEN);
    assert!(String::from_utf8_lossy(&expired.body).contains("<Code>ExpiredToken</Code>"));
}

#[tokio::test]
async fn the_control_endpoint_scripts_errors_latency_and_data() {
    let (app, _) = default_app();
    let script = json!({
        "rules": [{ "operation": "GetInferenceProfile", "error": "InternalServer", "times": 1 }],
        "latency": [{ "operation": "ListFoundationModels", "region": "eu-west-1", "delay_ms": 60 }],
        "models": [{ "region": "us-east-1", "model_id": NOVA_PRO, "inference_types": ["INFERENCE_PROFILE"] }],
    });
    let posted = app
        .clone()
        .oneshot(
            Request::post("/__fake/script")
                .header("content-type", "application/json")
                .body(Body::from(script.to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(posted.status(), StatusCode::NO_CONTENT);

    let failed = get(&app, "/inference-profiles/us.amazon.nova-pro-v1%3A0", "us-east-1").await;
    assert_eq!((failed.status.as_u16(), failed.error_type()), (500, "InternalServerException"));
    assert_eq!(converse(&app, NOVA_PRO, "us-east-1").await.error_type(), "ValidationException");

    let started = Instant::now();
    assert_eq!(get(&app, "/foundation-models", "eu-west-1").await.status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(60));

    let log = app.clone().oneshot(Request::get("/__fake/requests").body(Body::empty()).unwrap()).await.unwrap();
    let log: Vec<RequestRecord> = serde_json::from_slice(&log.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0].error_type.as_deref(), Some("InternalServerException"));

    let reset = app.clone().oneshot(Request::post("/__fake/reset").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    assert_eq!(converse(&app, NOVA_PRO, "us-east-1").await.status, StatusCode::OK);
}

async fn post_script(app: &Router, script: &Value) -> Answer {
    let request = Request::post("/__fake/script")
        .header("content-type", "application/json")
        .body(Body::from(script.to_string()))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    Answer { status, headers, body }
}

#[tokio::test]
async fn a_profile_status_set_by_script_shows_in_get_and_list_and_calls_still_go_through() {
    let (app, _) = default_app();
    let id = "us.amazon.nova-pro-v1:0";
    let script = json!({ "profiles": [{ "region": "us-east-1", "profile_id": id, "status": "DISABLED" }] });
    assert_eq!(post_script(&app, &script).await.status, StatusCode::NO_CONTENT);

    let profile = get(&app, &format!("/inference-profiles/{}", segment(id)), "us-east-1").await.json();
    assert_eq!(profile["status"], "DISABLED");
    let listed = get(&app, "/inference-profiles?type=SYSTEM_DEFINED", "us-east-1").await.json();
    let summaries = listed["inferenceProfileSummaries"].as_array().unwrap();
    assert_eq!(summaries.iter().find(|p| p["inferenceProfileId"] == id).unwrap()["status"], "DISABLED");
    assert!(summaries.iter().filter(|p| p["inferenceProfileId"] != id).all(|p| p["status"] == "ACTIVE"));
    let other_region = get(&app, &format!("/inference-profiles/{}", segment(id)), "us-west-2").await.json();
    assert_eq!(other_region["status"], "ACTIVE", "only the region named");
    assert_eq!(converse(&app, id, "us-east-1").await.status, StatusCode::OK, "what AWS does then is not known");
}

#[tokio::test]
async fn a_script_naming_a_missing_profile_is_refused_whole() {
    let (app, handle) = default_app();
    let script = json!({
        "rules": [{ "operation": "Converse", "error": "Throttling" }],
        "profiles": [{ "region": "us-east-1", "profile_id": "eu.amazon.nova-pro-v1:0", "status": "DISABLED" }],
    });
    let refused = post_script(&app, &script).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(String::from_utf8_lossy(&refused.body), "us-east-1 has no inference profile `eu.amazon.nova-pro-v1:0`");
    assert_eq!(converse(&app, NOVA_PRO, "us-east-1").await.status, StatusCode::OK, "the rule was not added");

    handle.set_profile_status("eu-west-1", "eu.amazon.nova-pro-v1:0", "DISABLED");
    let data = handle.region_data("eu-west-1").unwrap();
    assert_eq!(data.profile("eu.amazon.nova-pro-v1:0").unwrap().status, "DISABLED");
    let reset = app.clone().oneshot(Request::post("/__fake/reset").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    assert_eq!(handle.region_data("eu-west-1").unwrap().profile("eu.amazon.nova-pro-v1:0").unwrap().status, "ACTIVE");
}

#[tokio::test]
async fn a_latency_rule_delays_only_its_operation() {
    let (app, handle) = default_app();
    // Generous, so a loaded machine cannot make the undelayed call look delayed.
    let delay = Duration::from_millis(300);
    handle.add_latency(LatencyRule::new(Some(Operation::Converse), None, delay));
    let started = Instant::now();
    let reply = converse(&app, NOVA_PRO, "us-east-1").await.json();
    assert!(started.elapsed() >= delay);
    assert!(reply["metrics"]["latencyMs"].as_u64().unwrap() >= 300);
    let started = Instant::now();
    get(&app, "/foundation-models", "us-east-1").await;
    assert!(started.elapsed() < delay);
}

#[tokio::test]
async fn a_bearer_token_is_served_from_the_default_region() {
    let (app, handle) = FakeBedrock::with_default_regions().default_region("us-west-2").into_router();
    let request = Request::post("/model/amazon.nova-pro-v1%3A0/converse")
        .header("authorization", "Bearer bedrock-api-key-test")
        .body(Body::from(r#"{"messages": [{"role": "user", "content": [{"text": "Hi"}]}]}"#))
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(handle.requests()[0].region.as_deref(), Some("us-west-2"));
}

/// One raw HTTP/1.1 request over a socket; returns the status line.
fn raw_status_line(stream: &mut std::net::TcpStream) -> String {
    stream
        .write_all(
            b"GET /foundation-models HTTP/1.1\r\nHost: fake\r\nConnection: close\r\nAuthorization: AWS4-HMAC-SHA256 \
              Credential=AKID/20250101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=0\r\n\r\n",
        )
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn a_started_fake_answers_at_once_and_stops_when_dropped() {
    let fake = FakeBedrock::with_default_regions().start().unwrap();
    assert_eq!(fake.url, format!("http://{}", fake.addr));
    assert_eq!(fake.endpoint_env()[1], ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", fake.url.clone()));
    let mut stream = std::net::TcpStream::connect(fake.addr).unwrap();
    assert_eq!(raw_status_line(&mut stream), "HTTP/1.1 200 OK");
    assert_eq!(fake.requests().len(), 1);
    let addr = fake.addr;
    drop(fake);
    assert!(std::net::TcpStream::connect(addr).is_err(), "the port is closed after drop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spawned_fake_answers_at_once() {
    let fake = FakeBedrock::with_default_regions().spawn().await.unwrap();
    let addr = fake.addr;
    let status = tokio::task::spawn_blocking(move || raw_status_line(&mut std::net::TcpStream::connect(addr).unwrap()))
        .await
        .unwrap();
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(fake.requests()[0].region.as_deref(), Some("us-east-1"));
}
