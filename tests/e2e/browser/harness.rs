//! What a browser journey runs on: the server ([`App`]), chromedriver and a Chromium session,
//! a [`Page`] with the few actions the journeys need, and [`journey`], which runs one journey
//! and saves a screenshot when it fails.
//!
//! Nothing here sleeps for a fixed time: the server and chromedriver both print their address
//! only once they listen, and every wait polls a condition against a deadline.

use std::error::Error;
use std::ffi::OsString;
use std::future::Future;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::helpers::{TestHome, spawn_listening};

/// What a journey's body returns; assertions may also panic.
pub(crate) type Outcome = Result<(), Box<dyn Error + Send + Sync>>;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// How long one condition may take to come true. Generous, because the first load compiles
/// the wasm, on a 2-core machine that may be running other tests at the same time.
const PATIENCE: Duration = Duration::from_secs(30);
/// How often a condition is checked again.
const POLL: Duration = Duration::from_millis(50);

/// The sentence of the server's placeholder page (backend/build.rs) when no UI was built.
const PLACEHOLDER: &str = "The web UI was not built into this binary";

// --- the server -----------------------------------------------------------------------------

/// `bedrock-binder serve` on `127.0.0.1:0`, with a clean environment whose HOME is a temporary
/// directory holding the binding file. Killed on drop.
pub(crate) struct App {
    child: Child,
    /// `127.0.0.1:PORT`, as the server printed it.
    pub(crate) addr: String,
    /// The temporary home; dropped (removed) after the server is killed.
    pub(crate) home: TestHome,
}

impl App {
    /// Starts the server on a binding file holding `seed`, with `env` added to its clean
    /// environment. Returns once it listens: it binds before it prints its URL, and this reads
    /// that line.
    pub(crate) fn start(seed: &[u8], env: &[(String, String)]) -> App {
        let home = TestHome::new();
        home.write(seed);
        App::start_in(home, &[], env)
    }

    /// Starts the server in `home` (as prepared by the caller), with `args` before `serve`
    /// (`--store DIR`, say) and `env` added to its clean environment.
    pub(crate) fn start_in(home: TestHome, args: &[OsString], env: &[(String, String)]) -> App {
        let mut command = home.command();
        command.envs(env.iter().map(|(name, value)| (name, value)));
        command
            .arg("--file")
            .arg(&home.file)
            .args(args)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stderr(Stdio::null());
        let (child, addr, mut stdout) = spawn_listening(command);
        // Keep reading, so the server never blocks on (or dies from) a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        App { child, addr, home }
    }

