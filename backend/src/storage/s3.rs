//! [`S3Store`]: the environments in an S3 bucket (`--store s3://BUCKET/PREFIX`), so that
//! several replicas of `serve` can share one store.
//!
//! ```text
//! PREFIX/envs/NAME/inference.txt                 the environment's file, byte for byte
//! PREFIX/envs/NAME/settings.json                 its settings
//! PREFIX/envs/NAME/history/000000000001.json     its history, one immutable object per entry
//! ```
//!
//! The layout is the local store's ([`LocalDirStore`](super::LocalDirStore)), so a copy of
//! one is a copy of the other.
//!
//! # Every write is conditional
//! A replace is a `PutObject` with `If-Match: <the ETag read>`, and a create is one with
//! `If-None-Match: *`. S3 checks the condition and stores the object as one step, which is
//! what the local store's lock gives it. A `412 Precondition Failed` becomes
//! [`StorageError::Conflict`] (the text, the settings), [`StorageError::SeqTaken`] (a history
//! entry) or [`StorageError::AlreadyExists`] (a create): the writer re-reads and decides
//! again, nothing here retries over another writer's object. The SDK's own retries (throttling,
//! 5xx, a dropped connection) are safe because every write carries its condition: a retry of a
//! write that did land is refused, never applied twice. The one thing retried here is S3's
//! `409 ConditionalRequestConflict` ("another conditional write to this key is in flight"),
//! which S3 asks clients to retry, with the same condition.
//!
//! # Versions are not ETags
//! A [`Version`] is the SHA-256 of the stored bytes ([`version_of`]), the same on every store;
//! an ETag is S3's name for one stored object. A conditional write therefore reads the object
//! (body and ETag), checks that the body's version is the one the caller names, and puts with
//! `If-Match` on that ETag: whatever is written between the read and the put changes the
//! ETag, and S3 refuses the put.
//!
//! # Create
//! The settings are written before the text, and the text create-if-absent is the commit
//! point (as [`Storage::create`] says). Settings with no text belong to no environment and are
//! replaced, conditionally on the ETag read *before* checking that the text is absent. Two
//! creates of one environment racing: exactly one creates the text, the other gets
//! [`StorageError::AlreadyExists`] (or [`StorageError::Conflict`] if it is refused at its
//! settings write). The loser may have replaced the winner's settings between the winner's two
//! writes; on losing, it puts back the settings it replaced (conditional on its own ETag, so
//! nothing written since is touched). Only a loser that dies between those two steps leaves
//! the winner with the loser's settings, and the winner's committed history then shows no
//! settings for that create.
//!
//! # Delete
//! The text is deleted after checking its version, with `DeleteObject` carrying `If-Match` on
//! the ETag read. AWS S3 honours it (a changed text gives 412, reported as a conflict), and so
//! does moto. An S3-compatible server that ignores the header leaves a race of one round trip:
//! a write that replaces the text between the version check and the delete is deleted with it
//! although its writer was told it succeeded (its history entry then reads as not committed).
//! The settings are deleted after the text, unconditionally: without the text they belong to
//! no environment, and the next create replaces them.
//!
//! # A blocking interface over the async SDK
//! [`Storage`] is synchronous: the server calls it from `spawn_blocking`, the CLI from plain
//! threads with no runtime. The store therefore owns a small tokio runtime of its own (two
//! worker threads) on which every SDK call runs; a call spawns its future there and waits for
//! the answer on a channel. It never calls `block_on`, which panics on a thread that is
//! already inside a runtime (the server's blocking pool is), and the SDK's connection pool and
//! timers live on one runtime for the store's whole life instead of whichever runtime happened
//! to call. Dropping the store shuts its runtime down in the background, so that too is safe
//! from any thread.
//!
//! # Errors
//! `NoSuchBucket`, `AccessDenied`, refused or missing credentials, the wrong region and
//! connection failures become [`StorageError::Backend`], naming the object (`s3://BUCKET/KEY`),
//! the operation, the region and the endpoint, and for a refusal the permission that is
//! missing; never a secret. [`S3Store::check_access`] asks the questions `serve` needs answered
//! before it starts.

use std::fmt;
use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{RequestChecksumCalculation, ResponseChecksumValidation};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use bedrock_binder_shared::Region;
use bedrock_binder_shared::Version;
use bedrock_binder_shared::env_name::EnvName;
use futures_util::{StreamExt as _, TryStreamExt as _, future, stream};

use super::{EnvSettings, EnvState, HistoryEntry, RecordKind, Seq, Storage, StorageError, StoredEnv, settings_bytes};
use crate::store::version_of;

/// The environment's file, as TPipe reads it.
const TEXT_FILE: &str = "inference.txt";
/// The environment's settings.
const SETTINGS_FILE: &str = "settings.json";
/// The "directory" of history entries.
const HISTORY_DIR: &str = "history";
/// Digits in a history entry's name, as in the local store.
const SEQ_DIGITS: usize = 12;
/// The object [`S3Store::check_access`] probes, beside `envs/` so no listing meets it. It is
/// never written on a server that honours `If-Match`.
const ACCESS_CHECK_KEY: &str = "bedrock-binder-access-check";
/// The ETag the access check names: no object has it.
const NO_SUCH_ETAG: &str = "\"bedrock-binder-no-such-etag\"";
/// Objects fetched at once when reading a history or checking a listing.
const CONCURRENT_READS: usize = 16;
/// Attempts at a conditional write that S3 answers with `409 ConditionalRequestConflict`.
const BUSY_ATTEMPTS: u32 = 4;
/// The longest prefix accepted, in bytes: a key is at most 1,024 bytes, and the longest key
/// below the prefix (`envs/<32>/history/<12>.json`) takes 63 of them.
const MAX_PREFIX_BYTES: usize = 900;
/// Worker threads of the store's own runtime. The work is waiting on the network; two keep
/// one slow TLS handshake or XML parse from holding up every other call.
const WORKER_THREADS: usize = 2;
/// One attempt at an S3 call, and a call with all its retries: the store blocks a thread
/// while it waits, so a hung connection must not block it for ever.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
const OPERATION_TIMEOUT: Duration = Duration::from_secs(30);

/// Where a store lives: `s3://BUCKET/PREFIX`, with a valid bucket name and a prefix that is
/// empty or ends with `/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct S3Location {
    bucket: String,
    prefix: String,
}

/// Why a text is not an S3 location; the message quotes it and says what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum S3LocationError {
    /// It does not start with `s3://`.
    #[error("`{0}` is not an S3 location: write s3://BUCKET or s3://BUCKET/PREFIX")]
    NotS3(String),
    /// The bucket name breaks S3's rules.
    #[error("`{location}`: the bucket name `{bucket}` {problem}")]
    Bucket {
        /// The whole location as given.
        location: String,
        /// The bucket part.
        bucket: String,
        /// What is wrong with it, as the end of a sentence.
        problem: String,
    },
    /// The prefix cannot hold a store.
    #[error("`{location}`: the prefix `{prefix}` {problem}")]
    Prefix {
        /// The whole location as given.
        location: String,
        /// The prefix part.
        prefix: String,
        /// What is wrong with it, as the end of a sentence.
        problem: String,
    },
}

impl S3Location {
    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The key prefix: empty, or ending with `/`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }
}

impl fmt::Display for S3Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

/// What is wrong with a bucket name under S3's rules for general purpose buckets, if anything.
fn bucket_problem(bucket: &str) -> Option<String> {
    if bucket.is_empty() {
        return Some("is missing".to_owned());
    }
    if !(3..=63).contains(&bucket.len()) {
        return Some(format!("must be 3 to 63 characters long (it has {})", bucket.len()));
    }
    if let Some(bad) =
        bucket.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '.' || *c == '-'))
    {
        return Some(format!("may hold only lower-case letters, digits, `.` and `-`, not `{bad}`"));
    }
    let alphanumeric = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !alphanumeric(bucket.chars().next()) || !alphanumeric(bucket.chars().last()) {
        return Some("must begin and end with a letter or a digit".to_owned());
    }
    if bucket.contains("..") {
        return Some("must not hold two `.` in a row".to_owned());
    }
    if bucket.parse::<std::net::Ipv4Addr>().is_ok() {
        return Some("must not be an IP address".to_owned());
    }
    for reserved in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if bucket.starts_with(reserved) {
            return Some(format!("must not start with `{reserved}`, which S3 reserves"));
        }
    }
    for reserved in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if bucket.ends_with(reserved) {
            return Some(format!("must not end with `{reserved}`, which S3 reserves"));
        }
    }
    None
}

