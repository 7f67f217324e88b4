//! The header's sign-in status: who is signed in, and a button to sign out, when the server
//! checks who calls it (hidden when it does not).

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::ctx::go_to;

/// The name and the sign-out button (`signed-in-name`, `sign-out`).
#[component]
pub fn SignedIn() -> impl IntoView {
    // A signal filled by a task, and one fixed structure shown or hidden: each resource type,
    // and each shape of view built on the fly, costs the bindings page's wasm kilobytes.
    let name = RwSignal::new(None::<String>);
    spawn_local(async move { name.set(api::signed_in_name().await.ok()) });
    let sign_out = move |_| {
        spawn_local(async {
            if api::sign_out().await.is_ok() {
                go_to("/signin");
            }
        })
    };
    view! {
        <span class="signed-in" hidden=move || name.with(Option::is_none)>
            <span data-testid="signed-in-name">{move || name.get()}</span>
            " "
            <button class="link" type="button" data-testid="sign-out" on:click=sign_out>
                "Sign out"
            </button>
        </span>
    }
}
