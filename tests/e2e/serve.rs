//! `bedrock-binder serve`, run as a user would: it binds before it prints its URL (so the
//! test reads that line and connects at once, with no sleeps), answers HTTP, and shuts down
//! cleanly on SIGTERM.

use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use crate::helpers::{TestHome, spawn_listening};

/// How long a server may take to exit after SIGTERM before the test fails.
const EXIT_TIMEOUT: Duration = Duration::from_secs(30);

/// A running server; killed on drop so a failing test leaves no process behind.
struct Server {
    /// `None` once handed to [`Server::terminate`].
    child: Option<Child>,
    /// `127.0.0.1:PORT`, from the printed URL.
    addr: String,
    /// Kept open: closing it would make a later print fail.
    _stdout: BufReader<ChildStdout>,
}

impl Server {
    fn start(home: &TestHome, extra: &[&str]) -> Server {
        let mut command = home.command();
        command
            .arg("--file")
            .arg(&home.file)
            .arg("serve")
            .args(if extra.contains(&"--listen") { &[][..] } else { &["--listen", "127.0.0.1:0"][..] })
            .args(extra)
            .stderr(Stdio::null());
        let (child, addr, stdout) = spawn_listening(command);
        assert!(!addr.ends_with(":0"), "the real port is printed, not 0: {addr}");
        Server { child: Some(child), addr, _stdout: stdout }
    }

    /// One HTTP/1.1 request on its own connection; returns the status line and the body.
    fn request(&self, method: &str, path: &str) -> (String, String) {
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
        write!(stream, "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", self.addr).expect("send");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read the response");
        let (head, body) = response.split_once("\r\n\r\n").expect("a header block");
        (head.lines().next().unwrap_or_default().to_owned(), body.to_owned())
    }

    /// One request with `Authorization: Bearer TOKEN`; returns the status line.
    fn request_with_token(&self, path: &str, token: &str) -> String {
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .expect("send");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read the response");
        response.lines().next().unwrap_or_default().to_owned()
    }

