//! Small wire-format helpers: percent-decoding, query and form parsing, the SigV4 credential
//! scope, ARNs, ISO 8601 timestamps and request ids.
//!
//! Hand-written because each is a few lines and the fake must decode exactly what the SDKs
//! send (a model id arrives as one percent-encoded path segment: `:` as `%3A`, an ARN's `/`
//! as `%2F`), with no framework decoding it first.

/// Percent-decodes `text`. `plus_is_space` is for `application/x-www-form-urlencoded` (query
/// strings and form bodies); path segments keep `+`. A malformed escape is kept as it is, and
/// bytes that are not UTF-8 become U+FFFD.
pub(crate) fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex_value(bytes[i + 1]), hex_value(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Parses `a=1&b=two` (a query string or a form body) into decoded pairs, in order.
pub(crate) fn parse_form(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key, true), percent_decode(value, true))
        })
        .collect()
}

/// The first value of `key` in parsed pairs.
pub(crate) fn form_value<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// How a request authenticated itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Auth {
    /// SigV4, in the `Authorization` header or presigned in the query (`X-Amz-Credential`).
    /// The signature itself is not checked: the fake knows no secrets.
    SigV4 {
        /// The access key id of the credential scope.
        access_key_id: String,
        /// The region of the credential scope: the region whose data is served.
        region: String,
    },
    /// `Authorization: Bearer …`, a Bedrock API key. It carries no region.
    Bearer,
    /// No `Authorization` header and no presigned query.
    Missing,
    /// An `Authorization` header without a usable SigV4 credential scope.
    Incomplete,
}

impl Auth {
    /// Reads the `Authorization` header (or a presigned query) of a request.
    pub(crate) fn parse(header: Option<&str>, query: &[(String, String)]) -> Auth {
        let header = header.map(str::trim).filter(|h| !h.is_empty());
        let Some(header) = header else {
            return match form_value(query, "X-Amz-Credential") {
                Some(scope) => Auth::from_scope(scope),
                None => Auth::Missing,
            };
        };
        if let Some(rest) = header.strip_prefix("AWS4-HMAC-SHA256 ") {
            let scope = rest.split(',').map(str::trim).find_map(|part| part.strip_prefix("Credential="));
            return scope.map_or(Auth::Incomplete, Auth::from_scope);
        }
        if header.len() > 7 && header[..7].eq_ignore_ascii_case("bearer ") {
            return Auth::Bearer;
        }
        Auth::Incomplete
    }

    /// `AKID/20240101/us-east-1/bedrock/aws4_request`.
    fn from_scope(scope: &str) -> Auth {
        let parts: Vec<&str> = scope.split('/').collect();
        match parts[..] {
            [access_key_id, date, region, service, "aws4_request"]
                if !access_key_id.is_empty() && !date.is_empty() && !region.is_empty() && !service.is_empty() =>
            {
                Auth::SigV4 { access_key_id: access_key_id.to_owned(), region: region.to_owned() }
            }
            _ => Auth::Incomplete,
        }
    }

    /// The access key id, for the request log.
    pub(crate) fn access_key_id(&self) -> Option<&str> {
        match self {
            Auth::SigV4 { access_key_id, .. } => Some(access_key_id),
            _ => None,
        }
    }
}

/// A Bedrock ARN, `arn:PARTITION:bedrock:REGION:ACCOUNT:TYPE/ID`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Arn<'a> {
    pub(crate) region: &'a str,
    pub(crate) account: &'a str,
    pub(crate) resource_type: &'a str,
    pub(crate) resource_id: &'a str,
}

impl<'a> Arn<'a> {
    /// Parses a Bedrock ARN; `None` for anything else (including a plain id).
    pub(crate) fn parse(text: &'a str) -> Option<Arn<'a>> {
        // The resource part may contain `:` (model ids do), so split at most six ways.
        let mut parts = text.splitn(6, ':');
        let (Some("arn"), Some(partition), Some("bedrock"), Some(region), Some(account), Some(resource)) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        if !partition.starts_with("aws") {
            return None;
        }
        let (resource_type, resource_id) = resource.split_once('/')?;
        Some(Arn { region, account, resource_type, resource_id })
    }
}

/// `arn:aws:bedrock:{region}::foundation-model/{model_id}`: the account field is empty.
pub(crate) fn foundation_model_arn(region: &str, model_id: &str) -> String {
    format!("arn:{}:bedrock:{region}::foundation-model/{model_id}", partition(region))
}

/// The partition of a region, for ARNs.
pub(crate) fn partition(region: &str) -> &'static str {
    if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else {
        "aws"
    }
}

