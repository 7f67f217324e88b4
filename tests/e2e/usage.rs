//! Usage per binding against the fake's scripted CloudWatch metrics: the API
//! (`/api/v1/envs/{env}/usage`, and the sparkline the bindings page shows) through
//! `router(state).oneshot(...)` with the real SDK, and `bedrock-binder usage` as a process
//! pointed at the fake by `AWS_ENDPOINT_URL_CLOUDWATCH`.
//!
//! One scripted account serves every test: a binding called by id and by ARN with throttles
//! and errors, one called 20 days ago (only by name: ListMetrics no longer lists it), one not
//! called for 35 days (unused), and calls that went around the bindings (an application
//! profile no binding names, and a bound model called by its own id).

use std::time::Duration;

use axum::http::{StatusCode, header};
use bedrock_binder::aws::AwsSettings;
use bedrock_binder_shared::api::{BindingUsage, UsageResponse};
use bedrock_binder_shared::aws_failure::AwsFailureCode;
use fake_bedrock::{FakeBedrock, FakeError, MetricSeries, ModelMatch, Operation, Rule};

use crate::aws_api::{NOVA, NOVA_US, app_with, aws_with, get, send};
use crate::aws_cli::aws_run;
use crate::helpers::TestHome;

const LITE: &str = "amazon.nova-lite-v1:0";
const MICRO: &str = "amazon.nova-micro-v1:0";
const MICRO_US: &str = "us.amazon.nova-micro-v1:0";
const NOVA_US_ARN: &str = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0";
const STRAY_ARN: &str = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/strayprofile";

/// Three bindings: Nova Pro through its US profile, Nova Lite direct, Nova Micro through its
/// US profile.
const FILE: &str = "amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\namazon.nova-lite-v1:0=\n\
                    amazon.nova-micro-v1:0=us.amazon.nova-micro-v1:0\n";

fn hours(n: u64) -> Duration {
    Duration::from_secs(n * 3600)
}

fn days(n: u64) -> Duration {
    hours(n * 24)
}

fn series(metric: &str, model_id: &str) -> MetricSeries {
    MetricSeries::bedrock("us-east-1", metric, model_id)
}

/// The scripted account, with answers paging after 7 datapoints or metrics.
fn fake() -> FakeBedrock {
    FakeBedrock::with_default_regions()
        .metrics_page_limit(7)
        // Nova Pro: 5 calls by id 2 hours ago and 1 by ARN 3 days ago; 3 more by id 10 days ago.
        .metric(series("Invocations", NOVA_US).ago(hours(2), 5.0).ago(days(10), 3.0))
        .metric(series("Invocations", NOVA_US_ARN).ago(days(3), 1.0))
        .metric(series("InputTokenCount", NOVA_US).ago(hours(2), 1200.0))
        .metric(series("OutputTokenCount", NOVA_US).ago(hours(2), 340.0))
        .metric(series("InvocationThrottles", NOVA_US).ago(hours(2), 2.0).ago(days(2), 4.0))
        .metric(series("InvocationClientErrors", NOVA_US).ago(hours(5), 1.0))
        .metric(series("InvocationServerErrors", NOVA_US_ARN).ago(days(3), 1.0))
        // Nova Micro: called 20 days ago, which ListMetrics (two weeks) no longer lists.
        .metric(series("Invocations", MICRO_US).ago(days(20), 7.0))
        // Nova Lite: last called 35 days ago: unused.
        .metric(series("Invocations", LITE).ago(days(35), 9.0))
        // Around the bindings: a profile no binding names, and Nova Pro called by its own id.
        .metric(series("Invocations", STRAY_ARN).ago(hours(3), 11.0))
        .metric(series("Invocations", NOVA).ago(hours(1), 2.0))
        // Another region's CloudWatch: not this environment's.
        .metric(MetricSeries::bedrock("us-west-2", "Invocations", NOVA_US).ago(hours(1), 1000.0))
}

fn binding<'a>(report: &'a UsageResponse, model: &str) -> &'a BindingUsage {
    report.bindings.iter().find(|b| b.model == model).unwrap_or_else(|| panic!("no entry for {model}: {report:?}"))
}

#[track_caller]
fn assert_scripted_account(report: &UsageResponse) {
    assert_eq!(report.region, "us-east-1");
    assert_eq!(report.bindings.len(), 3);

    let nova = binding(report, NOVA);
    assert_eq!(nova.target, NOVA_US);
    assert_eq!(nova.called_as, [NOVA_US_ARN, NOVA_US], "its id and its ARN");
    let (day, week) = (&nova.usage.last_24h, &nova.usage.last_7d);
    assert_eq!((day.invocations, day.input_tokens, day.output_tokens), (5, 1200, 340));
    assert_eq!((day.throttles, day.client_errors, day.server_errors), (2, 1, 0));
    assert_eq!((week.invocations, week.throttles, week.errors()), (6, 6, 2));
    assert!(!nova.unused);

    let micro = binding(report, MICRO);
    assert_eq!((micro.usage.last_7d.invocations, micro.unused), (0, false), "a call 20 days ago is a use");

    let lite = binding(report, LITE);
    assert_eq!(lite.target, LITE, "direct: the model itself is called");
    assert!(lite.unused, "no call in 30 days");
    assert_eq!(lite.usage.last_call, None);

    let around: Vec<(&str, Option<&str>, u64)> = report
        .unbound
        .iter()
        .map(|u| (u.model_id.as_str(), u.bound_model.as_deref(), u.usage.last_24h.invocations))
        .collect();
    assert_eq!(around, [(STRAY_ARN, None, 11), (NOVA, Some(NOVA), 2)]);
}

