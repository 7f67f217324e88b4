//! Signing in from a browser, and the web protections around it, on the real `serve` binary:
//! the session cookie's attributes, what it may do with and without the CSRF header, that a
//! revoked token's or an altered cookie ends the session, the sign-in form's redirects, and
//! CORS, off unless an origin is configured.
//!
//! Plain HTTP/1.1 over a socket, so every header is seen exactly as a browser would get it.

use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdout, Stdio};
use std::time::Duration;

use bedrock_binder_shared::access::Role;
use bedrock_binder_shared::api::{CSRF_HEADER, CSRF_HEADER_VALUE, ErrorBody, SessionInfo};

use crate::helpers::{TestHome, spawn_listening};

const COOKIE: &str = "bedrock_binder_session";
const FILE: &str = "amazon.nova-pro-v1:0=\n";
const BIND: &str = r#"{"model":"amazon.nova-lite-v1:0"}"#;

/// A server on `127.0.0.1:0` with an auth file; killed on drop.
struct Server {
    child: Child,
    addr: String,
    _stdout: BufReader<ChildStdout>,
}

impl Server {
    /// `serve` with `args` (none of them `--listen`).
    fn start(home: &TestHome, args: &[&str]) -> Server {
        let mut command = home.command();
        command
            .arg("--file")
            .arg(&home.file)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .stderr(Stdio::null());
        let (child, addr, stdout) = spawn_listening(command);
        Server { child, addr, _stdout: stdout }
    }

    /// One request on its own connection; `headers` are `Name: value` lines.
    fn send(&self, method: &str, path: &str, headers: &[String], body: Option<(&str, &str)>) -> Reply {
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
        for header in headers {
            request.push_str(header);
            request.push_str("\r\n");
        }
        if let Some((content_type, body)) = body {
            request.push_str(&format!("Content-Type: {content_type}\r\nContent-Length: {}\r\n", body.len()));
        } else if method != "GET" && method != "OPTIONS" {
            request.push_str("Content-Length: 0\r\n");
        }
        request.push_str("\r\n");
        if let Some((_, body)) = body {
            request.push_str(body);
        }
        stream.write_all(request.as_bytes()).expect("send");
        let mut raw = String::new();
        stream.read_to_string(&mut raw).expect("read the response");
        let (head, body) = raw.split_once("\r\n\r\n").expect("a header block");
        let mut lines = head.lines();
        let status = lines.next().and_then(|line| line.split(' ').nth(1)).and_then(|s| s.parse().ok()).expect("status");
        let headers = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            dechunk(body)
        } else {
            body.to_owned()
        };
        Reply { status, headers, body }
    }

    fn get(&self, path: &str, headers: &[String]) -> Reply {
        self.send("GET", path, headers, None)
    }

    /// Signs in with `token` as JSON; returns the answer and the cookie's `name=value`.
    fn sign_in(&self, token: &str, headers: &[String]) -> (Reply, String) {
        let body = serde_json::json!({ "token": token }).to_string();
        let reply = self.send("POST", "/api/v1/session", headers, Some(("application/json", &body)));
        assert_eq!(reply.status, 200, "sign-in: {}", reply.body);
        let cookie = reply.set_cookie().split(';').next().expect("name=value").to_owned();
        (reply, cookie)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    #[track_caller]
    fn set_cookie(&self) -> &str {
        self.header("set-cookie").unwrap_or_else(|| panic!("a Set-Cookie; got {:?}", self.headers))
    }

    #[track_caller]
    fn error_code(&self) -> String {
        serde_json::from_str::<ErrorBody>(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body)).code
    }

    /// Whether any `Access-Control-…` header is present.
    fn has_cors_headers(&self) -> bool {
        self.headers.iter().any(|(name, _)| name.starts_with("access-control-"))
    }
}

fn dechunk(mut raw: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = raw.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).expect("a chunk size");
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        raw = &rest[size + 2..];
    }
    out
}

/// A home with the binding file, and an auth file with a token `NAME` of `role` (printed once
/// by `token create`, as a user gets it).
fn home_with_token(name: &str, role: Role) -> (TestHome, String, String) {
    let home = TestHome::with_file(FILE);
    let auth_file = home.dir.path().join("auth.json").to_str().expect("UTF-8").to_owned();
    let created = home.run(&["token", "create", "--name", name, "--role", role.as_str(), "--auth-file", &auth_file]);
    let token = created.success().stdout.lines().next().expect("the token").to_owned();
    (home, auth_file, token)
}

fn cookie_header(cookie: &str) -> String {
    format!("Cookie: {cookie}")
}

