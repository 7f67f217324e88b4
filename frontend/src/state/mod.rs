//! The UI's logic as plain structs and functions, tested natively: nothing here touches the
//! DOM, web-sys or Leptos.

pub mod aws;
pub mod bindings;
pub mod catalog;
pub mod change;
pub mod diff;
pub mod editor;
pub mod error;
pub mod picker;
pub mod route;
pub mod sse;