    /// The page's address.
    pub(crate) fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Fails with what to do when the binary serves the "UI not built" placeholder.
    pub(crate) fn assert_ui_built(&self) {
        let index = http_get(&self.addr, "/", None);
        assert_eq!(index.status, 200, "GET / answered {}", index.status);
        assert!(
            !String::from_utf8_lossy(&index.body).contains(PLACEHOLDER),
            "the server binary has no UI built into it (frontend/dist was missing when the backend was \
             built): run `scripts/test.sh`, which builds the UI with trunk before the tests"
        );
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer, as it came over the wire.
pub(crate) struct Reply {
    pub(crate) status: u16,
    /// Header names in lowercase.
    pub(crate) headers: Vec<(String, String)>,
    /// The bytes of the status line and headers, with the blank line.
    pub(crate) head_len: usize,
    /// The body as sent (still compressed, if it was).
    pub(crate) body: Vec<u8>,
}

impl Reply {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// One `GET` on its own connection, with `Accept-Encoding` if given. Plain HTTP/1.1 over a
/// socket, so the byte counts are exactly what crossed the wire.
pub(crate) fn http_get(addr: &str, path: &str, accept_encoding: Option<&str>) -> Reply {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
    stream.set_read_timeout(Some(PATIENCE)).expect("set a read timeout");
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(coding) = accept_encoding {
        request.push_str(&format!("Accept-Encoding: {coding}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("send the request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the response");
    let head_len = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a header block") + 4;
    let head = String::from_utf8_lossy(&raw[..head_len]).into_owned();
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[head_len..].to_vec();
    if headers.iter().any(|(n, v)| n == "transfer-encoding" && v.contains("chunked")) {
        body = dechunk(&body);
    }
    Reply { status, headers, head_len, body }
}

/// The payload of a chunked body.
fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let end = raw.windows(2).position(|w| w == b"\r\n").expect("a chunk size line");
        let size_text = String::from_utf8_lossy(&raw[..end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16).expect("a chunk size");
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&raw[end + 2..end + 2 + size]);
        raw = &raw[end + 2 + size + 2..];
    }
}

// --- chromedriver and Chromium --------------------------------------------------------------

/// chromedriver on a port of its choosing, in its own process group so that dropping it ends
/// the Chromium it started too, even after a failed test.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start() -> Driver {
        for tool in [CHROMEDRIVER, CHROMIUM] {
            assert!(Path::new(tool).exists(), "{tool} is missing: run `bash scripts/setup.sh chromium`");
        }
        let mut child = Command::new(CHROMEDRIVER)
            .arg("--port=0")
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn chromedriver");
        let mut stdout = BufReader::new(child.stdout.take().expect("chromedriver's stdout"));
        // "ChromeDriver was started successfully on port 36903." comes once it listens.
        let mut port = None;
        let mut seen = String::new();
        let mut line = String::new();
        while port.is_none() {
            line.clear();
            if stdout.read_line(&mut line).expect("read chromedriver's output") == 0 {
                panic!("chromedriver exited before it listened; it printed:\n{seen}");
            }
            seen.push_str(&line);
            port = line
                .split_once("started successfully on port ")
                .and_then(|(_, rest)| rest.trim_end().trim_end_matches('.').parse::<u16>().ok());
        }
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        Driver { child, url: format!("http://127.0.0.1:{}", port.unwrap_or_default()) }
    }

    /// A new Chromium session with a fresh profile, downloading into `downloads`.
    async fn session(&self, profile: &Path, downloads: &Path) -> Client {
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                // TOOLCHAIN.md: these work as root, and keep Chromium off the network.
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    format!("--user-data-dir={}", profile.display()),
                    "--window-size=1280,800",
                ],
                "prefs": {
                    "download.default_directory": downloads.display().to_string(),
                    "download.prompt_for_download": false,
                    "download.directory_upgrade": true,
                },
            },
        });
        let serde_json::Value::Object(capabilities) = capabilities else { unreachable!("an object literal") };
        ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("start a Chromium session through chromedriver at {}: {e}", self.url))
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The whole group: chromedriver and any Chromium it left running.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// --- the page -------------------------------------------------------------------------------

/// A CSS selector for `data-testid="id"`.
pub(crate) fn testid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

/// A CSS selector for the row `data-testid="id"` whose `data-model` is `model`.
pub(crate) fn row(id: &str, model: &str) -> String {
    format!("[data-testid=\"{id}\"][data-model=\"{model}\"]")
}

/// The browser tab a journey drives, and the files beside it. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Page {
    pub(crate) client: Client,
    url: String,
    /// The binding file the server edits.
    pub(crate) file: PathBuf,
    /// Where Chromium saves downloads.
    pub(crate) downloads: PathBuf,
    /// A directory for the journey's own files (files to upload).
    pub(crate) scratch: PathBuf,
}

impl Page {
    /// The address of `path` (`/?env=staging`, `/envs#/history`) on the journey's server.
    pub(crate) fn address(&self, path: &str) -> String {
        format!("{}{}", self.url, path.trim_start_matches('/'))
    }

    /// Opens the app and waits until the file has loaded (the bindings page shows a table or
    /// its empty state).
    pub(crate) async fn open(&self) -> Result<(), CmdError> {
        self.client.goto(&self.url).await?;
        let loaded = format!("{}, {}", testid("binding-row"), testid("empty-state"));
        let loaded = loaded.as_str();
        self.wait_for("the bindings page to load", move || async move { self.try_find(loaded).await }).await?;
        Ok(())
    }

