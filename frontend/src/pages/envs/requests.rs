//! The change requests of the page's environment, newest first: what a change to a protected
//! environment becomes. Each shows its author, reason, the bindings it changes and its line
//! diff, and the promote gate's findings for a promote. An open one can be approved (by
//! another admin than its author; the server applies it against the version it was made
//! against) or rejected, with a comment; a stale one (the environment moved since) can be
//! rebased into a new request.

use bedrock_binder_shared::access::Role;
use bedrock_binder_shared::api::{ChangeRequest, DecideRequest, RequestStatus};
use bedrock_binder_shared::diff::has_changes;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::components::binding_changes::BindingChanges;
use crate::components::diff_view::DiffView;
use crate::components::load::LoadError;
use crate::components::preset_changes::PresetChanges;
use crate::ctx::use_ctx;
use crate::state::envs::{kind_label, time_text};
use crate::state::promote::reason;

/// The page.
#[component]
pub fn RequestsPage() -> impl IntoView {
    let ctx = use_ctx();
    let requests = LocalResource::new(move || api::change_requests(ctx.env));
    let reload = Callback::new(move |()| requests.refetch());
    view! {
        <section class="page" aria-labelledby="requests-title">
            <h2 id="requests-title">"Change requests for " {ctx.env.to_string()}</h2>
            <Transition fallback=|| view! { <p class="placeholder">"Loading the change requests…"</p> }>
                <ErrorBoundary fallback=move |errors| {
                    view! { <LoadError what="the change requests" errors=errors retry=reload /> }
                }>
                    {move || Suspend::new(async move {
                        requests
                            .await
                            .map(|list| {
                                if list.requests.is_empty() {
                                    view! {
                                        <p class="empty" data-testid="requests-empty">
                                            "No change requests. Changes to a protected environment wait here for another admin's approval."
                                        </p>
                                    }
                                        .into_any()
                                } else {
                                    list.requests
                                        .into_iter()
                                        .map(|request| view! { <Request request=request reload=reload /> })
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
fn Request(request: ChangeRequest, reload: Callback<()>) -> impl IntoView {
    let ctx = use_ctx();
    let id = request.id;
    let status = request.status.as_str();
    let kind = kind_label(request.kind);
    let gate = request.gate.as_ref().map(|gate| {
        let findings = gate
            .findings
            .iter()
            .map(|finding| {
                let severity = if finding.severity == bedrock_binder_shared::api::GateSeverity::Error {
                    "error"
                } else {
                    "warning"
                };
                view! {
                    <li class=format!("diag {severity}") data-testid="request-finding" data-severity=severity>
                        <code>{finding.model.clone()}</code> ": " {finding.message.clone()}
                    </li>
                }
            })
            .collect_view();
        let verdict = if gate.ok { "The promote gate found no error." } else { "The promote gate found errors:" };
        view! {
            <div class="gate" data-testid="request-gate">
                <p>{verdict}</p>
                <ul>{findings}</ul>
            </div>
        }
    });
    let line_diff = has_changes(&request.lines).then(|| {
        view! {
            <details class="line-diff">
                <summary>"The file, line by line"</summary>
                <DiffView diff=request.lines.clone() test_id="request-diff" caption="The lines this request changes" />
            </details>
        }
    });
    let decision = request.decision.as_ref().map(|decision| {
        let verb = match request.status {
            RequestStatus::Applied => "Approved and applied",
            RequestStatus::Superseded => "Rebased",
            _ => "Rejected",
        };
        let applied = request.applied_seq.map(|seq| format!(" as change #{seq}")).unwrap_or_default();
        let replaced = request.superseded_by.map(|by| format!(" into request #{by}")).unwrap_or_default();
        view! {
            <p class="meta" data-testid="request-decision">
                {format!("{verb}{applied}{replaced} by {}, {}", decision.by, time_text(decision.time_ms))}
                {decision.comment.clone().map(|comment| format!(": “{comment}”"))}
            </p>
        }
    });
    let comment = RwSignal::new(String::new());
    let act = move |verb: &'static str| {
        let body = DecideRequest { comment: reason(&comment.get_untracked()) };
        ctx.busy.set(true);
        spawn_local(async move {
            let result = api::decide(ctx.env, id, verb, &body).await;
            ctx.busy.set(false);
            match result {
                Ok(done) => {
                    let said = match verb {
                        "approve" => format!("Approved request #{id}; it is applied."),
                        "reject" => format!("Rejected request #{id}."),
                        _ => format!("Rebased request #{id} as request #{}.", done.id),
                    };
                    ctx.say(said, false);
                    if verb == "approve" {
                        ctx.refresh_file();
                    }
                    reload.run(());
                }
                Err(error) => {
                    ctx.say(format!("Could not {verb} request #{id}: {error}"), true);
                    reload.run(());
                }
            }
        });
    };
    let field_id = format!("request-comment-{id}");
    // Approving and rejecting need the admin role here, rebasing an editor's.
    let permissions = super::permissions();
    let needed = if request.status == RequestStatus::Stale { Role::Editor } else { Role::Admin };
    let allowed = move || permissions.with(|may| may.may(needed, ctx.env));
    let actions = match request.status {
        RequestStatus::Open => Some(
            view! {
                <div class="actions">
                    <div class="field">
                        <label for=field_id.clone()>"Comment"</label>
                        <input
                            id=field_id.clone()
                            type="text"
                            data-testid="request-comment"
                            prop:value=move || comment.get()
                            on:input=move |event| comment.set(event_target_value(&event))
                        />
                    </div>
                    <button
                        type="button"
                        class="primary"
                        data-testid="request-approve"
                        disabled=move || ctx.busy.get()
                        on:click=move |_| act("approve")
                    >
                        "Approve and apply"
                    </button>
                    " "
                    <button
                        type="button"
                        class="danger"
                        data-testid="request-reject"
                        disabled=move || ctx.busy.get()
                        on:click=move |_| act("reject")
                    >
                        "Reject"
                    </button>
                </div>
            }
                .into_any(),
        ),
        RequestStatus::Stale => Some(
            view! {
                <div class="actions">
                    <p class="meta">
                        "The environment changed since this request was made, so it cannot be applied as it is. Rebase it to make the same binding changes on the current version, as a new request."
                    </p>
                    <button
                        type="button"
                        data-testid="request-rebase"
                        disabled=move || ctx.busy.get()
                        on:click=move |_| act("rebase")
                    >
                        "Rebase"
                    </button>
                </div>
            }
                .into_any(),
        ),
        _ => None,
    };
    view! {
        <article class="history-entry" data-testid="request" data-id=id data-status=status>
            <h3>
                {format!("Request #{id} ")} <span class=format!("badge kind-{kind}")>{kind}</span> " "
                <span class=format!("badge status-{status}") data-testid="request-status">{status}</span>
            </h3>
            <p class="meta">
                "by " {request.author.clone()} ", " {time_text(request.time_ms)}
                {request.from.clone().map(|from| format!(", from {from}"))}
            </p>
            {request.reason.clone().map(|why| view! { <p class="reason">"“" {why} "”"</p> })}
            <BindingChanges
                changes=request.changes.clone()
                row_test_id="request-change"
                caption="The bindings this request changes"
                before="Now".to_owned()
                after="After".to_owned()
            />
            <PresetChanges
                presets=request.presets.clone()
                before="now".to_owned()
                after="after".to_owned()
                test_id="request-presets"
            />
            {gate}
            {line_diff}
            {decision}
            <div hidden=move || !allowed()>{actions}</div>
        </article>
    }
}
