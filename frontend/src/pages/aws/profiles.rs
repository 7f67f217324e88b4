//! The account's application inference profiles in the region: each with its base model and
//! the binding lines that use it; a form that creates one (and can bind it in the same step);
//! and a delete that shows what would break and asks first.

use bedrock_binder_shared::api::{
    ApplicationProfile, CreateProfileRequest, InferenceProfileType, ProfileReference, ProfilesResponse,
};
use bedrock_binder_shared::application_profile::{ProfileDescription, ProfileName, parse_tag_list};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::page_state::{AwsPageState, report};
use crate::api::{self, ApiError};
use crate::components::aws_failure::AwsFailureView;
use crate::ctx::use_ctx;

/// The section.
#[component]
pub fn Profiles() -> AnyView {
    let state = expect_context::<AwsPageState>();
    let listed = RwSignal::new(None::<Result<ProfilesResponse, ApiError>>);
    let reload = move || {
        let region = state.region.get_untracked();
        spawn_local(async move { listed.set(Some(api::profiles(state.ctx.env, &region).await)) });
    };
    // Again whenever the region shown changes.
    Effect::new(move |_| {
        state.region.track();
        reload();
    });
    let reload = Callback::new(move |()| reload());
    let list = move || match listed.get() {
        None => view! { <p class="placeholder">"Listing the application profiles…"</p> }.into_any(),
        Some(Err(error)) => match error.aws_failure().cloned() {
            Some(failure) => view! { <AwsFailureView failure=failure /> }.into_any(),
            None => view! { <p class="error-text">"Could not list the profiles: " {error.to_string()}</p> }.into_any(),
        },
        Some(Ok(answer)) if answer.profiles.is_empty() => {
            view! { <p class="muted" data-testid="no-profiles">"No application profiles in " {answer.region} "."</p> }
                .into_any()
        }
        Some(Ok(answer)) => {
            let region = answer.region.clone();
            let rows = answer
                .profiles
                .into_iter()
                .map(|profile| view! { <ProfileRow profile=profile region=region.clone() on_deleted=reload /> })
                .collect_view();
            view! { <ul class="profile-list">{rows}</ul> }.into_any()
        }
    };
    view! {
        <section aria-labelledby="aws-profiles-title">
            <h3 id="aws-profiles-title">"Application inference profiles"</h3>
            {list}
            <CreateProfile on_created=reload />
        </section>
    }
    .into_any()
}

/// What a delete is waiting for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Deleting {
    /// Nothing asked.
    No,
    /// The server listed what would break; waiting for the user to confirm.
    Confirm { message: String, references: Vec<ProfileReference> },
}

