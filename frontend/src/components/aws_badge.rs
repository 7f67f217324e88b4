//! The header's AWS badge: the account and region the server calls AWS as, or why it cannot
//! (the app then keeps working on the offline catalog). It links to the AWS page.

use leptos::prelude::*;

use crate::ctx::use_ctx;
use crate::state::aws::status::{StatusBadge, Tone, status_badge};
use crate::state::route::Tab;

/// The badge.
#[component]
pub fn AwsBadge() -> impl IntoView {
    let ctx = use_ctx();
    let badge = move || -> StatusBadge {
        match ctx.aws.get() {
            None => StatusBadge {
                label: "AWS: checking…".to_owned(),
                detail: "Asking the server for its AWS credentials".to_owned(),
                tone: Tone::Offline,
            },
            Some(Ok(status)) => status_badge(&status),
            Some(Err(error)) => StatusBadge {
                label: "AWS: unknown".to_owned(),
                detail: format!("Could not ask the server: {error}"),
                tone: Tone::Problem,
            },
        }
    };
    let tone = move || match badge().tone {
        Tone::Connected => "aws-badge connected",
        Tone::Offline => "aws-badge offline",
        Tone::Problem => "aws-badge problem",
    };
    view! {
        <a class=tone href=Tab::Aws.href_from(ctx.site, ctx.env) data-testid="aws-badge" title=move || badge().detail>
            {move || badge().label}
            <span class="sr-only">": " {move || badge().detail}</span>
        </a>
    }
}