fn csrf_header() -> String {
    format!("{CSRF_HEADER}: {CSRF_HEADER_VALUE}")
}

#[test]
fn a_sign_in_sets_a_private_strict_cookie_that_reads_and_writes_only_with_the_csrf_header() {
    let (home, auth_file, token) = home_with_token("ana", Role::Editor);
    let server = Server::start(&home, &["--auth-file", &auth_file]);

    let (signed_in, cookie) = server.sign_in(&token, &[]);
    let set_cookie = signed_in.set_cookie();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(set_cookie.split("; ").any(|a| a == attribute), "{attribute} in {set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "plain HTTP to the server itself: {set_cookie}");
    assert!(cookie.starts_with(&format!("{COOKIE}=")) && !cookie.contains(&token), "the cookie is not the token");
    assert_eq!(signed_in.header("cache-control"), Some("no-store"));
    let info: SessionInfo = serde_json::from_str(&signed_in.body).expect("session info");
    assert_eq!((info.auth, info.name.as_deref()), (true, Some("ana")));
    assert!(!signed_in.body.contains(&token));

    // The cookie reads, and says who it is.
    assert_eq!(server.get("/api/v1/bindings", &[cookie_header(&cookie)]).status, 200);
    let who = server.get("/api/v1/session", &[cookie_header(&cookie)]);
    let who: SessionInfo = serde_json::from_str(&who.body).expect("session info");
    assert_eq!(who.name.as_deref(), Some("ana"));
    assert_eq!(who.grants.iter().map(|grant| grant.role).collect::<Vec<_>>(), vec![Role::Editor]);
    assert_eq!(server.get("/api/v1/session", &[]).status, 401, "no cookie, nobody");

    // A write with the cookie alone is refused, and nothing changes on disk.
    let before = std::fs::read(&home.file).expect("file");
    let bind = |headers: &[String]| {
        let mut headers = headers.to_vec();
        headers.push("If-Match: *".to_owned());
        server.send("POST", "/api/v1/bindings/bind", &headers, Some(("application/json", BIND)))
    };
    let refused = bind(&[cookie_header(&cookie)]);
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(refused.error_code(), "csrf-header-missing");
    assert_eq!(std::fs::read(&home.file).expect("file"), before, "nothing was written");
    let wrong_value = bind(&[cookie_header(&cookie), format!("{CSRF_HEADER}: XMLHttpRequest")]);
    assert_eq!(wrong_value.status, 403, "only the app's own value counts");

    // With the header it goes through, as the author the cookie names.
    let bound = bind(&[cookie_header(&cookie), csrf_header()]);
    assert_eq!(bound.status, 200, "{}", bound.body);
    assert!(home.read().contains("amazon.nova-lite-v1:0="), "{}", home.read());

    // A bearer token needs no header.
    let unbind = r#"{"model":"amazon.nova-lite-v1:0"}"#;
    let headers = [format!("Authorization: Bearer {token}"), "If-Match: *".to_owned()];
    let by_token = server.send("POST", "/api/v1/bindings/unbind", &headers, Some(("application/json", unbind)));
    assert_eq!(by_token.status, 200, "{}", by_token.body);

    // The secret the cookies are signed with is in the auth file, and in no answer.
    let auth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&auth_file).expect("auth file")).expect("json");
    let secret = auth["session_secret"].as_str().expect("a session secret was saved").to_owned();
    for reply in [&signed_in, &refused, &bound, &by_token] {
        assert!(!reply.body.contains(&secret) && !reply.headers.iter().any(|(_, v)| v.contains(&secret)));
    }
}

#[test]
fn a_revoked_token_or_an_altered_cookie_ends_the_session_and_sign_out_clears_it() {
    let (home, auth_file, token) = home_with_token("ci", Role::Viewer);
    let server = Server::start(&home, &["--auth-file", &auth_file]);
    let (_, cookie) = server.sign_in(&token, &[]);
    assert_eq!(server.get("/api/v1/bindings", &[cookie_header(&cookie)]).status, 200);

    // One character of the name changed: the MAC no longer matches.
    let altered = cookie.replacen("~ci~", "~cj~", 1);
    assert_ne!(altered, cookie);
    let refused = server.get("/api/v1/bindings", &[cookie_header(&altered)]);
    assert_eq!((refused.status, refused.error_code().as_str()), (401, "unauthenticated"));
    assert!(refused.body.contains("/signin"), "{}", refused.body);
    let garbage = server.get("/api/v1/bindings", &[cookie_header(&format!("{COOKIE}={token}"))]);
    assert_eq!(garbage.status, 401, "the token itself is no session cookie");

    // Sign-out tells the browser to drop the cookie.
    let signed_out = server.send("DELETE", "/api/v1/session", &[cookie_header(&cookie), csrf_header()], None);
    assert_eq!(signed_out.status, 204);
    let cleared = signed_out.set_cookie();
    assert!(cleared.starts_with(&format!("{COOKIE}=;")) && cleared.contains("Max-Age=0"), "{cleared}");

    // Revoking the token ends its sessions at the next request.
    home.run(&["token", "revoke", "ci", "--auth-file", &auth_file]).success();
    let revoked = server.get("/api/v1/bindings", &[cookie_header(&cookie)]);
    assert_eq!((revoked.status, revoked.error_code().as_str()), (401, "unauthenticated"));
}

