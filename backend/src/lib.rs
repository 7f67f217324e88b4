//! bedrock-binder: the command line and the web server for Bedrock inference bindings.
//!
//! `main.rs` only parses arguments and maps the outcome to an exit status; everything that
//! can be tested lives here.

pub mod auth;
pub mod aws;
pub mod cli;
pub mod cost_guard;
pub mod dated_catalog;
pub mod envs;
pub mod export;
pub mod health;
mod random;
pub mod requests;
pub mod server;
pub mod session_cookie;
pub mod storage;
pub mod store;
pub mod usage;
