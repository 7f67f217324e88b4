//! The one write path every route that changes the file goes through: load → check the
//! precondition → edit → validate → save against the version loaded → answer.
//!
//! Bind, unbind, `PUT /bindings`, binding a newly created application profile and applying
//! "bind all required" all reach the file through [`write_edit`], so when writes gain an
//! environment and an author, this is the one function that changes. On a protected
//! environment (with auth on) it proposes the edit as a change request instead of saving it.

use bedrock_binder_shared::api::BindingsResponse;
use bedrock_binder_shared::validate::validate;
use bedrock_binder_shared::{Binding, Catalog, Diagnostic, Document};

use super::conditional::Condition;
use super::error::AppError;
use super::{AppState, blocking};
use crate::requests::Proposal;
use crate::storage::ChangeKind;
use crate::store::Snapshot;

/// A new text and its diagnostics, ready to save.
pub(super) struct Edited {
    document: Document,
    diagnostics: Vec<Diagnostic>,
}

impl Edited {
    /// The whole new text, refused (422, nothing written) if it has any error: what a client
    /// sends as a replacement must be clean, since it replaces every line.
    pub(super) fn replacement(text: &str, catalog: &Catalog) -> Result<Edited, AppError> {
        let document = Document::parse(text);
        let diagnostics = validate(&document, catalog);
        let errors = diagnostics.iter().filter(|d| d.is_error()).count();
        if errors > 0 {
            let noun = if errors == 1 { "error" } else { "errors" };
            return Err(AppError::InvalidText {
                message: format!("the text has {errors} {noun}; nothing was written"),
                diagnostics,
            });
        }
        Ok(Edited { document, diagnostics })
    }

    /// The new text.
    pub(super) fn text(&self) -> &str {
        self.document.as_str()
    }

    /// `text` with `binding` applied.
    pub(super) fn bind(text: &str, catalog: &Catalog, binding: &Binding) -> Result<Edited, AppError> {
        Edited::without_new_errors(text, catalog, |document| {
            document.bind(&binding.model, &binding.profile);
        })
    }

    /// Applies `edit` to `text` and refuses the result only if it has more errors than the
    /// text had. Validating the whole result the way `PUT` does would let an error on some
    /// other line (one the user has not fixed yet, perhaps one they are fixing in another tab)
    /// block every bind; validating only the touched line would miss an edit's effect on other
    /// lines. Counting errors before and after catches both: an edit may leave errors it did
    /// not make, never add one. (With typed [`Binding`] inputs none should ever be added; this
    /// is the check that keeps it so.)
    pub(super) fn without_new_errors(
        text: &str,
        catalog: &Catalog,
        edit: impl FnOnce(&mut Document),
    ) -> Result<Edited, AppError> {
        let mut document = Document::parse(text);
        let errors_before = validate(&document, catalog).iter().filter(|d| d.is_error()).count();
        edit(&mut document);
        let diagnostics = validate(&document, catalog);
        let errors_after = diagnostics.iter().filter(|d| d.is_error()).count();
        if errors_after > errors_before {
            return Err(AppError::InvalidText {
                message: "the edit would add an error to the file; nothing was written".to_owned(),
                diagnostics: diagnostics.into_iter().filter(Diagnostic::is_error).collect(),
            });
        }
        Ok(Edited { document, diagnostics })
    }
}

/// Loads the file, checks `condition` against it (412 with what is there now if it moved),
/// applies `edit`, and saves the result against the version loaded; the store checks that
/// version again under its lock. Answers with the file as it now is.
pub(super) async fn write_edit<F>(state: AppState, condition: Condition, edit: F) -> Result<BindingsResponse, AppError>
where
    F: FnOnce(&Snapshot, &Catalog) -> Result<Edited, AppError> + Send + 'static,
{
    blocking(move || {
        let snapshot = state.envs.load(&state.env)?;
        if !condition.matches_strongly(&snapshot.version, snapshot.existed) {
            return Err(conflict(snapshot));
        }
        let Edited { document, diagnostics } = edit(&snapshot, &state.catalog.current())?;
        if document.as_str() == snapshot.text {
            // Nothing to write; a missing file stays missing.
            return Ok(BindingsResponse::new(&document, snapshot.version, diagnostics, snapshot.existed));
        }
        if state.must_propose()? {
            let proposal = Proposal {
                kind: ChangeKind::Edit,
                base: snapshot.version,
                base_text: snapshot.text,
                text: document.as_str().to_owned(),
                from: None,
                gate: None,
                presets: None,
            };
            return Err(state.propose_instead(proposal, None));
        }
        let saved =
            state.envs.save(&state.env, &snapshot.version, document.as_str(), ChangeKind::Edit, state.meta(None));
        let version = match saved {
            Ok(version) => version,
            // Another writer got in between our load and the store's locked re-check.
            Err(error) if error.is_conflict() => {
                return Err(match state.envs.load(&state.env) {
                    Ok(now) => conflict(now),
                    Err(_) => AppError::Conflict { current_version: snapshot.version, current_text: None },
                });
            }
            Err(error) => return Err(error.into()),
        };
        Ok(BindingsResponse::new(&document, version, diagnostics, true))
    })
    .await
}

/// Checks `condition` now, before a step that cannot be undone (creating a profile in AWS)
/// and that will write the file afterwards. [`write_edit`] checks it again when it writes.
pub(super) async fn ensure_current(state: &AppState, condition: &Condition) -> Result<(), AppError> {
    let snapshot = state.load_file().await?;
    if condition.matches_strongly(&snapshot.version, snapshot.existed) { Ok(()) } else { Err(conflict(snapshot)) }
}

/// 412 with what is on disk now, so the client can show both sides.
pub(super) fn conflict(snapshot: Snapshot) -> AppError {
    AppError::Conflict { current_version: snapshot.version, current_text: Some(snapshot.text) }
}
