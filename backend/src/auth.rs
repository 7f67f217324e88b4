//! Who is asking: the server's auth file ([`AuthFile`]) and what a request proves with it
//! ([`Auth::identify`]).
//!
//! The auth file (`--auth-file PATH`, JSON, mode 0600) holds tokens only as SHA-256 hashes, and
//! the SSO users and groups, each with their [`Grant`]s. A token is shown once, when created.
//! A request proves who it is by `Authorization: Bearer TOKEN`, or, when it comes from a
//! trusted proxy address, by the proxy's identity header (oauth2-proxy's
//! `X-Forwarded-Email`, and `X-Forwarded-Groups`); the header is ignored from anywhere else.
//! A browser signs in once with a token ([`Auth::sign_in`]) and then proves it with the
//! session cookie ([`crate::session_cookie`]), signed with the file's `session_secret`.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::SystemTime;

use bedrock_binder_shared::access::{Cidr, Grant, TokenName};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::random::secure_random;
use crate::session_cookie::{self, COOKIE_NAME, SessionSecret};
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
    /// The key session cookies are signed with; made by the server the first time someone
    /// signs in. Replicas that share the file accept each other's cookies; deleting it (or
    /// changing it) ends every session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_secret: Option<SessionSecret>,
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
    secure_random(&mut bytes);
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
    /// Whether session cookies are always `Secure` (`serve --secure-cookies`); otherwise only
    /// when a trusted proxy says the request came over HTTPS.
    secure_cookies: bool,
    /// Held while the session secret is made; holds the secret itself when the auth file could
    /// not be written (its sessions then end with this process).
    secret_in_memory: Mutex<Option<SessionSecret>>,
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
    /// It sent a session cookie that is not (or no longer) valid: expired, altered, signed with
    /// another secret, or its token was revoked.
    InvalidSession,
}

/// How a request proved who it is; a cookie-borne proof needs the CSRF header on a mutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    /// `Authorization: Bearer TOKEN`, which a browser never adds on its own.
    Bearer,
    /// The trusted proxy's identity header, which in a browser rides on the proxy's cookie.
    Proxy,
    /// The session cookie.
    SessionCookie,
}

impl Proof {
    /// Whether the browser attaches this proof on its own, to requests another site starts too.
    pub fn rides_on_a_cookie(self) -> bool {
        matches!(self, Proof::Proxy | Proof::SessionCookie)
    }
}