/// What is wrong with a key prefix, if anything. S3 takes nearly any key; these refusals keep
/// the store's keys readable and the same as the local store's paths.
fn prefix_problem(prefix: &str) -> Option<String> {
    if prefix.len() > MAX_PREFIX_BYTES {
        return Some(format!(
            "is {} bytes long; at most {MAX_PREFIX_BYTES} leave room for the store's keys",
            prefix.len()
        ));
    }
    if prefix.chars().any(char::is_control) {
        return Some("must not hold control characters".to_owned());
    }
    let parts = prefix.strip_suffix('/').unwrap_or(prefix);
    for part in parts.split('/') {
        match part {
            "" => return Some("has an empty part (`//`, or a leading `/`)".to_owned()),
            "." | ".." => return Some(format!("must not have `{part}` as a part")),
            _ => {}
        }
    }
    None
}

impl FromStr for S3Location {
    type Err = S3LocationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let Some(rest) = text.strip_prefix("s3://") else { return Err(S3LocationError::NotS3(text.to_owned())) };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if let Some(problem) = bucket_problem(bucket) {
            return Err(S3LocationError::Bucket { location: text.to_owned(), bucket: bucket.to_owned(), problem });
        }
        if prefix.is_empty() {
            return Ok(S3Location { bucket: bucket.to_owned(), prefix: String::new() });
        }
        if let Some(problem) = prefix_problem(prefix) {
            return Err(S3LocationError::Prefix { location: text.to_owned(), prefix: prefix.to_owned(), problem });
        }
        let mut prefix = prefix.to_owned();
        if !prefix.ends_with('/') {
            prefix.push('/');
        }
        Ok(S3Location { bucket: bucket.to_owned(), prefix })
    }
}

