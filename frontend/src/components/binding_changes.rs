//! A table of binding changes (the model, its value before, its value after), as the history,
//! the change requests and the promote preview show them.

use bedrock_binder_shared::promote::BindingChange;
use leptos::prelude::*;

use crate::state::envs::{Difference, value_text};

/// The table; each row is `row_test_id` with `data-model` and `data-change`
/// (`added`/`removed`/`changed`). `before` and `after` head the value columns.
#[component]
pub fn BindingChanges(
    changes: Vec<BindingChange>,
    row_test_id: &'static str,
    caption: &'static str,
    before: String,
    after: String,
) -> impl IntoView {
    let rows = changes
        .into_iter()
        .map(|change| {
            let difference = Difference::of(&change);
            view! {
                <tr data-testid=row_test_id data-model=change.model.clone() data-change=difference.as_str()>
                    <th scope="row" data-label="Model">
                        <code class="wrap">{change.model.clone()}</code>
                    </th>
                    <td data-label=before.clone()>
                        <code class="wrap">{value_text(change.from.as_deref())}</code>
                    </td>
                    <td data-label=after.clone()>
                        <code class="wrap">{value_text(change.to.as_deref())}</code>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="grid">
            <caption class="sr-only">{caption}</caption>
            <thead>
                <tr>
                    <th scope="col">"Model"</th>
                    <th scope="col">{before.clone()}</th>
                    <th scope="col">{after.clone()}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
