//! The preset editor: a binding's inference parameters (maxTokens, temperature, topP, stop
//! sequences, service tier, latency, request metadata) in a form under its row. Save checks
//! the form with `shared`'s check ([`crate::state::presets`]) and sends nothing while it fails,
//! naming the field; Save puts the preset and Clear deletes it, each made against the settings
//! version the presets were read at. A 412 (the presets changed elsewhere) reloads them and
//! keeps what was typed, so Save again applies it over theirs; a protected environment's 202
//! (a change request) is said in the status line, as a bind's is.

use bedrock_binder_shared::api::PresetsResponse;
use bedrock_binder_shared::preset::{PresetError, PresetFields};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::api;
use crate::ctx::use_ctx;
use crate::state::error::PRECONDITION_FAILED;
use crate::state::presets::{PresetForm, PresetInput};

/// What an input takes: a number (one line), a text area (one item per line), or a choice
/// whose first, empty value is "not set".
fn kind_of(input: PresetInput) -> (&'static str, &'static [&'static str]) {
    match input {
        PresetInput::MaxTokens => ("1 to 1000000", &[]),
        PresetInput::Temperature | PresetInput::TopP => ("0 to 1", &[]),
        PresetInput::StopSequences => ("one per line", &[]),
        PresetInput::RequestMetadata => ("key=value, one per line", &[]),
        PresetInput::ServiceTier => ("", &["", "priority", "default", "flex"]),
        PresetInput::Latency => ("", &["", "standard", "optimized"]),
    }
}

/// The editor of `model`'s preset, reading and updating the page's `presets`. `on_close`
/// runs after a save or clear, and on Cancel or Escape.
#[component]
pub fn PresetEditor(
    model: String,
    presets: RwSignal<Option<PresetsResponse>>,
    on_close: Callback<()>,
) -> impl IntoView {
    let ctx = use_ctx();
    let initial = presets.with_untracked(|p| p.as_ref().and_then(|p| p.presets.get(&model)).map(PresetForm::of));
    let form = RwSignal::new(initial.unwrap_or_default());
    let error = RwSignal::new(None::<PresetError>);
    let dom_id = format!("preset-{}", model.replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
    let error_id = format!("{dom_id}-error");
    let input_id = move |input: PresetInput| format!("{dom_id}-{}", input.name());
    let focus = {
        let input_id = input_id.clone();
        move |input: PresetInput| {
            if let Some(element) = document().get_element_by_id(&input_id(input))
                && let Ok(element) = element.dyn_into::<web_sys::HtmlElement>()
            {
                let _ = element.focus();
            }
        }
    };
    Effect::new({
        let focus = focus.clone();
        move |_| focus(PresetInput::MaxTokens)
    });

    let send = {
        let model = model.clone();
        move |fields: Option<PresetFields>| {
            let Some(version) = presets.with_untracked(|p| p.as_ref().map(|p| p.version.clone())) else {
                ctx.say("The presets have not loaded yet.", true);
                return;
            };
            let model = model.clone();
            let what = if fields.is_some() { "set" } else { "clear" };
            ctx.busy.set(true);
            ctx.say(format!("Saving: {what} the preset of {model}…"), false);
            spawn_local(async move {
                let result = api::write_preset(ctx.env, &model, fields.as_ref(), &version).await;
                ctx.busy.set(false);
                match result {
                    Ok(response) => {
                        presets.set(Some(response));
                        ctx.say(format!("Saved: {what} the preset of {model}."), false);
                        on_close.run(());
                    }
                    Err(error) if error.status() == Some(PRECONDITION_FAILED) => {
                        if let Ok(response) = api::presets(ctx.env).await {
                            presets.set(Some(response));
                        }
                        ctx.say(
                            "Not saved: the presets changed elsewhere and were reloaded. What you typed is still \
                             here: Save again to apply it over them.",
                            true,
                        );
                    }
                    Err(error) => ctx.say(format!("Could not {what} the preset of {model}: {error}"), true),
                }
            });
        }
    };
    let save = {
        let send = send.clone();
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            match form.with_untracked(PresetForm::checked) {
                Ok(fields) => {
                    error.set(None);
                    send(Some(fields));
                }
                Err(refused) => {
                    if let Some(input) = PresetInput::of_field(&refused.field) {
                        focus(input);
                    }
                    error.set(Some(refused));
                }
            }
        }
    };
    let on_keydown = move |event: leptos::ev::KeyboardEvent| {
        if event.key() == "Escape" {
            event.prevent_default();
            on_close.run(());
        }
    };

    // The inputs start from the form and write into it; nothing else changes them, so they
    // need no reactive value.
    let fields = PresetInput::ALL.map(|input| {
        let id = input_id(input);
        let (hint, choices) = kind_of(input);
        let text = form.with_untracked(|f| f.text(input).to_owned());
        let invalid = move || {
            error.with(|e| e.as_ref().and_then(|e| PresetInput::of_field(&e.field)) == Some(input)).then_some("true")
        };
        let set = move |event: leptos::ev::Event| form.update(|f| f.set(input, event_target_value(&event)));
        let attrs = view! { <{..} id=id.clone() data-testid=format!("preset-{}", input.name()) aria-invalid=invalid aria-describedby=error_id.clone() /> };
        let control = match input {
            PresetInput::StopSequences | PresetInput::RequestMetadata => {
                view! { <textarea {..attrs} rows="2" spellcheck="false" on:input=set>{text}</textarea> }.into_any()
            }
            _ if choices.is_empty() => view! {
                <input {..attrs} type="text" inputmode="decimal" autocomplete="off" value=text on:input=set />
            }
            .into_any(),
            // Each option says whether it is chosen: a `<select>`'s value set before its
            // options exist would not take.
            _ => view! {
                <select {..attrs} on:change=set>
                    {choices
                        .iter()
                        .map(|choice| {
                            view! {
                                <option value=*choice selected={*choice == text}>
                                    {if choice.is_empty() { "not set" } else { *choice }}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            }
            .into_any(),
        };
        view! {
            <div class="preset-field">
                <label for=id>{input.name()} " " <small>{hint}</small></label>
                {control}
            </div>
        }
    });
    let has_preset = move || presets.with(|p| p.as_ref().is_some_and(|p| p.presets.contains_key(&model)));

    view! {
        <form class="preset-editor" data-testid="preset-editor" on:submit=save on:keydown=on_keydown novalidate>
            <div class="preset-fields">{fields}</div>
            <p id=error_id class="error-text" data-testid="preset-error" role="alert">
                {move || error.with(|e| e.as_ref().map(ToString::to_string))}
            </p>
            <div class="actions">
                <button type="submit" class="primary" data-testid="preset-save" disabled=move || ctx.busy.get()>
                    "Save preset"
                </button>
                <button
                    type="button"
                    data-testid="preset-clear"
                    disabled=move || ctx.busy.get() || !has_preset()
                    on:click=move |_| send(None)
                >
                    "Clear"
                </button>
                <button type="button" class="link" on:click=move |_| on_close.run(())>
                    "Cancel"
                </button>
            </div>
        </form>
    }
}
