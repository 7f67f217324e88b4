//! The findings in the file (diagnostics) as a list: severity, code, message and the suggested
//! fix. Not to be mixed up with an AWS failure ([`super::aws_failure`]), which explains a call.

use bedrock_binder_shared::Diagnostic;
use leptos::prelude::*;

/// The diagnostics as a list. `with_lines` prefixes each with its line and column.
#[component]
pub fn LineDiagnostics(diagnostics: Vec<Diagnostic>, #[prop(optional)] with_lines: bool) -> impl IntoView {
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
