//! Environments end to end: the binary's `env`, `promote`, `history` and `revert` on a store
//! directory, and the same through the API, with the promote gate against the fake Bedrock.

use std::fs;
use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use bedrock_binder::aws::AwsSettings;
use bedrock_binder::envs::Environments;
use bedrock_binder::server::{AppState, router};
use bedrock_binder_shared::Catalog;
use bedrock_binder_shared::api::{
    BindingsResponse, ChangeKind, EnvDiffResponse, EnvListResponse, EnvSummary, GateSeverity, HistoryResponse,
    PromoteResponse, ResolveResponse, ResolvedKind,
};
use fake_bedrock::{DEFAULT_ACCOUNT, FakeBedrock};

use crate::aws_api::{NOVA, aws_with, get, post_json, send};
use crate::helpers::{Run, TestHome};

const LITE: &str = "amazon.nova-lite-v1:0";
const LITE_US: &str = "us.amazon.nova-lite-v1:0";
const NOVA_US: &str = "us.amazon.nova-pro-v1:0";
const MICRO: &str = "amazon.nova-micro-v1:0";
const MICRO_US: &str = "us.amazon.nova-micro-v1:0";

/// prod's file: comments, a blank line, CRLF endings and a binding the promote leaves alone.
const PROD: &str = "# prod: the production account's profiles\r\n\
                    amazon.titan-text-express-v1=\r\n\
                    \r\n\
                    # keep this comment\r\n\
                    amazon.nova-lite-v1:0=\r\n";

/// A temp home with a store directory beside it.
pub(crate) struct StoreHome {
    pub(crate) home: TestHome,
    pub(crate) store: PathBuf,
}

impl StoreHome {
    pub(crate) fn new() -> StoreHome {
        let home = TestHome::new();
        let store = home.dir.path().join("store");
        StoreHome { home, store }
    }

    /// Runs `bedrock-binder --store STORE ARGS…`.
    pub(crate) fn run(&self, args: &[&str]) -> Run {
        let output = self.home.command().arg("--store").arg(&self.store).args(args).output().expect("run binary");
        Run::from(output)
    }

    pub(crate) fn text(&self, env: &str) -> String {
        fs::read_to_string(self.env_file(env)).expect("read the environment's file")
    }

    fn env_file(&self, env: &str) -> PathBuf {
        self.store.join("envs").join(env).join("inference.txt")
    }
}

fn write(path: &Path, text: &str) {
    fs::write(path, text).expect("write");
}

