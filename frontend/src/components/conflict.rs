//! The conflict panel: after a 412 it says the file changed elsewhere, shows both versions and
//! their difference, and offers Reload (take theirs) or Re-apply (send mine against theirs).
//! Nothing is written until the user picks one.

use bedrock_binder_shared::diff::line_diff;
use leptos::html::Section;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::diff_view::DiffView;
use crate::ctx::use_ctx;
use crate::state::pending_write::PendingWrite;

/// The panel; empty while there is no conflict.
#[component]
pub fn ConflictPanel() -> impl IntoView {
    let ctx = use_ctx();
    let panel = NodeRef::<Section>::new();
    // Move focus to the panel when it appears, so keyboard and screen-reader users land on it.
    Effect::new(move |_| {
        if ctx.conflict.with(Option::is_some)
            && let Some(panel) = panel.get()
        {
            let _ = panel.focus();
        }
    });
    move || {
        ctx.conflict.get().map(|conflict| {
            let reapply_label = conflict.write.reapply_label();
            let description = conflict.write.describe();
            let diff = line_diff(&conflict.theirs, &conflict.mine);
            let reapply = {
                let conflict = conflict.clone();
                move |_| {
                    let conflict = conflict.clone();
                    spawn_local(async move {
                        let base = (conflict.their_version.clone(), conflict.theirs.clone());
                        let replaced = matches!(conflict.write, PendingWrite::Replace(_));
                        if ctx.write(conflict.write, base).await.is_ok() && replaced {
                            ctx.draft.set(None);
                        }
                    });
                }
            };
            view! {
                <section
                    class="conflict"
                    data-testid="conflict"
                    role="alertdialog"
                    aria-labelledby="conflict-title"
                    aria-describedby="conflict-text"
                    tabindex="-1"
                    node_ref=panel
                >
                    <h2 id="conflict-title">"The file changed elsewhere"</h2>
                    <p id="conflict-text">
                        "inference.txt was saved by someone or something else after you loaded it, so your change ("
                        <strong>{description}</strong>
                        ") was not written. Nothing was overwritten. Compare the two versions, then reload theirs or re-apply yours."
                    </p>
                    <div class="versions">
                        <figure>
                            <figcaption>"Yours (not saved)"</figcaption>
                            <pre data-testid="conflict-mine" tabindex="0">{conflict.mine.clone()}</pre>
                        </figure>
                        <figure>
                            <figcaption>"Theirs (on disk now)"</figcaption>
                            <pre data-testid="conflict-theirs" tabindex="0">{conflict.theirs.clone()}</pre>
                        </figure>
                    </div>
                    <details>
                        <summary>"What yours changes in theirs"</summary>
                        <DiffView diff=diff test_id="conflict-diff" caption="From their version to yours" />
                    </details>
                    <div class="actions">
                        <button
                            type="button"
                            data-testid="conflict-reload"
                            disabled=move || ctx.busy.get()
                            on:click=move |_| ctx.reload()
                        >
                            "Reload theirs (drop my change)"
                        </button>
                        <button
                            type="button"
                            class="primary"
                            data-testid="conflict-reapply"
                            disabled=move || ctx.busy.get()
                            on:click=reapply
                        >
                            {reapply_label}
                        </button>
                    </div>
                </section>
            }
        })
    }
}