#[test]
fn the_sign_in_form_sends_the_browser_on_with_the_cookie_or_shows_itself_again() {
    let (home, auth_file, token) = home_with_token("ana", Role::Viewer);
    let server = Server::start(&home, &["--auth-file", &auth_file]);

    let page = server.get("/signin?next=%2Fenvs%3Fenv%3Dprod", &[]);
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").is_some_and(|t| t.starts_with("text/html")));
    assert!(page.body.contains("action=\"/api/v1/session\"") && page.body.contains("value=\"/envs?env=prod\""));
    assert!(!page.body.contains("<script"), "the page works without a script");
    let csp = page.header("content-security-policy").expect("a policy");
    assert!(csp.contains("default-src 'none'") && csp.contains("form-action 'self'") && !csp.contains("unsafe-inline"));

    let form = "application/x-www-form-urlencoded";
    let same_origin = ["Sec-Fetch-Site: same-origin".to_owned()];
    let wrong = server.send("POST", "/api/v1/session", &same_origin, Some((form, "token=bbt_nope&next=%2Fenvs")));
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("data-testid=\"signin-error\"") && wrong.body.contains("not known"), "{}", wrong.body);
    assert!(wrong.body.contains("value=\"/envs\""), "the page keeps where the user was going");
    assert!(wrong.header("set-cookie").is_none() && !wrong.body.contains("bbt_nope"));

    let body = format!("token={token}&next=%2Fenvs%3Fenv%3Dprod%23%2Fhistory");
    let signed_in = server.send("POST", "/api/v1/session", &same_origin, Some((form, &body)));
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    assert_eq!(signed_in.header("location"), Some("/envs?env=prod#/history"));
    assert!(signed_in.set_cookie().starts_with(&format!("{COOKIE}=")));

    // `next` leads nowhere but this server.
    let body = format!("token={token}&next=%2F%2Fevil.example%2F");
    let elsewhere = server.send("POST", "/api/v1/session", &same_origin, Some((form, &body)));
    assert_eq!((elsewhere.status, elsewhere.header("location")), (303, Some("/")));

    // Another site's form cannot sign the browser in, even with a good token.
    let cross = ["Sec-Fetch-Site: cross-site".to_owned(), "Origin: https://evil.example".to_owned()];
    let body = format!("token={token}");
    let forged = server.send("POST", "/api/v1/session", &cross, Some((form, &body)));
    assert_eq!(forged.status, 403);
    assert!(forged.header("set-cookie").is_none());
    let forged_json = server.send(
        "POST",
        "/api/v1/session",
        &["Origin: https://evil.example".to_owned()],
        Some(("application/json", &serde_json::json!({ "token": token }).to_string())),
    );
    assert_eq!((forged_json.status, forged_json.error_code().as_str()), (403, "cross-origin"));
}

#[test]
fn the_cookie_is_secure_behind_tls_a_trusted_proxy_reports_or_when_asked() {
    let (home, auth_file, token) = home_with_token("ana", Role::Viewer);
    let proxied = Server::start(&home, &["--auth-file", &auth_file, "--trusted-proxy", "127.0.0.1/32"]);
    let (https, _) = proxied.sign_in(&token, &["X-Forwarded-Proto: https".to_owned()]);
    assert!(https.set_cookie().split("; ").any(|a| a == "Secure"), "{}", https.set_cookie());
    let (http, _) = proxied.sign_in(&token, &["X-Forwarded-Proto: http".to_owned()]);
    assert!(!http.set_cookie().contains("Secure"), "{}", http.set_cookie());
    drop(proxied);

    let untrusted = Server::start(&home, &["--auth-file", &auth_file]);
    let (forwarded, _) = untrusted.sign_in(&token, &["X-Forwarded-Proto: https".to_owned()]);
    assert!(!forwarded.set_cookie().contains("Secure"), "the header counts only from a trusted proxy");
    drop(untrusted);

    let always = Server::start(&home, &["--auth-file", &auth_file, "--secure-cookies"]);
    let (secure, _) = always.sign_in(&token, &[]);
    assert!(secure.set_cookie().split("; ").any(|a| a == "Secure"), "{}", secure.set_cookie());
}

