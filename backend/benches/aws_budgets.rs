//! The two AWS budgets of docs/benchmarks.md (`## AWS`), measured in-process: the real backend
//! library (`router(state)`, `Aws`) and the real AWS SDK against the fake Bedrock on loopback.
//!
//! - Refreshing 8 regions with 300 ms injected latency takes at most 1.5× one region.
//! - A test invocation through the server (`POST /api/v1/aws/test`) adds at most 5 ms at the
//!   median to the same Converse call made directly with the SDK.
//!
//! Run: `cargo bench -p bedrock-binder --bench aws_budgets`. It prints both figures, each with
//! its verdict, and exits 1 when a budget is missed. Without `--bench` (as `cargo test
//! --benches` runs it) it makes one short round of each, as a smoke test, and always passes.
//!
//! A plain `main` (`harness = false`), not criterion: each budget compares two measurements
//! taken interleaved in one run, so the shared machine's noise falls on both alike, and is a
//! ratio or a difference, which criterion neither interleaves nor reports (it measures one
//! routine at a time against a saved baseline, and would need its `async_tokio` feature).

use std::error::Error;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, InferenceConfiguration, Message};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Method, Request, StatusCode, header};
use bedrock_binder::aws::invoke::DEFAULT_PROMPT;
use bedrock_binder::aws::{Aws, AwsSettings, DEFAULT_MAX_TOKENS};
use bedrock_binder::envs::Environments;
use bedrock_binder::server::{AppState, router};
use bedrock_binder_shared::Catalog;
use bedrock_binder_shared::api::{RefreshProgress, RegionState, TestResponse};
use fake_bedrock::data::region_from_catalog;
use fake_bedrock::{DEFAULT_REGIONS, FakeBedrock, LatencyRule, RunningFake, TEST_CREDENTIALS_ENV};
use http_body_util::BodyExt;
use tower::ServiceExt;

type BenchResult<T> = Result<T, Box<dyn Error>>;

/// The delay the fake adds to every request of the refresh measurement.
const LATENCY: Duration = Duration::from_millis(300);
/// The region added to the fake's seven defaults to make eight.
const EIGHTH_REGION: &str = "ap-south-1";
/// The budget of the refresh: eight regions over one.
const REFRESH_BUDGET_RATIO: f64 = 1.5;
/// The budget of the test invocation: the server's median minus the SDK's, in milliseconds.
const INVOKE_BUDGET_MS: f64 = 5.0;

const NOVA: &str = "amazon.nova-pro-v1:0";
const NOVA_US: &str = "us.amazon.nova-pro-v1:0";

/// How many rounds each measurement makes.
struct Rounds {
    /// Interleaved one-region and eight-region refreshes, after one warm-up refresh of all.
    refresh: usize,
    /// Converse calls made without timing first (connections, clients, caches).
    invoke_warm_up: usize,
    /// Timed rounds of a direct call and a call through the server.
    invoke: usize,
}