#[component]
fn ProfileRow(profile: ApplicationProfile, region: String, on_deleted: Callback<()>) -> AnyView {
    let ctx = use_ctx();
    let deleting = RwSignal::new(Deleting::No);
    let arn = profile.profile.arn.clone();
    let ask = {
        let (arn, region, name) = (arn.clone(), region.clone(), profile.profile.name.clone());
        move |_| {
            let (arn, region, name) = (arn.clone(), region.clone(), name.clone());
            spawn_local(async move {
                // Without confirm the server deletes nothing and lists the lines that would break.
                match api::delete_profile(ctx.env, &arn, &region, false).await {
                    Err(error) if error.status() == Some(409) => {
                        let references = error.references().to_vec();
                        let warning = match references.len() {
                            0 => "No binding points at it.".to_owned(),
                            1 => "1 binding points at it and will break:".to_owned(),
                            n => format!("{n} bindings point at it and will break:"),
                        };
                        let message = format!("Deleting {name} cannot be undone. {warning}");
                        deleting.set(Deleting::Confirm { message, references })
                    }
                    Err(error) => report(ctx, "delete the profile", &error),
                    Ok(_) => on_deleted.run(()),
                }
            });
        }
    };
    let confirm = {
        let (arn, region) = (arn.clone(), region.clone());
        move |_| {
            let (arn, region) = (arn.clone(), region.clone());
            spawn_local(async move {
                match api::delete_profile(ctx.env, &arn, &region, true).await {
                    Ok(answer) => {
                        let broken = answer.references.len();
                        let note = match broken {
                            0 => String::new(),
                            n => format!(" {n} binding line{} still point at it.", if n == 1 { "" } else { "s" }),
                        };
                        ctx.say(format!("Deleted {}.{note}", answer.arn), broken > 0);
                        on_deleted.run(());
                    }
                    Err(error) => report(ctx, "delete the profile", &error),
                }
            });
        }
    };
    let summary = &profile.profile;
    let kind = match summary.profile_type {
        InferenceProfileType::Application => "application",
        InferenceProfileType::SystemDefined => "system",
    };
    let used_by = if profile.references.is_empty() {
        view! { <span class="muted">"no binding uses it"</span> }.into_any()
    } else {
        let lines =
            profile.references.iter().map(|r| format!("{} (line {})", r.model, r.line)).collect::<Vec<_>>().join(", ");
        view! { <span>"used by " {lines}</span> }.into_any()
    };
    let confirm_box = move || match deleting.get() {
        Deleting::No => None,
        Deleting::Confirm { message, references } => {
            let lines = references
                .into_iter()
                .map(|r| view! { <li><code>{r.model}</code> " on line " {r.line}</li> })
                .collect_view();
            let confirm = confirm.clone();
            Some(view! {
                <div class="confirm" role="alertdialog" data-testid="delete-confirm">
                    <p>{message}</p>
                    <ul>{lines}</ul>
                    <button type="button" class="danger" data-testid="confirm-delete" on:click=confirm>
                        "Delete for good"
                    </button>
                    <button type="button" on:click=move |_| deleting.set(Deleting::No)>
                        "Keep it"
                    </button>
                </div>
            })
        }
    };
    view! {
        <li data-testid="profile-row" data-arn=arn.clone()>
            <p>
                <strong>{summary.name.clone()}</strong>
                " "
                <span class=format!("badge kind-{kind}")>{kind}</span>
                " "
                <span class="muted">{summary.status.clone()}</span>
            </p>
            <p>
                <code class="wrap">{arn.clone()}</code>
            </p>
            <p class="meta">
                "Calls "
                <code>{summary.base_model.clone().unwrap_or_else(|| "an unknown model".to_owned())}</code>
                {(!summary.destination_regions.is_empty())
                    .then(|| format!(" in {}", summary.destination_regions.join(", ")))}
                "; "
                {used_by}
            </p>
            {summary.description.clone().map(|d| view! { <p>{d}</p> })}
            <button type="button" data-testid="delete-profile" on:click=ask>
                "Delete…"
            </button>
            {confirm_box}
        </li>
    }
    .into_any()
}

/// A token for CreateInferenceProfile's `clientRequestToken`: sending the form again after a
/// failure reuses it, so AWS never creates the profile twice.
fn new_token() -> String {
    let random = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
    format!("bedrock-binder-{:x}-{random:x}", js_sys::Date::now() as u64)
}

