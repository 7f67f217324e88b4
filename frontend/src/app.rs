//! The app shell: the header with the navigation between the pages, the environment switcher,
//! the AWS badge and who is signed in, the global status line, the conflict panel, and `<main>`
//! with the page the address names. It is the top layer: nothing in the crate imports it but
//! the bundles' `main`s.

use bedrock_binder_shared::env_name::EnvName;
use leptos::prelude::*;

use crate::components::aws_badge::AwsBadge;
use crate::components::conflict::ConflictPanel;
use crate::components::env_switcher::EnvSwitcher;
use crate::components::signed_in::SignedIn;
use crate::ctx::{Ctx, location_hash, location_search, use_ctx};
use crate::state::route::{Site, Tab, env_of};

/// The pages of a bundle: what `<main>` shows for each tab. A bundle names only its own pages,
/// so the other bundles' code is not linked into it.
pub type Pages = fn(Tab) -> AnyView;

/// Mounts the app of `site`, showing `pages`, on `<body>`, in the environment the address
/// names; an address whose `?env=` is not an environment name gets a page that says so.
pub fn mount(site: Site, pages: Pages) {
    match env_of(&location_search()) {
        Ok(env) => {
            // The environment lives as long as the page: one small allocation, never freed,
            // lets every part of the app hold it as a plain reference.
            let env: &'static EnvName = Box::leak(Box::new(env));
            leptos::mount::mount_to_body(move || view! { <App site=site env=env pages=pages /> });
        }
        Err(error) => {
            let home = Tab::shown(site, &location_hash()).address(&EnvName::DEFAULT);
            leptos::mount::mount_to_body(move || {
                view! {
                    <main id="main" class="page" data-testid="bad-env">
                        <h1>"No such environment"</h1>
                        <p class="error-text" role="alert">
                            "The address's ?env= is not an environment name: " {error.message}
                        </p>
                        <p>
                            <a href=home>"Open the default environment"</a>
                        </p>
                    </main>
                }
            });
        }
    }
}

/// The whole app: the shell (header, navigation, environment switcher, AWS badge, status line,
/// conflict panel) around the page of `pages` the address names.
#[component]
pub fn App(site: Site, env: &'static EnvName, pages: Pages) -> impl IntoView {
    let ctx = Ctx::new(site, env);
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
                    href=tab.href_from(site, env)
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
            <EnvSwitcher />
            <AwsBadge />
            <SignedIn />
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