#[test]
fn staging_is_cloned_edited_promoted_into_prod_and_prod_reverted_to_its_exact_bytes() {
    let s = StoreHome::new();
    s.run(&["env", "create", "default"]).success();
    s.run(&["bind", NOVA, NOVA_US]).success();
    s.run(&["env", "create", "staging", "--from", "default", "--description", "pre-production"]).success();
    s.run(&["--env", "staging", "bind", LITE, LITE_US]).success();
    s.run(&["--env", "staging", "bind", MICRO, MICRO_US]).success();
    let prod_file = s.home.dir.path().join("prod.txt");
    write(&prod_file, PROD);
    s.run(&["--file", prod_file.to_str().expect("UTF-8"), "env", "create", "prod"]).success();
    assert_eq!(s.text("prod"), PROD, "created byte for byte from the file");

    let list = s.run(&["--json", "env", "list"]).success();
    let list: EnvListResponse = serde_json::from_str(&list.stdout).expect("JSON");
    let names: Vec<&str> = list.envs.iter().map(|env| env.name.as_str()).collect();
    assert_eq!(names, ["default", "prod", "staging"]);
    let staging = list.envs.iter().find(|env| env.name == "staging").expect("staging");
    assert_eq!((staging.bindings, staging.settings.description.as_str()), (3, "pre-production"));

    let diff = s.run(&["--json", "env", "diff", "staging", "prod"]).success();
    let diff: EnvDiffResponse = serde_json::from_str(&diff.stdout).expect("JSON");
    let lite = diff.changes.iter().find(|change| change.model == LITE).expect("lite differs");
    assert_eq!((lite.from.as_deref(), lite.to.as_deref()), (Some(LITE_US), Some("")));

    // The preview writes nothing.
    let promote = ["promote", "--from", "staging", "--to", "prod", "--model", LITE, "--model", NOVA];
    let preview = s.run(&promote).success();
    assert!(preview.stdout.contains(&format!("~ {LITE}: (direct) → {LITE_US}")), "{}", preview.stdout);
    assert!(preview.stdout.contains(&format!("+ {NOVA} = {NOVA_US}")), "{}", preview.stdout);
    assert!(preview.stdout.contains("not run: the account check"), "no credentials, so said: {}", preview.stdout);
    assert!(preview.stderr.contains("pass --yes"), "{}", preview.stderr);
    assert_eq!(s.text("prod"), PROD, "the preview wrote nothing");

    // The promote changes exactly those lines, and keeps prod's comments, order and endings.
    let mut apply = promote.to_vec();
    apply.extend(["--reason", "release 42", "--yes"]);
    s.run(&apply).success();
    let expected =
        PROD.replace(&format!("{LITE}=\r\n"), &format!("{LITE}={LITE_US}\r\n")) + &format!("{NOVA}={NOVA_US}\r\n");
    assert_eq!(s.text("prod"), expected);
    assert!(!s.text("prod").contains(MICRO), "only the chosen models");

    let history = s.run(&["--json", "--env", "prod", "history"]).success();
    let history: HistoryResponse = serde_json::from_str(&history.stdout).expect("JSON");
    let kinds: Vec<ChangeKind> = history.entries.iter().map(|item| item.summary.kind).collect();
    assert_eq!(kinds, [ChangeKind::Promote, ChangeKind::Create], "newest first");
    let promoted = &history.entries[0];
    assert_eq!(promoted.summary.reason.as_deref(), Some("release 42"));
    assert_eq!(promoted.changes.len(), 2);
    let staging_history = s.run(&["--env", "staging", "history"]).success();
    assert!(staging_history.stdout.contains("Total: 3 changes"), "create + two binds: {}", staging_history.stdout);

    // Revert to the create: a new change, and prod's exact original bytes.
    let create_seq = history.entries[1].summary.seq.to_string();
    let refused = s.run(&["--env", "prod", "revert", &create_seq]);
    assert_eq!(refused.code, Some(1), "no --yes, no write");
    assert_eq!(s.text("prod"), expected);
    s.run(&["--env", "prod", "revert", &create_seq, "--yes"]).success();
    assert_eq!(s.text("prod").as_bytes(), PROD.as_bytes());
    let history = s.run(&["--json", "--env", "prod", "history"]).success();
    let history: HistoryResponse = serde_json::from_str(&history.stdout).expect("JSON");
    assert_eq!(history.entries[0].summary.kind, ChangeKind::Revert);
    assert_eq!(history.entries.len(), 3);
}

#[test]
fn env_names_that_could_leave_the_store_are_refused_with_the_rule() {
    let s = StoreHome::new();
    for name in ["../etc", "Prod", "a/b", ""] {
        let run = s.run(&["env", "create", name]);
        assert_eq!(run.code, Some(2), "{name}: {}", run.stderr);
        assert!(run.stderr.contains("environment name"), "{name}: {}", run.stderr);
    }
    assert!(!s.store.join("etc").exists() && !s.home.dir.path().join("etc").exists());
}

