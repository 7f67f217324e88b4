//! Replicas of `serve` on one S3 bucket, end to end: two real server processes on moto, 16
//! clients racing edits to one environment through both, the same race with one replica
//! killed and restarted in the middle, and S3 going away under a replica.
//!
//! What the issue ("Team server II", the replica race) asks of them: every edit a client was
//! told succeeded is in the final file and in the history, in the history's order; every other
//! edit was answered 412 (or 409); the history has no gap and no duplicate; both replicas serve
//! the same final version; and an S3 outage is served from the read cache for its lifetime,
//! then answered 503 `storage-unavailable`.
//!
//! # What makes the race take a minute, not ten
//! Every commit lists the environment's history (`Storage::next_seq`), and moto lists at
//! about 0.4 ms a key. A bind that reads the current version and then loses the race leaves
//! an orphan entry behind, which every later listing pays for. Clients that retry at once
//! after a 412 lose again and again: a first version of this test, retrying at once (or
//! after up to 320 ms), made 1,100 to 1,200 orphans for 200 edits and ran 6 to 9 minutes
//! on a loaded 2-core machine. So clients back off as real ones do, at random and longer
//! after each refusal ([`Jitter::backoff`]); the race stays a race (a fifth to a half of the
//! edits still meet a 412) and runs in under a minute.

use std::collections::{HashMap, HashSet};
use std::fs::OpenOptions;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, ChildStdout, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, mpsc};
use std::time::{Duration, Instant};

use bedrock_binder::storage::{S3Store, Storage as _, committed};
use bedrock_binder_shared::api::{ChangeKind, ErrorBody, HistoryResponse};
use bedrock_binder_shared::env_name::EnvName;
use bedrock_binder_shared::{Catalog, Document};

use crate::helpers::TestHome;
use crate::moto::{self, Moto};

/// The environment the clients race on.
const ENV: &str = "prod";
/// The figures: 16 clients, half on each replica, 200 edits in all.
const CLIENTS: usize = 16;
const EDITS: usize = 200;
/// Binds a client sends for one edit (the first and the retries after a 412 or 409) before it
/// gives the edit up.
const TRIES: u32 = 30;
/// How long a client keeps trying to reach a replica that is down (killed, restarting).
const UNREACHABLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a request may take once connected; the server bounds its S3 calls at 30 s.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);
/// The read cache of the racing replicas: the server's default.
const RACE_READ_TTL_MS: u64 = 1000;
/// A client's backoff after a refused bind ([`Jitter::backoff`]): random, below a step that
/// doubles with each refusal, up to 6.4 s (16 clients times a few hundred milliseconds a
/// commit on a loaded moto). Tried on the race: steps of 10, 25, 50, 100 and 200 ms ran it
/// in 75, 78, 59, 51 and 39 s; longer ones gained nothing more.
const BACKOFF_STEP_MS: u64 = 200;
const BACKOFF_DOUBLINGS: u32 = 5;

fn unlock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

// --- HTTP -----------------------------------------------------------------------------------

/// An answer: the status, the `ETag` and the body.
#[derive(Debug)]
struct Response {
    status: u16,
    etag: Option<String>,
    body: String,
}

impl Response {
    fn error(&self) -> ErrorBody {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not the shared error body ({e}): {} {}", self.status, self.body))
    }

    fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        assert_eq!(self.status, 200, "{}", self.body);
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("unexpected JSON ({e}): {}", self.body))
    }
}

/// Why a request has no answer.
#[derive(Debug)]
enum NoAnswer {
    /// The connection was refused: nothing was sent, so nothing happened.
    NotSent(std::io::Error),
    /// Connected, but the answer never came whole (the server died): the request may or may
    /// not have taken effect.
    Cut(std::io::Error),
}

impl std::fmt::Display for NoAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoAnswer::NotSent(error) => write!(f, "cannot connect: {error}"),
            NoAnswer::Cut(error) => write!(f, "connected, but no whole answer: {error}"),
        }
    }
}

