//! The AWS commands of the real binary, pointed at the fake Bedrock only through the standard
//! environment variables (`AWS_ENDPOINT_URL_BEDROCK`, `…_BEDROCK_RUNTIME`, `…_STS`), as a
//! user points them at a VPC endpoint. `AWS_EC2_METADATA_DISABLED` keeps the credential chain
//! off the network, and `AWS_MAX_ATTEMPTS=1` answers a scripted error once.

use std::process::Command;
use std::time::{Duration, Instant};

use bedrock_binder_shared::Catalog;
use bedrock_binder_shared::api::{AwsCatalogResponse, AwsStatus};
use bedrock_binder_shared::aws_failure::AwsFailureCode;
use bedrock_binder_shared::fact_source::FactSource;
use fake_bedrock::{FakeBedrock, FakeError, ModelMatch, Operation, RunningFake, TEST_CREDENTIALS_ENV};

use crate::aws_api::{NOVA, NOVA_US};
use crate::helpers::{Run, TestHome};

/// The binary in `home`, with the fake's endpoints and (if `credentials`) its test credentials,
/// region us-east-1.
fn aws_command(home: &TestHome, fake: &RunningFake, credentials: bool) -> Command {
    let mut command = home.command();
    command.env("AWS_EC2_METADATA_DISABLED", "true").env("AWS_MAX_ATTEMPTS", "1").env("AWS_REGION", "us-east-1");
    for (name, value) in fake.endpoint_env() {
        command.env(name, value);
    }
    if credentials {
        for (name, value) in TEST_CREDENTIALS_ENV {
            command.env(name, value);
        }
    }
    command.arg("--file").arg(&home.file);
    command
}

fn run_with(mut command: Command, args: &[&str]) -> Run {
    let output = command.args(args).output().expect("run binary");
    Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code(),
    }
}

/// Runs with the fake and its credentials.
pub(crate) fn aws_run(home: &TestHome, fake: &RunningFake, args: &[&str]) -> Run {
    run_with(aws_command(home, fake, true), args)
}

#[test]
fn catalog_live_prints_a_line_per_region_and_the_profiles_to_bind() {
    let fake = FakeBedrock::with_default_regions().profile_only("us-east-1", NOVA).start().expect("fake");
    let home = TestHome::new();
    let run = aws_run(&home, &fake, &["catalog", "--live", "--region", "us-east-1", "--region", "eu-west-1"]).success();
    let progress: Vec<&str> = run.stderr.lines().filter(|line| line.starts_with('✓')).collect();
    assert_eq!(progress.len(), 2, "{}", run.stderr);
    assert!(progress.iter().any(|l| l.starts_with("✓ us-east-1: ") && l.contains(" models, ")), "{progress:?}");
    assert!(progress.iter().any(|l| l.starts_with("✓ eu-west-1: ")), "{progress:?}");
    assert!(run.stdout.contains("== us-east-1 (live, us-east-1, just now, fetched "), "{}", run.stdout);
    let nova = run.stdout.lines().find(|l| l.contains(&format!(". {NOVA}  "))).expect("nova listed");
    assert!(nova.ends_with(&format!("requires a profile: {NOVA_US} (geo)")), "{nova}");
    assert!(run.stdout.contains("Total: "), "{}", run.stdout);
    let regions_called: Vec<String> = fake.requests().iter().filter_map(|r| r.region.clone()).collect();
    assert!(regions_called.iter().any(|r| r == "eu-west-1") && regions_called.iter().any(|r| r == "us-east-1"));
}

