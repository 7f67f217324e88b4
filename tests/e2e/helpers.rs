//! Set-up shared by the end-to-end tests: a private home directory per test and a way to
//! run the binary in it, so no test can touch the real `~/.aws`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

/// The reference files the project is checked against, kept beside the repository.
pub(crate) fn reference(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A temporary home directory and a binding file inside it.
pub(crate) struct TestHome {
    /// Dropped last; removes everything.
    pub(crate) dir: TempDir,
    /// `HOME/.aws/inference.txt`, which the tests pass with `--file`.
    pub(crate) file: PathBuf,
}

/// What a run printed and how it ended.
pub(crate) struct Run {
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) code: Option<i32>,
}

impl Run {
    pub(crate) fn from(output: Output) -> Run {
        Run {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            code: output.status.code(),
        }
    }

    #[track_caller]
    pub(crate) fn success(self) -> Run {
        assert_eq!(self.code, Some(0), "expected success\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    #[track_caller]
    pub(crate) fn failure(self) -> Run {
        assert_eq!(self.code, Some(1), "expected exit 1\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        assert!(!self.stderr.contains("panicked"), "a panic reached the user:\n{}", self.stderr);
        self
    }
}

impl TestHome {
    pub(crate) fn new() -> TestHome {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join(".aws").join("inference.txt");
        TestHome { dir, file }
    }

    /// The home's file as the environment `default`, its history under the home's state
    /// directory, as a server in this home would keep it.
    pub(crate) fn environments(&self) -> bedrock_binder::envs::Environments {
        bedrock_binder::envs::Environments::single_file_with_state(
            &self.file,
            self.dir.path().join(".local/state/bedrock-binder/files/test"),
        )
    }

    /// A home whose binding file holds `text`.
    pub(crate) fn with_file(text: &str) -> TestHome {
        let home = TestHome::new();
        home.write(text.as_bytes());
        home
    }

    pub(crate) fn write(&self, bytes: &[u8]) {
        std::fs::create_dir_all(self.file.parent().expect("parent")).expect("mkdir");
        std::fs::write(&self.file, bytes).expect("write file");
    }

    pub(crate) fn read(&self) -> String {
        std::fs::read_to_string(&self.file).expect("read file")
    }

    /// The binary with a clean environment: HOME is the temp dir and no
    /// BEDROCK_INFERENCE_FILE leaks in from the developer's shell.
    pub(crate) fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_bedrock-binder"));
        command
            .env_clear()
            .env("HOME", self.dir.path())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .stdin(Stdio::null());
        command
    }

    /// Runs `bedrock-binder --file FILE ARGS…`.
    pub(crate) fn run(&self, args: &[&str]) -> Run {
        let output = self.command().arg("--file").arg(&self.file).args(args).output().expect("run binary");
        Run::from(output)
    }

    /// Runs with `input` on stdin.
    pub(crate) fn run_with_input(&self, args: &[&str], input: &str) -> Run {
        let mut child = self
            .command()
            .arg("--file")
            .arg(&self.file)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn binary");
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
        Run::from(child.wait_with_output().expect("wait"))
    }
}

/// Spawns `command` (a `serve` command line) with its stdout piped, and reads the line the server
/// prints once it has bound its port: returns the child, its `127.0.0.1:PORT`, and its stdout,
/// to be kept open (or drained) so that a later print cannot fail. Ready at once: the server
/// binds before it prints.
pub(crate) fn spawn_listening(
    mut command: std::process::Command,
) -> (std::process::Child, String, std::io::BufReader<std::process::ChildStdout>) {
    use std::io::BufRead as _;
    let mut child = command.stdout(std::process::Stdio::piped()).spawn().expect("spawn the server");
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("the server's stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read the server's URL line");
    let addr = line
        .trim_end()
        .strip_prefix("bedrock-binder listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line from the server: {line:?}"))
        .to_owned();
    (child, addr, stdout)
}
