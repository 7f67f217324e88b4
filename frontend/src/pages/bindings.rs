//! The bindings page: every binding in force with its provider, kind badge and diagnostics, a
//! filter box, and per-row Bind (the profile picker) and Unbind.

use leptos::html::Button;
use leptos::prelude::*;

use crate::app::{WithFile, use_ctx};
use crate::components::badge::KindBadge;
use crate::components::diagnostics::DiagnosticList;
use crate::components::profile_picker::ProfilePicker;
use crate::state::bindings::{BindingRow, filter, loose_diagnostics, provider_of, rows};
use crate::state::change::Change;

/// The page.
#[component]
pub fn BindingsPage() -> impl IntoView {
    view! {
        <section class="page" aria-labelledby="bindings-title">
            <h2 id="bindings-title">"Bindings"</h2>
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
                            <a href="#/transfer">"import a file"</a>
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
                <Row row=row open=open refocus=refocus filter_box=filter_box />
            </For>
        </table>
        {move || {
            let loose = loose.get();
            (!loose.is_empty())
                .then(|| {
                    view! {
                        <section class="loose" aria-labelledby="loose-title">
                            <h3 id="loose-title">"Other lines with problems"</h3>
                            <DiagnosticList diagnostics=loose.into_iter().map(|(d, _)| d).collect() with_lines=true />
                            <p>
                                <a href="#/raw">"Fix them in the raw editor"</a>
                            </p>
                        </section>
                    }
                })
        }}
    }
}

#[component]
fn Row(
    row: BindingRow,
    open: RwSignal<Option<String>>,
    refocus: RwSignal<Option<String>>,
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
            ctx.submit(Change::unbind(&model), move |result| {
                if result.is_ok()
                    && let Some(input) = filter_box.get_untracked()
                {
                    let _ = input.focus();
                }
            })
        }
    };
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
        view! { <DiagnosticList diagnostics=row.diagnostics.clone() /> }.into_any()
    };
    let shown_profile = if row.profile.is_empty() {
        view! { <span class="muted">"(direct)"</span> }.into_any()
    } else {
        view! { <code class="wrap">{row.profile.clone()}</code> }.into_any()
    };
    view! {
        <tbody data-testid="binding-row" data-model=model.clone() class:has-error=has_errors>
            <tr>
                <th scope="row" data-label="Model">
                    <code class="wrap">{model.clone()}</code>
                    <span class="line-no">"line " {row.line}</span>
                </th>
                <td data-label="Provider">{provider}</td>
                <td data-label="Binding">{shown_profile}</td>
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
        </tbody>
    }
}
