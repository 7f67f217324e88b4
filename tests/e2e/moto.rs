//! The S3-compatible server the replica tests share state through: moto's standalone server
//! (`moto_server`, installed by `bash scripts/setup.sh moto`) on a free port of 127.0.0.1,
//! stopped on drop.
//!
//! The store's unit tests have a helper like this one (`storage::s3`), but it is
//! `#[cfg(test)]` inside the library, out of this binary's reach. This one finds moto the same
//! way and talks to it the same way: explicit test credentials, us-east-1, path-style
//! addressing, nothing from the developer's environment.
//!
//! # Conditional writes made atomic
//! moto (5.2) handles a `PutObject` by checking `If-Match` / `If-None-Match: *` and then
//! storing the object, as two steps with no lock between them, on a server that runs each
//! request on its own thread. Two conditional writes racing for one key can both pass the
//! check: under load (a Python thread switch between the check and the store) both are
//! stored and both answered 200, which S3 never does. A stress test of moto alone (8 writers
//! per key, with listings loading the server) saw it in about 1 round in 100, for
//! `If-None-Match` and for `If-Match` alike; the replica race, which relies on exactly these
//! writes, then shows a lost edit or a missing history entry that is moto's, not the
//! store's. So the server is started through moto's own Python with one lock around its
//! `PutObject` handler ([`ATOMIC_PUT`]), which makes check and store one step, as on S3.
//! Reads and listings still run side by side.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_s3::config::{Credentials, SharedCredentialsProvider};

/// moto takes any credentials; these are the ones every process of a test uses.
pub(crate) const ACCESS_KEY_ID: &str = "test";
pub(crate) const SECRET_ACCESS_KEY: &str = "test";
pub(crate) const REGION: &str = "us-east-1";

/// How long moto may take to answer after it is spawned (a cold Python start on a busy
/// 2-core CI machine takes a few seconds).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// What `moto_server` runs, with one lock around the `PutObject` handler (see the module
/// documentation). It refuses to start, saying why, on a moto without that handler.
const ATOMIC_PUT: &str = r#"
import sys, threading
from moto.s3.responses import S3Response
if not callable(getattr(S3Response, "put_object", None)):
    sys.exit("this moto has no S3Response.put_object to make atomic; update tests/e2e/moto.rs")
lock = threading.Lock()
put_object = S3Response.put_object
def atomic_put_object(self, *args, **kwargs):
    with lock:
        return put_object(self, *args, **kwargs)
S3Response.put_object = atomic_put_object
from moto.server import main
main()
"#;

/// A running moto server; stopped (and waited for) on drop.
pub(crate) struct Moto {
    /// `None` once stopped. In a mutex so that a test can stop S3 while the servers that
    /// borrow the test's set-up keep running.
    child: Mutex<Option<Child>>,
    port: u16,
    /// Its log (a line per request), read if it fails to start.
    _log: tempfile::NamedTempFile,
}

/// `$BEDROCK_BINDER_MOTO`, else the project's venv (`$TOOLS`, else `<repo>/.tools`), as the
/// store's unit tests find it.
fn moto_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("BEDROCK_BINDER_MOTO").filter(|path| !path.is_empty()) {
        return PathBuf::from(path);
    }
    let tools = std::env::var_os("TOOLS")
        .filter(|path| !path.is_empty())
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.tools"), PathBuf::from);
    tools.join("venv/bin/moto_server")
}

/// The Python that runs `moto_server`: the interpreter its `#!` line names (pip's entry-point
/// scripts name their venv's).
fn moto_python(binary: &Path) -> PathBuf {
    let file = std::fs::File::open(binary).unwrap_or_else(|e| panic!("cannot read {}: {e}", binary.display()));
    let mut first = String::new();
    let _ = BufReader::new(file).read_line(&mut first);
    let interpreter = first.strip_prefix("#!").and_then(|line| line.split_whitespace().next());
    PathBuf::from(interpreter.unwrap_or_else(|| {
        panic!(
            "{} is not a Python script with a #! line; point BEDROCK_BINDER_MOTO at moto's moto_server",
            binary.display()
        )
    }))
}

/// Whether an HTTP server answers on `port`.
fn answers_http(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut answer = [0u8; 5];
    stream.write_all(b"GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").is_ok()
        && stream.read_exact(&mut answer).is_ok()
        && &answer == b"HTTP/"
}

impl Moto {
    /// Starts moto on a free port and waits until it answers HTTP (polling: moto binds its
    /// port only once Python has loaded it, and prints nothing to wait on).
    pub(crate) fn start() -> Moto {
        let binary = moto_binary();
        assert!(
            binary.is_file(),
            "moto_server is not installed at {}: run `bash scripts/setup.sh moto` (or point BEDROCK_BINDER_MOTO at a moto_server)",
            binary.display()
        );
        let python = moto_python(&binary);
        // The port is free now and moto binds it a moment later; another process may take it
        // in between, and then moto exits and we try another.
        for _ in 0..3 {
            let log = tempfile::NamedTempFile::new().expect("a log file for moto");
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|listener| listener.local_addr())
                .expect("a free port")
                .port();
            let mut child = Command::new(&python)
                .args(["-c", ATOMIC_PUT, "-H", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log.reopen().expect("the log file"))
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
            let deadline = Instant::now() + START_TIMEOUT;
            loop {
                if answers_http(port) {
                    return Moto { child: Mutex::new(Some(child)), port, _log: log };
                }
                if child.try_wait().expect("poll moto").is_some() {
                    let said = std::fs::read_to_string(log.path()).unwrap_or_default();
                    // Most likely the port was taken; anything else is said and fails.
                    assert!(
                        said.contains("Address already in use"),
                        "moto ({}) exited at start:\n{said}",
                        python.display()
                    );
                    break;
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("moto ({}) did not answer on port {port} within {START_TIMEOUT:?}", python.display());
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        panic!("moto ({}) found its port taken three times", python.display());
    }

    /// `http://127.0.0.1:PORT`.
    pub(crate) fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Kills the server and waits for it to exit: S3 is gone, with everything it held.
    pub(crate) fn stop(&self) {
        let child = self.child.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(mut child) = child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The SDK configuration for moto: its test credentials, us-east-1, this endpoint, and
    /// nothing from this process's environment.
    pub(crate) fn sdk_config(&self) -> SdkConfig {
        SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(aws_config::Region::new(REGION))
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                ACCESS_KEY_ID,
                SECRET_ACCESS_KEY,
                None,
                None,
                "moto",
            )))
            .endpoint_url(self.endpoint())
            .build()
    }

    /// Creates the bucket `name`.
    pub(crate) fn create_bucket(&self, name: &str) {
        let config = aws_sdk_s3::config::Builder::from(&self.sdk_config()).force_path_style(true).build();
        let client = aws_sdk_s3::Client::from_conf(config);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        runtime
            .block_on(client.create_bucket().bucket(name).send())
            .unwrap_or_else(|e| panic!("create bucket {name} on moto: {}", aws_sdk_s3::error::DisplayErrorContext(&e)));
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}