/// Whether an endpoint wants path-style requests (`http://HOST/BUCKET/KEY`): a server at an
/// IP address or on `localhost` (moto, MinIO, a test) has no per-bucket host names.
fn wants_path_style(endpoint: &str) -> bool {
    let rest = endpoint.split_once("://").map_or(endpoint, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = match host_port.strip_prefix('[') {
        // An IPv6 literal: `[::1]:9000`.
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok()
}

/// An S3 request that failed, in words: the operation, the region, the endpoint and what went
/// wrong. Never a credential.
#[derive(Debug, thiserror::Error)]
#[error("{operation} failed (region {region}, {endpoint}): {reason}")]
struct S3Error {
    operation: &'static str,
    region: String,
    endpoint: String,
    reason: String,
}

/// The store's own runtime, on which every SDK call runs (see the module documentation).
#[derive(Debug)]
struct Bridge {
    /// Always `Some` until dropped.
    runtime: Option<tokio::runtime::Runtime>,
}

impl Bridge {
    fn new() -> std::io::Result<Bridge> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(WORKER_THREADS)
            .thread_name("s3-store")
            .enable_all()
            .build()?;
        Ok(Bridge { runtime: Some(runtime) })
    }

    /// Runs `task` on the store's runtime and waits for it on this thread, which may be any
    /// thread but one of the runtime's own. `None` if the task never answered (it panicked).
    fn run<T: Send + 'static>(&self, task: impl Future<Output = T> + Send + 'static) -> Option<T> {
        let runtime = self.runtime.as_ref()?;
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        runtime.spawn(async move {
            // The receiver only goes away if the waiting thread did; then nobody wants this.
            let _ = sender.send(task.await);
        });
        receiver.recv().ok()
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        // Dropping a runtime blocks until its workers stop, which panics inside another
        // runtime (a store dropped by an async task). Shutting down in the background does not.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// The environments under one S3 location. Cheap to clone; clones share the client and the
/// runtime.
#[derive(Debug, Clone)]
pub struct S3Store {
    inner: Arc<Inner>,
    bridge: Arc<Bridge>,
    cache: Arc<ReadCache>,
}

/// How long a read is reused before it is revalidated, unless configured otherwise.
pub const DEFAULT_READ_TTL: Duration = Duration::from_secs(1);

/// Each environment's objects as last read. [`Storage::read_recent`] and
/// [`Storage::unchanged_text_version`] reuse them for `ttl`; after that, and for every
/// [`Storage::read`], they are revalidated with a conditional `GetObject` (`If-None-Match`),
/// which costs S3 a 304 and no body when nothing changed. Any write, won or lost, drops the
/// environment's entry, so this replica sees its own writes and a lost race's winner at once.
#[derive(Debug)]
struct ReadCache {
    ttl: Duration,
    /// Each environment's objects, with the text's version worked out once (the apps' 304
    /// path asks for it on every request).
    entries: std::sync::Mutex<std::collections::HashMap<EnvName, (CachedEnv, Option<Version>)>>,
    /// One lock per environment, held while its expired copy is revalidated: the requests
    /// that find it expired meanwhile wait for that one answer instead of each asking S3.
    revalidating: std::sync::Mutex<std::collections::HashMap<EnvName, Arc<std::sync::Mutex<()>>>>,
    /// The last failed revalidation of each environment: when, and why. Requests that waited
    /// for it fail with it too, rather than each waiting for S3 to fail again in turn.
    failed: std::sync::Mutex<std::collections::HashMap<EnvName, (std::time::Instant, String, String)>>,
}

/// One environment's objects, when they were last confirmed current.
#[derive(Debug, Clone)]
struct CachedEnv {
    confirmed: std::time::Instant,
    text: Option<Object>,
    settings: Option<Object>,
}

/// A conditional read's answer.
enum Revalidated {
    /// The object still has the ETag given.
    Unchanged,
    /// The object now (`None`: there is none).
    Now(Option<Object>),
}

impl ReadCache {
    fn new(ttl: Duration) -> ReadCache {
        ReadCache {
            ttl,
            entries: std::sync::Mutex::default(),
            revalidating: std::sync::Mutex::default(),
            failed: std::sync::Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<EnvName, (CachedEnv, Option<Version>)>> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, env: &EnvName) -> Option<CachedEnv> {
        self.lock().get(env).map(|(cached, _)| cached.clone())
    }

    fn fresh(&self, env: &EnvName) -> Option<CachedEnv> {
        self.get(env).filter(|cached| cached.confirmed.elapsed() < self.ttl)
    }

    /// The text's version, if the copy is fresh and has a text.
    fn fresh_text_version(&self, env: &EnvName) -> Option<Version> {
        let entries = self.lock();
        let (cached, version) = entries.get(env)?;
        (cached.confirmed.elapsed() < self.ttl).then(|| version.clone()).flatten()
    }

    fn put(&self, env: &EnvName, cached: CachedEnv) {
        let version = cached.text.as_ref().map(|text| version_of(&text.bytes));
        self.lock().insert(env.clone(), (cached, version));
    }

    fn record_failure(&self, env: &EnvName, error: &StorageError) {
        let (location, reason) = match error {
            StorageError::Backend { location, source } => (location.clone(), source.to_string()),
            other => (String::new(), other.to_string()),
        };
        let mut failed = self.failed.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        failed.insert(env.clone(), (std::time::Instant::now(), location, reason));
    }

    /// The failure of a revalidation that ended after `since`, as this request's own error.
    fn failed_since(&self, env: &EnvName, since: std::time::Instant) -> Option<StorageError> {
        let failed = self.failed.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (_, location, reason) = failed.get(env).filter(|(at, _, _)| *at >= since)?;
        Some(StorageError::Backend { location: location.clone(), source: reason.clone().into() })
    }

    /// The lock that makes one request at a time revalidate `env`.
    fn revalidation_lock(&self, env: &EnvName) -> Arc<std::sync::Mutex<()>> {
        let mut locks = self.revalidating.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(locks.entry(env.clone()).or_default())
    }

    fn forget(&self, env: &EnvName) {
        self.lock().remove(env);
    }
}

/// What the async side of the store needs; moved into each task as an `Arc`.
#[derive(Debug)]
struct Inner {
    client: Client,
    location: S3Location,
    /// For messages: the region requests are signed for.
    region: String,
    /// For messages: `endpoint URL` or `the AWS endpoint`.
    endpoint: String,
}

/// An object as read: its bytes and the ETag to make a write conditional on.
#[derive(Debug, Clone)]
struct Object {
    bytes: Vec<u8>,
    etag: String,
}

/// The condition a write carries.
enum Condition {
    /// `If-Match`: only over the object with this ETag.
    Matches(String),
    /// `If-None-Match: *`: only where there is no object.
    Absent,
}

/// How a conditional write ended, when S3 answered it.
enum Written {
    /// Stored; with the new object's ETag if S3 sent one.
    Stored(Option<String>),
    /// The condition did not hold (412, or 404 for `If-Match` on a missing object); nothing
    /// was written.
    Refused,
}

/// A failed SDK call, sorted into what the store acts on and what it reports.
enum Failure {
    /// 412: a condition did not hold.
    Precondition,
    /// 409 `ConditionalRequestConflict`: another conditional write to the key is in flight.
    Busy,
    /// 404 for the key itself (not for the bucket).
    Missing,
    /// Anything else, as the error to report.
    Other(StorageError),
}

impl S3Store {
    /// The store at `location`, with the default credential chain and region (the environment,
    /// `~/.aws/config` with `profile` if given, the container and instance metadata), `region`
    /// overriding the chain's. `AWS_ENDPOINT_URL_S3` (or `AWS_ENDPOINT_URL`) points it at an
    /// S3-compatible server; an endpoint on an IP address or `localhost` is addressed
    /// path-style. Reads no object: call [`check_access`](Self::check_access) to know that the
    /// bucket answers.
    pub fn connect(
        location: S3Location,
        profile: Option<&str>,
        region: Option<&Region>,
    ) -> Result<S3Store, StorageError> {
        let bridge = Bridge::new()
            .map_err(|source| StorageError::Backend { location: location.to_string(), source: Box::new(source) })?;
        let profile = profile.map(str::to_owned);
        let region = region.map(|region| aws_config::Region::new(region.as_str().to_owned()));
        let config = bridge
            .run(async move {
                let mut loader = aws_config::defaults(BehaviorVersion::latest());
                if let Some(profile) = profile {
                    loader = loader.profile_name(profile);
                }
                if let Some(region) = region {
                    loader = loader.region(region);
                }
                loader.load().await
            })
            .ok_or_else(|| lost(&location.to_string()))?;
        // The SDK applies the S3-specific override itself; it is read here only to choose the
        // addressing style and to name the endpoint in messages. (An endpoint set only in a
        // profile's `services` section is used by the SDK but not seen here: it gets
        // virtual-hosted addressing.)
        let endpoint = std::env::var("AWS_ENDPOINT_URL_S3")
            .ok()
            .filter(|url| !url.is_empty())
            .or_else(|| config.endpoint_url().map(str::to_owned));
        S3Store::build(location, &config, endpoint, bridge)
    }

    /// The store at `location` with an SDK configuration given whole (region, credentials and
    /// endpoint in it): for tests, and for a caller that already has one.
    pub fn with_config(location: S3Location, config: &SdkConfig) -> Result<S3Store, StorageError> {
        let bridge = Bridge::new()
            .map_err(|source| StorageError::Backend { location: location.to_string(), source: Box::new(source) })?;
        S3Store::build(location, config, config.endpoint_url().map(str::to_owned), bridge)
    }

    fn build(
        location: S3Location,
        config: &SdkConfig,
        endpoint: Option<String>,
        bridge: Bridge,
    ) -> Result<S3Store, StorageError> {
        let Some(region) = config.region().map(|region| region.as_ref().to_owned()) else {
            return Err(StorageError::Backend {
                location: location.to_string(),
                source: "no AWS region is configured for the bucket: set AWS_REGION (or the profile's region) to the bucket's region".into(),
            });
        };
        // Bounded calls, unless the configuration bounds them already.
        let timeouts = config
            .timeout_config()
            .map_or_else(TimeoutConfig::builder, TimeoutConfig::to_builder)
            .take_unset_from(
                TimeoutConfig::builder()
                    .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                    .operation_timeout(OPERATION_TIMEOUT),
            )
            .build();
        let mut builder = aws_sdk_s3::config::Builder::from(config)
            .timeout_config(timeouts)
            // Checksums only where S3 requires them: S3-compatible servers differ in which
            // (and whether chunked) checksums they take, and TLS already guards the bytes.
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
        if endpoint.as_deref().is_some_and(wants_path_style) {
            builder = builder.force_path_style(true);
        }
        let endpoint = endpoint.map_or_else(|| "the AWS endpoint".to_owned(), |url| format!("endpoint {url}"));
        let client = Client::from_conf(builder.build());
        Ok(S3Store {
            inner: Arc::new(Inner { client, location, region, endpoint }),
            bridge: Arc::new(bridge),
            cache: Arc::new(ReadCache::new(DEFAULT_READ_TTL)),
        })
    }

    /// The same store reusing a read for `ttl` before revalidating it (zero: every read asks
    /// S3).
    #[must_use]
    pub fn with_read_ttl(mut self, ttl: Duration) -> Self {
        self.cache = Arc::new(ReadCache::new(ttl));
        self
    }

    /// The environment's objects: cached while fresh (if `recent` will do), else revalidated
    /// or read.
    fn objects(&self, env: &EnvName, recent: bool) -> Result<CachedEnv, StorageError> {
        if recent && let Some(cached) = self.cache.fresh(env) {
            return Ok(cached);
        }
        // Single flight: of the requests that found the copy expired, one asks S3 and the
        // others then find it fresh. (Writes and the history always ask.)
        let waited_from = std::time::Instant::now();
        let lock = recent.then(|| self.cache.revalidation_lock(env));
        let _revalidating = lock.as_ref().map(|lock| lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        if recent {
            if let Some(cached) = self.cache.fresh(env) {
                return Ok(cached);
            }
            if let Some(failure) = self.cache.failed_since(env, waited_from) {
                return Err(failure);
            }
        }
        let stale = self.cache.get(env);
        let env_owned = env.clone();
        let cached = self.run(|inner| async move { inner.revalidate(&env_owned, stale).await });
        let cached = cached.inspect_err(|error| self.cache.record_failure(env, error))?;
        self.cache.put(env, cached.clone());
        Ok(cached)
    }

    /// Where the store lives.
    pub fn location(&self) -> &S3Location {
        &self.inner.location
    }

    /// Asks S3 what `serve` needs before it starts, changing nothing: that the bucket exists
    /// and these credentials may list the prefix (`s3:ListBucket`), read under it
    /// (`s3:GetObject`) and write under it (`s3:PutObject`), and that the server honours
    /// `If-Match` on writes. The write is a `PutObject` with an `If-Match` no object can
    /// satisfy: a server that honours it refuses it (after checking the permission), so
    /// nothing is written. Deleting an environment also needs `s3:DeleteObject`, which cannot
    /// be asked without deleting something.
    pub fn check_access(&self) -> Result<(), StorageError> {
        self.run(|inner| async move { inner.check_access().await })
    }

    /// Runs an operation of the store on its runtime and waits for the answer.
    fn run<T, F>(&self, operation: impl FnOnce(Arc<Inner>) -> F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, StorageError>> + Send + 'static,
    {
        self.bridge
            .run(operation(Arc::clone(&self.inner)))
            .unwrap_or_else(|| Err(lost(&self.inner.location.to_string())))
    }
}

/// An error and its sources, as one line of their messages (what the SDK's
/// `DisplayErrorContext` gives, without its debug dump). The SDK's messages name the
/// credential providers it tried, never a secret.
fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let message = cause.to_string();
        // Wrappers often repeat their source's message.
        if !line.ends_with(&message) {
            line.push_str(": ");
            line.push_str(&message);
        }
        source = cause.source();
    }
    line
}

/// Whether the call failed because no credentials could be had (the SDK reports that as a
/// dispatch failure, like a refused connection).
fn credentials_failed(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(error);
    while let Some(cause) = source {
        if cause.is::<aws_credential_types::provider::error::CredentialsError>() {
            return true;
        }
        source = cause.source();
    }
    false
}

/// The error for a call whose task ended without an answer.
fn lost(location: &str) -> StorageError {
    StorageError::Backend {
        location: location.to_owned(),
        source: "the S3 call stopped without an answer (the store's runtime is shutting down or the call panicked)"
            .into(),
    }
}

impl Inner {
    fn env_key(&self, env: &EnvName, file: &str) -> String {
        format!("{}envs/{}/{file}", self.location.prefix, env.as_str())
    }

    fn history_prefix(&self, env: &EnvName) -> String {
        self.env_key(env, &format!("{HISTORY_DIR}/"))
    }

    fn history_key(&self, env: &EnvName, seq: Seq) -> String {
        format!("{}{:0width$}.json", self.history_prefix(env), seq.get(), width = SEQ_DIGITS)
    }

    /// `s3://BUCKET/KEY`, for messages.
    fn url(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.location.bucket)
    }

    fn corrupt(&self, key: &str, detail: impl ToString) -> StorageError {
        StorageError::Corrupt { location: self.url(key), detail: detail.to_string() }
    }

    fn backend(&self, key: &str, operation: &'static str, reason: String) -> StorageError {
        StorageError::Backend {
            location: self.url(key),
            source: Box::new(S3Error {
                operation,
                region: self.region.clone(),
                endpoint: self.endpoint.clone(),
                reason,
            }),
        }
    }

    /// Sorts a failed call on `key` into what the store acts on and what it reports. The
    /// permission is the one the operation needs, named when S3 refuses it.
    fn classify<E>(
        &self,
        key: &str,
        operation: &'static str,
        permission: &str,
        error: SdkError<E, HttpResponse>,
    ) -> Failure
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let status = error.raw_response().map(|response| response.status().as_u16());
        let code = error.code().map(str::to_owned);
        let reason = match (status, code.as_deref()) {
            (Some(412), _) | (_, Some("PreconditionFailed")) => return Failure::Precondition,
            (_, Some("ConditionalRequestConflict")) => return Failure::Busy,
            (_, Some("NoSuchKey" | "NotFound")) | (Some(404), None) => return Failure::Missing,
            (_, Some("NoSuchBucket")) => format!("the bucket `{}` does not exist", self.location.bucket),
            (_, Some("AccessDenied" | "AllAccessDisabled")) | (Some(403), None | Some("Forbidden")) => format!(
                "access denied: the credentials in use lack {permission} on this key, or a bucket policy refuses it"
            ),
            (_, Some(code @ ("InvalidAccessKeyId" | "SignatureDoesNotMatch" | "ExpiredToken" | "InvalidToken"))) => {
                format!("S3 refused the credentials in use ({code})")
            }
            (_, Some("PermanentRedirect" | "AuthorizationHeaderMalformed" | "IllegalLocationConstraintException"))
            | (Some(301), _) => format!(
                "the bucket `{}` is not in region {}; set AWS_REGION to the bucket's region",
                self.location.bucket, self.region
            ),
            _ => match &error {
                SdkError::ServiceError(service) => {
                    let message = service.err().message().unwrap_or("no message");
                    format!(
                        "S3 answered {} {}: {message}",
                        status.map_or_else(|| "an error".to_owned(), |status| status.to_string()),
                        code.as_deref().unwrap_or("(no error code)")
                    )
                }
                SdkError::TimeoutError(_) => "no answer in time".to_owned(),
                _ if credentials_failed(&error) => format!("no usable AWS credentials: {}", causes(&error)),
                SdkError::DispatchFailure(_) => format!("cannot reach S3: {}", causes(&error)),
                _ => causes(&error),
            },
        };
        Failure::Other(self.backend(key, operation, reason))
    }

    /// The object at `key`, or `None` if there is none.
    async fn get(&self, key: &str) -> Result<Option<Object>, StorageError> {
        let output = match self.client.get_object().bucket(&self.location.bucket).key(key).send().await {
            Ok(output) => output,
            Err(error) => {
                return match self.classify(key, "GetObject", "s3:GetObject", error) {
                    Failure::Missing => Ok(None),
                    Failure::Other(error) => Err(error),
                    Failure::Precondition | Failure::Busy => {
                        Err(self.backend(key, "GetObject", "an unexpected precondition failure".to_owned()))
                    }
                };
            }
        };
        let Some(etag) = output.e_tag().map(str::to_owned) else {
            return Err(self.backend(key, "GetObject", "S3 sent no ETag, which conditional writes need".to_owned()));
        };
        let bytes = output
            .body
            .collect()
            .await
            .map_err(|error| self.backend(key, "GetObject", format!("the body was cut short: {error}")))?
            .into_bytes()
            .to_vec();
        Ok(Some(Object { bytes, etag }))
    }

    /// Whether there is an object at `key`.
    async fn exists(&self, key: &str) -> Result<bool, StorageError> {
        match self.client.head_object().bucket(&self.location.bucket).key(key).send().await {
            Ok(_) => Ok(true),
            Err(error) => match self.classify(key, "HeadObject", "s3:GetObject", error) {
                Failure::Missing => Ok(false),
                Failure::Other(error) => Err(error),
                Failure::Precondition | Failure::Busy => {
                    Err(self.backend(key, "HeadObject", "an unexpected precondition failure".to_owned()))
                }
            },
        }
    }

    /// Writes `bytes` at `key` only if `condition` holds.
    async fn put(&self, key: &str, bytes: &[u8], condition: &Condition) -> Result<Written, StorageError> {
        let content_type = if key.ends_with(".txt") { "text/plain; charset=utf-8" } else { "application/json" };
        let mut attempt = 1;
        loop {
            let request = self
                .client
                .put_object()
                .bucket(&self.location.bucket)
                .key(key)
                .content_type(content_type)
                .body(ByteStream::from(bytes.to_vec()));
            let request = match condition {
                Condition::Matches(etag) => request.if_match(etag),
                Condition::Absent => request.if_none_match("*"),
            };
            match request.send().await {
                Ok(output) => return Ok(Written::Stored(output.e_tag().map(str::to_owned))),
                Err(error) => match self.classify(key, "PutObject", "s3:PutObject", error) {
                    Failure::Precondition => return Ok(Written::Refused),
                    // `If-Match` on an object that is gone.
                    Failure::Missing => return Ok(Written::Refused),
                    Failure::Busy if attempt < BUSY_ATTEMPTS => {
                        tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
                        attempt += 1;
                    }
                    // Still in flight after the retries: the other write is likely to land.
                    Failure::Busy => return Ok(Written::Refused),
                    Failure::Other(error) => return Err(error),
                },
            }
        }
    }

    /// Deletes the object at `key` only if its ETag is `etag` (where the server honours that;
    /// see the module documentation).
    async fn delete_matching(&self, key: &str, etag: &str) -> Result<Written, StorageError> {
        let request = self.client.delete_object().bucket(&self.location.bucket).key(key).if_match(etag);
        match request.send().await {
            Ok(_) => Ok(Written::Stored(None)),
            Err(error) => match self.classify(key, "DeleteObject", "s3:DeleteObject", error) {
                Failure::Precondition | Failure::Missing | Failure::Busy => Ok(Written::Refused),
                Failure::Other(error) => Err(error),
            },
        }
    }

    /// Deletes the object at `key`, if there is one.
    async fn delete_any(&self, key: &str) -> Result<(), StorageError> {
        match self.client.delete_object().bucket(&self.location.bucket).key(key).send().await {
            Ok(_) => Ok(()),
            Err(error) => match self.classify(key, "DeleteObject", "s3:DeleteObject", error) {
                Failure::Missing => Ok(()),
                Failure::Other(error) => Err(error),
                Failure::Precondition | Failure::Busy => {
                    Err(self.backend(key, "DeleteObject", "another write to the key is in flight".to_owned()))
                }
            },
        }
    }

    /// Every key under `prefix` (with `delimiter`: the common prefixes one level down
    /// instead), across all pages, in no particular order.
    async fn list(&self, prefix: &str, delimiter: Option<&str>) -> Result<Vec<String>, StorageError> {
        let mut found = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .client
                .list_objects_v2()
                .bucket(&self.location.bucket)
                .prefix(prefix)
                .set_delimiter(delimiter.map(str::to_owned))
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|error| match self.classify(prefix, "ListObjectsV2", "s3:ListBucket", error) {
                    Failure::Other(error) => error,
                    _ => self.backend(prefix, "ListObjectsV2", "an unexpected answer".to_owned()),
                })?;
            if delimiter.is_some() {
                found.extend(page.common_prefixes().iter().filter_map(|common| common.prefix().map(str::to_owned)));
            } else {
                found.extend(page.contents().iter().filter_map(|object| object.key().map(str::to_owned)));
            }
            match page.next_continuation_token() {
                Some(next) if page.is_truncated() == Some(true) => token = Some(next.to_owned()),
                _ => return Ok(found),
            }
        }
    }

    async fn list_envs(&self) -> Result<Vec<EnvName>, StorageError> {
        let envs_prefix = format!("{}envs/", self.location.prefix);
        let candidates: Vec<EnvName> = self
            .list(&envs_prefix, Some("/"))
            .await?
            .iter()
            .filter_map(|common| common.strip_prefix(&envs_prefix)?.strip_suffix('/')?.parse().ok())
            .collect();
        // A "directory" is no environment without its text (deleted, or a create that died).
        let checked: Vec<(EnvName, bool)> = stream::iter(candidates)
            .map(|env| async move {
                let exists = self.exists(&self.env_key(&env, TEXT_FILE)).await?;
                Ok::<_, StorageError>((env, exists))
            })
            .buffered(CONCURRENT_READS)
            .try_collect()
            .await?;
        let mut names: Vec<EnvName> = checked.into_iter().filter_map(|(env, exists)| exists.then_some(env)).collect();
        // S3 lists in key order, but the trait promises name order whatever the backend does.
        names.sort();
        Ok(names)
    }

    /// The version of an object as read (`None`: no object, which reads as empty bytes, as
    /// missing settings do).
    fn version_of_object(object: Option<&Object>) -> Version {
        version_of(object.map_or(&[][..], |object| &object.bytes))
    }

    /// The environment's objects, asking S3 only whether `stale`'s changed, when given.
    async fn revalidate(&self, env: &EnvName, stale: Option<CachedEnv>) -> Result<CachedEnv, StorageError> {
        let text_key = self.env_key(env, TEXT_FILE);
        let settings_key = self.env_key(env, SETTINGS_FILE);
        let stale = stale.unwrap_or(CachedEnv { confirmed: std::time::Instant::now(), text: None, settings: None });
        let (text, settings) = future::join(
            self.get_unless(&text_key, stale.text.as_ref()),
            self.get_unless(&settings_key, stale.settings.as_ref()),
        )
        .await;
        let pick = |answer: Revalidated, old: Option<Object>| match answer {
            Revalidated::Unchanged => old,
            Revalidated::Now(object) => object,
        };
        Ok(CachedEnv {
            confirmed: std::time::Instant::now(),
            text: pick(text?, stale.text),
            settings: pick(settings?, stale.settings),
        })
    }

    /// The object at `key`, or [`Revalidated::Unchanged`] if it still has `known`'s ETag.
    async fn get_unless(&self, key: &str, known: Option<&Object>) -> Result<Revalidated, StorageError> {
        let Some(known) = known else { return Ok(Revalidated::Now(self.get(key).await?)) };
        let request = self.client.get_object().bucket(&self.location.bucket).key(key).if_none_match(&known.etag);
        match request.send().await {
            Ok(output) => {
                let etag = output.e_tag().map(str::to_owned).unwrap_or_default();
                let bytes = output
                    .body
                    .collect()
                    .await
                    .map_err(|error| self.backend(key, "GetObject", format!("the body was cut short: {error}")))?
                    .into_bytes()
                    .to_vec();
                Ok(Revalidated::Now(Some(Object { bytes, etag })))
            }
            Err(error) if error.raw_response().is_some_and(|response| response.status().as_u16() == 304) => {
                Ok(Revalidated::Unchanged)
            }
            Err(error) => match self.classify(key, "GetObject", "s3:GetObject", error) {
                Failure::Missing => Ok(Revalidated::Now(None)),
                Failure::Other(error) => Err(error),
                Failure::Precondition | Failure::Busy => {
                    Err(self.backend(key, "GetObject", "an unexpected precondition failure".to_owned()))
                }
            },
        }
    }

    /// The environment from its objects.
    fn stored(&self, env: &EnvName, objects: CachedEnv) -> Result<Option<StoredEnv>, StorageError> {
        let text_key = self.env_key(env, TEXT_FILE);
        let settings_key = self.env_key(env, SETTINGS_FILE);
        let Some(text) = objects.text else { return Ok(None) };
        let settings = objects.settings;
        let text_version = version_of(&text.bytes);
        let text = String::from_utf8(text.bytes).map_err(|error| {
            self.corrupt(
                &text_key,
                format!("not UTF-8 (first bad byte at offset {})", error.utf8_error().valid_up_to()),
            )
        })?;
        let settings_version = Inner::version_of_object(settings.as_ref());
        let settings = match settings {
            Some(object) if !object.bytes.is_empty() => {
                serde_json::from_slice(&object.bytes).map_err(|error| self.corrupt(&settings_key, error))?
            }
            _ => EnvSettings::default(),
        };
        Ok(Some(StoredEnv {
            text,
            settings,
            state: EnvState { text: text_version, settings: settings_version },
            existed: true,
        }))
    }

    async fn create(&self, env: &EnvName, text: &str, settings: &EnvSettings) -> Result<EnvState, StorageError> {
        let text_key = self.env_key(env, TEXT_FILE);
        let settings_key = self.env_key(env, SETTINGS_FILE);
        // The settings are read before the text is checked, so that the conditional write
        // below replaces only settings that were there while the text was absent.
        let previous = self.get(&settings_key).await?;
        if self.exists(&text_key).await? {
            return Err(StorageError::AlreadyExists { env: env.clone() });
        }
        let settings_raw = settings_bytes(settings);
        let condition = previous.as_ref().map_or(Condition::Absent, |object| Condition::Matches(object.etag.clone()));
        let ours = match self.put(&settings_key, &settings_raw, &condition).await? {
            Written::Stored(etag) => etag,
            // Another create got its settings in first.
            Written::Refused => {
                return Err(if self.exists(&text_key).await? {
                    StorageError::AlreadyExists { env: env.clone() }
                } else {
                    StorageError::Conflict { env: env.clone(), current: None }
                });
            }
        };
        match self.put(&text_key, text.as_bytes(), &Condition::Absent).await? {
            Written::Stored(_) => {
                Ok(EnvState { text: version_of(text.as_bytes()), settings: version_of(&settings_raw) })
            }
            Written::Refused => {
                // Another create won. The settings replaced may have been its own: put them
                // back, unless something has been written over ours since.
                if let (Some(previous), Some(ours)) = (previous, ours) {
                    // Best effort: the answer is "already exists" whatever happens here.
                    let _ = self.put(&settings_key, &previous.bytes, &Condition::Matches(ours)).await;
                }
                Err(StorageError::AlreadyExists { env: env.clone() })
            }
        }
    }

    /// Replaces `current` (the object at `key` as read) with `bytes`, if its version is
    /// `expected` and it has not changed since it was read. `conflict` works out the version
    /// to report when it has.
    async fn replace_checked<C>(
        &self,
        env: &EnvName,
        key: &str,
        current: Option<Object>,
        expected: &Version,
        bytes: &[u8],
        conflict: impl FnOnce() -> C,
    ) -> Result<Version, StorageError>
    where
        C: Future<Output = Result<Option<Version>, StorageError>>,
    {
        let version = Inner::version_of_object(current.as_ref());
        if version != *expected {
            return Err(StorageError::Conflict { env: env.clone(), current: Some(version) });
        }
        let condition = current.map_or(Condition::Absent, |object| Condition::Matches(object.etag));
        match self.put(key, bytes, &condition).await? {
            Written::Stored(_) => Ok(version_of(bytes)),
            Written::Refused => Err(StorageError::Conflict { env: env.clone(), current: conflict().await? }),
        }
    }

    async fn write_text(&self, env: &EnvName, expected: &Version, text: &str) -> Result<Version, StorageError> {
        let key = self.env_key(env, TEXT_FILE);
        let Some(current) = self.get(&key).await? else {
            return Err(StorageError::NotFound { env: env.clone() });
        };
        let current_version = || async { Ok(self.get(&key).await?.map(|object| version_of(&object.bytes))) };
        self.replace_checked(env, &key, Some(current), expected, text.as_bytes(), current_version).await
    }

    async fn write_settings(
        &self,
        env: &EnvName,
        expected: &Version,
        settings: &EnvSettings,
    ) -> Result<Version, StorageError> {
        let text_key = self.env_key(env, TEXT_FILE);
        let key = self.env_key(env, SETTINGS_FILE);
        let (exists, current) = future::join(self.exists(&text_key), self.get(&key)).await;
        if !exists? {
            return Err(StorageError::NotFound { env: env.clone() });
        }
        let current_version = || async {
            let (exists, current) = future::join(self.exists(&text_key), self.get(&key)).await;
            Ok(if exists? { Some(Inner::version_of_object(current?.as_ref())) } else { None })
        };
        self.replace_checked(env, &key, current?, expected, &settings_bytes(settings), current_version).await
    }

    async fn delete(&self, env: &EnvName, expected: &Version) -> Result<(), StorageError> {
        let text_key = self.env_key(env, TEXT_FILE);
        let Some(current) = self.get(&text_key).await? else {
            return Err(StorageError::NotFound { env: env.clone() });
        };
        let version = version_of(&current.bytes);
        if version != *expected {
            return Err(StorageError::Conflict { env: env.clone(), current: Some(version) });
        }
        // The text is what makes the environment exist: deleting it is the commit point.
        if let Written::Refused = self.delete_matching(&text_key, &current.etag).await? {
            let current = self.get(&text_key).await?.map(|object| version_of(&object.bytes));
            return Err(StorageError::Conflict { env: env.clone(), current });
        }
        self.delete_any(&self.env_key(env, SETTINGS_FILE)).await
    }

    async fn append_history(&self, env: &EnvName, entry: &HistoryEntry) -> Result<(), StorageError> {
        let key = self.history_key(env, entry.seq);
        let bytes = serde_json::to_vec_pretty(entry).map_err(|error| self.corrupt(&key, error))?;
        match self.put(&key, &bytes, &Condition::Absent).await? {
            Written::Stored(_) => Ok(()),
            Written::Refused => Err(StorageError::SeqTaken { env: env.clone(), seq: entry.seq }),
        }
    }

    /// The history's entries by number, from one listing: no entry is read.
    async fn history_keys(&self, env: &EnvName) -> Result<Vec<(Seq, String)>, StorageError> {
        self.numbered_keys(&self.history_prefix(env)).await
    }

    /// The numbered objects directly under `prefix` (`NNNNNNNNNNNN.json`), by number, from one
    /// listing: none is read.
    async fn numbered_keys(&self, prefix: &str) -> Result<Vec<(Seq, String)>, StorageError> {
        let mut numbered: Vec<(Seq, String)> = self
            .list(prefix, None)
            .await?
            .into_iter()
            .filter_map(|key| {
                // Only `NNNNNNNNNNNN.json` directly under the prefix counts.
                let seq = key
                    .strip_prefix(prefix)?
                    .strip_suffix(".json")
                    .filter(|digits| digits.len() == SEQ_DIGITS && digits.bytes().all(|b| b.is_ascii_digit()))?
                    .parse()
                    .ok()
                    .and_then(Seq::new)?;
                Some((seq, key))
            })
            .collect();
        numbered.sort();
        Ok(numbered)
    }

    async fn history(&self, env: &EnvName) -> Result<Vec<HistoryEntry>, StorageError> {
        let numbered = self.history_keys(env).await?;
        let entries: Vec<Option<HistoryEntry>> = stream::iter(numbered)
            .map(|(seq, key)| async move {
                // Entries are never removed; one gone since the listing was removed by hand.
                let Some(object) = self.get(&key).await? else { return Ok(None) };
                let entry: HistoryEntry =
                    serde_json::from_slice(&object.bytes).map_err(|error| self.corrupt(&key, error))?;
                if entry.seq != seq {
                    return Err(
                        self.corrupt(&key, format!("it holds entry {} under the name of entry {seq}", entry.seq))
                    );
                }
                Ok(Some(entry))
            })
            .buffered(CONCURRENT_READS)
            .try_collect()
            .await?;
        Ok(entries.into_iter().flatten().collect())
    }

    fn record_prefix(&self, env: &EnvName, kind: RecordKind) -> String {
        self.env_key(env, &format!("{}/", kind.dir()))
    }

    async fn create_record(
        &self,
        env: &EnvName,
        kind: RecordKind,
        number: Seq,
        bytes: &[u8],
    ) -> Result<bool, StorageError> {
        let key = format!("{}{:0width$}.json", self.record_prefix(env, kind), number.get(), width = SEQ_DIGITS);
        Ok(matches!(self.put(&key, bytes, &Condition::Absent).await?, Written::Stored(_)))
    }

    async fn records(&self, env: &EnvName, kind: RecordKind) -> Result<Vec<(Seq, Vec<u8>)>, StorageError> {
        let numbered = self.numbered_keys(&self.record_prefix(env, kind)).await?;
        let records: Vec<Option<(Seq, Vec<u8>)>> = stream::iter(numbered)
            .map(|(number, key)| async move {
                // Records are never removed; one gone since the listing was removed by hand.
                Ok::<_, StorageError>(self.get(&key).await?.map(|object| (number, object.bytes)))
            })
            .buffered(CONCURRENT_READS)
            .try_collect()
            .await?;
        Ok(records.into_iter().flatten().collect())
    }

    async fn check_access(&self) -> Result<(), StorageError> {
        let prefix = &self.location.prefix;
        self.client.list_objects_v2().bucket(&self.location.bucket).prefix(prefix).max_keys(1).send().await.map_err(
            |error| match self.classify(prefix, "ListObjectsV2", "s3:ListBucket", error) {
                Failure::Other(error) => error,
                _ => self.backend(prefix, "ListObjectsV2", "an unexpected answer".to_owned()),
            },
        )?;
        let probe = format!("{prefix}{ACCESS_CHECK_KEY}");
        // A missing object is the expected answer; a refusal names s3:GetObject.
        self.get(&probe).await?;
        match self.put(&probe, b"", &Condition::Matches(NO_SUCH_ETAG.to_owned())).await? {
            Written::Refused => Ok(()),
            Written::Stored(_) => {
                // Best effort: the probe is empty and outside `envs/`.
                let _ = self.delete_any(&probe).await;
                Err(self.backend(
                    &probe,
                    "PutObject",
                    "the server stored an object despite an If-Match no object satisfies: it does not honour conditional writes, which replicas sharing this store rely on"
                        .to_owned(),
                ))
            }
        }
    }
}