fn main() -> BenchResult<ExitCode> {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and wants a quick check.
    let bench = std::env::args().any(|arg| arg == "--bench");
    let rounds = if bench {
        Rounds { refresh: 5, invoke_warm_up: 5, invoke: 60 }
    } else {
        Rounds { refresh: 1, invoke_warm_up: 1, invoke: 3 }
    };
    // Multi-threaded, a worker per core, as `bedrock-binder serve` runs; the fake shares it.
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    println!("AWS budgets (docs/benchmarks.md, ## AWS); load average at the start: {}", load_average());
    let refresh_ok = runtime.block_on(refresh_budget(&rounds))?;
    let invoke_ok = runtime.block_on(invoke_budget(&rounds))?;
    println!("load average at the end: {}", load_average());
    if !bench {
        println!("(a smoke run without --bench: too few rounds for the verdicts to mean anything)");
        return Ok(ExitCode::SUCCESS);
    }
    Ok(if refresh_ok && invoke_ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Budget (a): the best one-region refresh against the best eight-region refresh, each
/// through `POST /api/v1/aws/refresh`, with every request to the fake delayed by [`LATENCY`].
/// Whether it is met.
async fn refresh_budget(rounds: &Rounds) -> BenchResult<bool> {
    let fake = FakeBedrock::with_default_regions()
        .region(EIGHTH_REGION, region_from_catalog(Catalog::embedded(), EIGHTH_REGION))
        .latency(LatencyRule::new(None, None, LATENCY))
        .spawn()
        .await?;
    let home = tempfile::tempdir()?;
    let app = app(&fake, &home.path().join("inference.txt")).await;
    let all: Vec<&str> = DEFAULT_REGIONS.iter().copied().chain([EIGHTH_REGION]).collect();
    let one = &all[..1];

    let warm_up = refresh(&app, &all).await?;
    let sizes: Vec<String> =
        warm_up.regions.iter().map(|r| format!("{} {}+{}", r.region, r.models, r.profiles)).collect();
    println!("\nrefresh, {} ms injected latency (models+profiles: {})", LATENCY.as_millis(), sizes.join(", "));

    let (mut singles, mut eights) = (Vec::new(), Vec::new());
    for _ in 0..rounds.refresh {
        singles.push(timed_refresh(&app, one).await?);
        eights.push(timed_refresh(&app, &all).await?);
    }
    let best = |times: &[Duration]| times.iter().copied().min().unwrap_or_default();
    let (best_one, best_all) = (best(&singles), best(&eights));
    println!("  1 region : {} → best {}", list_ms(&singles), ms(best_one));
    println!("  8 regions: {} → best {}", list_ms(&eights), ms(best_all));
    let ratio = best_all.as_secs_f64() / best_one.as_secs_f64().max(f64::MIN_POSITIVE);
    let ok = ratio <= REFRESH_BUDGET_RATIO;
    println!("  ratio {ratio:.2}× (budget ≤ {REFRESH_BUDGET_RATIO}×): {}", verdict(ok));
    Ok(ok)
}

/// Budget (b): the median of a Converse call made directly with an SDK client, against the
/// median of `POST /api/v1/aws/test` for a model bound to the same profile, which parses the
/// request, reads and resolves the binding file, calls Converse and answers with JSON. Both use
/// the same `SdkConfig` and the same fake, with no latency injected. Whether it is met.
async fn invoke_budget(rounds: &Rounds) -> BenchResult<bool> {
    let fake = FakeBedrock::with_default_regions().spawn().await?;
    let home = tempfile::tempdir()?;
    let file = home.path().join("inference.txt");
    std::fs::write(&file, format!("{NOVA}={NOVA_US}\n"))?;
    let app = app(&fake, &file).await;
    let direct = aws_sdk_bedrockruntime::Client::new(&sdk_config(&fake).await);

    let (mut direct_times, mut server_times) = (Vec::new(), Vec::new());
    for round in 0..rounds.invoke_warm_up + rounds.invoke {
        // Alternating which goes first, so neither always runs right after the other.
        let (d, s) = if round % 2 == 0 {
            let d = timed_direct(&direct).await?;
            (d, timed_server(&app).await?)
        } else {
            let s = timed_server(&app).await?;
            (timed_direct(&direct).await?, s)
        };
        if round >= rounds.invoke_warm_up {
            direct_times.push(d);
            server_times.push(s);
        }
    }
    let (direct_p50, server_p50) = (percentile(&mut direct_times, 50), percentile(&mut server_times, 50));
    let (direct_p90, server_p90) = (percentile(&mut direct_times, 90), percentile(&mut server_times, 90));
    println!(
        "\ntest invocation, {} rounds after {} to warm up (Converse to {NOVA_US})",
        rounds.invoke, rounds.invoke_warm_up
    );
    println!("  direct SDK call      : p50 {} (p90 {})", ms(direct_p50), ms(direct_p90));
    println!("  POST /api/v1/aws/test: p50 {} (p90 {})", ms(server_p50), ms(server_p90));
    let added = (server_p50.as_secs_f64() - direct_p50.as_secs_f64()) * 1000.0;
    let ok = added <= INVOKE_BUDGET_MS;
    println!("  the server adds {added:.2} ms at the median (budget ≤ {INVOKE_BUDGET_MS} ms): {}", verdict(ok));
    Ok(ok)
}

/// An SDK configuration that sends every service to `fake` in us-east-1, with the fake's test
/// credentials and no retries (as the end-to-end tests build it).
async fn sdk_config(fake: &RunningFake) -> SdkConfig {
    let [(_, key), (_, secret)] = TEST_CREDENTIALS_ENV;
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(&fake.url)
        .region(aws_config::Region::new("us-east-1"))
        .retry_config(RetryConfig::disabled())
        .use_fips(false)
        .use_dual_stack(false)
        .credentials_provider(aws_sdk_bedrock::config::Credentials::new(key, secret, None, None, "bench"))
        .load()
        .await
}

/// The whole app over the file at `file`, with AWS on `fake`.
async fn app(fake: &RunningFake, file: &std::path::Path) -> Router {
    let aws = Aws::from_config(sdk_config(fake).await, AwsSettings::default());
    // The file's history goes beside it in the bench's temp directory, not the user's.
    let state = file.with_file_name("state");
    router(AppState::new(Environments::single_file_with_state(file, state), Catalog::embedded()).with_aws(aws))
}

/// A request through the router: the status and the body.
async fn send(app: &Router, request: Request<Body>) -> BenchResult<(StatusCode, Bytes)> {
    let response = app.clone().oneshot(request).await.unwrap_or_else(|never| match never {});
    let (parts, body) = response.into_parts();
    Ok((parts.status, body.collect().await?.to_bytes()))
}

fn post_json(uri: &str, json: &serde_json::Value) -> BenchResult<Request<Body>> {
    Ok(Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json.to_string()))?)
}

