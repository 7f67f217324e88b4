//! The catalog page: search, provider, region, profile-need and lifecycle filters over every
//! model, with a "requires profile" badge, the lifecycle, the current binding and a Bind action.
//!
//! The server sends the whole catalog once and the browser filters it on each keystroke, which
//! must take less than a frame (16 ms) for 2,000 models. What keeps it there, each measured:
//! - a new search shows [`PAGE`] rows ("Show more" adds [`MORE`]), so a keystroke costs the same
//!   for 200 models as for 2,000;
//! - the rows are fixed slots, "the Nth match": a keystroke rebuilds the slots whose model
//!   changed in place, rewriting text and attributes, instead of removing and creating rows;
//! - the list is ARIA-table `div`s rather than a `<table>`, so rows off screen skip layout
//!   (`content-visibility: auto`), where a `<table>` lays out every row again on any change.

use std::collections::HashMap;
use std::sync::Arc;

use bedrock_binder_shared::catalog::Lifecycle;
use bedrock_binder_shared::profile_ref::ProfileKind;
use leptos::html::Button;
use leptos::prelude::*;
use leptos::task::{spawn_local, tick};

use crate::components::badge::{kind_label, lifecycle_class};
use crate::components::catalog_notice::CatalogNotice;
use crate::components::load::LoadError;
use crate::components::profile_picker::ProfilePicker;
use crate::ctx::use_ctx;
use crate::state::catalog::{CatalogData, CatalogFilter, ProfileNeed, parse_requires_profile};

/// Rows shown for a new search: more than a 1280×800 screen holds, few enough that a
/// keystroke that changes every one of them stays well under a frame on a busy machine.
const PAGE: usize = 15;
/// Rows "Show more" adds: browsing, unlike typing, can afford a longer frame.
const MORE: usize = 100;

