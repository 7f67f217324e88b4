//! [`Aws::status`]: whether credentials were found and whom they belong to.
//!
//! Two steps, so the reason is plain when something is missing: ask the credential chain for
//! credentials (none, an SSO session that ended, a broken profile), then ask STS who they
//! belong to (GetCallerIdentity needs no permission, so it fails only for credentials AWS
//! rejects).

use std::time::{Duration, Instant};

use aws_sdk_bedrock::config::ProvideCredentials;
use bedrock_binder_shared::api::AwsStatus;
use bedrock_binder_shared::aws_failure::{AwsFailure, CallContext};

use super::Aws;
use super::error::{CallError, diagnose_credentials};

/// How long the credential chain may take. Off EC2 the chain's last step (IMDS) waits for a
/// connection that never comes; a status that hangs helps no one.
const CREDENTIALS_TIMEOUT: Duration = Duration::from_secs(10);

impl Aws {
    /// The status, reused for [`AwsSettings::status_ttl`](super::AwsSettings) unless `fresh`.
    pub async fn status_cached(&self, fresh: bool) -> AwsStatus {
        let mut cached = self.inner.status.lock().await;
        let ttl = self.settings().status_ttl;
        if !fresh
            && let Some((made, status)) = cached.as_ref()
            && made.elapsed() < ttl
        {
            return status.clone();
        }
        let status = self.status().await;
        *cached = Some((Instant::now(), status.clone()));
        status
    }

    /// The status: credentials, profile, region and account, or why not. Asks anew.
    pub async fn status(&self) -> AwsStatus {
        let config = self.config().await;
        let profile = self.profile_name();
        let mut status = AwsStatus {
            profile: profile.clone(),
            region: self.default_region().await.map(|region| region.to_string()),
            endpoint_overrides: self.endpoint_overrides().await,
            ..AwsStatus::default()
        };
        let Some(provider) = config.credentials_provider() else {
            status.problem = Some(AwsFailure::no_credentials(Some("no credential provider is configured")));
            return status;
        };
        match tokio::time::timeout(CREDENTIALS_TIMEOUT, provider.provide_credentials()).await {
            Err(_) => {
                status.problem =
                    Some(AwsFailure::no_credentials(Some("the credential chain did not answer within 10 seconds")));
                return status;
            }
            Ok(Err(error)) => {
                status.problem = Some(diagnose_credentials(&error, profile.as_deref()));
                return status;
            }
            Ok(Ok(credentials)) => {
                status.credentials = true;
                status.credentials_source = provider_name(&credentials);
            }
        }
        if status.region.is_none() {
            status.problem = Some(AwsFailure::no_region());
            return status;
        }
        match self.sts().await.get_caller_identity().send().await {
            Ok(identity) => {
                status.ok = true;
                status.account = identity.account().map(str::to_owned);
                status.caller_arn = identity.arn().map(str::to_owned);
            }
            Err(error) => {
                let status_of = |raw: &aws_sdk_sts::config::http::HttpResponse| Some(raw.status().as_u16());
                let error = CallError::from_any(error, status_of);
                status.problem =
                    Some(error.diagnose(&CallContext { region: status.region.as_deref(), ..CallContext::default() }));
            }
        }
        status
    }
}

/// Which provider of the chain produced the credentials (`Environment`, `ProfileFile`, `SSO`,
/// …). `Credentials` exposes this only through its `Debug`, which redacts the secret; it is a
/// label for people, so a format change costs only the label.
fn provider_name(credentials: &aws_sdk_bedrock::config::Credentials) -> Option<String> {
    let debug = format!("{credentials:?}");
    let start = debug.find("provider_name: \"")? + "provider_name: \"".len();
    let end = debug[start..].find('"')?;
    Some(debug[start..start + end].to_owned()).filter(|name| !name.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_provider_name_is_read_without_the_secret() {
        let credentials = aws_sdk_bedrock::config::Credentials::new("AKID", "secret", None, None, "Environment");
        assert_eq!(provider_name(&credentials).as_deref(), Some("Environment"));
        assert!(!format!("{credentials:?}").contains("secret\""), "the secret is redacted");
    }
}