/// One HTTP/1.1 request on its own connection, with `If-Match` and a JSON body if given.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    if_match: Option<&str>,
    json: Option<&str>,
) -> Result<Response, NoAnswer> {
    let socket: SocketAddr = addr.parse().expect("an address");
    let mut stream = TcpStream::connect_timeout(&socket, Duration::from_secs(5)).map_err(NoAnswer::NotSent)?;
    stream.set_read_timeout(Some(ANSWER_TIMEOUT)).map_err(NoAnswer::Cut)?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(tag) = if_match {
        request.push_str(&format!("If-Match: {tag}\r\n"));
    }
    let body = json.unwrap_or_default();
    if json.is_some() {
        request.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).map_err(NoAnswer::Cut)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(NoAnswer::Cut)?;
    parse_response(&raw).ok_or_else(|| {
        let shown = String::from_utf8_lossy(&raw[..raw.len().min(200)]).into_owned();
        NoAnswer::Cut(std::io::Error::other(format!("no whole HTTP answer: {shown:?}")))
    })
}

/// The status, `ETag` and body of a whole HTTP/1.1 response (chunked or not).
fn parse_response(raw: &[u8]) -> Option<Response> {
    let split = raw.windows(4).position(|window| window == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let header = |name: &str| headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone());
    let mut body = &raw[split + 4..];
    let mut dechunked = Vec::new();
    if header("transfer-encoding").is_some_and(|value| value.eq_ignore_ascii_case("chunked")) {
        loop {
            let line_end = body.windows(2).position(|window| window == b"\r\n")?;
            let size = usize::from_str_radix(std::str::from_utf8(&body[..line_end]).ok()?.trim(), 16).ok()?;
            body = &body[line_end + 2..];
            if size == 0 {
                break;
            }
            dechunked.extend_from_slice(body.get(..size)?);
            body = body.get(size + 2..)?;
        }
        body = &dechunked;
    } else if let Some(length) = header("content-length") {
        body = body.get(..length.parse::<usize>().ok()?)?;
    }
    Some(Response { status, etag: header("etag"), body: String::from_utf8(body.to_vec()).ok()? })
}

// --- moto, a bucket, and replicas on it ------------------------------------------------------

/// A moto server with one bucket, and a home directory for the replicas (their `HOME`, and
/// their logs).
struct Team {
    home: TestHome,
    moto: Moto,
}

impl Team {
    const BUCKET: &'static str = "bb-replicas";

    fn new() -> Team {
        let moto = Moto::start();
        moto.create_bucket(Team::BUCKET);
        Team { home: TestHome::new(), moto }
    }

    /// The store every replica serves: a prefix of the bucket.
    fn location(&self) -> String {
        format!("s3://{}/team", Team::BUCKET)
    }

    /// The store read directly, as the replicas keep it (no read cache: every read asks).
    fn store(&self) -> S3Store {
        S3Store::with_config(self.location().parse().expect("an S3 location"), &self.moto.sdk_config())
            .expect("the store")
            .with_read_ttl(Duration::ZERO)
    }
}

/// A `bedrock-binder serve --store s3://…` process. Shared by the client threads while the
/// test kills and restarts it, hence the mutexes. Killed on drop.
struct Replica<'t> {
    team: &'t Team,
    name: &'static str,
    read_ttl_ms: u64,
    child: Mutex<Option<Child>>,
    /// `127.0.0.1:PORT`, from the printed URL; a restart changes it.
    addr: Mutex<String>,
    /// Kept open: closing it would make a later print fail.
    stdout: Mutex<Option<BufReader<ChildStdout>>>,
    /// Binds sent to it and not yet answered, so that a kill can aim at one.
    binds_in_flight: AtomicUsize,
}

