//! An HTTP-level fake of Amazon Bedrock for tests, since AWS cannot be reached from the test
//! machines.
//!
//! It speaks the real wire protocols, so the real AWS SDKs talk to it unchanged through the
//! standard endpoint overrides (`AWS_ENDPOINT_URL_BEDROCK`, `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`,
//! `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL_CLOUDWATCH`), exactly as a user points them at a
//! VPC endpoint:
//!
//! - Bedrock and Bedrock Runtime in REST-JSON: ListFoundationModels, GetFoundationModel,
//!   GetFoundationModelAvailability, ListInferenceProfiles (paginated), GetInferenceProfile,
//!   CreateInferenceProfile, DeleteInferenceProfile, Converse and ConverseStream (framed as
//!   `application/vnd.amazon.eventstream`, see [`eventstream`]). Shapes follow botocore's
//!   service models (`bedrock` 2023-04-20, `bedrock-runtime` 2023-09-30).
//! - STS GetCallerIdentity in awsQuery (form body in, XML out).
//! - CloudWatch GetMetricData and ListMetrics over scripted series ([`MetricSeries`]), in Smithy
//!   RPC v2 CBOR (what the Rust SDK sends) and awsJson 1.0 (what boto3 sends), with
//!   CloudWatch's periods, paging and awsQuery-compatible errors (`src/cloudwatch.rs`).
//!
//! Each request is served from the data of the region in its SigV4 credential scope. Requests
//! without credentials get AWS's 403. Errors carry AWS's status, `x-amzn-errortype` and
//! message ([`FakeError`]); some arise by themselves (the on-demand ValidationException for a
//! model that needs a profile in that region, "The provided model identifier is invalid." for
//! what the region does not have, end of life), any can be scripted ([`Rule`]), and latency can
//! be injected ([`LatencyRule`]). A profile's status can be set to something other than ACTIVE
//! ([`FakeBedrock::profile_status`]). Every request is logged ([`RequestRecord`]).
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! use fake_bedrock::{FakeBedrock, FakeError, Operation};
//!
//! let fake = FakeBedrock::with_default_regions()
//!     .profile_only("us-east-1", "amazon.nova-pro-v1:0")
//!     .fail_next(Operation::Converse, "us.amazon.nova-pro-v1:0", FakeError::Throttling)
//!     .spawn()
//!     .await?;
//! // Point the SDK (or a child process) at it:
//! for (name, value) in fake.endpoint_env() {
//!     println!("{name}={value}");
//! }
//! assert!(fake.requests().is_empty());
//! # Ok(())
//! # }
//! ```
//!
//! The `fake-bedrock` binary serves the default data set for out-of-process tests and takes
//! scripts over HTTP (`POST /__fake/script` with a [`ControlScript`]).

mod cbor;
mod cloudwatch;
pub mod data;
mod error;
pub mod eventstream;
pub mod metrics;
mod script;
mod service;
mod sts;
mod wire;

use std::collections::BTreeMap;
use std::future::{Future, IntoFuture};
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::ops::Deref;
use std::sync::{Arc, Mutex};

use axum::Router;
use bedrock_binder_shared::Catalog;

pub use data::{
    AgreementStatus, Availability, DEFAULT_ACCOUNT, DEFAULT_REGIONS, FakeModel, FakeProfile, InferenceType, Lifecycle,
    PROFILE_ACTIVE, ProfileType, RegionData, Tag,
};
pub use error::FakeError;
pub use metrics::{BEDROCK_METRICS, BEDROCK_NAMESPACE, Dimension, MODEL_ID_DIMENSION, MetricPoint, MetricSeries};
pub use script::{ControlScript, LatencyRule, ModelMatch, ModelPatch, Operation, ProfilePatch, RequestRecord, Rule};

use service::{Initial, Shared, State, lock};

/// Dummy credentials for a child process that talks to the fake: the SDKs refuse to sign
/// without some, and the fake checks only that a request is signed, not the signature.
pub const TEST_CREDENTIALS_ENV: [(&str, &str); 2] =
    [("AWS_ACCESS_KEY_ID", "AKIDFAKEBEDROCK00001"), ("AWS_SECRET_ACCESS_KEY", "fake-bedrock-secret")];

/// The region served to requests that name none (a bearer token carries no region).
pub const DEFAULT_REGION: &str = "us-east-1";

