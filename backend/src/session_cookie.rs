//! The session cookie's value: which token signed in, and until when, signed with a secret from
//! the auth file (HMAC-SHA256). No server keeps sessions: any replica that reads the same auth
//! file checks a cookie on its own, and a restart ends none.
//!
//! The value is `v1~NAME~EXPIRES~FINGERPRINT~MAC`:
//! - `NAME`: the token's name (letters, digits, `-`, `_`, `.`, `@`: never `~`, and nothing a
//!   cookie value must escape);
//! - `EXPIRES`: when it ends, in seconds since the Unix epoch;
//! - `FINGERPRINT`: 32 hex digits of the SHA-256 of the token's stored hash, so that revoking
//!   the token (or revoking it and creating another of the same name) ends its sessions at
//!   once;
//! - `MAC`: 64 hex digits, the HMAC-SHA256 of everything before it, keyed with the secret.
//!
//! The cookie is never the token, and nothing in it leads back to the token: the fingerprint is
//! a hash of a hash of 256 random bits.

use std::fmt;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The cookie's name.
pub const COOKIE_NAME: &str = "bedrock_binder_session";

/// How long a session lasts: a working day, after which the browser signs in again.
pub const LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);

/// The format's version, first in every value, so a later format can tell old cookies apart.
const VERSION: &str = "v1";

/// Between the parts of a value; no token name contains it.
const SEPARATOR: char = '~';

/// The hex digits of the fingerprint kept in a cookie (128 bits).
const FINGERPRINT_LEN: usize = 32;

/// The fewest characters a secret may have (the generated ones have 64 hex digits: 256 bits).
const MIN_SECRET_LEN: usize = 32;

type HmacSha256 = Hmac<sha2_hmac::Sha256>;

/// The key session cookies are signed with, kept in the auth file (`session_secret`), which is
/// mode 0600. Its `Debug` never shows it, and it is never logged or sent.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SessionSecret(String);

impl SessionSecret {
    /// A new secret: 256 bits from the operating system's secure random, in hex.
    pub fn generate() -> SessionSecret {
        let mut bytes = [0u8; 32];
        crate::random::secure_random(&mut bytes);
        SessionSecret(hex(&bytes))
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC takes a key of any length; a secret longer than SHA-256's block is hashed first.
        <HmacSha256 as KeyInit>::new_from_slice(self.0.as_bytes()).expect("HMAC accepts a key of any length")
    }
}

impl TryFrom<String> for SessionSecret {
    type Error = String;

    fn try_from(secret: String) -> Result<SessionSecret, String> {
        if secret.trim().len() < MIN_SECRET_LEN {
            return Err(format!(
                "the session secret must have at least {MIN_SECRET_LEN} characters; delete it and the server \
                 makes a new one"
            ));
        }
        Ok(SessionSecret(secret))
    }
}

impl From<SessionSecret> for String {
    fn from(secret: SessionSecret) -> String {
        secret.0
    }
}

impl fmt::Debug for SessionSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionSecret(…)")
    }
}

/// What a valid cookie says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// The token's name.
    pub name: String,
    /// [`fingerprint`] of the token's stored hash when it signed in.
    pub fingerprint: String,
    /// When the session ends, in seconds since the Unix epoch.
    pub expires: u64,
}

/// Why a cookie is not a valid session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// Not a value of this format.
    Malformed,
    /// The MAC does not match: altered, or signed with another secret.
    BadSignature,
    /// Its time is up.
    Expired,
}

/// The fingerprint of a token's stored hash (`TokenRecord::sha256`) that a cookie carries.
pub fn fingerprint(token_sha256: &str) -> String {
    let mut digest = hex(&Sha256::digest(token_sha256.as_bytes()));
    digest.truncate(FINGERPRINT_LEN);
    digest
}

/// The cookie value for the token `name` (its stored hash `token_sha256`), valid until
/// `expires` (Unix seconds).
pub fn issue(secret: &SessionSecret, name: &str, token_sha256: &str, expires: u64) -> String {
    let payload = format!("{VERSION}{SEPARATOR}{name}{SEPARATOR}{expires}{SEPARATOR}{}", fingerprint(token_sha256));
    let mut mac = secret.mac();
    mac.update(payload.as_bytes());
    format!("{payload}{SEPARATOR}{}", hex(&mac.finalize().into_bytes()))
}

