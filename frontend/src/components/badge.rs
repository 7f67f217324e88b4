//! Small labelled badges: a binding's kind and a model's lifecycle.

use bedrock_binder_shared::catalog::Lifecycle;
use bedrock_binder_shared::profile_ref::ProfileKind;
use leptos::prelude::*;

/// The text and CSS class of a binding's kind; `None` is a malformed value.
pub fn kind_label(kind: Option<ProfileKind>) -> (&'static str, &'static str) {
    match kind {
        Some(ProfileKind::Direct) => ("direct", "direct"),
        Some(ProfileKind::SystemProfile) => ("system profile", "system"),
        Some(ProfileKind::ApplicationProfile) => ("application profile", "application"),
        Some(ProfileKind::Arn) => ("ARN", "arn"),
        Some(ProfileKind::ModelAlias) => ("model alias", "alias"),
        Some(ProfileKind::PromptRouter) => ("prompt router", "router"),
        Some(ProfileKind::Prompt) => ("prompt", "prompt"),
        None => ("invalid", "invalid"),
    }
}

/// A binding's kind: direct, system profile, application profile, ARN, model alias, invalid.
#[component]
pub fn KindBadge(kind: Option<ProfileKind>) -> impl IntoView {
    let (text, class) = kind_label(kind);
    view! { <span class=format!("badge kind-{class}")>{text}</span> }
}

/// The CSS class of a lifecycle badge.
pub fn lifecycle_class(lifecycle: Lifecycle) -> &'static str {
    match lifecycle {
        Lifecycle::Active => "ok",
        Lifecycle::Legacy => "warn",
        Lifecycle::Eol => "bad",
        Lifecycle::Unknown => "muted",
    }
}
