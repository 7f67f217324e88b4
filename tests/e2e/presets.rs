//! Presets end to end: `preset set|show|clear` on a store, their travel through diff, promote
//! and history, the API's conditional writes and refusals, and a test call that sends them.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use bedrock_binder_shared::api::{ChangeKind, EnvDiffResponse, HistoryResponse, PresetsResponse, TestResponse};
use fake_bedrock::{FakeBedrock, Operation};

use crate::aws_api::{NOVA, NOVA_US, app_on, get, post_json, send};
use crate::envs::StoreHome;
use crate::helpers::TestHome;

const LITE: &str = "amazon.nova-lite-v1:0";
const LITE_US: &str = "us.amazon.nova-lite-v1:0";

#[test]
fn a_preset_is_set_shown_diffed_promoted_with_its_binding_and_recorded_never_touching_the_file() {
    let s = StoreHome::new();
    s.run(&["env", "create", "staging"]).success();
    s.run(&["env", "create", "prod"]).success();
    s.run(&["--env", "staging", "bind", LITE, LITE_US]).success();
    let staging_text = s.text("staging");

    let set = s
        .run(&[
            "--env",
            "staging",
            "preset",
            "set",
            LITE,
            "--max-tokens",
            "512",
            "--temperature",
            "0.2",
            "--service-tier",
            "flex",
            "--metadata",
            "team=search",
        ])
        .success();
    assert!(
        set.stdout.contains(r#"maxTokens=512 temperature=0.2 serviceTier=flex requestMetadata.team="search""#),
        "{}",
        set.stdout
    );
    assert_eq!(s.text("staging"), staging_text, "inference.txt stays as TPipe reads it");

    let shown = s.run(&["--env", "staging", "preset", "show"]).success();
    assert!(shown.stdout.starts_with(&format!("{LITE}  maxTokens=512")), "{}", shown.stdout);

    // Refusals name the field, or say what to do.
    let hot = s.run(&["--env", "staging", "preset", "set", LITE, "--temperature", "1.5"]);
    assert_ne!(hot.code, Some(0));
    assert!(hot.stderr.contains("`temperature`: must be a number from 0 to 1, not 1.5"), "{}", hot.stderr);
    let unbound = s.run(&["--env", "staging", "preset", "set", NOVA, "--max-tokens", "5"]);
    assert!(
        unbound.stderr.contains("has no binding in the environment `staging`; bind it first"),
        "{}",
        unbound.stderr
    );

    let diff = s.run(&["--json", "env", "diff", "staging", "prod"]).success();
    let diff: EnvDiffResponse = serde_json::from_str(&diff.stdout).expect("JSON");
    assert_eq!(diff.presets.len(), 1);
    assert_eq!((diff.presets[0].model.as_str(), diff.presets[0].after.is_none()), (LITE, true));

    s.run(&["promote", "--from", "staging", "--to", "prod", "--model", LITE, "--yes"]).success();
    assert_eq!(s.text("prod"), format!("{LITE}={LITE_US}\n"), "only the binding reaches the file");
    let prod = s.run(&["--json", "--env", "prod", "preset", "show"]).success();
    let prod: PresetsResponse = serde_json::from_str(&prod.stdout).expect("JSON");
    assert_eq!(prod.presets.get(LITE).map(ToString::to_string).as_deref(), Some(shown.stdout[LITE.len() + 2..].trim()));

    let history = s.run(&["--json", "--env", "prod", "history"]).success();
    let history: HistoryResponse = serde_json::from_str(&history.stdout).expect("JSON");
    let kinds: Vec<ChangeKind> = history.entries.iter().map(|item| item.summary.kind).collect();
    assert_eq!(kinds, [ChangeKind::Preset, ChangeKind::Promote, ChangeKind::Create], "the preset follows its binding");
    assert_eq!(history.entries[0].summary.presets[0].model, LITE);

    s.run(&["--env", "prod", "preset", "clear", LITE]).success();
    let cleared = s.run(&["--env", "prod", "preset", "show"]).success();
    assert_eq!(cleared.stdout.trim(), "No presets in prod");
    let diff = s.run(&["--json", "env", "diff", "staging", "prod"]).success();
    let diff: EnvDiffResponse = serde_json::from_str(&diff.stdout).expect("JSON");
    assert_eq!(diff.presets.len(), 1, "prod's preset is gone, staging's stays");
}

fn put_json(uri: &str, if_match: Option<&str>, json: serde_json::Value) -> Request<Body> {
    let mut builder = Request::builder().method(Method::PUT).uri(uri).header(header::CONTENT_TYPE, "application/json");
    if let Some(tag) = if_match {
        builder = builder.header(header::IF_MATCH, tag);
    }
    builder.body(Body::from(json.to_string())).expect("request")
}

#[tokio::test]
async fn the_api_writes_presets_conditionally_and_a_test_call_sends_them_under_the_ceiling() {
    let fake = FakeBedrock::with_default_regions().spawn().await.expect("fake");
    let text = format!("# mine\n{NOVA}={NOVA_US}\n");
    let home = TestHome::with_file(&text);
    let app = app_on(&home, &fake).await;

    let preset = serde_json::json!({
        "maxTokens": 4096, "temperature": 0.3, "topP": 0.8, "stopSequences": ["END"],
        "serviceTier": "flex", "performanceConfig": {"latency": "optimized"}, "requestMetadata": {"team": "search"}
    });
    let uri = format!("/api/v1/presets/{NOVA}");
    let unconditional = send(&app, put_json(&uri, None, preset.clone())).await;
    unconditional.error(StatusCode::PRECONDITION_REQUIRED);
    let none = send(&app, get("/api/v1/presets")).await;
    let none_tag = none.headers.get(header::ETAG).and_then(|v| v.to_str().ok()).expect("an ETag").to_owned();
    assert!(none.json::<PresetsResponse>().presets.is_empty());
    let first = send(&app, put_json(&uri, Some(&none_tag), preset.clone())).await;
    let written: PresetsResponse = first.json();
    let tag = first.headers.get(header::ETAG).and_then(|v| v.to_str().ok()).expect("an ETag").to_owned();
    assert_eq!(tag, format!("\"{}\"", written.version));
    assert_eq!(home.read(), text, "the file is untouched");

    // A write against a version that is no longer current changes nothing.
    let stale = send(&app, put_json(&uri, Some("\"stale\""), serde_json::json!({ "maxTokens": 1 }))).await;
    stale.error(StatusCode::PRECONDITION_FAILED);
    let listed: PresetsResponse = send(&app, get("/api/v1/presets")).await.json();
    assert_eq!(listed.presets, written.presets);

    let bad = send(&app, put_json(&uri, Some(&tag), serde_json::json!({ "topP": 2 }))).await;
    let error = bad.error(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.message.contains("`topP`: must be a number from 0 to 1"), "{}", error.message);
    let unbound = send(&app, put_json(&format!("/api/v1/presets/{LITE}"), Some(&tag), preset.clone())).await;
    assert!(unbound.error(StatusCode::UNPROCESSABLE_ENTITY).message.contains("bind it first"));

    // The preset's 4096 tokens are over the cost guard's default ceiling of 1024, which wins.
    fake.clear_requests();
    let reply = send(&app, post_json("/api/v1/aws/test", None, serde_json::json!({ "model": NOVA }))).await;
    let response: TestResponse = reply.json();
    assert!(response.ok, "{response:?}");
    assert_eq!(response.max_tokens, 1024);
    let converse = fake.requests().into_iter().find(|r| r.operation == Some(Operation::Converse)).expect("sent");
    let body: serde_json::Value = serde_json::from_str(&converse.body).expect("JSON body");
    let config = &body["inferenceConfig"];
    assert_eq!(config["maxTokens"], 1024);
    assert!((config["temperature"].as_f64().expect("temperature") - 0.3).abs() < 1e-6, "{config}");
    assert_eq!(config["stopSequences"], serde_json::json!(["END"]));
    assert_eq!(body["serviceTier"], serde_json::json!({ "type": "flex" }));
    assert_eq!(body["performanceConfig"], serde_json::json!({ "latency": "optimized" }));
    assert_eq!(body["requestMetadata"], serde_json::json!({ "team": "search" }));

    let clear = Request::delete(&uri).header(header::IF_MATCH, &tag).body(Body::empty()).expect("request");
    let cleared = send(&app, clear).await;
    assert!(cleared.json::<PresetsResponse>().presets.is_empty());
}
