//! Crash safety on the S3 store: `serve --store s3://…` SIGKILLed while it writes, exactly
//! between the two writes of a commit on some rounds and at random moments on the others.
//! After every kill the environment's text in S3 is byte for byte a version that some write
//! produced, its committed history ends at exactly that text (an entry whose text write never
//! happened is an orphan, never committed, now or later), and the next write through the
//! restarted replica succeeds and commits after the orphan.
//!
//! A commit on S3 is two `PutObject`s (`storage` module documentation): the history entry
//! (`…/envs/prod/history/NNNNNNNNNNNN.json`, create-if-absent), then the environment's
//! `…/envs/prod/inference.txt` (`If-Match`). To land a kill between them every time, not by
//! luck, the replica talks to moto through a small forwarding proxy ([`Proxy`]) that sees
//! every request: when armed, it SIGKILLs the replica on the text `PutObject` that follows an
//! entry `PutObject`, before forwarding it, and forwards nothing more from that process.
//!
//! CI runs 50 kills, half of each kind (`BEDROCK_BINDER_CRASH_KILLS` for more); the seed of the
//! random moments is printed, and `BEDROCK_BINDER_CRASH_SEED` replays a run (as in `crash`).

use std::collections::{BTreeMap, HashSet};
use std::fs::OpenOptions;
use std::net::SocketAddr;
use std::process::Child;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use aws_sdk_s3::error::DisplayErrorContext;
use bedrock_binder::storage::{Change, ChangeMeta, EnvSettings, HistoryEntry, S3Store, Storage as _, committed};
use bedrock_binder_shared::env_name::EnvName;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};

use crate::crash::{Random, START, bound, edit, kills, request};
use crate::helpers::{TestHome, spawn_listening};
use crate::moto::{self, Moto};

const BUCKET: &str = "bb-crash";
/// The store: `s3://BUCKET/PREFIX`.
const PREFIX: &str = "team";
/// The environment written through the crashes.
const ENV: &str = "prod";
/// The random moments: up to this long after the restarted replica's first write was answered.
/// A bind through the proxy takes 35 to 60 ms here, so kills land before, inside and between
/// the writes of the next three binds or so.
const MAX_KILL_DELAY_US: u64 = 120_000;

fn unlock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

// --- the proxy -------------------------------------------------------------------------------

/// The request paths the proxy watches (path-style: `/BUCKET/KEY`).
struct Keys {
    /// The environment's text.
    text: String,
    /// The prefix of its history entries.
    history: String,
}

impl Keys {
    fn new() -> Keys {
        let env = format!("/{BUCKET}/{PREFIX}/envs/{ENV}/");
        Keys { text: format!("{env}inference.txt"), history: format!("{env}history/") }
    }
}

/// What the proxy knows of the replica behind it, and what the test has told it to do.
#[derive(Default)]
struct Watch {
    /// The replica's process, once launched and until killed.
    replica: Option<Child>,
    /// Counts launches. A connection carries the one it was accepted under, so that a request
    /// of a killed process is never forwarded, even after the restart.
    generation: u64,
    /// Between a launch and the kill: requests of this generation are forwarded.
    alive: bool,
    /// The last `PutObject` of the environment's keys was a history entry.
    after_entry: bool,
    /// Kill at the next text `PutObject` that follows an entry `PutObject`.
    armed: bool,
    /// Text `PutObject`s held back by such a kill.
    held: usize,
}

impl Watch {
    /// SIGKILL, and waits for the process to be gone. Nothing of it is forwarded afterwards.
    fn kill(&mut self) {
        self.alive = false;
        self.armed = false;
        if let Some(mut replica) = self.replica.take() {
            let _ = replica.kill();
            let _ = replica.wait();
        }
    }
}

