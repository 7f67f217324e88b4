//! The browser's session: signing in with a token for a session cookie, asking who the session
//! is, signing out; and the header that proves a request came from the app's own pages.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::access::Grant;

/// The header every request that changes something must carry when a cookie authenticates it
/// (the session cookie, or the SSO proxy's): a page on another site can make the browser send
/// the cookie, but cannot add a custom header without a CORS preflight, which this server
/// refuses. Lower case, as HTTP/2 writes header names.
pub const CSRF_HEADER: &str = "x-requested-with";

/// The value of [`CSRF_HEADER`].
pub const CSRF_HEADER_VALUE: &str = "bedrock-binder";

/// `POST /api/v1/session` as JSON: sign in with an API token. (The sign-in page posts the same
/// field as a form.) Its `Debug` never shows the token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInRequest {
    /// The token, as `bedrock-binder token create` printed it.
    pub token: String,
}

impl fmt::Debug for SignInRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignInRequest").field("token", &"…").finish()
    }
}

/// `GET /api/v1/session`, and the answer to a JSON `POST /api/v1/session`: who the request is
/// and what they may do, so the UI can hide what their role does not allow.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    /// Whether the server checks who calls it. Without auth everyone may do everything, and
    /// there is nobody to sign in as.
    pub auth: bool,
    /// The signed-in token's name, or the SSO user's; `None` without auth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What they may do; empty without auth.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub grants: Vec<Grant>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sign_in_request_never_shows_its_token_when_debug_printed() {
        let request = SignInRequest { token: "bbt_secret".to_owned() };
        assert!(!format!("{request:?}").contains("bbt_secret"));
    }

    #[test]
    fn a_session_without_auth_reads_from_its_one_field() {
        let info: SessionInfo = serde_json::from_str(r#"{"auth":false}"#).expect("json");
        assert_eq!(info, SessionInfo::default());
    }
}
