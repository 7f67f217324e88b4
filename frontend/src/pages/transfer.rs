//! Import and export. Import: upload or paste a file, preview the server's diff and
//! diagnostics, then apply it. Export: download `inference.txt` as it is on disk.

use bedrock_binder_shared::Version;
use bedrock_binder_shared::api::ImportPreview;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::api::{self, export_href, js_message};
use crate::components::diff_view::DiffView;
use crate::components::line_diagnostics::LineDiagnostics;
use crate::ctx::use_ctx;
use crate::state::pending_write::PendingWrite;

/// The page.
#[component]
pub fn TransferPage() -> impl IntoView {
    let ctx = use_ctx();
    // The text to import. A file's text goes here untouched (a textarea would turn its CRLF
    // endings into LF); typing in the textarea replaces it with the textarea's text.
    let text = RwSignal::new(String::new());
    let seed = RwSignal::new(0u32);
    let file_note = RwSignal::new(None::<String>);
    // The preview and the exact text it was made for.
    let preview = RwSignal::new(None::<(ImportPreview, String)>);
    let previewing = RwSignal::new(false);

    let on_file = move |event: leptos::ev::Event| {
        let Some(input) = event.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|files| files.get(0)) else { return };
        let name = file.name();
        spawn_local(async move {
            match JsFuture::from(file.text()).await {
                Ok(value) => {
                    let content = value.as_string().unwrap_or_default();
                    let note = if content.contains('\u{fffd}') {
                        format!("Read {name}. It is not valid UTF-8: the server will refuse it.")
                    } else {
                        format!("Read {name} ({} bytes).", content.len())
                    };
                    file_note.set(Some(note));
                    text.set(content);
                    seed.update(|n| *n += 1);
                    preview.set(None);
                }
                Err(error) => file_note.set(Some(format!("Could not read {name}: {}", js_message(&error)))),
            }
        });
    };
    let run_preview = move |_| {
        let body = text.get_untracked();
        previewing.set(true);
        spawn_local(async move {
            match api::import_preview(ctx.env, &body).await {
                Ok(answer) => preview.set(Some((answer, body))),
                Err(error) => ctx.say(format!("Could not preview the import: {error}"), true),
            }
            previewing.set(false);
        });
    };
    let apply = move |_| {
        let Some((answer, body)) = preview.get_untracked() else { return };
        let base: (Version, String) = (answer.version.clone(), String::new());
        spawn_local(async move {
            if ctx.write(PendingWrite::Replace(body), base).await.is_ok() {
                preview.set(None);
                text.set(String::new());
                seed.update(|n| *n += 1);
                file_note.set(None);
                ctx.draft.set(None);
            }
        });
    };

    view! {
        <section class="page" aria-labelledby="import-title">
            <h2 id="import-title">"Import"</h2>
            <p class="hint">
                "Replace inference.txt with another file. You see what changes, and any problem, before anything is written."
            </p>
            <div class="field">
                <label for="import-file">"Upload a file"</label>
                <input id="import-file" data-testid="import-file" type="file" accept=".txt,text/plain" on:change=on_file />
                {move || file_note.get().map(|note| view! { <p class="meta">{note}</p> })}
            </div>
            <div class="field">
                <label for="import-text">"…or paste its text"</label>
                <textarea
                    id="import-text"
                    data-testid="import-text"
                    class="import-text"
                    rows="10"
                    wrap="off"
                    spellcheck="false"
                    prop:value=move || {
                        seed.track();
                        text.get_untracked()
                    }
                    on:input=move |event| {
                        text.set(event_target_value(&event));
                        preview.set(None);
                    }
                ></textarea>
            </div>
            <div class="actions">
                <button
                    type="button"
                    data-testid="import-preview"
                    disabled=move || previewing.get()
                    on:click=run_preview
                >
                    "Preview"
                </button>
            </div>
            {move || {
                preview
                    .get()
                    .map(|(answer, _)| {
                        let errors = answer.has_errors;
                        let unchanged = !bedrock_binder_shared::diff::has_changes(&answer.diff);
                        view! {
                            <section class="preview" aria-labelledby="import-preview-title">
                                <h3 id="import-preview-title">"What importing changes"</h3>
                                {(!answer.diagnostics.is_empty())
                                    .then(|| {
                                        view! {
                                            <LineDiagnostics diagnostics=answer.diagnostics.clone() with_lines=true />
                                        }
                                    })}
                                <DiffView
                                    diff=answer.diff.clone()
                                    test_id="import-diff"
                                    caption="Changes that importing writes"
                                />
                                <div class="actions">
                                    <button
                                        type="button"
                                        class="primary"
                                        data-testid="import-apply"
                                        disabled=move || errors || unchanged || ctx.busy.get()
                                        on:click=apply
                                    >
                                        "Apply import"
                                    </button>
                                    <span class="meta">
                                        {if errors {
                                            "The text has errors: fix them before importing."
                                        } else if unchanged {
                                            "The text is the file as it is: nothing to import."
                                        } else {
                                            ""
                                        }}
                                    </span>
                                </div>
                            </section>
                        }
                    })
            }}
        </section>
        <section class="page" aria-labelledby="export-title">
            <h2 id="export-title">"Export"</h2>
            <p>
                <a class="button" href=export_href(ctx.env) download="inference.txt" data-testid="export-link">
                    "Download inference.txt"
                </a>
            </p>
            <p class="hint">"The file exactly as it is on disk, byte for byte."</p>
        </section>
    }
}