impl<'t> Replica<'t> {
    fn start(team: &'t Team, name: &'static str, read_ttl_ms: u64) -> Replica<'t> {
        let replica = Replica {
            team,
            name,
            read_ttl_ms,
            child: Mutex::new(None),
            addr: Mutex::new(String::new()),
            stdout: Mutex::new(None),
            binds_in_flight: AtomicUsize::new(0),
        };
        replica.launch();
        replica
    }

    /// Where it logs (appended to across restarts).
    fn log(&self) -> std::path::PathBuf {
        self.team.home.dir.path().join(format!("replica-{}.log", self.name))
    }

    /// Spawns the server and reads the URL line it prints once it has bound its port and
    /// checked the bucket: it answers from then on, with no waiting.
    fn launch(&self) {
        let log = OpenOptions::new().create(true).append(true).open(self.log()).expect("open the log");
        // `command()` clears the environment: no AWS_ENDPOINT_URL, profile or real credentials
        // leak in from the developer's shell, and HOME is the test's.
        let mut child = self
            .team
            .home
            .command()
            .arg("--store")
            .arg(self.team.location())
            .args(["serve", "--listen", "127.0.0.1:0", "--s3-read-ttl-ms", &self.read_ttl_ms.to_string()])
            .env("AWS_ENDPOINT_URL_S3", self.team.moto.endpoint())
            .env("AWS_ACCESS_KEY_ID", moto::ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", moto::SECRET_ACCESS_KEY)
            .env("AWS_REGION", moto::REGION)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("spawn the server");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read the URL line");
        let Some(addr) = line.trim_end().strip_prefix("bedrock-binder listening on http://") else {
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(self.log()).unwrap_or_default();
            panic!("replica {} did not start: first line {line:?}\n{log}", self.name);
        };
        *unlock(&self.addr) = addr.to_owned();
        *unlock(&self.stdout) = Some(stdout);
        *unlock(&self.child) = Some(child);
    }

    /// SIGKILL: no shutdown, requests in flight cut off, S3 writes half done.
    fn kill(&self) {
        if let Some(mut child) = unlock(&self.child).take() {
            child.kill().expect("SIGKILL the replica");
            let _ = child.wait();
        }
        *unlock(&self.stdout) = None;
    }

    /// Starts it again with the same arguments; it prints a new port.
    fn restart(&self) {
        self.launch();
    }

    fn addr(&self) -> String {
        unlock(&self.addr).clone()
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        if_match: Option<&str>,
        json: Option<&str>,
    ) -> Result<Response, NoAnswer> {
        http(&self.addr(), method, path, if_match, json)
    }

    /// A request that must be answered.
    #[track_caller]
    fn send(&self, method: &str, path: &str, if_match: Option<&str>, json: Option<&str>) -> Response {
        self.request(method, path, if_match, json)
            .unwrap_or_else(|e| panic!("replica {}: {method} {path}: {e}", self.name))
    }

    #[track_caller]
    fn get(&self, path: &str) -> Response {
        self.send("GET", path, None, None)
    }
}

impl Drop for Replica<'_> {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `POST /api/v1/envs` `{"name": NAME, "text": TEXT}`: 201.
fn create_env(replica: &Replica<'_>, name: &str, text: &str) {
    let body = serde_json::json!({ "name": name, "text": text }).to_string();
    let created = replica.send("POST", "/api/v1/envs", None, Some(&body));
    assert_eq!(created.status, 201, "{}", created.body);
}

// --- the race --------------------------------------------------------------------------------

/// How an edit ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// A 2xx: the client was told the edit is in.
    Accepted,
    /// The last answer, when it was not a 2xx (a 412 or 409 after [`TRIES`] binds, or
    /// anything unexpected).
    Refused { status: u16, code: String },
    /// The replica stayed unreachable for [`UNREACHABLE_TIMEOUT`].
    Unanswered(String),
}

/// One edit: bind `model` directly, as one client made it.
#[derive(Debug)]
struct Edit {
    model: String,
    client: usize,
    outcome: Outcome,
    /// Binds sent and answered, or cut off.
    tries: u32,
    /// When the last bind was sent, and when its answer came.
    sent: Instant,
    answered: Instant,
    /// A bind of this edit was cut off unanswered (its replica was killed), so it may have
    /// landed whatever the outcome.
    in_doubt: bool,
}

/// 200 distinct model ids from the embedded catalog: each edit binds a different one, so
/// every accepted edit adds exactly one line and one history entry.
fn edit_models() -> Vec<String> {
    let models: Vec<String> = Catalog::embedded().models().iter().map(|model| model.id.to_string()).collect();
    assert!(models.len() >= EDITS, "the catalog has only {} models", models.len());
    models.into_iter().take(EDITS).collect()
}

/// The random part of a client's backoff: xorshift64, seeded per client (no dependency for
/// something this small).
struct Jitter(u64);

impl Jitter {
    fn new(client: usize) -> Jitter {
        Jitter(0x9E37_79B9_7F4A_7C15 ^ (client as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9))
    }

    /// The pause after the `tries`-th refused bind: uniformly random below
    /// [`BACKOFF_STEP_MS`] × 2^`tries`, at most [`BACKOFF_STEP_MS`] × 2^[`BACKOFF_DOUBLINGS`].
    /// Without it the clients all race again for the next version at once, nearly all lose
    /// again, and each such loss leaves an orphan history entry (see the module
    /// documentation).
    fn backoff(&mut self, tries: u32) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Duration::from_millis(self.0 % (BACKOFF_STEP_MS << tries.min(BACKOFF_DOUBLINGS)))
    }
}

