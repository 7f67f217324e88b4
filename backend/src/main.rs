//! The `bedrock-binder` binary: parse the arguments, run, and turn the outcome into an exit
//! status. Errors print as one sentence (and a snippet) on stderr, never as a panic.

use std::io::{self, Write};
use std::process::ExitCode;

use bedrock_binder::cli::{self, Cli};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdin = io::stdin();
    let mut stdin = stdin.lock();
    let mut stdout = io::stdout().lock();
    let mut stderr = io::stderr().lock();
    match cli::run(cli, &mut stdin, &mut stdout, &mut stderr) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            let _ = writeln!(stderr, "error: {error}");
            if let Some(snippet) = error.snippet() {
                let _ = write!(stderr, "{snippet}");
            }
            ExitCode::FAILURE
        }
    }
}
