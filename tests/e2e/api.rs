//! The JSON API and the embedded UI, driven through `router(state).oneshot(...)`: every route,
//! and every error status the API promises, each test on its own temporary file.

use std::fs;
use std::io::Read;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use bedrock_binder::dated_catalog::DatedCatalog;
use bedrock_binder::server::{AppState, BODY_LIMIT, router};
use bedrock_binder::store::version_of;
use bedrock_binder_shared::Catalog;
use bedrock_binder_shared::api::{BindingsResponse, CatalogResponse, ErrorBody, Health, ImportPreview};
use bedrock_binder_shared::catalog::Lifecycle;
use bedrock_binder_shared::diagnostic::Code;
use bedrock_binder_shared::diff::LineChange;
use bedrock_binder_shared::document::LineKind;
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;
use tower::ServiceExt;

use crate::helpers::TestHome;

const NOVA: &str = "amazon.nova-pro-v1:0";
const NOVA_US: &str = "us.amazon.nova-pro-v1:0";
const SONNET: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";

/// A router over the test home's file.
fn app(home: &TestHome) -> Router {
    router(AppState::new(home.environments(), Catalog::embedded()))
}

/// What came back.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    #[track_caller]
    fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!("{} is not the expected JSON ({error}): {}", self.status, String::from_utf8_lossy(&self.body))
        })
    }

    /// The error body, after checking the status.
    #[track_caller]
    fn error(&self, status: StatusCode) -> ErrorBody {
        assert_eq!(self.status, status, "{}", String::from_utf8_lossy(&self.body));
        assert_eq!(self.header(header::CONTENT_TYPE.as_str()), Some("application/json"));
        self.json()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    fn etag(&self) -> String {
        self.header("etag").expect("an ETag").to_owned()
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.to_vec()).expect("UTF-8 body")
    }
}

async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.expect("the router never fails");
    let (parts, body) = response.into_parts();
    let body = body.collect().await.expect("a readable body").to_bytes();
    Reply { status: parts.status, headers: parts.headers, body }
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).expect("request")
}

/// A request with a body of `content_type` and, if given, an `If-Match`.
fn with_body(
    method: Method,
    uri: &str,
    content_type: &str,
    if_match: Option<&str>,
    body: impl Into<Body>,
) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri).header(header::CONTENT_TYPE, content_type);
    if let Some(tag) = if_match {
        builder = builder.header(header::IF_MATCH, tag);
    }
    builder.body(body.into()).expect("request")
}

fn put_text(if_match: Option<&str>, text: impl Into<Body>) -> Request<Body> {
    with_body(Method::PUT, "/api/v1/bindings", "text/plain; charset=utf-8", if_match, text)
}

fn post_json(uri: &str, if_match: Option<&str>, json: serde_json::Value) -> Request<Body> {
    with_body(Method::POST, uri, "application/json", if_match, json.to_string())
}

