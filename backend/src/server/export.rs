//! `GET /api/v1/export?format=F&account=ID` (and `/api/v1/envs/{env}/export`): the
//! environment's bindings as another tool reads them ([`crate::export`]), as a download.
//!
//! Without `format` (or with `inference-txt`) the answer is the file byte for byte, as it
//! always was. The other formats refuse a file with errors (422), are made with the
//! environment's presets and, for `step-functions`, `iam-policy` and `cloudformation`, with
//! what the environment's AWS account says of its profiles (the catalog without credentials);
//! `X-Bedrock-Binder-Facts` says which: `live`, `catalog` or `none`.

use axum::Router;
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bedrock_binder_shared::Document;
use bedrock_binder_shared::api::{ExportFormat, ExportQuery, UnknownExportFormat};
use bedrock_binder_shared::validate::validate;

use super::conditional::etag;
use super::env::{InEnv, per_env};
use super::error::AppError;
use super::extract::Query;
use super::{AppState, blocking};
use crate::export::facts::{GatherError, for_format};
use crate::export::{Bound, ExportError, Input, render};

/// The header that says where the profile facts of an export came from.
pub(super) const FACTS_HEADER: HeaderName = HeaderName::from_static("x-bedrock-binder-facts");

pub(super) fn router() -> Router<AppState> {
    per_env(vec![("/export", get(export))])
}

/// The artefact of `?format=` (the file byte for byte without one), named for download.
async fn export(InEnv(state): InEnv, Query(query): Query<ExportQuery>) -> Result<Response, AppError> {
    let format = match query.format.as_deref() {
        None | Some("") => ExportFormat::InferenceTxt,
        Some(name) => {
            name.parse().map_err(|error: UnknownExportFormat| AppError::InvalidQuery(format!("format: {error}")))?
        }
    };
    let account = query.account.filter(|account| !account.is_empty()).map(check_account).transpose()?;
    let disposition =
        HeaderValue::from_str(&format!("attachment; filename=\"{}\"", format.file_name(state.env.as_str())))
            .map_err(|_| AppError::InvalidQuery("the environment's name cannot be a file name".to_owned()))?;
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    headers.insert(header::CONTENT_DISPOSITION, disposition);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if format == ExportFormat::InferenceTxt {
        let snapshot = state.load_file().await?;
        headers.insert(header::ETAG, etag(&snapshot.version));
        return Ok((headers, snapshot.text).into_response());
    }
    let reading = state.clone();
    let (stored, errors) = blocking(move || {
        let stored = reading.envs.read(&reading.env)?;
        let errors = validate(&Document::parse(&stored.text), &reading.catalog.current())
            .iter()
            .filter(|diagnostic| diagnostic.is_error())
            .count();
        Ok((stored, errors))
    })
    .await?;
    let label = format!("environment `{}`", state.env);
    if errors > 0 {
        return Err(AppError::InvalidRequest(format!(
            "{label} has {errors} error(s), so it is not exported; `bedrock-binder validate` shows them"
        )));
    }
    let state = state.in_env_account().await?;
    let bindings = Bound::all(&Document::parse(&stored.text), &stored.settings.presets);
    let region = stored.settings.region.clone().or(state.aws.default_region().await);
    let catalog = state.catalog.current();
    let (account, facts) = for_format(format, &state.aws, &bindings, region.as_ref(), account, &catalog)
        .await
        .map_err(|error| match error {
            GatherError::Aws(failure) => AppError::Aws(failure),
            GatherError::NotFound(message) => AppError::InvalidRequest(message),
        })?;
    let source = facts.source.as_str();
    let input = Input { env: state.env.clone(), label, version: stored.state.text, bindings, region, account, facts };
    let body = render(format, &input).map_err(|error: ExportError| AppError::InvalidRequest(error.to_string()))?;
    headers.insert(FACTS_HEADER, HeaderValue::from_static(source));
    Ok((headers, body).into_response())
}

/// An account id as ARNs carry it: twelve digits.
fn check_account(account: String) -> Result<String, AppError> {
    if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) {
        Ok(account)
    } else {
        Err(AppError::InvalidQuery(format!("account: `{account}` is not an AWS account id (12 digits)")))
    }
}
