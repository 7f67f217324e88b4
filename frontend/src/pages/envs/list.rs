//! The environments page: every environment with its settings, binding count and last change;
//! its health as the server's scheduled check last found it ([`super::health`]); a form to
//! create one (empty, or a copy of another); and delete, after a confirmation, made
//! against the version the list showed. A server with one file (`--file`) has only `default`,
//! and the page says so instead of offering create and delete.

use std::sync::Arc;

use bedrock_binder_shared::Version;
use bedrock_binder_shared::access::Role;
use bedrock_binder_shared::api::{EnvListResponse, EnvSummary, StoreKind};
use bedrock_binder_shared::env_name::EnvName;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::components::load::LoadError;
use crate::ctx::{Ctx, go_to, use_ctx};
use crate::state::envs::{change_text, create_request, settings_fields};
use crate::state::error::PRECONDITION_FAILED;
use crate::state::route::Tab;

/// The page.
#[component]
pub fn EnvsPage() -> impl IntoView {
    let envs = LocalResource::new(|| async { api::envs().await.map(Arc::new) });
    view! {
        <section class="page" aria-labelledby="envs-title">
            <h2 id="envs-title">"Environments"</h2>
            <Transition fallback=|| view! { <p class="placeholder">"Loading the environments…"</p> }>
                <ErrorBoundary fallback=move |errors| {
                    view! {
                        <LoadError
                            what="the environments"
                            errors=errors
                            retry=Callback::new(move |()| envs.refetch())
                        />
                    }
                }>
                    {move || Suspend::new(async move {
                        envs.await.map(|list| view! { <EnvsTable list=list reload=Callback::new(move |()| envs.refetch()) /> })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn EnvsTable(list: Arc<EnvListResponse>, reload: Callback<()>) -> impl IntoView {
    let editable = list.store != StoreKind::File;
    // The environment whose delete is being confirmed.
    let confirming = RwSignal::new(None::<String>);
    let names: Vec<String> = list.envs.iter().map(|env| env.name.clone()).collect();
    let rows = list
        .envs
        .iter()
        .map(|env| view! { <EnvRow env=env.clone() editable=editable confirming=confirming reload=reload /> })
        .collect_view();
    view! {
        <table class="grid" data-testid="envs-table">
            <caption class="sr-only">"Environments, with their settings and last change"</caption>
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Description"</th>
                    <th scope="col">"AWS profile"</th>
                    <th scope="col">"Region"</th>
                    <th scope="col">"Protected"</th>
                    <th scope="col">"Bindings"</th>
                    <th scope="col">"Last change"</th>
                    <th scope="col">"Health"</th>
                    <th scope="col">
                        <span class="sr-only">"Actions"</span>
                    </th>
                </tr>
            </thead>
            {rows}
        </table>
        {if editable {
            let permissions = super::permissions();
            let form = move || {
                permissions
                    .with(|may| may.may_somewhere(Role::Admin))
                    .then(|| view! { <CreateForm names=names.clone() reload=reload /> })
            };
            form.into_any()
        } else {
            view! {
                <p class="notice" data-testid="envs-file-store">
                    "This server keeps one binding file (it was started with --file), which is the environment "
                    <code>"default"</code>
                    ". To create and delete environments, start it with "
                    <code>"serve --store DIR"</code>
                    "."
                </p>
            }
                .into_any()
        }}
    }
}

#[component]
fn EnvRow(
    env: EnvSummary,
    editable: bool,
    confirming: RwSignal<Option<String>>,
    reload: Callback<()>,
) -> impl IntoView {
    let ctx = use_ctx();
    let name = env.name.clone();
    let is_current = name == ctx.env.as_str();
    let may_delete = super::permissions();
    let delete_label = format!("Delete {name}");
    let env_name: Option<EnvName> = name.parse().ok();
    let env_name = move || env_name.clone();
    let link = name.parse::<EnvName>().map(|parsed| Tab::Bindings.address(&parsed)).unwrap_or_default();
    let [description, profile, region, protected] = settings_fields(&env.settings).map(|(_, value)| value);
    let last = env.last_change.as_ref().map_or_else(
        || view! { <span class="muted">"none recorded"</span> }.into_any(),
        |change| {
            let reason = change.reason.clone().map(|reason| view! { <span class="meta">"“" {reason} "”"</span> });
            view! {
                <span>{change_text(change)}</span>
                " "
                {reason}
            }
            .into_any()
        },
    );
    let is_confirming = {
        let name = name.clone();
        move || confirming.with(|c| c.as_deref() == Some(name.as_str()))
    };
    let ask = {
        let name = name.clone();
        move |_| confirming.set(Some(name.clone()))
    };
    let delete = {
        let (name, version) = (name.clone(), env.version.clone());
        move |_| delete_env(ctx, name.clone(), version.clone(), confirming, reload)
    };
    let confirm_row = {
        let name = name.clone();
        move || {
            is_confirming().then(|| {
                let delete = delete.clone();
                view! {
                    <tr>
                        <td colspan="9">
                            <div class="confirm" role="alertdialog" data-testid="env-delete-confirm">
                                <p>
                                    "Delete " <strong>{name.clone()}</strong>
                                    "? Its inference.txt and settings are removed; its history is kept."
                                </p>
                                <button
                                    type="button"
                                    class="danger"
                                    data-testid="env-delete-confirm-button"
                                    disabled=move || ctx.busy.get()
                                    on:click=delete
                                >
                                    "Delete " {name.clone()}
                                </button>
                                " "
                                <button type="button" on:click=move |_| confirming.set(None)>
                                    "Keep it"
                                </button>
                            </div>
                        </td>
                    </tr>
                }
            })
        }
    };
    view! {
        <tbody data-testid="env-row" data-env=name.clone()>
            <tr>
                <th scope="row" data-label="Name">
                    <a href=link>{name.clone()}</a>
                    {is_current.then(|| view! { " " <span class="badge">"this page"</span> })}
                </th>
                <td data-label="Description">{description}</td>
                <td data-label="AWS profile">{profile}</td>
                <td data-label="Region">{region}</td>
                <td data-label="Protected">{protected}</td>
                <td data-label="Bindings" data-testid="env-bindings">{env.bindings}</td>
                <td data-label="Last change" data-testid="env-last-change">{last}</td>
                <td data-label="Health">{env_name().map(|env| view! { <super::health::HealthCell env=env /> })}</td>
                <td class="row-actions">
                    {move || {
                        (editable && env_name().is_some_and(|env| may_delete.with(|may| may.may(Role::Admin, &env))))
                            .then(|| {
                            view! {
                                <button
                                    type="button"
                                    data-testid="env-delete"
                                    aria-label=delete_label.clone()
                                    on:click=ask.clone()
                                >
                                    "Delete…"
                                </button>
                            }
                            })
                    }}
                </td>
            </tr>
            {confirm_row}
        </tbody>
    }
}

/// Deletes `name`, made against the text `version` the list showed; `reload` loads the list
/// again.
fn delete_env(ctx: Ctx, name: String, version: Version, confirming: RwSignal<Option<String>>, reload: Callback<()>) {
    let Ok(env) = name.parse::<EnvName>() else { return };
    ctx.busy.set(true);
    spawn_local(async move {
        let result = api::delete_env(&env, &version).await;
        ctx.busy.set(false);
        confirming.set(None);
        match result {
            Ok(()) if env == *ctx.env => {
                // This page's own environment is gone: carry on in `default`.
                go_to(&Tab::Envs.address(&EnvName::DEFAULT));
            }
            Ok(()) => {
                ctx.say(format!("Deleted {env}. Its history is kept."), false);
                ctx.load_env_names();
                reload.run(());
            }
            Err(error) if error.status() == Some(PRECONDITION_FAILED) => {
                ctx.say(format!("Not deleted: {env} changed since the list was loaded. Check it and try again."), true);
                reload.run(());
            }
            Err(error) => ctx.say(format!("Could not delete {env}: {error}"), true),
        }
    });
}

/// Creates an environment: a name, checked as the server checks it while it is typed, and
/// what it starts from.
#[component]
fn CreateForm(names: Vec<String>, reload: Callback<()>) -> impl IntoView {
    let ctx = use_ctx();
    let name = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let request = Memo::new(move |_| name.with(|name| from.with(|from| create_request(name, Some(from)))));
    let error = move || {
        name.with(|name| !name.trim().is_empty())
            .then(|| request.with(|request| request.as_ref().err().map(|error| error.message.clone())))
            .flatten()
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Ok(request) = request.get_untracked() else { return };
        ctx.busy.set(true);
        spawn_local(async move {
            let result = api::create_env(&request).await;
            ctx.busy.set(false);
            match result {
                Ok(created) => {
                    let how = request.from.map_or_else(|| "empty".to_owned(), |from| format!("a copy of {from}"));
                    ctx.say(format!("Created {} ({how}).", created.name), false);
                    name.set(String::new());
                    ctx.load_env_names();
                    reload.run(());
                }
                Err(error) => ctx.say(format!("Could not create {}: {error}", request.name), true),
            }
        });
    };
    let sources = names
        .into_iter()
        .map(|source| {
            let label = format!("A copy of {source}");
            view! { <option value=source>{label}</option> }
        })
        .collect_view();
    view! {
        <form class="create-env" data-testid="env-create" on:submit=submit>
            <h3>"New environment"</h3>
            <div class="field">
                <label for="env-create-name">"Name"</label>
                <input
                    id="env-create-name"
                    data-testid="env-create-name"
                    type="text"
                    placeholder="qa"
                    autocomplete="off"
                    spellcheck="false"
                    aria-describedby="env-create-help"
                    aria-invalid=move || if error().is_some() { "true" } else { "false" }
                    prop:value=move || name.get()
                    on:input=move |event| name.set(event_target_value(&event))
                />
                <p id="env-create-help" class="meta">
                    "Lower-case letters, digits and -, up to 32 characters."
                </p>
                {move || error().map(|message| view! { <p class="field-error" data-testid="env-create-error">{message}</p> })}
            </div>
            <div class="field">
                <label for="env-create-from">"Start from"</label>
                <select
                    id="env-create-from"
                    data-testid="env-create-from"
                    on:change=move |event| from.set(event_target_value(&event))
                >
                    <option value="">"An empty file"</option>
                    {sources}
                </select>
            </div>
            <button
                type="submit"
                class="primary"
                data-testid="env-create-submit"
                disabled=move || request.with(Result::is_err) || ctx.busy.get()
            >
                "Create"
            </button>
        </form>
    }
}