#[test]
fn catalog_live_json_says_where_each_entry_came_from_and_filters_profile_only_models() {
    let fake = FakeBedrock::with_default_regions().profile_only("us-east-1", NOVA).start().expect("fake");
    let home = TestHome::new();
    let run = aws_run(&home, &fake, &["--json", "catalog", "--live", "--requires-profile"]).success();
    let catalog: AwsCatalogResponse = serde_json::from_str(&run.stdout).expect("JSON");
    let region = &catalog.regions[0];
    assert_eq!(region.region, "us-east-1", "AWS_REGION is the default");
    assert_eq!(region.source, FactSource::Live);
    assert!(region.models.iter().all(|m| m.requires_profile == Some(true)));
    let nova = region.models.iter().find(|m| m.id == NOVA).expect("nova");
    assert_eq!(nova.source, FactSource::Live);
    assert_eq!(nova.fetched_at, region.fetched_at);
    assert_eq!(nova.suggestions[0].profile, NOVA_US);
}

#[test]
fn catalog_without_live_uses_the_offline_catalog_and_calls_nothing() {
    let fake = FakeBedrock::with_default_regions().start().expect("fake");
    let home = TestHome::new();
    let run = run_with(aws_command(&home, &fake, false), &["catalog", "--region", "eu-west-1"]).success();
    let embedded = format!("embedded catalog of {}", Catalog::embedded().compiled_on().expect("a compile date"));
    assert!(run.stdout.starts_with(&format!("== eu-west-1 ({embedded}) ==\n")), "{}", run.stdout);
    assert!(fake.requests().is_empty());
}

#[test]
fn a_live_refresh_is_still_there_after_a_restart_without_aws_marked_with_its_region_and_time() {
    let fake = FakeBedrock::with_default_regions().profile_only("us-east-1", NOVA).start().expect("fake");
    let home = TestHome::new();
    let live = aws_run(&home, &fake, &["--json", "catalog", "--live", "--region", "us-east-1"]).success();
    let live: AwsCatalogResponse = serde_json::from_str(&live.stdout).expect("JSON");
    let fetched_at = live.regions[0].fetched_at.expect("fetched live");
    let saved = home.dir.path().join(".cache/bedrock-binder/discoveries/default/us-east-1.json");
    assert!(saved.is_file(), "saved in the user's cache directory");
    drop(fake);

    // A new process, with no credentials and nothing listening where the fake was.
    let fake = FakeBedrock::with_default_regions().start().expect("another fake, for its endpoints only");
    let run = run_with(aws_command(&home, &fake, false), &["--json", "catalog", "--region", "us-east-1"]).success();
    let catalog: AwsCatalogResponse = serde_json::from_str(&run.stdout).expect("JSON");
    let region = &catalog.regions[0];
    assert_eq!((region.source, region.fetched_at), (FactSource::Live, Some(fetched_at)), "the saved discovery");
    let nova = region.models.iter().find(|m| m.id == NOVA).expect("nova");
    assert_eq!((nova.source, nova.requires_profile), (FactSource::Live, Some(true)), "as discovered");
    let text = run_with(aws_command(&home, &fake, false), &["catalog", "--region", "us-east-1"]).success();
    assert!(text.stdout.starts_with("== us-east-1 (live, us-east-1, "), "{}", text.stdout);
    assert!(fake.requests().is_empty(), "nothing was fetched again");
}

#[test]
fn aws_status_prints_the_profile_region_and_account() {
    let fake = FakeBedrock::with_default_regions().start().expect("fake");
    let home = TestHome::new();
    let run = aws_run(&home, &fake, &["aws-status"]).success();
    assert!(run.stdout.contains("region: us-east-1\n"), "{}", run.stdout);
    assert!(run.stdout.contains("credentials: found\n"));
    assert!(run.stdout.contains("account: 123456789012\n"));
    assert!(run.stdout.contains("endpoint overrides: AWS_ENDPOINT_URL_BEDROCK"), "{}", run.stdout);
    assert!(!run.stdout.contains(TEST_CREDENTIALS_ENV[1].1), "the secret is never printed");
}

