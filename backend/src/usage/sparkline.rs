//! One binding's usage as a small SVG: a bar per bucket of the span and its count of calls,
//! with the numbers in words in its `<title>` (the tooltip on hover, and the accessible name)
//! and, on hover or keyboard focus, drawn in place of the bars.
//!
//! Rendered by the server so the browser bundle pays nothing for it: the bindings page only
//! embeds `sparkline.svg` in each row. The image is a document of its own, so it carries its
//! own colours (the page's, light and dark) and styles; every text in it is escaped.

use std::fmt::Write as _;

use bedrock_binder_shared::api::{BindingUsage, UsageResponse, UsageSpan, UsageTotals};

use crate::aws::format_time;

/// The image's size in CSS pixels; the page's frame has the same.
pub const WIDTH: u32 = 140;
/// See [`WIDTH`].
pub const HEIGHT: u32 = 28;

/// Where the bars end and the count begins.
const BARS_WIDTH: f64 = 88.0;

/// The styles: the page's colours, the bars, and the details shown on hover or focus.
const STYLE: &str = "svg{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#5b6470;--line:#d6dbe1;\
--accent:#1f5fbf;--warn:#8a5a00;font:10px system-ui,sans-serif}\
@media (prefers-color-scheme:dark){svg{--bg:#15181c;--fg:#e6e8eb;--muted:#9aa3ad;--line:#343a42;\
--accent:#6ea2f5;--warn:#ffd27a}}\
.bg{fill:var(--bg)}.b{fill:var(--accent)}.z{fill:var(--line)}text{fill:var(--fg)}.m{fill:var(--muted)}\
.w{fill:var(--warn)}.d{display:none}svg:hover .s,svg:focus .s{display:none}\
svg:hover .d,svg:focus .d{display:inline}svg:focus{outline:2px solid #f0a500;outline-offset:-2px}";

/// Escapes text for XML content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `1234567` as `1,234,567`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `1234` as `1.2k`, for the image's few pixels.
fn short(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1}k", n as f64 / 1e3).replace(".0k", "k"),
        _ => format!("{:.1}M", n as f64 / 1e6).replace(".0M", "M"),
    }
}

fn plural(n: u64, word: &str) -> String {
    format!("{} {word}{}", grouped(n), if n == 1 { "" } else { "s" })
}

/// One span's totals in words: `12 calls, 4,000 input and 300 output tokens, 1 throttle, 2
/// errors (2 client, 0 server)`.
pub fn totals_in_words(totals: &UsageTotals) -> String {
    let mut words = format!(
        "{}, {} input and {} output tokens, {}",
        plural(totals.invocations, "call"),
        grouped(totals.input_tokens),
        grouped(totals.output_tokens),
        plural(totals.throttles, "throttle"),
    );
    let _ = write!(
        words,
        ", {} ({} client, {} server)",
        plural(totals.errors(), "error"),
        grouped(totals.client_errors),
        grouped(totals.server_errors)
    );
    words
}

/// The title: the binding and its numbers in sentences.
fn title(binding: &BindingUsage, report: &UsageResponse) -> String {
    let usage = &binding.usage;
    let mut title = format!("Usage of {} (calls {})", binding.model, binding.target);
    if report.since != UsageSpan::DAY && report.since != UsageSpan::WEEK {
        let _ = write!(title, ". Last {}: {}", report.since, totals_in_words(&usage.span));
    }
    let _ = write!(title, ". Last 24h: {}", totals_in_words(&usage.last_24h));
    let _ = write!(title, ". Last 7d: {}", totals_in_words(&usage.last_7d));
    match usage.last_call {
        Some(at) => {
            let _ = write!(title, ". Last called in the hour from {}", format_time(at));
        }
        None => title.push_str(". No call found"),
    }
    if binding.unused {
        let _ = write!(title, ". Unused: no call in {} days", report.unused_after_days);
    }
    title.push('.');
    title
}

fn open(out: &mut String, label: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} \
         {HEIGHT}\" role=\"img\" tabindex=\"0\"><title>{}</title><style>{STYLE}</style><rect class=\"bg\" \
         width=\"{WIDTH}\" height=\"{HEIGHT}\"/>",
        escape(label)
    );
}

