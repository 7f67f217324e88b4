//! Pieces shared by the pages.

pub mod aws_badge;
pub mod badge;
pub mod check_view;
pub mod conflict;
pub mod diagnosis;
pub mod diagnostics;
pub mod diff_view;
pub mod profile_picker;
pub mod test_panel;