    /// Polls `check` until it returns something, failing after [`PATIENCE`] with `what`.
    pub(crate) async fn wait_for<T, F, Fut>(&self, what: &str, mut check: F) -> Result<T, CmdError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<T>, CmdError>>,
    {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match check().await {
                Ok(Some(value)) => return Ok(value),
                Ok(None) => {}
                // The element was re-rendered between finding and reading it: look again.
                Err(CmdError::Standard(e)) if e.error == fantoccini::error::ErrorStatus::StaleElementReference => {}
                Err(e) => return Err(e),
            }
            if Instant::now() > deadline {
                panic!("gave up after {PATIENCE:?} waiting for {what}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The first element matching `css`, if any, now.
    pub(crate) async fn try_find(&self, css: &str) -> Result<Option<Element>, CmdError> {
        Ok(self.client.find_all(Locator::Css(css)).await?.into_iter().next())
    }

    /// Waits for an element matching `css`.
    pub(crate) async fn find(&self, css: &str) -> Result<Element, CmdError> {
        self.wait_for(&format!("an element matching `{css}`"), || self.try_find(css)).await
    }

    /// Waits for `css` inside `scope`.
    pub(crate) async fn find_in(&self, scope: &Element, css: &str) -> Result<Element, CmdError> {
        self.wait_for(&format!("an element matching `{css}` in its row"), move || async move {
            Ok(scope.find_all(Locator::Css(css)).await?.into_iter().next())
        })
        .await
    }

    /// Waits until nothing matches `css`.
    pub(crate) async fn wait_gone(&self, css: &str) -> Result<(), CmdError> {
        self.wait_for(&format!("`{css}` to go away"), move || async move {
            Ok(self.client.find_all(Locator::Css(css)).await?.is_empty().then_some(()))
        })
        .await
    }

    /// Clicks the element with `data-testid="id"`.
    pub(crate) async fn click(&self, id: &str) -> Result<(), CmdError> {
        self.find(&testid(id)).await?.click().await
    }

    /// Waits until the text of the first `css` element contains `needle`; returns the text.
    pub(crate) async fn wait_text(&self, css: &str, needle: &str) -> Result<String, CmdError> {
        self.wait_for(&format!("`{css}` to say {needle:?}"), move || async move {
            let Some(element) = self.try_find(css).await? else { return Ok(None) };
            let text = element.text().await?;
            Ok(text.contains(needle).then_some(text))
        })
        .await
    }

    /// The status line's text now.
    pub(crate) async fn status(&self) -> Result<String, CmdError> {
        self.find(&testid("status")).await?.text().await
    }

    /// Waits until `element` is enabled.
    pub(crate) async fn wait_enabled(&self, element: &Element, what: &str) -> Result<(), CmdError> {
        self.wait_for(
            &format!("{what} to be enabled"),
            move || async move { Ok(element.is_enabled().await?.then_some(())) },
        )
        .await
    }

    /// Types `text` into `field` as a user would, replacing what it held: select all, delete,
    /// then the keys one by one.
    pub(crate) async fn retype(&self, field: &Element, text: &str) -> Result<(), CmdError> {
        field.send_keys(&format!("{}a{}{}", &*Key::Control, &*Key::Null, &*Key::Backspace)).await?;
        field.send_keys(text).await
    }

    /// The `data-model` of every row `data-testid="id"` on the page.
    pub(crate) async fn models(&self, id: &str) -> Result<Vec<String>, CmdError> {
        let mut models = Vec::new();
        for element in self.client.find_all(Locator::Css(&testid(id))).await? {
            models.push(element.attr("data-model").await?.unwrap_or_default());
        }
        Ok(models)
    }

    /// The binding file's bytes now.
    pub(crate) fn disk(&self) -> Vec<u8> {
        std::fs::read(&self.file).unwrap_or_else(|e| panic!("read {}: {e}", self.file.display()))
    }

    /// The binding file's text now.
    pub(crate) fn disk_text(&self) -> String {
        String::from_utf8(self.disk()).expect("the binding file is UTF-8")
    }

    /// Waits until Chromium has finished downloading `name`, and returns its bytes.
    pub(crate) async fn downloaded(&self, name: &str) -> Result<Vec<u8>, CmdError> {
        let path = self.downloads.join(name);
        let (path, dir) = (&path, &self.downloads);
        self.wait_for(&format!("the download of {name} to finish"), move || async move {
            // Chromium writes `NAME.crdownload` and renames it to NAME when it is complete.
            let in_progress = std::fs::read_dir(dir)
                .map(|dir| dir.flatten().any(|e| e.file_name().to_string_lossy().ends_with(".crdownload")))
                .unwrap_or(false);
            Ok(if in_progress { None } else { std::fs::read(path).ok() })
        })
        .await
    }
}

// --- a journey ------------------------------------------------------------------------------

/// Runs `body` against a fresh server (its file holding `seed`) in a fresh Chromium. If the
/// body fails or panics, saves the page's screenshot and HTML under
/// `target/e2e-screenshots/` and prints their paths before failing the test.
pub(crate) async fn journey<F, Fut>(name: &'static str, seed: &[u8], body: F)
where
    F: FnOnce(Page) -> Fut,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    journey_with_env(name, seed, &[], body).await;
}

/// [`journey`], with `env` set for the server (the AWS journeys point it at the fake Bedrock).
pub(crate) async fn journey_with_env<F, Fut>(name: &'static str, seed: &[u8], env: &[(String, String)], body: F)
where
    F: FnOnce(Page) -> Fut,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    let home = TestHome::new();
    home.write(seed);
    journey_in(name, home, &[], env, body).await;
}

/// [`journey`] on a server started in `home`, prepared by the caller, with `args` before
/// `serve` (the environment journeys pass `--store DIR`, a store they wrote into `home`).
pub(crate) async fn journey_in<F, Fut>(
    name: &'static str,
    home: TestHome,
    args: &[OsString],
    env: &[(String, String)],
    body: F,
) where
    F: FnOnce(Page) -> Fut,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    let app = App::start_in(home, args, env);
    app.assert_ui_built();
    let driver = Driver::start();
    let root = app.home.dir.path();
    let (profile, downloads, scratch) = (root.join("chromium"), root.join("downloads"), root.join("scratch"));
    for dir in [&profile, &downloads, &scratch] {
        std::fs::create_dir_all(dir).expect("create a journey directory");
    }
    let client = driver.session(&profile, &downloads).await;
    let page = Page { client: client.clone(), url: app.url(), file: app.home.file.clone(), downloads, scratch };

    // A task of its own, so that an assertion's panic comes back here as a value and the
    // screenshot can still be taken.
    let outcome = tokio::spawn(body(page)).await;
    let failure = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(error)) => Some(Err(error.to_string())),
        Err(join) if join.is_panic() => Some(Ok(join.into_panic())),
        Err(join) => Some(Err(join.to_string())),
    };
    if failure.is_some() {
        save_evidence(&client, name).await;
    }
    let _ = client.close().await;
    drop(driver);
    drop(app);
    match failure {
        None => {}
        Some(Ok(panic)) => std::panic::resume_unwind(panic),
        Some(Err(error)) => panic!("journey `{name}` failed: {error}"),
    }
}

/// `target/e2e-screenshots/`, beside the binary under test.
fn evidence_dir() -> PathBuf {
    let binary = Path::new(env!("CARGO_BIN_EXE_bedrock-binder"));
    // target/<profile>/bedrock-binder -> target/
    binary.parent().and_then(Path::parent).unwrap_or(Path::new("target")).join("e2e-screenshots")
}

async fn save_evidence(client: &Client, name: &str) {
    let dir = evidence_dir();
    if let Err(error) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {error}", dir.display());
        return;
    }
    match client.screenshot().await {
        Ok(png) => {
            let path = dir.join(format!("{name}.png"));
            match std::fs::write(&path, png) {
                Ok(()) => eprintln!("journey `{name}` failed; screenshot: {}", path.display()),
                Err(error) => eprintln!("cannot write {}: {error}", path.display()),
            }
        }
        Err(error) => eprintln!("journey `{name}` failed; no screenshot: {error}"),
    }
    if let Ok(html) = client.source().await {
        let path = dir.join(format!("{name}.html"));
        if std::fs::write(&path, html).is_ok() {
            eprintln!("journey `{name}`: page HTML: {}", path.display());
        }
    }
}