/// Why a request was not forwarded; hyper answers it by closing the connection.
#[derive(Debug)]
struct NotForwarded(&'static str);

impl std::fmt::Display for NotForwarded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for NotForwarded {}

/// An HTTP/1 forwarding proxy between one replica and moto, on its own runtime (two threads).
/// It forwards every request as it comes (the replica's SigV4 signature included: moto does
/// not check it), and watches the `PutObject`s of the environment's keys.
struct Proxy {
    addr: SocketAddr,
    watch: Arc<Mutex<Watch>>,
    _runtime: tokio::runtime::Runtime,
}

impl Proxy {
    fn start(moto: &Moto) -> Proxy {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("the proxy's runtime");
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("the proxy's port");
        let addr = listener.local_addr().expect("the proxy's address");
        let watch = Arc::new(Mutex::new(Watch::default()));
        let shared = Arc::new((Keys::new(), moto.endpoint(), Client::builder(TokioExecutor::new()).build_http()));
        let accepting = Arc::clone(&watch);
        runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let generation = unlock(&accepting).generation;
                let (watch, shared) = (Arc::clone(&accepting), Arc::clone(&shared));
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let (watch, shared) = (Arc::clone(&watch), Arc::clone(&shared));
                        async move {
                            let (keys, upstream, client) = &*shared;
                            forward(request, generation, &watch, keys, upstream, client).await
                        }
                    });
                    // A connection cut (the replica killed, or a request held back) ends here.
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
        Proxy { addr, watch, _runtime: runtime }
    }

    /// Starts `serve --store s3://BUCKET/PREFIX` with moto's endpoint pointing at the proxy,
    /// and returns its `127.0.0.1:PORT` once it answers.
    fn launch(&self, home: &TestHome) -> String {
        {
            // Before the spawn: the replica's first requests (its access check) come at once.
            let mut watch = unlock(&self.watch);
            assert!(watch.replica.is_none(), "a replica is running already");
            watch.generation += 1;
            watch.alive = true;
            watch.after_entry = false;
        }
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(home.dir.path().join("replica.log"))
            .expect("open the replica's log");
        let mut command = home.command();
        command
            .arg("--store")
            .arg(format!("s3://{BUCKET}/{PREFIX}"))
            // No read cache: the test reads S3 behind the replica's back between runs.
            .args(["serve", "--listen", "127.0.0.1:0", "--s3-read-ttl-ms", "0"])
            .env("AWS_ENDPOINT_URL_S3", format!("http://{}", self.addr))
            .env("AWS_ACCESS_KEY_ID", moto::ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", moto::SECRET_ACCESS_KEY)
            .env("AWS_REGION", moto::REGION)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stderr(log);
        let (replica, addr, mut stdout) = spawn_listening(command);
        // Keep the pipe read, so the server never dies of a closed stdout.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        unlock(&self.watch).replica = Some(replica);
        addr
    }

    /// Kill the replica at its next text write that follows an entry write.
    fn arm(&self) {
        unlock(&self.watch).armed = true;
    }

    /// A thread that kills the replica after `delay`.
    fn kill_after(&self, delay: Duration) -> std::thread::JoinHandle<()> {
        let watch = Arc::clone(&self.watch);
        std::thread::spawn(move || {
            std::thread::sleep(delay);
            unlock(&watch).kill();
        })
    }

    /// Whether the replica is gone (killed, and waited for).
    fn killed(&self) -> bool {
        let watch = unlock(&self.watch);
        watch.replica.is_none() && !watch.alive
    }

    /// Text writes held back by a kill so far.
    fn held(&self) -> usize {
        unlock(&self.watch).held
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        unlock(&self.watch).kill();
    }
}

