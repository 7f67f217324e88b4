//! A bare axum "Hello, World!" server: the baseline that `scripts/measure/load.sh` compares
//! `GET /api/v1/bindings` (304) with, in the same run.
//!
//! Built as `bedrock-binder serve` is built (release profile, tokio's multi-threaded runtime
//! with one worker per core, axum with the same features) so the difference is the handler.
//! It binds `127.0.0.1:0` (or the address given as its argument) and prints
//! `hello listening on http://ADDR` once it listens.

use std::io::Write;
use std::net::SocketAddr;

use axum::Router;
use axum::routing::get;

fn main() -> std::io::Result<()> {
    let listen: SocketAddr = match std::env::args().nth(1) {
        Some(addr) => addr.parse().map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
        None => SocketAddr::from(([127, 0, 0, 1], 0)),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let mut out = std::io::stdout();
        writeln!(out, "hello listening on http://{}", listener.local_addr()?)?;
        out.flush()?;
        let app = Router::new().route("/", get(|| async { "Hello, World!" }));
        axum::serve(listener, app).await
    })
}