#[test]
fn without_credentials_status_and_live_catalog_say_why_quickly_and_exit_1() {
    let fake = FakeBedrock::with_default_regions().start().expect("fake");
    let home = TestHome::new();
    let started = Instant::now();
    let run = run_with(aws_command(&home, &fake, false), &["--json", "aws-status"]).failure();
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    let status: AwsStatus = serde_json::from_str(&run.stdout).expect("JSON");
    assert!(!status.credentials);
    assert_eq!(status.problem.map(|p| p.code), Some(AwsFailureCode::NoCredentials));

    let run = run_with(aws_command(&home, &fake, false), &["catalog", "--live"]).failure();
    assert!(run.stderr.contains("✗ us-east-1: No AWS credentials were found"), "{}", run.stderr);
    assert!(run.stdout.contains("== us-east-1 (embedded catalog of "), "the embedded catalog still shows");
    assert!(fake.requests().is_empty());
}

#[test]
fn an_expired_token_is_reported_as_expired_credentials() {
    let fake = FakeBedrock::with_default_regions()
        .fail_always(Operation::GetCallerIdentity, ModelMatch::Any, FakeError::ExpiredToken)
        .start()
        .expect("fake");
    let home = TestHome::new();
    let run = aws_run(&home, &fake, &["aws-status"]).failure();
    assert!(run.stdout.contains("problem: The AWS credentials have expired."), "{}", run.stdout);
}

#[test]
fn test_prints_the_reply_the_tokens_the_latency_and_the_model_id_sent() {
    let fake = FakeBedrock::with_default_regions().start().expect("fake");
    let home = TestHome::with_file(&format!("{NOVA}={NOVA_US}\n"));
    let run = aws_run(&home, &fake, &["test", NOVA, "--prompt", "say hi", "--max-tokens", "20"]).success();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], format!("→ {NOVA} in us-east-1 (modelId sent: {NOVA_US})"));
    assert!(lines[1].contains(&format!("answered through {NOVA_US}")), "{}", run.stdout);
    assert!(lines[2].starts_with("stop reason: end_turn · tokens: 2 in, "), "{}", lines[2]);
    assert!(lines[2].contains(" ms (Bedrock: "), "{}", lines[2]);
    let converse = fake.requests().into_iter().find(|r| r.operation == Some(Operation::Converse)).expect("called");
    assert!(converse.body.contains("\"maxTokens\":20"), "{}", converse.body);
}

#[test]
fn test_of_an_unbound_profile_only_model_exits_1_with_the_diagnosis_and_the_fix() {
    let fake = FakeBedrock::with_default_regions().profile_only("us-east-1", NOVA).start().expect("fake");
    let home = TestHome::new();
    let run = aws_run(&home, &fake, &["test", NOVA]).failure();
    assert!(run.stdout.contains("error: ValidationException: Invocation of model ID"), "{}", run.stdout);
    assert!(run.stdout.contains("isn\u{2019}t supported"), "{}", run.stdout);
    assert!(run.stdout.contains("why: `amazon.nova-pro-v1:0` cannot be called by its bare id in us-east-1"));
    assert!(run.stdout.contains(&format!("fix: bedrock-binder bind {NOVA} {NOVA_US}\n")), "{}", run.stdout);

    aws_run(&home, &fake, &["bind", NOVA, NOVA_US]).success();
    aws_run(&home, &fake, &["test", NOVA]).success();
}

#[test]
fn test_stream_prints_the_reply_as_it_arrives_through_converse_stream() {
    let fake = FakeBedrock::with_default_regions().start().expect("fake");
    let home = TestHome::with_file(&format!("{NOVA}={NOVA_US}\n"));
    let run = aws_run(&home, &fake, &["test", NOVA, "--stream"]).success();
    assert!(
        run.stdout.contains(&format!("answered through {NOVA_US} in us-east-1.\nstop reason: end_turn")),
        "{}",
        run.stdout
    );
    let operations: Vec<Option<Operation>> = fake.requests().iter().map(|r| r.operation).collect();
    assert_eq!(operations, [Some(Operation::ConverseStream)]);
}

