//! Usage per binding: calls, tokens, throttles and errors from CloudWatch's `AWS/Bedrock`
//! metrics, whose `ModelId` dimension is the id or ARN an app called.
//!
//! | module | what |
//! |---|---|
//! | [`aggregate`] | hourly sums per `ModelId` → each binding's totals, series, "unused", and the calls no binding makes (pure) |
//! | [`fetch`] | ListMetrics and GetMetricData in the environment's account and region |
//! | [`cache`] | a fetch reused for a few minutes, so a page of sparklines is one read |
//! | [`sparkline`] | one binding's usage as a small SVG |
//!
//! `GET /api/v1/envs/{env}/usage` (`server::usage`) and `bedrock-binder usage` both call
//! [`fetch::usage_report`].

pub mod aggregate;
pub mod cache;
pub mod fetch;
pub mod sparkline;
