//! Request and response types of the REST API under `/api/v1`, read by both the server and
//! the browser. New fields are `#[serde(default)]` so an older client keeps working.
//!
//! - [`ErrorBody`] (module `error`): the one body every failed request carries;
//! - module `bindings`: the file, its edits, the catalog, import, export and health;
//! - module `aws`: what the server does in AWS with its own credentials;
//! - module `export`: an environment's bindings as another tool reads them;
//! - module `envs`: environments, diff and promote between them, history and revert;
//! - module `env_health`: an environment's scheduled health check, and the webhook's events;
//! - module `session`: the browser's sign-in session, and the header its writes carry;
//! - module `usage`: calls, tokens, throttles and errors per binding, from CloudWatch.
//!
//! Each type's `///` line names its route. Everything is re-exported here, so a client writes
//! `api::BindingsResponse` without knowing which half a type lives in.

mod aws;
mod bindings;
mod env_health;
mod envs;
mod error;
mod export;
mod requests;
mod session;
mod usage;

pub use aws::*;
pub use bindings::*;
pub use env_health::*;
pub use envs::*;
pub use error::*;
pub use export::*;
pub use requests::*;
pub use session::*;
pub use usage::*;
