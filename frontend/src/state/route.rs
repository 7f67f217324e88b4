//! Addresses: [`Tab`] (the pages), the [`Site`] (wasm bundle) each lives in, and the
//! environment a page works on ([`env_of`]). A hash is all the routing a bundle needs, and it
//! costs far less wasm than a router.
//!
//! The AWS page (`/aws`) and the environment pages (`/envs`: environments, promote, history,
//! requests, and the file's raw editor and import/export) are bundles of their own: together
//! they are more code than the bindings page, which must stay within its download budget
//! (docs/benchmarks.md). Moving between bundles is a page load; all of them share the
//! stylesheet and the shell.
//!
//! The environment is the query parameter `env` (`/?env=staging#/bindings`; absent means
//! `default`). A hash link keeps the query, so links within a bundle are plain hashes; links to
//! another bundle carry `?env=` themselves.

use bedrock_binder_shared::env_name::{EnvName, EnvNameError};

/// A wasm bundle of the UI, with its own HTML page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    /// `/`: bindings, catalog.
    Main,
    /// `/aws`: the AWS page.
    Aws,
    /// `/envs`: environments, promote, history, requests, raw editor, import/export.
    Envs,
}

impl Site {
    /// The path the server serves the bundle's page at.
    pub fn path(self) -> &'static str {
        match self {
            Site::Main => "/",
            Site::Aws => "/aws",
            Site::Envs => "/envs",
        }
    }
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
    /// The environments: list, create, delete.
    Envs,
    /// Diff and promote between two environments.
    Promote,
    /// The current environment's history, with revert.
    History,
    /// The current environment's change requests, with approve and reject.
    Requests,
}

impl Tab {
    /// Every tab, in navigation order.
    pub const ALL: [Tab; 9] = [
        Tab::Bindings,
        Tab::Catalog,
        Tab::Aws,
        Tab::Raw,
        Tab::Transfer,
        Tab::Envs,
        Tab::Promote,
        Tab::History,
        Tab::Requests,
    ];

    /// The bundle the tab lives in.
    pub fn site(self) -> Site {
        match self {
            Tab::Aws => Site::Aws,
            // The raw editor and import/export left the bindings page's bundle to make room
            // for its presets (docs/benchmarks.md, "Presets").
            Tab::Envs | Tab::Promote | Tab::History | Tab::Requests | Tab::Raw | Tab::Transfer => Site::Envs,
            Tab::Bindings | Tab::Catalog => Site::Main,
        }
    }

    /// The tab a bundle shows for a `location.hash`. The AWS bundle shows only its page; the
    /// environments bundle its own pages, the environments list for anything else; the main
    /// one any tab the hash names (it sends another bundle's tab on to that bundle), and the
    /// bindings page for anything unknown (or empty).
    pub fn shown(site: Site, hash: &str) -> Tab {
        match site {
            Site::Aws => Tab::Aws,
            Site::Main => Tab::from_hash(hash),
            Site::Envs => Some(Tab::from_hash(hash)).filter(|tab| tab.site() == Site::Envs).unwrap_or(Tab::Envs),
        }
    }

    /// The link target from a page of `site` working on `env`: a hash within the same bundle
    /// (the page's `?env=` stays), the other bundle's address otherwise.
    pub fn href_from(self, site: Site, env: &EnvName) -> String {
        if self.site() == site && self != Tab::Aws { self.href().to_owned() } else { self.address(env) }
    }

    /// The tab's whole address in `env`: `/?env=staging#/catalog`, `/aws`, `/envs#/history`.
    /// Switching environments goes here: a new query is a new page load, so every load
    /// starts over in the new environment.
    pub fn address(self, env: &EnvName) -> String {
        // The AWS bundle has one page: its address needs no hash.
        let hash = if self == Tab::Aws { "" } else { self.href() };
        format!("{}{}{hash}", self.site().path(), env_query(env))
    }

    /// The tab a `location.hash` names; anything unknown (or empty) is the bindings page.
    pub fn from_hash(hash: &str) -> Tab {
        let name = hash.trim_start_matches('#').trim_start_matches('/');
        match name.split(['/', '?']).next().unwrap_or_default() {
            "catalog" => Tab::Catalog,
            "raw" => Tab::Raw,
            "transfer" => Tab::Transfer,
            "aws" => Tab::Aws,
            "envs" => Tab::Envs,
            "promote" => Tab::Promote,
            "history" => Tab::History,
            "requests" => Tab::Requests,
            _ => Tab::Bindings,
        }
    }

    /// The link target within its bundle, `#/catalog`.
    pub fn href(self) -> &'static str {
        match self {
            Tab::Bindings => "#/bindings",
            Tab::Catalog => "#/catalog",
            Tab::Raw => "#/raw",
            Tab::Transfer => "#/transfer",
            Tab::Aws => "#/aws",
            Tab::Envs => "#/envs",
            Tab::Promote => "#/promote",
            Tab::History => "#/history",
            Tab::Requests => "#/requests",
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
            Tab::Envs => "Environments",
            Tab::Promote => "Promote",
            Tab::History => "History",
            Tab::Requests => "Requests",
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
            Tab::Envs => "nav-envs",
            Tab::Promote => "nav-promote",
            Tab::History => "nav-history",
            Tab::Requests => "nav-requests",
        }
    }
}

