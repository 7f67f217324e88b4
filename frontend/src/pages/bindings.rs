//! The bindings page: every binding in force with its provider, kind badge and diagnostics, a
//! filter box, and per-row Bind (the profile picker), Unbind, Test (a call through AWS),
//! Check (against AWS, without a call) and Preset (the binding's inference parameters, whose
//! summary the row shows).

use leptos::html::Button;
use leptos::prelude::*;

use bedrock_binder_shared::api::{CheckRequest, PresetsResponse};
use leptos::task::spawn_local;

use crate::api;
use crate::components::aws_failure::AwsFailureView;
use crate::components::badge::KindBadge;
use crate::components::bound_value::BoundValue;
use crate::components::catalog_notice::CatalogNotice;
use crate::components::check_view::CheckView;
use crate::components::line_diagnostics::LineDiagnostics;
use crate::components::load::WithFile;
use crate::components::preset_editor::PresetEditor;
use crate::components::profile_picker::ProfilePicker;
use crate::components::test_panel::TestPanel;
use crate::ctx::use_ctx;
use crate::state::bindings::{BindingRow, filter, loose_diagnostics, provider_of, rows};
use crate::state::pending_write::PendingWrite;
use crate::state::route::Tab;

/// The page.
#[component]
pub fn BindingsPage() -> impl IntoView {
    view! {
        <section class="page" aria-labelledby="bindings-title">
            <h2 id="bindings-title">"Bindings"</h2>
            <CatalogNotice />
            <WithFile>
                <BindingsTable />
            </WithFile>
        </section>
    }
}

#[component]
fn BindingsTable() -> impl IntoView {
    let ctx = use_ctx();
    let query = RwSignal::new(String::new());
    // The model whose picker is open.
    let open = RwSignal::new(None::<String>);
    // The model whose Bind button gets the focus once its row is rendered again: a bind
    // changes the row, which replaces its DOM, and focus must not fall back to the page.
    let refocus = RwSignal::new(None::<String>);
    // The row whose Test, Check or Preset panel is open. It lives above the rows so that a
    // panel whose fix rebinds its model (which renders the row afresh) opens again and runs
    // again.
    let panel = RwSignal::new(None::<(String, Panel)>);
    // Every binding's preset, read once per visit of the page; a write's answer replaces it.
    let presets = RwSignal::new(None::<PresetsResponse>);
    spawn_local(async move {
        match api::presets(ctx.env).await {
            Ok(response) => presets.set(Some(response)),
            Err(error) => ctx.say(format!("Could not load the presets: {error}"), true),
        }
    });
    let filter_box = NodeRef::<leptos::html::Input>::new();
    let all_rows = Memo::new(move |_| {
        let catalog = ctx.catalog_data();
        ctx.current
            .with(|doc| doc.as_deref().map(|doc| rows(doc, catalog.as_deref().map(|c| &c.catalog))))
            .unwrap_or_default()
    });
    let visible = Memo::new(move |_| {
        all_rows.with(|rows| query.with(|q| filter(rows, q).into_iter().map(|i| rows[i].clone()).collect::<Vec<_>>()))
    });
    let loose = Memo::new(move |_| ctx.current.with(|doc| doc.as_deref().map(loose_diagnostics).unwrap_or_default()));
    let summary = move || {
        let total = all_rows.with(Vec::len);
        let shown = visible.with(Vec::len);
        let errors = all_rows.with(|rows| rows.iter().filter(|row| row.has_errors()).count());
        let mut text = format!("{total} binding{}", if total == 1 { "" } else { "s" });
        if shown != total {
            text.push_str(&format!(", {shown} shown"));
        }
        if errors > 0 {
            text.push_str(&format!(", {errors} with errors"));
        }
        text
    };

    view! {
        <div class="toolbar">
            <label for="bindings-filter">"Filter"</label>
            <input
                id="bindings-filter"
                node_ref=filter_box
                data-testid="bindings-filter"
                type="search"
                placeholder="Model, provider or profile"
                autocomplete="off"
                spellcheck="false"
                prop:value=move || query.get()
                on:input=move |event| query.set(event_target_value(&event))
            />
            <p class="meta" aria-live="polite">{summary}</p>
        </div>
        {move || {
            if all_rows.with(Vec::is_empty) {
                view! {
                    <div class="empty" data-testid="empty-state">
                        <h3>"No bindings yet"</h3>
                        <p>
                            "The file has no model bindings. Every model is called by its own id until you bind it."
                        </p>
                        <p>
                            <a href="#/catalog">"Bind a model from the catalog"</a>
                            " or "
                            <a href=Tab::Transfer.address(ctx.env)>"import a file"</a>
                            "."
                        </p>
                    </div>
                }
                    .into_any()
            } else if visible.with(Vec::is_empty) {
                view! {
                    <p class="empty" data-testid="no-match">
                        "No binding matches “" {query.get()} "”."
                    </p>
                }
                    .into_any()
            } else {
                ().into_any()
            }
        }}
        <table class="grid" hidden=move || visible.with(Vec::is_empty)>
            <caption class="sr-only">"Bindings in force, one per model"</caption>
            <thead>
                <tr>
                    <th scope="col">"Model"</th>
                    <th scope="col">"Provider"</th>
                    <th scope="col">"Binding"</th>
                    <th scope="col">"Kind"</th>
                    <th scope="col">"Problems"</th>
                    <th scope="col">
                        <span class="sr-only">"Actions"</span>
                    </th>
                </tr>
            </thead>
            <For each=move || visible.get() key=BindingRow::render_key let:row>
                <Row row=row open=open refocus=refocus panel=panel presets=presets filter_box=filter_box />
            </For>
        </table>
        {move || {
            let loose = loose.get();
            (!loose.is_empty())
                .then(|| {
                    view! {
                        <section class="loose" aria-labelledby="loose-title">
                            <h3 id="loose-title">"Other lines with problems"</h3>
                            <LineDiagnostics diagnostics=loose.into_iter().map(|(d, _)| d).collect() with_lines=true />
                            <p>
                                <a href=Tab::Raw.address(ctx.env)>"Fix them in the raw editor"</a>
                            </p>
                        </section>
                    }
                })
        }}
    }
}

