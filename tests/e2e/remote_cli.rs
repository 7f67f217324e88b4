//! The command line against a team server: `--server URL --token-file PATH` on a real
//! `serve --store DIR --auth-file PATH`, compared command by command with the same command on
//! an identical local store. Also: a wrong or missing token is a clear 401, a viewer's write a
//! clear 403, the token shows in no output and no log line, and `pull` sends it too.

use std::fs;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command};

use serde_json::Value;

use crate::helpers::{Run, TestHome, spawn_listening};

const NOVA: &str = "amazon.nova-pro-v1:0";
const NOVA_US: &str = "us.amazon.nova-pro-v1:0";
const LITE: &str = "amazon.nova-lite-v1:0";
const LITE_US: &str = "us.amazon.nova-lite-v1:0";
const MICRO: &str = "amazon.nova-micro-v1:0";
const MICRO_US: &str = "us.amazon.nova-micro-v1:0";

/// Who makes the changes on both sides: the admin token's name on the server, and the OS user
/// (`USER`) of the local runs, so the histories record the same author.
const AUTHOR: &str = "release-bot";

/// prod's file: comments, a blank line and CRLF endings, which every command must keep.
const PROD: &str = "# prod\r\namazon.titan-text-express-v1=\r\n\r\n# keep this comment\r\namazon.nova-lite-v1:0=\r\n";

/// A running `serve`; killed on drop.
struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    url: String,
    /// Kept open: closing it would make a later print fail.
    _stdout: BufReader<ChildStdout>,
}

