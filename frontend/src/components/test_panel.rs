//! The Test panel: calls a model through its binding (ConverseStream, via the server) and shows
//! the reply as it streams in, then the stop reason, tokens, latencies and the exact `modelId`
//! sent; a failure is explained, and its fix binds and tests again.

use bedrock_binder_shared::api::TestRequest;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::components::aws_failure::AwsFailureView;
use crate::ctx::use_ctx;
use crate::state::aws::test_run::{TestRun, outcome_facts};

/// The panel for `model`, calling `region` (the server's region when `None`). It runs a test as
/// soon as it opens; `on_close` runs on Close.
#[component]
pub fn TestPanel(model: String, region: Option<String>, on_close: Callback<()>) -> AnyView {
    let ctx = use_ctx();
    let run = RwSignal::new(None::<TestRun>);
    let prompt = RwSignal::new(String::new());
    let start = {
        let model = model.clone();
        move || {
            if run.with_untracked(|run| run.as_ref().is_some_and(TestRun::is_running)) {
                return;
            }
            let request = TestRequest {
                model: model.clone(),
                prompt: prompt.with_untracked(|p| (!p.trim().is_empty()).then(|| p.trim().to_owned())),
                max_tokens: None,
                region: region.clone(),
            };
            run.set(Some(TestRun::started()));
            spawn_local(async move {
                let outcome = api::test_stream(ctx.env, &request, |event| {
                    run.update(|run| {
                        if let Some(run) = run {
                            run.apply(event);
                        }
                    })
                })
                .await;
                run.update(|run| match (run.as_mut(), outcome) {
                    (Some(run), Ok(())) => run.finish(),
                    (Some(run), Err(error)) => *run = TestRun::Failed(error.to_string()),
                    (None, _) => {}
                });
            });
        }
    };
    start();
    let again = Callback::new({
        let start = start.clone();
        move |()| start()
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        again.run(());
    };
    let running = move || run.with(|run| run.as_ref().is_some_and(TestRun::is_running));

    let shown = move || {
        run.get().map(|run| match run {
            TestRun::Streaming { sent, text } => {
                let what = match sent {
                    Some((id, region)) => format!("Calling {id} in {region}…"),
                    None => "Sending…".to_owned(),
                };
                view! {
                    <div class="test-run" data-testid="test-streaming">
                        <p class="meta">{what}</p>
                        <p class="reply streaming" data-testid="test-stream" aria-live="polite">{text}</p>
                    </div>
                }
                .into_any()
            }
            TestRun::Done(response) if response.ok => {
                let facts = outcome_facts(&response)
                    .into_iter()
                    .map(|(label, value)| {
                        let testid = format!("test-{}", label.to_ascii_lowercase().replace(' ', "-"));
                        view! {
                            <dt>{label}</dt>
                            <dd data-testid=testid>{value}</dd>
                        }
                    })
                    .collect_view();
                view! {
                    <div class="test-run ok" data-testid="test-result">
                        <p class="reply" data-testid="test-reply">{response.reply.clone()}</p>
                        <dl class="facts">{facts}</dl>
                    </div>
                }
                .into_any()
            }
            TestRun::Done(response) => {
                let sent = format!("Sent {} in {}.", response.model_id_sent, response.region);
                view! {
                    <div class="test-run failed" data-testid="test-failed">
                        <p class="meta">{sent}</p>
                        {response.diagnosis.map(|failure| view! { <AwsFailureView failure=failure on_fixed=again /> })}
                    </div>
                }
                .into_any()
            }
            TestRun::Failed(message) => view! {
                <p class="error-text" role="alert" data-testid="test-error">
                    "The test could not run: " {message}
                </p>
            }
            .into_any(),
        })
    };

    let field_id = format!("prompt-{}", model.replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
    view! {
        <div class="test-panel" data-testid="test-panel" data-model=model.clone()>
            <form class="test-form" on:submit=submit>
                <label for=field_id.clone()>"Prompt"</label>
                <input
                    id=field_id
                    type="text"
                    placeholder="Reply with one short sentence: which model are you?"
                    prop:value=move || prompt.get()
                    on:input=move |event| prompt.set(event_target_value(&event))
                />
                <button type="submit" data-testid="test-again" disabled=running>
                    "Test again"
                </button>
                <button type="button" class="link" on:click=move |_| on_close.run(())>
                    "Close"
                </button>
            </form>
            {shown}
        </div>
    }
    .into_any()
}
