//! `GET /api/v1/openapi.json` against the routes the server has: every route of the access
//! table ([`RULES`], which `access.rs` checks against the router itself) is described, and
//! nothing else is; every reference in the document resolves, so a client generator or the
//! fuzzing run (scripts/schemathesis.sh) can read all of it.

use std::collections::BTreeSet;

use axum::Router;
use axum::http::StatusCode;
use bedrock_binder::envs::Environments;
use bedrock_binder::server::access::RULES;
use bedrock_binder::server::{AppState, router};
use bedrock_binder_shared::Catalog;
use serde_json::Value;

use crate::aws_api::{get, send};

/// How to describe a route, said by every failure here.
const HOW: &str = "describe each route with one line in `routes()` of backend/src/server/openapi.rs \
                   (`.per_env()` for a route registered through `env::per_env`)";

async fn served_description(app: &Router) -> Value {
    let reply = send(app, get("/api/v1/openapi.json")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let content_type = reply.headers.get("content-type").and_then(|value| value.to_str().ok()).unwrap_or_default();
    assert!(content_type.starts_with("application/json"), "{content_type}");
    serde_json::from_slice(&reply.body).expect("the description is JSON")
}

fn app(dir: &std::path::Path) -> Router {
    router(AppState::new(Environments::directory(dir), Catalog::embedded()))
}

/// Every `(METHOD, path)` the document describes.
fn described(document: &Value) -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            routes.insert((method.to_ascii_uppercase(), path.clone()));
        }
    }
    routes
}

#[tokio::test]
async fn the_description_covers_every_route_of_the_access_table_and_nothing_else() {
    let dir = tempfile::tempdir().expect("temp dir");
    let document = served_description(&app(dir.path())).await;
    assert_eq!(document["openapi"], "3.1.0");
    let described = described(&document);
    let ruled: BTreeSet<(String, String)> =
        RULES.iter().map(|(method, path, _)| (method.as_str().to_owned(), (*path).to_owned())).collect();
    let missing: Vec<_> = ruled.difference(&described).collect();
    assert!(missing.is_empty(), "routes missing from /api/v1/openapi.json: {missing:?}; {HOW}");
    let unrouted: Vec<_> = described.difference(&ruled).collect();
    assert!(unrouted.is_empty(), "described but not in access::RULES (so not served): {unrouted:?}");
}

#[tokio::test]
async fn every_reference_resolves_and_every_operation_is_named_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let document = served_description(&app(dir.path())).await;
    let mut references = Vec::new();
    collect_references(&document, &mut references);
    assert!(references.len() > 40, "the operations refer to their types' schemas: {}", references.len());
    for reference in references {
        let name = reference.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("{reference}"));
        assert!(document["components"]["schemas"][name].is_object(), "{reference} is not in the components");
    }
    let mut ids = BTreeSet::new();
    for item in document["paths"].as_object().expect("paths").values() {
        for operation in item.as_object().expect("a path item").values() {
            let id = operation["operationId"].as_str().expect("an operationId").to_owned();
            assert!(ids.insert(id.clone()), "two operations are named {id}");
        }
    }
}

#[tokio::test]
async fn a_path_parameter_is_declared_for_each_brace_of_the_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    let document = served_description(&app(dir.path())).await;
    for (path, item) in document["paths"].as_object().expect("paths") {
        let braces: BTreeSet<&str> =
            path.split('/').filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}')).collect();
        for (method, operation) in item.as_object().expect("a path item") {
            let declared: BTreeSet<&str> = operation["parameters"]
                .as_array()
                .map(|parameters| {
                    parameters.iter().filter(|p| p["in"] == "path").filter_map(|p| p["name"].as_str()).collect()
                })
                .unwrap_or_default();
            assert_eq!(declared, braces, "{method} {path}");
        }
    }
}

/// Found by the fuzzing run: axum's own `Path` extractor answered a malformed `{id}` in plain
/// text, not in the shared error body.
#[tokio::test]
async fn a_path_parameter_of_the_wrong_type_is_refused_with_the_shared_error_body() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = app(dir.path());
    for uri in ["/api/v1/envs/default/requests/-1", "/api/v1/envs/default/requests/first"] {
        let error = send(&app, get(uri)).await.error(StatusCode::BAD_REQUEST);
        assert_eq!(error.code, "invalid-query", "{uri}");
        assert!(error.message.contains("`id`"), "{uri}: {}", error.message);
    }
}

fn collect_references<'a>(value: &'a Value, into: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                into.push(reference);
            }
            map.values().for_each(|value| collect_references(value, into));
        }
        Value::Array(items) => items.iter().for_each(|value| collect_references(value, into)),
        _ => {}
    }
}
