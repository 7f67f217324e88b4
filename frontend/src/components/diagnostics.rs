//! A list of diagnostics: severity, code, message and the suggested fix.

use bedrock_binder_shared::Diagnostic;
use leptos::prelude::*;

/// The diagnostics as a list. `with_lines` prefixes each with its line and column.
#[component]
pub fn DiagnosticList(diagnostics: Vec<Diagnostic>, #[prop(optional)] with_lines: bool) -> impl IntoView {
    let items = diagnostics
        .into_iter()
        .map(|diagnostic| {
            let severity = diagnostic.severity.as_str();
            let place = with_lines.then(|| format!("{}:{} ", diagnostic.line, diagnostic.column));
            view! {
                <li class=format!("diag {severity}") data-line=diagnostic.line>
                    <span class="sev">{severity}</span>
                    " "
                    {place}
                    <code class="code">{diagnostic.code.as_str()}</code>
                    " "
                    <span class="msg">{diagnostic.message}</span>
                    {diagnostic.help.map(|help| view! { <span class="help">"help: " {help}</span> })}
                </li>
            }
        })
        .collect_view();
    view! { <ul class="diags">{items}</ul> }
}
