//! An environment's health in the Environments table: the badge of the server's last
//! scheduled check (all good, N warnings, N broken), when it ran, and each broken binding
//! with its fix, those that broke since the check before marked `new`.

use bedrock_binder_shared::api::EnvHealth;
use bedrock_binder_shared::env_name::EnvName;
use leptos::prelude::*;

use crate::api;
use crate::state::env_health::{broken_text, checked_text, health_badge, health_details};

/// The health of `env`, loaded on its own so that the table shows at once.
#[component]
pub fn HealthCell(env: EnvName) -> impl IntoView {
    let health = LocalResource::new(move || {
        let env = env.clone();
        async move { api::env_health(&env).await }
    });
    view! {
        <Transition fallback=|| view! { <span class="muted">"…"</span> }>
            {move || Suspend::new(async move {
                match health.await {
                    Ok(health) => health_view(health).into_any(),
                    // The table is still useful without it; the rest of the row says the rest.
                    Err(_) => view! { <span class="muted" data-testid="env-health">"unknown"</span> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn health_view(health: EnvHealth) -> impl IntoView {
    let (label, class) = health_badge(&health);
    let broken = health
        .broken
        .iter()
        .map(|broken| {
            let new = health.newly_broken.contains(broken);
            view! {
                <li data-testid="env-health-broken" data-model=broken.model.clone()>
                    {new.then(|| view! { <span class="badge bad">"new"</span> " " })}
                    {broken_text(broken)}
                </li>
            }
        })
        .collect_view();
    view! {
        <span
            class=format!("badge {class}")
            data-testid="env-health"
            data-status=health.status.as_str()
            title=health_details(&health)
        >
            {label}
        </span>
        {checked_text(&health).map(|text| view! { " " <span class="meta">{text}</span> })}
        {(!health.broken.is_empty()).then(|| view! { <ul class="meta">{broken}</ul> })}
    }
}
