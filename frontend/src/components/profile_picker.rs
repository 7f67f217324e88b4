//! The profile picker: a text input that takes a profile id, an ARN or nothing (direct), the
//! catalog's profiles for the model as one-click choices, an inline error as you type, and a
//! Bind button that stays disabled while the value does not parse.

use leptos::html::Input;
use leptos::prelude::*;

use crate::components::badge::KindBadge;
use crate::ctx::use_ctx;
use crate::state::pending_write::PendingWrite;
use crate::state::picker::{self, CheckedInput, inline_error};

/// The picker for `model`, starting from `initial` (its current binding, or empty). `on_close`
/// runs after a successful bind or on Cancel/Escape; `saved` tells which.
#[component]
pub fn ProfilePicker(model: String, initial: String, on_close: Callback<bool>) -> impl IntoView {
    let ctx = use_ctx();
    let input = RwSignal::new(initial.clone());
    let field = NodeRef::<Input>::new();
    let dom_id = format!("picker-{}", model.replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
    let error_id = format!("{dom_id}-error");
    let list_id = format!("{dom_id}-options");

    let model_for_check = model.clone();
    let check = Memo::new(move |_| {
        let catalog = ctx.catalog_data();
        input.with(|text| picker::check_input(&model_for_check, text, catalog.as_deref().map(|c| &c.catalog)))
    });
    let model_for_options = model.clone();
    let options = Memo::new(move |_| {
        let catalog = ctx.catalog_data();
        picker::options(&model_for_options, catalog.as_deref().map(|c| &c.catalog))
    });

    // Focus the input and select its text, so typing replaces the current value.
    Effect::new(move |_| {
        if let Some(element) = field.get() {
            let _ = element.focus();
            element.select();
        }
    });

    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        // The binding the check parsed is the one sent: no second parse.
        let CheckedInput::Valid { binding, .. } = check.get_untracked() else { return };
        ctx.submit(PendingWrite::Bind(binding), move |result| {
            if result.is_ok() {
                on_close.run(true);
            }
        });
    };
    let on_keydown = move |event: leptos::ev::KeyboardEvent| {
        if event.key() == "Escape" {
            event.prevent_default();
            on_close.run(false);
        }
    };

    let choices = move || {
        options
            .get()
            .into_iter()
            .map(|option| {
                let value = option.value.clone();
                let chosen = {
                    let value = value.clone();
                    move || input.with(|text| text.trim() == value)
                };
                view! {
                    <li>
                        <button
                            type="button"
                            class="choice"
                            class:chosen=chosen.clone()
                            aria-pressed=move || if chosen() { "true" } else { "false" }
                            on:click=move |_| {
                                input.set(value.clone());
                                if let Some(element) = field.get_untracked() {
                                    let _ = element.focus();
                                }
                            }
                        >
                            <span class="choice-label">{option.label}</span>
                            <KindBadge kind=Some(option.kind) />
                            <small>{option.detail}</small>
                        </button>
                    </li>
                }
            })
            .collect_view()
    };
    let datalist = move || {
        options
            .get()
            .into_iter()
            .filter(|option| !option.value.is_empty())
            .map(|option| view! { <option value=option.value></option> })
            .collect_view()
    };

    view! {
        <form class="picker" on:submit=save on:keydown=on_keydown>
            <label for=dom_id.clone()>"Profile for " <code>{model.clone()}</code></label>
            <p class="hint">
                "A system profile id (" <code>"us.…"</code> ", " <code>"global.…"</code>
                "), an inference profile ARN, or empty to call the model directly."
            </p>
            <input
                id=dom_id
                node_ref=field
                data-testid="profile-input"
                type="text"
                autocomplete="off"
                spellcheck="false"
                autocapitalize="off"
                list=list_id.clone()
                placeholder="empty = direct"
                prop:value=move || input.get()
                on:input=move |event| input.set(event_target_value(&event))
                aria-invalid=move || if check.with(CheckedInput::can_save) { "false" } else { "true" }
                aria-describedby=error_id.clone()
            />
            <datalist id=list_id>{datalist}</datalist>
            <div id=error_id aria-live="polite">
                {move || match check.get() {
                    CheckedInput::Invalid(error) => {
                        let (message, help) = inline_error(&error);
                        view! {
                        <p class="field-error" data-testid="profile-error">
                            {message}
                            {help.map(|help| view! { <span class="help">"help: " {help}</span> })}
                        </p>
                        }
                        .into_any()
                    }
                    CheckedInput::Valid { binding, notes } => view! {
                        <p class="field-ok">
                            "Valid: " <KindBadge kind=Some(binding.profile.kind()) />
                            {notes.into_iter().map(|note| view! { <span class="note">{note}</span> }).collect_view()}
                        </p>
                    }
                    .into_any(),
                }}
            </div>
            <fieldset class="choices">
                <legend>"From the catalog"</legend>
                <ul>{choices}</ul>
            </fieldset>
            <div class="actions">
                <button
                    type="submit"
                    class="primary"
                    data-testid="profile-save"
                    disabled=move || !check.with(CheckedInput::can_save) || ctx.busy.get()
                >
                    "Bind"
                </button>
                <button type="button" on:click=move |_| on_close.run(false)>
                    "Cancel"
                </button>
            </div>
        </form>
    }
}
