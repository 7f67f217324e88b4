//! Concurrent edits against one server on one environment: 16 clients, each binding its own
//! model again and again to new values, racing through `If-Match`. No update is lost: every
//! edit a client was told succeeded is in the committed history, in that client's order, and
//! the file ends with each client's last one; every refusal is a 412 (or 409).
//!
//! CI runs 16 × 25 edits; `BEDROCK_BINDER_EDITS_PER_CLIENT=100` is the 16 × 100.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use bedrock_binder::storage::{LocalDirStore, Storage as _};
use bedrock_binder_shared::{Catalog, Document};

use crate::crash::{request, serve, store};
use crate::helpers::TestHome;

const CLIENTS: usize = 16;
/// Binds a client sends for one edit before it gives the edit up.
const TRIES: u32 = 200;

fn edits_per_client() -> usize {
    std::env::var("BEDROCK_BINDER_EDITS_PER_CLIENT").ok().and_then(|n| n.parse().ok()).unwrap_or(25)
}

/// The `n`-th value client `client` binds its model to: an application profile ARN no other
/// edit uses (12 lowercase alphanumerics, as AWS issues them).
fn value(client: usize, n: usize) -> String {
    format!("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/c{client:02}e{n:05}xxxx")
}

/// The current text's ETag, read from the server.
fn etag(addr: &str) -> String {
    let (status, body) = request(addr, "GET /api/v1/envs/prod/bindings HTTP/1.1", "").expect("the server answers");
    assert_eq!(status, 200, "{body}");
    let version = serde_json::from_str::<serde_json::Value>(&body).expect("JSON")["version"]
        .as_str()
        .expect("a version")
        .to_owned();
    format!("\"{version}\"")
}

#[test]
fn sixteen_clients_racing_edits_to_one_environment_lose_no_update() {
    let home = TestHome::new();
    let dir = store(&home);
    let (mut server, addr) = serve(&home, &dir);
    let per_client = edits_per_client();
    let models: Vec<String> = Catalog::embedded()
        .models()
        .iter()
        .map(|model| model.id.to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .take(CLIENTS)
        .collect();
    let refusals = Mutex::new(Vec::<u16>::new());
    let started = Instant::now();
    let accepted: Vec<Vec<String>> = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..CLIENTS)
            .map(|client| {
                let (addr, model, refusals) = (&addr, &models[client], &refusals);
                scope.spawn(move || {
                    let mut mine = Vec::new();
                    for n in 0..per_client {
                        let body = serde_json::json!({ "model": model, "profile": value(client, n) }).to_string();
                        for attempt in 0..TRIES {
                            let tag = etag(addr);
                            let head = format!("POST /api/v1/envs/prod/bindings/bind HTTP/1.1\r\nIf-Match: {tag}");
                            let (status, answer) = request(addr, &head, &body).expect("the server answers");
                            if status == 200 {
                                mine.push(value(client, n));
                                break;
                            }
                            refusals.lock().expect("lock").push(status);
                            assert!(matches!(status, 409 | 412), "client {client}: {status} {answer}");
                            assert!(attempt + 1 < TRIES, "client {client} gave up edit {n}");
                            // A little jitter, so the same clients do not keep colliding.
                            std::thread::sleep(Duration::from_micros(
                                ((client * 7 + attempt as usize) % 13) as u64 * 100,
                            ));
                        }
                    }
                    mine
                })
            })
            .collect();
        clients.into_iter().map(|client| client.join().expect("a client")).collect()
    });
    let elapsed = started.elapsed();
    let _ = server.kill();
    let _ = server.wait();

    // The file ends with each client's last accepted value.
    let text = std::fs::read_to_string(dir.join("envs/prod/inference.txt")).expect("prod's file");
    let document = Document::parse(&text);
    for (client, model) in models.iter().enumerate() {
        let bound = document.get(model).map(|resolved| resolved.value.to_owned());
        assert_eq!(bound.as_ref(), accepted[client].last(), "client {client}'s last edit");
    }
    // The committed history has every accepted edit once, in each client's order.
    let history = LocalDirStore::new(&dir).committed_history(&"prod".parse().expect("name")).expect("history");
    let mut in_history: Vec<Vec<String>> = vec![Vec::new(); CLIENTS];
    for entry in history.iter().skip(1) {
        let (before, after) = (entry.previous_text.as_deref().unwrap_or(""), entry.new_text.as_deref().unwrap_or(""));
        let changes = bedrock_binder_shared::promote::binding_diff(&Document::parse(before), &Document::parse(after));
        let [change] = &changes[..] else { panic!("one binding per edit: {changes:?}") };
        let client = models.iter().position(|model| *model == change.model).expect("a client's model");
        in_history[client].push(change.to.clone().expect("a value"));
    }
    assert_eq!(in_history, accepted, "the history holds exactly the accepted edits, in order");
    let total: usize = accepted.iter().map(Vec::len).sum();
    assert_eq!(total, CLIENTS * per_client);
    let refused = refusals.into_inner().expect("lock");
    eprintln!(
        "{CLIENTS} clients x {per_client} edits: {total} accepted, {} refused with 412/409 and retried, in {elapsed:.1?}",
        refused.len()
    );
}
