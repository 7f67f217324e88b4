//! The raw editor: the file in a textarea with line numbers, live diagnostics drawn beside the
//! offending lines and listed below, and Save, which first shows the diff it would write.
//!
//! The marks and the line numbers are layers behind and beside the textarea, moved with its
//! scroll position; only offending lines get a mark, so a long file costs one text node of line
//! numbers and one element per problem.

use bedrock_binder_shared::diff::line_diff;
use bedrock_binder_shared::{Diagnostic, Severity};
use leptos::html::Textarea;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::diff_view::DiffView;
use crate::components::load::WithFile;
use crate::ctx::use_ctx;
use crate::state::editor::{Draft, Lint, SaveState, line_numbers, lint, selection};
use crate::state::pending_write::PendingWrite;

/// The page.
#[component]
pub fn RawEditorPage() -> impl IntoView {
    view! {
        <section class="page" aria-labelledby="raw-title">
            <h2 id="raw-title">"Raw editor"</h2>
            <WithFile>
                <Editor />
            </WithFile>
        </section>
    }
}

#[component]
fn Editor() -> impl IntoView {
    let ctx = use_ctx();
    let draft = ctx.draft;
    // Bumped whenever the draft is replaced from the file, to push its text into the textarea.
    // Typing does not bump it: setting a textarea's value while typing would move the caret.
    let seed = RwSignal::new(0u32);
    let preview = RwSignal::new(None::<Vec<bedrock_binder_shared::diff::DiffLine>>);
    let scroll = RwSignal::new((0i32, 0i32));
    let textarea = NodeRef::<Textarea>::new();
    let apply_button = NodeRef::<leptos::html::Button>::new();
    // The preview opens below the editor: bring its Apply button into view and focus.
    Effect::new(move |_| {
        if let Some(button) = apply_button.get() {
            let _ = button.focus();
        }
    });

    // Start from the file, and follow it while there are no unsaved edits.
    Effect::new(move |_| {
        let Some(doc) = ctx.current.get() else { return };
        let stale = draft.with(|d| d.as_ref().is_none_or(|d| !d.is_dirty() && d.version != doc.version));
        if stale {
            draft.set(Some(Draft::new(doc.version.clone(), doc.text.clone())));
            seed.update(|n| *n += 1);
            preview.set(None);
        }
    });

    let lint = Memo::new(move |_| {
        let catalog = ctx.catalog_data();
        draft.with(|d| d.as_ref().map(|d| lint(&d.text, catalog.as_deref().map(|c| &c.catalog))).unwrap_or_default())
    });
    let save_state = Memo::new(move |_| {
        draft.with(|d| lint.with(|lint| d.as_ref().map_or(SaveState::NoChanges, |d| d.save_state(lint))))
    });
    let outdated = move || {
        let version = ctx.current.with(|doc| doc.as_ref().map(|doc| doc.version.clone()));
        draft.with(|d| d.as_ref().is_some_and(|d| d.is_dirty() && Some(&d.version) != version.as_ref()))
    };

    let on_input = move |event| {
        let text = event_target_value(&event);
        draft.update(|d| {
            if let Some(d) = d {
                d.text = text;
            }
        });
        preview.set(None);
    };
    let on_scroll = move |_| {
        if let Some(element) = textarea.get_untracked() {
            scroll.set((element.scroll_top(), element.scroll_left()));
        }
    };
    let jump = move |diagnostic: Diagnostic| {
        let Some(element) = textarea.get_untracked() else { return };
        let (start, end) = draft.with_untracked(|d| d.as_ref().map_or((0, 0), |d| selection(&d.text, &diagnostic)));
        let _ = element.focus();
        let _ = element.set_selection_range(start, end);
    };
    let show_preview = move |_| {
        if let Some(d) = draft.get_untracked() {
            preview.set(Some(line_diff(&d.original, &d.to_save())));
        }
    };
    let revert = move |_| {
        draft.set(None);
        preview.set(None);
    };
    let apply = move |_| {
        let Some(d) = draft.get_untracked() else { return };
        let change = PendingWrite::Replace(d.to_save());
        spawn_local(async move {
            if ctx.write(change, (d.version.clone(), d.original.clone())).await.is_ok() {
                preview.set(None);
                draft.set(None);
            }
        });
    };

    let marks = move || {
        lint.with(|lint: &Lint| {
            lint.marks
                .iter()
                .map(|mark| {
                    let severity = if mark.severity == Severity::Error { "error" } else { "warning" };
                    let top = format!("calc({} * var(--lh))", mark.line - 1);
                    view! {
                        <div class=format!("mark {severity}") style:top=top.clone()>
                            <span class="mark-msg" style:margin-left=format!("{}ch", mark.text_width + 2)>
                                {mark.message.clone()}
                            </span>
                        </div>
                    }
                })
                .collect_view()
        })
    };
    let gutter_marks = move || {
        lint.with(|lint: &Lint| {
            lint.marks
                .iter()
                .map(|mark| {
                    let severity = if mark.severity == Severity::Error { "error" } else { "warning" };
                    view! {
                        <span class=format!("gmark {severity}") style:top=format!("calc({} * var(--lh))", mark.line - 1)>
                            "●"
                        </span>
                    }
                })
                .collect_view()
        })
    };
    let diagnostics_list = move || {
        lint.with(|lint: &Lint| {
            lint.diagnostics
                .iter()
                .map(|diagnostic| {
                    let severity = diagnostic.severity.as_str();
                    let target = diagnostic.clone();
                    view! {
                        <li class=format!("diag {severity}") data-testid="raw-diagnostic" data-line=diagnostic.line>
                            <button type="button" class="link" on:click=move |_| jump(target.clone())>
                                {format!("Line {}:{}", diagnostic.line, diagnostic.column)}
                            </button>
                            " "
                            <span class="sev">{severity}</span>
                            " "
                            <code class="code">{diagnostic.code.as_str()}</code>
                            " "
                            <span class="msg">{diagnostic.message.clone()}</span>
                            {diagnostic.help.clone().map(|help| view! { <span class="help">"help: " {help}</span> })}
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let lint_summary = move || {
        lint.with(|lint| {
            let warnings = lint.diagnostics.len() - lint.errors;
            match (lint.errors, warnings) {
                (0, 0) => "No problems.".to_owned(),
                (errors, warnings) => format!("{errors} error(s), {warnings} warning(s)"),
            }
        })
    };
    let save_hint = move || match save_state.get() {
        SaveState::NoChanges => "No changes to save.".to_owned(),
        SaveState::HasErrors(n) => format!("Fix the {n} error(s) to save."),
        SaveState::Ready => "Unsaved changes.".to_owned(),
    };

    view! {
        <Show when=outdated>
            <p class="notice" role="note">
                "The file changed since you started editing. Saving will show both versions first."
            </p>
        </Show>
        <div class="editor" style:--lines=move || lint.with(|l| l.line_count).to_string()>
            <div class="gutter" aria-hidden="true">
                <div class="gutter-inner" style:transform=move || format!("translateY({}px)", -scroll.get().0)>
                    <pre>{move || line_numbers(lint.with(|l| l.line_count))}</pre>
                    {gutter_marks}
                </div>
            </div>
            <div class="code">
                <div class="overlay" aria-hidden="true">
                    <div
                        class="overlay-inner"
                        style:transform=move || {
                            let (top, left) = scroll.get();
                            format!("translate({}px, {}px)", -left, -top)
                        }
                    >
                        {marks}
                    </div>
                </div>
                <label for="raw-text" class="sr-only">
                    "inference.txt"
                </label>
                <textarea
                    id="raw-text"
                    data-testid="raw-text"
                    node_ref=textarea
                    wrap="off"
                    spellcheck="false"
                    autocapitalize="off"
                    autocomplete="off"
                    aria-describedby="raw-summary"
                    prop:value=move || {
                        seed.track();
                        draft.with_untracked(|d| d.as_ref().map(|d| d.text.clone()).unwrap_or_default())
                    }
                    on:input=on_input
                    on:scroll=on_scroll
                ></textarea>
            </div>
        </div>
        <p id="raw-summary" class="meta" aria-live="polite">
            {lint_summary}
        </p>
        <ul class="diags raw-diags">{diagnostics_list}</ul>
        <div class="actions">
            <button
                type="button"
                class="primary"
                data-testid="raw-save"
                disabled=move || save_state.get() != SaveState::Ready || ctx.busy.get()
                on:click=show_preview
            >
                "Save…"
            </button>
            <button
                type="button"
                disabled=move || draft.with(|d| d.as_ref().is_none_or(|d| !d.is_dirty()))
                on:click=revert
            >
                "Discard changes"
            </button>
            <span class="meta">{save_hint}</span>
        </div>
        {move || {
            preview
                .get()
                .map(|diff| {
                    view! {
                        <section class="preview" aria-labelledby="preview-title">
                            <h3 id="preview-title">"Review before saving"</h3>
                            <DiffView diff=diff test_id="diff-preview" caption="Changes that saving writes" />
                            <div class="actions">
                                <button
                                    type="button"
                                    class="primary"
                                    data-testid="diff-apply"
                                    node_ref=apply_button
                                    disabled=move || ctx.busy.get()
                                    on:click=apply
                                >
                                    "Apply and save"
                                </button>
                                <button type="button" on:click=move |_| preview.set(None)>
                                    "Back to editing"
                                </button>
                            </div>
                        </section>
                    }
                })
        }}
    }
}
