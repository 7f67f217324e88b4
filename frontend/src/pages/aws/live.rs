//! The models of one region: the "requires profile" flag, the lifecycle, where the facts come
//! from, the binding in force, the ranked suggestions with a Bind button each, and Test.

use std::collections::HashMap;

use bedrock_binder_shared::profile_suggestion::{ProfileSuggestion, ProfileSuggestionKind};
use leptos::prelude::*;

use super::page_state::AwsPageState;
use crate::components::aws_failure::AwsFailureView;
use crate::components::badge::lifecycle_class;
use crate::components::test_panel::TestPanel;
use crate::ctx::use_ctx;
use crate::state::aws::live::{LiveRow, filter_live, live_rows, source_label};
use crate::state::pending_write::PendingWrite;

/// The table, with its region choice and filters.
#[component]
pub fn LiveModels() -> AnyView {
    let ctx = use_ctx();
    let state = expect_context::<AwsPageState>();
    let query = RwSignal::new(String::new());
    let requires_only = RwSignal::new(false);
    // The model whose Test panel is open. It lives above the rows so that a panel whose fix
    // rebinds the model (which renders its row afresh) opens again, and tests again.
    let testing = RwSignal::new(None::<String>);
    let bindings = Memo::new(move |_| {
        ctx.current.with(|doc| {
            doc.as_deref()
                .map(|doc| doc.bindings.iter().map(|b| (b.model.clone(), b.profile.clone())).collect())
                .unwrap_or_else(HashMap::new)
        })
    });
    let region_catalog = Memo::new(move |_| {
        let region = state.region.get();
        state.catalog.with(|catalog| {
            catalog.as_ref().and_then(|catalog| catalog.regions.iter().find(|r| r.region == region).cloned())
        })
    });
    // The embedded catalog's date, which an offline row names as its source.
    let compiled_on = move || state.catalog.with(|c| c.as_ref().and_then(|c| c.compiled_on));
    let rows = Memo::new(move |_| {
        let compiled_on = compiled_on();
        region_catalog.with(|catalog| {
            catalog.as_ref().map(|catalog| bindings.with(|b| live_rows(catalog, compiled_on, b))).unwrap_or_default()
        })
    });
    let visible = Memo::new(move |_| {
        rows.with(|rows| {
            let shown = query.with(|q| filter_live(rows, q, requires_only.get()));
            shown.into_iter().map(|i| rows[i].clone()).collect::<Vec<_>>()
        })
    });
    let regions = move || {
        state.catalog.with(|catalog| {
            catalog.as_ref().map(|c| c.regions.iter().map(|r| r.region.clone()).collect::<Vec<_>>()).unwrap_or_default()
        })
    };
    let heading = move || {
        region_catalog.with(|catalog| match catalog {
            None => "Loading…".to_owned(),
            Some(catalog) => {
                let now = (js_sys::Date::now() / 1000.0) as u64;
                let total = catalog.models.len();
                let requiring = catalog.models.iter().filter(|m| m.requires_profile == Some(true)).count();
                let source = source_label(catalog.source, &catalog.region, catalog.fetched_at, compiled_on(), now);
                format!("{total} models ({requiring} require a profile); source: {source}")
            }
        })
    };
    view! {
        <section aria-labelledby="aws-models-title">
            <h3 id="aws-models-title">"Models in " {move || state.region.get()}</h3>
            <div class="toolbar">
                <label for="aws-region-shown">"Region"</label>
                <select
                    id="aws-region-shown"
                    data-testid="region-select"
                    on:change=move |event| state.region.set(event_target_value(&event))
                    prop:value=move || state.region.get()
                >
                    {move || {
                        regions()
                            .into_iter()
                            .map(|region| view! { <option value=region.clone()>{region.clone()}</option> })
                            .collect_view()
                    }}
                </select>
                <label for="aws-search">"Search"</label>
                <input
                    id="aws-search"
                    data-testid="aws-search"
                    type="search"
                    placeholder="Model, name or provider"
                    autocomplete="off"
                    spellcheck="false"
                    prop:value=move || query.get()
                    on:input=move |event| query.set(event_target_value(&event))
                />
                <label class="check">
                    <input
                        type="checkbox"
                        data-testid="requires-only"
                        prop:checked=move || requires_only.get()
                        on:change=move |event| requires_only.set(event_target_checked(&event))
                    />
                    " Only models that require a profile"
                </label>
            </div>
            <p class="meta" data-testid="aws-models-summary" aria-live="polite">
                {heading}
            </p>
            {move || region_catalog.get().and_then(|c| c.error).map(|failure| {
                view! { <AwsFailureView failure=failure /> }
            })}
            <table class="grid live">
                <caption class="sr-only">"Models of the region, with the profiles to bind them to"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Model"</th>
                        <th scope="col">"Needs"</th>
                        <th scope="col">"Lifecycle"</th>
                        <th scope="col">"Bound to"</th>
                        <th scope="col">"Suggested profiles"</th>
                        <th scope="col">
                            <span class="sr-only">"Actions"</span>
                        </th>
                    </tr>
                </thead>
                <For each=move || visible.get() key=LiveRow::render_key let:row>
                    <ModelRow row=row testing=testing />
                </For>
            </table>
        </section>
    }
    .into_any()
}

