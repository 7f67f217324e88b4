//! The browser UI of bedrock-binder: a Leptos app, rendered on the client and built by trunk,
//! that the server embeds and serves next to its `/api/v1` JSON API.
//!
//! Two halves:
//! - [`state`]: the UI's logic as plain Rust (table rows, filters, picker options, save rules,
//!   conflict handling, line-ending preservation). No web-sys, no Leptos, so
//!   `cargo test -p bedrock-binder-frontend` tests it on the host in seconds.
//! - the browser half, compiled for wasm32 only, in layers that import only downward:
//!   `app` (the shell) → `pages` → `components` → `ctx` (the shared state and the one write
//!   path) → `api` (the HTTP client) → `state`. Its dependencies (Leptos, web-sys) are
//!   wasm32-only too, which is what keeps the host build free of Leptos.
//!
//! Validation is `bedrock_binder_shared`'s, compiled into the wasm: the browser runs exactly the
//! checks the server runs, against the catalog the server sends.

pub mod state;

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod components;
#[cfg(target_arch = "wasm32")]
pub mod ctx;
#[cfg(target_arch = "wasm32")]
pub mod pages;