#[test]
fn a_missing_environment_and_a_delete_without_yes_say_what_to_do() {
    let s = StoreHome::new();
    let run = s.run(&["--env", "qa", "list"]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("env create qa"), "{}", run.stderr);
    s.run(&["env", "create", "qa"]).success();
    s.run(&["--env", "qa", "bind", NOVA, NOVA_US]).success();
    let refused = s.run(&["env", "delete", "qa"]);
    assert_eq!(refused.code, Some(1));
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);
    assert!(s.env_file("qa").exists());
    s.run(&["env", "delete", "qa", "--yes"]).success();
    assert!(!s.env_file("qa").exists());
    let history = s.run(&["--json", "--env", "qa", "history"]).success();
    let history: HistoryResponse = serde_json::from_str(&history.stdout).expect("JSON");
    assert_eq!(history.entries[0].summary.kind, ChangeKind::Delete, "its history is kept");
}

#[test]
fn the_single_file_keeps_its_history_in_the_state_directory_not_beside_the_file() {
    let home = TestHome::with_file("# mine\n");
    home.run(&["bind", NOVA, NOVA_US]).success();
    home.run(&["unbind", NOVA]).success();
    let history = home.run(&["--json", "history"]).success();
    let history: HistoryResponse = serde_json::from_str(&history.stdout).expect("JSON");
    assert_eq!(history.entries.len(), 2);
    let beside: Vec<_> = fs::read_dir(home.file.parent().expect("dir")).expect("list").collect();
    assert_eq!(beside.len(), 1, "only inference.txt in ~/.aws");
    assert!(home.dir.path().join(".local/state/bedrock-binder/files").is_dir());
    home.run(&["revert", &history.entries[1].summary.seq.to_string(), "--yes"]).success();
    assert_eq!(home.read(), format!("# mine\n{NOVA}={NOVA_US}\n"));
    let refused = home.run(&["env", "create", "staging"]);
    assert!(refused.stderr.contains("--store DIR"), "{}", refused.stderr);
}

// --- the API --------------------------------------------------------------------------------

/// A store with `staging` (bound to a dev account's application profile for NOVA, and LITE's
/// system profile) and `prod` (PROD, region us-east-1), served with AWS on `fake`.
async fn team(fake: &fake_bedrock::RunningFake) -> (StoreHome, Router) {
    let s = StoreHome::new();
    let envs = Environments::directory(&s.store);
    let meta = || bedrock_binder::storage::ChangeMeta { author: "setup".to_owned(), reason: None, approval: None };
    let staging = format!("{NOVA}={DEV_ARN}\n{LITE}={LITE_US}\n{MICRO}={MICRO_APAC}\n");
    let new = |text: &str, region: Option<&str>| bedrock_binder::envs::NewEnv {
        text: text.to_owned(),
        settings: bedrock_binder_shared::api::EnvSettings {
            region: region.map(|region| region.parse().expect("region")),
            ..Default::default()
        },
    };
    envs.create(&"default".parse().expect("name"), new("", None), meta()).expect("default");
    envs.create(&"staging".parse().expect("name"), new(&staging, None), meta()).expect("staging");
    envs.create(&"prod".parse().expect("name"), new(PROD, Some("us-east-1")), meta()).expect("prod");
    let aws = aws_with(fake, "us-west-2", AwsSettings::default()).await;
    let app = router(AppState::new(envs, Catalog::embedded()).with_aws(aws));
    (s, app)
}

/// A system profile that the fake has not in us-east-1.
const MICRO_APAC: &str = "apac.amazon.nova-micro-v1:0";

/// An application profile of another account than the fake's.
const DEV_ARN: &str = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/dev0nova0001";

fn request(method: Method, uri: &str, if_match: Option<&str>, body: Option<serde_json::Value>) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(tag) = if_match {
        builder = builder.header(header::IF_MATCH, tag);
    }
    match body {
        Some(json) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json.to_string()))
            .expect("request"),
        None => builder.body(Body::empty()).expect("request"),
    }
}