impl Server {
    /// `serve --store STORE --auth-file AUTH` on a free port, its log written to `log`. The
    /// URL line is printed after the port is bound, so the server answers at once.
    fn start(home: &TestHome, store: &Path, auth: &Path, log: &Path) -> Server {
        let mut command = quiet_aws(home.command());
        command
            .arg("--store")
            .arg(store)
            .args(["serve", "--listen", "127.0.0.1:0", "--auth-file"])
            .arg(auth)
            // Everything the server can log, to prove the token is in none of it.
            .env("RUST_LOG", "debug")
            .stderr(fs::File::create(log).expect("log file"));
        let (child, addr, stdout) = spawn_listening(command);
        Server { url: format!("http://{addr}"), child, _stdout: stdout }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The same AWS surroundings for the local runs and the server: no instance metadata to wait
/// for, so the promote gate finds no credentials at once on both sides.
fn quiet_aws(mut command: Command) -> Command {
    command.env("AWS_EC2_METADATA_DISABLED", "true");
    command
}

/// A team: a store built by the CLI, an identical copy of it served with authentication, and
/// tokens for it.
struct Team {
    home: TestHome,
    /// The store the local runs use.
    local: PathBuf,
    /// The copy the server serves.
    served: PathBuf,
    server: Server,
    /// A file holding the admin token.
    admin_file: PathBuf,
    admin: String,
    /// A file holding a token with the viewer role only.
    viewer_file: PathBuf,
    log: PathBuf,
}

impl Team {
    fn new() -> Team {
        let home = TestHome::new();
        let local = home.dir.path().join("local-store");
        let run = |args: &[&str]| {
            let output = quiet_aws(home.command()).env("USER", AUTHOR).arg("--store").arg(&local).args(args).output();
            Run::from(output.expect("run")).success()
        };
        run(&["env", "create", "default"]);
        run(&["bind", NOVA, NOVA_US]);
        run(&["env", "create", "staging", "--from", "default", "--description", "pre-production"]);
        run(&["--env", "staging", "bind", LITE, LITE_US]);
        let prod_file = home.dir.path().join("prod.txt");
        fs::write(&prod_file, PROD).expect("write");
        run(&["--file", prod_file.to_str().expect("UTF-8"), "env", "create", "prod", "--aws-region", "us-east-1"]);
        // `qa` gets a line with an error, written by hand (the CLI refuses to write one).
        run(&["env", "create", "qa"]);
        fs::write(local.join("envs/qa/inference.txt"), "not a binding line\namazon.nova-pro-v1:0=\n").expect("write");

        let served = home.dir.path().join("served-store");
        copy_dir(&local, &served);
        let auth = home.dir.path().join("auth.json");
        let token = |name: &str, role: &str| {
            let auth = auth.to_str().expect("UTF-8");
            let created = Run::from(
                home.command()
                    .args(["token", "create", "--name", name, "--role", role, "--auth-file", auth])
                    .output()
                    .expect("run"),
            )
            .success();
            let token = created.stdout.lines().next().expect("the token line").to_owned();
            let file = home.dir.path().join(format!("{name}.token"));
            // As a user would save it: with a trailing newline.
            fs::write(&file, format!("{token}\n")).expect("write the token file");
            (token, file)
        };
        let (admin, admin_file) = token(AUTHOR, "admin");
        let (_, viewer_file) = token("dashboard", "viewer");
        let log = home.dir.path().join("server.log");
        let server = Server::start(&home, &served, &auth, &log);
        Team { home, local, served, server, admin_file, admin, viewer_file, log }
    }

    /// `bedrock-binder --store LOCAL ARGS…`, as `AUTHOR`.
    fn here(&self, args: &[&str]) -> Run {
        let output =
            quiet_aws(self.home.command()).env("USER", AUTHOR).arg("--store").arg(&self.local).args(args).output();
        Run::from(output.expect("run"))
    }

    /// `bedrock-binder --server URL --token-file TOKEN ARGS…`.
    fn there(&self, token_file: &Path, args: &[&str]) -> Run {
        let output = quiet_aws(self.home.command())
            .args(["--server", &self.server.url, "--token-file"])
            .arg(token_file)
            .args(args)
            .output();
        let run = Run::from(output.expect("run"));
        self.assert_no_token(&run, args);
        run
    }

    #[track_caller]
    fn assert_no_token(&self, run: &Run, args: &[&str]) {
        assert!(!run.stdout.contains(&self.admin) && !run.stderr.contains(&self.admin), "{args:?} printed the token");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("list") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The output with the moments of changes blanked out (the two sides make each change a few
/// milliseconds apart): `time_ms` in JSON, the time of a `history` line in text.
fn without_times(stdout: &str, json: bool) -> String {
    if json && !stdout.is_empty() {
        fn blank(value: &mut Value) {
            match value {
                Value::Object(map) => {
                    for (key, value) in map.iter_mut() {
                        if key == "time_ms" {
                            *value = Value::from(0);
                        } else {
                            blank(value);
                        }
                    }
                }
                Value::Array(items) => items.iter_mut().for_each(blank),
                _ => {}
            }
        }
        let mut value: Value =
            serde_json::from_str(stdout).unwrap_or_else(|error| panic!("not JSON ({error}):\n{stdout}"));
        blank(&mut value);
        return serde_json::to_string_pretty(&value).expect("JSON");
    }
    stdout
        .lines()
        .map(|line| match line.strip_prefix('#').and_then(|rest| rest.split_once(' ')) {
            // `#SEQ TIME KIND by AUTHOR…`
            Some((seq, rest)) if seq.parse::<u64>().is_ok() => {
                format!("#{seq} TIME {}", rest.split_once(' ').map_or("", |(_, rest)| rest))
            }
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// One step of the comparison: a command, and whether it fails (then the two sides' errors
/// are each their own sentence, and `fragment` must be in the server's).
struct Step {
    args: &'static [&'static str],
    fails: Option<&'static str>,
}

const fn ok(args: &'static [&'static str]) -> Step {
    Step { args, fails: None }
}

const fn fails(args: &'static [&'static str], fragment: &'static str) -> Step {
    Step { args, fails: Some(fragment) }
}

/// Every file command, in an order that reads, writes, and reads again what was written.
const STEPS: &[Step] = &[
    ok(&["list"]),
    ok(&["--env", "staging", "list", "nova"]),
    ok(&["--json", "--env", "staging", "list", "nova"]),
    ok(&["--env", "staging", "search", "lite"]),
    ok(&["--env", "staging", "provider", "amazon"]),
    ok(&["--env", "staging", "region", "us-east-1"]),
    ok(&["--env", "staging", "show"]),
    ok(&["--json", "--env", "staging", "show"]),
    ok(&["--env", "staging", "validate"]),
    ok(&["--json", "--env", "prod", "validate"]),
    // Exit 1: the file has an error.
    ok(&["--env", "qa", "validate"]),
    ok(&["--json", "--env", "qa", "validate"]),
    ok(&["--env", "prod", "export"]),
    ok(&["--json", "--env", "prod", "export"]),
    ok(&["--env", "prod", "export", "--format", "json"]),
    fails(&["--env", "qa", "export"], "error(s), so it is not exported"),
    ok(&["--env", "staging", "bind", MICRO, MICRO_US]),
    ok(&["--env", "staging", "bind", MICRO, MICRO_US]),
    ok(&["--json", "--env", "staging", "bind", NOVA]),
    ok(&["--json", "--env", "prod", "bind", NOVA, NOVA_US]),
    fails(&["--env", "staging", "bind", "amazon.nova-pro-v9:0", NOVA_US], "--force"),
    ok(&["--env", "staging", "bind", "--force", "zzz.custom-model-v1:0", "us.zzz.custom-model-v1:0"]),
    ok(&["--env", "staging", "unbind", LITE]),
    ok(&["--json", "--env", "staging", "unbind", LITE]),
    ok(&["--env", "staging", "export"]),
    ok(&["--env", "staging", "history"]),
    ok(&["--json", "--env", "staging", "history"]),
    ok(&["promote", "--from", "staging", "--to", "prod"]),
    ok(&["--json", "promote", "--from", "staging", "--to", "prod", "--model", MICRO]),
    ok(&["promote", "--from", "staging", "--to", "prod", "--model", MICRO, "--reason", "release 42", "--yes"]),
    ok(&["--json", "promote", "--from", "staging", "--to", "prod", "--model", MICRO, "--yes"]),
    fails(&["promote", "--from", "prod", "--to", "prod"], "another environment"),
    ok(&["--env", "prod", "export"]),
    ok(&["--json", "--env", "prod", "history"]),
    ok(&["env", "list"]),
    ok(&["--json", "env", "list"]),
    ok(&["env", "create", "canary", "--from", "prod", "--description", "one region"]),
    ok(&["--json", "env", "create", "scratch", "--aws-region", "eu-west-1"]),
    fails(&["env", "create", "canary"], "already exists"),
    ok(&["env", "diff", "staging", "prod"]),
    ok(&["--json", "env", "diff", "canary", "prod"]),
    ok(&["env", "set", "canary", "--description", "two regions", "--aws-region", "us-west-2"]),
    ok(&["--json", "env", "set", "scratch", "--aws-profile", "sandbox"]),
    fails(&["env", "delete", "canary"], "pass --yes"),
    ok(&["env", "delete", "canary", "--yes"]),
    ok(&["--json", "env", "delete", "scratch", "--yes"]),
    ok(&["--json", "env", "list"]),
    fails(&["--env", "canary", "list"], "no environment `canary`"),
    fails(&["env", "diff", "staging", "nope"], "no environment `nope`"),
    ok(&["--json", "--env", "canary", "history"]),
];

#[test]
fn every_file_command_prints_the_same_and_exits_the_same_on_a_server_as_on_a_local_store() {
    let team = Team::new();
    for step in STEPS {
        let json = step.args.contains(&"--json");
        let here = team.here(step.args);
        let there = team.there(&team.admin_file, step.args);
        let what = format!(
            "{:?}\n--- local (exit {:?}) ---\n{}{}\n--- server (exit {:?}) ---\n{}{}",
            step.args, here.code, here.stdout, here.stderr, there.code, there.stdout, there.stderr
        );
        assert_eq!(here.code, there.code, "exit status: {what}");
        assert!(!there.stderr.contains("panicked"), "{what}");
        match step.fails {
            None => {
                assert!(matches!(here.code, Some(0 | 1)), "{what}");
                assert_eq!(without_times(&here.stdout, json), without_times(&there.stdout, json), "stdout: {what}");
                assert_eq!(here.stderr, there.stderr, "stderr: {what}");
            }
            Some(fragment) => {
                assert_eq!(here.code, Some(1), "{what}");
                assert!(here.stdout.is_empty() && there.stdout.is_empty(), "{what}");
                assert!(there.stderr.contains(fragment), "the server's sentence: {what}");
            }
        }
    }
    // Both stores now hold the same environments, byte for byte.
    for env in ["default", "staging", "prod", "qa"] {
        let file = |store: &Path| fs::read(store.join("envs").join(env).join("inference.txt")).expect("read");
        assert_eq!(file(&team.local), file(&team.served), "{env}");
    }
    assert!(
        fs::read_to_string(team.served.join("envs/prod/inference.txt"))
            .expect("prod")
            .contains("# keep this comment\r\n")
    );
    let history = team.there(&team.admin_file, &["--json", "--env", "prod", "history"]).success();
    let history: bedrock_binder_shared::api::HistoryResponse = serde_json::from_str(&history.stdout).expect("JSON");
    let last = &history.entries[0].summary;
    assert_eq!(last.author, AUTHOR, "the server recorded the token's name");
    assert_eq!(last.kind, bedrock_binder_shared::api::ChangeKind::Promote, "{last:?}");
    assert!(last.reason.as_deref().unwrap_or_default().contains("release 42"), "{last:?}");

    let log = fs::read_to_string(&team.log).expect("the server's log");
    assert!(!log.is_empty(), "the server logged at debug level");
    assert!(!log.contains(&team.admin), "the server logged the token");
}

#[test]
fn a_wrong_or_missing_token_is_a_clear_401_and_a_viewer_cannot_write() {
    let team = Team::new();
    let wrong = team.home.dir.path().join("wrong.token");
    fs::write(&wrong, "bbt_not-a-token-of-this-server\n").expect("write");
    let run = team.there(&wrong, &["list"]).failure();
    assert!(run.stderr.contains("did not accept the token (401 Unauthorized)"), "{}", run.stderr);
    assert!(run.stderr.contains(&team.server.url), "names the server: {}", run.stderr);
    assert!(!run.stderr.contains("bbt_not-a-token"), "the token is not repeated: {}", run.stderr);
    assert!(run.stdout.is_empty());

    let json = team.there(&wrong, &["--json", "list"]).failure();
    let body: bedrock_binder_shared::api::ErrorBody = serde_json::from_str(&json.stderr).expect("an error body");
    assert_eq!(body.code, "unauthenticated");

    let output = quiet_aws(team.home.command()).args(["--server", &team.server.url, "list"]).output();
    let none = Run::from(output.expect("run")).failure();
    assert!(none.stderr.contains("wants a token") && none.stderr.contains("--token-file"), "{}", none.stderr);

    let viewer = team.there(&team.viewer_file, &["--env", "staging", "bind", MICRO, MICRO_US]).failure();
    assert!(viewer.stderr.contains("(403 Forbidden)") && viewer.stderr.contains("editor"), "{}", viewer.stderr);
    team.there(&team.viewer_file, &["--env", "staging", "show"]).success();
    let unchanged = fs::read_to_string(team.served.join("envs/staging/inference.txt")).expect("staging");
    assert!(!unchanged.contains(MICRO), "the refused bind wrote nothing");

    // The token may come from the environment instead of a file.
    let output = quiet_aws(team.home.command())
        .env("BEDROCK_BINDER_TOKEN", &team.admin)
        .args(["--server", &team.server.url, "--env", "staging", "show"])
        .output();
    let from_env = Run::from(output.expect("run")).success();
    team.assert_no_token(&from_env, &["show"]);
    assert_eq!(from_env.stdout, team.here(&["--env", "staging", "show"]).success().stdout);
}

#[test]
fn pull_sends_the_token_to_a_server_with_auth() {
    let team = Team::new();
    let target = team.home.dir.path().join("app").join("inference.txt");
    let pull = |token_file: Option<&Path>| {
        let mut command = team.home.command();
        command.arg("--file").arg(&target).args(["pull", "--server", &team.server.url, "--env", "prod"]);
        if let Some(file) = token_file {
            command.arg("--token-file").arg(file);
        }
        let run = Run::from(command.output().expect("run pull"));
        team.assert_no_token(&run, &["pull"]);
        run
    };
    let refused = pull(None).failure();
    assert!(refused.stderr.contains("wants a token") && refused.stderr.contains("was kept"), "{}", refused.stderr);
    assert!(!target.exists());
    let pulled = pull(Some(&team.admin_file)).success();
    assert!(pulled.stdout.starts_with("✓ Wrote prod from "), "{}", pulled.stdout);
    assert_eq!(fs::read(&target).expect("pulled"), PROD.as_bytes());
    let again = pull(Some(&team.viewer_file)).success();
    assert!(again.stdout.contains("is up to date with prod"), "a viewer may pull: {}", again.stdout);
}

#[test]
fn an_unreachable_server_is_named_and_local_only_commands_refuse_a_server() {
    let home = TestHome::new();
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let url = format!("http://127.0.0.1:{port}");
    let output = home.command().args(["--server", &url, "--env", "staging", "list"]).output();
    let down = Run::from(output.expect("run")).failure();
    assert!(down.stderr.contains(&format!("cannot reach {url}/api/v1/envs/staging/bindings")), "{}", down.stderr);

    for args in [&["init"][..], &["serve"], &["token", "list"], &["revert", "1", "--yes"], &["aws-status"]] {
        let output = home.command().args(["--server", &url]).args(args).output();
        let run = Run::from(output.expect("run")).failure();
        assert!(run.stderr.contains("works on this machine only"), "{args:?}: {}", run.stderr);
    }
    let output = home.command().env("BEDROCK_BINDER_SERVER", &url).args(["init"]).output();
    let run = Run::from(output.expect("run")).failure();
    assert!(run.stderr.contains("BEDROCK_BINDER_SERVER"), "the variable is named: {}", run.stderr);
    assert!(!home.file.exists(), "init wrote nothing");

    let output = home.command().args(["--server", &url, "--store"]).arg(home.dir.path()).arg("list").output();
    let both = Run::from(output.expect("run")).failure();
    assert!(both.stderr.contains("give one"), "{}", both.stderr);
}
