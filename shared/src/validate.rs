//! The diagnostics for a [`Document`] checked against a [`Catalog`].
//!
//! This runs on every keystroke in the browser and on 100,000-line files on the server, so
//! the clean path allocates nothing: values are checked in place and only problems build
//! messages.

use crate::catalog::{Catalog, Lifecycle};
use crate::diagnostic::{Code, Diagnostic};
use crate::document::{Document, InvalidReason, Line, LineKind};
use crate::fast_hash::FastMap;
use crate::model_id::ModelId;
use crate::profile_ref::{ProfileKind, ProfileRef};

/// Every diagnostic for `document`, in line order.
pub fn validate(document: &Document, catalog: &Catalog) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    // One pass: when a key comes back, the line that bound it before is overridden.
    let mut last_line_of: FastMap<&str, usize> =
        FastMap::with_capacity_and_hasher(document.line_count(), Default::default());
    let mut overridden = false;
    for line in document.lines() {
        match line.kind {
            LineKind::Blank | LineKind::Comment => {}
            LineKind::Invalid { reason } => diagnostics.push(invalid_line(&line, reason)),
            LineKind::Binding { key, .. } => {
                let key_text = &line.content[key.start..key.end];
                if let Some(earlier) = last_line_of.insert(key_text, line.number) {
                    overridden = true;
                    let earlier_line = document.line(earlier).map(|l| l.content).unwrap_or_default();
                    let earlier_key = document.line(earlier).and_then(|l| match l.kind {
                        LineKind::Binding { key, .. } => Some(key),
                        _ => None,
                    });
                    if let Some(span) = earlier_key {
                        diagnostics.push(Diagnostic::new(
                            Code::DuplicateKey,
                            earlier,
                            earlier_line,
                            span.start,
                            span.end,
                            format!(
                                "`{key_text}` is bound on line {earlier} and again on line {}; the last one wins",
                                line.number
                            ),
                        ));
                    }
                }
                check_binding(&line, catalog, &mut diagnostics);
            }
        }
    }
    if overridden {
        // Duplicate warnings were raised when the later line was seen; keep line order.
        diagnostics.sort_by_key(|diagnostic| diagnostic.line);
    }
    diagnostics
}

/// Whether any diagnostic is an error (which blocks a save).
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}

fn invalid_line(line: &Line<'_>, reason: InvalidReason) -> Diagnostic {
    let content = line.content;
    let trimmed = content.trim();
    let start = content.len() - content.trim_start().len();
    match reason {
        InvalidReason::MissingEquals => {
            let diagnostic = Diagnostic::new(
                Code::MissingEquals,
                line.number,
                content,
                start,
                start + trimmed.len(),
                format!(
                    "`{trimmed}` has no `=`; a binding is written `MODEL=PROFILE` (or `MODEL=` to call it directly)"
                ),
            );
            if ModelId::check(trimmed).is_ok() {
                diagnostic.with_help(format!("`{trimmed}=` binds it to be called directly"))
            } else {
                diagnostic.with_help("start the line with `#` if it is a comment")
            }
        }
        InvalidReason::EmptyKey => {
            let eq = content.find('=').unwrap_or(start);
            Diagnostic::new(
                Code::EmptyKey,
                line.number,
                content,
                eq,
                eq + 1,
                format!("`{trimmed}` has no model id before the `=`"),
            )
        }
    }
}

/// The first run of whitespace inside an already-trimmed part, as a byte range.
fn inner_whitespace(part: &str) -> Option<(usize, usize)> {
    let start = part.find(char::is_whitespace)?;
    let run = part[start..].find(|c: char| !c.is_whitespace()).unwrap_or(part.len() - start);
    Some((start, start + run))
}

