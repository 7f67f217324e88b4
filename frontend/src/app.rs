//! The app shell: shared state ([`Ctx`]), the navigation between the five pages, the AWS
//! badge, the global status line and the conflict panel, and the one place that sends writes ([`Ctx::write`]).

use std::sync::Arc;

use bedrock_binder_shared::Version;
use bedrock_binder_shared::api::{AwsStatus, BindingsResponse};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiError};
use crate::components::aws_badge::AwsBadge;
use crate::components::conflict::ConflictPanel;
use crate::state::catalog::CatalogData;
use crate::state::change::{Change, Conflict};
use crate::state::editor::Draft;
use crate::state::route::{Site, Tab};

/// The pages of a bundle: what `<main>` shows for each tab. A bundle names only its own pages,
/// so the other bundle's code is not linked into it.
pub type Pages = fn(Tab) -> AnyView;

/// Mounts the app of `site`, showing `pages`, on `<body>`.
pub fn mount(site: Site, pages: Pages) {
    leptos::mount::mount_to_body(move || view! { <App site=site pages=pages /> });
}

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
    /// Whether, and as whom, the server reaches AWS; Recheck refetches it.
    pub aws: LocalResource<Result<AwsStatus, ApiError>>,
    /// The 412 being shown, if any.
    pub conflict: RwSignal<Option<Conflict>>,
    /// The status line's message.
    pub flash: RwSignal<Option<Flash>>,
    /// Whether a write is in flight (its buttons are disabled meanwhile).
    pub busy: RwSignal<bool>,
    /// The bundle running.
    pub site: Site,
    /// The page shown.
    pub tab: RwSignal<Tab>,
    /// The raw editor's text, kept across page switches.
    pub draft: RwSignal<Option<Draft>>,
}

impl Ctx {
    fn new(site: Site) -> Ctx {
        let loaded = LocalResource::new(|| async { api::bindings().await.map(Arc::new) });
        let latest = RwSignal::new(None::<Arc<BindingsResponse>>);
        let current = Memo::new(move |_| latest.get().or_else(|| loaded.get().and_then(Result::ok)));
        Ctx {
            loaded,
            latest,
            current,
            catalog: LocalResource::new(|| async { api::catalog().await.map(|c| Arc::new(CatalogData::new(c))) }),
            aws: LocalResource::new(|| async { api::aws_status().await }),
            conflict: RwSignal::new(None),
            flash: RwSignal::new(None),
            busy: RwSignal::new(false),
            site,
            tab: RwSignal::new(Tab::shown(site, &location_hash())),
            draft: RwSignal::new(None),
        }
    }

    /// The catalog, once it has arrived (reactive).
    pub fn catalog_data(&self) -> Option<Arc<CatalogData>> {
        self.catalog.get().and_then(Result::ok)
    }

    /// Shows a message in the status line.
    pub fn say(&self, text: impl Into<String>, error: bool) {
        self.flash.set(Some(Flash { text: text.into(), error }));
    }