/// The page.
#[component]
pub fn CatalogPage() -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <section class="page" aria-labelledby="catalog-title">
            <h2 id="catalog-title">"Model catalog"</h2>
            <CatalogNotice />
            <Transition fallback=|| view! { <p class="placeholder">"Loading the catalog…"</p> }>
                <ErrorBoundary fallback=move |errors| {
                    view! {
                        <LoadError
                            what="the catalog"
                            errors=errors
                            retry=Callback::new(move |()| ctx.catalog.refetch())
                        />
                    }
                }>
                    {move || Suspend::new(async move {
                        ctx.catalog.await.map(|data| view! { <CatalogTable data=data /> })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn CatalogTable(data: Arc<CatalogData>) -> impl IntoView {
    let ctx = use_ctx();
    let query = RwSignal::new(String::new());
    let provider = RwSignal::new(String::new());
    let region = RwSignal::new(String::new());
    let requires = RwSignal::new(String::new());
    let lifecycle = RwSignal::new(String::new());
    let limit = RwSignal::new(PAGE);
    let open = RwSignal::new(None::<String>);

    let filter = Memo::new(move |_| CatalogFilter {
        query: query.get(),
        provider: provider.get(),
        region: region.get(),
        requires_profile: parse_requires_profile(&requires.get()),
        lifecycle: lifecycle.with(|value| value.parse::<Lifecycle>().ok()),
    });
    let matching = {
        let data = data.clone();
        Memo::new(move |_| filter.with(|filter| data.matching(filter)))
    };
    // Rows skipped before the first slot: always 0, except for the instant of the warm-up below.
    let offset = RwSignal::new(0usize);
    let shown = Memo::new(move |_| {
        let (offset, limit) = (offset.get(), limit.get());
        matching.with(|m| m.iter().copied().skip(offset).take(limit).collect::<Vec<usize>>())
    });
    // Warm-up. V8 compiles a wasm function when it is first called, so the first keystrokes
    // paid for compiling the search and everything that rebuilds a row: measured at 2-4x a
    // later keystroke, and over the 16 ms budget. Once the list is on screen, run a search and
    // shift every row by one, then undo both, within one task: that code runs (and is compiled)
    // before anyone types, and no frame ever shows the intermediate list. The search box's
    // text is not bound to `query`, so it stays as the user left it.
    set_timeout(
        move || {
            spawn_local(async move {
                let typed = query.get_untracked();
                query.set(format!("{typed}a"));
                offset.set(1);
                for _ in 0..8 {
                    tick().await;
                }
                query.set(typed);
                offset.set(0);
            });
        },
        std::time::Duration::ZERO,
    );
    // Model id -> (profile, kind) of the bindings in force, for the "Bound" column.
    let bound = Memo::new(move |_| {
        ctx.current.with(|doc| {
            doc.as_deref()
                .map(|doc| {
                    doc.bindings
                        .iter()
                        .map(|b| (b.model.clone(), (b.profile.clone(), b.kind)))
                        .collect::<HashMap<String, (String, Option<ProfileKind>)>>()
                })
                .unwrap_or_default()
        })
    });

    let total = data.models().len();
    let count = move || {
        let found = matching.with(Vec::len);
        let shown = shown.with(Vec::len);
        if shown < found {
            format!("Showing {shown} of {found} matching models ({total} in the catalog)")
        } else {
            format!("{found} of {total} models")
        }
    };
    // A new filter starts again from the first page. (Set only if it differs: setting a signal
    // notifies even when the value is the same, and the list would diff its slots for nothing.)
    let first_page = move || {
        if limit.get_untracked() != PAGE {
            limit.set(PAGE);
        }
    };
    let select = move |signal: RwSignal<String>| {
        move |event| {
            first_page();
            signal.set(event_target_value(&event));
        }
    };
    let provider_options =
        data.providers.iter().map(|p| view! { <option value=p.clone()>{p.clone()}</option> }).collect_view();
    let region_options =
        data.regions.iter().map(|r| view! { <option value=r.clone()>{r.clone()}</option> }).collect_view();
    let row_data = data.clone();

    view! {
        <details class="source" data-testid="catalog-source">
            <summary>
                "Source: " {data.source_line()} ". Active models first, newest first by provider."
            </summary>
            <pre>{data.source.clone()}</pre>
        </details>
        <div class="filters" role="search">
            <div class="field grow">
                <label for="catalog-search">"Search"</label>
                <input
                    id="catalog-search"
                    data-testid="catalog-search"
                    type="search"
                    placeholder="Id, name or provider"
                    autocomplete="off"
                    spellcheck="false"
                    on:input=move |event| {
                        first_page();
                        query.set(event_target_value(&event));
                    }
                />
            </div>
            <div class="field">
                <label for="catalog-provider">"Provider"</label>
                <select id="catalog-provider" data-testid="catalog-provider" on:change=select(provider)>
                    <option value="">"Any"</option>
                    {provider_options}
                </select>
            </div>
            <div class="field">
                <label for="catalog-region">"Region"</label>
                <select id="catalog-region" data-testid="catalog-region" on:change=select(region)>
                    <option value="">"Any"</option>
                    {region_options}
                </select>
            </div>
            <div class="field">
                <label for="catalog-requires">"Profile"</label>
                <select id="catalog-requires" data-testid="catalog-requires-profile" on:change=select(requires)>
                    <option value="">"Any"</option>
                    <option value="yes">"Requires a profile"</option>
                    <option value="no">"Callable on demand"</option>
                </select>
            </div>
            <div class="field">
                <label for="catalog-lifecycle">"Lifecycle"</label>
                <select id="catalog-lifecycle" data-testid="catalog-lifecycle" on:change=select(lifecycle)>
                    <option value="">"Any"</option>
                    <option value="active">"active"</option>
                    <option value="legacy">"legacy"</option>
                    <option value="eol">"end of life"</option>
                    <option value="unknown">"unknown"</option>
                </select>
            </div>
        </div>
        <p class="meta" aria-live="polite" data-testid="catalog-count">{count}</p>
        <Show when=move || matching.with(Vec::is_empty)>
            <p class="empty" data-testid="no-match">"No model matches these filters."</p>
        </Show>
        <div class="list catalog" role="table" aria-label="Models in the catalog" hidden=move || matching.with(Vec::is_empty)>
            <div role="rowgroup" class="list-head">
                <div role="row" class="list-row">
                    <span role="columnheader">"Model"</span>
                    <span role="columnheader">"Provider"</span>
                    <span role="columnheader">"Profile"</span>
                    <span role="columnheader">"Lifecycle"</span>
                    <span role="columnheader">"Bound to"</span>
                    <span role="columnheader">
                        <span class="sr-only">"Actions"</span>
                    </span>
                </div>
            </div>
            <div role="rowgroup">
                <For each=move || 0..limit.get() key=|n| *n let:n>
                    <CatalogSlot data=row_data.clone() position=n shown=shown region=region bound=bound open=open />
                </For>
            </div>
        </div>
        <Show when=move || shown.with(Vec::len) < matching.with(Vec::len)>
            <button type="button" class="more" on:click=move |_| limit.update(|l| *l += MORE)>
                "Show more"
            </button>
        </Show>
    }
}

/// Row `position` of the list: it shows whichever model is `shown[position]`, and is hidden
/// (without a test id) while there is none.
///
/// When the slot's model changes, its cells are rebuilt in place: text and attributes are
/// rewritten and no element is created or removed. The interactive parts (the Bind button,
/// the "bound to" cell, the picker) follow the slot's model id, so they too change only what
/// differs. Both measured several times cheaper than rendering rows per model.
#[component]
fn CatalogSlot(
    data: Arc<CatalogData>,
    position: usize,
    shown: Memo<Vec<usize>>,
    region: RwSignal<String>,
    bound: Memo<HashMap<String, (String, Option<ProfileKind>)>>,
    open: RwSignal<Option<String>>,
) -> impl IntoView {
    // Only the slots whose model changed do any work on a keystroke.
    let index = Memo::new(move |_| shown.with(|shown| shown.get(position).copied()));
    let id = {
        let data = data.clone();
        Memo::new(move |_| index.get().map(|i| data.models()[i].id.to_string()).unwrap_or_default())
    };
    let cells = move || {
        let model = &data.models()[index.get()?];
        let need = region.with(|region| ProfileNeed::of(model, region));
        let profiles = match model.system_profiles.len() {
            0 => String::new(),
            1 => " 1 system profile".to_owned(),
            n => format!(" {n} system profiles"),
        };
        Some(view! {
            <div role="rowheader" data-label="Model">
                <span class="name">{model.name.clone()}</span>
                <code class="wrap">{model.id.to_string()}</code>
            </div>
            <div role="cell" data-label="Provider">{model.provider.clone()}</div>
            <div role="cell" data-label="Profile">
                <span class=format!("badge {}", need.class())>{need.label()}</span>
                <span class="muted small">{profiles}</span>
            </div>
            <div role="cell" data-label="Lifecycle">
                <span class=format!("badge {}", lifecycle_class(model.lifecycle)) title=model.lifecycle_note.clone()>
                    {model.lifecycle.as_str()}
                </span>
            </div>
        })
    };
    let bound_cell = move || match id.with(|id| bound.with(|bound| bound.get(id).cloned())) {
        Some((profile, kind)) => {
            let (text, class) = kind_label(kind);
            view! {
                <span class=format!("badge kind-{class}")>{text}</span>
                " "
                <code class="wrap">{profile}</code>
            }
            .into_any()
        }
        None => view! { <span class="muted">"not bound"</span> }.into_any(),
    };
    let is_open = Memo::new(move |_| id.with(|id| open.with(|open| !id.is_empty() && open.as_deref() == Some(id))));
    let toggle = move |_| {
        let id = id.get_untracked();
        open.update(|open| *open = if open.as_deref() == Some(id.as_str()) { None } else { Some(id) });
    };
    let bind_button = NodeRef::<Button>::new();
    let close = Callback::new(move |_saved: bool| {
        open.set(None);
        if let Some(button) = bind_button.get_untracked() {
            let _ = button.focus();
        }
    });
    let picker_id = format!("catalog-picker-{position}");
    let picker = {
        let picker_id = picker_id.clone();
        move || {
            is_open.get().then(|| {
                let model = id.get_untracked();
                let initial = bound
                    .with_untracked(|bound| bound.get(&model).map(|(profile, _)| profile.clone()))
                    .unwrap_or_default();
                view! {
                    <div class="picker-box" id=picker_id.clone()>
                        <ProfilePicker model=model initial=initial on_close=close />
                    </div>
                }
            })
        }
    };
    let present = move || index.with(Option::is_some);
    view! {
        <div
            class="slot"
            data-testid=move || present().then_some("catalog-row")
            data-model=move || present().then(|| id.get())
            hidden=move || !present()
        >
            <div role="row" class="list-row">
                {cells}
                <div role="cell" data-label="Bound to">{bound_cell}</div>
                <div role="cell" class="row-actions">
                    <button
                        type="button"
                        data-testid="catalog-bind"
                        node_ref=bind_button
                        aria-expanded=move || if is_open.get() { "true" } else { "false" }
                        aria-controls=picker_id
                        aria-label=move || format!("Bind {}", id.get())
                        on:click=toggle
                    >
                        "Bind…"
                    </button>
                </div>
            </div>
            {picker}
        </div>
    }
}