/// The panel a row can open under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Panel {
    /// A test invocation.
    Test,
    /// The checks.
    Check,
    /// The preset editor.
    Preset,
}

#[component]
fn Row(
    row: BindingRow,
    open: RwSignal<Option<String>>,
    refocus: RwSignal<Option<String>>,
    panel: RwSignal<Option<(String, Panel)>>,
    presets: RwSignal<Option<PresetsResponse>>,
    filter_box: NodeRef<leptos::html::Input>,
) -> impl IntoView {
    let ctx = use_ctx();
    let bind_button = NodeRef::<Button>::new();
    let model = row.model.clone();
    {
        let model = model.clone();
        Effect::new(move |_| {
            if let Some(button) = bind_button.get()
                && refocus.with_untracked(|m| m.as_deref() == Some(model.as_str()))
            {
                refocus.set(None);
                let _ = button.focus();
            }
        });
    }
    let is_open = {
        let model = model.clone();
        Memo::new(move |_| open.with(|open| open.as_deref() == Some(model.as_str())))
    };
    let toggle = {
        let model = model.clone();
        move |_| open.update(|open| *open = if open.as_deref() == Some(&model) { None } else { Some(model.clone()) })
    };
    let unbind = {
        let model = model.clone();
        // The row goes away: the filter box is the nearest stable place for the focus.
        move |_| {
            ctx.submit_parsed(PendingWrite::unbind(&model), move |result| {
                if result.is_ok()
                    && let Some(input) = filter_box.get_untracked()
                {
                    let _ = input.focus();
                }
            })
        }
    };
    let shown_panel = {
        let model = model.clone();
        Memo::new(move |_| panel.with(|panel| panel.as_ref().filter(|(m, _)| *m == model).map(|(_, which)| *which)))
    };
    let toggle_panel = {
        let model = model.clone();
        move |which: Panel| {
            let model = model.clone();
            move |_| {
                panel.update(|panel| {
                    *panel = match panel {
                        Some((m, open)) if *m == model && *open == which => None,
                        _ => Some((model.clone(), which)),
                    }
                })
            }
        }
    };
    let close_panel = Callback::new(move |()| panel.set(None));
    let panel_model = row.model.clone();
    let close = {
        let model = model.clone();
        Callback::new(move |saved: bool| {
            open.set(None);
            if saved {
                refocus.set(Some(model.clone()));
            } else if let Some(button) = bind_button.get_untracked() {
                let _ = button.focus();
            }
        })
    };
    // Follows the catalog: the rows are not rendered again when it arrives.
    let provider = {
        let model = model.clone();
        let fallback = row.provider.clone();
        move || ctx.catalog_data().map_or_else(|| fallback.clone(), |c| provider_of(&model, Some(&c.catalog)))
    };
    let picker_id = format!("row-picker-{}", row.line);
    let has_errors = row.has_errors();
    let problems = if row.diagnostics.is_empty() {
        view! { <span class="muted">"none"</span> }.into_any()
    } else {
        // The row shows the model already: its findings do not say it again.
        view! { <LineDiagnostics diagnostics=row.problems() /> }.into_any()
    };
    let shown_profile = view! { <BoundValue value=row.profile.clone() /> };
    let preset_summary = {
        let model = model.clone();
        move || {
            let text = presets.with(|p| p.as_ref()?.presets.get(&model).map(ToString::to_string))?;
            Some(view! {
                <small class="preset-summary" data-testid="preset-summary">
                    <span class="sr-only">"Preset: "</span>
                    {text}
                </small>
            })
        }
    };
    // The server draws the sparkline (`…/usage/sparkline.svg`): an SVG in a frame keeps its
    // `<title>` (the numbers) as the hover text and the screen reader's, takes focus, and costs
    // this bundle one element instead of a chart.
    let sparkline = format!(
        "/api/v1/envs/{}/usage/sparkline.svg?model={}",
        ctx.env,
        String::from(js_sys::encode_uri_component(&model))
    );
    view! {
        <tbody data-testid="binding-row" data-model=model.clone() class:has-error=has_errors>
            <tr>
                <th scope="row" data-label="Model">
                    <code class="wrap">{model.clone()}</code>
                    <span class="line-no">"line " {row.line}</span>
                </th>
                <td data-label="Provider">{provider}</td>
                <td data-label="Binding">
                    {shown_profile} {preset_summary}
                    <iframe title="Usage" class="sparkline" data-testid="usage-sparkline" src=sparkline></iframe>
                </td>
                <td data-label="Kind">
                    <KindBadge kind=row.kind />
                </td>
                <td data-label="Problems">{problems}</td>
                <td class="row-actions">
                    <button
                        type="button"
                        data-testid="bind-button"
                        node_ref=bind_button
                        aria-expanded=move || if is_open.get() { "true" } else { "false" }
                        aria-controls=picker_id.clone()
                        aria-label=format!("Bind {model}")
                        on:click=toggle
                    >
                        "Bind…"
                    </button>
                    <button
                        type="button"
                        data-testid="test-button"
                        aria-label=format!("Test {model}")
                        aria-expanded=move || if shown_panel.get() == Some(Panel::Test) { "true" } else { "false" }
                        on:click=toggle_panel(Panel::Test)
                    >
                        "Test"
                    </button>
                    <button
                        type="button"
                        data-testid="check-button"
                        aria-label=format!("Check {model} against AWS")
                        aria-expanded=move || if shown_panel.get() == Some(Panel::Check) { "true" } else { "false" }
                        on:click=toggle_panel(Panel::Check)
                    >
                        "Check"
                    </button>
                    <button
                        type="button"
                        data-testid="preset-button"
                        aria-label=format!("Preset of {model}")
                        aria-expanded=move || if shown_panel.get() == Some(Panel::Preset) { "true" } else { "false" }
                        on:click=toggle_panel(Panel::Preset)
                    >
                        "Preset"
                    </button>
                    <button
                        type="button"
                        data-testid="unbind-button"
                        aria-label=format!("Unbind {model}")
                        disabled=move || ctx.busy.get()
                        on:click=unbind
                    >
                        "Unbind"
                    </button>
                </td>
            </tr>
            <Show when=move || is_open.get()>
                <tr class="picker-row" id=picker_id.clone()>
                    <td colspan="6">
                        <ProfilePicker model=row.model.clone() initial=row.profile.clone() on_close=close />
                    </td>
                </tr>
            </Show>
            {
                let model = panel_model;
                move || {
                    shown_panel
                        .get()
                        .map(|which| {
                            let body = match which {
                                Panel::Test => {
                                    view! { <TestPanel model=model.clone() region=None on_close=close_panel /> }
                                        .into_any()
                                }
                                Panel::Check => view! { <CheckPanel model=model.clone() on_close=close_panel /> }.into_any(),
                                Panel::Preset => {
                                    view! { <PresetEditor model=model.clone() presets=presets on_close=close_panel /> }
                                        .into_any()
                                }
                            };
                            view! {
                                <tr class="panel-row">
                                    <td colspan="6">{body}</td>
                                </tr>
                            }
                        })
                }
            }
        </tbody>
    }
}