#[component]
fn ModelRow(row: LiveRow, testing: RwSignal<Option<String>>) -> AnyView {
    let ctx = use_ctx();
    let state = expect_context::<AwsPageState>();
    let model = row.id.clone();
    let is_testing = {
        let model = model.clone();
        Memo::new(move |_| testing.with(|t| t.as_deref() == Some(model.as_str())))
    };
    let toggle_test = {
        let model = model.clone();
        move |_| testing.update(|t| *t = if t.as_deref() == Some(&model) { None } else { Some(model.clone()) })
    };
    let needs = match row.requires_profile {
        Some(true) => {
            view! { <span class="badge warn" data-testid="requires-profile">"requires profile"</span> }.into_any()
        }
        Some(false) => view! { <span class="badge ok" data-testid="on-demand">"on demand"</span> }.into_any(),
        None => view! { <span class="badge muted">"unknown"</span> }.into_any(),
    };
    let bound = match row.bound.as_deref() {
        None => view! { <span class="muted" data-testid="bound">"not bound"</span> }.into_any(),
        Some("") => view! { <span class="muted" data-testid="bound">"(direct)"</span> }.into_any(),
        Some(value) => view! { <code class="wrap" data-testid="bound">{value.to_owned()}</code> }.into_any(),
    };
    let warning = row.needs_binding().then(|| {
        view! { <p class="warn-text">"Called by its own id, this model fails here: bind it to a profile."</p> }
    });
    let suggestions = row
        .suggestions
        .iter()
        .map(|suggestion| view! { <SuggestionItem model=model.clone() suggestion=suggestion.clone() bound=row.bound.clone() /> })
        .collect_view();
    let now = (js_sys::Date::now() / 1000.0) as u64;
    view! {
        <tbody data-testid="aws-model-row" data-model=model.clone()>
            <tr>
                <th scope="row" data-label="Model">
                    <code class="wrap">{model.clone()}</code>
                    <span class="sub">{row.name.clone()}</span>
                    <span class="meta">{row.source_label(now)}</span>
                </th>
                <td data-label="Needs">{needs}</td>
                <td data-label="Lifecycle">
                    <span class=format!("badge {}", lifecycle_class(row.lifecycle))>{row.lifecycle.as_str()}</span>
                </td>
                <td data-label="Bound to">{bound}{warning}</td>
                <td data-label="Suggested profiles">
                    {if row.suggestions.is_empty() {
                        view! { <span class="muted">"none"</span> }.into_any()
                    } else {
                        view! { <ol class="suggestions">{suggestions}</ol> }.into_any()
                    }}
                </td>
                <td class="row-actions">
                    <button
                        type="button"
                        data-testid="test-button"
                        aria-expanded=move || if is_testing.get() { "true" } else { "false" }
                        aria-label=format!("Test {model}")
                        disabled=move || ctx.busy.get()
                        on:click=toggle_test
                    >
                        "Test"
                    </button>
                </td>
            </tr>
            <Show when=move || is_testing.get()>
                <tr class="panel-row">
                    <td colspan="6">
                        <TestPanel
                            model=row.id.clone()
                            region=Some(state.region.get_untracked())
                            on_close=Callback::new(move |()| testing.set(None))
                        />
                    </td>
                </tr>
            </Show>
        </tbody>
    }
    .into_any()
}

/// One suggested profile: its id, kind, why it ranks there, and Bind.
#[component]
fn SuggestionItem(model: String, suggestion: ProfileSuggestion, bound: Option<String>) -> AnyView {
    let ctx = use_ctx();
    let kind = match suggestion.kind {
        ProfileSuggestionKind::Geo => "geo",
        ProfileSuggestionKind::Global => "global",
        ProfileSuggestionKind::Application => "application",
    };
    let is_bound = bound.as_deref() == Some(suggestion.profile.as_str());
    let profile = suggestion.profile.clone();
    let bind = move |_| ctx.submit_parsed(PendingWrite::bind(&model, &profile), |_| {});
    view! {
        <li data-testid="suggestion" data-profile=suggestion.profile.clone()>
            <code class="wrap">{suggestion.profile.clone()}</code>
            " "
            <span class=format!("badge kind-{kind}")>{kind}</span>
            " "
            <span class="reason">{suggestion.reason.clone()}</span>
            " "
            {if is_bound {
                view! { <span class="badge ok">"bound"</span> }.into_any()
            } else {
                view! {
                    <button
                        type="button"
                        data-testid="suggestion-bind"
                        aria-label=format!("Bind to {}", suggestion.profile)
                        disabled=move || ctx.busy.get()
                        on:click=bind
                    >
                        "Bind"
                    </button>
                }
                    .into_any()
            }}
        </li>
    }
    .into_any()
}
