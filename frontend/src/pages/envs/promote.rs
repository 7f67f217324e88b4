//! Diff and promote: pick the environment to copy from and the one to write; see how their
//! bindings differ (model by model, and line by line); choose the models; Preview asks the
//! server what the promote writes and what its gate finds in the target's AWS account; Apply
//! writes exactly that preview (`If-Match` its version). Apply stays disabled while the gate
//! reports errors, unless "Promote anyway" is ticked with a reason.

use std::collections::BTreeSet;
use std::sync::Arc;

use bedrock_binder_shared::access::Role;
use bedrock_binder_shared::api::{
    EnvDiffResponse, EnvListResponse, GateFinding, GateReport, GateSeverity, PromoteResponse, ProposeRequest,
};
use bedrock_binder_shared::env_name::EnvName;
use bedrock_binder_shared::promote::BindingChange;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiError};
use crate::components::binding_changes::BindingChanges;
use crate::components::diff_view::DiffView;
use crate::components::load::LoadError;
use crate::components::preset_changes::PresetChanges;
use crate::ctx::{Ctx, use_ctx};
use crate::state::envs::{Difference, value_text};
use crate::state::error::PRECONDITION_FAILED;
use crate::state::promote::{apply_blocker, gate_counts, promotable, reason, request};

/// The page.
#[component]
pub fn PromotePage() -> impl IntoView {
    let envs = LocalResource::new(|| async { api::envs().await.map(Arc::new) });
    view! {
        <section class="page" aria-labelledby="promote-title">
            <h2 id="promote-title">"Diff and promote"</h2>
            <Transition fallback=|| view! { <p class="placeholder">"Loading the environments…"</p> }>
                <ErrorBoundary fallback=move |errors| {
                    view! {
                        <LoadError
                            what="the environments"
                            errors=errors
                            retry=Callback::new(move |()| envs.refetch())
                        />
                    }
                }>
                    {move || Suspend::new(async move {
                        envs.await.map(|list| view! { <PromoteForm list=list /> })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

/// A preview, with the models it was asked for: Apply sends those again.
#[derive(Clone)]
struct Preview {
    answer: PromoteResponse,
    models: Vec<String>,
}

/// What the form's parts share.
#[derive(Clone, Copy)]
struct Form {
    ctx: Ctx,
    from: RwSignal<String>,
    to: RwSignal<String>,
    /// The models ticked for the promote.
    chosen: RwSignal<BTreeSet<String>>,
    reason: RwSignal<String>,
    force: RwSignal<bool>,
    preview: RwSignal<Option<Preview>>,
    /// Whether a preview or an apply is in flight.
    sending: RwSignal<bool>,
    diff: LocalResource<Option<Result<EnvDiffResponse, ApiError>>>,
    /// The protected environments: a promote into one is proposed as a change request.
    protected: StoredValue<Vec<String>>,
}

impl Form {
    /// The chosen pair, when both are environment names and they differ.
    fn pair(&self) -> Option<(EnvName, EnvName)> {
        let from = self.from.with_untracked(|from| from.parse::<EnvName>().ok())?;
        let to = self.to.with_untracked(|to| to.parse::<EnvName>().ok())?;
        (from != to).then_some((from, to))
    }
}

#[component]
fn PromoteForm(list: Arc<EnvListResponse>) -> impl IntoView {
    let ctx = use_ctx();
    let names: Vec<String> = list.envs.iter().map(|env| env.name.clone()).collect();
    if names.len() < 2 {
        return view! {
            <p class="empty" data-testid="promote-needs-two">
                "Promoting copies bindings from one environment to another, and this server has only "
                {names.first().cloned().unwrap_or_default()} ". "
                <a href="#/envs">"Create another environment"</a>
                " first."
            </p>
        }
        .into_any();
    }
    // From this page's environment to the next one listed.
    let first_from = names.iter().find(|name| *name == ctx.env.as_str()).cloned().unwrap_or_else(|| names[0].clone());
    let first_to = names.iter().find(|name| **name != first_from).cloned().unwrap_or_default();
    let from = RwSignal::new(first_from);
    let to = RwSignal::new(first_to);
    let diff = LocalResource::new(move || {
        let (from, to) = (from.get(), to.get());
        async move {
            let (Ok(from), Ok(to)) = (from.parse::<EnvName>(), to.parse::<EnvName>()) else { return None };
            if from == to {
                return None;
            }
            Some(api::env_diff(&from, &to).await)
        }
    });
    let form = Form {
        ctx,
        from,
        to,
        chosen: RwSignal::new(BTreeSet::new()),
        reason: RwSignal::new(String::new()),
        force: RwSignal::new(false),
        preview: RwSignal::new(None),
        sending: RwSignal::new(false),
        diff,
        protected: StoredValue::new(
            list.envs.iter().filter(|env| env.settings.protected).map(|env| env.name.clone()).collect(),
        ),
    };
    // Every promotable model is ticked whenever a new diff arrives, and a preview of the old
    // choice no longer says what Apply would write.
    Effect::new(move |_| {
        let models = diff.with(|diff| match diff {
            Some(Some(Ok(diff))) => promotable(&diff.changes),
            _ => Vec::new(),
        });
        form.chosen.set(models.into_iter().collect());
        form.preview.set(None);
        form.force.set(false);
    });

    let picker = |id: &'static str, label: &'static str, value: RwSignal<String>| {
        let options = names
            .iter()
            .map(|name| {
                let selected = value.with_untracked(|value| value == name);
                view! {
                    <option value=name.clone() selected=selected>
                        {name.clone()}
                    </option>
                }
            })
            .collect_view();
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <select id=id data-testid=id on:change=move |event| value.set(event_target_value(&event))>
                    {options}
                </select>
            </div>
        }
    };
    view! {
        <div class="filters">
            {picker("promote-from", "Copy from", from)} {picker("promote-to", "Into", to)}
        </div>
        <DiffSection form=form />
        <PreviewSection form=form />
    }
    .into_any()
}

/// The bindings that differ, with a box per model the promote can copy, and the line diff.
#[component]
fn DiffSection(form: Form) -> impl IntoView {
    move || match form.diff.get() {
        None => view! { <p class="placeholder">"Comparing…"</p> }.into_any(),
        Some(None) => view! { <p class="empty">"Choose two different environments to compare."</p> }.into_any(),
        Some(Some(Err(error))) => {
            view! { <p class="error-text" role="alert">"Could not compare them: " {error.to_string()}</p> }.into_any()
        }
        Some(Some(Ok(diff))) => view! { <DiffTable diff=diff form=form /> }.into_any(),
    }
}

#[component]
fn DiffTable(diff: EnvDiffResponse, form: Form) -> impl IntoView {
    let EnvDiffResponse { from, to, changes, lines, presets } = diff;
    let preset_diff = view! {
        <PresetChanges presets=presets before=format!("in {from}") after=format!("in {to}") test_id="env-preset-diff" />
    };
    let all = promotable(&changes);
    let caption = format!("Bindings that differ from {from} to {to}");
    if changes.is_empty() {
        return view! {
            <section class="env-diff" data-testid="env-diff">
                <p class="empty" data-testid="env-diff-same">
                    {format!("{from} and {to} bind every model alike: nothing to promote.")}
                </p>
                {preset_diff}
            </section>
        }
        .into_any();
    }
    let rows = changes
        .into_iter()
        .map(|change| view! { <DiffRow change=change from=from.clone() to=to.clone() form=form /> })
        .collect_view();
    let select_all = move |_| {
        form.chosen.set(all.iter().cloned().collect());
        form.preview.set(None);
    };
    let select_none = move |_| {
        form.chosen.set(BTreeSet::new());
        form.preview.set(None);
    };
    view! {
        <section class="env-diff" data-testid="env-diff" aria-labelledby="env-diff-title">
            <h3 id="env-diff-title">{caption.clone()}</h3>
            <div class="actions">
                <button type="button" class="link" on:click=select_all>
                    "Choose all"
                </button>
                <button type="button" class="link" on:click=select_none>
                    "Choose none"
                </button>
            </div>
            <table class="grid">
                <caption class="sr-only">{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Model"</th>
                        <th scope="col">{format!("In {from}")}</th>
                        <th scope="col">{format!("In {to}")}</th>
                        <th scope="col">"Difference"</th>
                    </tr>
                </thead>
                {rows}
            </table>
            {preset_diff}
            <details class="line-diff">
                <summary>"The two files, line by line"</summary>
                <DiffView diff=lines test_id="env-line-diff" caption="The lines that differ between the two files" />
            </details>
        </section>
    }
    .into_any()
}

#[component]
fn DiffRow(change: BindingChange, from: String, to: String, form: Form) -> impl IntoView {
    let difference = Difference::of(&change);
    let model = change.model.clone();
    // A promote copies what the source binds; a binding only the target has stays as it is.
    let can_promote = change.from.is_some();
    let what = match difference {
        Difference::Added => format!("only in {to} (a promote leaves it)"),
        Difference::Removed => format!("only in {from}"),
        Difference::Changed => "bound differently".to_owned(),
    };
    let checked = {
        let model = model.clone();
        move || form.chosen.with(|chosen| chosen.contains(&model))
    };
    let toggle = {
        let model = model.clone();
        move |_| {
            form.chosen.update(|chosen| {
                if !chosen.remove(&model) {
                    chosen.insert(model.clone());
                }
            });
            form.preview.set(None);
        }
    };
    let box_id = format!("promote-{}", model.replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
    let chooser = if can_promote {
        view! {
            <input
                type="checkbox"
                id=box_id.clone()
                data-testid="promote-model"
                prop:checked=checked
                on:change=toggle
            />
            <label for=box_id class="check">
                <code class="wrap">{model.clone()}</code>
            </label>
        }
        .into_any()
    } else {
        view! { <code class="wrap">{model.clone()}</code> }.into_any()
    };
    view! {
        <tbody data-testid="diff-row" data-model=model data-change=difference.as_str()>
            <tr class=format!("change-{}", difference.as_str())>
                <th scope="row" data-label="Model">{chooser}</th>
                <td data-label=format!("In {from}")>
                    <code class="wrap">{value_text(change.from.as_deref())}</code>
                </td>
                <td data-label=format!("In {to}")>
                    <code class="wrap">{value_text(change.to.as_deref())}</code>
                </td>
                <td data-label="Difference">{what}</td>
            </tr>
        </tbody>
    }
}

/// The reason, Preview, and once previewed what the promote writes, the gate's findings, and
/// Apply.
#[component]
fn PreviewSection(form: Form) -> impl IntoView {
    let ctx = form.ctx;
    let run_preview = move |_| {
        let Some((from, to)) = form.pair() else { return };
        let models: Vec<String> = form.chosen.get_untracked().into_iter().collect();
        let body = request(&from, &to, models.clone(), &form.reason.get_untracked(), false, false);
        form.sending.set(true);
        spawn_local(async move {
            let answer = api::promote(&body, None).await;
            form.sending.set(false);
            match answer {
                Ok(answer) => {
                    form.force.set(false);
                    form.preview.set(Some(Preview { answer, models }));
                }
                Err(error) => ctx.say(format!("Could not preview the promote: {error}"), true),
            }
        });
    };
    let cannot_preview = move || {
        form.sending.get()
            || form.chosen.with(BTreeSet::is_empty)
            || form.from.with(|from| form.to.with(|to| from == to))
    };
    // Into a protected environment, a promote is proposed for another admin to approve; an
    // editor may propose what only an admin may apply.
    let into_protected = move || form.to.with(|to| form.protected.with_value(|protected| protected.contains(to)));
    // Previewing and applying a promote need the admin role on the target; proposing one, an
    // editor's.
    let permissions = super::permissions();
    let may_on_target = move |role: Role| {
        form.to.with(|to| to.parse::<EnvName>().is_ok_and(|to| permissions.with(|may| may.may(role, &to))))
    };
    let run_propose = move |_| {
        let Some((from, to)) = form.pair() else { return };
        let body = ProposeRequest {
            from: Some(from.to_string()),
            models: form.chosen.get_untracked().into_iter().collect(),
            text: None,
            reason: reason(&form.reason.get_untracked()),
        };
        form.sending.set(true);
        spawn_local(async move {
            let answer = api::propose(&to, &body).await;
            form.sending.set(false);
            match answer {
                Ok(request) => {
                    form.preview.set(None);
                    ctx.say(
                        format!(
                            "Proposed change request #{} for {to}: another admin must approve it (see its Requests page).",
                            request.id
                        ),
                        false,
                    );
                }
                Err(error) => ctx.say(format!("Could not propose the promote: {error}"), true),
            }
        });
    };
    view! {
        <div class="field grow">
            <label for="promote-reason">"Reason"</label>
            <input
                id="promote-reason"
                data-testid="promote-reason"
                type="text"
                placeholder="Why, for the history (needed to promote despite gate errors)"
                prop:value=move || form.reason.get()
                on:input=move |event| form.reason.set(event_target_value(&event))
            />
        </div>
        <div class="actions">
            <button
                type="button"
                data-testid="promote-preview"
                hidden=move || !may_on_target(Role::Admin)
                disabled=cannot_preview
                on:click=run_preview
            >
                "Preview"
            </button>
            {move || {
                (into_protected() && may_on_target(Role::Editor))
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="primary"
                                data-testid="promote-propose"
                                disabled=cannot_preview
                                on:click=run_propose
                            >
                                "Propose for approval"
                            </button>
                        }
                    })
            }}
            <span class="meta">
                {move || {
                    let count = form.chosen.with(BTreeSet::len);
                    format!("{count} model{} chosen.", if count == 1 { "" } else { "s" })
                }}
            </span>
        </div>
        {move || form.preview.get().map(|preview| view! { <PreviewView preview=preview form=form /> })}
    }
}

#[component]
fn PreviewView(preview: Preview, form: Form) -> impl IntoView {
    let ctx = form.ctx;
    let Preview { answer, models } = preview;
    let (errors, _) = gate_counts(&answer.gate);
    let version = answer.version.clone();
    let target = answer.to.clone();
    let blocker = {
        let answer = answer.clone();
        Memo::new(move |_| form.reason.with(|reason| apply_blocker(&answer, form.force.get(), reason)))
    };
    let apply = move |_| {
        let Some((from, to)) = form.pair() else { return };
        let body = request(&from, &to, models.clone(), &form.reason.get_untracked(), form.force.get_untracked(), true);
        let version = version.clone();
        form.sending.set(true);
        spawn_local(async move {
            let result = api::promote(&body, Some(&version)).await;
            form.sending.set(false);
            match result {
                Ok(done) => {
                    let count = done.changes.len();
                    let change = done.change.as_ref().map(|c| format!(" (change #{})", c.seq)).unwrap_or_default();
                    ctx.say(
                        format!(
                            "Promoted {count} binding{} from {from} to {to}{change}.",
                            if count == 1 { "" } else { "s" }
                        ),
                        false,
                    );
                    form.preview.set(None);
                    form.reason.set(String::new());
                    form.diff.refetch();
                    if to == *ctx.env {
                        ctx.refresh_file();
                    }
                }
                Err(error) if error.status() == Some(PRECONDITION_FAILED) => {
                    form.preview.set(None);
                    form.diff.refetch();
                    ctx.say(format!("Not promoted: {to} changed after the preview. Preview again."), true);
                }
                Err(error) => ctx.say(format!("Could not promote: {error}"), true),
            }
        });
    };
    let skipped = (!answer.skipped.is_empty()).then(|| {
        let items = answer
            .skipped
            .iter()
            .map(|skip| view! { <li><code>{skip.model.clone()}</code> ": " {skip.reason.clone()}</li> })
            .collect_view();
        view! {
            <div data-testid="promote-skipped">
                <h4>"Not promoted"</h4>
                <ul>{items}</ul>
            </div>
        }
    });
    let force_box = (errors > 0).then(|| {
        view! {
            <label class="check">
                <input
                    type="checkbox"
                    data-testid="promote-force"
                    prop:checked=move || form.force.get()
                    on:change=move |event| form.force.set(event_target_checked(&event))
                />
                "Promote anyway, despite the gate's errors (needs a reason)"
            </label>
        }
    });
    let count = answer.changes.len();
    view! {
        <section class="preview" data-testid="promote-preview-result" aria-labelledby="promote-preview-title">
            <h3 id="promote-preview-title">
                {format!("What promoting writes into {target}: {count} binding{}", if count == 1 { "" } else { "s" })}
            </h3>
            <BindingChanges
                changes=answer.changes.clone()
                row_test_id="promote-change"
                caption="The bindings the promote changes in the target"
                before=format!("In {target} now")
                after="After the promote".to_owned()
            />
            <PresetChanges
                presets=answer.presets.clone()
                before=format!("in {target} now")
                after="after the promote".to_owned()
                test_id="promote-presets"
            />
            {skipped}
            <GateView gate=answer.gate.clone() />
            <DiffView diff=answer.lines.clone() test_id="promote-diff" caption="The target's file as the promote changes it" />
            <div class="actions">
                {force_box}
                <button
                    type="button"
                    class="primary"
                    data-testid="promote-apply"
                    disabled=move || blocker.get().is_some() || form.sending.get()
                    on:click=apply
                >
                    "Apply"
                </button>
                <span class="meta" data-testid="promote-blocker">{move || blocker.get()}</span>
            </div>
        </section>
    }
}

/// What the gate found: errors, then warnings, then the checks it could not run.
#[component]
fn GateView(gate: GateReport) -> impl IntoView {
    let (errors, warnings) = gate_counts(&gate);
    let failing = errors > 0;
    let whom = match (&gate.account, &gate.region) {
        (Some(account), Some(region)) => format!(" in account {account}, {region}"),
        (Some(account), None) => format!(" in account {account}"),
        (None, Some(region)) => format!(" in {region}"),
        (None, None) => String::new(),
    };
    let verdict = match (errors, warnings) {
        (0, 0) => format!("The gate found no problem{whom}."),
        (0, w) => format!("The gate found {w} warning{}{whom}.", if w == 1 { "" } else { "s" }),
        (e, w) => format!(
            "The gate found {e} error{} and {w} warning{}{whom}.",
            if e == 1 { "" } else { "s" },
            if w == 1 { "" } else { "s" }
        ),
    };
    let findings = gate.findings.into_iter().map(|finding| view! { <Finding finding=finding /> }).collect_view();
    let not_run = (!gate.not_run.is_empty()).then(|| {
        let items = gate.not_run.into_iter().map(|why| view! { <li>{why}</li> }).collect_view();
        view! {
            <div data-testid="gate-not-run">
                <h4>"Checks that could not run"</h4>
                <ul>{items}</ul>
            </div>
        }
    });
    view! {
        <div class="gate" data-testid="gate" data-errors=errors data-warnings=warnings>
            <p class:error-text=failing data-testid="gate-verdict">{verdict}</p>
            <ul class="diags">{findings}</ul>
            {not_run}
        </div>
    }
}

#[component]
fn Finding(finding: GateFinding) -> impl IntoView {
    let severity = match finding.severity {
        GateSeverity::Error => "error",
        GateSeverity::Warning => "warning",
    };
    let model = finding.model.clone();
    view! {
        <li class=format!("diag {severity}") data-testid="gate-finding" data-severity=severity data-model=model>
            <span class="sev">{severity}</span>
            " "
            <code>{finding.model}</code>
            ": "
            {finding.message}
            " "
            <span class="code">"(" {finding.check} ")"</span>
        </li>
    }
}
