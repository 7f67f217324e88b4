//! The connection as the header badge and the AWS page say it: who the server calls AWS as,
//! or why it cannot, in plain words (the SDK's error chain travels apart, in the failure's
//! `detail`, for a "details" toggle).

use bedrock_binder_shared::api::AwsStatus;
use bedrock_binder_shared::aws_failure::AwsFailureCode;

/// How the header badge looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// AWS answered: live data and test calls work.
    Connected,
    /// No credentials: the app works on the offline catalog.
    Offline,
    /// Credentials were found but do not work (expired, rejected, unreachable, no region).
    Problem,
}

/// The header badge: a short label and the longer text of its tooltip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusBadge {
    /// The badge text.
    pub label: String,
    /// The tooltip: who, where, or why not.
    pub detail: String,
    /// Its colour.
    pub tone: Tone,
}

/// The badge for a status.
pub fn status_badge(status: &AwsStatus) -> StatusBadge {
    let region = status.region.as_deref().unwrap_or("no region");
    if status.ok {
        let account = status.account.as_deref().unwrap_or("unknown account");
        let mut detail = format!("Account {account} in {region}");
        if let Some(profile) = &status.profile {
            detail.push_str(&format!(", profile {profile}"));
        }
        if let Some(source) = &status.credentials_source {
            detail.push_str(&format!(", credentials from {source}"));
        }
        if let Some(arn) = &status.caller_arn {
            detail.push_str(&format!(". Caller: {arn}"));
        }
        return StatusBadge { label: format!("AWS {account} · {region}"), detail, tone: Tone::Connected };
    }
    let why = status
        .problem
        .as_ref()
        .map(|problem| format!("{} {}", problem.explanation, problem.remedy))
        .unwrap_or_else(|| "AWS did not answer.".to_owned());
    if !status.credentials {
        // What happened, what to do, then what works meanwhile, each said once.
        let what = status.problem.as_ref().map(|problem| {
            let first = problem.explanation.split_inclusive(". ").next().unwrap_or_default().trim_end().to_owned();
            format!("{first} {}", problem.remedy)
        });
        return StatusBadge {
            label: "AWS: no credentials".to_owned(),
            detail: format!("{} Until then the app works on the offline catalog.", what.unwrap_or(why)),
            tone: Tone::Offline,
        };
    }
    let label = match status.problem.as_ref().map(|problem| problem.code) {
        Some(AwsFailureCode::ExpiredCredentials) => "AWS: credentials expired",
        Some(AwsFailureCode::InvalidCredentials) => "AWS: credentials rejected",
        Some(AwsFailureCode::NoRegion) => "AWS: no region",
        Some(AwsFailureCode::Unreachable) => "AWS: unreachable",
        _ => "AWS: not connected",
    };
    StatusBadge { label: label.to_owned(), detail: why, tone: Tone::Problem }
}

#[cfg(test)]
mod tests {
    use bedrock_binder_shared::aws_failure::AwsFailure;

    use super::*;

    fn status(json: &str) -> AwsStatus {
        serde_json::from_str(json).expect("status JSON")
    }

    #[test]
    fn the_badge_names_the_account_and_region_or_says_why_not() {
        let ok = status_badge(&status(
            r#"{"ok":true,"credentials":true,"profile":"dev","region":"us-east-1","account":"123456789012",
                "credentials_source":"Profile","caller_arn":"arn:aws:iam::123456789012:user/ci"}"#,
        ));
        assert_eq!((ok.label.as_str(), ok.tone), ("AWS 123456789012 · us-east-1", Tone::Connected));
        assert!(ok.detail.contains("profile dev") && ok.detail.contains("user/ci"), "{}", ok.detail);

        let none = status_badge(&AwsStatus {
            problem: Some(AwsFailure::no_credentials(None)),
            region: Some("us-east-1".to_owned()),
            ..AwsStatus::default()
        });
        assert_eq!((none.label.as_str(), none.tone), ("AWS: no credentials", Tone::Offline));
        assert!(none.detail.ends_with("the app works on the offline catalog."), "{}", none.detail);

        let expired = status_badge(&AwsStatus {
            credentials: true,
            problem: Some(AwsFailure::expired_credentials(Some("dev"), true)),
            ..AwsStatus::default()
        });
        assert_eq!((expired.label.as_str(), expired.tone), ("AWS: credentials expired", Tone::Problem));
    }

    const CHAIN: &str = "failed to load IMDS session token: service error: request forbidden (HTTP 403)";

    #[test]
    fn no_credentials_is_said_once_in_plain_words_with_the_sdk_chain_apart() {
        let failure = AwsFailure::no_credentials(Some(CHAIN));
        let badge = status_badge(&AwsStatus { problem: Some(failure), ..AwsStatus::default() });
        assert!(!badge.detail.contains("IMDS"), "the tooltip has no SDK chain: {}", badge.detail);
        assert_eq!(badge.detail.matches("offline catalog").count(), 1, "said once: {}", badge.detail);
    }
}
