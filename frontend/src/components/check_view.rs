//! The result of checking one binding against AWS: each check with its outcome, and the
//! AWS failure behind the first failing check, with its fix.

use bedrock_binder_shared::api::{BindingCheck, CheckStatus};
use leptos::prelude::*;

use crate::components::aws_failure::AwsFailureView;

/// One binding's checks. `on_fixed` runs after its fix was applied.
#[component]
pub fn CheckView(result: BindingCheck, #[prop(optional)] on_fixed: Option<Callback<()>>) -> AnyView {
    let items = result
        .checks
        .into_iter()
        .filter(|item| item.status != CheckStatus::Skip)
        .map(|item| {
            let (class, mark) = match item.status {
                CheckStatus::Pass => ("pass", "✓"),
                CheckStatus::Fail => ("fail", "✗"),
                CheckStatus::Skip => ("skip", "–"),
            };
            let kind = item.check.as_str();
            view! {
                <li class=class data-check=kind>
                    <span aria-hidden="true">{mark}</span>
                    <span class="sr-only">{class}": "</span>
                    " "
                    {item.message}
                </li>
            }
        })
        .collect_view();
    let verdict = if result.ok { "All checks pass." } else { "This binding will fail." };
    view! {
        <div class="check-result" class:ok=result.ok data-testid="check-result" data-ok=result.ok.to_string()>
            <p class="verdict">{verdict}</p>
            <ul class="checks">{items}</ul>
            {result
                .diagnosis
                .map(|failure| match on_fixed {
                    Some(on_fixed) => view! { <AwsFailureView failure=failure on_fixed=on_fixed /> }.into_any(),
                    None => view! { <AwsFailureView failure=failure /> }.into_any(),
                })}
        </div>
    }
    .into_any()
}