    /// Sends SIGTERM and waits for the exit, failing (rather than hanging) if it never comes.
    fn terminate(mut self) -> ExitStatus {
        let mut child = self.child.take().expect("a running server");
        let pid = child.id();
        let status = Command::new("kill").args(["-TERM", &pid.to_string()]).status().expect("run kill");
        assert!(status.success(), "kill -TERM failed");
        let (sender, receiver) = mpsc::channel();
        let waiter = thread::spawn(move || {
            let _ = sender.send(child.wait().expect("wait for the server"));
            child
        });
        match receiver.recv_timeout(EXIT_TIMEOUT) {
            Ok(status) => status,
            Err(_) => {
                let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
                let _ = waiter.join();
                panic!("the server did not exit within {EXIT_TIMEOUT:?} of SIGTERM");
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Still running only when a test failed before terminate().
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[test]
fn serve_prints_its_url_answers_health_and_exits_0_on_sigterm() {
    let home = TestHome::with_file("amazon.nova-pro-v1:0=\n");
    let server = Server::start(&home, &[]);

    let (status, body) = server.request("GET", "/api/v1/health");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(body.contains("\"status\":\"ok\""), "{body}");

    let (status, body) = server.request("GET", "/api/v1/bindings");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(body.contains("amazon.nova-pro-v1:0"), "{body}");

    let (status, body) = server.request("GET", "/some/page");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(body.contains("<html"), "{body}");

    let status = server.terminate();
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert_eq!(home.read(), "amazon.nova-pro-v1:0=\n", "serving reads the file and writes nothing");
}

#[test]
fn serve_refuses_an_address_in_use_with_one_sentence() {
    let home = TestHome::new();
    let first = Server::start(&home, &[]);
    let run = home.run(&["serve", "--listen", &first.addr]).failure();
    assert!(run.stderr.starts_with(&format!("error: cannot serve on {}: ", first.addr)), "{}", run.stderr);
    assert_eq!(first.terminate().code(), Some(0));
}

#[test]
fn a_server_error_is_logged_without_stopping_the_server_or_its_shutdown() {
    let home = TestHome::new();
    // A directory where the file should be: every read fails, and the failure is logged from
    // a runtime worker thread.
    std::fs::create_dir_all(&home.file).expect("mkdir");
    let server = Server::start(&home, &[]);
    for _ in 0..4 {
        let (status, body) = server.request("GET", "/api/v1/bindings");
        assert_eq!(status, "HTTP/1.1 500 Internal Server Error");
        assert!(!body.contains("inference.txt"), "{body}");
    }
    let (status, _) = server.request("GET", "/api/v1/health");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(server.terminate().code(), Some(0));
}

#[test]
fn pull_writes_only_when_the_environment_changed_and_keeps_the_copy_when_the_server_is_down() {
    use std::os::unix::fs::PermissionsExt;

    let team = TestHome::with_file("# team\r\namazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\r\n");
    let server = Server::start(&team, &[]);
    let url = format!("http://{}", server.addr);
    let app = TestHome::new();
    let target = app.dir.path().join("app").join("inference.txt");
    let pull = |env: &str| {
        let output = app
            .command()
            .arg("--file")
            .arg(&target)
            .args(["pull", "--server", &url, "--env", env])
            .output()
            .expect("run pull");
        crate::helpers::Run::from(output)
    };

    let first = pull("default").success();
    assert!(first.stdout.starts_with("✓ Wrote default from "), "{}", first.stdout);
    assert_eq!(std::fs::read(&target).expect("written"), std::fs::read(&team.file).expect("team file"));
    assert_eq!(std::fs::metadata(&target).expect("meta").permissions().mode() & 0o777, 0o600, "0600 on create");
    let written_at = std::fs::metadata(&target).expect("meta").modified().expect("mtime");

    let second = pull("default").success();
    assert!(second.stdout.contains("is up to date with default"), "{}", second.stdout);
    assert_eq!(std::fs::metadata(&target).expect("meta").modified().expect("mtime"), written_at, "not touched");

    team.write(b"# team\r\namazon.nova-pro-v1:0=\r\n");
    pull("default").success();
    assert_eq!(std::fs::read(&target).expect("updated"), b"# team\r\namazon.nova-pro-v1:0=\r\n");

    let unknown = pull("prod").failure();
    assert!(unknown.stderr.contains("404") && unknown.stderr.contains("was kept"), "{}", unknown.stderr);

    assert_eq!(server.terminate().code(), Some(0));
    let down = pull("default").failure();
    assert!(down.stderr.contains("cannot reach") && down.stderr.contains("was kept as it was"), "{}", down.stderr);
    assert_eq!(std::fs::read(&target).expect("kept"), b"# team\r\namazon.nova-pro-v1:0=\r\n");
}

#[test]
fn serve_with_a_store_serves_each_environment_to_pull_and_starts_an_empty_store_with_default() {
    let team = TestHome::new();
    let store = team.dir.path().join("store");
    let staging = store.join("envs/staging");
    std::fs::create_dir_all(&staging).expect("mkdir");
    std::fs::write(staging.join("inference.txt"), "# staging\namazon.nova-lite-v1:0=us.amazon.nova-lite-v1:0\n")
        .expect("write");
    let server = Server::start(&team, &["--store", store.to_str().expect("UTF-8")]);
    let (status, body) = server.request("GET", "/v1/envs/staging/inference.txt");
    assert!(status.contains("200"), "{status}");
    assert_eq!(body, "# staging\namazon.nova-lite-v1:0=us.amazon.nova-lite-v1:0\n");
    let (status, _) = server.request("GET", "/api/v1/bindings");
    assert!(status.contains("404"), "a store with environments gets no `default` made up: {status}");

    let app = TestHome::new();
    let url = format!("http://{}", server.addr);
    let pulled =
        app.command().arg("--file").arg(&app.file).args(["pull", "--server", &url, "--env", "staging"]).output();
    crate::helpers::Run::from(pulled.expect("run pull")).success();
    assert_eq!(app.read(), "# staging\namazon.nova-lite-v1:0=us.amazon.nova-lite-v1:0\n");
    assert_eq!(server.terminate().code(), Some(0));

    let empty = TestHome::new();
    let empty_store = empty.dir.path().join("store");
    let server = Server::start(&empty, &["--store", empty_store.to_str().expect("UTF-8")]);
    let (status, body) = server.request("GET", "/api/v1/envs");
    assert!(status.contains("200") && body.contains("\"name\":\"default\""), "{status} {body}");
    assert!(empty_store.join("envs/default/inference.txt").is_file());
    assert_eq!(server.terminate().code(), Some(0));
}

#[test]
fn serve_refuses_to_listen_beyond_loopback_without_authentication() {
    let home = TestHome::new();
    for addr in ["0.0.0.0:0", "[::]:0"] {
        let output = home.command().arg("--file").arg(&home.file).args(["serve", "--listen", addr]).output();
        let run = crate::helpers::Run::from(output.expect("run serve"));
        assert_eq!(run.code, Some(1), "{addr}: {}", run.stderr);
        assert!(run.stderr.contains("refusing to listen") && run.stderr.contains("loopback"), "{}", run.stderr);
    }
}

#[test]
fn with_an_auth_file_serve_listens_beyond_loopback_and_wants_a_token() {
    let home = TestHome::with_file("amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n");
    let auth_file = home.dir.path().join("auth.json");
    let auth = auth_file.to_str().expect("UTF-8");
    let created = home.run(&["token", "create", "--name", "ci", "--role", "viewer", "--auth-file", auth]).success();
    let token = created.stdout.lines().next().expect("the token line").to_owned();
    assert!(token.starts_with("bbt_"), "{}", created.stdout);
    assert!(!std::fs::read_to_string(&auth_file).expect("auth file").contains(&token), "only the hash is stored");

    let server = Server::start(&home, &["--listen", "0.0.0.0:0", "--auth-file", auth]);
    // Connecting to 0.0.0.0 reaches this machine.
    let local = &server;
    let (status, _) = local.request("GET", "/api/v1/bindings");
    assert!(status.contains("401"), "{status}");
    assert!(local.request_with_token("/api/v1/bindings", &token).contains("200"));
    assert!(local.request_with_token("/v1/envs/default/inference.txt", &token).contains("200"));
    let (health, _) = local.request("GET", "/api/v1/health");
    assert!(health.contains("200"), "the health check is public: {health}");
    home.run(&["token", "revoke", "ci", "--auth-file", auth]).success();
    assert!(local.request_with_token("/api/v1/bindings", &token).contains("401"), "revoked at once");
    assert_eq!(server.terminate().code(), Some(0));
}

#[test]
fn token_create_writes_an_auth_file_named_relative_to_the_working_directory() {
    let home = TestHome::new();
    let created = home
        .command()
        .current_dir(home.dir.path())
        .args(["token", "create", "--name", "ci", "--role", "viewer", "--auth-file", "auth.json"])
        .output()
        .expect("run token create");
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let stored = std::fs::read_to_string(home.dir.path().join("auth.json")).expect("the auth file");
    assert!(stored.contains("\"ci\""), "{stored}");
}
