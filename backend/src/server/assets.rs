//! The browser UI, embedded in the binary at build time (see `backend/build.rs`) with a
//! brotli and a gzip copy of each file, so serving it costs no compression per request and a
//! copied binary needs no files beside it.
//!
//! A page's path serves its HTML (`/aws` is `aws.html`, the AWS page's bundle); other unknown
//! paths get `index.html`: the UI routes in the browser. Names with trunk's content
//! hash are cached for a year; everything else, `index.html` first, is revalidated each time.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::error::AppError;

/// One file of the UI build.
struct Asset {
    /// Path relative to the site root, `/`-separated, without a leading `/`.
    path: &'static str,
    content_type: &'static str,
    /// Whether the name carries a content hash, so the content under it never changes.
    hashed: bool,
    /// A fingerprint of `raw`, for the `ETag`.
    etag: &'static str,
    raw: &'static [u8],
    /// Present only when smaller than `raw`.
    gzip: Option<&'static [u8]>,
    /// Present only when smaller than `raw`.
    brotli: Option<&'static [u8]>,
    /// A page's Content-Security-Policy, with the hashes of its inline scripts.
    csp: Option<&'static str>,
}

// `static ASSETS: &[Asset]`, sorted by path.
include!(concat!(env!("OUT_DIR"), "/assets.rs"));

const INDEX: &str = "index.html";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The router's fallback: a JSON 404 for unknown `/api` paths, else the UI file at the path,
/// else the page `PATH.html`, else `index.html`.
pub(super) async fn fallback(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path();
    if path == "/api" || path.starts_with("/api/") || path.starts_with("/v1/") {
        return AppError::NotFound.into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        return AppError::MethodNotAllowed.into_response();
    }
    let name = path.trim_start_matches('/');
    let page = || find(&format!("{}.html", name.trim_end_matches('/')));
    let Some(asset) = find(name).or_else(page).or_else(|| find(INDEX)) else {
        return AppError::NotFound.into_response();
    };
    serve(asset, &headers)
}

/// The path of the UI's stylesheet (trunk names it with a content hash), for the pages the
/// server writes itself (the sign-in page).
pub(super) fn stylesheet() -> Option<&'static str> {
    ASSETS.iter().find(|asset| asset.content_type.starts_with("text/css")).map(|asset| asset.path)
}

fn find(path: &str) -> Option<&'static Asset> {
    if path.is_empty() {
        return None;
    }
    ASSETS.binary_search_by(|asset| asset.path.cmp(path)).ok().map(|index| &ASSETS[index])
}

fn serve(asset: &'static Asset, request: &HeaderMap) -> Response {
    let (coding, bytes) = match (asset.brotli, asset.gzip) {
        (Some(brotli), _) if accepts(request, "br") => (Some("br"), brotli),
        (_, Some(gzip)) if accepts(request, "gzip") => (Some("gzip"), gzip),
        _ => (None, asset.raw),
    };
    // Each encoding is its own representation, so each has its own strong tag.
    let etag = format!("\"{}{}\"", asset.etag, coding.map(|coding| format!("-{coding}")).unwrap_or_default());
    let cache = if asset.hashed { IMMUTABLE } else { "no-cache" };

    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if let Some(csp) = asset.csp {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp));
    }
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    if let Some(coding) = coding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    let not_modified = request
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim().trim_start_matches("W/") == etag));
    if not_modified {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (headers, Body::from(bytes)).into_response()
}

/// Whether `Accept-Encoding` allows `coding`: listed with a non-zero q, or covered by a `*`
/// with a non-zero q.
fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    let mut star = None;
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let quality = parts
                .filter_map(|parameter| parameter.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if name.eq_ignore_ascii_case(coding) {
                return quality > 0.0;
            }
            if name == "*" {
                star = Some(quality > 0.0);
            }
        }
    }
    star.unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept_encoding(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn a_listed_coding_is_accepted_unless_its_quality_is_zero() {
        assert!(accepts(&accept_encoding("gzip, deflate, br"), "br"));
        assert!(accepts(&accept_encoding("gzip;q=0.5, br;q=1.0"), "gzip"));
        assert!(!accepts(&accept_encoding("br;q=0, gzip"), "br"));
        assert!(!accepts(&accept_encoding("gzip"), "br"));
        assert!(!accepts(&HeaderMap::new(), "gzip"));
    }

    #[test]
    fn a_star_covers_codings_not_listed() {
        assert!(accepts(&accept_encoding("*"), "br"));
        assert!(!accepts(&accept_encoding("*;q=0"), "gzip"));
        assert!(!accepts(&accept_encoding("br;q=0, *"), "br"));
    }

    static HASHED: Asset = Asset {
        path: "app-0123456789abcdef_bg.wasm",
        content_type: "application/wasm",
        hashed: true,
        etag: "0123",
        raw: b"raw bytes",
        gzip: Some(b"gz"),
        brotli: None,
        csp: None,
    };

    #[test]
    fn a_hashed_name_is_cached_for_a_year_and_falls_back_to_gzip_without_brotli() {
        let response = serve(&HASHED, &accept_encoding("br, gzip"));
        let header = |name| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert_eq!(header(header::CACHE_CONTROL), IMMUTABLE);
        assert_eq!(header(header::CONTENT_ENCODING), "gzip");
        assert_eq!(header(header::CONTENT_TYPE), "application/wasm");
        assert_eq!(header(header::ETAG), "\"0123-gzip\"");
    }

    #[test]
    fn a_matching_if_none_match_is_304() {
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"other\", \"0123\""));
        assert_eq!(serve(&HASHED, &headers).status(), StatusCode::NOT_MODIFIED);
    }

    #[test]
    fn the_build_always_embeds_an_index() {
        let index = find(INDEX).expect("index.html");
        assert!(index.content_type.starts_with("text/html"));
        assert!(!index.hashed);
    }

    #[test]
    fn a_page_allows_only_its_own_scripts_and_its_inline_loader_by_hash() {
        let index = find(INDEX).expect("index.html");
        let csp = index.csp.expect("a page has a policy");
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        let inline_scripts = String::from_utf8_lossy(index.raw).matches("<script type=module>").count();
        assert_eq!(csp.matches("'sha256-").count(), inline_scripts, "one hash per inline script: {csp}");
    }

    #[test]
    fn the_assets_are_sorted_for_binary_search() {
        assert!(ASSETS.windows(2).all(|pair| pair[0].path < pair[1].path));
    }
}