/// Makes one edit through `replica`: read the bindings for their version, bind with
/// `If-Match` on it, and after a 412 (or 409) back off, read again and retry, up to [`TRIES`]
/// binds. While the replica is unreachable (killed, restarting), it keeps trying its address,
/// which the restart updates.
fn make_edit(replica: &Replica<'_>, client: usize, model: &str, jitter: &mut Jitter) -> Edit {
    let bindings = format!("/api/v1/envs/{ENV}/bindings");
    let bind = format!("/api/v1/envs/{ENV}/bindings/bind");
    let body = serde_json::json!({ "model": model, "profile": "" }).to_string();
    let mut edit = Edit {
        model: model.to_owned(),
        client,
        outcome: Outcome::Unanswered(String::new()),
        tries: 0,
        sent: Instant::now(),
        answered: Instant::now(),
        in_doubt: false,
    };
    // Since when the replica has not answered; reset by any answer.
    let unreachable_since = std::cell::Cell::new(None::<Instant>);
    // Whether to try again after `error`: yes, after a moment, until the replica has been
    // unreachable for too long.
    let wait_for_the_replica = |edit: &mut Edit, error: &NoAnswer| {
        let since = unreachable_since.get().unwrap_or_else(Instant::now);
        unreachable_since.set(Some(since));
        if since.elapsed() > UNREACHABLE_TIMEOUT {
            edit.outcome = Outcome::Unanswered(error.to_string());
            return false;
        }
        std::thread::sleep(Duration::from_millis(25));
        true
    };
    loop {
        let read = match replica.request("GET", &bindings, None, None) {
            Ok(read) if read.status == 200 => read,
            Ok(other) => {
                edit.outcome = Outcome::Refused { status: other.status, code: format!("(the read) {}", other.body) };
                return edit;
            }
            Err(error) if wait_for_the_replica(&mut edit, &error) => continue,
            Err(_) => return edit,
        };
        unreachable_since.set(None);
        let tag = read.etag.expect("the bindings have an ETag");
        edit.sent = Instant::now();
        replica.binds_in_flight.fetch_add(1, Ordering::SeqCst);
        let answer = replica.request("POST", &bind, Some(&tag), Some(&body));
        replica.binds_in_flight.fetch_sub(1, Ordering::SeqCst);
        match answer {
            Ok(answer) => {
                edit.answered = Instant::now();
                edit.tries += 1;
                if (200..300).contains(&answer.status) {
                    edit.outcome = Outcome::Accepted;
                    return edit;
                }
                let code = serde_json::from_str::<ErrorBody>(&answer.body).map_or(answer.body, |body| body.code);
                edit.outcome = Outcome::Refused { status: answer.status, code };
                if !matches!(answer.status, 409 | 412) || edit.tries >= TRIES {
                    return edit;
                }
                std::thread::sleep(jitter.backoff(edit.tries));
            }
            Err(error @ NoAnswer::NotSent(_)) if wait_for_the_replica(&mut edit, &error) => {}
            Err(error @ NoAnswer::Cut(_)) => {
                edit.tries += 1;
                edit.in_doubt = true;
                if !wait_for_the_replica(&mut edit, &error) {
                    return edit;
                }
            }
            Err(_) => return edit,
        }
    }
}

