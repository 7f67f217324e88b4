//! The `inference.txt` document model, its validation, the Bedrock model catalog and the
//! REST API types, shared by the server and the browser.
//!
//! This crate does no I/O and depends only on pure-Rust crates, so it compiles to
//! `wasm32-unknown-unknown` and the browser runs exactly the validation the server runs.
//!
//! Layers, from the bytes up (after toml_edit):
//! - [`document`]: a lossless parse of the file into lines that keep their exact bytes;
//! - [`model_id`], [`region`], [`geo`], [`arn`], [`profile_ref`]: typed values that exist only
//!   when valid (parse, don't validate);
//! - [`validate`]: the diagnostics for a document against a [`catalog::Catalog`].
#![warn(missing_docs)]

pub mod access;
pub mod api;
pub mod application_profile;
pub mod arn;
pub mod aws_failure;
pub mod binding;
pub mod catalog;
pub mod date;
pub mod diagnostic;
pub mod did_you_mean;
pub mod diff;
pub mod document;
pub mod env_name;
pub mod fact_source;
mod fast_hash;
pub mod geo;
pub mod model_id;
pub mod preset;
pub mod profile_ref;
pub mod profile_suggestion;
pub mod promote;
pub mod region;
pub mod validate;
pub mod version;

pub use arn::{Arn, ArnResource};
pub use binding::{Binding, InvalidBinding, Unbinding};
pub use catalog::Catalog;
pub use diagnostic::{Diagnostic, Severity};
pub use document::Document;
pub use geo::GeoPrefix;
pub use model_id::ModelId;
pub use profile_ref::ProfileRef;
pub use region::Region;
pub use version::Version;
