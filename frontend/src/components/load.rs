//! The load wrappers: [`WithFile`] shows its children once the file has loaded, and
//! [`LoadError`] is the error panel of an `ErrorBoundary`, with Retry.

use leptos::prelude::*;

use crate::ctx::use_ctx;

/// Shows `children` once the file has loaded: a placeholder while it loads, and the error
/// with a Retry button if it cannot be loaded.
#[component]
pub fn WithFile(children: ChildrenFn) -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <Transition fallback=|| view! { <p class="placeholder">"Loading the file…"</p> }>
            <ErrorBoundary fallback=move |errors| {
                view! {
                    <LoadError
                        what="the bindings"
                        errors=errors
                        retry=Callback::new(move |()| ctx.loaded.refetch())
                    />
                }
            }>
                {
                    let children = children.clone();
                    move || {
                        let children = children.clone();
                        Suspend::new(async move { ctx.loaded.await.map(|_| children()) })
                    }
                }
            </ErrorBoundary>
        </Transition>
    }
}

/// The error panel of an [`ErrorBoundary`]: what failed, why, and a Retry button.
#[component]
pub fn LoadError(what: &'static str, errors: ArcRwSignal<leptos::error::Errors>, retry: Callback<()>) -> impl IntoView {
    let reasons =
        move || errors.get().into_iter().map(|(_, error)| view! { <li>{error.to_string()}</li> }).collect_view();
    view! {
        <div class="error-panel" role="alert">
            <h2>"Could not load " {what}</h2>
            <ul>{reasons}</ul>
            <button type="button" on:click=move |_| retry.run(())>
                "Retry"
            </button>
        </div>
    }
}