#[test]
fn test_json_is_the_api_answer_and_a_mid_stream_failure_is_diagnosed() {
    let fake = FakeBedrock::with_default_regions()
        .rule(fake_bedrock::Rule::new(Operation::ConverseStream, ModelMatch::Any, FakeError::Throttling).mid_stream())
        .start()
        .expect("fake");
    let home = TestHome::with_file(&format!("{NOVA}={NOVA_US}\n"));
    let run = aws_run(&home, &fake, &["--json", "test", NOVA, "--stream"]).failure();
    let response: bedrock_binder_shared::api::TestResponse = serde_json::from_str(&run.stdout).expect("JSON");
    assert!(!response.ok);
    assert_eq!(response.reply, "Partial ", "the text received before the failure is kept");
    assert_eq!(response.diagnosis.as_ref().map(|d| d.code), Some(AwsFailureCode::Throttled), "{response:?}");
}

#[test]
fn test_refuses_a_malformed_model_with_a_snippet() {
    let fake = FakeBedrock::with_default_regions().start().expect("fake");
    let home = TestHome::new();
    let run = aws_run(&home, &fake, &["test", "Amazon.nova"]).failure();
    assert!(run.stderr.contains("lowercase"), "{}", run.stderr);
    assert!(fake.requests().is_empty());
}

#[test]
fn check_exits_0_when_every_binding_passes() {
    let fake = FakeBedrock::with_default_regions().start().expect("fake");
    let home = TestHome::with_file(&format!("{NOVA}={NOVA_US}\namazon.nova-lite-v1:0=\n"));
    let run = aws_run(&home, &fake, &["check"]).success();
    assert!(run.stdout.contains(&format!("✓ {NOVA} -> {NOVA_US} (line 1)\n")), "{}", run.stdout);
    assert!(run.stdout.contains("✓ amazon.nova-lite-v1:0 -> direct (line 2)\n"), "{}", run.stdout);
    assert!(run.stdout.ends_with("Checked 2 bindings in us-east-1: 2 passed, 0 failed\n"), "{}", run.stdout);
}

#[test]
fn check_exits_1_naming_the_failed_check_the_reason_and_the_fix() {
    let fake = FakeBedrock::with_default_regions().start().expect("fake");
    let home = TestHome::with_file(&format!("{NOVA}=eu.{NOVA}\n"));
    let run = aws_run(&home, &fake, &["check", "--region", "us-east-1"]).failure();
    assert!(run.stdout.contains(&format!("✗ {NOVA} -> eu.{NOVA} (line 1)\n")), "{}", run.stdout);
    assert!(run.stdout.contains(&format!("    ✗ profile exists: us-east-1 has no profile `eu.{NOVA}`\n")));
    assert!(run.stdout.contains(&format!("    fix: bedrock-binder bind {NOVA} {NOVA_US}\n")), "{}", run.stdout);
    let run = aws_run(&home, &fake, &["check", "--region", "eu-west-1"]).success();
    assert!(run.stdout.contains("in eu-west-1: 1 passed"), "the same binding works from its geography");
}

#[test]
fn check_exits_1_when_the_calls_fail() {
    let fake = FakeBedrock::with_default_regions()
        .fail_always(Operation::GetInferenceProfile, ModelMatch::Any, FakeError::AccessDenied)
        .start()
        .expect("fake");
    let home = TestHome::with_file(&format!("{NOVA}={NOVA_US}\n"));
    let run = aws_run(&home, &fake, &["--json", "check"]).failure();
    let report: bedrock_binder_shared::api::CheckResponse = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(report.bindings[0].diagnosis.as_ref().map(|d| d.code), Some(AwsFailureCode::AccessDenied));
}

