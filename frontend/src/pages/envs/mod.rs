//! The environment pages, a bundle of their own at `/envs` (src/state/route.rs says why): the
//! environments with create and delete ([`list`]), diff and promote between two
//! ([`promote`]), the page's environment's history with revert ([`history`]), and its change
//! requests with approve and reject ([`requests`]); the raw editor and import/export of its
//! file ([`crate::pages::raw_editor`], [`crate::pages::transfer`]) are in this bundle too.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::state::permissions::Permissions;
use crate::state::route::Tab;

pub mod health;
pub mod history;
pub mod list;
pub mod promote;
pub mod requests;

/// What the user may do, as the pages of this bundle read it.
pub(crate) fn permissions() -> RwSignal<Permissions> {
    use_context().unwrap_or_else(|| RwSignal::new(Permissions::default()))
}

/// The environments bundle's pages.
pub fn envs_pages(tab: Tab) -> AnyView {
    let permissions = RwSignal::new(Permissions::default());
    spawn_local(async move {
        // Unknown (an error) keeps the role-bound buttons hidden; the pages still load.
        if let Ok(session) = crate::api::session().await {
            permissions.set(Permissions::of(session));
        }
    });
    provide_context(permissions);
    match tab {
        Tab::Promote => view! { <promote::PromotePage /> }.into_any(),
        Tab::History => view! { <history::HistoryPage /> }.into_any(),
        Tab::Requests => view! { <requests::RequestsPage /> }.into_any(),
        Tab::Raw => view! { <crate::pages::raw_editor::RawEditorPage /> }.into_any(),
        Tab::Transfer => view! { <crate::pages::transfer::TransferPage /> }.into_any(),
        // `Tab::shown` gives this bundle only its own tabs; the list is its first page.
        _ => view! { <list::EnvsPage /> }.into_any(),
    }
}
