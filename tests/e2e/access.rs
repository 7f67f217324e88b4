//! Who may do what: every route the router has, called with no token, with a token of each
//! role on the environment, and with a token for another environment, against the rule
//! [`RULES`] states for it.
//!
//! The routes are read from the router itself (its paths from its debug form, each path's
//! methods from the `Allow` header of a 405), so a route added without a rule fails here.

use std::collections::BTreeSet;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use bedrock_binder::auth::{Auth, AuthFile, DEFAULT_USER_HEADER, Principal};
use bedrock_binder::aws::AwsSettings;
use bedrock_binder::envs::{Environments, NewEnv};
use bedrock_binder::server::access::{Need, RULES, need};
use bedrock_binder::server::{AppState, router};
use bedrock_binder::storage::ChangeMeta;
use bedrock_binder_shared::Catalog;
use bedrock_binder_shared::access::{Grant, Role};
use fake_bedrock::FakeBedrock;

use crate::aws_api::{aws_with, send};

/// The environment every request names, and another one.
const ENV: &str = "staging";
const OTHER: &str = "prod";

/// The tokens: one per role on `staging`, and a viewer on `prod` only.
struct Tokens {
    by_role: Vec<(Role, String)>,
    other_env: String,
}

fn state(dir: &std::path::Path) -> (AppState, Tokens) {
    let envs = Environments::directory(dir);
    for name in ["default", ENV, OTHER] {
        let meta = ChangeMeta { author: "setup".to_owned(), reason: None, approval: None };
        envs.create(&name.parse().expect("name"), NewEnv::default(), meta).expect("create");
    }
    let mut file = AuthFile::default();
    let mut by_role = Vec::new();
    for role in Role::ALL {
        let grants = vec![Grant { role, envs: vec![ENV.parse().expect("name")] }];
        let token = file.create_token(role.as_str().parse().expect("name"), grants).expect("token");
        by_role.push((role, token));
    }
    let grants = vec![Grant { role: Role::Admin, envs: vec![OTHER.parse().expect("name")] }];
    let other_env = file.create_token("prod-admin".parse().expect("name"), grants).expect("token");
    file.users.push(Principal {
        name: "ana@example.com".to_owned(),
        grants: vec![Grant { role: Role::Viewer, envs: vec![] }],
    });
    let auth = Auth::new(file, vec!["10.0.0.0/8".parse().expect("cidr")], DEFAULT_USER_HEADER);
    let state = AppState::new(envs, Catalog::embedded()).with_auth(auth);
    (state, Tokens { by_role, other_env })
}

/// The router's paths, from its debug form (axum lists them as `paths: {RouteId(n): "…"}`).
fn routed_paths(app: &Router) -> BTreeSet<String> {
    let debug = format!("{app:?}");
    let mut paths = BTreeSet::new();
    let mut rest = debug.as_str();
    while let Some(at) = rest.find(": \"/") {
        let tail = &rest[at + 3..];
        let end = tail.find('"').expect("a closing quote");
        paths.insert(tail[..end].to_owned());
        rest = &tail[end..];
    }
    paths
}

/// The path with its parameters filled in.
fn concrete(path: &str) -> String {
    path.replace("{env}", ENV).replace("{profile}", "no-such-profile").replace("{id}", "1")
}

/// The methods routed at `path`: the `Allow` of a 405 to a method no route has.
async fn routed_methods(app: &Router, path: &str) -> Vec<Method> {
    let request = Request::builder().method(Method::OPTIONS).uri(concrete(path)).body(Body::empty()).expect("req");
    let reply = send(app, request).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{path}: {}", reply.text());
    let allow = reply.headers.get(header::ALLOW).and_then(|value| value.to_str().ok()).unwrap_or_default().to_owned();
    allow
        .split(',')
        .map(str::trim)
        .filter(|method| !method.is_empty() && *method != "HEAD")
        .map(|method| method.parse().expect("a method"))
        .collect()
}

/// Every (method, path) the router serves under the API and the read API.
async fn routes(app: &Router) -> Vec<(Method, String)> {
    let paths = routed_paths(app);
    assert!(paths.contains("/api/v1/bindings") && paths.contains("/v1/envs/{env}/inference.txt"), "{paths:?}");
    let mut routes = Vec::new();
    for path in paths {
        for method in routed_methods(app, &path).await {
            routes.push((method, path.clone()));
        }
    }
    routes
}

fn request(method: &Method, path: &str, token: Option<&str>) -> Request<Body> {
    let mut uri = concrete(path);
    if path == "/api/v1/diff" {
        uri.push_str(&format!("?from={ENV}&to={ENV}"));
    }
    let mut builder = Request::builder().method(method.clone()).uri(uri);
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    // One body for every route that reads one: it names `staging` wherever an environment goes.
    let body = serde_json::json!({ "name": ENV, "from": ENV, "to": ENV, "model": "amazon.nova-pro-v1:0" });
    builder.header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string())).expect("request")
}

