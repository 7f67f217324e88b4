//! Conditional requests (RFC 9110 §13): the file's [`Version`] as a strong `ETag`, `If-Match`
//! on writes and `If-None-Match` on reads.

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bedrock_binder_shared::Version;

use super::error::AppError;

/// The `ETag` header value for a version: the version in quotes.
pub(crate) fn etag(version: &Version) -> HeaderValue {
    // A version is a hex digest, which is always a valid header value; the fallback only
    // keeps a future version format from panicking.
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or_else(|_| HeaderValue::from_static("\"\""))
}

/// 304 for `version`, with its `ETag` and, like the 200 it stands for, `Cache-Control: no-cache`.
pub(crate) fn not_modified(version: &Version) -> Response {
    (
        StatusCode::NOT_MODIFIED,
        [(header::ETAG, etag(version)), (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))],
    )
        .into_response()
}

/// What a read conditional on `If-None-Match` found.
pub(crate) enum ConditionalRead<T> {
    /// The client has the current version: answer [`not_modified`].
    NotModified(Version),
    /// The file changed (or the client has no copy): what the caller made of it.
    Read(T),
}

/// A parsed `If-Match` or `If-None-Match` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Condition {
    /// `*`: any current representation (here: the file exists).
    Any,
    /// A list of entity tags, as (weak, opaque tag without quotes).
    Tags(Vec<(bool, String)>),
}

/// One member of an `If-Match`/`If-None-Match` list, borrowed from the header.
enum Member<'h> {
    /// `*`.
    Any,
    /// An entity tag: (weak, opaque tag without quotes).
    Tag(bool, &'h str),
}

/// The members of every `name` header, in order, without copying them. A tag sent without
/// quotes is taken as if quoted, so a client may echo the JSON `version` as is.
fn members<'h>(headers: &'h HeaderMap, name: &HeaderName) -> impl Iterator<Item = Member<'h>> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            if item == "*" {
                return Member::Any;
            }
            let (weak, tag) = match item.strip_prefix("W/") {
                Some(rest) => (true, rest),
                None => (false, item),
            };
            Member::Tag(weak, tag.strip_prefix('"').and_then(|tag| tag.strip_suffix('"')).unwrap_or(tag))
        })
}

/// Whether `If-None-Match` names `version` of an existing file (weak comparison), read
/// straight from the headers: the 304 path the UI polls on, with nothing allocated.
pub(crate) fn none_match_names(headers: &HeaderMap, version: &Version) -> bool {
    members(headers, &header::IF_NONE_MATCH).any(|member| match member {
        Member::Any => true,
        Member::Tag(_, tag) => tag == version.as_str(),
    })
}

impl Condition {
    /// The header's condition, or `None` when the request has no such header.
    fn parse(headers: &HeaderMap, name: &HeaderName) -> Option<Condition> {
        if !headers.contains_key(name) {
            return None;
        }
        let mut tags = Vec::new();
        for member in members(headers, name) {
            match member {
                Member::Any => return Some(Condition::Any),
                Member::Tag(weak, tag) => tags.push((weak, tag.to_owned())),
            }
        }
        Some(Condition::Tags(tags))
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
    fn the_304_fast_path_reads_the_same_list_as_the_parsed_condition() {
        let abc = version("abc");
        for (value, expected) in
            [("\"abc\"", true), ("W/\"abc\"", true), ("\"x\", abc", true), ("*", true), ("\"abcd\"", false)]
        {
            let headers = headers(header::IF_NONE_MATCH, value);
            assert_eq!(none_match_names(&headers, &abc), expected, "{value}");
            let parsed = Condition::if_none_match(&headers).expect("present");
            assert_eq!(parsed.matches_weakly(&abc, true), expected, "{value}");
        }
        assert!(!none_match_names(&HeaderMap::new(), &abc), "no header, no match");
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
