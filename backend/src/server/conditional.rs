//! Conditional requests (RFC 9110 §13): the file's [`Version`] as a strong `ETag`, `If-Match`
//! on writes and `If-None-Match` on reads.

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use bedrock_binder_shared::Version;

use super::error::AppError;

/// The `ETag` header value for a version: the version in quotes.
pub(crate) fn etag(version: &Version) -> HeaderValue {
    // A version is a hex digest, which is always a valid header value; the fallback only
    // keeps a future version format from panicking.
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or_else(|_| HeaderValue::from_static("\"\""))
}

/// A parsed `If-Match` or `If-None-Match` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Condition {
    /// `*`: any current representation (here: the file exists).
    Any,
    /// A list of entity tags, as (weak, opaque tag without quotes).
    Tags(Vec<(bool, String)>),
}

impl Condition {
    /// The header's condition, or `None` when the request has no such header. A tag sent
    /// without quotes is taken as if quoted, so a client may echo the JSON `version` as is.
    fn parse(headers: &HeaderMap, name: &HeaderName) -> Option<Condition> {
        let mut tags = Vec::new();
        let mut present = false;
        for value in headers.get_all(name) {
            present = true;
            let Ok(value) = value.to_str() else { continue };
            for item in value.split(',').map(str::trim).filter(|item| !item.is_empty()) {
                if item == "*" {
                    return Some(Condition::Any);
                }
                let (weak, tag) = match item.strip_prefix("W/") {
                    Some(rest) => (true, rest),
                    None => (false, item),
                };
                let tag = tag.strip_prefix('"').and_then(|tag| tag.strip_suffix('"')).unwrap_or(tag);
                tags.push((weak, tag.to_owned()));
            }
        }
        present.then_some(Condition::Tags(tags))
    }

    /// `If-Match`, which every write needs: a missing header is a 428.
    pub(crate) fn if_match(headers: &HeaderMap) -> Result<Condition, AppError> {
        Condition::parse(headers, &header::IF_MATCH).ok_or(AppError::PreconditionRequired)
    }

    /// `If-None-Match`, if the request has one.
    pub(crate) fn if_none_match(headers: &HeaderMap) -> Option<Condition> {
        Condition::parse(headers, &header::IF_NONE_MATCH)
    }

    /// `If-Match` semantics: strong comparison, so a weak tag never matches; `*` matches
    /// only an existing file.
    pub(crate) fn matches_strongly(&self, version: &Version, exists: bool) -> bool {
        match self {
            Condition::Any => exists,
            Condition::Tags(tags) => tags.iter().any(|(weak, tag)| !weak && tag == version.as_str()),
        }
    }

    /// `If-None-Match` semantics: weak comparison, so `W/"v"` matches `"v"`.
    pub(crate) fn matches_weakly(&self, version: &Version, exists: bool) -> bool {
        match self {
            Condition::Any => exists,
            Condition::Tags(tags) => tags.iter().any(|(_, tag)| tag == version.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: HeaderName, value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_str(value).unwrap());
        headers
    }

    fn version(text: &str) -> Version {
        Version::from_token(text)
    }

    #[test]
    fn a_write_without_if_match_is_refused_as_precondition_required() {
        assert!(matches!(Condition::if_match(&HeaderMap::new()), Err(AppError::PreconditionRequired)));
    }

    #[test]
    fn if_match_compares_strongly_and_accepts_any_tag_of_a_list() {
        let condition = Condition::if_match(&headers(header::IF_MATCH, "\"old\", \"abc\"")).unwrap();
        assert!(condition.matches_strongly(&version("abc"), true));
        assert!(!condition.matches_strongly(&version("abcd"), true));
        let weak = Condition::if_match(&headers(header::IF_MATCH, "W/\"abc\"")).unwrap();
        assert!(!weak.matches_strongly(&version("abc"), true));
    }

    #[test]
    fn an_unquoted_tag_is_read_as_the_version() {
        let condition = Condition::if_match(&headers(header::IF_MATCH, "abc")).unwrap();
        assert!(condition.matches_strongly(&version("abc"), true));
    }

    #[test]
    fn a_star_matches_only_an_existing_file() {
        let condition = Condition::if_match(&headers(header::IF_MATCH, "*")).unwrap();
        assert!(condition.matches_strongly(&version("abc"), true));
        assert!(!condition.matches_strongly(&version("abc"), false));
    }

    #[test]
    fn if_none_match_compares_weakly() {
        let condition = Condition::if_none_match(&headers(header::IF_NONE_MATCH, "W/\"abc\"")).unwrap();
        assert!(condition.matches_weakly(&version("abc"), true));
        assert_eq!(Condition::if_none_match(&HeaderMap::new()), None);
    }
}