#[tokio::test]
async fn the_gate_refuses_another_accounts_application_arn_unless_forced_with_a_reason() {
    let fake = FakeBedrock::with_default_regions().spawn().await.expect("fake");
    let (s, app) = team(&fake).await;
    let body = serde_json::json!({ "from": "staging", "to": "prod", "models": [NOVA, LITE, MICRO] });
    let preview: PromoteResponse = send(&app, post_json("/api/v1/promote", None, body.clone())).await.json();
    assert!(!preview.applied && !preview.gate.ok, "{:?}", preview.gate);
    assert_eq!(preview.gate.account.as_deref(), Some(DEFAULT_ACCOUNT));
    assert_eq!(preview.gate.region.as_deref(), Some("us-east-1"), "prod's own region, not the server's us-west-2");
    let cross = preview.gate.findings.iter().find(|finding| finding.check == "cross-account").expect("cross-account");
    assert_eq!((cross.model.as_str(), cross.severity), (NOVA, GateSeverity::Error));
    assert!(cross.message.contains("111122223333") && cross.message.contains(DEFAULT_ACCOUNT), "{}", cross.message);
    assert!(
        preview.gate.findings.iter().all(|finding| finding.model != LITE || finding.severity != GateSeverity::Error),
        "the system profile exists in us-east-1 and holds the model: {:?}",
        preview.gate.findings
    );
    let missing = preview.gate.findings.iter().find(|finding| finding.model == MICRO).expect("micro's finding");
    assert_eq!((missing.check.as_str(), missing.severity), ("profile-exists", GateSeverity::Error), "{missing:?}");
    assert_eq!(s.text("prod"), PROD, "a preview writes nothing");

    let mut apply = body.clone();
    apply["apply"] = true.into();
    let refused = send(&app, post_json("/api/v1/promote", None, apply.clone())).await;
    assert_eq!(refused.error(StatusCode::UNPROCESSABLE_ENTITY).code, "promote-gate-failed");
    assert_eq!(s.text("prod"), PROD);
    apply["force"] = true.into();
    let no_reason = send(&app, post_json("/api/v1/promote", None, apply.clone())).await;
    assert_eq!(no_reason.error(StatusCode::UNPROCESSABLE_ENTITY).code, "invalid-request");

    apply["reason"] = "the dev profile is shared on purpose".into();
    let tag = format!("\"{}\"", preview.version);
    let forced: PromoteResponse = send(&app, post_json("/api/v1/promote", Some(&tag), apply)).await.json();
    assert!(forced.applied);
    assert!(s.text("prod").contains(&format!("{NOVA}={DEV_ARN}\r\n")));
    let history: HistoryResponse = send(&app, get("/api/v1/envs/prod/history")).await.json();
    let reason = history.entries[0].summary.reason.clone().unwrap_or_default();
    assert!(reason.contains("shared on purpose") && reason.contains("forced past the promote gate"), "{reason}");
}

