//! The history of the page's environment, newest first: each change's number, time, author,
//! kind and reason, the bindings it changed and its line diff (and, for a settings change, the
//! settings before and after). A change whose version is not the current one can be restored:
//! Revert asks for a reason, then restores it as a new change, made against the file's current
//! version (`If-Match`), and the history loads again.

use bedrock_binder_shared::access::Role;
use bedrock_binder_shared::api::{HistoryItem, RevertRequest};
use bedrock_binder_shared::diff::has_changes;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::components::binding_changes::BindingChanges;
use crate::components::diff_view::DiffView;
use crate::components::load::LoadError;
use crate::components::preset_changes::PresetChanges;
use crate::ctx::{Ctx, use_ctx};
use crate::state::envs::{kind_label, settings_changes, time_text};
use crate::state::error::PRECONDITION_FAILED;
use crate::state::promote::reason;

/// The page.
#[component]
pub fn HistoryPage() -> impl IntoView {
    let ctx = use_ctx();
    let history = LocalResource::new(move || api::history(ctx.env));
    let reload = Callback::new(move |()| history.refetch());
    view! {
        <section class="page" aria-labelledby="history-title">
            <h2 id="history-title">"History of " {ctx.env.to_string()}</h2>
            <Transition fallback=|| view! { <p class="placeholder">"Loading the history…"</p> }>
                <ErrorBoundary fallback=move |errors| {
                    view! { <LoadError what="the history" errors=errors retry=reload /> }
                }>
                    {move || Suspend::new(async move {
                        history
                            .await
                            .map(|history| {
                                if history.entries.is_empty() {
                                    view! {
                                        <p class="empty" data-testid="history-empty">
                                            "No change has been recorded here yet. Changes made through bedrock-binder (the web app or the command line) are recorded from now on."
                                        </p>
                                    }
                                        .into_any()
                                } else {
                                    history
                                        .entries
                                        .into_iter()
                                        .map(|item| view! { <Entry item=item reload=reload /> })
                                        .collect_view()
                                        .into_any()
                                }
                            })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn Entry(item: HistoryItem, reload: Callback<()>) -> impl IntoView {
    let ctx = use_ctx();
    let permissions = super::permissions();
    let HistoryItem { summary, changes, lines, settings, revertible, undoable } = item;
    let seq = summary.seq;
    let kind = kind_label(summary.kind);
    let when = time_text(summary.time_ms);
    let bindings = (!changes.is_empty()).then(|| {
        view! {
            <BindingChanges
                changes=changes
                row_test_id="history-change"
                caption="The bindings this change changed"
                before="Before".to_owned()
                after="After".to_owned()
            />
        }
    });
    let presets = view! {
        <PresetChanges
            presets=summary.presets.clone()
            before="before".to_owned()
            after="after".to_owned()
            test_id="history-presets"
        />
    };
    let settings = settings.and_then(|change| {
        let fields = settings_changes(change.before.as_ref(), change.after.as_ref());
        (!fields.is_empty()).then(|| {
            let items = fields
                .into_iter()
                .map(|(label, before, after)| {
                    let before = before.unwrap_or_else(|| "—".to_owned());
                    let after = after.unwrap_or_else(|| "—".to_owned());
                    view! { <li>{label} ": " {before} " → " {after}</li> }
                })
                .collect_view();
            view! { <ul class="settings-change">{items}</ul> }
        })
    });
    let line_diff = has_changes(&lines).then(|| {
        view! {
            <details class="line-diff">
                <summary>"The file, line by line"</summary>
                <DiffView diff=lines test_id="history-diff" caption="The lines this change changed" />
            </details>
        }
    });
    view! {
        <article class="history-entry" data-testid="history-entry" data-seq=seq data-kind=summary.kind.as_str()>
            <h3>
                {format!("#{seq} ")} <span class=format!("badge kind-{kind}")>{kind}</span>
            </h3>
            <p class="meta">
                "by " {summary.author.clone()}
                {summary
                    .approver
                    .clone()
                    .map(|approver| {
                        view! { ", approved by " <span data-testid="history-approver">{approver}</span> }
                    })} ", " {when}
            </p>
            {summary.reason.clone().map(|reason| view! { <p class="reason" data-testid="history-reason">"“" {reason} "”"</p> })}
            {bindings}
            {settings}
            {presets}
            {line_diff}
            // Reverting is an edit: it needs the editor role here.
            <div hidden=move || !permissions.with(|may| may.may(Role::Editor, ctx.env))>
                {undoable.then(|| view! { <Revert ctx=ctx seq=seq undo=true reload=reload /> })}
                {revertible.then(|| view! { <Revert ctx=ctx seq=seq undo=false reload=reload /> })}
            </div>
        </article>
    }
}

/// Revert… (to the text the change left) or Undo… (to the text before it), then the
/// confirmation with a reason.
#[component]
fn Revert(ctx: Ctx, seq: u64, undo: bool, reload: Callback<()>) -> impl IntoView {
    let (test_id, offer, confirm_label) = if undo {
        ("history-undo", "Undo this change…", format!("Undo #{seq}"))
    } else {
        ("history-revert", "Revert to this version…", format!("Revert to #{seq}"))
    };
    let question = if undo {
        format!(
            "Make {}'s inference.txt exactly what it was before change #{seq}? This is recorded as a new change; nothing is lost.",
            ctx.env
        )
    } else {
        format!(
            "Make {}'s inference.txt exactly what change #{seq} left it? This is recorded as a new change; nothing is lost.",
            ctx.env
        )
    };
    let confirming = RwSignal::new(false);
    let why = RwSignal::new(String::new());
    let revert = move |_| {
        // Made against the file as this page last loaded it: if it moved since, the server
        // answers 412 and nothing is written.
        let Some((version, _)) = ctx.base() else {
            ctx.say("The file has not loaded yet.", true);
            return;
        };
        let request = RevertRequest { seq, reason: reason(&why.get_untracked()), undo };
        let done =
            if undo { format!("Undid change #{seq}.") } else { format!("Restored the version of change #{seq}.") };
        ctx.busy.set(true);
        spawn_local(async move {
            let result = api::revert(ctx.env, &request, &version).await;
            ctx.busy.set(false);
            match result {
                Ok(response) => {
                    ctx.latest.set(Some(std::sync::Arc::new(response)));
                    ctx.say(done, false);
                    confirming.set(false);
                    reload.run(());
                }
                Err(error) if error.status() == Some(PRECONDITION_FAILED) => {
                    ctx.say(
                        format!(
                            "Not reverted: {} changed since this page loaded it. Check the history again.",
                            ctx.env
                        ),
                        true,
                    );
                    ctx.refresh_file();
                    reload.run(());
                }
                Err(error) => ctx.say(format!("Could not revert: {error}"), true),
            }
        });
    };
    let field_id = format!("{test_id}-reason-{seq}");
    view! {
        <Show
            when=move || confirming.get()
            fallback=move || {
                view! {
                    <button type="button" data-testid=test_id on:click=move |_| confirming.set(true)>
                        {offer}
                    </button>
                }
            }
        >
            <div class="confirm" role="alertdialog" data-testid=format!("{test_id}-confirm")>
                <p>{question.clone()}</p>
                <div class="field">
                    <label for=field_id.clone()>"Reason"</label>
                    <input
                        id=field_id.clone()
                        type="text"
                        data-testid=format!("{test_id}-reason")
                        prop:value=move || why.get()
                        on:input=move |event| why.set(event_target_value(&event))
                    />
                </div>
                <button
                    type="button"
                    class="danger"
                    data-testid=format!("{test_id}-button")
                    disabled=move || ctx.busy.get()
                    on:click=revert
                >
                    {confirm_label.clone()}
                </button>
                " "
                <button type="button" on:click=move |_| confirming.set(false)>
                    "Cancel"
                </button>
            </div>
        </Show>
    }
}
