//! Pieces shared by the pages.

pub mod aws_badge;
pub mod aws_failure;
pub mod badge;
pub mod binding_changes;
pub mod bound_value;
pub mod catalog_notice;
pub mod check_view;
pub mod conflict;
pub mod diff_view;
pub mod env_switcher;
pub mod line_diagnostics;
pub mod load;
pub mod preset_changes;
pub mod preset_editor;
pub mod profile_picker;
pub mod signed_in;
pub mod test_panel;