/// Forwards `request` from a connection accepted under `generation` to moto, unless that
/// replica is dead or this is the text write an armed proxy kills it at.
async fn forward(
    request: Request<Incoming>,
    generation: u64,
    watch: &Mutex<Watch>,
    keys: &Keys,
    upstream: &str,
    client: &Client<HttpConnector, Incoming>,
) -> Result<Response<Incoming>, NotForwarded> {
    {
        let mut watch = unlock(watch);
        if generation != watch.generation || !watch.alive {
            return Err(NotForwarded("from a killed replica"));
        }
        if request.method() == Method::PUT {
            let path = request.uri().path();
            if path == keys.text {
                if watch.after_entry && watch.armed {
                    watch.kill();
                    watch.held += 1;
                    return Err(NotForwarded("held back: the replica is killed between its writes"));
                }
                watch.after_entry = false;
            } else {
                watch.after_entry = path.starts_with(&keys.history);
            }
        }
    }
    let (mut parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map_or("/", |path| path.as_str());
    parts.uri = format!("{upstream}{path}").parse().map_err(|_| NotForwarded("an unforwardable path"))?;
    client.request(Request::from_parts(parts, body)).await.map_err(|_| NotForwarded("moto did not answer"))
}

// --- the test ---------------------------------------------------------------------------------

/// The store read directly on moto, with no cache: what S3 holds, not what the replica says.
fn direct_store(moto: &Moto) -> S3Store {
    S3Store::with_config(format!("s3://{BUCKET}/{PREFIX}").parse().expect("an S3 location"), &moto.sdk_config())
        .expect("the store")
        .with_read_ttl(Duration::ZERO)
}

/// The environment's history as S3 holds it, each entry fetched once. `Storage::history`
/// fetches every entry on every call, which made the test quadratic: two checks a kill, each
/// reading every entry written so far (about 2.3 per kill, at about 10 ms each from moto on a
/// loaded machine): a second a check by the 50th kill, four by the 200th. Entries are
/// immutable once stored (`Storage::append_history`), so one listing per check finds the new
/// ones and the old ones are kept. The test ends by comparing this reading with
/// `Storage::committed_history`, read whole.
struct History {
    client: aws_sdk_s3::Client,
    runtime: tokio::runtime::Runtime,
    /// By key: zero-padded numbers, so in sequence order.
    entries: BTreeMap<String, HistoryEntry>,
}

impl History {
    fn new(moto: &Moto) -> History {
        let config = aws_sdk_s3::config::Builder::from(&moto.sdk_config()).force_path_style(true).build();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        History { client: aws_sdk_s3::Client::from_conf(config), runtime, entries: BTreeMap::new() }
    }

    /// Every entry stored, committed or not, in sequence order.
    fn read(&mut self) -> Vec<HistoryEntry> {
        let prefix = format!("{PREFIX}/envs/{ENV}/history/");
        let (client, entries) = (&self.client, &mut self.entries);
        self.runtime.block_on(async {
            let mut pages = client.list_objects_v2().bucket(BUCKET).prefix(&prefix).into_paginator().send();
            while let Some(page) = pages.next().await {
                let page = page.unwrap_or_else(|e| panic!("list {prefix}: {}", DisplayErrorContext(&e)));
                for key in page.contents().iter().filter_map(|object| object.key()) {
                    if entries.contains_key(key) {
                        continue;
                    }
                    let object = client
                        .get_object()
                        .bucket(BUCKET)
                        .key(key)
                        .send()
                        .await
                        .unwrap_or_else(|e| panic!("get {key}: {}", DisplayErrorContext(&e)));
                    let bytes = object.body.collect().await.unwrap_or_else(|e| panic!("read {key}: {e}")).into_bytes();
                    let entry = serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{key} is no entry: {e}"));
                    entries.insert(key.to_owned(), entry);
                }
            }
        });
        self.entries.values().cloned().collect()
    }
}

/// Binds the `n`-th edit on `text` through the server at `addr`, with `If-Match` on `text`:
/// the text the bind makes, and the answer (`None` when the connection was cut).
fn bind(addr: &str, n: usize, text: &str) -> (String, Option<(u16, String)>) {
    let next = edit(n, text);
    let candidate = bound(text, &next);
    assert_ne!(candidate, text, "every bind changes the file");
    let etag = format!("\"{}\"", bedrock_binder::store::version_of(text.as_bytes()).as_str());
    let body = serde_json::json!({ "model": next.0, "profile": next.1 }).to_string();
    let head = format!("POST /api/v1/envs/{ENV}/bindings/bind HTTP/1.1\r\nIf-Match: {etag}");
    (candidate, request(addr, &head, &body))
}

/// S3 after a kill, as [`check`] found it.
struct AfterKill {
    /// The environment's text.
    text: String,
    /// The newest committed entry's number.
    committed_seq: u64,
    /// The newest entry, committed or not.
    newest: HistoryEntry,
}

/// Checks S3 after a kill: the text is one of `versions`; the committed history runs from the
/// create to exactly that text, each change starting where the one before ended; and none of
/// the `orphans` seen before reads as committed.
fn check(
    store: &S3Store,
    history: &mut History,
    versions: &HashSet<String>,
    orphans: &HashSet<u64>,
    round: usize,
) -> AfterKill {
    let env: EnvName = ENV.parse().expect("a name");
    let stored = store
        .read(&env)
        .unwrap_or_else(|e| panic!("round {round}: S3 cannot be read after the kill: {e}"))
        .unwrap_or_else(|| panic!("round {round}: {ENV} is gone after the kill"));
    assert!(
        versions.contains(&stored.text),
        "round {round}: the text is no version any write produced:\n{}",
        stored.text
    );
    // What `committed_history` reads: the environment first, then every entry (kept, for the
    // orphans).
    let entries = history.read();
    let chain = committed(&entries, Some(&stored.state));
    let newest_committed = chain.last().expect("at least the create");
    assert_eq!(
        newest_committed.new_text.as_deref(),
        Some(stored.text.as_str()),
        "round {round}: the newest committed change (#{}) does not end at the text",
        newest_committed.seq
    );
    assert!(
        chain[0].new_text.as_deref() == Some(START) && chain[0].previous_text.is_none(),
        "round {round}: {chain:?}"
    );
    for pair in chain.windows(2) {
        assert_eq!(
            pair[1].previous_text, pair[0].new_text,
            "round {round}: #{} does not start where #{} ended",
            pair[1].seq, pair[0].seq
        );
    }
    if let Some(entry) = chain.iter().find(|entry| orphans.contains(&entry.seq.get())) {
        panic!("round {round}: orphan #{} reads as committed", entry.seq);
    }
    AfterKill {
        text: stored.text,
        committed_seq: newest_committed.seq.get(),
        newest: entries.last().expect("at least the create").clone(),
    }
}

#[test]
fn a_replica_killed_between_its_two_s3_writes_leaves_a_whole_committed_version_every_time() {
    let started = Instant::now();
    let moto = Moto::start();
    moto.create_bucket(BUCKET);
    let store = direct_store(&moto);
    let mut history = History::new(&moto);
    let meta = ChangeMeta { author: "setup".to_owned(), reason: None, approval: None };
    let create = Change::Create { text: START.to_owned(), settings: EnvSettings::default() };
    let created = store.commit(&ENV.parse().expect("a name"), create, meta).expect("create prod");
    let home = TestHome::new();
    let proxy = Proxy::start(&moto);
    let mut random = Random::new("S3 crash test");

    let mut versions: HashSet<String> = HashSet::from([START.to_owned()]);
    let mut orphans: HashSet<u64> = HashSet::new();
    let mut text = START.to_owned();
    let mut newest_seq = created.seq.get();
    let (mut binds, mut accepted, mut random_between) = (0, 0, 0);
    for round in 0..kills() {
        let addr = proxy.launch(&home);
        if round > 0 {
            // The next write through the restarted replica succeeds, and commits after the
            // orphan the kill may have left.
            let (candidate, answer) = bind(&addr, binds, &text);
            binds += 1;
            versions.insert(candidate.clone());
            match answer {
                Some((200, _)) => accepted += 1,
                other => panic!("round {round}: the first bind after the restart answered {other:?}"),
            }
            let after = check(&store, &mut history, &versions, &orphans, round);
            assert_eq!(after.text, candidate, "round {round}: the first bind after the restart is not in S3");
            assert!(
                after.committed_seq > newest_seq,
                "round {round}: the bind after the restart committed as #{}, not after #{newest_seq}",
                after.committed_seq
            );
            (text, newest_seq) = (after.text, after.committed_seq);
        }
        // Even rounds: the proxy kills between the writes. Odd ones: a random moment.
        let between = round % 2 == 0;
        let killer = if between {
            proxy.arm();
            None
        } else {
            Some(proxy.kill_after(random.delay(MAX_KILL_DELAY_US)))
        };
        let before = text.clone();
        // Binds one after another until the kill cuts one off.
        let cut_off = loop {
            let (candidate, answer) = bind(&addr, binds, &text);
            binds += 1;
            versions.insert(candidate.clone());
            match answer {
                Some((200, _)) => {
                    accepted += 1;
                    text = candidate;
                }
                Some((status, body)) => panic!("round {round}: a bind answered {status}: {body}"),
                None => break candidate,
            }
        };
        if let Some(killer) = killer {
            killer.join().expect("the killer");
        }
        assert!(proxy.killed(), "round {round}: a bind was cut off, but the replica is alive");

        let after = check(&store, &mut history, &versions, &orphans, round);
        // The kill left an orphan: the newest entry is new, and not committed.
        let orphaned = after.newest.seq.get() > newest_seq && after.newest.seq.get() > after.committed_seq;
        if between {
            assert!(orphaned, "round {round}: killed between the writes, but no orphan entry is left");
            assert_eq!(after.text, before, "round {round}: the text changed although its write was held back");
            assert_eq!(
                after.newest.new_text.as_deref(),
                Some(cut_off.as_str()),
                "round {round}: the orphan is not the entry of the bind cut off"
            );
        } else if orphaned {
            random_between += 1;
        }
        if orphaned {
            orphans.insert(after.newest.seq.get());
        }
        (text, newest_seq) = (after.text, after.newest.seq.get());
    }
    // The incremental reading agrees with the store's own, read whole once.
    let env: EnvName = ENV.parse().expect("a name");
    let whole = store.committed_history(&env).expect("the committed history reads");
    assert_eq!(whole, committed(&history.read(), Some(&store.read(&env).expect("S3").expect("prod").state)));
    assert!(whole.iter().all(|entry| !orphans.contains(&entry.seq.get())), "an orphan reads as committed");
    let targeted = kills().div_ceil(2);
    assert_eq!(proxy.held(), targeted, "the proxy held back one text write per targeted round");
    eprintln!(
        "{} kills of an S3 replica: {targeted} between its two writes by the proxy, {} at random moments ({random_between} \
         of those between the writes too); {} orphan entries, none committed; {binds} binds sent, {accepted} answered \
         200; {:.1?} in all",
        kills(),
        kills() - targeted,
        orphans.len(),
        started.elapsed()
    );
}
