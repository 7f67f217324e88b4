//! A [`AwsFailure`] shown: what happened, what to do, what AWS said, and its one-click fix.

use bedrock_binder_shared::aws_failure::AwsFailure;
use leptos::prelude::*;

use crate::app::use_ctx;
use crate::state::aws::{fix_change, fix_label};

/// The diagnosis of a failed AWS call. The fix button applies the fix as an ordinary write
/// (conflicts and all), then runs `on_fixed`, so the caller can try the call again.
#[component]
pub fn DiagnosisView(diagnosis: AwsFailure, #[prop(optional)] on_fixed: Option<Callback<()>>) -> AnyView {
    let ctx = use_ctx();
    // Applying the fix may change the row this view sits in, which renders it (and its
    // caller) afresh; `on_fixed` then belongs to a view that is gone and must not run.
    let alive = StoredValue::new(());
    let code = diagnosis.code.as_str();
    let aws = diagnosis.aws.clone().map(|aws| {
        let status = aws.status.map(|s| format!("HTTP {s}, ")).unwrap_or_default();
        view! {
            <p class="aws-said">
                "AWS said (" {status} <code>{aws.error_type}</code> "): " <q>{aws.message}</q>
            </p>
        }
    });
    let fix = diagnosis.fix.clone().map(|fix| {
        let label = fix_label(&fix);
        let apply = move |_| {
            ctx.submit(fix_change(&fix), move |result| {
                if result.is_ok()
                    && !alive.is_disposed()
                    && let Some(on_fixed) = on_fixed
                {
                    on_fixed.run(());
                }
            })
        };
        view! {
            <button type="button" class="primary" data-testid="diagnosis-fix" disabled=move || ctx.busy.get() on:click=apply>
                {label}
            </button>
        }
    });
    view! {
        <div class="diagnosis" role="alert" data-testid="diagnosis" data-code=code>
            <p class="explanation">{diagnosis.explanation}</p>
            <p class="remedy">
                <strong>"What to do: "</strong>
                {diagnosis.remedy}
                {diagnosis.retryable.then_some(" Trying again later may work.")}
            </p>
            {aws}
            {fix}
        </div>
    }
    .into_any()
}
