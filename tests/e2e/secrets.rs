//! The server never shows a secret: run with recognisable AWS credentials and a token, walk
//! every route of the access table and every file of the UI, sign in, and find those bytes (nor
//! the session cookies' secret) in no response and no log line.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use bedrock_binder::server::access::RULES;
use fake_bedrock::FakeBedrock;

use crate::helpers::TestHome;

const SECRET_KEY: &str = "SECRETMARKERsecretaccesskey0123456789abcd";
const SESSION_TOKEN: &str = "SESSIONMARKERsessiontoken0123456789";

/// One request; the whole response (head and body) as text.
fn request(addr: &str, method: &str, path: &str, token: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nIf-Match: *\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    String::from_utf8_lossy(&response).into_owned()
}

/// The paths a page's HTML links to on this server.
fn linked_paths(html: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for attribute in ["href=", "src=", "module_or_path: '", "from '"] {
        for piece in html.split(attribute).skip(1) {
            let piece = piece.trim_start_matches(['"', '\'']);
            let end = piece.find(['"', '\'', ' ', '>', ';']).unwrap_or(piece.len());
            let path = &piece[..end];
            if path.starts_with('/') && !path.starts_with("//") {
                paths.push(path.to_owned());
            }
        }
    }
    paths
}

#[test]
fn no_response_or_log_line_contains_the_aws_credentials_or_the_token() {
    let fake = FakeBedrock::with_default_regions().start().expect("fake");
    let home = TestHome::with_file("amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n");
    let auth_file = home.dir.path().join("auth.json");
    let auth = auth_file.to_str().expect("UTF-8");
    let created = home.run(&["token", "create", "--name", "admin", "--role", "admin", "--auth-file", auth]).success();
    let token = created.stdout.lines().next().expect("the token").to_owned();
    let log = home.dir.path().join("server.log");

    let mut command = home.command();
    command
        .env("AWS_ACCESS_KEY_ID", "AKIDFAKEBEDROCK00001")
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("AWS_SESSION_TOKEN", SESSION_TOKEN)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("RUST_LOG", "debug");
    for (name, value) in fake.endpoint_env() {
        command.env(name, value);
    }
    let mut child = command
        .arg("--file")
        .arg(&home.file)
        .args(["serve", "--listen", "127.0.0.1:0", "--auth-file", auth])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("spawn the server");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("the URL line");
    let addr = line.trim_end().strip_prefix("bedrock-binder listening on http://").expect("URL").to_owned();

    let body = r#"{"model":"amazon.nova-pro-v1:0","profile":"","name":"default","from":"default","to":"default","seq":1,"max_tokens":8}"#;
    let mut responses = Vec::new();
    for (method, path, _) in RULES {
        let path = path.replace("{env}", "default").replace("{profile}", "no-such-profile");
        responses.push((format!("{method} {path}"), request(&addr, method.as_str(), &path, &token, body)));
    }
    // A real sign-in, which makes the session secret the cookies are signed with.
    let sign_in = format!(r#"{{"token":"{token}"}}"#);
    let signed_in = request(&addr, "POST", "/api/v1/session", &token, &sign_in);
    assert!(signed_in.starts_with("HTTP/1.1 200"), "{signed_in}");
    responses.push(("POST /api/v1/session (signing in)".to_owned(), signed_in));
    for page in ["/", "/aws", "/envs", "/signin"] {
        let html = request(&addr, "GET", page, &token, "");
        for path in linked_paths(&html) {
            responses.push((format!("GET {path}"), request(&addr, "GET", &path, &token, "")));
        }
        responses.push((format!("GET {page}"), html));
    }
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();

    assert!(responses.len() > RULES.len(), "the UI's files were walked too");
    let called_aws = fake.requests().len();
    assert!(called_aws > 0, "the AWS routes reached the fake, signed with the credentials");
    let logged = std::fs::read_to_string(&log).expect("the log");
    assert!(logged.lines().count() > RULES.len(), "debug logging logs every request");
    let auth_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&auth_file).expect("auth file")).expect("JSON");
    let cookie_secret = auth_json["session_secret"].as_str().expect("the sign-in made a session secret").to_owned();
    for secret in [SECRET_KEY, SESSION_TOKEN, token.as_str(), cookie_secret.as_str()] {
        for (what, response) in &responses {
            assert!(!response.contains(secret), "{what} answered with a secret");
        }
        assert!(!logged.contains(secret), "the log holds a secret");
    }
}
