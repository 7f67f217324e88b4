//! The diagnostics for a [`Document`] checked against a [`Catalog`].
//!
//! This runs on every keystroke in the browser and on 100,000-line files on the server, so
//! the clean path allocates nothing: values are checked in place and only problems build
//! messages.

use crate::catalog::{Catalog, Lifecycle};
use crate::diagnostic::{Code, Diagnostic};
use crate::document::{Document, InvalidReason, Line, LineKind};
use crate::fast_hash::FastMap;
use crate::geo::GeoPrefix;
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
    let mut names_its_model = matches!(checked.kind, ProfileKind::SystemProfile | ProfileKind::Arn);
    let mut profile_model = checked.model;
    // A model id behind a prefix nobody here knows parses as an alias (its provider would be the
    // prefix). When the rest is a catalog model, it is most likely a profile of a geography AWS
    // added after the catalog was built: say so, and check it as the profile it probably is.
    if checked.kind == ProfileKind::ModelAlias
        && let Some((prefix, rest)) = ModelId::unknown_geo_split(value)
        && !catalog.contains(value)
        && catalog.get(rest).is_some()
    {
        diagnostics.push(unknown_geo_prefix(prefix, rest, &at_value));
        names_its_model = true;
        profile_model = Some(ModelId::base_of(rest));
    }
    // An alias names another model on purpose; a profile or ARN should serve the key's own.
    if key_is_model
        && names_its_model
        && let Some(profile_model) = profile_model
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
            // `lifecycle` is evaluated on the catalog's date (`Catalog::today`), so a file checked
            // after an end-of-life date says so even when the catalog was built before it.
            let (status, help) = match (lifecycle, model.eol_from) {
                (Lifecycle::Eol, Some(eol)) => (
                    format!("past its end of life (since {eol})"),
                    "calls to it fail now; bind an active model instead",
                ),
                (Lifecycle::Eol, None) => {
                    ("past its end of life".to_owned(), "calls to it fail now; bind an active model instead")
                }
                (_, Some(eol)) => (
                    format!("legacy (end of life {eol})"),
                    "bind an active model before its end-of-life date, when calls start to fail",
                ),
                _ => {
                    ("legacy".to_owned(), "bind an active model before its end-of-life date, when calls start to fail")
                }
            };
            diagnostics.push(
                at(Code::LegacyModel, 0, key.len(), format!("`{}` is {status}: {}", model.id, model.lifecycle_note))
                    .with_help(help),
            );
        }
        Some(_) => {}
        None if let Some((prefix, rest)) = ModelId::unknown_geo_split(key)
            && catalog.get(rest).is_some() =>
        {
            diagnostics.push(unknown_geo_prefix(prefix, rest, at));
        }
        None => {
            let diagnostic = at(Code::UnknownModel, 0, key.len(), format!("`{key}` is not in the model catalog"));
            diagnostics.push(match catalog.did_you_mean(key) {
                Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
                None => diagnostic,
            });
        }
    }
}

