//! The four pages: bindings, catalog, raw editor, import/export.

pub mod bindings;
pub mod catalog;
pub mod raw_editor;
pub mod transfer;
