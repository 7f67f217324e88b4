//! A line diff, as a table: old and new line numbers, `+`/`-`, folded unchanged runs.

use bedrock_binder_shared::diff::{DiffLine, LineChange};
use leptos::prelude::*;

use crate::state::diff::{DiffRow, rows, summary};

/// Unchanged lines shown around each change.
const CONTEXT: usize = 3;

/// The diff from the file to a new text. `test_id` names the container for browser tests.
#[component]
pub fn DiffView(diff: Vec<DiffLine>, test_id: &'static str, caption: &'static str) -> impl IntoView {
    let counts = summary(&diff);
    let body = rows(&diff, CONTEXT)
        .into_iter()
        .map(|row| match row {
            DiffRow::Folded(count) => view! {
                <tr class="fold">
                    <td colspan="3">{format!("… {count} unchanged line{}", if count == 1 { "" } else { "s" })}</td>
                </tr>
            }
            .into_any(),
            DiffRow::Line { change, old, new, text, ending } => {
                let (class, sign) = match change {
                    LineChange::Same => ("same", " "),
                    LineChange::Removed => ("removed", "-"),
                    LineChange::Added => ("added", "+"),
                };
                view! {
                    <tr class=class>
                        <td class="num">{old}</td>
                        <td class="num">{new}</td>
                        <td class="text">
                            <span class="sign" aria-hidden="true">{sign}</span>
                            <span class="sr-only">{class}" "</span>
                            {text}
                            {ending.map(|ending| view! { <span class="eol">{ending}</span> })}
                        </td>
                    </tr>
                }
                .into_any()
            }
        })
        .collect_view();
    let nothing = counts.added == 0 && counts.removed == 0;
    view! {
        <div class="diff" data-testid=test_id>
            <p class="diff-summary">
                {if nothing {
                    "No changes.".to_owned()
                } else {
                    format!("{} line(s) added, {} removed.", counts.added, counts.removed)
                }}
            </p>
            <div class="scroll">
                <table>
                    <caption class="sr-only">{caption}</caption>
                    <thead class="sr-only">
                        <tr>
                            <th scope="col">"Old line"</th>
                            <th scope="col">"New line"</th>
                            <th scope="col">"Text"</th>
                        </tr>
                    </thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
        </div>
    }
}