/// The sparkline of `binding` in `report`.
pub fn render(binding: &BindingUsage, report: &UsageResponse) -> String {
    let usage = &binding.usage;
    let mut out = String::with_capacity(4096);
    open(&mut out, &title(binding, report));
    out.push_str("<g class=\"s\">");
    let max = usage.series.iter().copied().max().unwrap_or_default();
    let count = usage.series.len().max(1) as f64;
    let slot = BARS_WIDTH / count;
    let bottom = f64::from(HEIGHT) - 4.0;
    for (i, calls) in usage.series.iter().enumerate() {
        let x = i as f64 * slot;
        let width = (slot - 1.0).max(1.0);
        if *calls == 0 || max == 0 {
            let _ = write!(out, "<rect class=\"z\" x=\"{x:.1}\" y=\"{bottom:.1}\" width=\"{width:.1}\" height=\"1\"/>");
        } else {
            // At least 2px, so one call among thousands still shows.
            let height = ((*calls as f64 / max as f64) * (bottom - 3.0)).max(2.0);
            let y = bottom + 1.0 - height;
            let _ = write!(
                out,
                "<rect class=\"b\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{height:.1}\"/>"
            );
        }
    }
    let span_totals = &usage.span;
    let (class, count) = if binding.unused {
        ("m", "unused".to_owned())
    } else if span_totals.throttles + span_totals.errors() > 0 {
        ("w", short(span_totals.invocations))
    } else {
        ("", short(span_totals.invocations))
    };
    let _ = write!(
        out,
        "<text class=\"{class}\" x=\"{}\" y=\"18\" text-anchor=\"end\">{}</text></g>",
        WIDTH - 3,
        escape(&count)
    );
    let line = |label: &str, totals: &UsageTotals| {
        let mut text = format!("{label} {}", plural(totals.invocations, "call"));
        if totals.throttles > 0 {
            let _ = write!(text, " · {} thr", grouped(totals.throttles));
        }
        if totals.errors() > 0 {
            let _ = write!(text, " · {} err", grouped(totals.errors()));
        }
        text
    };
    let _ = write!(
        out,
        "<g class=\"d\"><text x=\"3\" y=\"11\">{}</text><text x=\"3\" y=\"24\">{}</text></g></svg>",
        escape(&line(&report.since.to_string(), span_totals)),
        escape(&line("24h", &usage.last_24h)),
    );
    out
}

/// The image for when there is no usage to show: `text` drawn, `why` as the title.
pub fn unavailable(text: &str, why: &str) -> String {
    let mut out = String::with_capacity(1024);
    open(&mut out, why);
    let _ = write!(out, "<text class=\"m\" x=\"3\" y=\"18\">{}</text></svg>", escape(text));
    out
}

#[cfg(test)]
mod tests {
    use bedrock_binder_shared::api::Usage;

    use super::*;

    fn report(span: UsageSpan) -> UsageResponse {
        UsageResponse {
            env: "default".to_owned(),
            region: "us-east-1".to_owned(),
            since: span,
            bucket_seconds: 4 * 3600,
            start: 0,
            end: 0,
            unused_after_days: 30,
            fetched_at: 0,
            bindings: Vec::new(),
            unbound: Vec::new(),
        }
    }

    fn binding(series: Vec<u64>, totals: UsageTotals, unused: bool) -> BindingUsage {
        BindingUsage {
            model: "amazon.nova-pro-v1:0".to_owned(),
            target: "us.amazon.nova-pro-v1:0".to_owned(),
            called_as: Vec::new(),
            unused,
            usage: Usage {
                last_24h: totals,
                last_7d: totals,
                span: totals,
                series,
                last_call: Some(1_700_000_000 / 3600 * 3600),
            },
        }
    }

    #[test]
    fn the_title_says_every_number_in_words() {
        let totals = UsageTotals {
            invocations: 1234,
            input_tokens: 45_678,
            output_tokens: 12_345,
            throttles: 1,
            client_errors: 2,
            server_errors: 0,
        };
        let svg = render(&binding(vec![0, 3, 1], totals, false), &report(UsageSpan::WEEK));
        let title = svg.split("<title>").nth(1).and_then(|t| t.split("</title>").next()).expect("a title");
        assert!(
            title.starts_with("Usage of amazon.nova-pro-v1:0 (calls us.amazon.nova-pro-v1:0). Last 24h: "),
            "{title}"
        );
        assert!(
            title.contains(
                "1,234 calls, 45,678 input and 12,345 output tokens, 1 throttle, 2 errors (2 client, 0 server)"
            ),
            "{title}"
        );
        assert!(title.contains("Last called in the hour from 2023-11-14T22:00:00Z"), "{title}");
        assert!(svg.contains("role=\"img\"") && svg.contains("tabindex=\"0\""));
        assert!(svg.contains(">1.2k</text>") && svg.contains("class=\"w\""), "throttles and errors colour the count");
        assert!(svg.contains(">7d 1,234 calls · 1 thr · 2 err</text>"), "{svg}");
        assert_eq!(svg.matches("<rect class=\"b\"").count(), 2);
        assert_eq!(svg.matches("<rect class=\"z\"").count(), 1);
    }

    #[test]
    fn an_unused_binding_says_so_and_other_spans_are_named() {
        let svg = render(&binding(vec![0; 48], UsageTotals::default(), true), &report("30d".parse().expect("span")));
        assert!(svg.contains(">unused</text>") && svg.contains("Unused: no call in 30 days"), "{svg}");
        assert!(svg.contains("Last 30d: 0 calls"), "{svg}");
    }

    #[test]
    fn text_from_the_file_is_escaped() {
        let mut odd = binding(vec![1], UsageTotals::default(), false);
        odd.model = "a<b>&\"c\"".to_owned();
        let svg = render(&odd, &report(UsageSpan::DAY));
        assert!(svg.contains("a&lt;b&gt;&amp;&quot;c&quot;") && !svg.contains("a<b>"), "{svg}");
        assert!(unavailable("—", "x < y").contains("<title>x &lt; y</title>"));
    }

    #[test]
    fn numbers_are_grouped_in_words_and_shortened_in_the_image() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(short(999), "999");
        assert_eq!(short(1000), "1k");
        assert_eq!(short(1260), "1.3k");
        assert_eq!(short(3_000_000), "3M");
    }
}
