//! Talking to Amazon Bedrock: credentials and status, live discovery of models and profiles,
//! checks, test invocations and application inference profiles.
//!
//! [`Aws`] is the one handle the CLI and the server share. It loads the SDK configuration
//! lazily (the default chain: environment, `~/.aws/config` profiles including SSO and
//! `credential_process`, the container and instance metadata), so `serve` starts at once
//! without credentials and keeps working on the offline catalog. The standard endpoint
//! overrides (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_BEDROCK`, `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`,
//! `AWS_ENDPOINT_URL_STS`) are honoured by `aws-config` itself, which is also how the tests
//! point the real SDK at the fake Bedrock.
//!
//! | module | what |
//! |---|---|
//! | [`error`] | a failed SDK call reduced to what [`bedrock_binder_shared::aws_failure`] classifies |
//! | [`status`] | `GET /api/v1/aws/status`: credentials, region, account |
//! | [`discovery`] | ListFoundationModels and ListInferenceProfiles per region, concurrent, cached |
//! | [`saved_discoveries`] | what discovery found, saved for the next start |
//! | [`merge`], [`profile_suggestions`] | live data over the offline catalog, and ranked profile suggestions |
//! | [`invoke`] | Converse and ConverseStream through a binding |
//! | [`check`] | checking bindings without spending tokens |
//! | [`profiles`] | application inference profiles: create, list, delete |
//! | [`bind_required`] | the "bind all required" preview |
//!
//! No secret leaves this module: what it reports is the profile name, the region, the
//! account and the caller's ARN.

pub mod bind_required;
pub mod check;
pub mod discovery;
pub mod error;
pub mod gate;
pub mod invoke;
pub mod merge;
pub mod profile_suggestions;
pub mod profiles;
pub mod saved_discoveries;
pub mod status;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, SdkConfig};
use bedrock_binder_shared::Region;
use bedrock_binder_shared::api::AwsStatus;
use bedrock_binder_shared::aws_failure::AwsFailure;
use tokio::sync::OnceCell;

use self::discovery::Discovery;
use self::saved_discoveries::SavedDiscoveries;

/// The endpoint-override variables `aws-config` reads that matter here, reported by name in
/// the status so a user sees at once that calls go somewhere unusual.
pub const ENDPOINT_OVERRIDES: [&str; 5] = [
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_BEDROCK",
    "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_CLOUDWATCH",
];

/// The `maxTokens` of a test invocation when the request names none.
pub const DEFAULT_MAX_TOKENS: u32 = 64;

/// What the AWS side is allowed to do, and how.
#[derive(Debug, Clone)]
pub struct AwsSettings {
    /// A named profile of `~/.aws/config` (`--profile`/`AWS_PROFILE`); `None` for the default.
    pub profile: Option<String>,
    /// The region (`--region`/`AWS_REGION`); `None` lets the chain decide (profile, IMDS).
    pub region: Option<Region>,
    /// The largest `maxTokens` a test invocation through the server may ask for.
    pub max_tokens_ceiling: u32,
    /// How long discovered data is reused.
    pub cache_ttl: Duration,
    /// How long a status answer (one STS GetCallerIdentity) is reused: every page load asks
    /// for it, and a team server should not call STS per visitor. `GET /aws/status?fresh=true`
    /// ("Check again") asks anew.
    pub status_ttl: Duration,
    /// How many regions are fetched at once.
    pub concurrency: usize,
    /// Where discovered regions are saved for the next start (`None`: kept in memory only).
    pub saved_discoveries: Option<SavedDiscoveries>,
    /// `maxResults` for ListInferenceProfiles; `None` leaves it to the service (1000). Tests
    /// set a small one to exercise pagination.
    pub page_size: Option<i32>,
}

impl Default for AwsSettings {
    fn default() -> Self {
        AwsSettings {
            profile: None,
            region: None,
            max_tokens_ceiling: 1024,
            cache_ttl: Duration::from_secs(15 * 60),
            status_ttl: Duration::from_secs(60),
            // Bedrock is in about 30 regions; 16 at once keeps a full refresh to two rounds
            // without opening dozens of connections.
            concurrency: 16,
            page_size: None,
            saved_discoveries: None,
        }
    }
}