#[tokio::test]
async fn the_report_totals_each_binding_and_lists_calls_around_the_bindings() {
    let fake = fake().spawn().await.expect("fake");
    let home = TestHome::with_file(FILE);
    let app = app_with(&home, aws_with(&fake, "us-east-1", AwsSettings::default()).await);

    let report: UsageResponse = send(&app, get("/api/v1/envs/default/usage?since=7d")).await.json();
    assert_scripted_account(&report);
    assert_eq!(report.since.to_string(), "7d");
    assert_eq!((report.bucket_seconds, report.end - report.start), (4 * 3600, 7 * 86_400));
    let nova = binding(&report, NOVA);
    assert_eq!(nova.usage.series.len(), 42);
    assert_eq!(nova.usage.series.iter().sum::<u64>(), 6, "the week's calls, by id and by ARN");

    // Read through pages of 7 (ListMetrics, and GetMetricData for 6 metrics of 6 identifiers).
    let pages = |operation| fake.requests().iter().filter(|r| r.operation == Some(operation)).count();
    assert!(pages(Operation::ListMetrics) >= 2, "{} ListMetrics pages", pages(Operation::ListMetrics));
    assert!(pages(Operation::GetMetricData) >= 2, "{} GetMetricData pages", pages(Operation::GetMetricData));
    assert!(fake.requests().iter().all(|r| r.status == 200), "{:?}", fake.requests());

    // Every span up to 30 days reads the same 30 days (to know "unused"), so the next
    // reports and the page's sparklines reuse this read for a few minutes.
    fake.clear_requests();
    let month: UsageResponse = send(&app, get("/api/v1/envs/default/usage?since=30d")).await.json();
    assert_eq!(binding(&month, MICRO).usage.span.invocations, 7);
    assert_eq!(binding(&month, NOVA).usage.span.invocations, 9);
    let day: UsageResponse = send(&app, get("/api/v1/envs/default/usage?since=24h")).await.json();
    assert_eq!(binding(&day, NOVA).usage.span.invocations, 5);
    let svg = send(&app, get("/api/v1/envs/default/usage/sparkline.svg?model=amazon.nova-pro-v1:0&since=24h")).await;
    assert_eq!(svg.status, StatusCode::OK);
    assert!(fake.requests().is_empty(), "read again: {:?}", fake.requests());
    // A longer span reads its own hours.
    let quarter: UsageResponse = send(&app, get("/api/v1/envs/default/usage?since=90d")).await.json();
    assert_eq!(binding(&quarter, LITE).usage.span.invocations, 9, "35 days ago is within 90 days");
    assert!(binding(&quarter, LITE).unused, "still no call in the last 30 days");
    assert!(pages(Operation::GetMetricData) >= 1);
}

#[tokio::test]
async fn the_sparkline_is_an_svg_whose_title_carries_the_numbers() {
    let fake = fake().spawn().await.expect("fake");
    let home = TestHome::with_file(FILE);
    let app = app_with(&home, aws_with(&fake, "us-east-1", AwsSettings::default()).await);

    let reply = send(&app, get("/api/v1/envs/default/usage/sparkline.svg?model=amazon.nova-pro-v1:0")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.headers[header::CONTENT_TYPE], "image/svg+xml");
    let csp = reply.headers[header::CONTENT_SECURITY_POLICY].to_str().expect("ascii");
    assert!(csp.contains("frame-ancestors 'self'") && csp.contains("default-src 'none'"), "{csp}");
    let svg = reply.text();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{svg}");
    let title = svg.split("<title>").nth(1).and_then(|t| t.split("</title>").next()).expect("a title");
    assert!(title.starts_with("Usage of amazon.nova-pro-v1:0 (calls us.amazon.nova-pro-v1:0)"), "{title}");
    assert!(title.contains("Last 24h: 5 calls, 1,200 input and 340 output tokens, 2 throttles, 1 error"), "{title}");
    assert!(title.contains("Last 7d: 6 calls"), "{title}");

    let lite = send(&app, get("/api/v1/envs/default/usage/sparkline.svg?model=amazon.nova-lite-v1:0")).await;
    assert!(lite.text().contains(">unused</text>") && lite.text().contains("no call in 30 days"), "{}", lite.text());

    let unbound = send(&app, get("/api/v1/envs/default/usage/sparkline.svg?model=amazon.titan-text-express-v1")).await;
    assert_eq!(unbound.status, StatusCode::NOT_FOUND);
    assert!(unbound.text().contains("has no binding in `default`"), "{}", unbound.text());

    let bad = send(&app, get("/api/v1/envs/default/usage/sparkline.svg?model=x&since=2w")).await;
    let error = bad.error(StatusCode::BAD_REQUEST);
    assert!(error.message.contains("`2w` is not a span"), "{}", error.message);
}