#[component]
fn CreateProfile(on_created: Callback<()>) -> AnyView {
    let ctx = use_ctx();
    let state = expect_context::<AwsPageState>();
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let copy_from = RwSignal::new(String::new());
    let tags = RwSignal::new(String::new());
    let bind = RwSignal::new(true);
    let token = RwSignal::new(new_token());
    let sending = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);

    // The same checks the server makes, as the fields are typed.
    let name_error = Memo::new(move |_| {
        name.with(|n| (!n.is_empty()).then(|| n.parse::<ProfileName>().err().map(|e| e.message)).flatten())
    });
    let description_error =
        Memo::new(move |_| description.with(|d| d.parse::<ProfileDescription>().err().map(|e| e.message)));
    let tags_error = Memo::new(move |_| tags.with(|t| parse_tag_list(t).err().map(|e| e.message)));
    let blocked = move || {
        sending.get()
            || name.with(|n| n.parse::<ProfileName>().is_err())
            || copy_from.with(|c| c.trim().is_empty())
            || description_error.with(Option::is_some)
            || tags_error.with(Option::is_some)
    };
    // Copy-from choices: the region's system profiles and models, by id (the server looks the
    // ARN up among what it discovered).
    let choices = move || {
        let region = state.region.get();
        state.catalog.with(|catalog| {
            let Some(catalog) = catalog.as_ref().and_then(|c| c.regions.iter().find(|r| r.region == region)) else {
                return Vec::new();
            };
            catalog
                .profiles
                .iter()
                .filter(|p| p.profile_type == InferenceProfileType::SystemDefined)
                .map(|p| p.id.clone())
                .chain(catalog.models.iter().filter(|m| m.requires_profile == Some(false)).map(|m| m.id.clone()))
                .collect::<Vec<_>>()
        })
    };

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let (Ok(_), Ok(tag_list)) =
            (name.get_untracked().parse::<ProfileName>(), parse_tag_list(&tags.get_untracked()))
        else {
            return;
        };
        let request = CreateProfileRequest {
            name: name.get_untracked(),
            description: Some(description.get_untracked()).filter(|d| !d.trim().is_empty()),
            copy_from: copy_from.get_untracked().trim().to_owned(),
            tags: tag_list,
            client_request_token: Some(token.get_untracked()),
            region: Some(state.region.get_untracked()),
            bind: bind.get_untracked(),
        };
        let version = ctx.base().map(|(version, _)| version);
        sending.set(true);
        failure.set(None);
        spawn_local(async move {
            let answer =
                api::create_profile(ctx.env, &request, if request.bind { version.as_ref() } else { None }).await;
            sending.set(false);
            match answer {
                Ok(created) => {
                    let bound = created.bindings.is_some();
                    if let Some(bindings) = created.bindings {
                        ctx.latest.set(Some(std::sync::Arc::new(bindings)));
                    }
                    let model = created.model.unwrap_or_else(|| "its model".to_owned());
                    let what = if bound { format!(" and bound it to {model}") } else { String::new() };
                    ctx.say(format!("Created {}{what}.", created.arn), false);
                    name.set(String::new());
                    description.set(String::new());
                    copy_from.set(String::new());
                    tags.set(String::new());
                    token.set(new_token());
                    on_created.run(());
                }
                // The token stays: sending again returns the profile if AWS made it after all.
                Err(error) => failure.set(Some(error)),
            }
        });
    };

    let field_error = |id: &'static str, error: Memo<Option<String>>| {
        move || error.get().map(|message| view! { <p class="field-error" id=id role="alert">{message}</p> })
    };
    view! {
        <form class="create-profile" data-testid="create-profile" on:submit=submit>
            <h4>"Create an application profile in " {move || state.region.get()}</h4>
            <label for="new-profile-name">"Name"</label>
            <input
                id="new-profile-name"
                data-testid="new-profile-name"
                type="text"
                autocomplete="off"
                aria-invalid=move || if name_error.with(Option::is_some) { "true" } else { "false" }
                aria-describedby="new-profile-name-error"
                prop:value=move || name.get()
                on:input=move |event| name.set(event_target_value(&event))
            />
            {field_error("new-profile-name-error", name_error)}
            <label for="new-profile-from">"Copy from (a model or system profile of the region, or its ARN)"</label>
            <input
                id="new-profile-from"
                data-testid="new-profile-from"
                type="text"
                list="new-profile-from-choices"
                autocomplete="off"
                spellcheck="false"
                prop:value=move || copy_from.get()
                on:input=move |event| copy_from.set(event_target_value(&event))
            />
            <datalist id="new-profile-from-choices">
                {move || choices().into_iter().map(|id| view! { <option value=id /> }).collect_view()}
            </datalist>
            <label for="new-profile-description">"Description (optional)"</label>
            <input
                id="new-profile-description"
                type="text"
                prop:value=move || description.get()
                on:input=move |event| description.set(event_target_value(&event))
            />
            {field_error("new-profile-description-error", description_error)}
            <label for="new-profile-tags">"Tags (KEY=VALUE, separated by commas)"</label>
            <input
                id="new-profile-tags"
                type="text"
                placeholder="team=search, cost-center=42"
                prop:value=move || tags.get()
                on:input=move |event| tags.set(event_target_value(&event))
            />
            {field_error("new-profile-tags-error", tags_error)}
            <label class="check">
                <input
                    type="checkbox"
                    data-testid="new-profile-bind"
                    prop:checked=move || bind.get()
                    on:change=move |event| bind.set(event_target_checked(&event))
                />
                " Bind the new profile to its model in the file"
            </label>
            <button type="submit" class="primary" data-testid="create-profile-submit" disabled=blocked>
                {move || if sending.get() { "Creating…" } else { "Create profile" }}
            </button>
            {move || {
                failure.get().map(|error| match error.aws_failure().cloned() {
                    Some(failure) => view! { <AwsFailureView failure=failure /> }.into_any(),
                    None => view! { <p class="error-text" role="alert">{error.to_string()}</p> }.into_any(),
                })
            }}
        </form>
    }
    .into_any()
}
