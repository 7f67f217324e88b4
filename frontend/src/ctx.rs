//! The app's shared state ([`Ctx`]), provided as context to every page and component, and the
//! one place that sends writes ([`Ctx::write`]). It sits below the shell (`app`) and the pages:
//! it imports neither.

use std::sync::Arc;

use bedrock_binder_shared::Version;
use bedrock_binder_shared::api::{AwsStatus, BindRequest, BindingsResponse, UnbindRequest};
use bedrock_binder_shared::binding::InvalidBinding;
use bedrock_binder_shared::env_name::EnvName;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiError};
use crate::state::catalog::CatalogData;
use crate::state::editor::Draft;
use crate::state::pending_write::{Conflict, PendingWrite};
use crate::state::route::{Site, Tab};

/// A message in the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    /// The sentence.
    pub text: String,
    /// Whether it reports a failure.
    pub error: bool,
}

/// The app's shared state, provided as context to every page.
#[derive(Clone, Copy)]
pub struct Ctx {
    /// The first load of the file; Retry refetches it.
    pub loaded: LocalResource<Result<Arc<BindingsResponse>, ApiError>>,
    /// The newest file from a write or a reload; it wins over `loaded`.
    pub latest: RwSignal<Option<Arc<BindingsResponse>>>,
    /// The file as the UI knows it now.
    pub current: Memo<Option<Arc<BindingsResponse>>>,
    /// The catalog, loaded once: the catalog page, the picker's choices and validation use it.
    pub catalog: LocalResource<Result<Arc<CatalogData>, ApiError>>,
    /// Whether, and as whom, the server reaches AWS; [`Ctx::recheck_aws`] asks again.
    pub aws: LocalResource<Result<AwsStatus, ApiError>>,
    /// The names of the server's environments, for the header's switcher, once they have
    /// arrived; [`Ctx::load_env_names`] asks again. (A signal filled by a task rather than a
    /// `LocalResource`: each resource type costs the bindings page's wasm kilobytes.)
    pub env_names: RwSignal<Option<Result<Vec<String>, ApiError>>>,
    /// Whether the next load of `aws` bypasses the server's status cache (set by
    /// [`Ctx::recheck_aws`], cleared by the load that reads it).
    aws_fresh: StoredValue<bool>,
    /// The 412 being shown, if any.
    pub conflict: RwSignal<Option<Conflict>>,
    /// The status line's message.
    pub flash: RwSignal<Option<Flash>>,
    /// Whether a write is in flight (its buttons are disabled meanwhile).
    pub busy: RwSignal<bool>,
    /// The bundle running.
    pub site: Site,
    /// The environment the page works on, from its address (`?env=`). It is fixed for the
    /// page's life: switching environments loads a new page.
    pub env: &'static EnvName,
    /// The page shown.
    pub tab: RwSignal<Tab>,
    /// The raw editor's text, kept across page switches.
    pub draft: RwSignal<Option<Draft>>,
}

impl Ctx {
    /// The state of a freshly opened app of `site` on `env`; its loads start at once.
    pub(crate) fn new(site: Site, env: &'static EnvName) -> Ctx {
        let loaded = LocalResource::new(move || async move { api::bindings(env).await.map(Arc::new) });
        let latest = RwSignal::new(None::<Arc<BindingsResponse>>);
        let current = Memo::new(move |_| latest.get().or_else(|| loaded.get().and_then(Result::ok)));
        let aws_fresh = StoredValue::new(false);
        let ctx = Ctx {
            loaded,
            latest,
            current,
            catalog: LocalResource::new(|| async { api::catalog().await.map(|c| Arc::new(CatalogData::new(c))) }),
            aws: LocalResource::new(move || {
                let fresh = aws_fresh.get_value();
                aws_fresh.set_value(false);
                async move { api::aws_status(env, fresh).await }
            }),
            env_names: RwSignal::new(None),
            aws_fresh,
            conflict: RwSignal::new(None),
            flash: RwSignal::new(None),
            busy: RwSignal::new(false),
            site,
            env,
            tab: RwSignal::new(Tab::shown(site, &location_hash())),
            draft: RwSignal::new(None),
        };
        ctx.load_env_names();
        ctx
    }

    /// Asks the server for its environments' names (again, after a create or a delete).
    pub fn load_env_names(self) {
        spawn_local(async move { self.env_names.set(Some(api::env_names().await)) });
    }

    /// Asks the server about its AWS connection again, bypassing its status cache: a user who
    /// presses "Check again" has just changed something and wants AWS's answer now.
    pub fn recheck_aws(&self) {
        self.aws_fresh.set_value(true);
        self.aws.refetch();
    }

