//! Crash safety: writes through the server, and through the CLI's `bind`, with the writer
//! SIGKILLed at random moments. After every kill the environment's file is byte for byte a
//! version that some write produced (the one before the write in flight, or the one after it:
//! never torn, never mixed), and its committed history ends at exactly that file.
//!
//! CI runs 50 kills of each (`BEDROCK_BINDER_CRASH_KILLS=500` for a longer run). The seed of
//! the random delays is printed, and `BEDROCK_BINDER_CRASH_SEED` replays a run.

use std::collections::HashSet;
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

use bedrock_binder::envs::{Environments, NewEnv};
use bedrock_binder::storage::{ChangeMeta, LocalDirStore, Storage as _};
use bedrock_binder_shared::{Binding, Catalog, Document};

use crate::helpers::{TestHome, spawn_listening};

pub(crate) const START: &str = "# prod: written through crashes\n";

pub(crate) fn kills() -> usize {
    std::env::var("BEDROCK_BINDER_CRASH_KILLS").ok().and_then(|n| n.parse().ok()).unwrap_or(50)
}

/// Random delays: xorshift64, seeded from the clock unless `BEDROCK_BINDER_CRASH_SEED` says.
pub(crate) struct Random(u64);

impl Random {
    pub(crate) fn new(what: &str) -> Random {
        let seed = std::env::var("BEDROCK_BINDER_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64) | 1
        });
        eprintln!("{what}: BEDROCK_BINDER_CRASH_SEED={seed}");
        Random(seed)
    }

    /// A delay below `max_us` microseconds.
    pub(crate) fn delay(&mut self, max_us: u64) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Duration::from_micros(self.0 % max_us)
    }
}

/// A store with `prod`, created through the store as a server would.
pub(crate) fn store(home: &TestHome) -> std::path::PathBuf {
    let dir = home.dir.path().join("store");
    let meta = ChangeMeta { author: "setup".to_owned(), reason: None, approval: None };
    Environments::directory(&dir)
        .create(&"prod".parse().expect("name"), NewEnv { text: START.to_owned(), ..NewEnv::default() }, meta)
        .expect("create prod");
    dir
}

/// The `n`-th bind on `text`: a catalog model, bound directly (an empty value) unless it is
/// already, and then to its own id, so that every bind changes the file.
pub(crate) fn edit(n: usize, text: &str) -> (String, String) {
    // Distinct ids: the catalog lists some model more than once.
    let models: Vec<String> = Catalog::embedded()
        .models()
        .iter()
        .map(|model| model.id.to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let model = models[n % models.len()].clone();
    let direct = Document::parse(text).get(&model).is_some_and(|bound| bound.value.is_empty());
    let value = if direct { model.clone() } else { String::new() };
    (model, value)
}

/// `text` with `model` bound to `value`, as a bind writes it.
pub(crate) fn bound(text: &str, (model, value): &(String, String)) -> String {
    let mut document = Document::parse(text);
    let binding = Binding::parse(model, Some(value)).expect("a valid binding");
    document.bind(&binding.model, &binding.profile);
    document.as_str().to_owned()
}

/// Checks the store after a kill: the file is one of `versions`, and the committed history
/// ends at it. Returns the file's text.
fn check(dir: &Path, versions: &HashSet<String>, round: usize) -> String {
    let text = std::fs::read_to_string(dir.join("envs/prod/inference.txt"))
        .unwrap_or_else(|e| panic!("round {round}: prod's file cannot be read after the kill: {e}"));
    assert!(versions.contains(&text), "round {round}: the file is no version any write produced:\n{text}");
    // The newest committed change produced exactly this file.
    let store = LocalDirStore::new(dir);
    let committed = store.committed_history(&"prod".parse().expect("name")).expect("the history reads");
    let newest = committed.last().expect("at least the create");
    assert_eq!(
        newest.new_text.as_deref(),
        Some(text.as_str()),
        "round {round}: the history's newest committed change (#{}) does not end at the file",
        newest.seq
    );
    text
}

/// `serve --store DIR`, reading its URL line.
pub(crate) fn serve(home: &TestHome, dir: &Path) -> (Child, String) {
    let mut command = home.command();
    command.arg("--store").arg(dir).args(["serve", "--listen", "127.0.0.1:0"]).stderr(Stdio::null());
    let (child, addr, mut stdout) = spawn_listening(command);
    // Keep the pipe read, so the server never dies of a closed stdout.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    (child, addr)
}

/// One request; `None` when the connection fails or is cut (the server died).
pub(crate) fn request(addr: &str, head: &str, body: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let message = format!(
        "{head}\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(message.as_bytes()).ok()?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw).ok()?;
    let status = raw.split(' ').nth(1)?.parse().ok()?;
    let (_, body) = raw.split_once("\r\n\r\n")?;
    Some((status, body.to_owned()))
}

#[test]
fn the_server_killed_at_random_moments_leaves_a_whole_committed_version_every_time() {
    let home = TestHome::new();
    let dir = store(&home);
    let mut random = Random::new("server crash test");
    let mut versions: HashSet<String> = HashSet::from([START.to_owned()]);
    let mut text = START.to_owned();
    let (mut edits, mut accepted) = (0, 0);
    for round in 0..kills() {
        let (mut child, addr) = serve(&home, &dir);
        let pid = child.id();
        let delay = random.delay(40_000);
        let killer = std::thread::spawn(move || {
            std::thread::sleep(delay);
            let _ = std::process::Command::new("kill").args(["-KILL", &pid.to_string()]).status();
        });
        // Edits one after another until the kill cuts one off.
        loop {
            let next = edit(edits, &text);
            let candidate = bound(&text, &next);
            assert_ne!(candidate, text, "every bind changes the file");
            versions.insert(candidate.clone());
            let etag = format!("\"{}\"", bedrock_binder::store::version_of(text.as_bytes()).as_str());
            let body = serde_json::json!({ "model": next.0, "profile": next.1 }).to_string();
            let head = format!("POST /api/v1/envs/prod/bindings/bind HTTP/1.1\r\nIf-Match: {etag}");
            edits += 1;
            match request(&addr, &head, &body) {
                Some((200, _)) => {
                    accepted += 1;
                    text = candidate;
                }
                Some((status, body)) => panic!("round {round}: a bind answered {status}: {body}"),
                None => break,
            }
        }
        killer.join().expect("the killer");
        let _ = child.wait();
        text = check(&dir, &versions, round);
    }
    eprintln!("{} kills of the server; {edits} binds sent, {accepted} answered 200", kills());
    assert!(accepted > 0, "no write got through between the kills");
}

#[test]
fn the_cli_bind_killed_at_random_moments_leaves_a_whole_committed_version_every_time() {
    let home = TestHome::new();
    let dir = store(&home);
    let mut random = Random::new("CLI crash test");
    let mut versions: HashSet<String> = HashSet::from([START.to_owned()]);
    let mut text = START.to_owned();
    let (mut finished, mut killed) = (0, 0);
    for round in 0..kills() {
        let next = edit(round, &text);
        versions.insert(bound(&text, &next));
        let mut child = home
            .command()
            .arg("--store")
            .arg(&dir)
            .args(["--env", "prod", "bind", &next.0, &next.1])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn bind");
        std::thread::sleep(random.delay(30_000));
        match child.try_wait().expect("poll bind") {
            Some(_) => finished += 1,
            None => {
                let _ = child.kill();
                killed += 1;
            }
        }
        let _ = child.wait();
        text = check(&dir, &versions, round);
    }
    eprintln!("{} CLI binds: {killed} killed mid-run, {finished} finished first", kills());
}
