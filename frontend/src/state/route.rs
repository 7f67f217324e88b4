//! [`Tab`]: the four pages and their `#/…` addresses. A hash is all the routing the app needs,
//! and it costs far less wasm than a router.

/// One page of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// The bindings table.
    Bindings,
    /// The model catalog.
    Catalog,
    /// The raw text editor.
    Raw,
    /// Import and export.
    Transfer,
}

impl Tab {
    /// Every tab, in navigation order.
    pub const ALL: [Tab; 4] = [Tab::Bindings, Tab::Catalog, Tab::Raw, Tab::Transfer];

    /// The tab a `location.hash` names; anything unknown (or empty) is the bindings page.
    pub fn from_hash(hash: &str) -> Tab {
        let name = hash.trim_start_matches('#').trim_start_matches('/');
        match name.split(['/', '?']).next().unwrap_or_default() {
            "catalog" => Tab::Catalog,
            "raw" => Tab::Raw,
            "transfer" => Tab::Transfer,
            _ => Tab::Bindings,
        }
    }

    /// The link target, `#/catalog`.
    pub fn href(self) -> &'static str {
        match self {
            Tab::Bindings => "#/bindings",
            Tab::Catalog => "#/catalog",
            Tab::Raw => "#/raw",
            Tab::Transfer => "#/transfer",
        }
    }

    /// The link text.
    pub fn label(self) -> &'static str {
        match self {
            Tab::Bindings => "Bindings",
            Tab::Catalog => "Catalog",
            Tab::Raw => "Raw editor",
            Tab::Transfer => "Import / Export",
        }
    }

    /// The link's `data-testid`.
    pub fn test_id(self) -> &'static str {
        match self {
            Tab::Bindings => "nav-bindings",
            Tab::Catalog => "nav-catalog",
            Tab::Raw => "nav-raw",
            Tab::Transfer => "nav-transfer",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tab_round_trips_through_its_href() {
        for tab in Tab::ALL {
            assert_eq!(Tab::from_hash(tab.href()), tab);
        }
    }

    #[test]
    fn an_empty_or_unknown_hash_is_the_bindings_page() {
        for hash in ["", "#", "#/", "#/nope", "catalogue"] {
            assert_eq!(Tab::from_hash(hash), Tab::Bindings, "{hash}");
        }
        assert_eq!(Tab::from_hash("#catalog"), Tab::Catalog);
        assert_eq!(Tab::from_hash("#/raw/extra"), Tab::Raw);
    }
}