impl Storage for S3Store {
    fn list(&self) -> Result<Vec<EnvName>, StorageError> {
        self.run(|inner| async move { inner.list_envs().await })
    }

    fn read(&self, env: &EnvName) -> Result<Option<StoredEnv>, StorageError> {
        let objects = self.objects(env, false)?;
        self.inner.stored(env, objects)
    }

    fn check_access(&self) -> Result<(), StorageError> {
        S3Store::check_access(self)
    }

    fn read_recent(&self, env: &EnvName) -> Result<Option<StoredEnv>, StorageError> {
        let objects = self.objects(env, true)?;
        self.inner.stored(env, objects)
    }

    fn unchanged_text_version(&self, env: &EnvName) -> Option<Version> {
        self.cache.fresh_text_version(env)
    }

    fn create(&self, env: &EnvName, text: &str, settings: &EnvSettings) -> Result<EnvState, StorageError> {
        self.cache.forget(env);
        let forget = env.clone();
        let (env, text, settings) = (env.clone(), text.to_owned(), settings.clone());
        let written = self.run(|inner| async move { inner.create(&env, &text, &settings).await });
        self.cache.forget(&forget);
        written
    }

    fn write_text(&self, env: &EnvName, expected: &Version, text: &str) -> Result<Version, StorageError> {
        self.cache.forget(env);
        let forget = env.clone();
        let (env, expected, text) = (env.clone(), expected.clone(), text.to_owned());
        let written = self.run(|inner| async move { inner.write_text(&env, &expected, &text).await });
        self.cache.forget(&forget);
        written
    }