#[tokio::test]
async fn a_cloudwatch_refusal_is_a_424_for_the_report_and_a_dash_in_the_sparkline() {
    let fake = fake()
        .rule(Rule::new(Operation::GetMetricData, ModelMatch::Any, FakeError::AccessDenied))
        .spawn()
        .await
        .expect("fake");
    let home = TestHome::with_file(FILE);
    let app = app_with(&home, aws_with(&fake, "us-east-1", AwsSettings::default()).await);

    let error = send(&app, get("/api/v1/envs/default/usage")).await.error(StatusCode::FAILED_DEPENDENCY);
    let diagnosis = error.details.and_then(|d| d.diagnosis).expect("a diagnosis");
    assert_eq!(diagnosis.code, AwsFailureCode::AccessDenied);
    assert!(diagnosis.remedy.contains("cloudwatch:GetMetricData"), "{}", diagnosis.remedy);
    assert_eq!(diagnosis.aws.map(|aws| aws.error_type).as_deref(), Some("AccessDenied"));

    let reply = send(&app, get("/api/v1/envs/default/usage/sparkline.svg?model=amazon.nova-pro-v1:0")).await;
    assert_eq!(reply.status, StatusCode::OK, "the row shows an image either way");
    let svg = reply.text();
    assert!(svg.contains(">—</text>") && svg.contains("Usage unavailable: AWS refused"), "{svg}");
    let reads = fake.requests().iter().filter(|r| r.operation == Some(Operation::GetMetricData)).count();
    assert_eq!(reads, 1, "the failure is remembered for a while, not asked again per row");
}

#[tokio::test]
async fn an_unknown_environment_is_a_404() {
    let fake = fake().spawn().await.expect("fake");
    let home = TestHome::with_file(FILE);
    let app = app_with(&home, aws_with(&fake, "us-east-1", AwsSettings::default()).await);
    let reply = send(&app, get("/api/v1/envs/staging/usage")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text());
    assert!(fake.requests().is_empty(), "nothing is read for an environment that does not exist");
}

#[test]
fn the_cli_prints_each_binding_with_its_numbers_and_the_calls_around_the_bindings() {
    let fake = fake().start().expect("fake");
    let home = TestHome::with_file(FILE);

    let run = aws_run(&home, &fake, &["usage"]).success();
    let out = &run.stdout;
    assert!(out.starts_with("Usage of "), "{out}");
    assert!(out.contains(" in us-east-1, from CloudWatch (AWS/Bedrock):\n"), "{out}");
    assert!(
        out.contains(
            "1. amazon.nova-lite-v1:0 -> direct\n   24h: 0 calls · 7d: 0 calls\n   unused: no call in 30 days\n"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "2. amazon.nova-micro-v1:0 -> us.amazon.nova-micro-v1:0\n   24h: 0 calls · 7d: 0 calls\n   last called"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "3. amazon.nova-pro-v1:0 -> us.amazon.nova-pro-v1:0\n   24h: 5 calls, 1,200/340 tokens in/out, 2 throttles, \
             1 error (1 client, 0 server) · 7d: 6 calls, 1,200/340 tokens in/out, 6 throttles, 2 errors (1 client, 1 \
             server)\n"
        ),
        "{out}"
    );
    assert!(out.contains(&format!("Not bound (called around the bindings):\n1. {STRAY_ARN}\n")), "{out}");
    assert!(out.contains("2. amazon.nova-pro-v1:0\n   24h: 2 calls · 7d: 2 calls\n   called by its own id, around its binding `amazon.nova-pro-v1:0`\n"), "{out}");
    assert!(out.ends_with("Total: 3 bindings, 1 unused, 2 not bound\n"), "{out}");

    let json = aws_run(&home, &fake, &["--json", "usage", "--since", "30d"]).success();
    let report: UsageResponse = serde_json::from_str(&json.stdout).expect("the API's JSON");
    assert_scripted_account(&report);
    assert_eq!(report.since.to_string(), "30d");
    assert_eq!(binding(&report, MICRO).usage.span.invocations, 7);

    let wrong = aws_run(&home, &fake, &["usage", "--since", "2w"]);
    assert_eq!(wrong.code, Some(2), "{}", wrong.stderr);
    assert!(wrong.stderr.contains("`2w` is not a span: write whole hours or days"), "{}", wrong.stderr);
}

#[test]
fn the_cli_explains_a_cloudwatch_refusal_and_fails() {
    let fake =
        fake().rule(Rule::new(Operation::ListMetrics, ModelMatch::Any, FakeError::AccessDenied)).start().expect("fake");
    let home = TestHome::with_file(FILE);
    let run = aws_run(&home, &fake, &["usage"]);
    assert_ne!(run.code, Some(0), "{}", run.stdout);
    assert!(run.stderr.contains("cloudwatch:ListMetrics"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}
