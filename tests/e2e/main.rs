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
mod crash_s3;
mod env_health;
mod envs;
mod exports;
mod golden;
mod helpers;
mod moto;
mod openapi;
mod presets;
mod remote_cli;
mod replicas;
mod requests;
mod secrets;
mod serve;
mod sessions;
mod usage;
