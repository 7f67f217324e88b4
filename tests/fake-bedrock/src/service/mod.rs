//! The HTTP side: the state, the router, the control-plane and runtime operations, and the
//! error responses, each in its own module.
//!
//! The modules form layers, each importing only those below it, never the other way round:
//! `routing` → `control_plane`, `runtime` → `errors`, `response`, `state`. This module only
//! declares them and passes on what the crate root needs.

mod control_plane;
mod errors;
mod response;
mod routing;
mod runtime;
mod state;

pub(crate) use routing::router;
pub(crate) use state::{Initial, Shared, State, lock};

#[cfg(test)]
mod tests;