/// The environment a `location.search` names with `env=`; `default` without one. A name
/// that is not one is an error, not `default`: showing another environment's file under the
/// name the user asked for could lead to editing the wrong one.
pub fn env_of(search: &str) -> Result<EnvName, EnvNameError> {
    let param = search.trim_start_matches('?').split('&').find_map(|pair| pair.strip_prefix("env="));
    match param {
        // An environment name is letters, digits and `-`, so it never needs percent-decoding;
        // an encoded one is refused with the character that is not allowed.
        Some(name) => name.parse(),
        None => Ok(EnvName::DEFAULT),
    }
}

/// The query that names `env` in an address: none for `default`, so its addresses stay as
/// they were before there were environments.
pub fn env_query(env: &EnvName) -> String {
    if *env == EnvName::DEFAULT { String::new() } else { format!("?env={env}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn env(name: &str) -> EnvName {
        name.parse().expect("a valid environment name")
    }

    #[test]
    fn every_tab_round_trips_through_its_href() {
        for tab in Tab::ALL {
            assert_eq!(Tab::from_hash(tab.href()), tab);
        }
    }

    #[test]
    fn links_stay_in_their_bundle_or_load_the_other() {
        let default = EnvName::DEFAULT;
        assert_eq!(Tab::Catalog.href_from(Site::Main, &default), "#/catalog");
        assert_eq!(Tab::Aws.href_from(Site::Main, &default), "/aws");
        assert_eq!(Tab::Catalog.href_from(Site::Aws, &default), "/#/catalog");
        assert_eq!(Tab::Aws.href_from(Site::Aws, &default), "/aws");
        assert_eq!(Tab::History.href_from(Site::Main, &default), "/envs#/history");
        assert_eq!(Tab::History.href_from(Site::Envs, &default), "#/history");
        assert_eq!(Tab::shown(Site::Aws, "#/catalog"), Tab::Aws, "the AWS bundle has one page");
        assert_eq!(Tab::shown(Site::Main, "#/raw"), Tab::Raw);
        assert_eq!(Tab::shown(Site::Envs, "#/promote"), Tab::Promote);
        assert_eq!(Tab::shown(Site::Envs, "#/catalog"), Tab::Envs, "the environments bundle shows only its pages");
        assert_eq!(Tab::shown(Site::Envs, "#/raw"), Tab::Raw);
        assert_eq!(Tab::Transfer.href_from(Site::Main, &default), "/envs#/transfer");
        assert_eq!(Tab::Transfer.href_from(Site::Envs, &default), "#/transfer");
    }

    #[test]
    fn links_to_another_bundle_keep_the_environment() {
        let staging = env("staging");
        assert_eq!(Tab::Catalog.href_from(Site::Main, &staging), "#/catalog", "a hash keeps the query");
        assert_eq!(Tab::Aws.href_from(Site::Main, &staging), "/aws?env=staging");
        assert_eq!(Tab::Bindings.href_from(Site::Envs, &staging), "/?env=staging#/bindings");
        assert_eq!(Tab::Promote.href_from(Site::Aws, &staging), "/envs?env=staging#/promote");
        assert_eq!(Tab::Bindings.address(&env("prod")), "/?env=prod#/bindings");
    }

    #[test]
    fn an_empty_or_unknown_hash_is_the_bindings_page() {
        for hash in ["", "#", "#/", "#/nope", "catalogue"] {
            assert_eq!(Tab::from_hash(hash), Tab::Bindings, "{hash}");
        }
        assert_eq!(Tab::from_hash("#catalog"), Tab::Catalog);
        assert_eq!(Tab::from_hash("#/raw/extra"), Tab::Raw);
    }

    #[test]
    fn the_env_parameter_names_the_environment_and_its_absence_means_default() {
        assert_eq!(env_of(""), Ok(EnvName::DEFAULT));
        assert_eq!(env_of("?x=1"), Ok(EnvName::DEFAULT));
        assert_eq!(env_of("?env=staging"), Ok(env("staging")));
        assert_eq!(env_of("?x=1&env=prod-eu"), Ok(env("prod-eu")));
    }

    #[test]
    fn a_malformed_env_parameter_is_an_error_rather_than_default() {
        let error = env_of("?env=Prod").expect_err("upper case");
        assert!(error.message.contains("lower-case"), "{}", error.message);
        assert!(env_of("?env=").is_err(), "an empty name");
        assert!(env_of("?env=..%2Fx").is_err(), "a path");
    }

    #[test]
    fn the_default_environment_adds_no_query() {
        assert_eq!(env_query(&EnvName::DEFAULT), "");
        assert_eq!(env_query(&env("staging")), "?env=staging");
    }
}
