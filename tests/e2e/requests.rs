//! Change requests end to end, through the router with auth on: an editor's change to a
//! protected `prod` becomes a request, its author cannot approve it, another admin approves it
//! and the file changes; a request made against an older version is refused as stale until it
//! is rebased; a rejected one changes nothing.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use bedrock_binder::auth::{Auth, AuthFile, DEFAULT_USER_HEADER};
use bedrock_binder::aws::AwsSettings;
use bedrock_binder::envs::{Environments, NewEnv};
use bedrock_binder::server::{AppState, router};
use bedrock_binder::storage::ChangeMeta;
use bedrock_binder_shared::Catalog;
use bedrock_binder_shared::access::{Grant, Role};
use bedrock_binder_shared::api::{
    BindingsResponse, ChangeKind, ChangeRequest, ChangeRequestList, EnvSettings, HistoryResponse, RequestStatus,
};
use fake_bedrock::FakeBedrock;

use crate::aws_api::{aws_with, send};

const PROD: &str = "# prod: reviewed changes only\namazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n";
const STAGING: &str = "amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\namazon.nova-lite-v1:0=us.amazon.nova-lite-v1:0\n";
const LITE: &str = "amazon.nova-lite-v1:0";

/// The team: `erin` edits `prod` (and `staging`), `ada` and `bob` administer everything.
struct Team {
    _dir: tempfile::TempDir,
    app: Router,
    envs: Environments,
    erin: String,
    ada: String,
    bob: String,
}

async fn team(fake: &fake_bedrock::RunningFake) -> Team {
    let dir = tempfile::tempdir().expect("temp dir");
    let envs = Environments::directory(dir.path());
    let meta = || ChangeMeta { author: "setup".to_owned(), reason: None, approval: None };
    let protected = EnvSettings { protected: true, ..EnvSettings::default() };
    envs.create(&"prod".parse().expect("name"), NewEnv { text: PROD.to_owned(), settings: protected }, meta())
        .expect("create prod");
    envs.create(&"staging".parse().expect("name"), NewEnv { text: STAGING.to_owned(), ..NewEnv::default() }, meta())
        .expect("create staging");
    let mut file = AuthFile::default();
    let editor = vec![Grant { role: Role::Editor, envs: vec![] }];
    let admin = vec![Grant { role: Role::Admin, envs: vec![] }];
    let erin = file.create_token("erin".parse().expect("name"), editor).expect("token");
    let ada = file.create_token("ada".parse().expect("name"), admin.clone()).expect("token");
    let bob = file.create_token("bob".parse().expect("name"), admin).expect("token");
    let auth = Auth::new(file, Vec::new(), DEFAULT_USER_HEADER);
    let state = AppState::new(envs.clone(), Catalog::embedded())
        .with_auth(auth)
        .with_aws(aws_with(fake, "us-east-1", AwsSettings::default()).await);
    Team { _dir: dir, app: router(state), envs, erin, ada, bob }
}

fn call(method: Method, uri: &str, token: &str, if_match: Option<&str>, body: serde_json::Value) -> Request<Body> {
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(tag) = if_match {
        builder = builder.header(header::IF_MATCH, tag);
    }
    builder.body(Body::from(body.to_string())).expect("request")
}

impl Team {
    fn prod_text(&self) -> String {
        self.envs.read(&"prod".parse().expect("name")).expect("prod").text
    }

    async fn prod_etag(&self, token: &str) -> String {
        let read =
            send(&self.app, call(Method::GET, "/api/v1/envs/prod/bindings", token, None, serde_json::json!({}))).await;
        let _: BindingsResponse = read.json();
        read.headers[header::ETAG].to_str().expect("ascii").to_owned()
    }

    /// `token` binds `model` directly on `prod`: a request, since `prod` is protected.
    async fn propose_bind(&self, token: &str, model: &str) -> ChangeRequest {
        let tag = self.prod_etag(token).await;
        let body = serde_json::json!({ "model": model, "profile": "" });
        let reply =
            send(&self.app, call(Method::POST, "/api/v1/envs/prod/bindings/bind", token, Some(&tag), body)).await;
        let error = reply.error(StatusCode::ACCEPTED);
        assert_eq!(error.code, "change-requested", "{}", error.message);
        let location = reply.headers[header::LOCATION].to_str().expect("ascii").to_owned();
        let id = location.strip_prefix("/api/v1/envs/prod/requests/").expect("the request's address");
        assert!(error.message.contains(&format!("change request {id}")), "{}", error.message);
        send(&self.app, call(Method::GET, &location, token, None, serde_json::json!({}))).await.json()
    }

    async fn decide(&self, token: &str, id: u64, verb: &str) -> crate::aws_api::Reply {
        let uri = format!("/api/v1/envs/prod/requests/{id}/{verb}");
        send(&self.app, call(Method::POST, &uri, token, None, serde_json::json!({ "comment": "checked" }))).await
    }
}

