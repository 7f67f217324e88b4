//! Checks every binding of the file against the region without spending a token: the profile
//! exists there, is ACTIVE and contains the model, an ARN names this region, the model is not
//! legacy, and the account may call it.

use bedrock_binder_shared::api::{CheckRequest, CheckResponse};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::page_state::{AwsPageState, report};
use crate::api;
use crate::components::check_view::CheckView;
use crate::ctx::use_ctx;

/// The section.
#[component]
pub fn Checks() -> AnyView {
    let ctx = use_ctx();
    let state = expect_context::<AwsPageState>();
    let result = RwSignal::new(None::<CheckResponse>);
    let running = RwSignal::new(false);
    let run = move || {
        running.set(true);
        let request = CheckRequest { region: Some(state.region.get_untracked()), models: Vec::new() };
        spawn_local(async move {
            let answer = api::check(ctx.env, &request).await;
            running.set(false);
            match answer {
                Ok(answer) => result.set(Some(answer)),
                Err(error) => report(ctx, "check the bindings", &error),
            }
        });
    };
    let again = Callback::new(move |()| run());
    let shown = move || {
        result.get().map(|answer| {
            let failing = answer.bindings.iter().filter(|b| !b.ok).count();
            let any_failing = failing > 0;
            let summary = if answer.bindings.is_empty() {
                "The file binds no model.".to_owned()
            } else if failing == 0 {
                format!("All {} bindings pass in {}.", answer.bindings.len(), answer.region)
            } else {
                format!("{failing} of {} bindings will fail in {}.", answer.bindings.len(), answer.region)
            };
            let rows = answer
                .bindings
                .into_iter()
                .map(|binding| {
                    let value =
                        if binding.profile.is_empty() { "(direct)".to_owned() } else { binding.profile.clone() };
                    let (model, shown_model, failing, line) =
                        (binding.model.clone(), binding.model.clone(), !binding.ok, binding.line);
                    view! {
                        <li data-testid="check-row" data-model=model class:failing=failing>
                            <p>
                                <code>{shown_model}</code>
                                " = "
                                <code class="wrap">{value}</code>
                                <span class="line-no">"line " {line}</span>
                            </p>
                            <CheckView result=binding on_fixed=again />
                        </li>
                    }
                })
                .collect_view();
            view! {
                <p data-testid="check-summary" class:error-text=any_failing>{summary}</p>
                <ul class="check-list">{rows}</ul>
            }
        })
    };
    view! {
        <section aria-labelledby="aws-check-title">
            <h3 id="aws-check-title">"Check the bindings"</h3>
            <button type="button" data-testid="check-button" disabled=move || running.get() on:click=move |_| run()>
                {move || if running.get() { "Checking…" } else { "Check every binding" }}
            </button>
            {shown}
        </section>
    }
    .into_any()
}
