//! The diagnostics for a [`Document`] checked against a [`Catalog`].
//!
//! This runs on every keystroke in the browser and on 100,000-line files on the server, so
//! the clean path allocates nothing: values are checked in place and only problems build
//! messages.

use std::collections::HashMap;

use crate::catalog::{Catalog, Lifecycle};
use crate::diagnostic::{Code, Diagnostic};
use crate::document::{Document, InvalidReason, Line, LineKind};
use crate::model_id::ModelId;
use crate::profile_ref::{ProfileRef, ProfileRefErrorKind};

/// Every diagnostic for `document`, in line order.
pub fn validate(document: &Document, catalog: &Catalog) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let mut last_line_of: HashMap<&str, usize> = HashMap::new();
    for line in document.bindings() {
        if let Some(key) = line.key() {
            last_line_of.insert(key, line.number);
        }
    }
    for line in document.lines() {
        match line.kind {
            LineKind::Blank | LineKind::Comment => {}
            LineKind::Invalid { reason } => diagnostics.push(invalid_line(&line, reason)),
            LineKind::Binding { .. } => check_binding(&line, catalog, &last_line_of, &mut diagnostics),
        }
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

fn check_binding(
    line: &Line<'_>,
    catalog: &Catalog,
    last_line_of: &HashMap<&str, usize>,
    diagnostics: &mut Vec<Diagnostic>,
) {
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

    let key_is_model = if let Some((start, end)) = inner_whitespace(key) {
        diagnostics.push(
            at(Code::WhitespaceInKey, start, end, format!("the model id `{key}` contains whitespace"))
                .with_help(key.split_whitespace().collect::<String>()),
        );
        false
    } else if let Err(error) = ModelId::check(key) {
        diagnostics.push(at(
            Code::MalformedModelId,
            error.span.start,
            error.span.end.max(error.span.start + 1),
            error.message,
        ));
        false
    } else {
        true
    };

    if let Some(&winner) = last_line_of.get(key)
        && winner != line.number
    {
        diagnostics.push(at(
            Code::DuplicateKey,
            0,
            key.len(),
            format!("`{key}` is bound on line {} and again on line {winner}; line {winner} wins", line.number),
        ));
    }

    if key_is_model {
        check_key_in_catalog(key, catalog, &at, diagnostics);
    }

    if let Some((start, end)) = inner_whitespace(value) {
        diagnostics.push(
            at_value(Code::WhitespaceInValue, start, end, format!("the value `{value}` contains whitespace"))
                .with_help(value.split_whitespace().collect::<String>()),
        );
        return;
    }
    let profile = match value.parse::<ProfileRef>() {
        Ok(profile) => profile,
        Err(error) => {
            let code = match error.kind {
                ProfileRefErrorKind::MalformedArn => Code::MalformedArn,
                ProfileRefErrorKind::MalformedProfileId => Code::MalformedProfileId,
            };
            let end = error.span.end.max(error.span.start + 1).min(value.len().max(1));
            let diagnostic = at_value(code, error.span.start.min(end), end, error.message);
            diagnostics.push(match error.help {
                Some(help) => diagnostic.with_help(help),
                None => diagnostic,
            });
            return;
        }
    };
    let profile_model = match &profile {
        ProfileRef::SystemProfile(_) | ProfileRef::Arn(_) => profile.model(),
        ProfileRef::Direct | ProfileRef::ModelAlias(_) => None,
    };
    if key_is_model
        && let Some(profile_model) = profile_model
        && let Ok(key_model) = key.parse::<ModelId>()
        && key_model.base() != profile_model
    {
        diagnostics.push(at_value(
            Code::ProfileModelMismatch,
            0,
            value.len(),
            format!("`{value}` calls `{profile_model}`, not `{}`", key_model.base()),
        ));
    }
}

fn check_key_in_catalog<F>(key: &str, catalog: &Catalog, at: &F, diagnostics: &mut Vec<Diagnostic>)
where
    F: Fn(Code, usize, usize, String) -> Diagnostic,
{
    let entry = catalog.get(key).or_else(|| catalog.profile(key).map(|(model, _)| model));
    match entry {
        Some(model) if model.lifecycle.is_legacy_or_eol() => {
            let status = if model.lifecycle == Lifecycle::Eol { "past its end of life" } else { "legacy" };
            diagnostics.push(
                at(Code::LegacyModel, 0, key.len(), format!("`{}` is {status} ({})", model.id, model.lifecycle_note))
                    .with_help("bind an active model; legacy models stop working at their end-of-life date"),
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