fn check_binding(line: &Line<'_>, catalog: &Catalog, diagnostics: &mut Vec<Diagnostic>) {
    let LineKind::Binding { key: key_span, value: value_span } = line.kind else { return };
    let content = line.content;
    let key = &content[key_span.start..key_span.end];
    let value = &content[value_span.start..value_span.end];
    let at = |code, start: usize, end: usize, message| {
        Diagnostic::new(code, line.number, content, key_span.start + start, key_span.start + end, message)
    };
    let at_value = |code, start: usize, end: usize, message| {
        Diagnostic::new(code, line.number, content, value_span.start + start, value_span.start + end, message)
    };

    // Whitespace is looked for only once a check fails: a valid id has none, and the
    // whitespace message is the clearer one when it is there.
    let key_is_model = match ModelId::check(key) {
        Ok(()) => true,
        Err(error) => {
            diagnostics.push(match inner_whitespace(key) {
                Some((start, end)) => {
                    at(Code::WhitespaceInKey, start, end, format!("the model id `{key}` contains whitespace"))
                        .with_help(key.split_whitespace().collect::<String>())
                }
                None => at(Code::MalformedModelId, error.span.start, error.span.end, error.message),
            });
            false
        }
    };

    if key_is_model {
        check_key_in_catalog(key, catalog, &at, diagnostics);
    }

    let checked = match ProfileRef::check(value) {
        Ok(checked) => checked,
        Err(_) if let Some((start, end)) = inner_whitespace(value) => {
            diagnostics.push(
                at_value(Code::WhitespaceInValue, start, end, format!("the value `{value}` contains whitespace"))
                    .with_help(value.split_whitespace().collect::<String>()),
            );
            return;
        }
        Err(error) => {
            let diagnostic = at_value(error.code(), error.span.start, error.span.end, error.message);
            diagnostics.push(match error.help {
                Some(help) => diagnostic.with_help(help),
                None => diagnostic,
            });
            return;
        }
    };
    // An alias names another model on purpose; a profile or ARN should serve the key's own.
    let names_its_model = matches!(checked.kind, ProfileKind::SystemProfile | ProfileKind::Arn);
    if key_is_model
        && names_its_model
        && let Some(profile_model) = checked.model
        && ModelId::base_of(key) != profile_model
    {
        diagnostics.push(at_value(
            Code::ProfileModelMismatch,
            0,
            value.len(),
            format!("`{value}` calls `{profile_model}`, not `{}`", ModelId::base_of(key)),
        ));
    }
}

