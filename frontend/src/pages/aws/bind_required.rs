//! "Bind all required": binds every unbound profile-only model of the region to its top
//! discovered profile, after showing what would change. Nothing is written until Apply, which
//! sends the previewed text against the version it was made from (so a file changed meanwhile
//! is a conflict, not an overwrite).

use bedrock_binder_shared::api::BindRequiredPreview;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::page_state::{AwsPageState, report};
use crate::api;
use crate::components::diff_view::DiffView;
use crate::ctx::use_ctx;
use crate::state::pending_write::PendingWrite;

/// The section.
#[component]
pub fn BindRequired() -> AnyView {
    let ctx = use_ctx();
    let state = expect_context::<AwsPageState>();
    let preview = RwSignal::new(None::<BindRequiredPreview>);
    let loading = RwSignal::new(false);
    let ask = move |_| {
        loading.set(true);
        let region = state.region.get_untracked();
        spawn_local(async move {
            let result = api::bind_required(ctx.env, &region).await;
            loading.set(false);
            match result {
                Ok(answer) => preview.set(Some(answer)),
                Err(error) => report(ctx, "preview binding the required models", &error),
            }
        });
    };
    let apply = move |_| {
        let Some(answer) = preview.get_untracked() else { return };
        let Some((_, base_text)) = ctx.base() else { return };
        spawn_local(async move {
            // The preview's version, not the page's: if the file changed since the preview was
            // made, the write is refused and the conflict panel shows both versions.
            if ctx.write(PendingWrite::Replace(answer.text.clone()), (answer.version.clone(), base_text)).await.is_ok()
            {
                preview.set(None);
                let count = answer.changes.len();
                let models = if count == 1 { "model" } else { "models" };
                ctx.say(format!("Bound {count} {models} in {}.", answer.region), false);
            }
        });
    };
    let shown = move || {
        preview.get().map(|answer| {
            if answer.changes.is_empty() {
                return view! {
                    <div data-testid="bind-required-preview">
                        <p>"Every model that requires a profile in " {answer.region.clone()} " is bound already."</p>
                        <SkippedList answer=answer.clone() />
                        <button type="button" on:click=move |_| preview.set(None)>
                            "Close"
                        </button>
                    </div>
                }
                .into_any();
            }
            let changes = answer
                .changes
                .iter()
                .map(|change| {
                    view! {
                        <li data-model=change.model.clone()>
                            <code>{change.model.clone()}</code>
                            " → "
                            <code>{change.profile.clone()}</code>
                            " "
                            <span class="reason">{change.reason.clone()}</span>
                        </li>
                    }
                })
                .collect_view();
            let count = answer.changes.len();
            view! {
                <div data-testid="bind-required-preview">
                    <p>{format!("{count} binding{} to add in {}:", if count == 1 { "" } else { "s" }, answer.region)}</p>
                    <ul class="planned">{changes}</ul>
                    <SkippedList answer=answer.clone() />
                    <DiffView diff=answer.diff.clone() test_id="bind-required-diff" caption="What the file becomes" />
                    <div class="actions">
                        <button
                            type="button"
                            class="primary"
                            data-testid="bind-required-apply"
                            disabled=move || ctx.busy.get()
                            on:click=apply
                        >
                            {format!("Apply {count} binding{}", if count == 1 { "" } else { "s" })}
                        </button>
                        <button type="button" on:click=move |_| preview.set(None)>
                            "Cancel"
                        </button>
                    </div>
                </div>
            }
            .into_any()
        })
    };
    view! {
        <section aria-labelledby="aws-required-title">
            <h3 id="aws-required-title">"Bind all required"</h3>
            <p class="meta">
                "Binds every model that " {move || state.region.get()}
                " serves only through a profile, and that the file does not bind yet, to its best suggestion. You see the change first."
            </p>
            <button
                type="button"
                data-testid="bind-required-button"
                disabled=move || loading.get() || ctx.busy.get()
                on:click=ask
            >
                {move || if loading.get() { "Preparing…" } else { "Preview binding all required…" }}
            </button>
            {shown}
        </section>
    }
    .into_any()
}

/// The profile-only models the preview leaves alone, and why.
#[component]
fn SkippedList(answer: BindRequiredPreview) -> impl IntoView {
    (!answer.skipped.is_empty()).then(|| {
        let items = answer
            .skipped
            .into_iter()
            .map(|skipped| view! { <li><code>{skipped.model}</code> ": " {skipped.reason}</li> })
            .collect_view();
        view! {
            <details class="skipped">
                <summary>"Left unbound"</summary>
                <ul>{items}</ul>
            </details>
        }
    })
}
