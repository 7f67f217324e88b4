//! [`ErrorBody`]: the one body every 4xx and 5xx response carries, on every route.

use serde::{Deserialize, Serialize};

use super::aws::ProfileReference;
use crate::aws_failure::AwsFailure;
use crate::diagnostic::Diagnostic;
use crate::version::Version;

/// The body of every 4xx and 5xx response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// A stable code, such as `conflict`, `invalid-json` or `internal`.
    pub code: String,
    /// A plain sentence for people. A 5xx says only that something went wrong.
    pub message: String,
    /// Structured detail, where there is any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<ErrorDetails>,
}

/// Structured detail of an [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetails {
    /// The diagnostics that made a text unacceptable (422).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub diagnostics: Vec<Diagnostic>,
    /// The version on disk now, after a stale write (412).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub current_version: Option<Version>,
    /// The text on disk now, after a stale write (412), so a client can show both versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_text: Option<String>,
    /// What a failed AWS call means (424 `aws-error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub diagnosis: Option<AwsFailure>,
    /// The binding lines that point at a profile about to be deleted (409
    /// `confirmation-required`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<ProfileReference>,
}