/// Configures a fake Bedrock; [`FakeBedrock::spawn`] (async) or [`FakeBedrock::start`] (from
/// synchronous tests) runs it.
#[derive(Debug, Clone)]
pub struct FakeBedrock {
    account: String,
    default_region: String,
    regions: BTreeMap<String, RegionData>,
    rules: Vec<Rule>,
    latency: Vec<LatencyRule>,
    metrics: Vec<MetricSeries>,
    metrics_page_limit: Option<usize>,
}

impl FakeBedrock {
    /// An empty fake: no regions, no rules. Every region it is asked about serves nothing.
    pub fn builder() -> FakeBedrock {
        FakeBedrock {
            account: DEFAULT_ACCOUNT.to_owned(),
            default_region: DEFAULT_REGION.to_owned(),
            regions: BTreeMap::new(),
            rules: Vec::new(),
            latency: Vec::new(),
            metrics: Vec::new(),
            metrics_page_limit: None,
        }
    }

    /// A fake serving [`DEFAULT_REGIONS`] with data from the project's catalog (see
    /// [`data::default_regions`]).
    pub fn with_default_regions() -> FakeBedrock {
        FakeBedrock { regions: data::default_regions(Catalog::embedded()), ..FakeBedrock::builder() }
    }

    /// The account id in ARNs and in GetCallerIdentity.
    #[must_use]
    pub fn account(mut self, account: impl Into<String>) -> FakeBedrock {
        self.account = account.into();
        self
    }

    /// The region served to bearer-token requests.
    #[must_use]
    pub fn default_region(mut self, region: impl Into<String>) -> FakeBedrock {
        self.default_region = region.into();
        self
    }

    /// Sets (or replaces) one region's data.
    #[must_use]
    pub fn region(mut self, region: impl Into<String>, data: RegionData) -> FakeBedrock {
        self.regions.insert(region.into(), data);
        self
    }

    /// Changes one region's data (creating the region if needed).
    #[must_use]
    pub fn update_region(mut self, region: impl Into<String>, change: impl FnOnce(&mut RegionData)) -> FakeBedrock {
        change(self.regions.entry(region.into()).or_default());
        self
    }

    /// Makes a model callable in `region` only through a profile (`INFERENCE_PROFILE` instead
    /// of `ON_DEMAND`); Converse by its bare id there then fails with
    /// [`FakeError::OnDemandNotSupported`]. Adds the model if the region lacks it.
    #[must_use]
    pub fn profile_only(self, region: impl Into<String>, model_id: &str) -> FakeBedrock {
        self.update_region(region, |data| make_profile_only(data, model_id))
    }

    /// Sets the `status` of the profile `profile_id` in `region` (see [`FakeProfile::status`]),
    /// for testing what a client does with a profile that is not ACTIVE.
    ///
    /// # Panics
    /// If the region has no such profile: a test would otherwise pass or fail for the wrong
    /// reason.
    #[must_use]
    #[track_caller]
    pub fn profile_status(mut self, region: &str, profile_id: &str, status: impl Into<String>) -> FakeBedrock {
        set_profile_status(&mut self.regions, region, profile_id, status.into());
        self
    }

    /// Adds a failure rule.
    #[must_use]
    pub fn rule(mut self, rule: Rule) -> FakeBedrock {
        self.rules.push(rule);
        self
    }

    /// Fails the next matching request of `operation` with `error`.
    #[must_use]
    pub fn fail_next(self, operation: Operation, model: impl Into<ModelMatch>, error: FakeError) -> FakeBedrock {
        self.rule(Rule::new(operation, model, error).times(1))
    }

    /// Fails every matching request of `operation` with `error`.
    #[must_use]
    pub fn fail_always(self, operation: Operation, model: impl Into<ModelMatch>, error: FakeError) -> FakeBedrock {
        self.rule(Rule::new(operation, model, error))
    }

    /// Adds a latency rule.
    #[must_use]
    pub fn latency(mut self, rule: LatencyRule) -> FakeBedrock {
        self.latency.push(rule);
        self
    }

    /// Adds a CloudWatch series (joining the points of one already given for the same metric);
    /// its `ago` points are placed from the time the fake starts.
    #[must_use]
    pub fn metric(mut self, series: MetricSeries) -> FakeBedrock {
        self.metrics.push(series);
        self
    }