/// Runs the race: [`CLIENTS`] threads, the first half on `replicas[0]` and the rest on
/// `replicas[1]`, make [`EDITS`] edits in all, each client its share one after another.
/// `meanwhile` runs on this thread during the race, told of each edit as it ends.
fn race(replicas: [&Replica<'_>; 2], meanwhile: impl FnOnce(&mpsc::Receiver<()>)) -> Vec<Edit> {
    let models = edit_models();
    let (done, finished) = mpsc::channel();
    std::thread::scope(|scope| {
        let clients: Vec<_> = (0..CLIENTS)
            .map(|client| {
                let replica = replicas[client * 2 / CLIENTS];
                let mine: Vec<&str> = models.iter().skip(client).step_by(CLIENTS).map(String::as_str).collect();
                let done = done.clone();
                scope.spawn(move || {
                    let mut jitter = Jitter::new(client);
                    mine.into_iter()
                        .map(|model| {
                            let edit = make_edit(replica, client, model, &mut jitter);
                            // Nobody listening any more is fine.
                            let _ = done.send(());
                            edit
                        })
                        .collect::<Vec<Edit>>()
                })
            })
            .collect();
        drop(done);
        meanwhile(&finished);
        clients.into_iter().flat_map(|client| client.join().expect("a client thread")).collect()
    })
}

/// What the race came to, for the test's output.
struct Figures {
    accepted: usize,
    refused: usize,
    /// Binds sent beyond each edit's first.
    retries: u32,
    /// Edits that met at least one refusal.
    contended: usize,
    /// Edits with a bind cut off by a kill, and how many of those that were not accepted
    /// landed all the same.
    in_doubt: usize,
    in_doubt_landed: usize,
    orphans: usize,
}

/// Checks everything the issue asks of a race, and returns its figures.
fn check_race(team: &Team, replicas: [&Replica<'_>; 2], edits: &[Edit]) -> Figures {
    assert_eq!(edits.len(), EDITS);
    // Every edit was accepted, or refused with 412 or 409 (after the limit of tries).
    for edit in edits {
        match &edit.outcome {
            Outcome::Accepted => {}
            Outcome::Refused { status: 409 | 412, .. } => assert!(edit.tries >= TRIES, "given up early: {edit:?}"),
            other => panic!("edit {} (client {}) ended {other:?} after {} tries", edit.model, edit.client, edit.tries),
        }
    }
    let accepted: HashSet<&str> =
        edits.iter().filter(|edit| edit.outcome == Outcome::Accepted).map(|edit| edit.model.as_str()).collect();
    let doubtful: HashSet<&str> = edits
        .iter()
        .filter(|edit| edit.in_doubt && edit.outcome != Outcome::Accepted)
        .map(|edit| edit.model.as_str())
        .collect();

    // S3 as it is: the environment, then every entry (the order `committed_history` reads
    // them in), and the committed ones among them.
    let env: EnvName = ENV.parse().expect("a name");
    let store = team.store();
    let stored = store.read(&env).expect("S3 answers").expect("prod exists");
    let entries = store.history(&env).expect("the history reads");
    let committed = committed(&entries, Some(&stored.state));

    // Both replicas come to serve the version S3 has, within their read cache's lifetime.
    let file = format!("/v1/envs/{ENV}/inference.txt");
    let expected_tag = format!("\"{}\"", stored.state.text);
    let deadline = Instant::now() + Duration::from_millis(RACE_READ_TTL_MS) + Duration::from_secs(5);
    for replica in replicas {
        loop {
            let read = replica.get(&file);
            assert_eq!(read.status, 200, "{}", read.body);
            if read.etag.as_deref() == Some(expected_tag.as_str()) {
                assert_eq!(read.body, stored.text, "replica {} serves S3's bytes", replica.name);
                break;
            }
            assert!(
                Instant::now() < deadline,
                "replica {} still serves {:?}, not S3's {expected_tag}",
                replica.name,
                read.etag
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    // No gap: the committed chain runs from the create to the text S3 has, each change
    // starting where the one before it ended.
    let first = committed.first().expect("at least the create");
    if first.kind != ChangeKind::Create {
        let previous = first.text.as_ref().and_then(|transition| transition.previous.as_ref());
        let producers: Vec<u64> = entries
            .iter()
            .filter(|entry| entry.text.as_ref().and_then(|transition| transition.new.as_ref()) == previous)
            .map(|entry| entry.seq.get())
            .collect();
        panic!(
            "a gap: the committed history starts at entry {} ({:?}), not at the create; entries producing the \
             version it was made against: {producers:?} (of {} entries)",
            first.seq,
            first.kind,
            entries.len()
        );
    }
    for pair in committed.windows(2) {
        assert_eq!(
            pair[1].previous_text, pair[0].new_text,
            "entry {} does not start where {} ended",
            pair[1].seq, pair[0].seq
        );
    }
    assert_eq!(committed.last().and_then(|entry| entry.new_text.as_deref()), Some(stored.text.as_str()));

    // The history as a replica serves it (oldest first): the committed entries, each an edit
    // binding one model. (The other replica reads the same objects the same way, with no
    // cache; each read costs moto a GET per entry, orphans included, so it is read once.)
    let history: HistoryResponse = replicas[0].get(&format!("/api/v1/envs/{ENV}/history")).json();
    let mut items = history.entries;
    items.reverse();
    assert_eq!(
        items.iter().map(|item| item.summary.seq).collect::<Vec<_>>(),
        committed.iter().map(|entry| entry.seq.get()).collect::<Vec<_>>(),
        "the API serves the committed history"
    );
    let mut history_models: Vec<&str> = Vec::new();
    for item in &items[1..] {
        assert_eq!(item.summary.kind, ChangeKind::Edit, "{item:?}");
        let [change] = &item.changes[..] else { panic!("one binding per edit: {item:?}") };
        assert!(change.from.is_none() && change.to.as_deref() == Some(""), "a new direct binding: {change:?}");
        history_models.push(&change.model);
    }
    // No duplicate: each model is in exactly one entry.
    let in_history: HashSet<&str> = history_models.iter().copied().collect();
    assert_eq!(in_history.len(), history_models.len(), "a model in two history entries: {history_models:?}");

    // Every accepted edit is in the history and in the file, in the history's order; nothing
    // else is, but for edits whose bind was cut off and may have landed.
    for model in &accepted {
        assert!(in_history.contains(model), "accepted edit {model} is not in the history");
    }
    for model in &in_history {
        assert!(
            accepted.contains(model) || doubtful.contains(model),
            "{model} is in the history, but its client was refused"
        );
    }
    let document = Document::parse(&stored.text);
    let file_models: Vec<&str> = document.bindings().filter_map(|line| line.key()).collect();
    assert_eq!(file_models, history_models, "the file holds the history's bindings, in its order");

    // The history's order is the order in which clients were answered: an edit answered
    // before another was sent comes first.
    let position: HashMap<&str, usize> =
        history_models.iter().enumerate().map(|(position, model)| (*model, position)).collect();
    let answered: Vec<&Edit> = edits.iter().filter(|edit| edit.outcome == Outcome::Accepted).collect();
    for earlier in &answered {
        for later in &answered {
            if earlier.answered < later.sent {
                assert!(
                    position[earlier.model.as_str()] < position[later.model.as_str()],
                    "{} was answered before {} was sent, but comes after it in the history",
                    earlier.model,
                    later.model
                );
            }
        }
    }

    Figures {
        accepted: accepted.len(),
        refused: edits.len() - accepted.len(),
        retries: edits.iter().map(|edit| edit.tries.saturating_sub(1)).sum(),
        contended: edits.iter().filter(|edit| edit.tries > 1).count(),
        in_doubt: edits.iter().filter(|edit| edit.in_doubt).count(),
        in_doubt_landed: doubtful.intersection(&in_history).count(),
        orphans: entries.len() - committed.len(),
    }
}

/// Two replicas on an empty bucket: the first makes `default`, then `prod` is created empty.
fn two_replicas(team: &Team) -> (Replica<'_>, Replica<'_>) {
    let a = Replica::start(team, "a", RACE_READ_TTL_MS);
    let b = Replica::start(team, "b", RACE_READ_TTL_MS);
    let envs = a.get("/api/v1/envs");
    assert!(envs.body.contains("\"name\":\"default\""), "the first replica made `default`: {}", envs.body);
    create_env(&a, ENV, "");
    (a, b)
}

/// The figures of a race, on one line.
fn report(figures: &Figures, race_time: Duration, test_time: Duration) -> String {
    format!(
        "{EDITS} edits by {CLIENTS} clients: {} accepted, {} refused (412 after {TRIES} tries); {} edits met a \
         412, {} retries in all; {} edits had a bind cut off ({} of them not accepted but landed); {} orphan \
         history entries; race {race_time:.1?}, test {test_time:.1?}",
        figures.accepted,
        figures.refused,
        figures.contended,
        figures.retries,
        figures.in_doubt,
        figures.in_doubt_landed,
        figures.orphans,
    )
}

#[test]
fn two_replicas_racing_200_edits_lose_none_and_agree_on_the_history() {
    let started = Instant::now();
    let team = Team::new();
    let (a, b) = two_replicas(&team);
    let raced = Instant::now();
    let edits = race([&a, &b], |_| {});
    let race_time = raced.elapsed();
    let figures = check_race(&team, [&a, &b], &edits);
    assert_eq!(figures.in_doubt, 0, "no replica died, so every bind was answered");
    eprintln!("replica race: {}", report(&figures, race_time, started.elapsed()));
}

#[test]
fn a_replica_killed_and_restarted_mid_race_loses_no_accepted_edit() {
    let started = Instant::now();
    let team = Team::new();
    let (a, b) = two_replicas(&team);
    let raced = Instant::now();
    let mut downtime = Duration::ZERO;
    let edits = race([&a, &b], |finished| {
        // In the middle: once 80 of the 200 edits are done, and while b has a bind in hand
        // (clients spend most of their time backing off, so a kill at a random moment may
        // cut nothing).
        for _ in 0..EDITS * 2 / 5 {
            finished.recv().expect("the clients are running");
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while b.binds_in_flight.load(Ordering::SeqCst) == 0 {
            assert!(Instant::now() < deadline, "no bind reached replica b for 30 s");
            std::thread::sleep(Duration::from_millis(1));
        }
        let killed = Instant::now();
        b.kill();
        b.restart();
        downtime = killed.elapsed();
    });
    let race_time = raced.elapsed();
    let figures = check_race(&team, [&a, &b], &edits);
    assert!(figures.in_doubt > 0, "the kill cut no bind off");
    eprintln!(
        "replica race, b killed (SIGKILL) after {} edits and restarted ({downtime:.1?} down): {}",
        EDITS * 2 / 5,
        report(&figures, race_time, started.elapsed())
    );
}

#[test]
fn with_s3_down_reads_are_served_from_the_cache_for_its_lifetime_then_answered_503() {
    const TTL_MS: u64 = 2000;
    let ttl = Duration::from_millis(TTL_MS);
    let team = Team::new();
    let replica = Replica::start(&team, "a", TTL_MS);
    create_env(&replica, ENV, "amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n");
    let file = format!("/v1/envs/{ENV}/inference.txt");
    let bind_path = format!("/api/v1/envs/{ENV}/bindings/bind");
    let bind = serde_json::json!({ "model": "amazon.nova-lite-v1:0", "profile": "" }).to_string();

    let read_at = Instant::now();
    let before = replica.get(&file);
    assert_eq!(before.status, 200, "{}", before.body);
    let tag = before.etag.clone().expect("an ETag");
    team.moto.stop();

    // Within the cache's lifetime: the last good copy.
    let cached = replica.get(&file);
    assert!(read_at.elapsed() < ttl, "too slow to check the cache within its lifetime");
    assert_eq!((cached.status, &cached.body, &cached.etag), (200, &before.body, &before.etag));

    // Then, once the copy has expired (the server cannot have expired it sooner than its
    // lifetime after this test's read was sent), 503 with the shared error body.
    let deadline = read_at + ttl + Duration::from_secs(40);
    let (unavailable, asked_at) = loop {
        let asked_at = read_at.elapsed();
        let read = replica.get(&file);
        if read.status != 200 {
            break (read, asked_at);
        }
        assert_eq!((&read.body, &read.etag), (&before.body, &before.etag), "only the last good copy");
        assert!(Instant::now() < deadline, "still 200 {:?} after S3 stopped", read_at.elapsed());
        std::thread::sleep(Duration::from_millis(100));
    };
    let answered_after = read_at.elapsed();
    assert!(answered_after >= ttl, "the copy expired early, after {answered_after:?}");
    assert_eq!(unavailable.status, 503, "{}", unavailable.body);
    let error = unavailable.error();
    assert_eq!(error.code, "storage-unavailable", "{error:?}");
    assert!(!error.message.contains(Team::BUCKET) && !error.message.contains("s3://"), "{}", error.message);

    // It stays so, for the UI's reads too, and a write fails with it.
    assert_eq!(replica.get(&file).error().code, "storage-unavailable");
    assert_eq!(replica.get(&format!("/api/v1/envs/{ENV}/bindings")).error().code, "storage-unavailable");
    let write = replica.send("POST", &bind_path, Some(&tag), Some(&bind));
    assert_eq!((write.status, write.error().code.as_str()), (503, "storage-unavailable"), "{}", write.body);
    // The server itself is up: only its storage is not.
    assert_eq!(replica.get("/api/v1/health").status, 200);

    eprintln!(
        "S3 outage: the cached copy served until {asked_at:.1?} after the last good read; the read asked then \
         answered 503 storage-unavailable after {:.1?} (the SDK's retries)",
        answered_after - asked_at
    );
}