/// Seconds since the Unix epoch as ISO 8601 in UTC (`2024-08-27T00:00:00Z`): Bedrock's
/// `Timestamp` shape has `"timestampFormat": "iso8601"`, so these go on the wire as strings.
pub(crate) fn iso8601(epoch_seconds: u64) -> String {
    let days = epoch_seconds / 86_400;
    let seconds_of_day = epoch_seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        seconds_of_day / 3600,
        seconds_of_day / 60 % 60,
        seconds_of_day % 60
    )
}

/// Howard Hinnant's `civil_from_days`, for days since 1970-01-01 (non-negative only).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// The current time in seconds since the Unix epoch.
pub(crate) fn now_epoch_seconds() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A request id shaped like AWS's (a UUID), unique per fake.
pub(crate) fn request_id(counter: u64) -> String {
    format!("fa4eb0c4-0000-4000-8000-{counter:012x}")
}

/// A 12-character lowercase alphanumeric id, the shape of application inference profile ids
/// (`hq2of259skzs`). Deterministic: the `n`th id of a fake is always the same.
pub(crate) fn short_id(n: u64) -> String {
    const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    // An odd multiplier modulo 36^12 is a bijection, so ids never repeat; it also spreads
    // consecutive counters so the ids do not look sequential.
    const MODULUS: u64 = 4_738_381_338_321_616_896; // 36^12
    let mut value = (n.wrapping_add(1)).wrapping_mul(0x9E37_79B9_7F4A_7C15 | 1) % MODULUS;
    let mut out = [b'0'; 12];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(value % 36) as usize];
        value /= 36;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_encoded_arn_decodes_to_one_identifier() {
        assert_eq!(
            percent_decode(
                "arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.amazon.nova-pro-v1%3A0",
                false
            ),
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0"
        );
    }

    #[test]
    fn a_plus_is_a_space_only_in_forms_and_a_bad_escape_is_kept() {
        assert_eq!(percent_decode("a+b%2", false), "a+b%2");
        assert_eq!(percent_decode("a+b%zz%41", true), "a b%zzA");
        assert_eq!(
            parse_form("Action=GetCallerIdentity&Version=2011-06-15&x"),
            [
                ("Action".to_owned(), "GetCallerIdentity".to_owned()),
                ("Version".to_owned(), "2011-06-15".to_owned()),
                ("x".to_owned(), String::new()),
            ]
        );
    }

    #[test]
    fn the_region_comes_from_the_sigv4_credential_scope() {
        let header = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/eu-west-1/bedrock/aws4_request, \
                      SignedHeaders=host;x-amz-date, Signature=abc";
        assert_eq!(
            Auth::parse(Some(header), &[]),
            Auth::SigV4 { access_key_id: "AKIDEXAMPLE".to_owned(), region: "eu-west-1".to_owned() }
        );
        let presigned = parse_form("X-Amz-Credential=AKID%2F20240101%2Fus-west-2%2Fbedrock%2Faws4_request");
        assert_eq!(
            Auth::parse(None, &presigned),
            Auth::SigV4 { access_key_id: "AKID".to_owned(), region: "us-west-2".to_owned() }
        );
    }

    #[test]
    fn a_missing_or_unusable_authorization_is_told_apart() {
        assert_eq!(Auth::parse(None, &[]), Auth::Missing);
        assert_eq!(Auth::parse(Some("  "), &[]), Auth::Missing);
        assert_eq!(Auth::parse(Some("AWS4-HMAC-SHA256 Signature=abc"), &[]), Auth::Incomplete);
        assert_eq!(Auth::parse(Some("AWS4-HMAC-SHA256 Credential=AKID/20240101/bedrock"), &[]), Auth::Incomplete);
        assert_eq!(Auth::parse(Some("Basic dXNlcjpwYXNz"), &[]), Auth::Incomplete);
        assert_eq!(Auth::parse(Some("Bearer bedrock-api-key-abc"), &[]), Auth::Bearer);
    }

    #[test]
    fn an_arn_keeps_the_colons_of_its_model_id() {
        let arn = Arn::parse("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0").unwrap();
        assert_eq!(
            arn,
            Arn {
                region: "us-east-1",
                account: "",
                resource_type: "foundation-model",
                resource_id: "amazon.nova-pro-v1:0"
            }
        );
        assert_eq!(Arn::parse("amazon.nova-pro-v1:0"), None);
        assert_eq!(Arn::parse("arn:aws:s3:::bucket/key"), None);
    }

    #[test]
    fn timestamps_are_iso8601_in_utc() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_724_716_800), "2024-08-27T00:00:00Z");
        assert_eq!(iso8601(951_782_400 + 3_661), "2000-02-29T01:01:01Z");
    }

    #[test]
    fn short_ids_look_like_application_profile_ids_and_do_not_repeat() {
        let ids: std::collections::BTreeSet<String> = (0..1000).map(short_id).collect();
        assert_eq!(ids.len(), 1000);
        assert!(
            ids.iter().all(|id| id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()))
        );
    }
}
