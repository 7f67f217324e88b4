//! `validate`: reading the file for people and for other programs (`export` is its own module).

use std::io::Write;

use bedrock_binder_shared::diagnostic::Diagnostic;
use bedrock_binder_shared::validate::validate;
use serde::Serialize;

use super::{CliError, Session};

#[derive(Serialize)]
struct Report<'a> {
    file: String,
    diagnostics: &'a [Diagnostic],
    errors: usize,
    warnings: usize,
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
}
