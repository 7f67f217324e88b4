//! `usage [--since 7d]`: each binding's calls, tokens, throttles and errors from CloudWatch, and
//! the identifiers called around the bindings, in the environment's account and region.
//!
//! One line per binding, as `list` prints them (`N. MODEL -> BINDING`), followed by its
//! numbers; `--json` prints the API's [`UsageResponse`].

use std::io::Write;

use bedrock_binder_shared::api::{Usage, UsageResponse, UsageSpan, UsageTotals};

use super::aws::runtime;
use super::{CliError, Session};
use crate::aws::{Aws, AwsSettings, format_time};
use crate::usage::aggregate::bound_targets;
use crate::usage::fetch::usage_report;
use crate::usage::sparkline::grouped;

impl Session {
    /// `usage [--since SPAN] [--region R]`.
    pub(super) fn usage(
        &self,
        settings: AwsSettings,
        span: UsageSpan,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<u8, CliError> {
        let (_, document) = self.load(err)?;
        let aws = Aws::from_chain(settings);
        let runtime = runtime()?;
        let aws_failure = |diagnosis| CliError::Aws(Box::new(diagnosis));
        let region = runtime.block_on(aws.region_or_default(None)).map_err(aws_failure)?;
        let bindings = bound_targets(&document);
        let report =
            runtime.block_on(usage_report(&aws, self.env.as_str(), &region, &bindings, span)).map_err(aws_failure)?;
        if self.json {
            self.print_json(out, &report)?;
        } else {
            print_report(&report, &self.label(), out)?;
        }
        Ok(0)
    }
}

/// `1,234 calls, 45,678/12,345 tokens in/out, 3 throttles, 2 errors`, leaving out what is 0.
fn totals(totals: &UsageTotals) -> String {
    let plural = |n: u64, word: &str| format!("{} {word}{}", grouped(n), if n == 1 { "" } else { "s" });
    let mut text = plural(totals.invocations, "call");
    if totals.input_tokens + totals.output_tokens > 0 {
        text.push_str(&format!(", {}/{} tokens in/out", grouped(totals.input_tokens), grouped(totals.output_tokens)));
    }
    if totals.throttles > 0 {
        text.push_str(&format!(", {}", plural(totals.throttles, "throttle")));
    }
    if totals.errors() > 0 {
        text.push_str(&format!(
            ", {} ({} client, {} server)",
            plural(totals.errors(), "error"),
            grouped(totals.client_errors),
            grouped(totals.server_errors)
        ));
    }
    text
}

/// `24h: … · 7d: …`, and the report's span when it is neither.
fn spans(usage: &Usage, span: UsageSpan) -> String {
    let mut text = format!("24h: {} · 7d: {}", totals(&usage.last_24h), totals(&usage.last_7d));
    if span != UsageSpan::DAY && span != UsageSpan::WEEK {
        text.push_str(&format!(" · {span}: {}", totals(&usage.span)));
    }
    text
}

fn print_report(report: &UsageResponse, label: &str, out: &mut dyn Write) -> Result<(), CliError> {
    writeln!(out, "Usage of {label} in {}, from CloudWatch (AWS/Bedrock):", report.region)?;
    for (index, binding) in report.bindings.iter().enumerate() {
        let shown = if binding.target == binding.model { "direct" } else { binding.target.as_str() };
        writeln!(out, "{}. {} -> {shown}", index + 1, binding.model)?;
        writeln!(out, "   {}", spans(&binding.usage, report.since))?;
        match (binding.unused, binding.usage.last_call) {
            (true, _) => writeln!(out, "   unused: no call in {} days", report.unused_after_days)?,
            (false, Some(at)) => writeln!(out, "   last called in the hour from {}", format_time(at))?,
            (false, None) => {}
        }
    }
    if !report.unbound.is_empty() {
        writeln!(out, "Not bound (called around the bindings):")?;
        for (index, unbound) in report.unbound.iter().enumerate() {
            writeln!(out, "{}. {}", index + 1, unbound.model_id)?;
            writeln!(out, "   {}", spans(&unbound.usage, report.since))?;
            if let Some(model) = &unbound.bound_model {
                writeln!(out, "   called by its own id, around its binding `{model}`")?;
            }
        }
    }
    let unused = report.bindings.iter().filter(|binding| binding.unused).count();
    writeln!(out, "Total: {} bindings, {unused} unused, {} not bound", report.bindings.len(), report.unbound.len())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_leave_out_what_is_zero() {
        assert_eq!(totals(&UsageTotals::default()), "0 calls");
        let busy = UsageTotals {
            invocations: 1234,
            input_tokens: 5000,
            output_tokens: 20,
            throttles: 1,
            client_errors: 2,
            server_errors: 1,
        };
        assert_eq!(totals(&busy), "1,234 calls, 5,000/20 tokens in/out, 1 throttle, 3 errors (2 client, 1 server)");
    }

    #[test]
    fn the_span_is_named_when_it_is_not_a_day_or_a_week() {
        let usage = Usage::default();
        assert_eq!(spans(&usage, UsageSpan::WEEK), "24h: 0 calls · 7d: 0 calls");
        assert!(spans(&usage, UsageSpan::UNUSED_AFTER).ends_with(" · 30d: 0 calls"));
    }
}
