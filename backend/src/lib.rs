//! bedrock-binder: the command line and (later) the server for Bedrock inference bindings.
//!
//! `main.rs` only parses arguments and maps the outcome to an exit status; everything that
//! can be tested lives here.

pub mod cli;
pub mod store;