    /// Makes CloudWatch answers page after `limit` datapoints (GetMetricData) or metrics
    /// (ListMetrics), well before CloudWatch's own limits, so paging is exercised.
    #[must_use]
    pub fn metrics_page_limit(mut self, limit: usize) -> FakeBedrock {
        self.metrics_page_limit = Some(limit);
        self
    }

    /// The axum router and a handle to its state, for `Router::oneshot` tests.
    pub fn into_router(self) -> (Router, FakeHandle) {
        let now = wire::now_epoch_seconds();
        let mut metrics = Vec::new();
        for series in self.metrics {
            metrics::add_series(&mut metrics, series, now);
        }
        let initial = Initial {
            regions: self.regions,
            rules: self.rules,
            latency: self.latency,
            metrics,
            metrics_page_limit: self.metrics_page_limit,
        };
        let shared: Shared = Arc::new(Mutex::new(State::new(self.account, self.default_region, initial)));
        (service::router(shared.clone()), FakeHandle { shared })
    }

    /// Serves on `listener` until `shutdown` completes (the binary's entry point).
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        let (router, _) = self.into_router();
        axum::serve(listener, router).with_graceful_shutdown(shutdown).await
    }

    /// Binds `127.0.0.1:0` and serves on the current tokio runtime. The port is bound before
    /// this returns, so the fake is ready at once. Dropping the [`RunningFake`] stops it.
    pub async fn spawn(self) -> io::Result<RunningFake> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let (router, handle) = self.into_router();
        let task = tokio::spawn(async move {
            // Serving ends only with an accept error, which a test would see as refused calls.
            let _ = axum::serve(listener, router).await;
        });
        Ok(RunningFake::new(addr, handle, Lifetime::Task(task)))
    }

    /// Like [`FakeBedrock::spawn`], for synchronous tests (such as ones that run the CLI as a
    /// child process): serves from its own thread and runtime. Dropping the [`RunningFake`]
    /// stops the thread and waits for it.
    pub fn start(self) -> io::Result<RunningFake> {
        let std_listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let listener = {
            let _context = runtime.enter();
            tokio::net::TcpListener::from_std(std_listener)?
        };
        let (router, handle) = self.into_router();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new().name("fake-bedrock".to_owned()).spawn(move || {
            runtime.block_on(async move {
                tokio::select! {
                    _ = axum::serve(listener, router).into_future() => {}
                    _ = stopped => {}
                }
            });
            // Dropping the runtime here cancels the connections still open.
        })?;
        Ok(RunningFake::new(addr, handle, Lifetime::Thread { stop: Some(stop), thread: Some(thread) }))
    }
}

#[track_caller]
fn set_profile_status(regions: &mut BTreeMap<String, RegionData>, region: &str, profile_id: &str, status: String) {
    match regions.get_mut(region).and_then(|data| data.profile_mut(profile_id)) {
        Some(profile) => profile.status = status,
        None => panic!("the fake has no inference profile `{profile_id}` in {region}"),
    }
}

fn make_profile_only(data: &mut RegionData, model_id: &str) {
    if data.model(model_id).is_none() {
        data.models.push(FakeModel::new(model_id));
    }
    if let Some(model) = data.model_mut(model_id) {
        model.make_profile_only();
    }
}

/// A handle to a fake's state: script it while it runs and read its request log.
#[derive(Debug, Clone)]
pub struct FakeHandle {
    shared: Shared,
}

