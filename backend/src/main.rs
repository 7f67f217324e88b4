//! The `bedrock-binder` binary: parse the arguments, run, and turn the outcome into an exit
//! status. Errors print as one sentence (and a snippet) on stderr, never as a panic; with
//! `--json`, as the API's `{code, message}` error body.

use std::io::{self, Write};
use std::process::ExitCode;

use bedrock_binder::cli::{self, Cli};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    let stdin = io::stdin();
    let mut stdin = stdin.lock();
    // Not locked for the whole run: `serve` logs to stderr from the runtime's worker threads,
    // which would wait forever on a lock this thread held.
    let mut stdout = io::stdout();
    let mut stderr = io::stderr();
    match cli::run(cli, &mut stdin, &mut stdout, &mut stderr) {
        Ok(code) => ExitCode::from(code),
        Err(error) if json => {
            let body = serde_json::to_string(&error.to_body()).unwrap_or_default();
            let _ = writeln!(stderr, "{body}");
            ExitCode::FAILURE
        }
        Err(error) => {
            let _ = writeln!(stderr, "error: {error}");
            if let Some(snippet) = error.snippet() {
                let _ = write!(stderr, "{snippet}");
            }
            ExitCode::FAILURE
        }
    }
}