    /// The catalog, once it has arrived (reactive).
    pub fn catalog_data(&self) -> Option<Arc<CatalogData>> {
        self.catalog.get().and_then(Result::ok)
    }

    /// Shows a message in the status line.
    pub fn say(&self, text: impl Into<String>, error: bool) {
        self.flash.set(Some(Flash { text: text.into(), error }));
    }

    /// Sends `write`, made against the file `base` (its version and text). On success the
    /// answer becomes the current file. On a 412 nothing is written: the conflict panel shows
    /// both versions and waits for the user. Every outcome is also said in the status line.
    pub async fn write(self, write: PendingWrite, base: (Version, String)) -> Result<(), ApiError> {
        let (version, base_text) = base;
        self.busy.set(true);
        self.say(format!("Saving: {}…", write.describe()), false);
        let result = match &write {
            PendingWrite::Bind(binding) => api::bind(self.env, &BindRequest::from(binding), &version).await,
            PendingWrite::Unbind(unbinding) => api::unbind(self.env, &UnbindRequest::from(unbinding), &version).await,
            PendingWrite::Replace(text) => api::replace(self.env, text, &version).await,
        };
        self.busy.set(false);
        match result {
            Ok(response) => {
                self.latest.set(Some(Arc::new(response)));
                self.conflict.set(None);
                self.say(format!("Saved: {}.", write.describe()), false);
                Ok(())
            }
            Err(error) => {
                if let Some((their_version, theirs)) = error.conflict() {
                    let conflict = Conflict::new(write, &base_text, theirs.to_owned(), their_version.clone());
                    self.conflict.set(Some(conflict));
                    self.say("Not saved: the file changed elsewhere. Compare both versions below.", true);
                } else {
                    self.say(format!("Could not {}: {error}", write.describe()), true);
                }
                Err(error)
            }
        }
    }

    /// The version and text the next write is made against (not reactive).
    pub fn base(&self) -> Option<(Version, String)> {
        self.current.get_untracked().map(|doc| (doc.version.clone(), doc.text.clone()))
    }

    /// Starts [`Ctx::write`] against the current file, without waiting for it.
    pub fn submit(self, write: PendingWrite, then: impl FnOnce(Result<(), ApiError>) + 'static) {
        let Some(base) = self.base() else {
            self.say("The file has not loaded yet.", true);
            return;
        };
        spawn_local(async move { then(self.write(write, base).await) });
    }

    /// [`Ctx::submit`] for a write parsed from text the UI did not check itself (a suggestion, a
    /// fix, a row's key). One that does not parse is not sent: the status line says why, in the
    /// words the server would have answered.
    pub fn submit_parsed(
        self,
        write: Result<PendingWrite, InvalidBinding>,
        then: impl FnOnce(Result<(), ApiError>) + 'static,
    ) {
        match write {
            Ok(write) => self.submit(write, then),
            Err(error) => self.say(format!("Not sent: {error}"), true),
        }
    }

    /// Loads the file again after a write made elsewhere in the page (a promote into this
    /// environment), without a message: the write has said what it did.
    pub fn refresh_file(self) {
        spawn_local(async move {
            if let Ok(response) = api::bindings(self.env).await {
                self.latest.set(Some(Arc::new(response)));
            }
        });
    }

    /// Drops any pending change and loads the file as it is on disk now.
    pub fn reload(self) {
        spawn_local(async move {
            self.say("Loading the current file…", false);
            match api::bindings(self.env).await {
                Ok(response) => {
                    self.latest.set(Some(Arc::new(response)));
                    self.conflict.set(None);
                    self.draft.set(None);
                    self.say("Loaded the current file.", false);
                }
                Err(error) => self.say(format!("Could not load the file: {error}"), true),
            }
        });
    }
}

/// The context every page reads.
pub fn use_ctx() -> Ctx {
    expect_context::<Ctx>()
}

/// Waits `ms` milliseconds without blocking the page (between two polls).
pub async fn pause(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// The address's `#…` part, which names the page.
pub(crate) fn location_hash() -> String {
    web_sys::window().and_then(|window| window.location().hash().ok()).unwrap_or_default()
}

/// The address's `?…` part, which names the environment.
pub(crate) fn location_search() -> String {
    web_sys::window().and_then(|window| window.location().search().ok()).unwrap_or_default()
}

/// Loads `address` as a new page (another bundle, or another environment).
pub fn go_to(address: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_href(address);
    }
}