/// What `value` says, if `secret` signed it and it has not expired at `now` (Unix seconds). The
/// MAC is checked first, in constant time, so nothing is read from a value the server did not
/// write.
pub fn verify(secret: &SessionSecret, value: &str, now: u64) -> Result<Claims, Invalid> {
    let (payload, tag) = value.rsplit_once(SEPARATOR).ok_or(Invalid::Malformed)?;
    let tag = unhex(tag).ok_or(Invalid::Malformed)?;
    let mut mac = secret.mac();
    mac.update(payload.as_bytes());
    mac.verify_slice(&tag).map_err(|_| Invalid::BadSignature)?;
    let mut parts = payload.split(SEPARATOR);
    let (Some(VERSION), Some(name), Some(expires), Some(fingerprint), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Invalid::Malformed);
    };
    let expires: u64 = expires.parse().map_err(|_| Invalid::Malformed)?;
    if expires <= now {
        return Err(Invalid::Expired);
    }
    Ok(Claims { name: name.to_owned(), fingerprint: fingerprint.to_owned(), expires })
}

/// Lowercase hex.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    text
}

/// The bytes of lowercase or uppercase hex; `None` for anything else.
fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| char::from(c).to_digit(16).and_then(|d| u8::try_from(d).ok());
    text.as_bytes().chunks(2).map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    fn secret() -> SessionSecret {
        SessionSecret::try_from("0123456789abcdef0123456789abcdef".to_owned()).expect("long enough")
    }

    #[test]
    fn a_cookie_issued_with_the_secret_says_who_and_until_when() {
        let value = issue(&secret(), "ana.dev@example.com", HASH, 2_000);
        let claims = verify(&secret(), &value, 1_000).expect("valid");
        assert_eq!(
            claims,
            Claims { name: "ana.dev@example.com".to_owned(), fingerprint: fingerprint(HASH), expires: 2_000 }
        );
        assert!(!value.contains(HASH), "the cookie carries a fingerprint of the hash, not the hash");
        assert!(
            value.bytes().all(|b| b.is_ascii_graphic() && !b";,\"\\".contains(&b)),
            "a valid cookie value: {value}"
        );
    }

    #[test]
    fn a_cookie_altered_anywhere_or_signed_with_another_secret_is_refused() {
        let value = issue(&secret(), "ci", HASH, 2_000);
        let longer = value.replacen("~2000~", "~9999~", 1);
        assert_eq!(verify(&secret(), &longer, 1_000), Err(Invalid::BadSignature));
        let renamed = value.replacen("~ci~", "~admin~", 1);
        assert_eq!(verify(&secret(), &renamed, 1_000), Err(Invalid::BadSignature));
        let mut flipped = value.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
        assert_eq!(verify(&secret(), &String::from_utf8(flipped).expect("ascii"), 1_000), Err(Invalid::BadSignature));
        let other = SessionSecret::generate();
        assert_eq!(verify(&other, &value, 1_000), Err(Invalid::BadSignature));
        assert_eq!(verify(&secret(), "bbt_0123", 1_000), Err(Invalid::Malformed));
        assert_eq!(verify(&secret(), "", 1_000), Err(Invalid::Malformed));
    }

    #[test]
    fn a_cookie_past_its_time_is_refused() {
        let value = issue(&secret(), "ci", HASH, 2_000);
        assert_eq!(verify(&secret(), &value, 2_000), Err(Invalid::Expired));
    }

    #[test]
    fn the_mac_is_hmac_sha256_as_rfc_4231_defines_it() {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(b"Jefe").expect("any length");
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_short_secret_is_refused_and_none_is_ever_printed() {
        assert!(SessionSecret::try_from("short".to_owned()).is_err());
        let secret = SessionSecret::generate();
        let text = String::from(secret.clone());
        assert_eq!(text.len(), 64);
        assert!(!format!("{secret:?}").contains(&text));
        assert_ne!(SessionSecret::generate(), secret, "each secret is new");
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(unhex(&hex(&[0, 1, 0xab, 0xff])), Some(vec![0, 1, 0xab, 0xff]));
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }
}
