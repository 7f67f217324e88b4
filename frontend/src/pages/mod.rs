//! The pages: bindings, catalog, AWS, raw editor, import/export, and the environment pages,
//! and the bundles' page sets ([`main_pages`], [`aws::aws_pages`], [`envs::envs_pages`]).

use leptos::prelude::*;

use crate::ctx::{Ctx, use_ctx};
use crate::state::route::Tab;

pub mod aws;
pub mod bindings;
pub mod catalog;
pub mod envs;
pub mod raw_editor;
pub mod transfer;

/// The main bundle's pages. An address of another bundle's page loads that bundle instead.
pub fn main_pages(tab: Tab) -> AnyView {
    match tab {
        Tab::Bindings => view! { <bindings::BindingsPage /> }.into_any(),
        Tab::Catalog => view! { <catalog::CatalogPage /> }.into_any(),
        Tab::Raw | Tab::Transfer | Tab::Aws | Tab::Envs | Tab::Promote | Tab::History | Tab::Requests => {
            elsewhere(use_ctx(), tab)
        }
    }
}

/// An old `#/aws` link, or a hash naming an environment page: the page is in another bundle,
/// whose address replaces this one.
pub(crate) fn elsewhere(ctx: Ctx, tab: Tab) -> AnyView {
    let Some(location) = web_sys::window().map(|window| window.location()) else { return ().into_any() };
    // The server answers an unknown path with this bundle's page: if the other bundle was
    // not built, its address comes back here, and sending it on again would never end.
    if location.pathname().is_ok_and(|path| path.trim_end_matches('/') == tab.site().path()) {
        return view! {
            <p class="error-panel" role="alert">
                "This server was built without the “" {tab.label()}
                "” page: scripts/build-ui.sh builds every bundle of the UI."
            </p>
        }
        .into_any();
    }
    let _ = location.replace(&tab.address(ctx.env));
    view! { <p class="placeholder">"Opening the " {tab.label()} " page…"</p> }.into_any()
}
