//! The AWS page: the connection, live discovery per region (refresh with per-region progress,
//! then every model with its "requires profile" flag and ranked suggestions), "bind all
//! required", checks of the file's bindings, and the account's application profiles.
//!
//! Everything here goes through the server, which holds the credentials.

pub mod bind_required;
pub mod checks;
pub mod live;
pub mod page_state;
pub mod profiles;

use bedrock_binder_shared::api::{RefreshProgress, RegionProgress, RegionState};
use leptos::prelude::*;
use leptos::task::spawn_local;
use page_state::{AwsPageState, report};

use crate::api;
use crate::components::aws_failure::AwsFailureView;
use crate::ctx::{pause, use_ctx};
use crate::state::aws::refresh::{parse_regions, progress_summary, progress_text};
use crate::state::aws::status::status_badge;
use crate::state::route::Tab;

/// How often the progress of a running refresh is asked for.
const POLL_MS: i32 = 150;
/// The region shown before the server has said which one it uses.
const FALLBACK_REGION: &str = "us-east-1";

/// The AWS bundle's only page.
pub fn aws_pages(_: Tab) -> AnyView {
    view! { <AwsPage /> }.into_any()
}

/// The page.
#[component]
pub fn AwsPage() -> AnyView {
    let ctx = use_ctx();
    let state = AwsPageState {
        ctx,
        regions_text: RwSignal::new(String::new()),
        region: RwSignal::new(String::new()),
        catalog: RwSignal::new(None),
        progress: RwSignal::new(None),
        refreshing: RwSignal::new(false),
    };
    provide_context(state);
    // Start from the server's region once it is known, and show what the server has for it.
    Effect::new(move |_| {
        let Some(answer) = ctx.aws.get() else { return };
        if !state.region.get_untracked().is_empty() {
            return;
        }
        let region = answer.ok().and_then(|status| status.region).unwrap_or_else(|| FALLBACK_REGION.to_owned());
        state.regions_text.set(region.clone());
        state.region.set(region.clone());
        state.load(vec![region]);
    });
    view! {
        <section class="page aws" aria-labelledby="aws-title">
            <h2 id="aws-title">"AWS"</h2>
            <Connection />
            <Discovery />
            <Show when=move || !state.region.get().is_empty()>
                <live::LiveModels />
                <bind_required::BindRequired />
                <checks::Checks />
                <profiles::Profiles />
            </Show>
        </section>
    }
    .into_any()
}

/// Who the server calls AWS as, or why it cannot.
#[component]
fn Connection() -> AnyView {
    let ctx = use_ctx();
    let body = move || match ctx.aws.get() {
        None => view! { <p class="placeholder">"Asking the server about its AWS credentials…"</p> }.into_any(),
        Some(Err(error)) => {
            view! { <p class="error-text">"Could not ask the server: " {error.to_string()}</p> }.into_any()
        }
        Some(Ok(status)) => {
            let overrides = (!status.endpoint_overrides.is_empty())
                .then(|| format!("Endpoint overrides in effect: {}.", status.endpoint_overrides.join(", ")));
            // A problem is said once, by its explanation (the SDK's chain behind "Details");
            // a working connection by who and where.
            let said = match status.problem.clone() {
                Some(problem) => view! { <AwsFailureView failure=problem /> }.into_any(),
                None => view! { <p>{status_badge(&status).detail}</p> }.into_any(),
            };
            view! {
                <div data-testid="aws-connection">{said}</div>
                {overrides.map(|text| view! { <p class="meta">{text}</p> })}
            }
            .into_any()
        }
    };
    view! {
        <section aria-labelledby="aws-connection-title">
            <h3 id="aws-connection-title">"Connection"</h3>
            {body}
            <button type="button" class="link" on:click=move |_| ctx.recheck_aws()>
                "Check again"
            </button>
        </section>
    }
    .into_any()
}

/// The regions box, Refresh, and each region's progress while a refresh runs.
#[component]
fn Discovery() -> AnyView {
    let ctx = use_ctx();
    let state = expect_context::<AwsPageState>();
    let error = RwSignal::new(None::<String>);
    let refresh = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if state.refreshing.get_untracked() {
            return;
        }
        let regions = match parse_regions(&state.regions_text.get_untracked()) {
            Ok(regions) => regions.into_iter().map(|r| r.as_str().to_owned()).collect::<Vec<_>>(),
            Err(message) => {
                error.set(Some(message));
                return;
            }
        };
        error.set(None);
        state.refreshing.set(true);
        state.progress.set(Some(RefreshProgress {
            running: true,
            regions: regions.iter().map(RegionProgress::pending).collect(),
            elapsed_ms: None,
        }));
        // Poll the progress while the refresh itself is awaited.
        spawn_local(async move {
            loop {
                pause(POLL_MS).await;
                if !state.refreshing.get_untracked() {
                    return;
                }
                if let Ok(progress) = api::refresh_progress(ctx.env).await
                    && state.refreshing.get_untracked()
                    && progress.running
                {
                    state.progress.set(Some(progress));
                }
            }
        });
        spawn_local(async move {
            let result = api::refresh(ctx.env, regions.clone()).await;
            state.refreshing.set(false);
            match result {
                Ok(progress) => {
                    let failed = progress.regions.iter().filter(|r| r.state == RegionState::Failed).count();
                    ctx.say(progress_summary(&progress), failed > 0);
                    state.progress.set(Some(progress));
                    if !regions.contains(&state.region.get_untracked()) {
                        state.region.set(regions[0].clone());
                    }
                    state.load(regions);
                }
                Err(error) => {
                    state.progress.set(None);
                    report(ctx, "refresh", &error);
                }
            }
        });
    };
    let progress = move || {
        state.progress.get().map(|progress| {
            let summary = progress_summary(&progress);
            let items = progress
                .regions
                .into_iter()
                .map(|region| {
                    let state_name = region.state.as_str();
                    let text = progress_text(&region);
                    let failure = region.error.clone();
                    let (name, shown_name) = (region.region.clone(), region.region.clone());
                    view! {
                        <li data-testid="region-progress" data-region=name data-state=state_name>
                            <code>{shown_name}</code>
                            " "
                            <span class=format!("state {state_name}")>{text}</span>
                            {failure.map(|failure| view! { <AwsFailureView failure=failure /> })}
                        </li>
                    }
                })
                .collect_view();
            view! {
                <div class="progress" data-testid="refresh-progress" aria-live="polite">
                    <p data-testid="refresh-summary">{summary}</p>
                    <ul>{items}</ul>
                </div>
            }
        })
    };
    view! {
        <section aria-labelledby="aws-discovery-title">
            <h3 id="aws-discovery-title">"Live discovery"</h3>
            <form class="toolbar" on:submit=refresh>
                <label for="aws-regions">"Regions"</label>
                <input
                    id="aws-regions"
                    data-testid="regions-input"
                    type="text"
                    placeholder="us-east-1, eu-west-1"
                    autocomplete="off"
                    spellcheck="false"
                    aria-describedby="aws-regions-help"
                    prop:value=move || state.regions_text.get()
                    on:input=move |event| state.regions_text.set(event_target_value(&event))
                />
                <button type="submit" class="primary" data-testid="refresh-button" disabled=move || state.refreshing.get()>
                    {move || if state.refreshing.get() { "Refreshing…" } else { "Refresh from AWS" }}
                </button>
                <p id="aws-regions-help" class="meta">
                    "Lists each region's models and inference profiles, all regions at once."
                </p>
            </form>
            {move || error.get().map(|message| view! { <p class="error-text" role="alert">{message}</p> })}
            {progress}
        </section>
    }
    .into_any()
}