/// Checks one binding against AWS as soon as it opens; Check again after a fix.
#[component]
fn CheckPanel(model: String, on_close: Callback<()>) -> AnyView {
    let ctx = use_ctx();
    let result = RwSignal::new(None::<Result<bedrock_binder_shared::api::BindingCheck, api::ApiError>>);
    let run = {
        let model = model.clone();
        move || {
            let request = CheckRequest { region: None, models: vec![model.clone()] };
            result.set(None);
            spawn_local(async move {
                let answer = api::check(ctx.env, &request).await;
                let first = answer.and_then(|answer| {
                    answer
                        .bindings
                        .into_iter()
                        .next()
                        .ok_or_else(|| api::ApiError::Decode("the answer checks no binding".to_owned()))
                });
                result.set(Some(first));
            });
        }
    };
    run();
    let again = Callback::new(move |()| run());
    let shown = move || match result.get() {
        None => view! { <p class="placeholder">"Checking against AWS…"</p> }.into_any(),
        Some(Ok(check)) => view! { <CheckView result=check on_fixed=again /> }.into_any(),
        Some(Err(error)) => match error.aws_failure().cloned() {
            Some(failure) => view! { <AwsFailureView failure=failure /> }.into_any(),
            None => view! { <p class="error-text" role="alert">"Could not check: " {error.to_string()}</p> }.into_any(),
        },
    };
    view! {
        <div class="check-panel" data-testid="check-panel" data-model=model>
            {shown}
            <button type="button" class="link" on:click=move |_| on_close.run(())>
                "Close"
            </button>
        </div>
    }
    .into_any()
}
