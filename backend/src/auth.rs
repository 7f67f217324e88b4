//! Who is asking: the server's auth file ([`AuthFile`]) and what a request proves with it
//! ([`Auth::identify`]).
//!
//! The auth file (`--auth-file PATH`, JSON, mode 0600) holds tokens only as SHA-256 hashes, and
//! the SSO users and groups, each with their [`Grant`]s. A token is shown once, when created.
//! A request proves who it is by `Authorization: Bearer TOKEN`, or, when it comes from a
//! trusted proxy address, by the proxy's identity header (oauth2-proxy's
//! `X-Forwarded-Email`, and `X-Forwarded-Groups`); the header is ignored from anywhere else.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::SystemTime;

use bedrock_binder_shared::access::{Cidr, Grant, TokenName};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::replace_file;

/// What a token starts with, so that a leaked one is recognisable (and scannable).
pub const TOKEN_PREFIX: &str = "bbt_";

/// The identity header trusted from the proxies, unless configured otherwise.
pub const DEFAULT_USER_HEADER: &str = "x-forwarded-email";

/// The groups header trusted from the proxies (comma-separated).
pub const GROUPS_HEADER: &str = "x-forwarded-groups";

/// The auth file's content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthFile {
    /// API tokens, by name.
    #[serde(default)]
    pub tokens: Vec<TokenRecord>,
    /// Users as the SSO proxy names them (an email), with their grants.
    #[serde(default)]
    pub users: Vec<Principal>,
    /// Groups as the SSO proxy names them, with their grants.
    #[serde(default)]
    pub groups: Vec<Principal>,
}

/// A token as stored: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Its name, recorded as the author of its changes.
    pub name: TokenName,
    /// The lowercase hex SHA-256 of the token.
    pub sha256: String,
    /// What it may do.
    pub grants: Vec<Grant>,
    /// When it was made, in milliseconds since the Unix epoch.
    #[serde(default)]
    pub created_ms: u64,
}

/// A user or group of the SSO proxy with its grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// The name the proxy sends.
    pub name: String,
    /// What it may do.
    pub grants: Vec<Grant>,
}

/// Who a request is, and what they may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The token's or the user's name, recorded as the author of changes.
    pub name: String,
    /// Every grant that applies (a user's own and their groups').
    pub grants: Vec<Grant>,
}

/// Why the auth file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AuthFileError {
    /// Reading or writing it failed.
    #[error("cannot {action} the auth file {path}: {source}")]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// It is not an auth file.
    #[error("the auth file {path} is not valid: {detail}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, with its line and column.
        detail: String,
    },
    /// A token of that name exists.
    #[error("a token named `{0}` exists already; revoke it first or choose another name")]
    NameTaken(String),
    /// No token of that name.
    #[error("there is no token named `{0}`")]
    NoSuchToken(String),
}

impl AuthFile {
    /// The file at `path`; a missing file is an empty one.
    pub fn load(path: &Path) -> Result<AuthFile, AuthFileError> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(AuthFile::default()),
            Err(source) => return Err(AuthFileError::Io { action: "read", path: path.to_owned(), source }),
        };
        serde_json::from_slice(&bytes)
            .map_err(|error| AuthFileError::Invalid { path: path.to_owned(), detail: error.to_string() })
    }

    /// Writes the file atomically (mode 0600 on create).
    pub fn save(&self, path: &Path) -> Result<(), AuthFileError> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        replace_file(path, &bytes).map_err(|source| AuthFileError::Io {
            action: "write",
            path: path.to_owned(),
            source,
        })
    }

    /// Adds a token named `name` with `grants`; returns the token, which is never stored.
    pub fn create_token(&mut self, name: TokenName, grants: Vec<Grant>) -> Result<String, AuthFileError> {
        if self.tokens.iter().any(|token| token.name == name) {
            return Err(AuthFileError::NameTaken(name.to_string()));
        }
        let token = new_token();
        let created_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX));
        self.tokens.push(TokenRecord { name, sha256: token_hash(&token), grants, created_ms });
        Ok(token)
    }

    /// Removes the token named `name`.
    pub fn revoke(&mut self, name: &str) -> Result<(), AuthFileError> {
        let before = self.tokens.len();
        self.tokens.retain(|token| token.name.as_str() != name);
        if self.tokens.len() == before {
            return Err(AuthFileError::NoSuchToken(name.to_owned()));
        }
        Ok(())
    }

    /// The token's record, compared by hash in constant time over every record.
    pub fn token(&self, token: &str) -> Option<&TokenRecord> {
        let hash = token_hash(token);
        // Every record is compared, found or not, so the time does not say which one matched.
        let mut found = None;
        for record in &self.tokens {
            if constant_time_eq(record.sha256.as_bytes(), hash.as_bytes()) {
                found = Some(record);
            }
        }
        found
    }

    /// The grants of the SSO user `user` in `groups`: their own and their groups'.
    pub fn user_grants(&self, user: &str, groups: &[&str]) -> Vec<Grant> {
        let user = user.trim();
        let own = self.users.iter().filter(|principal| principal.name.eq_ignore_ascii_case(user));
        let from_groups = self.groups.iter().filter(|principal| groups.contains(&principal.name.as_str()));
        own.chain(from_groups).flat_map(|principal| principal.grants.iter().cloned()).collect()
    }
}