/// What makes an environment's AWS its own: a named profile and a region.
type ScopeKey = (Option<String>, Option<Region>);

/// A region's clients: Bedrock (control plane) and Bedrock Runtime. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RegionClients {
    /// `bedrock.{region}`.
    pub bedrock: aws_sdk_bedrock::Client,
    /// `bedrock-runtime.{region}`.
    pub runtime: aws_sdk_bedrockruntime::Client,
}

/// Where the SDK configuration comes from.
enum Source {
    /// The default chain, with the settings' profile and region: loaded on first use.
    Chain,
    /// Given whole (tests: an endpoint, static credentials, no retries).
    Given,
}

struct Inner {
    settings: AwsSettings,
    source: Source,
    config: OnceCell<SdkConfig>,
    /// One set of clients per region, built on first use: a client owns its connection pool,
    /// so reusing it keeps connections warm between calls.
    clients: Mutex<HashMap<Region, RegionClients>>,
    discovery: Discovery,
    /// The last status and when it was made. An async mutex, held while STS is asked, so a
    /// burst of page loads makes one call rather than one each.
    status: tokio::sync::Mutex<Option<(Instant, AwsStatus)>>,
    /// The handles of environments with their own profile or region ([`Aws::scoped`]).
    scoped: Mutex<HashMap<ScopeKey, Aws>>,
    /// CloudWatch reads for usage reports, reused for a few minutes.
    usage: crate::usage::cache::UsageCache,
}

/// The handle to AWS. Cheap to clone; clones share the configuration, the clients and the
/// discovery cache.
#[derive(Clone)]
pub struct Aws {
    inner: Arc<Inner>,
}

impl fmt::Debug for Aws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Aws").field("settings", &self.inner.settings).finish_non_exhaustive()
    }
}