    fn write_settings(
        &self,
        env: &EnvName,
        expected: &Version,
        settings: &EnvSettings,
    ) -> Result<Version, StorageError> {
        self.cache.forget(env);
        let forget = env.clone();
        let (env, expected, settings) = (env.clone(), expected.clone(), settings.clone());
        let written = self.run(|inner| async move { inner.write_settings(&env, &expected, &settings).await });
        self.cache.forget(&forget);
        written
    }

    fn delete(&self, env: &EnvName, expected: &Version) -> Result<(), StorageError> {
        self.cache.forget(env);
        let forget = env.clone();
        let (env, expected) = (env.clone(), expected.clone());
        let written = self.run(|inner| async move { inner.delete(&env, &expected).await });
        self.cache.forget(&forget);
        written
    }

    fn append_history(&self, env: &EnvName, entry: &HistoryEntry) -> Result<(), StorageError> {
        let (env, entry) = (env.clone(), entry.clone());
        self.run(|inner| async move { inner.append_history(&env, &entry).await })
    }

    fn history(&self, env: &EnvName) -> Result<Vec<HistoryEntry>, StorageError> {
        let env = env.clone();
        self.run(|inner| async move { inner.history(&env).await })
    }

    fn create_record(&self, env: &EnvName, kind: RecordKind, number: Seq, bytes: &[u8]) -> Result<bool, StorageError> {
        let (env, bytes) = (env.clone(), bytes.to_vec());
        self.run(|inner| async move { inner.create_record(&env, kind, number, &bytes).await })
    }

