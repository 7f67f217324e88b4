//! Cross-origin requests: none is allowed, and no `Access-Control-Allow-*` header is ever sent,
//! unless `serve --cors-origin ORIGIN` names the origin ([`layer`]).
//!
//! An allowed origin may call the API with a bearer token (`Authorization`), never with the
//! browser's cookies: the answer never says `Access-Control-Allow-Credentials`, so a browser
//! hands another origin's script no answer to a request that carried the session cookie, and
//! `X-Requested-With` (the CSRF header) is not among the headers a preflight allows. A page on
//! another origin thus cannot act as the signed-in user, however it is configured.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use axum::http::{HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// An origin whose pages may call the API: `scheme://host[:port]`, as a browser sends it in
/// `Origin` (lower case, no path, no trailing `/`).
#[derive(Clone, PartialEq, Eq)]
pub struct CorsOrigin(HeaderValue);

impl FromStr for CorsOrigin {
    type Err = String;

    fn from_str(text: &str) -> Result<CorsOrigin, String> {
        let text = text.trim();
        let shape = "an origin is `https://host` or `http://host:port`, with no path";
        let Some((scheme, authority)) = text.split_once("://") else {
            return Err(format!("`{text}` is not an origin: {shape}"));
        };
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return Err(format!("`{text}`: the scheme must be http or https"));
        }
        if authority.is_empty() || authority.contains(['/', '?', '#', '@', '*']) {
            return Err(format!("`{text}` is not an origin: {shape} (and no `*`: name each origin)"));
        }
        let (host, port) = match authority.rsplit_once(':') {
            // An IPv6 literal's colons are inside its brackets.
            Some((host, port)) if !port.contains(']') => (host, Some(port)),
            _ => (authority, None),
        };
        if host.is_empty() || !host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.[]:".contains(&b)) {
            return Err(format!("`{text}`: `{host}` is not a host name"));
        }
        if port.is_some_and(|port| port.parse::<u16>().is_err()) {
            return Err(format!("`{text}`: the port must be a number up to 65535"));
        }
        let origin = text.to_ascii_lowercase();
        HeaderValue::from_str(&origin).map(CorsOrigin).map_err(|_| format!("`{text}` is not an origin: {shape}"))
    }
}

impl fmt::Debug for CorsOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CorsOrigin({})", self.0.to_str().unwrap_or_default())
    }
}

impl fmt::Display for CorsOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.to_str().unwrap_or_default())
    }
}

/// The layer that answers preflights and marks answers for exactly `origins`: the API's
/// methods, the headers a bearer-token client sends, and the version and retry headers it
/// reads back. Without credentials (see the module's documentation).
pub(super) fn layer(origins: &[CorsOrigin]) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins.iter().map(|origin| origin.0.clone())))
        .allow_methods([Method::GET, Method::HEAD, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::IF_MATCH, header::IF_NONE_MATCH])
        .expose_headers([header::ETAG, header::RETRY_AFTER])
        .max_age(Duration::from_secs(600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_origin_is_a_scheme_and_a_host_with_an_optional_port() {
        assert_eq!(
            "https://Tools.Example.com".parse::<CorsOrigin>().expect("valid").to_string(),
            "https://tools.example.com"
        );
        assert!("http://127.0.0.1:8080".parse::<CorsOrigin>().is_ok());
        assert!("http://[::1]:8080".parse::<CorsOrigin>().is_ok());
    }

    #[test]
    fn a_path_a_wildcard_or_another_scheme_is_not_an_origin() {
        for wrong in [
            "https://example.com/",
            "https://example.com/app",
            "*",
            "https://*.example.com",
            "ftp://example.com",
            "example.com",
            "https://example.com:99999",
            "https://user@example.com",
        ] {
            assert!(wrong.parse::<CorsOrigin>().is_err(), "{wrong}");
        }
    }
}
