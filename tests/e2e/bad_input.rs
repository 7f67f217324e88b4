//! Hostile and broken HTTP input (issue "Evidence of reliability and security", HTTP bad
//! input): each case gets a clear 4xx, with the shared error body where the app answers, and
//! nothing changes on disk. The server is the real one (`server::serve`) on a port-0 listener
//! of this process, over real sockets, on a store of two environments.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use bedrock_binder::envs::{Environments, NewEnv};
use bedrock_binder::server::{AppState, serve};
use bedrock_binder::storage::ChangeMeta;
use bedrock_binder_shared::Catalog;
use bedrock_binder_shared::api::ErrorBody;

const PROD: &str = "# prod\namazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n";

/// The server on 127.0.0.1:0, serving a store holding `default` and `prod`; stopped on drop.
struct App {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// Dropped before the store, so the server stops before its directory goes.
    _runtime: tokio::runtime::Runtime,
    store: tempfile::TempDir,
}

impl App {
    fn spawn() -> App {
        let store = tempfile::tempdir().expect("temp dir");
        let envs = Environments::directory(store.path());
        let meta = || ChangeMeta { author: "setup".to_owned(), reason: None, approval: None };
        envs.create(&"default".parse().expect("name"), NewEnv::default(), meta()).expect("create default");
        envs.create(&"prod".parse().expect("name"), NewEnv { text: PROD.to_owned(), ..NewEnv::default() }, meta())
            .expect("create prod");
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("rt");
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let state = AppState::new(envs, Catalog::embedded());
        runtime.spawn(async move {
            let _ = serve(listener, state, async move {
                let _ = stopped.await;
            })
            .await;
        });
        App { addr, stop: Some(stop), _runtime: runtime, store }
    }

    fn prod_on_disk(&self) -> String {
        std::fs::read_to_string(self.store.path().join("envs/prod/inference.txt")).expect("prod's file")
    }

    /// Sends `head` (request line and headers, without the blank line) and `body`; the answer's
    /// status and body.
    fn send(&self, head: &str, body: &[u8]) -> (u16, String) {
        let mut stream = TcpStream::connect(self.addr).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
        let mut request = format!("{head}\r\nHost: {}\r\nConnection: close\r\n", self.addr).into_bytes();
        if !body.is_empty() {
            request.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
        }
        request.extend_from_slice(b"\r\n");
        request.extend_from_slice(body);
        // The server may answer and close before reading a body it refuses; that is fine.
        let _ = stream.write_all(&request);
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        let text = String::from_utf8_lossy(&raw).into_owned();
        let status = text.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
        let body = text.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default();
        (status, body)
    }