    fn records(&self, env: &EnvName, kind: RecordKind) -> Result<Vec<(Seq, Vec<u8>)>, StorageError> {
        let env = env.clone();
        self.run(|inner| async move { inner.records(&env, kind).await })
    }

    fn next_seq(&self, env: &EnvName) -> Result<Seq, StorageError> {
        let env = env.clone();
        let keys = self.run(|inner| async move { inner.history_keys(&env).await })?;
        Ok(keys.last().map_or(Seq::FIRST, |(seq, _)| seq.next()))
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read as _, Write as _};
    use std::net::{TcpListener, TcpStream};
    use std::path::PathBuf;
    use std::process::{Child, Command, Stdio};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Barrier, Mutex, OnceLock};
    use std::time::Instant;

    use aws_credential_types::credential_fn::provide_credentials_fn;
    use aws_credential_types::provider::error::CredentialsError;
    use aws_sdk_s3::config::retry::RetryConfig;
    use aws_sdk_s3::config::{Credentials, SharedCredentialsProvider};
    use aws_sdk_s3::error::ErrorMetadata;
    use aws_sdk_s3::operation::get_object::GetObjectError;
    use aws_sdk_s3::primitives::SdkBody;

    use super::*;
    use crate::storage::{Change, ChangeKind, ChangeMeta};

    /// The moto server of this test process: started by the first test that needs it, and
    /// stopped when the process exits (see [`start_moto`]).
    struct Moto {
        endpoint: String,
        /// The shell that watches this process; its stdin closing is the signal to stop.
        _guard: Mutex<Child>,
    }

    /// `$BEDROCK_BINDER_MOTO`, else the project's venv (`$TOOLS`, else `<repo>/.tools`).
    fn moto_binary() -> PathBuf {
        if let Some(path) = std::env::var_os("BEDROCK_BINDER_MOTO").filter(|path| !path.is_empty()) {
            return PathBuf::from(path);
        }
        let tools = std::env::var_os("TOOLS")
            .filter(|path| !path.is_empty())
            .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.tools"), PathBuf::from);
        tools.join("venv/bin/moto_server")
    }

    /// Starts `moto_server` on a free port and waits until it answers HTTP. The server runs
    /// under a shell that waits for its stdin to close and then kills it: the stdin is a pipe
    /// from this process, so the server goes when this process does, however it ends.
    fn start_moto() -> Moto {
        let binary = moto_binary();
        assert!(
            binary.is_file(),
            "moto_server is not installed at {}: run `bash scripts/setup.sh moto` (or point BEDROCK_BINDER_MOTO at a moto_server)",
            binary.display()
        );
        // The port is free now; moto binds it a moment later.
        let port =
            TcpListener::bind("127.0.0.1:0").and_then(|listener| listener.local_addr()).expect("a free port").port();
        let mut guard = Command::new("sh")
            .arg("-c")
            .arg(r#""$0" -H 127.0.0.1 -p "$1" >/dev/null 2>&1 </dev/null & moto=$!; read -r _ ; kill "$moto""#)
            .arg(&binary)
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .spawn()
            .expect("spawn sh for moto_server");
        let deadline = Instant::now() + Duration::from_secs(60);
        while !answers_http(port) {
            if Instant::now() > deadline {
                // Closing the shell's stdin makes it stop the server and exit.
                drop(guard.stdin.take());
                let _ = guard.wait();
                panic!("moto_server ({}) did not answer on port {port} within 60 s", binary.display());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Moto { endpoint: format!("http://127.0.0.1:{port}"), _guard: Mutex::new(guard) }
    }

    /// Whether an HTTP server answers on `port`.
    fn answers_http(port: u16) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else { return false };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let request = b"GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
        let mut answer = [0u8; 5];
        stream.write_all(request).is_ok() && stream.read_exact(&mut answer).is_ok() && &answer == b"HTTP/"
    }

    fn moto() -> &'static Moto {
        static MOTO: OnceLock<Moto> = OnceLock::new();
        MOTO.get_or_init(start_moto)
    }

    /// Explicit configuration for moto: its test credentials, us-east-1, no retries (a
    /// refusal must show at once), and nothing from this process's environment.
    fn config() -> SdkConfig {
        SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new("test", "test", None, None, "moto")))
            .endpoint_url(&moto().endpoint)
            .retry_config(RetryConfig::disabled())
            .build()
    }

    pub(super) fn store_at(location: &str) -> S3Store {
        S3Store::with_config(location.parse().expect("valid location"), &config()).expect("store")
    }

    /// A new bucket on moto, with a name no other test in this process uses.
    pub(super) fn fresh_bucket() -> String {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let bucket = format!("bb-test-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        let store = store_at(&format!("s3://{bucket}"));
        let name = bucket.clone();
        store
            .run(|inner| async move {
                inner
                    .client
                    .create_bucket()
                    .bucket(&name)
                    .send()
                    .await
                    .map_err(|error| StorageError::Backend { location: name.clone(), source: causes(&error).into() })
            })
            .expect("create bucket");
        bucket
    }

    /// Runs a contract test against fresh stores: each under its own prefix of one new bucket.
    fn run(test: impl FnOnce(&dyn Fn() -> S3Store)) {
        let bucket = fresh_bucket();
        let counter = AtomicU64::new(0);
        let make = || store_at(&format!("s3://{bucket}/store-{}", counter.fetch_add(1, Ordering::Relaxed)));
        test(&make);
    }

    fn name(text: &str) -> EnvName {
        text.parse().expect("valid environment name")
    }

    crate::storage::contract::contract_tests!(run);

    #[test]
    fn the_layout_under_the_prefix_is_the_local_stores() {
        let bucket = fresh_bucket();
        let store = store_at(&format!("s3://{bucket}/team/bindings"));
        let env = name("prod");
        let text = "# comment\r\namazon.nova-pro-v1:0 = us.amazon.nova-pro-v1:0\n\n";
        let meta = ChangeMeta { author: "me".to_owned(), reason: None, approval: None };
        let change = Change::Create { text: text.to_owned(), settings: EnvSettings::default() };
        store.commit(&env, change, meta).expect("create");
        let mut keys = store.run(|inner| async move { inner.list("", None).await }).expect("list");
        keys.sort();
        assert_eq!(
            keys,
            [
                "team/bindings/envs/prod/history/000000000001.json",
                "team/bindings/envs/prod/inference.txt",
                "team/bindings/envs/prod/settings.json"
            ]
        );
        let stored = store
            .run(|inner| async move { inner.get("team/bindings/envs/prod/inference.txt").await })
            .expect("get")
            .expect("exists");
        assert_eq!(stored.bytes, text.as_bytes(), "byte for byte");
    }

    #[test]
    fn a_stale_if_match_from_another_writer_is_a_conflict_and_the_object_is_unchanged() {
        let bucket = fresh_bucket();
        let location = format!("s3://{bucket}/shared");
        let (replica_a, replica_b) = (store_at(&location), store_at(&location));
        let env = name("dev");
        replica_a.create(&env, "a\n", &EnvSettings::default()).expect("create");
        let key = replica_a.inner.env_key(&env, TEXT_FILE);

        // Replica A reads the object; replica B replaces it; A's write, checked against the
        // version it read, reaches S3 with the old ETag.
        let read_by_a = {
            let key = key.clone();
            replica_a.run(|inner| async move { inner.get(&key).await }).expect("get").expect("exists")
        };
        let written_by_b = replica_b.write_text(&env, &version_of(b"a\n"), "b\n").expect("b writes");
        let outcome = {
            let (env, key) = (env.clone(), key.clone());
            replica_a.run(|inner| async move {
                let current_version = || async { Ok(inner.get(&key).await?.map(|object| version_of(&object.bytes))) };
                inner.replace_checked(&env, &key, Some(read_by_a), &version_of(b"a\n"), b"c\n", current_version).await
            })
        };
        match outcome {
            Err(StorageError::Conflict { current, .. }) => assert_eq!(current, Some(written_by_b)),
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert_eq!(replica_a.read(&env).expect("read").expect("exists").text, "b\n", "B's text is kept");

        // The same for the settings, through the trait: a stale version is refused before S3.
        let settings = replica_a.read(&env).expect("read").expect("exists").state.settings;
        let changed = EnvSettings { description: "by b".to_owned(), ..EnvSettings::default() };
        replica_b.write_settings(&env, &settings, &changed).expect("b writes settings");
        let error = replica_a.write_settings(&env, &settings, &EnvSettings::default()).expect_err("stale");
        assert!(error.is_conflict(), "{error:?}");
        assert_eq!(replica_a.read(&env).expect("read").expect("exists").settings, changed);
    }

    #[test]
    fn two_replicas_racing_for_one_sequence_number_give_exactly_one_success() {
        const WRITERS: usize = 8;
        let bucket = fresh_bucket();
        let location = format!("s3://{bucket}/race");
        let replicas = [store_at(&location), store_at(&location)];
        let env = name("shared");
        replicas[0].create(&env, "", &EnvSettings::default()).expect("create");
        let stored = replicas[0].read(&env).expect("read").expect("exists");
        let change = Change::Text { kind: ChangeKind::Edit, expected: stored.state.text.clone(), text: "x\n".into() };
        let meta = ChangeMeta { author: String::new(), reason: None, approval: None };
        let planned = super::super::plan(&env, Some(&stored), &change, meta).expect("plan");
        let barrier = Barrier::new(WRITERS);
        let results: Vec<Result<usize, StorageError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..WRITERS)
                .map(|n| {
                    let (replica, env, barrier) = (&replicas[n % 2], &env, &barrier);
                    let mut entry = planned.clone();
                    entry.author = format!("writer {n}");
                    scope.spawn(move || {
                        barrier.wait();
                        replica.append_history(env, &entry).map(|()| n)
                    })
                })
                .collect();
            handles.into_iter().map(|handle| handle.join().expect("writer thread")).collect()
        });
        let winners: Vec<usize> = results.iter().filter_map(|result| result.as_ref().ok().copied()).collect();
        assert_eq!(winners.len(), 1, "{results:?}");
        for result in &results {
            assert!(matches!(result, Ok(_) | Err(StorageError::SeqTaken { .. })), "{result:?}");
        }
        let history = replicas[1].history(&env).expect("history");
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].author, format!("writer {}", winners[0]), "the winner's entry is the one stored");
    }

    #[test]
    fn access_is_checked_and_a_missing_bucket_is_named_with_its_region_and_endpoint() {
        let bucket = fresh_bucket();
        store_at(&format!("s3://{bucket}/team")).check_access().expect("moto answers and honours If-Match");
        assert!(store_at(&format!("s3://{bucket}")).list().expect("list").is_empty(), "the probe wrote nothing");

        let missing = store_at("s3://no-such-bucket-here/team");
        let message = missing.check_access().expect_err("no bucket").to_string();
        for part in ["s3://no-such-bucket-here/team/", "ListObjectsV2", "us-east-1", &moto().endpoint, "does not exist"]
        {
            assert!(message.contains(part), "{part:?} missing from: {message}");
        }
        let message = missing.list().expect_err("no bucket").to_string();
        assert!(message.contains("does not exist"), "{message}");
    }

    #[test]
    fn a_store_answers_from_threads_inside_another_runtime_and_drops_there() {
        let bucket = fresh_bucket();
        let store = store_at(&format!("s3://{bucket}"));
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("rt");
        runtime.block_on(async move {
            let listed = tokio::task::spawn_blocking({
                let store = store.clone();
                move || store.list()
            })
            .await
            .expect("blocking task");
            assert!(listed.expect("list").is_empty());
            // The last clone dropped inside an async task: must not panic.
            drop(store);
        });
    }

    #[test]
    fn locations_parse_into_a_bucket_and_a_prefix_ending_with_a_slash() {
        let parse = |text: &str| text.parse::<S3Location>().expect(text);
        assert_eq!((parse("s3://my-bucket").bucket(), parse("s3://my-bucket").prefix()), ("my-bucket", ""));
        assert_eq!(parse("s3://my-bucket/").prefix(), "");
        assert_eq!(parse("s3://my.bucket.1/team/bindings").prefix(), "team/bindings/");
        assert_eq!(parse("s3://my-bucket/team/").prefix(), "team/");
        assert_eq!(parse("s3://my-bucket/team").to_string(), "s3://my-bucket/team/");
    }

    #[test]
    fn a_location_that_is_not_s3_or_breaks_the_bucket_rules_is_refused_with_the_reason() {
        let refused = |text: &str| text.parse::<S3Location>().expect_err(text).to_string();
        assert!(refused("/var/lib/store").contains("not an S3 location"));
        assert!(refused("https://my-bucket/x").contains("not an S3 location"));
        assert!(refused("s3://").contains("is missing"));
        assert!(refused("s3:///team").contains("is missing"));
        assert!(refused("s3://ab").contains("3 to 63"));
        assert!(refused("s3://My_Bucket/x").contains("not `M`"));
        assert!(refused("s3://-bucket").contains("begin and end"));
        assert!(refused("s3://my..bucket").contains("two `.`"));
        assert!(refused("s3://192.168.1.1").contains("IP address"));
        assert!(refused("s3://xn--bucket").contains("reserves"));
        assert!(refused("s3://bucket-s3alias").contains("reserves"));
    }

    #[test]
    fn a_prefix_with_empty_or_dot_parts_is_refused() {
        let refused = |text: &str| text.parse::<S3Location>().expect_err(text).to_string();
        assert!(refused("s3://my-bucket//team").contains("empty part"));
        assert!(refused("s3://my-bucket/team//x").contains("empty part"));
        assert!(refused("s3://my-bucket/team/../x").contains("`..`"));
        assert!(refused("s3://my-bucket/./x").contains("`.`"));
        assert!(refused("s3://my-bucket/a\nb").contains("control"));
        assert!(refused(&format!("s3://my-bucket/{}", "x".repeat(901))).contains("901 bytes"));
    }

    #[test]
    fn an_endpoint_on_an_address_or_localhost_is_addressed_path_style() {
        for endpoint in ["http://127.0.0.1:5000", "http://localhost:9000/", "https://[::1]:9000", "http://10.0.0.7"] {
            assert!(wants_path_style(endpoint), "{endpoint}");
        }
        for endpoint in
            ["https://s3.eu-west-1.amazonaws.com", "https://minio.example.com:9000", "http://localhost.example"]
        {
            assert!(!wants_path_style(endpoint), "{endpoint}");
        }
    }

    #[test]
    fn a_delete_against_a_replaced_text_is_refused_by_s3() {
        let bucket = fresh_bucket();
        let location = format!("s3://{bucket}");
        let (replica_a, replica_b) = (store_at(&location), store_at(&location));
        let env = name("dev");
        replica_a.create(&env, "a\n", &EnvSettings::default()).expect("create");
        let key = replica_a.inner.env_key(&env, TEXT_FILE);
        let read_by_a = {
            let key = key.clone();
            replica_a.run(|inner| async move { inner.get(&key).await }).expect("get").expect("exists")
        };
        replica_b.write_text(&env, &version_of(b"a\n"), "b\n").expect("b writes");
        let outcome = replica_a.run(|inner| async move { inner.delete_matching(&key, &read_by_a.etag).await });
        assert!(matches!(outcome, Ok(Written::Refused)), "If-Match on DeleteObject is honoured");
        assert_eq!(replica_a.read(&env).expect("read").expect("exists").text, "b\n");
    }

    #[test]
    fn missing_credentials_and_an_unreachable_endpoint_are_said_in_words() {
        let bucket = fresh_bucket();
        let location: S3Location = format!("s3://{bucket}/team").parse().expect("valid");
        let no_credentials = config()
            .into_builder()
            .credentials_provider(SharedCredentialsProvider::new(provide_credentials_fn(|| async {
                Err(CredentialsError::not_loaded("no providers in chain provided credentials"))
            })))
            .build();
        let message = S3Store::with_config(location.clone(), &no_credentials)
            .expect("store")
            .check_access()
            .expect_err("no credentials")
            .to_string();
        eprintln!("{message}");
        assert!(message.contains("no usable AWS credentials"), "{message}");
        assert!(message.contains(&format!("s3://{bucket}/team/")), "{message}");

        let nowhere = config().into_builder().endpoint_url("http://127.0.0.1:1").build();
        let message =
            S3Store::with_config(location, &nowhere).expect("store").list().expect_err("unreachable").to_string();
        eprintln!("{message}");
        for part in
            ["ListObjectsV2", "us-east-1", "endpoint http://127.0.0.1:1", "cannot reach S3", "Connection refused"]
        {
            assert!(message.contains(part), "{part:?} missing from: {message}");
        }
        assert!(!message.contains("DispatchFailure {"), "no debug dump: {message}");
    }

    #[test]
    fn a_configuration_without_a_region_is_refused_at_once() {
        let config = SdkConfig::builder().behavior_version(BehaviorVersion::latest()).build();
        let error = S3Store::with_config("s3://my-bucket".parse().expect("valid"), &config).expect_err("no region");
        assert!(error.to_string().contains("AWS_REGION"), "{error}");
    }

    #[test]
    fn refusals_name_the_object_the_region_and_the_missing_permission() {
        let config = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(aws_config::Region::new("eu-west-1"))
            .build();
        let store = S3Store::with_config("s3://team-bucket/bindings".parse().expect("valid"), &config).expect("store");
        let key = "bindings/envs/prod/inference.txt";
        let classify = |status: u16, code: &str| {
            let metadata = ErrorMetadata::builder().code(code).message("from S3").build();
            let response = HttpResponse::new(status.try_into().expect("status"), SdkBody::empty());
            let error = SdkError::service_error(GetObjectError::generic(metadata), response);
            store.inner.classify(key, "GetObject", "s3:GetObject", error)
        };
        let message = |status: u16, code: &str| match classify(status, code) {
            Failure::Other(error) => error.to_string(),
            _ => panic!("{status} {code} is an error to report"),
        };
        let denied = message(403, "AccessDenied");
        for part in [
            "s3://team-bucket/bindings/envs/prod/inference.txt",
            "GetObject",
            "region eu-west-1",
            "the AWS endpoint",
            "lack s3:GetObject",
        ] {
            assert!(denied.contains(part), "{part:?} missing from: {denied}");
        }
        assert!(message(404, "NoSuchBucket").contains("the bucket `team-bucket` does not exist"));
        assert!(message(301, "PermanentRedirect").contains("not in region eu-west-1"));
        assert!(message(403, "InvalidAccessKeyId").contains("refused the credentials"));
        assert!(message(500, "InternalError").contains("S3 answered 500 InternalError: from S3"));
        assert!(matches!(classify(412, "PreconditionFailed"), Failure::Precondition));
        assert!(matches!(classify(409, "ConditionalRequestConflict"), Failure::Busy));
        assert!(matches!(classify(404, "NoSuchKey"), Failure::Missing));
    }
}