/// The warning for `prefix.rest` where the catalog knows the model `rest` but not the prefix.
/// A warning, not an error: the id is well-formed, and the catalog's list of prefixes may simply
/// be older than AWS's.
fn unknown_geo_prefix<F>(prefix: &str, rest: &str, at: &F) -> Diagnostic
where
    F: Fn(Code, usize, usize, String) -> Diagnostic,
{
    at(
        Code::UnknownGeoPrefix,
        0,
        prefix.len(),
        format!(
            "`{prefix}.` is not a geo prefix the catalog knows, in front of `{rest}`, which it does: AWS may have \
             added this prefix; check with a live refresh"
        ),
    )
    .with_help(format!(
        "a live refresh lists the system profiles of `{rest}` in your region; known prefixes are {}",
        GeoPrefix::ALL.map(GeoPrefix::as_str).join(", ")
    ))
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
        assert_eq!(codes("amazon.nova-pro-v1:0=novapro\n"), vec![(1, Code::MalformedProfileId)]);
        assert_eq!(codes("amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0:x:y\n"), vec![(1, Code::MalformedProfileId)]);
    }

    /// Asserts that `line` validates without an error (warnings allowed) and returns its diagnostics.
    #[track_caller]
    fn assert_no_error(line: &str) -> Vec<Diagnostic> {
        let diagnostics = check(&format!("{line}\n"));
        assert!(!has_errors(&diagnostics), "{line}: {diagnostics:#?}");
        diagnostics
    }

    /// Asserts that `line` has exactly one diagnostic, an error with `code` under `bad`.
    #[track_caller]
    fn assert_error_at(line: &str, code: Code, bad: &str) {
        let diagnostics = check(&format!("{line}\n"));
        let errors: Vec<&Diagnostic> = diagnostics.iter().filter(|d| d.is_error()).collect();
        assert_eq!(errors.len(), 1, "{line}: {diagnostics:#?}");
        let error = errors[0];
        assert_eq!(error.code, code, "{line}: {}", error.message);
        // Every test line is ASCII, so columns are byte offsets plus one.
        assert_eq!(&line[error.column - 1..error.end_column - 1], bad, "{line}: {}", error.message);
    }

    const KEY: &str = "amazon.nova-pro-v1:0";

    #[test]
    fn a_base_model_id_with_dots_in_its_name_validates_without_an_error() {
        for id in [
            "deepseek.v3.2",
            "minimax.minimax-m2.1",
            "moonshotai.kimi-k2.5",
            "openai.gpt-5.6-luna",
            "xai.grok-4.6",
            "zai.glm-4.7-flash",
        ] {
            assert_eq!(assert_no_error(&format!("{id}=")), vec![], "{id} is a catalog model");
            assert_no_error(&format!("{KEY}={id}"));
        }
        assert_error_at("openai.gpt-5.6-Luna=", Code::MalformedModelId, "L");
        assert_error_at("openai..gpt-5.6=", Code::MalformedModelId, ".");
        assert_error_at("a1.b.c.d.e=", Code::MalformedModelId, ".e");
    }

    #[test]
    fn a_system_profile_id_with_the_in_geo_prefix_validates_without_an_error() {
        assert_eq!(assert_no_error("openai.gpt-5.6-luna=in.openai.gpt-5.6-luna"), vec![]);
        assert_eq!(assert_no_error("in.openai.gpt-5.6-terra="), vec![]);
        assert_error_at("openai.gpt-5.6-luna=in.openai.gpt-5.6-luna:", Code::MalformedProfileId, ":");
    }

    #[test]
    fn a_system_profile_id_with_every_known_geo_prefix_validates_without_an_error() {
        for geo in GeoPrefix::ALL {
            assert_no_error(&format!(
                "anthropic.claude-3-haiku-20240307-v1:0={geo}.anthropic.claude-3-haiku-20240307-v1:0"
            ));
        }
        assert_error_at(&format!("{KEY}=US.amazon.nova-pro-v1:0"), Code::MalformedProfileId, "U");
    }

    #[test]
    fn an_unknown_geo_prefix_in_front_of_a_known_model_is_a_warning_not_an_error() {
        let diagnostics = assert_no_error(&format!("{KEY}=me.amazon.nova-pro-v1:0"));
        assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
        let warning = &diagnostics[0];
        assert_eq!((warning.code, warning.severity), (Code::UnknownGeoPrefix, Severity::Warning));
        assert_eq!((warning.column, warning.end_column), (22, 24), "under `me`");
        assert!(warning.message.contains("AWS may have added this prefix; check with a live refresh"));
        let diagnostics = assert_no_error("xx.amazon.nova-pro-v1:0=");
        assert_eq!(diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(), [Code::UnknownGeoPrefix]);
        assert_eq!((diagnostics[0].column, diagnostics[0].end_column), (1, 3));
        // Still checked as the profile it probably is.
        let diagnostics = assert_no_error(&format!("{KEY}=me.amazon.nova-lite-v1:0"));
        let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, [Code::UnknownGeoPrefix, Code::ProfileModelMismatch]);
        // A prefix in front of a model the catalog does not know either is just an unknown model.
        assert_eq!(codes_of("xx.example.model-v1="), [Code::UnknownModel]);
    }

    fn codes_of(line: &str) -> Vec<Code> {
        check(&format!("{line}\n")).into_iter().map(|d| d.code).collect()
    }

    #[test]
    fn a_foundation_model_arn_validates_without_an_error() {
        assert_eq!(assert_no_error(&format!("{KEY}=arn:aws:bedrock:us-east-1::foundation-model/{KEY}")), vec![]);
        assert_no_error("deepseek.v3.2=arn:aws:bedrock:us-west-2::foundation-model/deepseek.v3.2");
        assert_error_at(
            &format!("{KEY}=arn:aws:bedrock:us-east-1:123456789012:foundation-model/{KEY}"),
            Code::MalformedArn,
            "123456789012",
        );
    }

    #[test]
    fn an_inference_profile_arn_validates_without_an_error() {
        assert_eq!(
            assert_no_error(&format!("{KEY}=arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.{KEY}")),
            vec![]
        );
        assert_no_error(
            "openai.gpt-5.6-luna=arn:aws:bedrock:ap-south-1:123456789012:inference-profile/in.openai.gpt-5.6-luna",
        );
        assert_error_at(
            &format!("{KEY}=arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.Amazon.nova-pro-v1:0"),
            Code::MalformedArn,
            "A",
        );
    }

    #[test]
    fn an_application_inference_profile_arn_validates_without_an_error() {
        let line = format!("{KEY}=arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6");
        assert_eq!(assert_no_error(&line), vec![]);
        assert_error_at(
            &format!("{KEY}=arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2_c3"),
            Code::MalformedArn,
            "a1b2_c3",
        );
    }

    #[test]
    fn a_provisioned_model_arn_validates_without_an_error() {
        let line = format!("{KEY}=arn:aws:bedrock:us-east-1:123456789012:provisioned-model/a1b2c3d4e5f6");
        assert_eq!(assert_no_error(&line), vec![]);
        assert_error_at(
            &format!("{KEY}=arn:aws:bedrock:us-east-1:12345678901:provisioned-model/a1b2c3d4e5f6"),
            Code::MalformedArn,
            "12345678901",
        );
    }

    #[test]
    fn a_custom_model_deployment_arn_validates_without_an_error() {
        let line = format!("{KEY}=arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/a1b2c3d4e5f6");
        assert_eq!(assert_no_error(&line), vec![]);
        assert_error_at(
            &format!("{KEY}=arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/a1b2/c3"),
            Code::MalformedArn,
            "a1b2/c3",
        );
    }

    #[test]
    fn an_imported_model_arn_validates_without_an_error() {
        let line = format!("{KEY}=arn:aws:bedrock:us-east-1:123456789012:imported-model/a1b2c3d4e5f6");
        assert_eq!(assert_no_error(&line), vec![]);
        assert_error_at(
            &format!("{KEY}=arn:aws:bedrock:us-east-1::imported-model/a1b2c3d4e5f6"),
            Code::MalformedArn,
            ":",
        );
    }

    #[test]
    fn a_default_prompt_router_arn_validates_without_an_error() {
        for router in ["anthropic.claude:1", "meta.llama:1", "amazon.nova:1"] {
            let line = format!("{KEY}=arn:aws:bedrock:us-east-1:123456789012:default-prompt-router/{router}");
            assert_eq!(assert_no_error(&line), vec![], "{router}");
        }
        assert_error_at(
            &format!("{KEY}=arn:aws:bedrock:us-east-1:123456789012:default-prompt-routers/anthropic.claude:1"),
            Code::MalformedArn,
            "default-prompt-routers",
        );
    }

    #[test]
    fn a_prompt_router_arn_validates_without_an_error() {
        let line = format!("{KEY}=arn:aws:bedrock:us-east-1:123456789012:prompt-router/abcd1234efgh");
        assert_eq!(assert_no_error(&line), vec![]);
        assert_error_at(
            &format!("{KEY}=arn:aws:bedrock:useast1:123456789012:prompt-router/abcd1234efgh"),
            Code::MalformedArn,
            "useast1",
        );
    }

    #[test]
    fn a_prompt_version_arn_validates_without_an_error() {
        let line = format!("{KEY}=arn:aws:bedrock:us-east-1:123456789012:prompt/PROMPT1234:1");
        assert_eq!(assert_no_error(&line), vec![]);
        assert_error_at(
            &format!("{KEY}=arn:aws:bedrock:us-east-1:123456789012:prompt/PROMPT1234:one"),
            Code::MalformedArn,
            "one",
        );
        assert_error_at(
            &format!("{KEY}=arn:aws:bedrock:us-east-1:123456789012:prompt/PROMPT:1"),
            Code::MalformedArn,
            "PROMPT",
        );
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
    fn a_key_checked_after_its_end_of_life_date_is_past_its_end_of_life_and_before_it_legacy() {
        let text = "anthropic.claude-opus-4-1-20250805-v1:0=us.anthropic.claude-opus-4-1-20250805-v1:0\n";
        let on = |day: &str| {
            let catalog = Catalog::embedded().clone().on(day.parse().expect("date"));
            validate(&Document::parse(text), &catalog)
        };
        let before = on("2027-01-07");
        assert_eq!(before[0].code, Code::LegacyModel);
        assert!(before[0].message.contains("is legacy (end of life 2027-01-08)"), "{}", before[0].message);
        let after = on("2027-01-08");
        assert_eq!((after[0].code, after[0].severity), (Code::LegacyModel, Severity::Warning));
        assert!(after[0].message.contains("past its end of life (since 2027-01-08)"), "{}", after[0].message);
        assert!(after[0].help.as_deref().is_some_and(|help| help.contains("calls to it fail now")));
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
