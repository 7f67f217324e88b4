//! `fake-bedrock`: serves the default data set (the catalog's models in [`DEFAULT_REGIONS`])
//! for out-of-process tests: boto3, the CLI, the browser journey.
//!
//! Prints `fake-bedrock listening on http://ADDR` once the port is bound, then serves until
//! Ctrl-C or SIGTERM. Tests script it over HTTP: `POST /__fake/script` (rules, latency, model
//! and profile changes, CloudWatch metrics), `POST /__fake/reset`, `GET /__fake/requests`,
//! `GET /__fake/regions`.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use fake_bedrock::{DEFAULT_ACCOUNT, DEFAULT_REGIONS, FakeBedrock};

/// An HTTP-level fake of Amazon Bedrock and STS GetCallerIdentity for tests.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The address to listen on; port 0 picks a free port (the bound address is printed).
    #[arg(long, env = "FAKE_BEDROCK_LISTEN", default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// The account id in ARNs and in GetCallerIdentity.
    #[arg(long, env = "FAKE_BEDROCK_ACCOUNT", default_value = DEFAULT_ACCOUNT)]
    account: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("fake-bedrock: cannot listen on {}: {error}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let addr = match listener.local_addr() {
        Ok(addr) => addr,
        Err(error) => {
            eprintln!("fake-bedrock: {error}");
            return ExitCode::FAILURE;
        }
    };
    // Stdout is line-buffered, so a test reading this line sees it at once.
    println!("fake-bedrock listening on http://{addr}");
    eprintln!("fake-bedrock: serving regions {} for account {}", DEFAULT_REGIONS.join(", "), args.account);
    let fake = FakeBedrock::with_default_regions().account(args.account);
    match fake.serve(listener, shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("fake-bedrock: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