/// `POST /api/v1/aws/refresh` of `regions`, fetched again (no cache); every region must load.
async fn refresh(app: &Router, regions: &[&str]) -> BenchResult<RefreshProgress> {
    let (status, body) =
        send(app, post_json("/api/v1/aws/refresh", &serde_json::json!({ "regions": regions }))?).await?;
    if status != StatusCode::OK {
        return Err(format!("refresh answered {status}: {}", String::from_utf8_lossy(&body)).into());
    }
    let progress: RefreshProgress = serde_json::from_slice(&body)?;
    if let Some(failed) = progress.regions.iter().find(|r| r.state != RegionState::Done || r.cached) {
        return Err(format!("{} was not fetched: {failed:?}", failed.region).into());
    }
    Ok(progress)
}

async fn timed_refresh(app: &Router, regions: &[&str]) -> BenchResult<Duration> {
    let started = Instant::now();
    refresh(app, regions).await?;
    Ok(started.elapsed())
}

/// The Converse call `POST /api/v1/aws/test` makes for [`NOVA`], made directly.
async fn timed_direct(client: &aws_sdk_bedrockruntime::Client) -> BenchResult<Duration> {
    let started = Instant::now();
    let message = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(DEFAULT_PROMPT.to_owned()))
        .build()?;
    let max_tokens = i32::try_from(DEFAULT_MAX_TOKENS)?;
    client
        .converse()
        .model_id(NOVA_US)
        .messages(message)
        .inference_config(InferenceConfiguration::builder().max_tokens(max_tokens).build())
        .send()
        .await?;
    Ok(started.elapsed())
}

/// `POST /api/v1/aws/test` for [`NOVA`], which must succeed.
async fn timed_server(app: &Router) -> BenchResult<Duration> {
    let started = Instant::now();
    let (status, body) = send(app, post_json("/api/v1/aws/test", &serde_json::json!({ "model": NOVA }))?).await?;
    let elapsed = started.elapsed();
    let response: TestResponse = serde_json::from_slice(&body)?;
    if status != StatusCode::OK || !response.ok || response.model_id_sent != NOVA_US {
        return Err(format!("the test call failed ({status}): {response:?}").into());
    }
    Ok(elapsed)
}

/// The `p`th percentile (nearest rank) of `times`.
fn percentile(times: &mut [Duration], p: usize) -> Duration {
    times.sort_unstable();
    let rank = (times.len() * p).div_ceil(100).max(1);
    times.get(rank - 1).copied().unwrap_or_default()
}

fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

fn list_ms(times: &[Duration]) -> String {
    times.iter().map(|t| format!("{:.1}", t.as_secs_f64() * 1000.0)).collect::<Vec<_>>().join(", ")
}

fn verdict(ok: bool) -> &'static str {
    if ok { "pass" } else { "FAIL" }
}

/// The 1, 5 and 15 minute load averages, as `uptime` shows them (Linux).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}