/// A successful sign-in: who, and the session cookie's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// The token's identity.
    pub identity: Identity,
    /// The cookie's value ([`session_cookie::issue`]); never the token.
    pub cookie: String,
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
            secure_cookies: false,
            secret_in_memory: Mutex::new(None),
        }
    }

    /// The same auth, with session cookies always `Secure` when `always` (`--secure-cookies`).
    #[must_use]
    pub fn with_secure_cookies(mut self, always: bool) -> Auth {
        self.secure_cookies = always;
        self
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
        self.authenticate(headers, peer).map(|(identity, _)| identity)
    }

    /// Who the request with `headers`, from `peer`, is, and how it proved it: a bearer token
    /// first, then a trusted proxy's identity header, then the session cookie.
    pub fn authenticate(
        &self,
        headers: &axum::http::HeaderMap,
        peer: Option<IpAddr>,
    ) -> Result<(Identity, Proof), Unidentified> {
        if let Some(value) = headers.get(axum::http::header::AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
                .map(str::trim)
                .ok_or(Unidentified::UnknownToken)?;
            let file = self.current();
            let record = file.token(token).ok_or(Unidentified::UnknownToken)?;
            return Ok((Identity { name: record.name.to_string(), grants: record.grants.clone() }, Proof::Bearer));
        }
        let trusted = self.is_trusted(peer);
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
            return Ok((Identity { name: user.trim().to_owned(), grants }, Proof::Proxy));
        }
        let mut cookies = session_cookies(headers).peekable();
        if cookies.peek().is_none() {
            return Err(Unidentified::Missing);
        }
        let file = self.current();
        let secret = file.session_secret.clone().or_else(|| self.secret_in_memory().clone());
        let secret = secret.ok_or(Unidentified::InvalidSession)?;
        let now = unix_now();
        // A browser may hold more than one (an old one under another path, say): any valid one counts.
        for value in cookies {
            let Ok(claims) = session_cookie::verify(&secret, value, now) else { continue };
            let Some(record) = file.tokens.iter().find(|record| record.name.as_str() == claims.name) else { continue };
            let current = session_cookie::fingerprint(&record.sha256);
            if constant_time_eq(current.as_bytes(), claims.fingerprint.as_bytes()) {
                let identity = Identity { name: record.name.to_string(), grants: record.grants.clone() };
                return Ok((identity, Proof::SessionCookie));
            }
        }
        Err(Unidentified::InvalidSession)
    }

    /// Whether `peer` is one of the trusted proxies.
    fn is_trusted(&self, peer: Option<IpAddr>) -> bool {
        peer.is_some_and(|peer| self.trusted_proxies.iter().any(|block| block.contains(peer)))
    }

    /// Whether the session cookie for this request must be `Secure`: always with
    /// `--secure-cookies`, else when a trusted proxy says the browser reached it over HTTPS
    /// (`X-Forwarded-Proto: https`). A plain-HTTP request to the server itself gets no `Secure`,
    /// or the browser would drop the cookie and no sign-in could work on `http://localhost`.
    pub fn cookie_is_secure(&self, headers: &axum::http::HeaderMap, peer: Option<IpAddr>) -> bool {
        self.secure_cookies
            || (self.is_trusted(peer)
                && headers
                    .get("x-forwarded-proto")
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| value.split(',').next())
                    .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https")))
    }

    /// Signs in with `token`: its identity and a session cookie's value, valid for
    /// [`session_cookie::LIFETIME`]. `None` when the token is not known. Makes the session
    /// secret first if the auth file has none (reads and may write the file: call it off the
    /// async workers).
    pub fn sign_in(&self, token: &str) -> Option<SignedIn> {
        let (name, sha256, grants) = {
            let file = self.current();
            let record = file.token(token.trim())?;
            (record.name.to_string(), record.sha256.clone(), record.grants.clone())
        };
        let secret = self.session_secret();
        let expires = unix_now().saturating_add(session_cookie::LIFETIME.as_secs());
        let cookie = session_cookie::issue(&secret, &name, &sha256, expires);
        Some(SignedIn { identity: Identity { name, grants }, cookie })
    }

    /// The secret sessions are signed with: the auth file's, made and saved there the first time
    /// it is needed. If the file cannot be written, one kept in memory (and said so in the log):
    /// its sessions then end with the process and hold on this replica only.
    fn session_secret(&self) -> SessionSecret {
        if let Some(secret) = &self.current().session_secret {
            return secret.clone();
        }
        // One request makes it; any other waits here and then finds it.
        let mut in_memory = self.secret_in_memory();
        if let Some(secret) = self.current().session_secret.clone().or_else(|| in_memory.clone()) {
            return secret;
        }
        let Some(path) = &self.path else {
            // Auth given as a value (tests): the secret lives with it.
            let mut file = (*self.current()).clone();
            let secret = SessionSecret::generate();
            file.session_secret = Some(secret.clone());
            *self.file.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(file);
            return secret;
        };
        // The file as it is on disk now, so that nothing written since the last load (a token
        // made meanwhile, or a secret another replica made) is lost.
        let saved = AuthFile::load(path).and_then(|mut file| {
            if let Some(secret) = &file.session_secret {
                return Ok((file.clone(), secret.clone()));
            }
            let secret = SessionSecret::generate();
            file.session_secret = Some(secret.clone());
            file.save(path)?;
            Ok((file, secret))
        });
        match saved {
            Ok((file, secret)) => {
                let mut last = self.stamp.lock().unwrap_or_else(PoisonError::into_inner);
                *self.file.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(file);
                *last = stamp(path);
                secret
            }
            Err(error) => {
                tracing::warn!(
                    "{error}; sessions are signed with a secret kept in memory, so they end when the server \
                     stops and other replicas do not accept them"
                );
                let secret = SessionSecret::generate();
                *in_memory = Some(secret.clone());
                secret
            }
        }
    }

    fn secret_in_memory(&self) -> std::sync::MutexGuard<'_, Option<SessionSecret>> {
        self.secret_in_memory.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The values of the session cookies in `headers`' `Cookie` lines.
