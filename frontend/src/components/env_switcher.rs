//! The header's environment switcher: a `<select>` of the server's environments. Choosing one
//! loads the same page in that environment (its address's `?env=`).

use bedrock_binder_shared::env_name::EnvName;
use leptos::prelude::*;

use crate::ctx::{go_to, use_ctx};

/// The switcher.
#[component]
pub fn EnvSwitcher() -> impl IntoView {
    let ctx = use_ctx();
    // The page's own environment is always an option, even before the list arrives, or when
    // the server does not list it (it was deleted, or the address names one that never was).
    let names = move || {
        let mut names: Vec<String> = ctx.env_names.get().and_then(Result::ok).unwrap_or_default();
        if !names.iter().any(|name| name == ctx.env.as_str()) {
            names.insert(0, ctx.env.to_string());
        }
        names
    };
    let problem = move || match ctx.env_names.get() {
        Some(Err(error)) => Some(format!("Could not list the environments: {error}")),
        _ => None,
    };
    let switch = move |event: leptos::ev::Event| {
        let Ok(env) = event_target_value(&event).parse::<EnvName>() else { return };
        if env == *ctx.env {
            return;
        }
        // The raw editor's unsaved text belongs to this environment and would be lost.
        let dirty = ctx.draft.with_untracked(|draft| draft.as_ref().is_some_and(|draft| draft.is_dirty()));
        let discard = "Your unsaved edits in the raw editor will be lost. Switch anyway?";
        if dirty && !web_sys::window().is_some_and(|window| window.confirm_with_message(discard).unwrap_or(false)) {
            return;
        }
        go_to(&ctx.tab.get_untracked().address(&env));
    };
    view! {
        <div class="env-switcher">
            <label for="env-switcher">"Environment"</label>
            <select id="env-switcher" data-testid="env-switcher" title=problem on:change=switch>
                {move || {
                    names()
                        .into_iter()
                        .map(|name| {
                            let current = name == ctx.env.as_str();
                            view! {
                                <option value=name.clone() selected=current>
                                    {name.clone()}
                                </option>
                            }
                        })
                        .collect_view()
                }}
            </select>
        </div>
    }
}