#[test]
fn profiles_create_bind_list_and_delete_with_confirmation() {
    let fake = FakeBedrock::with_default_regions().start().expect("fake");
    let home = TestHome::new();
    let create = [
        "profiles",
        "create",
        "team-nova",
        "--copy-from",
        NOVA_US,
        "--tag",
        "team=ml",
        "--client-request-token",
        "cli-token-1",
        "--bind",
    ];
    let run = aws_run(&home, &fake, &create).success();
    let arn = run
        .stdout
        .split_whitespace()
        .find(|word| word.starts_with("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/"))
        .expect("the new ARN")
        .to_owned();
    assert!(run.stdout.contains(&format!("✓ Bound {NOVA} to {arn}\n")), "{}", run.stdout);
    assert_eq!(home.read(), format!("{NOVA}={arn}\n"));

    // The same command again: the token makes it the same profile, not a second one.
    let run = aws_run(&home, &fake, &create[..create.len() - 1]).success();
    assert!(run.stdout.contains(&arn), "{}", run.stdout);
    let listed = aws_run(&home, &fake, &["profiles", "list"]).success();
    assert!(listed.stdout.contains("1. team-nova ("), "{}", listed.stdout);
    assert!(listed.stdout.contains(&format!(") -> {NOVA} [ACTIVE]\n")), "{}", listed.stdout);
    assert!(listed.stdout.contains(&format!("   used by: {NOVA} (line 1)\n")));
    assert!(listed.stdout.ends_with("Total: 1 application profiles in us-east-1\n"), "{}", listed.stdout);

    let refused = aws_run(&home, &fake, &["profiles", "delete", &arn]).failure();
    assert!(refused.stderr.contains(&format!("warning: line 1 binds {NOVA} to this profile")), "{}", refused.stderr);
    assert!(refused.stderr.contains("pass --yes to delete it"), "{}", refused.stderr);
    let deleted = aws_run(&home, &fake, &["profiles", "delete", &arn, "--yes"]).success();
    assert!(deleted.stdout.starts_with("✓ Deleted team-nova"), "{}", deleted.stdout);
    let listed = aws_run(&home, &fake, &["profiles", "list"]).success();
    assert_eq!(listed.stdout, "Total: 0 application profiles in us-east-1\n");
}

#[test]
fn profiles_delete_refuses_a_system_profile() {
    let fake = FakeBedrock::with_default_regions().start().expect("fake");
    let home = TestHome::new();
    let run = aws_run(&home, &fake, &["profiles", "delete", NOVA_US, "--yes"]).failure();
    assert!(run.stderr.contains("only application profiles can be deleted"), "{}", run.stderr);
    assert!(fake.requests().iter().all(|r| r.operation != Some(Operation::DeleteInferenceProfile)));
}

#[test]
fn bind_required_shows_the_changes_and_writes_them_only_with_yes() {
    let fake = FakeBedrock::with_default_regions().profile_only("us-east-1", NOVA).start().expect("fake");
    let home = TestHome::with_file(&format!("{NOVA}=\n"));
    let run = aws_run(&home, &fake, &["bind-required"]).success();
    assert!(run.stdout.contains(&format!("+ {NOVA}={NOVA_US}  (the `us.` cross-region profile")), "{}", run.stdout);
    assert!(run.stdout.ends_with("pass --yes to write them\n"), "{}", run.stdout);
    assert_eq!(home.read(), format!("{NOVA}=\n"));
    let run = aws_run(&home, &fake, &["bind-required", "--yes"]).success();
    assert!(run.stdout.contains("✓ Bound "), "{}", run.stdout);
    assert!(home.read().starts_with(&format!("{NOVA}={NOVA_US}\n")));
    aws_run(&home, &fake, &["test", NOVA]).success();
}

/// `serve` on a free port with AWS pointed at the fake; killed on drop.
struct Serve {
    child: std::process::Child,
    addr: String,
    _stdout: std::io::BufReader<std::process::ChildStdout>,
}

impl Serve {
    fn start(mut command: Command) -> Serve {
        use std::io::BufRead;
        let mut child = command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn the server");
        let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("the URL line");
        let addr = line.trim_end().strip_prefix("bedrock-binder listening on http://").expect("the URL").to_owned();
        Serve { child, addr, _stdout: stdout }
    }