#[test]
fn a_mutation_by_the_sso_proxys_identity_needs_the_csrf_header_too() {
    let (home, auth_file, _) = home_with_token("ci", Role::Viewer);
    let mut auth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&auth_file).expect("auth file")).expect("json");
    auth["users"] = serde_json::json!([{ "name": "ana@example.com", "grants": [{ "role": "editor" }] }]);
    std::fs::write(&auth_file, auth.to_string()).expect("write the auth file");
    let server = Server::start(&home, &["--auth-file", &auth_file, "--trusted-proxy", "127.0.0.1/32"]);
    let user = "X-Forwarded-Email: ana@example.com".to_owned();
    let bind =
        |headers: Vec<String>| server.send("POST", "/api/v1/bindings/bind", &headers, Some(("application/json", BIND)));
    let refused = bind(vec![user.clone(), "If-Match: *".to_owned()]);
    assert_eq!((refused.status, refused.error_code().as_str()), (403, "csrf-header-missing"));
    assert_eq!(home.read(), FILE);
    let bound = bind(vec![user.clone(), "If-Match: *".to_owned(), csrf_header()]);
    assert_eq!(bound.status, 200, "{}", bound.body);
    let who: SessionInfo = serde_json::from_str(&server.get("/api/v1/session", &[user]).body).expect("info");
    assert_eq!(who.name.as_deref(), Some("ana@example.com"));
}

#[test]
fn cors_is_off_unless_an_origin_is_configured_and_then_only_for_that_origin_without_cookies() {
    let (home, auth_file, token) = home_with_token("ci", Role::Viewer);
    let preflight = |server: &Server, origin: &str, headers: &str| {
        server.send(
            "OPTIONS",
            "/api/v1/bindings",
            &[
                format!("Origin: {origin}"),
                "Access-Control-Request-Method: GET".to_owned(),
                format!("Access-Control-Request-Headers: {headers}"),
            ],
            None,
        )
    };
    let tools = "https://tools.example.com";

    let default = Server::start(&home, &["--auth-file", &auth_file]);
    assert!(!preflight(&default, tools, "authorization").has_cors_headers());
    let read = default.get("/api/v1/bindings", &[format!("Origin: {tools}"), format!("Authorization: Bearer {token}")]);
    assert_eq!(read.status, 200);
    assert!(!read.has_cors_headers(), "{:?}", read.headers);
    drop(default);

    let configured = Server::start(&home, &["--auth-file", &auth_file, "--cors-origin", tools]);
    let allowed = preflight(&configured, tools, "authorization");
    assert!(allowed.status == 200 || allowed.status == 204, "{}", allowed.status);
    assert_eq!(allowed.header("access-control-allow-origin"), Some(tools));
    let allow_headers = allowed.header("access-control-allow-headers").unwrap_or_default().to_ascii_lowercase();
    assert!(allow_headers.contains("authorization") && !allow_headers.contains(CSRF_HEADER), "{allow_headers}");
    assert!(allowed.header("access-control-allow-credentials").is_none(), "cookies are never shared cross-origin");
    let read =
        configured.get("/api/v1/bindings", &[format!("Origin: {tools}"), format!("Authorization: Bearer {token}")]);
    assert_eq!((read.status, read.header("access-control-allow-origin")), (200, Some(tools)));
    let stranger = preflight(&configured, "https://evil.example", "authorization");
    assert!(stranger.header("access-control-allow-origin").is_none(), "{:?}", stranger.headers);
}

#[test]
fn without_auth_the_session_says_so_and_the_sign_in_page_sends_the_browser_on() {
    let home = TestHome::with_file(FILE);
    let server = Server::start(&home, &[]);
    let who: SessionInfo = serde_json::from_str(&server.get("/api/v1/session", &[]).body).expect("info");
    assert_eq!(who, SessionInfo { auth: false, name: None, grants: vec![] });
    let page = server.get("/signin?next=%2Fenvs", &[]);
    assert_eq!((page.status, page.header("location")), (303, Some("/envs")));
    let reply = server.send("POST", "/api/v1/session", &[], Some(("application/json", r#"{"token":"bbt_x"}"#)));
    assert_eq!((reply.status, reply.error_code().as_str()), (409, "auth-off"));
}
