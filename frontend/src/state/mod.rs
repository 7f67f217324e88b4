//! The UI's logic as plain structs and functions, tested natively: nothing here touches the
//! DOM, web-sys or Leptos.

pub mod aws;
pub mod bindings;
pub mod catalog;
pub mod diff;
pub mod editor;
pub mod env_health;
pub mod envs;
pub mod error;
pub mod pending_write;
pub mod permissions;
pub mod picker;
pub mod presets;
pub mod promote;
pub mod route;
pub mod sse;
