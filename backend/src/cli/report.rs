//! `validate` and `export`: reading the file for people and for other programs.

use std::io::Write;

use bedrock_binder_shared::diagnostic::Diagnostic;
use bedrock_binder_shared::profile_ref::ProfileKind;
use bedrock_binder_shared::validate::{has_errors, validate};
use bedrock_binder_shared::{ProfileRef, Version};
use serde::Serialize;

use super::{CliError, ExportFormat, Session};

#[derive(Serialize)]
struct Report<'a> {
    file: String,
    diagnostics: &'a [Diagnostic],
    errors: usize,
    warnings: usize,
}

#[derive(Serialize)]
struct Export<'a> {
    file: String,
    version: &'a Version,
    bindings: Vec<ExportedBinding<'a>>,
}

#[derive(Serialize)]
struct ExportedBinding<'a> {
    model: &'a str,
    /// The value as written; empty means direct.
    profile: &'a str,
    kind: Option<ProfileKind>,
    line: usize,
}

impl Session {
    pub(super) fn validate(&self, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, CliError> {
        let (_, document) = self.load(err)?;
        let diagnostics = validate(&document, &self.catalog);
        let errors = diagnostics.iter().filter(|d| d.is_error()).count();
        let warnings = diagnostics.len() - errors;
        let file = self.label();
        if self.json {
            self.print_json(out, &Report { file, diagnostics: &diagnostics, errors, warnings })?;
        } else {
            for diagnostic in &diagnostics {
                let text = document.line(diagnostic.line).map(|line| line.content).unwrap_or_default();
                writeln!(out, "{}", diagnostic.render(text))?;
            }
            let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
            writeln!(out, "{file}: {}, {}", plural(errors, "error"), plural(warnings, "warning"))?;
        }
        Ok(u8::from(errors > 0))
    }

    pub(super) fn export(
        &self,
        format: ExportFormat,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<u8, CliError> {
        let (snapshot, document) = self.load(err)?;
        let diagnostics = validate(&document, &self.catalog);
        if has_errors(&diagnostics) {
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            return Err(CliError::Rejected {
                message: format!(
                    "{} has {errors} error(s), so it is not exported; `bedrock-binder validate` shows them",
                    self.label()
                ),
                snippet: None,
            });
        }
        match format {
            ExportFormat::InferenceTxt if !self.json => out.write_all(snapshot.text.as_bytes())?,
            _ => {
                let bindings = document
                    .resolve()
                    .into_iter()
                    .map(|resolved| ExportedBinding {
                        model: resolved.key,
                        profile: resolved.value,
                        kind: resolved.value.parse::<ProfileRef>().ok().map(|p| p.kind()),
                        line: resolved.line,
                    })
                    .collect();
                let file = self.label();
                self.print_json(out, &Export { file, version: &snapshot.version, bindings })?;
            }
        }
        Ok(0)
    }
}
