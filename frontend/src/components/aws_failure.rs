//! An [`AwsFailure`] shown: what happened in plain words, what to do, what AWS said, the SDK's
//! error chain behind a "Details" toggle, and the one-click fix.

use bedrock_binder_shared::aws_failure::AwsFailure;
use leptos::prelude::*;

use crate::ctx::use_ctx;
use crate::state::aws::fix::{fix_label, fix_write};

/// A failed AWS call, explained. The fix button applies the fix as an ordinary write
/// (conflicts and all), then runs `on_fixed`, so the caller can try the call again.
#[component]
pub fn AwsFailureView(failure: AwsFailure, #[prop(optional)] on_fixed: Option<Callback<()>>) -> AnyView {
    let ctx = use_ctx();
    // Applying the fix may change the row this view sits in, which renders it (and its
    // caller) afresh; `on_fixed` then belongs to a view that is gone and must not run.
    let alive = StoredValue::new(());
    let code = failure.code.as_str();
    let aws = failure.aws.clone().map(|aws| {
        let status = aws.status.map(|s| format!("HTTP {s}, ")).unwrap_or_default();
        view! {
            <p class="aws-said">
                "AWS said (" {status} <code>{aws.error_type}</code> "): " <q>{aws.message}</q>
            </p>
        }
    });
    let chain = failure.detail.clone().map(|chain| {
        view! {
            <details class="failure-details">
                <summary>"Details"</summary>
                <pre class="wrap">{chain}</pre>
            </details>
        }
    });
    let fix = failure.fix.clone().map(|fix| {
        let label = fix_label(&fix);
        let apply = move |_| {
            ctx.submit_parsed(fix_write(&fix), move |result| {
                if result.is_ok()
                    && !alive.is_disposed()
                    && let Some(on_fixed) = on_fixed
                {
                    on_fixed.run(());
                }
            })
        };
        view! {
            <button type="button" class="primary" data-testid="aws-failure-fix" disabled=move || ctx.busy.get() on:click=apply>
                {label}
            </button>
        }
    });
    view! {
        <div class="aws-failure" role="alert" data-testid="aws-failure" data-code=code>
            <p class="explanation">{failure.explanation}</p>
            <p class="remedy">
                <strong>"What to do: "</strong>
                {failure.remedy}
                {failure.retryable.then_some(" Trying again later may work.")}
            </p>
            {aws}
            {chain}
            {fix}
        </div>
    }
    .into_any()
}