    /// `GET path`: the status code and the body.
    fn get(&self, path: &str) -> (u16, String) {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&self.addr).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
        write!(stream, "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", self.addr).expect("send");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        let (head, body) = response.split_once("\r\n\r\n").expect("headers");
        let status = head.split_whitespace().nth(1).and_then(|code| code.parse().ok()).expect("a status");
        (status, body.to_owned())
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn serve_reaches_aws_through_the_endpoint_overrides() {
    let fake = FakeBedrock::with_default_regions().profile_only("us-east-1", NOVA).start().expect("fake");
    let home = TestHome::new();
    let server = Serve::start(aws_command(&home, &fake, true));
    let (code, body) = server.get("/api/v1/aws/status");
    assert_eq!(code, 200, "{body}");
    let status: AwsStatus = serde_json::from_str(&body).expect("JSON");
    assert!(status.ok, "{status:?}");
    assert_eq!(status.account.as_deref(), Some("123456789012"));
    assert!(status.endpoint_overrides.contains(&"AWS_ENDPOINT_URL_BEDROCK".to_owned()));
    let (code, body) = server.get("/api/v1/aws/catalog?live=true&requires_profile=true");
    assert_eq!(code, 200, "{body}");
    let catalog: AwsCatalogResponse = serde_json::from_str(&body).expect("JSON");
    assert_eq!(catalog.regions[0].source, FactSource::Live);
    assert!(catalog.regions[0].models.iter().any(|m| m.id == NOVA));
}

#[test]
fn serve_without_credentials_starts_at_once_says_why_and_keeps_the_offline_catalog() {
    let fake = FakeBedrock::with_default_regions().start().expect("fake");
    let home = TestHome::new();
    let started = Instant::now();
    let server = Serve::start(aws_command(&home, &fake, false));
    let (code, body) = server.get("/api/v1/health");
    assert_eq!(code, 200, "{body}");
    assert!(started.elapsed() < Duration::from_secs(5), "startup does not wait for AWS");
    let (code, body) = server.get("/api/v1/aws/status");
    assert_eq!(code, 200, "{body}");
    let status: AwsStatus = serde_json::from_str(&body).expect("JSON");
    assert!(!status.ok && !status.credentials);
    assert_eq!(status.problem.map(|p| p.code), Some(AwsFailureCode::NoCredentials));
    let (code, body) = server.get("/api/v1/aws/catalog?regions=us-east-1&live=true");
    assert_eq!(code, 200, "{body}");
    let catalog: AwsCatalogResponse = serde_json::from_str(&body).expect("JSON");
    let region = &catalog.regions[0];
    assert_eq!(region.source, FactSource::Offline);
    assert!(!region.models.is_empty());
    assert_eq!(region.error.as_ref().map(|e| e.code), Some(AwsFailureCode::NoCredentials));
    let (code, _) = server.get("/api/v1/catalog");
    assert_eq!(code, 200);
    assert!(fake.requests().is_empty());
}

#[test]
fn check_exits_1_when_the_bound_profile_is_not_active() {
    let fake =
        FakeBedrock::with_default_regions().profile_status("us-east-1", NOVA_US, "DISABLED").start().expect("fake");
    let home = TestHome::with_file(&format!("{NOVA}={NOVA_US}\n"));
    let run = aws_run(&home, &fake, &["check"]).failure();
    assert!(run.stdout.contains(&format!("✗ {NOVA} -> {NOVA_US} (line 1)\n")), "{}", run.stdout);
    assert!(run.stdout.contains("    ✗ profile active: the profile is DISABLED, not ACTIVE\n"), "{}", run.stdout);
    assert!(run.stdout.contains("only ACTIVE profiles can be called"), "{}", run.stdout);
    assert!(run.stdout.ends_with("Checked 1 bindings in us-east-1: 0 passed, 1 failed\n"), "{}", run.stdout);
}
