//! What the sections of the AWS page share ([`AwsPageState`]), and how they report a failed
//! call. The page (`mod.rs`) and its sections import this; it imports none of them.

use std::sync::Arc;

use bedrock_binder_shared::api::{AwsCatalogResponse, RefreshProgress};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiError};
use crate::ctx::Ctx;

/// What the sections of the page share.
#[derive(Clone, Copy)]
pub(crate) struct AwsPageState {
    /// The app's state (kept here: a task that resumes after an await has no context to ask).
    pub(crate) ctx: Ctx,
    /// The regions box.
    pub(crate) regions_text: RwSignal<String>,
    /// The region whose models, checks and profiles are shown.
    pub(crate) region: RwSignal<String>,
    /// The catalogs of the regions last loaded.
    pub(crate) catalog: RwSignal<Option<Arc<AwsCatalogResponse>>>,
    /// The latest refresh's progress.
    pub(crate) progress: RwSignal<Option<RefreshProgress>>,
    /// Whether a refresh is running.
    pub(crate) refreshing: RwSignal<bool>,
}

impl AwsPageState {
    /// Loads the catalogs of `regions` from the server (its cache, or the offline catalog).
    pub(crate) fn load(self, regions: Vec<String>) {
        let ctx = self.ctx;
        spawn_local(async move {
            match api::aws_catalog(ctx.env, &regions).await {
                Ok(catalog) => self.catalog.set(Some(Arc::new(catalog))),
                Err(error) => ctx.say(format!("Could not load the regions' models: {error}"), true),
            }
        });
    }
}

/// Says in the status line why `what` failed, in plain words when AWS failed (the SDK's error
/// chain is for the "Details" of a failure's panel, not the status line).
pub(crate) fn report(ctx: Ctx, what: &str, error: &ApiError) {
    let text = match error.aws_failure() {
        Some(failure) => format!("Could not {what}: {} {}", failure.explanation, failure.remedy),
        None => format!("Could not {what}: {error}"),
    };
    ctx.say(text, true);
}
