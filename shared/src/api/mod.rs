//! Request and response types of the REST API under `/api/v1`, read by both the server and
//! the browser. New fields are `#[serde(default)]` so an older client keeps working.
//!
//! - [`ErrorBody`] (module `error`): the one body every failed request carries;
//! - module `bindings`: the file, its edits, the catalog, import, export and health;
//! - module `aws`: what the server does in AWS with its own credentials;
//! - module `envs`: environments, diff and promote between them, history and revert;
//! - module `session`: the browser's sign-in session, and the header its writes carry.
//!
//! Each type's `///` line names its route. Everything is re-exported here, so a client writes
//! `api::BindingsResponse` without knowing which half a type lives in.

mod aws;
mod bindings;
mod envs;
mod error;
mod requests;
mod session;

pub use aws::*;
pub use bindings::*;
pub use envs::*;
pub use error::*;
pub use requests::*;
pub use session::*;
