//! [`Tab`]: the five pages and their addresses, and the [`Site`] (wasm bundle) each lives in.
//! A hash is all the routing a bundle needs, and it costs far less wasm than a router.
//!
//! The AWS page is a bundle of its own at `/aws`: it is most of the UI's code, and the bindings
//! page must stay within its download budget (docs/benchmarks.md). Moving between the two is a
//! page load; both bundles share the stylesheet and the shell.

/// A wasm bundle of the UI, with its own HTML page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    /// `/`: bindings, catalog, raw editor, import/export.
    Main,
    /// `/aws`: the AWS page.
    Aws,
}

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
    /// AWS: live discovery, checks, tests and application profiles.
    Aws,
}

impl Tab {
    /// Every tab, in navigation order.
    pub const ALL: [Tab; 5] = [Tab::Bindings, Tab::Catalog, Tab::Aws, Tab::Raw, Tab::Transfer];

    /// The bundle the tab lives in.
    pub fn site(self) -> Site {
        if self == Tab::Aws { Site::Aws } else { Site::Main }
    }

    /// The tab a bundle shows for a `location.hash`: the AWS bundle shows only its page; in
    /// the main one, anything unknown (or empty) is the bindings page.
    pub fn shown(site: Site, hash: &str) -> Tab {
        match site {
            Site::Aws => Tab::Aws,
            Site::Main => Tab::from_hash(hash),
        }
    }

    /// The link target from a page of `site`: a hash within the same bundle, a path to the
    /// other bundle.
    pub fn href_from(self, site: Site) -> String {
        match (self.site(), site) {
            (Site::Aws, _) => "/aws".to_owned(),
            (Site::Main, Site::Main) => self.href().to_owned(),
            (Site::Main, Site::Aws) => format!("/{}", self.href()),
        }
    }

    /// The tab a `location.hash` names; anything unknown (or empty) is the bindings page.
    pub fn from_hash(hash: &str) -> Tab {
        let name = hash.trim_start_matches('#').trim_start_matches('/');
        match name.split(['/', '?']).next().unwrap_or_default() {
            "catalog" => Tab::Catalog,
            "raw" => Tab::Raw,
            "transfer" => Tab::Transfer,
            "aws" => Tab::Aws,
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
            Tab::Aws => "#/aws",
        }
    }

    /// The link text.
    pub fn label(self) -> &'static str {
        match self {
            Tab::Bindings => "Bindings",
            Tab::Catalog => "Catalog",
            Tab::Raw => "Raw editor",
            Tab::Transfer => "Import / Export",
            Tab::Aws => "AWS",
        }
    }

    /// The link's `data-testid`.
    pub fn test_id(self) -> &'static str {
        match self {
            Tab::Bindings => "nav-bindings",
            Tab::Catalog => "nav-catalog",
            Tab::Raw => "nav-raw",
            Tab::Transfer => "nav-transfer",
            Tab::Aws => "nav-aws",
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
    fn links_stay_in_their_bundle_or_load_the_other() {
        assert_eq!(Tab::Catalog.href_from(Site::Main), "#/catalog");
        assert_eq!(Tab::Aws.href_from(Site::Main), "/aws");
        assert_eq!(Tab::Catalog.href_from(Site::Aws), "/#/catalog");
        assert_eq!(Tab::Aws.href_from(Site::Aws), "/aws");
        assert_eq!(Tab::shown(Site::Aws, "#/catalog"), Tab::Aws, "the AWS bundle has one page");
        assert_eq!(Tab::shown(Site::Main, "#/raw"), Tab::Raw);
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