/// A new random token: the prefix and 64 hex digits (256 bits from the system's secure random).
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    // The TLS stack's generator reads the OS's; it fails only if the OS cannot give randomness,
    // in which case no token may be made at all.
    rustls::crypto::aws_lc_rs::default_provider()
        .secure_random
        .fill(&mut bytes)
        .expect("the operating system's secure random generator is unavailable");
    let mut token = String::from(TOKEN_PREFIX);
    for byte in bytes {
        token.push_str(&format!("{byte:02x}"));
    }
    token
}

/// The lowercase hex SHA-256 of a token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Whether `a` and `b` are equal, in a time that depends only on their lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// The server's view of auth: the file's content and where identity headers are trusted.
#[derive(Debug)]
pub struct Auth {
    /// The auth file's content, as last loaded.
    file: RwLock<Arc<AuthFile>>,
    /// The file to reload it from when it changes (`None`: kept as given).
    path: Option<PathBuf>,
    /// The file's length and modification time when last loaded.
    stamp: Mutex<Option<(u64, SystemTime)>>,
    /// The proxies whose identity header is trusted.
    trusted_proxies: Vec<Cidr>,
    /// The identity header (lower case).
    user_header: String,
}

/// A file's length and modification time, if it can be read.
fn stamp(path: &Path) -> Option<(u64, SystemTime)> {
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.len(), metadata.modified().ok()?))
}

/// Why a request is not identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unidentified {
    /// It sent no credentials.
    Missing,
    /// It sent a token the server does not know (or a malformed `Authorization`).
    UnknownToken,
    /// The proxy named a user the auth file does not grant anything.
    UnknownUser,
}

impl Auth {
    /// Auth from `file` as given, trusting `user_header` (any case) from `trusted_proxies`.
    pub fn new(file: AuthFile, trusted_proxies: Vec<Cidr>, user_header: &str) -> Auth {
        Auth {
            file: RwLock::new(Arc::new(file)),
            path: None,
            stamp: Mutex::new(None),
            trusted_proxies,
            user_header: user_header.to_ascii_lowercase(),
        }
    }

    /// Auth from the file at `path`, reloaded whenever it changes, so that a token created or
    /// revoked by `token create|revoke` counts at the next request.
    pub fn from_file(path: &Path, trusted_proxies: Vec<Cidr>, user_header: &str) -> Result<Auth, AuthFileError> {
        let mut auth = Auth::new(AuthFile::load(path)?, trusted_proxies, user_header);
        *auth.stamp.get_mut().unwrap_or_else(PoisonError::into_inner) = stamp(path);
        auth.path = Some(path.to_owned());
        Ok(auth)
    }

