//! End-to-end tests: the built `bedrock-binder` binary run on temporary files.
//!
//! One test binary for the whole suite (see matklad, "Delete Cargo Integration Tests"), with
//! the shared set-up in `helpers`.

mod access;
mod api;
mod aws_api;
mod aws_cli;
mod bad_input;

mod browser;
mod cli;
mod concurrency;
mod crash;
mod envs;
mod golden;
mod helpers;
mod moto;
mod remote_cli;
mod replicas;
mod requests;
mod secrets;
mod serve;
mod sessions;