#[tokio::test]
async fn a_change_to_a_protected_environment_waits_for_another_admin_and_a_stale_one_must_be_rebased() {
    let fake = FakeBedrock::with_default_regions().spawn().await.expect("fake");
    let team = team(&fake).await;

    // An editor's bind on prod is proposed, not written.
    let first = team.propose_bind(&team.erin, "amazon.titan-text-express-v1").await;
    assert_eq!(
        (first.id, first.status, first.kind, first.author.as_str()),
        (1, RequestStatus::Open, ChangeKind::Edit, "erin")
    );
    assert_eq!(first.changes.len(), 1, "{first:?}");
    assert_eq!(team.prod_text(), PROD, "nothing written before approval");

    // Its author cannot approve it: an editor lacks the role, and an admin may not approve their
    // own request either.
    let by_author = team.decide(&team.erin, 1, "approve").await;
    assert_eq!(by_author.error(StatusCode::FORBIDDEN).code, "forbidden");
    let promote = serde_json::json!({ "from": "staging", "models": [LITE], "reason": "lite goes live" });
    let reply = send(&team.app, call(Method::POST, "/api/v1/envs/prod/requests", &team.ada, None, promote)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let second: ChangeRequest = reply.json();
    assert_eq!((second.id, second.kind, second.from.as_deref()), (2, ChangeKind::Promote, Some("staging")));
    assert!(second.gate.is_some(), "a promote carries the gate's findings");
    let own = team.decide(&team.ada, 2, "approve").await;
    assert_eq!(own.error(StatusCode::FORBIDDEN).code, "own-change-request");
    assert_eq!(team.prod_text(), PROD);

    // Another admin approves the first: the file changes by exactly that line, and the history
    // names the author and the approver.
    let applied: ChangeRequest = team.decide(&team.bob, 1, "approve").await.json();
    assert_eq!(applied.status, RequestStatus::Applied);
    assert_eq!(team.prod_text(), format!("{PROD}amazon.titan-text-express-v1=\n"));
    let history: HistoryResponse =
        send(&team.app, call(Method::GET, "/api/v1/envs/prod/history", &team.erin, None, serde_json::json!({})))
            .await
            .json();
    let last = &history.entries[0].summary;
    assert_eq!((last.author.as_str(), last.approver.as_deref(), last.request), ("erin", Some("bob"), Some(1)));
    assert_eq!(Some(last.seq), applied.applied_seq);

    // The second was made against the version before: stale, refused, nothing written.
    let stale = team.decide(&team.bob, 2, "approve").await;
    assert_eq!(stale.error(StatusCode::CONFLICT).code, "change-request-stale");
    let after_first = team.prod_text();
    // Rebased, it is a new request on the current version, which applies.
    let reply = send(
        &team.app,
        call(Method::POST, "/api/v1/envs/prod/requests/2/rebase", &team.ada, None, serde_json::json!({})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let third: ChangeRequest = reply.json();
    assert_eq!((third.id, third.status, third.kind), (3, RequestStatus::Open, ChangeKind::Promote));
    let applied: ChangeRequest = team.decide(&team.bob, 3, "approve").await.json();
    assert_eq!(applied.status, RequestStatus::Applied);
    assert_eq!(team.prod_text(), format!("{after_first}{LITE}=us.amazon.nova-lite-v1:0\n"));

    // A rejected request changes nothing and stays closed.
    let fourth = team.propose_bind(&team.erin, "amazon.nova-micro-v1:0").await;
    let before = team.prod_text();
    let rejected: ChangeRequest = team.decide(&team.ada, fourth.id, "reject").await.json();
    assert_eq!(rejected.status, RequestStatus::Rejected);
    assert_eq!(rejected.decision.as_ref().and_then(|d| d.comment.as_deref()), Some("checked"));
    let closed = team.decide(&team.bob, fourth.id, "approve").await;
    assert_eq!(closed.error(StatusCode::CONFLICT).code, "change-request-closed");
    assert_eq!(team.prod_text(), before);

    // The list shows each, newest first.
    let list: ChangeRequestList =
        send(&team.app, call(Method::GET, "/api/v1/envs/prod/requests", &team.erin, None, serde_json::json!({})))
            .await
            .json();
    let statuses: Vec<(u64, RequestStatus)> = list.requests.iter().map(|r| (r.id, r.status)).collect();
    assert_eq!(
        statuses,
        [
            (4, RequestStatus::Rejected),
            (3, RequestStatus::Applied),
            (2, RequestStatus::Superseded),
            (1, RequestStatus::Applied)
        ]
    );

    // An environment that is not protected is edited directly, as before.
    let read =
        send(&team.app, call(Method::GET, "/api/v1/envs/staging/bindings", &team.erin, None, serde_json::json!({})))
            .await;
    let tag = read.headers[header::ETAG].to_str().expect("ascii").to_owned();
    let body = serde_json::json!({ "model": "amazon.nova-micro-v1:0", "profile": "" });
    let bound =
        send(&team.app, call(Method::POST, "/api/v1/envs/staging/bindings/bind", &team.erin, Some(&tag), body)).await;
    assert_eq!(bound.status, StatusCode::OK, "{}", bound.text());
}