    /// Sends `change`, made against the file `base` (its version and text). On success the
    /// answer becomes the current file. On a 412 nothing is written: the conflict panel shows
    /// both versions and waits for the user. Every outcome is also said in the status line.
    pub async fn write(self, change: Change, base: (Version, String)) -> Result<(), ApiError> {
        let (version, base_text) = base;
        self.busy.set(true);
        self.say(format!("Saving: {}…", change.describe()), false);
        let result = match &change {
            Change::Bind(request) => api::bind(request, &version).await,
            Change::Unbind(request) => api::unbind(request, &version).await,
            Change::Replace(text) => api::replace(text, &version).await,
        };
        self.busy.set(false);
        match result {
            Ok(response) => {
                self.latest.set(Some(Arc::new(response)));
                self.conflict.set(None);
                self.say(format!("Saved: {}.", change.describe()), false);
                Ok(())
            }
            Err(error) => {
                if let Some((their_version, theirs)) = error.conflict() {
                    let conflict = Conflict::new(change, &base_text, theirs.to_owned(), their_version.clone());
                    self.conflict.set(Some(conflict));
                    self.say("Not saved: the file changed elsewhere. Compare both versions below.", true);
                } else {
                    self.say(format!("Could not {}: {error}", change.describe()), true);
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
    pub fn submit(self, change: Change, then: impl FnOnce(Result<(), ApiError>) + 'static) {
        let Some(base) = self.base() else {
            self.say("The file has not loaded yet.", true);
            return;
        };
        spawn_local(async move { then(self.write(change, base).await) });
    }

    /// Drops any pending change and loads the file as it is on disk now.
    pub fn reload(self) {
        spawn_local(async move {
            self.say("Loading the current file…", false);
            match api::bindings().await {
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

fn location_hash() -> String {
    web_sys::window().and_then(|window| window.location().hash().ok()).unwrap_or_default()
}

/// The whole app: the shell (header, navigation, AWS badge, status line, conflict panel) around
/// the page of `pages` the address names.
#[component]
pub fn App(site: Site, pages: Pages) -> impl IntoView {
    let ctx = Ctx::new(site);
    provide_context(ctx);
    // Back/forward and typed addresses switch pages too. The listener lives as long as the app.
    let _listener = window_event_listener(leptos::ev::hashchange, move |_| {
        let tab = Tab::shown(site, &location_hash());
        if tab != ctx.tab.get_untracked() {
            // A message about the last page's action would read as one about the new page.
            ctx.flash.set(None);
            ctx.tab.set(tab);
        }
    });

    let nav = Tab::ALL.map(|tab| {
        view! {
            <li>
                <a
                    href=tab.href_from(site)
                    data-testid=tab.test_id()
                    aria-current=move || (ctx.tab.get() == tab).then_some("page")
                >
                    {tab.label()}
                </a>
            </li>
        }
    });

    let main = NodeRef::<leptos::html::Main>::new();
    // The address hash names the page, so the skip link moves the focus itself instead of
    // navigating to `#main`.
    let skip = move |event: leptos::ev::MouseEvent| {
        event.prevent_default();
        if let Some(main) = main.get_untracked() {
            let _ = main.focus();
        }
    };
    view! {
        <a class="skip" href="#main" on:click=skip>
            "Skip to content"
        </a>
        <header class="top">
            <h1>
                "bedrock-binder" <span class="sub">"inference bindings"</span>
            </h1>
            <nav aria-label="Pages">
                <ul>{nav}</ul>
            </nav>
            <AwsBadge />
        </header>
        <StatusLine />
        <ConflictPanel />
        <main id="main" tabindex="-1" node_ref=main>
            {move || pages(ctx.tab.get())}
        </main>
    }
}

/// The one status line (`data-testid="status"`): loading, saving, errors and results.
#[component]
fn StatusLine() -> impl IntoView {
    let ctx = use_ctx();
    let message = move || -> Option<(String, bool)> {
        if let Some(flash) = ctx.flash.get() {
            return Some((flash.text, flash.error));
        }
        if ctx.current.with(Option::is_none) {
            return match ctx.loaded.get() {
                None => Some(("Loading bindings…".to_owned(), false)),
                Some(Err(error)) => Some((format!("Could not load the bindings: {error}"), true)),
                Some(Ok(_)) => None,
            };
        }
        if ctx.tab.get() == Tab::Catalog {
            return match ctx.catalog.get() {
                None => Some(("Loading the catalog…".to_owned(), false)),
                Some(Err(error)) => Some((format!("Could not load the catalog: {error}"), true)),
                Some(Ok(_)) => None,
            };
        }
        None
    };
    view! {
        <div class="status-bar">
            <p
                data-testid="status"
                role="status"
                aria-live="polite"
                class="status"
                class:error=move || message().is_some_and(|(_, error)| error)
            >
                {move || message().map(|(text, _)| text)}
            </p>
            <Show when=move || ctx.flash.with(Option::is_some)>
                <button class="link dismiss" type="button" on:click=move |_| ctx.flash.set(None)>
                    "Dismiss"
                </button>
            </Show>
        </div>
    }
}

/// Shows `children` once the file has loaded: a placeholder while it loads, and the error
/// with a Retry button if it cannot be loaded.
#[component]
pub fn WithFile(children: ChildrenFn) -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <Transition fallback=|| view! { <p class="placeholder">"Loading the file…"</p> }>
            <ErrorBoundary fallback=move |errors| {
                view! {
                    <LoadError
                        what="the bindings"
                        errors=errors
                        retry=Callback::new(move |()| ctx.loaded.refetch())
                    />
                }
            }>
                {
                    let children = children.clone();
                    move || {
                        let children = children.clone();
                        Suspend::new(async move { ctx.loaded.await.map(|_| children()) })
                    }
                }
            </ErrorBoundary>
        </Transition>
    }
}

/// The error panel of an [`ErrorBoundary`]: what failed, why, and a Retry button.
#[component]
pub fn LoadError(what: &'static str, errors: ArcRwSignal<leptos::error::Errors>, retry: Callback<()>) -> impl IntoView {
    let reasons =
        move || errors.get().into_iter().map(|(_, error)| view! { <li>{error.to_string()}</li> }).collect_view();
    view! {
        <div class="error-panel" role="alert">
            <h2>"Could not load " {what}</h2>
            <ul>{reasons}</ul>
            <button type="button" on:click=move |_| retry.run(())>
                "Retry"
            </button>
        </div>
    }
}
