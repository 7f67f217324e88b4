//! A binding's value as the bindings table shows it: an ARN as what a person reads (the id,
//! then its kind, region and account), with the whole ARN in its tooltip and one click away.

use leptos::prelude::*;

use crate::state::bindings::{ShownValue, shown_value};

/// The value `value`, as written in the file (empty: direct).
#[component]
pub fn BoundValue(value: String) -> AnyView {
    match shown_value(&value) {
        ShownValue::Direct => view! { <span class="muted">"(direct)"</span> }.into_any(),
        ShownValue::Text(text) => view! { <code class="wrap">{text}</code> }.into_any(),
        ShownValue::Arn { id, kind, region, account, arn } => {
            // Each part stays on one line; the parts wrap between them, not inside a word.
            let account = account.map(|account| view! { " · " <span>"account " {account}</span> });
            let title = arn.clone();
            view! {
                <div class="arn" title=title>
                    <code class="wrap">{id}</code>
                    <span class="arn-where">
                        <span>{kind}</span>
                        " · "
                        <span>{region}</span>
                        {account}
                    </span>
                    <details class="arn-full">
                        <summary>"Full ARN"</summary>
                        <code class="wrap">{arn}</code>
                    </details>
                </div>
            }
            .into_any()
        }
    }
}