/// The least role the rule needs on `staging`; `None` for a public route.
fn least_role(rule: Need) -> Option<Role> {
    match rule {
        Need::Public => None,
        Need::Anywhere(role) | Need::PathEnv(role) => Some(role),
        // Anyone identified: every token here has at least a viewer's grant somewhere.
        Need::Identified => Some(Role::Viewer),
        Need::Query(fields) | Need::Body(fields) => fields.iter().map(|(_, role)| *role).max(),
    }
}

fn denied(status: StatusCode) -> bool {
    status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN
}

#[tokio::test]
async fn every_route_has_a_rule_and_every_role_gets_exactly_what_the_rule_allows() {
    let fake = FakeBedrock::with_default_regions().spawn().await.expect("fake");
    let dir = tempfile::tempdir().expect("temp dir");
    let (state, tokens) = state(dir.path());
    let open = router(state.clone().with_aws(aws_with(&fake, "us-east-1", AwsSettings::default()).await));
    let unprotected = state.clone().without_auth();
    let routes = routes(&router(unprotected)).await;

    let ruled: BTreeSet<(String, String)> = RULES.iter().map(|(m, p, _)| (m.to_string(), (*p).to_owned())).collect();
    let routed: BTreeSet<(String, String)> = routes.iter().map(|(m, p)| (m.to_string(), p.clone())).collect();
    let without_rule: Vec<_> = routed.difference(&ruled).collect();
    assert!(without_rule.is_empty(), "routes with no rule in server::access::RULES: {without_rule:?}");
    let stale: Vec<_> = ruled.difference(&routed).collect();
    assert!(stale.is_empty(), "rules for routes the router does not have: {stale:?}");

    for (method, path) in &routes {
        let rule = need(method, path).expect("checked above");
        let least = least_role(rule);
        let anonymous = send(&open, request(method, path, None)).await;
        match least {
            None => assert!(!denied(anonymous.status), "{method} {path} is public: {}", anonymous.status),
            Some(_) => {
                assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{method} {path} without a token");
                assert_eq!(anonymous.error(StatusCode::UNAUTHORIZED).code, "unauthenticated");
            }
        }
        // A route without `{env}` acts on `default`, where these tokens have no role.
        let on_default = matches!(rule, Need::PathEnv(_)) && !path.contains("{env}");
        for (role, token) in &tokens.by_role {
            let reply = send(&open, request(method, path, Some(token))).await;
            let allowed = least.is_none_or(|least| *role >= least) && !on_default;
            assert_eq!(!denied(reply.status), allowed, "{method} {path} as {role} on {ENV}: {}", reply.text());
            if !allowed {
                assert_eq!(reply.error(StatusCode::FORBIDDEN).code, "forbidden");
            }
        }
        let other = send(&open, request(method, path, Some(&tokens.other_env))).await;
        let allowed = matches!(rule, Need::Public | Need::Anywhere(_) | Need::Identified);
        assert_eq!(!denied(other.status), allowed, "{method} {path} with an admin of {OTHER} only: {}", other.text());
    }
}

#[tokio::test]
async fn the_proxy_identity_header_counts_only_from_a_trusted_address() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (state, _) = state(dir.path());
    let app = router(state);
    let from = |peer: &str| {
        let mut request = Request::get("/api/v1/envs/staging/bindings")
            .header(DEFAULT_USER_HEADER, "ana@example.com")
            .body(Body::empty())
            .expect("request");
        request.extensions_mut().insert(ConnectInfo(peer.parse::<std::net::SocketAddr>().expect("addr")));
        request
    };
    assert_eq!(send(&app, from("10.2.3.4:50000")).await.status, StatusCode::OK, "from the proxy");
    assert_eq!(send(&app, from("192.0.2.9:50000")).await.status, StatusCode::UNAUTHORIZED, "from elsewhere");
}

#[tokio::test]
async fn a_change_made_with_a_token_is_recorded_under_its_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (state, tokens) = state(dir.path());
    let app = router(state);
    let editor = &tokens.by_role[1].1;
    let mut bind = request(&Method::POST, "/api/v1/envs/{env}/bindings/bind", Some(editor));
    bind.headers_mut().insert(header::IF_MATCH, "*".parse().expect("value"));
    let bound = send(&app, bind).await;
    assert_eq!(bound.status, StatusCode::OK, "{}", bound.text());
    let history = send(&app, request(&Method::GET, "/api/v1/envs/{env}/history", Some(editor))).await;
    let history: bedrock_binder_shared::api::HistoryResponse = history.json();
    assert_eq!(history.entries[0].summary.author, "editor");
}