impl FakeHandle {
    /// Every request received so far, in order (control requests excluded).
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.shared).requests.clone()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        lock(&self.shared).requests.clear();
    }

    /// Adds a failure rule after the existing ones.
    pub fn add_rule(&self, rule: Rule) {
        lock(&self.shared).rules.push(rule);
    }

    /// Fails the next matching request of `operation` with `error`.
    pub fn fail_next(&self, operation: Operation, model: impl Into<ModelMatch>, error: FakeError) {
        self.add_rule(Rule::new(operation, model, error).times(1));
    }

    /// Fails every matching request of `operation` with `error`.
    pub fn fail_always(&self, operation: Operation, model: impl Into<ModelMatch>, error: FakeError) {
        self.add_rule(Rule::new(operation, model, error));
    }

    /// Removes every failure rule.
    pub fn clear_rules(&self) {
        lock(&self.shared).rules.clear();
    }

    /// Adds a latency rule after the existing ones.
    pub fn add_latency(&self, rule: LatencyRule) {
        lock(&self.shared).latency.push(rule);
    }

    /// Removes every latency rule.
    pub fn clear_latency(&self) {
        lock(&self.shared).latency.clear();
    }

    /// Changes one region's data (creating the region if needed).
    pub fn update_region(&self, region: &str, change: impl FnOnce(&mut RegionData)) {
        change(lock(&self.shared).regions.entry(region.to_owned()).or_default());
    }

    /// See [`FakeBedrock::profile_only`].
    pub fn profile_only(&self, region: &str, model_id: &str) {
        self.update_region(region, |data| make_profile_only(data, model_id));
    }

    /// See [`FakeBedrock::profile_status`] (which panics the same way).
    #[track_caller]
    pub fn set_profile_status(&self, region: &str, profile_id: &str, status: impl Into<String>) {
        set_profile_status(&mut lock(&self.shared).regions, region, profile_id, status.into());
    }

    /// Adds a CloudWatch series, placed in time from now (see [`FakeBedrock::metric`]).
    pub fn add_metric(&self, series: MetricSeries) {
        metrics::add_series(&mut lock(&self.shared).metrics, series, wire::now_epoch_seconds());
    }

    /// See [`FakeBedrock::metrics_page_limit`]; `None` goes back to CloudWatch's limits.
    pub fn set_metrics_page_limit(&self, limit: Option<usize>) {
        lock(&self.shared).metrics_page_limit = limit;
    }

    /// One region's data as it is now (application profiles created through the API
    /// included).
    pub fn region_data(&self, region: &str) -> Option<RegionData> {
        lock(&self.shared).regions.get(region).cloned()
    }

    /// Adds a control script's rules, latency and data changes. A script with a profile patch
    /// for a profile that does not exist changes nothing, and the error says which.
    pub fn apply(&self, script: ControlScript) -> Result<(), String> {
        lock(&self.shared).apply(script)
    }

    /// Back to the configuration the fake started with, with an empty request log.
    pub fn reset(&self) {
        lock(&self.shared).reset();
    }
}

/// How a running fake is stopped.
#[derive(Debug)]
enum Lifetime {
    /// Spawned on the caller's runtime.
    Task(tokio::task::JoinHandle<()>),
    /// On its own thread and runtime.
    Thread { stop: Option<tokio::sync::oneshot::Sender<()>>, thread: Option<std::thread::JoinHandle<()>> },
}

/// A fake that is serving; dropping it stops it. Dereferences to its [`FakeHandle`].
#[derive(Debug)]
pub struct RunningFake {
    /// `http://127.0.0.1:PORT`: the endpoint URL for the SDKs.
    pub url: String,
    /// The bound address.
    pub addr: SocketAddr,
    /// The handle to its state.
    pub handle: FakeHandle,
    lifetime: Lifetime,
}

impl RunningFake {
    fn new(addr: SocketAddr, handle: FakeHandle, lifetime: Lifetime) -> RunningFake {
        RunningFake { url: format!("http://{addr}"), addr, handle, lifetime }
    }

    /// The endpoint-override variables that send the AWS SDKs (and a child process using them)
    /// to this fake: `AWS_ENDPOINT_URL_BEDROCK`, `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`,
    /// `AWS_ENDPOINT_URL_STS` and `AWS_ENDPOINT_URL_CLOUDWATCH`. Add [`TEST_CREDENTIALS_ENV`]
    /// and `AWS_REGION` for a child.
    pub fn endpoint_env(&self) -> [(&'static str, String); 4] {
        [
            ("AWS_ENDPOINT_URL_BEDROCK", self.url.clone()),
            ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", self.url.clone()),
            ("AWS_ENDPOINT_URL_STS", self.url.clone()),
            ("AWS_ENDPOINT_URL_CLOUDWATCH", self.url.clone()),
        ]
    }
}

impl Deref for RunningFake {
    type Target = FakeHandle;

    fn deref(&self) -> &FakeHandle {
        &self.handle
    }
}

impl Drop for RunningFake {
    fn drop(&mut self) {
        match &mut self.lifetime {
            Lifetime::Task(task) => task.abort(),
            Lifetime::Thread { stop, thread } => {
                if let Some(stop) = stop.take() {
                    let _ = stop.send(());
                }
                if let Some(thread) = thread.take() {
                    let _ = thread.join();
                }
            }
        }
    }
}