/// Locks a mutex; a panic while it was held leaves data that is still usable here (caches and
/// progress), so poisoning is ignored.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Aws {
    /// AWS through the default credential chain, loaded on first use.
    pub fn from_chain(settings: AwsSettings) -> Aws {
        Aws::new(settings, Source::Chain, OnceCell::new())
    }

    /// AWS through a configuration built elsewhere (tests point it at the fake Bedrock). The
    /// settings' profile and region are for display only; the configuration's region is the
    /// default region.
    pub fn from_config(config: SdkConfig, settings: AwsSettings) -> Aws {
        Aws::new(settings, Source::Given, OnceCell::new_with(Some(config)))
    }

    fn new(settings: AwsSettings, source: Source, config: OnceCell<SdkConfig>) -> Aws {
        let aws = Aws {
            inner: Arc::new(Inner {
                settings,
                source,
                config,
                clients: Mutex::new(HashMap::new()),
                discovery: Discovery::default(),
                status: tokio::sync::Mutex::new(None),
                scoped: Mutex::new(HashMap::new()),
                usage: crate::usage::cache::UsageCache::default(),
            }),
        };
        aws.load_saved();
        aws
    }

    /// AWS as an environment sees it: its named `profile` and its `region` in place of the
    /// settings' (each only if given). Made once per pair and reused, so each environment
    /// keeps its clients, status and discovery cache, and never shares another account's.
    pub fn scoped(&self, profile: Option<String>, region: Option<Region>) -> Aws {
        if profile.is_none() && region.is_none() {
            return self.clone();
        }
        let key = (profile.clone(), region.clone());
        if let Some(aws) = lock(&self.inner.scoped).get(&key) {
            return aws.clone();
        }
        let mut settings = self.inner.settings.clone();
        if profile.is_some() && profile != settings.profile {
            // Discoveries are saved per profile: another account's models are not ours.
            if settings.saved_discoveries.is_some() {
                settings.saved_discoveries = SavedDiscoveries::in_user_cache(profile.as_deref());
            }
            settings.profile = profile;
        }
        if region.is_some() {
            settings.region = region.clone();
        }
        let aws = match (&self.inner.source, self.inner.config.get()) {
            // A configuration given whole (tests) has no profiles to load; only its region moves.
            (Source::Given, Some(config)) => {
                let mut builder = config.to_builder();
                if let Some(region) = &region {
                    builder.set_region(Some(aws_config::Region::new(region.as_str().to_owned())));
                }
                Aws::from_config(builder.build(), settings)
            }
            _ => Aws::from_chain(settings),
        };
        lock(&self.inner.scoped).entry(key).or_insert(aws).clone()
    }

    /// The settings.
    pub fn settings(&self) -> &AwsSettings {
        &self.inner.settings
    }

    pub(crate) fn discovery(&self) -> &Discovery {
        &self.inner.discovery
    }

    /// The CloudWatch reads of this account's usage reports.
    pub(crate) fn usage_cache(&self) -> &crate::usage::cache::UsageCache {
        &self.inner.usage
    }

    /// The SDK configuration, loading it on the first call. Loading reads the environment and
    /// `~/.aws/config`; credentials themselves are resolved lazily by the SDK, per call.
    pub async fn config(&self) -> &SdkConfig {
        self.inner
            .config
            .get_or_init(|| async {
                let settings = &self.inner.settings;
                let mut loader = aws_config::defaults(BehaviorVersion::latest());
                if let Some(profile) = &settings.profile {
                    loader = loader.profile_name(profile);
                }
                if let Some(region) = &settings.region {
                    loader = loader.region(aws_config::Region::new(region.as_str().to_owned()));
                }
                loader.load().await
            })
            .await
    }

    /// The region calls go to when none is named: the settings', else the chain's.
    pub async fn default_region(&self) -> Option<Region> {
        if let Some(region) = &self.inner.settings.region
            && matches!(self.inner.source, Source::Chain)
        {
            return Some(region.clone());
        }
        self.config().await.region().and_then(|region| region.as_ref().parse().ok())
    }

    /// `region` if given, else the default region; a diagnosis when there is neither.
    pub async fn region_or_default(&self, region: Option<Region>) -> Result<Region, AwsFailure> {
        match region {
            Some(region) => Ok(region),
            None => self.default_region().await.ok_or_else(AwsFailure::no_region),
        }
    }

    /// The named profile in use: the settings', else `AWS_PROFILE`.
    pub fn profile_name(&self) -> Option<String> {
        match self.inner.source {
            Source::Chain => self
                .inner
                .settings
                .profile
                .clone()
                .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty())),
            Source::Given => self.inner.settings.profile.clone(),
        }
    }

    /// The endpoint overrides in effect, by name.
    pub async fn endpoint_overrides(&self) -> Vec<String> {
        match self.inner.source {
            Source::Chain => ENDPOINT_OVERRIDES
                .iter()
                .filter(|name| std::env::var_os(name).is_some_and(|value| !value.is_empty()))
                .map(|name| (*name).to_owned())
                .collect(),
            Source::Given => {
                self.config().await.endpoint_url().map(|_| vec!["endpoint_url".to_owned()]).unwrap_or_default()
            }
        }
    }

    /// The clients for `region`, built once and reused.
    pub async fn clients(&self, region: &Region) -> RegionClients {
        if let Some(clients) = lock(&self.inner.clients).get(region) {
            return clients.clone();
        }
        let config = self.config().await;
        let sdk_region = aws_config::Region::new(region.as_str().to_owned());
        let bedrock = aws_sdk_bedrock::Client::from_conf(
            aws_sdk_bedrock::config::Builder::from(config).region(sdk_region.clone()).build(),
        );
        let runtime = aws_sdk_bedrockruntime::Client::from_conf(
            aws_sdk_bedrockruntime::config::Builder::from(config).region(sdk_region).build(),
        );
        let clients = RegionClients { bedrock, runtime };
        lock(&self.inner.clients).entry(region.clone()).or_insert(clients).clone()
    }

    /// The STS client for the default region (GetCallerIdentity).
    pub(crate) async fn sts(&self) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::new(self.config().await)
    }
}

/// Seconds since the Unix epoch, now.
pub(crate) fn now_epoch_seconds() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

/// `2026-11-23T13:05:00Z` for seconds since the Unix epoch, for people.
pub fn format_time(epoch_seconds: u64) -> String {
    let seconds = i64::try_from(epoch_seconds).unwrap_or(i64::MAX);
    aws_sdk_bedrock::primitives::DateTime::from_secs(seconds)
        .fmt(aws_sdk_bedrock::primitives::DateTimeFormat::DateTime)
        .unwrap_or_else(|_| epoch_seconds.to_string())
}