/// `GET /api/v1/bindings`, checked to be a 200.
async fn read(app: &Router) -> (BindingsResponse, String) {
    let reply = send(app, get("/api/v1/bindings")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    (reply.json(), reply.etag())
}

fn quoted(text: &[u8]) -> String {
    format!("\"{}\"", version_of(text))
}

// --- health ------------------------------------------------------------------------------

#[tokio::test]
async fn health_says_ok_and_the_version() {
    let home = TestHome::new();
    let reply = send(&app(&home), get("/api/v1/health")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let health: Health = reply.json();
    assert_eq!(health.status, "ok");
    assert_eq!(health.version, env!("CARGO_PKG_VERSION"));
}

// --- GET /bindings -----------------------------------------------------------------------

#[tokio::test]
async fn get_bindings_gives_the_lines_bindings_diagnostics_text_and_version() {
    let text = format!("# profiles\n{NOVA}={NOVA_US}\nbroken line\n\n{SONNET}=\n");
    let home = TestHome::with_file(&text);
    let (body, etag) = read(&app(&home)).await;

    assert_eq!(body.text, text);
    assert!(body.exists);
    assert_eq!(body.version, version_of(text.as_bytes()));
    assert_eq!(etag, quoted(text.as_bytes()), "a strong ETag: the version in quotes");
    let kinds: Vec<&str> = body
        .lines
        .iter()
        .map(|line| match line.kind {
            LineKind::Blank => "blank",
            LineKind::Comment => "comment",
            LineKind::Binding { .. } => "binding",
            LineKind::Invalid { .. } => "invalid",
        })
        .collect();
    assert_eq!(kinds, ["comment", "binding", "invalid", "blank", "binding"]);
    assert_eq!(body.lines[2].content, "broken line");
    let bound: Vec<(&str, &str)> = body.bindings.iter().map(|b| (b.model.as_str(), b.profile.as_str())).collect();
    assert_eq!(bound, [(NOVA, NOVA_US), (SONNET, "")]);
    let errors: Vec<(Code, usize)> =
        body.diagnostics.iter().filter(|d| d.is_error()).map(|d| (d.code, d.line)).collect();
    assert_eq!(errors, [(Code::MissingEquals, 3)], "{:?}", body.diagnostics);
}

#[tokio::test]
async fn a_missing_file_reads_as_empty_and_says_so() {
    let home = TestHome::new();
    let (body, etag) = read(&app(&home)).await;
    assert!(!body.exists);
    assert_eq!(body.text, "");
    assert!(body.lines.is_empty() && body.bindings.is_empty());
    assert_eq!(etag, quoted(b""));
}

#[tokio::test]
async fn if_none_match_with_the_current_version_gets_304_and_an_old_one_gets_the_file() {
    let home = TestHome::with_file(&format!("{NOVA}=\n"));
    let app = app(&home);
    let (_, etag) = read(&app).await;

    let request = Request::get("/api/v1/bindings").header(header::IF_NONE_MATCH, &etag).body(Body::empty()).unwrap();
    let reply = send(&app, request).await;
    assert_eq!(reply.status, StatusCode::NOT_MODIFIED);
    assert_eq!(reply.etag(), etag);
    assert!(reply.body.is_empty());

    home.write(format!("{NOVA}={NOVA_US}\n").as_bytes());
    let request = Request::get("/api/v1/bindings").header(header::IF_NONE_MATCH, &etag).body(Body::empty()).unwrap();
    let reply = send(&app, request).await;
    assert_eq!(reply.status, StatusCode::OK, "the file changed on disk, so the old tag no longer matches");
    assert_eq!(reply.json::<BindingsResponse>().text, format!("{NOVA}={NOVA_US}\n"));
}

#[tokio::test]
async fn every_read_reflects_the_disk() {
    let home = TestHome::with_file("# one\n");
    let app = app(&home);
    assert_eq!(read(&app).await.0.text, "# one\n");
    home.write(b"# two\n");
    assert_eq!(read(&app).await.0.text, "# two\n");
}

// --- PUT /bindings -----------------------------------------------------------------------

#[tokio::test]
async fn a_put_with_the_current_version_writes_the_text_byte_for_byte() {
    let home = TestHome::with_file(&format!("{NOVA}=\n"));
    let app = app(&home);
    let (_, etag) = read(&app).await;
    let text = format!("\u{feff}# mine\r\n{NOVA}={NOVA_US}\r\n{SONNET}=  ");
    let reply = send(&app, put_text(Some(&etag), text.clone())).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let body: BindingsResponse = reply.json();
    assert_eq!(body.text, text);
    assert_eq!(reply.etag(), quoted(text.as_bytes()));
    assert_eq!(body.version, version_of(text.as_bytes()));
    assert_eq!(fs::read(&home.file).unwrap(), text.as_bytes());
}

#[tokio::test]
async fn a_write_without_if_match_is_428_and_writes_nothing() {
    let home = TestHome::with_file("# keep\n");
    let app = app(&home);
    for request in [
        put_text(None, "# replaced\n"),
        post_json("/api/v1/bindings/bind", None, serde_json::json!({ "model": NOVA })),
        post_json("/api/v1/bindings/unbind", None, serde_json::json!({ "model": NOVA })),
    ] {
        let error = send(&app, request).await.error(StatusCode::PRECONDITION_REQUIRED);
        assert_eq!(error.code, "precondition-required");
        assert!(error.message.contains("If-Match"), "{}", error.message);
    }
    assert_eq!(home.read(), "# keep\n");
}

#[tokio::test]
async fn a_stale_version_is_412_with_the_current_version_and_text() {
    let home = TestHome::with_file("# now\n");
    let app = app(&home);
    let stale = quoted(b"# before\n");
    for request in [
        put_text(Some(&stale), "# mine\n"),
        post_json("/api/v1/bindings/bind", Some(&stale), serde_json::json!({ "model": NOVA })),
        post_json("/api/v1/bindings/unbind", Some(&stale), serde_json::json!({ "model": NOVA })),
    ] {
        let error = send(&app, request).await.error(StatusCode::PRECONDITION_FAILED);
        assert_eq!(error.code, "conflict");
        let details = error.details.expect("details");
        assert_eq!(details.current_version, Some(version_of(b"# now\n")));
        assert_eq!(details.current_text.as_deref(), Some("# now\n"));
    }
    assert_eq!(home.read(), "# now\n");
}

#[tokio::test]
async fn a_file_changed_on_disk_after_the_client_read_it_is_412() {
    let home = TestHome::with_file(&format!("{NOVA}=\n"));
    let app = app(&home);
    let (_, etag) = read(&app).await;
    let external = format!("{NOVA}=\n# edited in vim\n");
    home.write(external.as_bytes());

    let reply = send(&app, post_json("/api/v1/bindings/bind", Some(&etag), serde_json::json!({ "model": SONNET })));
    let error = reply.await.error(StatusCode::PRECONDITION_FAILED);
    let details = error.details.expect("details");
    assert_eq!(details.current_version, Some(version_of(external.as_bytes())));
    assert_eq!(details.current_text.as_deref(), Some(external.as_str()));
    assert_eq!(home.read(), external, "the external edit survives");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_concurrent_writes_against_one_version_exactly_one_wins() {
    const WRITERS: usize = 8;
    let home = TestHome::with_file("# start\n");
    let app = app(&home);
    let tag = quoted(b"# start\n");
    let writes: Vec<_> = (0..WRITERS)
        .map(|n| {
            let (app, request) = (app.clone(), put_text(Some(&tag), format!("# writer {n}\n")));
            tokio::spawn(async move { send(&app, request).await })
        })
        .collect();
    let mut replies = Vec::new();
    for write in writes {
        replies.push(write.await.expect("the write task"));
    }
    let winners: Vec<&Reply> = replies.iter().filter(|reply| reply.status == StatusCode::OK).collect();
    assert_eq!(winners.len(), 1, "{:?}", replies.iter().map(|reply| reply.status).collect::<Vec<_>>());
    let on_disk = fs::read(&home.file).unwrap();
    assert_eq!(winners[0].etag(), quoted(&on_disk));
    for reply in replies.iter().filter(|reply| reply.status != StatusCode::OK) {
        let error = reply.error(StatusCode::PRECONDITION_FAILED);
        assert_eq!(error.details.expect("details").current_version, Some(version_of(&on_disk)));
    }
}

#[tokio::test]
async fn if_match_star_matches_an_existing_file_only() {
    let home = TestHome::new();
    let app = app(&home);
    let error = send(&app, put_text(Some("*"), "# new\n")).await.error(StatusCode::PRECONDITION_FAILED);
    assert_eq!(error.code, "conflict");
    assert!(!home.file.exists());

    home.write(b"# old\n");
    let reply = send(&app, put_text(Some("*"), "# new\n")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(home.read(), "# new\n");
}

#[tokio::test]
async fn the_first_write_creates_a_missing_file_against_the_empty_version() {
    let home = TestHome::new();
    let app = app(&home);
    let (_, etag) = read(&app).await;
    let reply = send(&app, put_text(Some(&etag), format!("{NOVA}=\n"))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(reply.json::<BindingsResponse>().exists);
    assert_eq!(home.read(), format!("{NOVA}=\n"));
}

#[tokio::test]
async fn a_text_with_errors_is_422_with_the_diagnostics_and_nothing_is_written() {
    let home = TestHome::with_file("# keep\n");
    let app = app(&home);
    let text = format!("{NOVA}=arn:aws:bedrock:us-east-2:52136900492:inference-profile/{NOVA_US}\nno equals\n");
    let error = send(&app, put_text(Some(&quoted(b"# keep\n")), text)).await.error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.code, "invalid-text");
    assert!(error.message.contains("2 errors"), "{}", error.message);
    let codes: Vec<(Code, usize)> =
        error.details.expect("details").diagnostics.iter().map(|d| (d.code, d.line)).collect();
    assert_eq!(codes, [(Code::MalformedArn, 1), (Code::MissingEquals, 2)]);
    assert_eq!(home.read(), "# keep\n");
}

#[tokio::test]
async fn a_text_with_only_warnings_is_written() {
    let home = TestHome::new();
    let app = app(&home);
    // An unknown model and a duplicate key: warnings, not errors.
    let text = "zzz.unknown-model-v1:0=\nzzz.unknown-model-v1:0=\n";
    let reply = send(&app, put_text(Some(&quoted(b"")), text)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let body: BindingsResponse = reply.json();
    let codes: Vec<Code> = body.diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains(&Code::UnknownModel) && codes.contains(&Code::DuplicateKey), "{codes:?}");
    assert!(body.diagnostics.iter().all(|d| !d.is_error()));
    assert_eq!(home.read(), text);
}

#[tokio::test]
async fn a_put_that_is_not_text_plain_is_415() {
    let home = TestHome::new();
    let request =
        with_body(Method::PUT, "/api/v1/bindings", "application/json", Some(&quoted(b"")), "\"a.b=\"".to_owned());
    let error = send(&app(&home), request).await.error(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(error.code, "unsupported-media-type");
    let request =
        Request::put("/api/v1/bindings").header(header::IF_MATCH, quoted(b"")).body(Body::from("x=")).unwrap();
    send(&app(&home), request).await.error(StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn a_put_that_is_not_utf8_is_422_naming_the_offset() {
    let home = TestHome::new();
    let error = send(&app(&home), put_text(Some(&quoted(b"")), b"a.b=\n\xff".to_vec()))
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.code, "invalid-utf8");
    assert!(error.message.contains("offset 5"), "{}", error.message);
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_413_with_the_error_body() {
    let home = TestHome::new();
    let app = app(&home);
    let big = "#".repeat(BODY_LIMIT + 1);
    let error = send(&app, put_text(Some(&quoted(b"")), big.clone())).await.error(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error.code, "payload-too-large");
    let json = serde_json::json!({ "model": NOVA, "profile": big }).to_string();
    let request = with_body(Method::POST, "/api/v1/bindings/bind", "application/json", Some(&quoted(b"")), json);
    send(&app, request).await.error(StatusCode::PAYLOAD_TOO_LARGE);
    let request = with_body(Method::POST, "/api/v1/import/preview", "text/plain", None, big);
    send(&app, request).await.error(StatusCode::PAYLOAD_TOO_LARGE);
    assert!(!home.file.exists());
}

// --- bind and unbind ---------------------------------------------------------------------

#[tokio::test]
async fn bind_appends_rebinds_and_binds_direct_keeping_every_other_byte() {
    let original = "\u{feff}# head\r\nx.other=\r\n";
    let home = TestHome::with_file(original);
    let app = app(&home);

    let reply = send(
        &app,
        post_json(
            "/api/v1/bindings/bind",
            Some(&quoted(original.as_bytes())),
            serde_json::json!({ "model": NOVA, "profile": NOVA_US }),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let appended = format!("{original}{NOVA}={NOVA_US}\r\n");
    assert_eq!(home.read(), appended);
    let body: BindingsResponse = reply.json();
    assert_eq!(body.text, appended);
    assert_eq!(reply.etag(), quoted(appended.as_bytes()));

    // An empty profile is direct, and so is an absent one.
    let reply = send(
        &app,
        post_json("/api/v1/bindings/bind", Some(&reply.etag()), serde_json::json!({ "model": NOVA, "profile": "" })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(home.read(), format!("{original}{NOVA}=\r\n"));

    let reply =
        send(&app, post_json("/api/v1/bindings/bind", Some(&reply.etag()), serde_json::json!({ "model": SONNET })))
            .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(home.read(), format!("{original}{NOVA}=\r\n{SONNET}=\r\n"));
}

#[tokio::test]
async fn unbind_removes_every_line_of_the_model_and_nothing_else() {
    let text = format!("# keep\n{NOVA}=a.b\n{SONNET}=\n{NOVA}={NOVA_US}\n");
    let home = TestHome::with_file(&text);
    let app = app(&home);
    let reply = send(
        &app,
        post_json("/api/v1/bindings/unbind", Some(&quoted(text.as_bytes())), serde_json::json!({ "model": NOVA })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(home.read(), format!("# keep\n{SONNET}=\n"));
    assert_eq!(reply.json::<BindingsResponse>().bindings.len(), 1);

    // Unbinding what is not bound changes nothing and still answers with the file.
    let etag = reply.etag();
    let reply =
        send(&app, post_json("/api/v1/bindings/unbind", Some(&etag), serde_json::json!({ "model": NOVA }))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.etag(), etag);
}

#[tokio::test]
async fn a_malformed_model_or_profile_is_422_with_a_diagnostic_naming_the_field() {
    let home = TestHome::with_file("# keep\n");
    let app = app(&home);
    let tag = quoted(b"# keep\n");

    let error =
        send(&app, post_json("/api/v1/bindings/bind", Some(&tag), serde_json::json!({ "model": "Amazon.Nova" })))
            .await
            .error(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.message.contains("`model`"), "{}", error.message);
    let diagnostic = &error.details.expect("details").diagnostics[0];
    assert_eq!((diagnostic.code, diagnostic.column), (Code::MalformedModelId, 1));
    assert!(diagnostic.message.contains("`model`"), "{}", diagnostic.message);

    let arn = format!("arn:aws:bedrock:us-east-2:52136900492:inference-profile/{NOVA_US}");
    let error = send(
        &app,
        post_json("/api/v1/bindings/bind", Some(&tag), serde_json::json!({ "model": NOVA, "profile": arn })),
    )
    .await
    .error(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.message.contains("`profile`"), "{}", error.message);
    let diagnostic = &error.details.expect("details").diagnostics[0];
    assert_eq!(diagnostic.code, Code::MalformedArn);
    assert_eq!(diagnostic.column, 27, "under the 11-digit account");

    let error = send(&app, post_json("/api/v1/bindings/unbind", Some(&tag), serde_json::json!({ "model": "  " })))
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.message.contains("`model`"), "{}", error.message);
    assert_eq!(home.read(), "# keep\n");
}

#[tokio::test]
async fn errors_on_other_lines_do_not_block_a_bind() {
    let text = "no equals here\n";
    let home = TestHome::with_file(text);
    let reply = send(
        &app(&home),
        post_json("/api/v1/bindings/bind", Some(&quoted(text.as_bytes())), serde_json::json!({ "model": NOVA })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(home.read(), format!("no equals here\n{NOVA}=\n"));
    let body: BindingsResponse = reply.json();
    assert!(body.diagnostics.iter().any(|d| d.code == Code::MissingEquals), "the old error is still reported");
}

#[tokio::test]
async fn bad_json_is_400_and_a_wrong_content_type_is_415_both_with_the_error_body() {
    let home = TestHome::new();
    let app = app(&home);
    let tag = quoted(b"");
    for body in ["{not json", "{\"profile\": \"x\"}", "[1, 2]"] {
        let request = with_body(Method::POST, "/api/v1/bindings/bind", "application/json", Some(&tag), body);
        let error = send(&app, request).await.error(StatusCode::BAD_REQUEST);
        assert_eq!(error.code, "invalid-json", "{body}");
    }
    let request = with_body(Method::POST, "/api/v1/bindings/bind", "text/plain", Some(&tag), "{\"model\": \"a.b\"}");
    let error = send(&app, request).await.error(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(error.code, "unsupported-media-type");
    assert!(error.message.contains("application/json"), "{}", error.message);
}

// --- export and import -------------------------------------------------------------------

#[tokio::test]
async fn export_is_the_file_byte_for_byte_as_an_attachment() {
    let bytes = format!("\u{feff}# exported\r\n{NOVA}={NOVA_US}\r\n{SONNET}=  \t").into_bytes();
    let home = TestHome::new();
    home.write(&bytes);
    let reply = send(&app(&home), get("/api/v1/export")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.header("content-type").is_some_and(|t| t.starts_with("text/plain")), "{:?}", reply.headers);
    assert_eq!(reply.header("content-disposition"), Some("attachment; filename=\"inference.txt\""));
    assert_eq!(reply.body.as_ref(), bytes.as_slice());
}

#[tokio::test]
async fn import_preview_diffs_against_the_file_and_validates_without_writing() {
    let current = format!("# head\n{NOVA}=\n");
    let home = TestHome::with_file(&current);
    let incoming = format!("# head\n{NOVA}={NOVA_US}\nbroken\n");
    let request = with_body(Method::POST, "/api/v1/import/preview", "text/plain", None, incoming);
    let reply = send(&app(&home), request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let preview: ImportPreview = reply.json();
    assert_eq!(preview.version, version_of(current.as_bytes()));
    let changes: Vec<(LineChange, &str)> = preview.diff.iter().map(|line| (line.change, line.text.as_str())).collect();
    assert_eq!(
        changes,
        [
            (LineChange::Same, "# head\n"),
            (LineChange::Removed, "amazon.nova-pro-v1:0=\n"),
            (LineChange::Added, "amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n"),
            (LineChange::Added, "broken\n"),
        ]
    );
    assert!(preview.has_errors);
    assert_eq!(preview.diagnostics.iter().map(|d| (d.code, d.line)).collect::<Vec<_>>(), [(Code::MissingEquals, 3)]);
    assert_eq!(home.read(), current, "a preview writes nothing");
}

#[tokio::test]
async fn import_preview_needs_text_plain() {
    let home = TestHome::new();
    let request = with_body(Method::POST, "/api/v1/import/preview", "application/x-www-form-urlencoded", None, "a=b");
    send(&app(&home), request).await.error(StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

// --- catalog -----------------------------------------------------------------------------

async fn catalog(app: &Router, query: &str) -> CatalogResponse {
    let reply = send(app, get(&format!("/api/v1/catalog{query}"))).await;
    assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text());
    reply.json()
}

fn ids(response: &CatalogResponse) -> Vec<&str> {
    response.models.iter().map(|model| model.id.as_str()).collect()
}

#[tokio::test]
async fn the_catalog_without_filters_lists_every_model_with_regions_and_providers() {
    let home = TestHome::new();
    let all = catalog(&app(&home), "").await;
    assert_eq!(all.models.len(), Catalog::embedded().models().len());
    assert!(all.regions.iter().any(|r| r == "us-east-1"));
    assert!(all.providers.iter().any(|p| p == "Anthropic"));
    assert!(!all.source.is_empty());
}

#[tokio::test]
async fn the_catalog_filters_by_text_provider_region_profile_need_and_lifecycle() {
    let home = TestHome::new();
    let app = app(&home);

    let found = catalog(&app, "?q=NOVA-PRO").await;
    assert!(ids(&found).contains(&NOVA), "{:?}", ids(&found));
    assert!(ids(&found).iter().all(|id| id.contains("nova-pro")), "{:?}", ids(&found));

    let anthropic = catalog(&app, "?provider=anthropic").await;
    assert!(!anthropic.models.is_empty());
    assert!(anthropic.models.iter().all(|m| m.id.provider() == "anthropic"));
    assert!(catalog(&app, "?provider=a").await.models.is_empty(), "`a` is not `amazon`: a dot boundary");
    assert_eq!(ids(&catalog(&app, "?provider=Anthropic").await), ids(&anthropic));

    let region = catalog(&app, "?region=us-east-1").await;
    assert!(ids(&region).contains(&NOVA) && ids(&region).contains(&SONNET));
    let us_east_1 = "us-east-1".parse().unwrap();
    assert!(region.models.iter().all(|m| m.offered_in(&us_east_1)));

    let needs = catalog(&app, "?region=us-east-1&requires_profile=true").await;
    assert!(ids(&needs).contains(&SONNET) && !ids(&needs).contains(&NOVA));
    let direct = catalog(&app, "?requires_profile=false").await;
    assert!(ids(&direct).contains(&NOVA) && !ids(&direct).contains(&SONNET));

    let eol = catalog(&app, "?lifecycle=eol").await;
    assert!(ids(&eol).contains(&"anthropic.claude-3-haiku-20240307-v1:0"));
    assert!(eol.models.iter().all(|m| m.lifecycle == Lifecycle::Eol));

    // Every filter at once; the lifecycle is whatever the catalog says Nova Pro's is today.
    let lifecycle = Catalog::embedded().get(NOVA).expect("Nova Pro is in the catalog").lifecycle;
    let query = format!("?q=Nova&provider=amazon&region=us-east-1&requires_profile=false&lifecycle={lifecycle}");
    let combined = catalog(&app, &query).await;
    assert!(ids(&combined).contains(&NOVA), "{:?}", ids(&combined));
    assert!(!ids(&combined).contains(&SONNET));
}

#[tokio::test]
async fn an_empty_catalog_filter_is_no_filter() {
    let home = TestHome::new();
    let all = catalog(&app(&home), "?q=&provider=&region=&requires_profile=&lifecycle=").await;
    assert_eq!(all.models.len(), Catalog::embedded().models().len());
}

#[tokio::test]
async fn a_bad_catalog_filter_value_is_400_with_the_error_body() {
    let home = TestHome::new();
    let app = app(&home);
    for query in ["?region=Mars", "?lifecycle=retired", "?requires_profile=maybe"] {
        let error = send(&app, get(&format!("/api/v1/catalog{query}"))).await.error(StatusCode::BAD_REQUEST);
        assert_eq!(error.code, "invalid-query", "{query}");
    }
}

// --- routing, the UI and failures --------------------------------------------------------

#[tokio::test]
async fn an_unknown_api_path_is_a_json_404_and_a_wrong_method_a_json_405() {
    let home = TestHome::new();
    let app = app(&home);
    for path in ["/api/v1/nope", "/api/v2/bindings", "/api", "/api/"] {
        let error = send(&app, get(path)).await.error(StatusCode::NOT_FOUND);
        assert_eq!(error.code, "not-found", "{path}");
    }
    let request = Request::delete("/api/v1/bindings").body(Body::empty()).unwrap();
    assert_eq!(send(&app, request).await.error(StatusCode::METHOD_NOT_ALLOWED).code, "method-not-allowed");
}

#[tokio::test]
async fn the_root_and_unknown_paths_get_index_html_revalidated_every_time() {
    let home = TestHome::new();
    let app = app(&home);
    let root = send(&app, get("/")).await;
    assert_eq!(root.status, StatusCode::OK);
    assert!(root.header("content-type").is_some_and(|t| t.starts_with("text/html")));
    assert_eq!(root.header("cache-control"), Some("no-cache"));
    assert!(root.text().contains("<html"), "{}", root.text());

    let deep = send(&app, get("/some/route?x=1")).await;
    assert_eq!(deep.status, StatusCode::OK);
    assert_eq!(deep.header("cache-control"), Some("no-cache"));
    assert_eq!(deep.body, root.body, "an unknown path falls back to index.html");

    let request = Request::get("/").header(header::IF_NONE_MATCH, root.etag()).body(Body::empty()).unwrap();
    assert_eq!(send(&app, request).await.status, StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn the_aws_page_is_its_own_bundle_at_slash_aws() {
    let home = TestHome::new();
    let app = app(&home);
    let page = send(&app, get("/aws.html")).await;
    assert_eq!(page.status, StatusCode::OK, "scripts/build-ui.sh puts aws.html beside index.html");
    for path in ["/aws", "/aws/"] {
        let reply = send(&app, get(path)).await;
        assert_eq!(reply.body, page.body, "{path} is the AWS page");
        assert_eq!(reply.header("cache-control"), Some("no-cache"));
    }
    let text = page.text();
    assert!(text.contains("bedrock-binder-aws-"), "it loads the AWS bundle: {text}");
    assert_ne!(page.body, send(&app, get("/")).await.body, "not the main page");
}

#[tokio::test]
async fn assets_are_sent_precompressed_as_accept_encoding_allows() {
    let home = TestHome::new();
    let app = app(&home);
    let raw = send(&app, get("/")).await;
    assert_eq!(raw.header("content-encoding"), None);
    assert_eq!(raw.header("vary"), Some("accept-encoding"));

    let with_encoding =
        |value: &'static str| Request::get("/").header(header::ACCEPT_ENCODING, value).body(Body::empty()).unwrap();
    let brotli = send(&app, with_encoding("gzip, deflate, br")).await;
    assert_eq!(brotli.header("content-encoding"), Some("br"));
    assert!(brotli.body.len() < raw.body.len());
    assert_ne!(brotli.etag(), raw.etag(), "each encoding has its own tag");

    let gzip = send(&app, with_encoding("gzip")).await;
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(gzip.body.as_ref()).read_to_end(&mut unzipped).unwrap();
    assert_eq!(unzipped, raw.body.as_ref());

    let refused = send(&app, with_encoding("br;q=0, gzip;q=0")).await;
    assert_eq!(refused.header("content-encoding"), None);
}

#[tokio::test]
async fn json_answers_are_compressed_for_a_client_that_accepts_it_and_exports_never_are() {
    let home = TestHome::with_file(&format!("# team file\r\n{NOVA}={NOVA_US}\r\n"));
    let app = app(&home);
    let accepting = |uri: &str, encoding: &'static str| {
        Request::get(uri).header(header::ACCEPT_ENCODING, encoding).body(Body::empty()).unwrap()
    };
    let plain = send(&app, get("/api/v1/catalog")).await;
    assert_eq!(plain.header("content-encoding"), None, "no Accept-Encoding, no compression");

    let browser = send(&app, accepting("/api/v1/catalog", "gzip, deflate, br")).await;
    assert_eq!(browser.header("content-encoding"), Some("gzip"), "JSON is gzipped, never brotli");
    assert!(browser.body.len() * 5 < plain.body.len(), "{} vs {} bytes", browser.body.len(), plain.body.len());
    let brotli_only = send(&app, accepting("/api/v1/catalog", "br")).await;
    assert_eq!(brotli_only.header("content-encoding"), None);

    let gzip = send(&app, accepting("/api/v1/catalog", "gzip")).await;
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(gzip.body.as_ref()).read_to_end(&mut unzipped).unwrap();
    assert_eq!(unzipped, plain.body.as_ref(), "the same JSON once decoded");

    let export = send(&app, accepting("/api/v1/export", "gzip, br")).await;
    assert_eq!(export.header("content-encoding"), None, "an export is sent byte for byte");
    assert_eq!(export.body.as_ref(), fs::read(&home.file).unwrap());

    let bindings = send(&app, accepting("/api/v1/bindings", "br")).await;
    let not_modified = Request::get("/api/v1/bindings")
        .header(header::ACCEPT_ENCODING, "br")
        .header(header::IF_NONE_MATCH, bindings.etag())
        .body(Body::empty())
        .unwrap();
    let not_modified = send(&app, not_modified).await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);
    assert_eq!(not_modified.header("content-encoding"), None);
    assert!(not_modified.body.is_empty());
}

#[tokio::test]
async fn the_catalog_says_its_date_and_notes_once_when_it_is_over_ninety_days_old() {
    let home = TestHome::new();
    let compiled = Catalog::embedded().compiled_on().expect("a compile date");
    let current = send(&app(&home), get("/api/v1/catalog")).await.json::<CatalogResponse>();
    assert_eq!(current.compiled_on, Some(compiled));
    assert_eq!(current.notice, None, "a catalog compiled {compiled} is not old on the day the tests were written");

    let in_a_year = DatedCatalog::with_clock(Catalog::embedded(), || "2027-12-01".parse().expect("date"));
    let state = AppState::new(home.environments(), Catalog::embedded()).with_catalog(in_a_year);
    let old = send(&router(state), get("/api/v1/catalog")).await.json::<CatalogResponse>();
    let notice = old.notice.as_deref().expect("a note that the embedded catalog is old");
    assert!(notice.contains(&format!("from {compiled}")) && notice.contains("catalog --live"), "{notice}");
    let opus = |catalog: &CatalogResponse| {
        let id = "anthropic.claude-opus-4-1-20250805-v1:0";
        catalog.models.iter().find(|model| model.id.as_str() == id).map(|model| model.lifecycle).expect("opus 4.1")
    };
    assert_eq!(opus(&current), Lifecycle::Legacy, "until its end of life on 2027-01-08");
    assert_eq!(opus(&old), Lifecycle::Eol, "lifecycle is judged on the server's date");
}

#[tokio::test]
async fn apps_read_the_default_environment_byte_for_byte_with_a_strong_etag_and_304() {
    let bytes =
        b"\xef\xbb\xbf# team\r\namazon.nova-pro-v1:0 = us.amazon.nova-pro-v1:0\r\nmeta.llama3-8b-instruct-v1:0=";
    let home = TestHome::new();
    home.write(bytes);
    let app = app(&home);
    let reply = send(&app, get("/v1/envs/default/inference.txt")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body.as_ref(), bytes, "byte for byte: BOM, CRLF, spaces, no final newline");
    assert_eq!(reply.header("content-type"), Some("text/plain; charset=utf-8"));
    let tag = reply.etag();
    assert!(tag.starts_with('"') && !tag.starts_with("W/"), "a strong ETag: {tag}");
    let again = Request::get("/v1/envs/default/inference.txt").header(header::IF_NONE_MATCH, &tag).body(Body::empty());
    let again = send(&app, again.unwrap()).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert_eq!(again.etag(), tag);

    let unknown = send(&app, get("/v1/envs/prod/inference.txt")).await.error(StatusCode::NOT_FOUND);
    assert_eq!(unknown.code, "unknown-environment");
    let traversal = send(&app, get("/v1/envs/..%2Fetc/inference.txt")).await.error(StatusCode::BAD_REQUEST);
    assert!(traversal.message.contains("environment"), "{}", traversal.message);
}

#[tokio::test]
async fn resolve_answers_as_tpipe_for_a_profile_a_direct_line_a_duplicate_and_an_unbound_model() {
    let home = TestHome::with_file(&format!("{NOVA}=eu.amazon.nova-pro-v1:0\n{NOVA} = {NOVA_US}\n{SONNET}=\n"));
    let app = app(&home);
    let resolve = |model: &str| get(&format!("/v1/envs/default/resolve?model={model}"));
    let nova: serde_json::Value = send(&app, resolve(NOVA)).await.json();
    assert_eq!(nova, serde_json::json!({"model": NOVA, "value": NOVA_US, "kind": "profile", "line": 2}));
    let sonnet: serde_json::Value = send(&app, resolve(SONNET)).await.json();
    assert_eq!(sonnet, serde_json::json!({"model": SONNET, "value": SONNET, "kind": "direct", "line": 3}));
    let lite: serde_json::Value = send(&app, resolve("amazon.nova-lite-v1:0")).await.json();
    assert_eq!(lite["kind"], "unbound");
    assert_eq!(lite["line"], serde_json::Value::Null);
    let missing = send(&app, get("/v1/envs/default/resolve")).await.error(StatusCode::BAD_REQUEST);
    assert_eq!(missing.code, "invalid-query");
}

#[tokio::test]
async fn a_server_failure_is_a_generic_500_without_internal_text() {
    let home = TestHome::new();
    fs::create_dir_all(&home.file).unwrap();
    let app = app(&home);
    for request in [get("/api/v1/bindings"), get("/api/v1/export"), put_text(Some(&quoted(b"")), "# x\n")] {
        let reply = send(&app, request).await;
        let error = reply.error(StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(error.code, "internal");
        assert!(error.details.is_none());
        let body = reply.text();
        let dir = home.dir.path().to_string_lossy();
        assert!(!body.contains(dir.as_ref()) && !body.contains("inference.txt"), "the path leaked: {body}");
        assert!(!body.to_lowercase().contains("directory"), "the OS error leaked: {body}");
    }
}

#[tokio::test]
async fn a_file_that_is_not_utf8_is_422_naming_the_offset() {
    let home = TestHome::new();
    home.write(b"# ok\n\xfe");
    let error = send(&app(&home), get("/api/v1/bindings")).await.error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.code, "invalid-utf8");
    assert!(error.message.contains("offset 5"), "{}", error.message);
    assert!(!error.message.contains("inference.txt"), "{}", error.message);
}