fn check_key_in_catalog<F>(key: &str, catalog: &Catalog, at: &F, diagnostics: &mut Vec<Diagnostic>)
where
    F: Fn(Code, usize, usize, String) -> Diagnostic,
{
    match catalog.lifecycle_of(key) {
        Some(lifecycle) if lifecycle.is_legacy_or_eol() => {
            let Some(model) = catalog.model_named_by(key) else { return };
            let (status, help) = if model.lifecycle == Lifecycle::Eol {
                ("past its end of life", "calls to it fail now; bind an active model instead")
            } else {
                ("legacy", "bind an active model before its end-of-life date, when calls start to fail")
            };
            diagnostics.push(
                at(Code::LegacyModel, 0, key.len(), format!("`{}` is {status}: {}", model.id, model.lifecycle_note))
                    .with_help(help),
            );
        }
        Some(_) => {}
        None => {
            let diagnostic = at(Code::UnknownModel, 0, key.len(), format!("`{key}` is not in the model catalog"));
            diagnostics.push(match catalog.did_you_mean(key) {
                Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
                None => diagnostic,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;

    fn check(text: &str) -> Vec<Diagnostic> {
        validate(&Document::parse(text), Catalog::embedded())
    }

    fn codes(text: &str) -> Vec<(usize, Code)> {
        check(text).into_iter().map(|d| (d.line, d.code)).collect()
    }

    #[test]
    fn tpipes_example_lines_are_clean() {
        let text = "# Amazon Nova models (require inference profiles)\n\
                    amazon.nova-pro-v1:0=arn:aws:bedrock:us-east-2:521369004927:inference-profile/us.amazon.nova-pro-v1:0\n\
                    \n\
                    meta.llama3-70b-instruct-v1:0=\n";
        assert_eq!(check(text), vec![]);
    }

    #[test]
    fn a_line_without_equals_is_an_error_that_suggests_a_direct_binding() {
        let diagnostics = check("  amazon.nova-pro-v1:0\n");
        assert_eq!(diagnostics.len(), 1);
        let diagnostic = &diagnostics[0];
        assert_eq!((diagnostic.code, diagnostic.severity), (Code::MissingEquals, Severity::Error));
        assert_eq!((diagnostic.column, diagnostic.end_column), (3, 23));
        assert_eq!(diagnostic.help.as_deref(), Some("`amazon.nova-pro-v1:0=` binds it to be called directly"));
    }

    #[test]
    fn an_empty_key_is_an_error_at_the_equals() {
        let diagnostics = check("  = us.amazon.nova-pro-v1:0\n");
        assert_eq!(diagnostics[0].code, Code::EmptyKey);
        assert_eq!(diagnostics[0].column, 3);
    }

    #[test]
    fn whitespace_inside_a_key_or_value_is_located() {
        let diagnostics = check("amazon.nova pro-v1:0=us.amazon.nova-pro-v1:0\n");
        assert_eq!(diagnostics[0].code, Code::WhitespaceInKey);
        assert_eq!((diagnostics[0].column, diagnostics[0].end_column), (12, 13));
        assert_eq!(diagnostics[0].help.as_deref(), Some("amazon.novapro-v1:0"));
        let diagnostics = check("amazon.nova-pro-v1:0 = us.amazon.nova-pro-v1 :0\n");
        assert_eq!(diagnostics[0].code, Code::WhitespaceInValue);
        assert_eq!(diagnostics[0].column, 45);
    }

    #[test]
    fn malformed_arns_are_errors_under_the_bad_field() {
        let text =
            "amazon.nova-pro-v1:0=arn:aws:bedrock:us-east-2:5213690049271:inference-profile/us.amazon.nova-pro-v1:0\n";
        let diagnostic = &check(text)[0];
        assert_eq!(diagnostic.code, Code::MalformedArn);
        assert!(diagnostic.message.contains("13 digits"));
        assert_eq!((diagnostic.column, diagnostic.end_column), (48, 61));
        let unknown_type = "amazon.nova-pro-v1:0=arn:aws:bedrock:us-east-2:521369004927:custom-model/x\n";
        assert_eq!(check(unknown_type)[0].code, Code::MalformedArn);
        let short = "amazon.nova-pro-v1:0=arn:aws:bedrock:us-east-2\n";
        assert_eq!(check(short)[0].code, Code::MalformedArn);
    }

    #[test]
    fn a_malformed_profile_id_is_an_error() {
        assert_eq!(codes("amazon.nova-pro-v1:0=xx.amazon.nova-pro-v1:0\n"), vec![(1, Code::MalformedProfileId)]);
        assert_eq!(codes("amazon.nova-pro-v1:0=novapro\n"), vec![(1, Code::MalformedProfileId)]);
    }

    #[test]
    fn a_malformed_key_is_an_error() {
        assert_eq!(codes("Amazon.Nova-pro-v1:0=\n"), vec![(1, Code::MalformedModelId)]);
    }

    #[test]
    fn a_duplicate_key_warns_on_the_overridden_line_naming_both() {
        let diagnostics = check("amazon.nova-pro-v1:0=\n# x\namazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n");
        assert_eq!(diagnostics.len(), 1);
        assert_eq!((diagnostics[0].line, diagnostics[0].code), (1, Code::DuplicateKey));
        assert_eq!(diagnostics[0].severity, Severity::Warning);
        assert!(diagnostics[0].message.contains("line 1 and again on line 3"), "{}", diagnostics[0].message);
    }

    #[test]
    fn diagnostics_stay_in_line_order_with_duplicates() {
        let lines: Vec<usize> =
            check("m.x=\nbroken\nm.x=\nm.x=\n").into_iter().map(|diagnostic| diagnostic.line).collect();
        let mut sorted = lines.clone();
        sorted.sort();
        assert_eq!(lines, sorted);
    }

    #[test]
    fn an_unknown_model_warns_with_a_did_you_mean() {
        let diagnostics = check("anthropic.claude-3-haiku-20240307-v1=\n");
        assert_eq!(diagnostics[0].code, Code::UnknownModel);
        assert_eq!(diagnostics[0].help.as_deref(), Some("did you mean `anthropic.claude-3-haiku-20240307-v1:0`?"));
    }

    #[test]
    fn a_profile_of_another_model_warns() {
        let diagnostics = check("amazon.nova-pro-v1:0=us.amazon.nova-lite-v1:0\n");
        assert_eq!(diagnostics[0].code, Code::ProfileModelMismatch);
        assert!(diagnostics[0].message.contains("calls `amazon.nova-lite-v1:0`, not `amazon.nova-pro-v1:0`"));
        let arn =
            "amazon.nova-pro-v1:0=arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-lite-v1:0\n";
        assert_eq!(codes(arn), vec![(1, Code::ProfileModelMismatch)]);
    }

    #[test]
    fn an_alias_or_an_application_profile_is_not_a_mismatch() {
        assert_eq!(codes("amazon.nova-pro-v1:0=amazon.nova-lite-v1:0\n"), vec![]);
        let app =
            "amazon.nova-pro-v1:0=arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcdef012345\n";
        assert_eq!(codes(app), vec![]);
    }

    #[test]
    fn a_legacy_model_warns() {
        let diagnostics = check("anthropic.claude-opus-4-1-20250805-v1:0=us.anthropic.claude-opus-4-1-20250805-v1:0\n");
        assert_eq!(diagnostics[0].code, Code::LegacyModel);
        assert!(diagnostics[0].message.contains("legacy"), "{}", diagnostics[0].message);
    }

    #[test]
    fn a_model_past_its_end_of_life_warns_that_calls_fail() {
        let diagnostics = check("ai21.jamba-1-5-large-v1:0=\n");
        assert_eq!(diagnostics[0].code, Code::LegacyModel);
        assert!(diagnostics[0].message.contains("past its end of life"), "{}", diagnostics[0].message);
    }

    #[test]
    fn a_geo_prefixed_key_is_known_through_its_profile() {
        assert_eq!(codes("us.amazon.nova-pro-v1:0=\n"), vec![]);
    }

    #[test]
    fn comments_with_equals_are_not_checked() {
        assert_eq!(codes("# broken = not a binding at all\n"), vec![]);
    }
}
