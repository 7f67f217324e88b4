//! The five pages: bindings, catalog, AWS, raw editor, import/export, and the two bundles'
//! page sets ([`main_pages`], [`aws::aws_pages`]).

use leptos::prelude::*;

use crate::state::route::Tab;

pub mod aws;
pub mod bindings;
pub mod catalog;
pub mod raw_editor;
pub mod transfer;

/// The main bundle's pages. An address of the AWS page loads that bundle instead.
pub fn main_pages(tab: Tab) -> AnyView {
    match tab {
        Tab::Bindings => view! { <bindings::BindingsPage /> }.into_any(),
        Tab::Catalog => view! { <catalog::CatalogPage /> }.into_any(),
        Tab::Raw => view! { <raw_editor::RawEditorPage /> }.into_any(),
        Tab::Transfer => view! { <transfer::TransferPage /> }.into_any(),
        Tab::Aws => {
            // An old `#/aws` link: the AWS page is its own bundle now.
            if let Some(window) = web_sys::window() {
                let _ = window.location().replace("/aws");
            }
            view! { <p class="placeholder">"Opening the AWS page…"</p> }.into_any()
        }
    }
}