    /// The auth file as it is now: reloaded if its stamp moved. A file that no longer parses
    /// keeps the last good content (and says so in the log), so a typo cannot lock everyone out
    /// or let everyone in.
    pub fn current(&self) -> Arc<AuthFile> {
        if let Some(path) = &self.path {
            let now = stamp(path);
            let mut last = self.stamp.lock().unwrap_or_else(PoisonError::into_inner);
            if now != *last {
                match AuthFile::load(path) {
                    Ok(file) => *self.file.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(file),
                    Err(error) => tracing::error!("{error}; keeping the auth file as last loaded"),
                }
                *last = now;
            }
        }
        Arc::clone(&self.file.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Who the request with `headers`, from `peer`, is.
    pub fn identify(&self, headers: &axum::http::HeaderMap, peer: Option<IpAddr>) -> Result<Identity, Unidentified> {
        if let Some(value) = headers.get(axum::http::header::AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
                .map(str::trim)
                .ok_or(Unidentified::UnknownToken)?;
            let file = self.current();
            let record = file.token(token).ok_or(Unidentified::UnknownToken)?;
            return Ok(Identity { name: record.name.to_string(), grants: record.grants.clone() });
        }
        let trusted = peer.is_some_and(|peer| self.trusted_proxies.iter().any(|block| block.contains(peer)));
        if trusted && let Some(user) = headers.get(self.user_header.as_str()).and_then(|value| value.to_str().ok()) {
            let groups: Vec<&str> = headers
                .get(GROUPS_HEADER)
                .and_then(|value| value.to_str().ok())
                .map(|value| value.split(',').map(str::trim).filter(|group| !group.is_empty()).collect())
                .unwrap_or_default();
            let grants = self.current().user_grants(user, &groups);
            if grants.is_empty() {
                return Err(Unidentified::UnknownUser);
            }
            return Ok(Identity { name: user.trim().to_owned(), grants });
        }
        Err(Unidentified::Missing)
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue};
    use bedrock_binder_shared::access::Role;

    use super::*;

    fn auth_with_token() -> (Auth, String) {
        let mut file = AuthFile::default();
        let token = file
            .create_token("ci".parse().expect("name"), vec![Grant { role: Role::Editor, envs: vec![] }])
            .expect("created");
        file.users.push(Principal {
            name: "ana@example.com".to_owned(),
            grants: vec![Grant { role: Role::Admin, envs: vec![] }],
        });
        let auth = Auth::new(file, vec!["10.0.0.0/8".parse().expect("cidr")], DEFAULT_USER_HEADER);
        (auth, token)
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_str(value).expect("value"));
        }
        headers
    }

    #[test]
    fn a_token_is_stored_only_as_its_hash_and_identifies_its_bearer() {
        let (auth, token) = auth_with_token();
        assert!(token.starts_with(TOKEN_PREFIX) && token.len() == TOKEN_PREFIX.len() + 64);
        let stored = serde_json::to_string(&*auth.current()).expect("json");
        assert!(!stored.contains(&token), "the token itself is never stored");
        let who = auth.identify(&headers(&[("authorization", &format!("Bearer {token}"))]), None).expect("known");
        assert_eq!(who.name, "ci");
        let wrong = headers(&[("authorization", "Bearer bbt_0000")]);
        assert_eq!(auth.identify(&wrong, None), Err(Unidentified::UnknownToken));
        assert_eq!(auth.identify(&HeaderMap::new(), None), Err(Unidentified::Missing));
    }

    #[test]
    fn the_proxy_header_counts_only_from_a_trusted_address() {
        let (auth, _) = auth_with_token();
        let sso = headers(&[(DEFAULT_USER_HEADER, "ana@example.com")]);
        let from_proxy = auth.identify(&sso, Some("10.1.2.3".parse().expect("ip"))).expect("trusted");
        assert_eq!(from_proxy.name, "ana@example.com");
        assert_eq!(auth.identify(&sso, Some("192.0.2.7".parse().expect("ip"))), Err(Unidentified::Missing));
        let stranger = headers(&[(DEFAULT_USER_HEADER, "eve@example.com")]);
        assert_eq!(auth.identify(&stranger, Some("10.1.2.3".parse().expect("ip"))), Err(Unidentified::UnknownUser));
    }

    #[test]
    fn a_token_revoked_in_the_file_stops_working_at_the_next_request() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("auth.json");
        let mut file = AuthFile::default();
        let token = file.create_token("ci".parse().expect("name"), vec![]).expect("created");
        file.save(&path).expect("saved");
        let auth = Auth::from_file(&path, vec![], DEFAULT_USER_HEADER).expect("loaded");
        let bearer = headers(&[("authorization", &format!("Bearer {token}"))]);
        assert!(auth.identify(&bearer, None).is_ok());
        file.revoke("ci").expect("revoked");
        // A different length, so the change shows even within the file system's time resolution.
        file.users.push(Principal { name: "x".to_owned(), grants: vec![] });
        file.save(&path).expect("saved");
        assert_eq!(auth.identify(&bearer, None), Err(Unidentified::UnknownToken));
        std::fs::write(&path, "{ not json").expect("write");
        assert_eq!(auth.identify(&bearer, None), Err(Unidentified::UnknownToken), "the last good file still counts");
        assert!(matches!(file.revoke("ci"), Err(AuthFileError::NoSuchToken(_))));
    }
}