#[cfg(test)]
mod read_cache_tests {
    use std::time::Duration;

    use super::tests::{fresh_bucket, store_at};
    use super::*;

    #[test]
    fn a_read_is_reused_for_its_lifetime_then_revalidated_and_own_writes_show_at_once() {
        let location = format!("s3://{}/cached", fresh_bucket());
        let replica_a = store_at(&location).with_read_ttl(Duration::from_millis(600));
        let replica_b = store_at(&location).with_read_ttl(Duration::ZERO);
        let env: EnvName = "prod".parse().expect("name");
        replica_a.create(&env, "a\n", &EnvSettings::default()).expect("create");
        assert_eq!(replica_a.read_recent(&env).expect("read").expect("exists").text, "a\n");
        assert_eq!(replica_a.unchanged_text_version(&env), Some(version_of(b"a\n")), "fresh: no request needed");

        replica_b.write_text(&env, &version_of(b"a\n"), "b\n").expect("b writes");
        assert_eq!(replica_a.read_recent(&env).expect("read").expect("exists").text, "a\n", "within the lifetime");
        assert_eq!(replica_a.read(&env).expect("read").expect("exists").text, "b\n", "a strong read asks");
        replica_b.write_text(&env, &version_of(b"b\n"), "b2\n").expect("b writes again");
        std::thread::sleep(Duration::from_millis(700));
        assert_eq!(replica_a.unchanged_text_version(&env), None, "expired: ask S3");
        assert_eq!(replica_a.read_recent(&env).expect("read").expect("exists").text, "b2\n", "revalidated");

        replica_a.write_text(&env, &version_of(b"b2\n"), "c\n").expect("a writes");
        assert_eq!(replica_a.read_recent(&env).expect("read").expect("exists").text, "c\n", "its own write, at once");
    }
}
