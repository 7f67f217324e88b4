//! Pieces shared by the pages.

pub mod badge;
pub mod conflict;
pub mod diagnostics;
pub mod diff_view;
pub mod profile_picker;