#[tokio::test]
async fn every_bindings_route_works_per_environment_and_a_revert_needs_the_current_version() {
    let fake = FakeBedrock::with_default_regions().spawn().await.expect("fake");
    let (s, app) = team(&fake).await;
    let bound = send(
        &app,
        post_json(
            "/api/v1/envs/staging/bindings/bind",
            Some("*"),
            serde_json::json!({ "model": MICRO, "profile": MICRO_US }),
        ),
    )
    .await;
    let bound: BindingsResponse = bound.json();
    assert!(bound.text.ends_with(&format!("{MICRO}={MICRO_US}\n")));
    assert!(s.text("staging").ends_with(&format!("{MICRO}={MICRO_US}\n")));
    assert_eq!(fs::read_to_string(s.env_file("default")).expect("default"), "", "other environments untouched");

    let apps: String = {
        let reply = send(&app, get("/v1/envs/staging/inference.txt")).await;
        reply.text()
    };
    assert_eq!(apps, s.text("staging"), "the apps' read API serves the environment byte for byte");
    let resolved: ResolveResponse = send(&app, get(&format!("/v1/envs/prod/resolve?model={LITE}"))).await.json();
    assert_eq!((resolved.value.as_str(), resolved.kind), (LITE, ResolvedKind::Direct));
    let missing = send(&app, get("/v1/envs/qa/inference.txt")).await;
    assert_eq!(missing.error(StatusCode::NOT_FOUND).code, "unknown-environment");

    let diff: EnvDiffResponse = send(&app, get("/api/v1/diff?from=staging&to=prod")).await.json();
    assert!(diff.changes.iter().any(|change| change.model == MICRO && change.to.is_none()));

    let history: HistoryResponse = send(&app, get("/api/v1/envs/staging/history")).await.json();
    let create = history.entries.last().expect("the create").summary.seq;
    let summary: EnvSummary = send(&app, get("/api/v1/envs/staging")).await.json();
    let stale = send(
        &app,
        request(
            Method::POST,
            "/api/v1/envs/staging/revert",
            Some("\"stale\""),
            Some(serde_json::json!({ "seq": create })),
        ),
    )
    .await;
    assert_eq!(stale.error(StatusCode::PRECONDITION_FAILED).code, "conflict");
    let current = format!("\"{}\"", summary.version);
    let reverted = send(
        &app,
        request(
            Method::POST,
            "/api/v1/envs/staging/revert",
            Some(&current),
            Some(serde_json::json!({ "seq": create })),
        ),
    )
    .await;
    let reverted: BindingsResponse = reverted.json();
    assert_eq!(reverted.text, format!("{NOVA}={DEV_ARN}\n{LITE}={LITE_US}\n{MICRO}={MICRO_APAC}\n"));

    let created = send(
        &app,
        request(Method::POST, "/api/v1/envs", None, Some(serde_json::json!({ "name": "qa", "from": "prod" }))),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    assert_eq!(s.text("qa"), PROD);
    let taken =
        send(&app, request(Method::POST, "/api/v1/envs", None, Some(serde_json::json!({ "name": "qa" })))).await;
    assert_eq!(taken.error(StatusCode::CONFLICT).code, "environment-exists");
    let bad =
        send(&app, request(Method::POST, "/api/v1/envs", None, Some(serde_json::json!({ "name": "../qa" })))).await;
    assert!(bad.error(StatusCode::UNPROCESSABLE_ENTITY).message.contains("`name`"));
    let qa: EnvSummary = send(&app, get("/api/v1/envs/qa")).await.json();
    let unconfirmed = send(&app, request(Method::DELETE, "/api/v1/envs/qa", None, None)).await;
    assert_eq!(unconfirmed.error(StatusCode::PRECONDITION_REQUIRED).code, "precondition-required");
    let deleted =
        send(&app, request(Method::DELETE, "/api/v1/envs/qa", Some(&format!("\"{}\"", qa.version)), None)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let list: EnvListResponse = send(&app, get("/api/v1/envs")).await.json();
    assert_eq!(list.envs.iter().map(|env| env.name.as_str()).collect::<Vec<_>>(), ["default", "prod", "staging"]);
}

#[test]
fn promoting_a_legacy_model_is_a_warning_that_does_not_stop_the_promote() {
    const OLD: &str = "anthropic.claude-3-5-sonnet-20240620-v1:0";
    let s = StoreHome::new();
    s.run(&["env", "create", "dev"]).success();
    s.run(&["env", "create", "prod"]).success();
    s.run(&["--env", "dev", "bind", OLD, &format!("us.{OLD}")]).success();
    let run = s.run(&["promote", "--from", "dev", "--to", "prod", "--yes"]).success();
    let warning = run.stdout.lines().find(|line| line.contains(OLD) && line.trim_start().starts_with("warning["));
    assert!(warning.is_some(), "{}", run.stdout);
    assert_eq!(s.text("prod"), format!("{OLD}=us.{OLD}\n"));
}

#[test]
fn a_cli_killed_at_any_moment_leaves_a_consistent_environment_and_history() {
    let s = StoreHome::new();
    s.run(&["env", "create", "prod"]).success();
    let models = [NOVA, LITE, MICRO];
    let profiles = [NOVA_US, LITE_US, MICRO_US];
    // Kill times spread over a bind's life: before it reads, between the entry and the write, after.
    for round in 0..40u64 {
        let index = usize::try_from(round).expect("small") % models.len();
        let value = if round % 2 == 0 { profiles[index] } else { "" };
        let mut child = s
            .home
            .command()
            .arg("--store")
            .arg(&s.store)
            .args(["--env", "prod", "bind", models[index], value])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(std::time::Duration::from_micros(round * 250));
        let _ = child.kill();
        let _ = child.wait();
    }
    let text = s.text("prod");
    let history = s.run(&["--json", "--env", "prod", "history"]).success();
    let history: HistoryResponse = serde_json::from_str(&history.stdout).expect("JSON");
    assert!(!history.entries.is_empty(), "at least the create");
    // Replaying the committed changes' diffs from the create reproduces the text on disk.
    let stored: Vec<bedrock_binder::storage::HistoryEntry> = {
        use bedrock_binder::storage::Storage as _;
        let store = bedrock_binder::storage::LocalDirStore::new(&s.store);
        store.committed_history(&"prod".parse().expect("name")).expect("history reads")
    };
    assert_eq!(stored.len(), history.entries.len());
    for pair in stored.windows(2) {
        assert_eq!(pair[1].previous_text, pair[0].new_text, "each committed change starts where the last ended");
    }
    assert_eq!(stored.last().and_then(|entry| entry.new_text.clone()), Some(text), "the last one produced the file");
    // And the environment still takes edits.
    s.run(&["--env", "prod", "bind", NOVA, NOVA_US]).success();
}

#[test]
fn undoing_a_change_restores_the_exact_bytes_before_it_even_for_a_file_written_by_hand() {
    let s = StoreHome::new();
    fs::create_dir_all(s.env_file("prod").parent().expect("dir")).expect("mkdir");
    write(&s.env_file("prod"), PROD);
    s.run(&["--env", "prod", "bind", NOVA, NOVA_US]).success();
    let history = s.run(&["--json", "--env", "prod", "history"]).success();
    let history: HistoryResponse = serde_json::from_str(&history.stdout).expect("JSON");
    let bind = &history.entries[0];
    assert!(bind.undoable && !bind.revertible, "the current version can be undone, not restored: {bind:?}");
    let seq = bind.summary.seq.to_string();
    s.run(&["--env", "prod", "revert", &seq, "--undo", "--yes"]).success();
    assert_eq!(s.text("prod").as_bytes(), PROD.as_bytes(), "the file as written by hand");
    let history = s.run(&["--json", "--env", "prod", "history"]).success();
    let history: HistoryResponse = serde_json::from_str(&history.stdout).expect("JSON");
    let reason = history.entries[0].summary.reason.clone().unwrap_or_default();
    assert!(reason.contains(&format!("undoes change {seq}")), "{reason}");
}

#[test]
fn copy_store_moves_environments_with_their_history_and_refuses_to_overwrite() {
    let s = StoreHome::new();
    s.run(&["env", "create", "prod"]).success();
    s.run(&["--env", "prod", "bind", NOVA, NOVA_US]).success();
    let target = s.home.dir.path().join("moved");
    let to = target.to_str().expect("UTF-8");
    let copied = s.run(&["copy-store", "--to", to]).success();
    assert!(copied.stdout.contains("✓ prod (2 history entries)"), "{}", copied.stdout);
    let moved = s.home.command().arg("--store").arg(&target).args(["--json", "--env", "prod", "history"]).output();
    let moved = Run::from(moved.expect("run")).success();
    let history: HistoryResponse = serde_json::from_str(&moved.stdout).expect("JSON");
    assert_eq!(history.entries.len(), 2, "the history reads as committed in the new store");
    assert_eq!(fs::read(target.join("envs/prod/inference.txt")).expect("moved"), s.text("prod").as_bytes());
    let again = s.run(&["copy-store", "--to", to]);
    assert_eq!(again.code, Some(1));
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
}