    /// The prod file's ETag, for writes that would otherwise be refused for want of one.
    fn prod_etag(&self) -> String {
        format!("\"{}\"", bedrock_binder::store::version_of(self.prod_on_disk().as_bytes()).as_str())
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The shared error body, from a chunked or plain body.
fn error_body(status: u16, body: &str) -> ErrorBody {
    let json = body.find('{').and_then(|start| body.rfind('}').map(|end| &body[start..=end])).unwrap_or(body);
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{status}: not the shared error body ({e}): {body:?}"))
}

#[test]
fn bad_bodies_names_and_values_get_a_clear_4xx_and_change_nothing() {
    let app = App::spawn();
    let etag = app.prod_etag();
    let bind = |body: &[u8]| {
        app.send(
            &format!(
                "POST /api/v1/envs/prod/bindings/bind HTTP/1.1\r\nContent-Type: application/json\r\nIf-Match: {etag}"
            ),
            body,
        )
    };

    // A 10 MiB body: refused at the limit, not read whole.
    let huge = format!("{{\"model\":\"amazon.nova-lite-v1:0\",\"profile\":\"{}\"}}", "a".repeat(10 << 20));
    let (status, body) = bind(huge.as_bytes());
    assert_eq!(status, 413, "{body}");
    assert_eq!(error_body(status, &body).code, "payload-too-large");

    // Invalid UTF-8 in JSON, and in a whole file.
    let (status, body) = bind(b"{\"model\":\"amazon.nova-lite-v1:0\",\"profile\":\"\xff\xfe\"}");
    assert!((400..500).contains(&status), "{status} {body}");
    assert_eq!(error_body(status, &body).code, "invalid-json");
    let (status, body) = app.send(
        &format!("PUT /api/v1/envs/prod/bindings HTTP/1.1\r\nContent-Type: text/plain\r\nIf-Match: {etag}"),
        b"amazon.nova-pro-v1:0=\xc3\x28\n",
    );
    assert_eq!((status, error_body(status, &body).code.as_str()), (422, "invalid-utf8"), "{body}");

    // A 10,000-character ARN: refused, naming the field.
    let arn = format!("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/{}", "x".repeat(10_000));
    let (status, body) =
        bind(serde_json::json!({ "model": "amazon.nova-lite-v1:0", "profile": arn }).to_string().as_bytes());
    let error = error_body(status, &body);
    assert_eq!((status, error.code.as_str()), (422, "invalid-text"), "{body}");
    assert!(error.message.contains("profile"), "names the field: {}", error.message);

    // `..` and its encodings as an environment name: refused by the name's rules, never a path.
    for path in [
        "/api/v1/envs/%2e%2e/bindings",
        "/api/v1/envs/%2E%2E/bindings",
        "/api/v1/envs/..%2Fdefault/bindings",
        "/v1/envs/%2e%2e/inference.txt",
        "/v1/envs/..%2f..%2fetc/inference.txt",
    ] {
        let (status, body) = app.send(&format!("GET {path} HTTP/1.1"), b"");
        assert!((400..500).contains(&status), "{path}: {status} {body}");
        let error = error_body(status, &body);
        assert!(!error.message.contains(app.store.path().to_str().expect("utf-8")), "{path}: {}", error.message);
    }

    assert_eq!(app.prod_on_disk(), PROD, "nothing was written");
}

#[test]
fn a_thousand_headers_are_refused_and_the_server_goes_on() {
    let app = App::spawn();
    let headers: String = (0..1000).map(|n| format!("X-Filler-{n}: {n}\r\n")).collect();
    let (status, _) = app.send(&format!("GET /api/v1/envs/prod/bindings HTTP/1.1\r\n{}", headers.trim_end()), b"");
    assert!((400..500).contains(&status), "{status}");
    let (status, body) = app.send("GET /v1/envs/prod/inference.txt HTTP/1.1", b"");
    assert_eq!((status, body.as_str()), (200, PROD));
}

#[test]
fn a_client_trickling_its_headers_holds_up_no_other_client() {
    let app = App::spawn();
    // Long outside CI only: `BEDROCK_BINDER_SLOW_LORIS_SECS=60` for the minute.
    let secs: u64 = std::env::var("BEDROCK_BINDER_SLOW_LORIS_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let addr = app.addr;
    let trickler = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(addr).expect("connect");
        let started = Instant::now();
        let _ = stream.write_all(b"GET /api/v1/envs/prod/bindings HTTP/1.1\r\nHost: x\r\n");
        let mut n = 0;
        while started.elapsed() < Duration::from_secs(secs) {
            if stream.write_all(format!("X-Slow-{n}: y\r\n").as_bytes()).is_err() {
                break;
            }
            n += 1;
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    // Meanwhile other clients are answered at once, again and again.
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut answered = 0;
    while Instant::now() < deadline {
        let asked = Instant::now();
        let (status, body) = app.send("GET /v1/envs/prod/inference.txt HTTP/1.1", b"");
        assert_eq!((status, body.as_str()), (200, PROD));
        assert!(asked.elapsed() < Duration::from_secs(1), "a request took {:?}", asked.elapsed());
        answered += 1;
        std::thread::sleep(Duration::from_millis(100));
    }
    trickler.join().expect("the trickling client");
    assert!(answered >= 5, "only {answered} requests answered");
}
