//! The catalog's notice, said once at the top of a page: the embedded catalog is old and the
//! server has nothing live cached (`CatalogResponse::notice`), with how to refresh.

use leptos::prelude::*;

use crate::ctx::use_ctx;

/// The notice, or nothing (also while the catalog loads).
#[component]
pub fn CatalogNotice() -> impl IntoView {
    let ctx = use_ctx();
    move || {
        ctx.catalog_data().and_then(|data| data.notice.clone()).map(|text| {
            view! { <p class="notice" role="status" data-testid="catalog-notice">"Note: " {text} "."</p> }
        })
    }
}