fn session_cookies(headers: &axum::http::HeaderMap) -> impl Iterator<Item = &str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.trim().trim_matches('"'))
}

/// Seconds since the Unix epoch.
fn unix_now() -> u64 {
    SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs())
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

    fn cookie_headers(cookie: &str) -> HeaderMap {
        headers(&[("cookie", &format!("theme=dark; {COOKIE_NAME}={cookie}"))])
    }

    #[test]
    fn a_sign_in_gives_a_cookie_that_is_not_the_token_and_proves_who_signed_in() {
        let (auth, token) = auth_with_token();
        assert_eq!(auth.sign_in("bbt_0000"), None, "an unknown token signs nobody in");
        let signed_in = auth.sign_in(&token).expect("a known token");
        assert_eq!(signed_in.identity.name, "ci");
        assert!(!signed_in.cookie.contains(&token) && !signed_in.cookie.contains(&token_hash(&token)));
        let (who, proof) = auth.authenticate(&cookie_headers(&signed_in.cookie), None).expect("the cookie counts");
        assert_eq!((who.name.as_str(), proof), ("ci", Proof::SessionCookie));
        assert!(proof.rides_on_a_cookie() && !Proof::Bearer.rides_on_a_cookie());
        let tampered = signed_in.cookie.replacen("~ci~", "~cj~", 1);
        assert_eq!(auth.authenticate(&cookie_headers(&tampered), None), Err(Unidentified::InvalidSession));
        let bearer = headers(&[("authorization", &format!("Bearer {token}"))]);
        assert_eq!(auth.authenticate(&bearer, None).map(|(_, proof)| proof), Ok(Proof::Bearer));
    }

    #[test]
    fn the_secret_is_made_once_in_the_file_which_stays_private_and_revoking_ends_the_sessions() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("auth.json");
        let mut file = AuthFile::default();
        let token = file.create_token("ci".parse().expect("name"), vec![]).expect("created");
        file.save(&path).expect("saved");
        let auth = Auth::from_file(&path, vec![], DEFAULT_USER_HEADER).expect("loaded");
        let cookie = auth.sign_in(&token).expect("signed in").cookie;
        let on_disk = AuthFile::load(&path).expect("reloaded");
        let secret = on_disk.session_secret.clone().expect("the first sign-in saved a secret");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("metadata").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "the auth file stays private");
        }
        // Another replica on the same file accepts the cookie, and keeps the same secret.
        let replica = Auth::from_file(&path, vec![], DEFAULT_USER_HEADER).expect("loaded");
        assert!(replica.authenticate(&cookie_headers(&cookie), None).is_ok());
        replica.sign_in(&token).expect("signed in");
        assert_eq!(AuthFile::load(&path).expect("reloaded").session_secret, Some(secret));
        let mut revoked = on_disk;
        revoked.revoke("ci").expect("revoked");
        revoked.save(&path).expect("saved");
        assert_eq!(replica.authenticate(&cookie_headers(&cookie), None), Err(Unidentified::InvalidSession));
        // The same name made again is another token: the old sessions stay ended.
        revoked.create_token("ci".parse().expect("name"), vec![]).expect("created");
        revoked.save(&path).expect("saved");
        assert_eq!(replica.authenticate(&cookie_headers(&cookie), None), Err(Unidentified::InvalidSession));
    }

    #[test]
    fn the_cookie_is_secure_when_asked_or_when_a_trusted_proxy_saw_https() {
        let (auth, _) = auth_with_token();
        let https = headers(&[("x-forwarded-proto", "https")]);
        assert!(auth.cookie_is_secure(&https, Some("10.1.2.3".parse().expect("ip"))));
        assert!(!auth.cookie_is_secure(&https, Some("192.0.2.7".parse().expect("ip"))), "not from anyone");
        assert!(!auth.cookie_is_secure(&HeaderMap::new(), Some("10.1.2.3".parse().expect("ip"))));
        let always = auth.with_secure_cookies(true);
        assert!(always.cookie_is_secure(&HeaderMap::new(), None));
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
