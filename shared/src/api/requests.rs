//! Change requests: what a change to a protected environment becomes until another admin
//! approves or rejects it (`/api/v1/envs/{env}/requests…`).

use serde::{Deserialize, Serialize};

use super::{ChangeKind, GateReport};
use crate::Version;
use crate::diff::DiffLine;
use crate::preset::PresetChange;
use crate::promote::BindingChange;

/// Where a change request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum RequestStatus {
    /// Waiting for an approver, and still applicable: the environment is at the version the
    /// request was made against.
    Open,
    /// Waiting, but the environment moved since the request was made: it must be rebased
    /// (made again against the current version) before anyone can approve it.
    Stale,
    /// Approved and applied; the history has its change.
    Applied,
    /// Rejected by an approver.
    Rejected,
    /// Rebased: a newer request (`superseded_by`) replaces it.
    Superseded,
}

impl RequestStatus {
    /// Its wire name: `open`, `stale`, `applied`, `rejected`, `superseded`.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Open => "open",
            RequestStatus::Stale => "stale",
            RequestStatus::Applied => "applied",
            RequestStatus::Rejected => "rejected",
            RequestStatus::Superseded => "superseded",
        }
    }

    /// Whether nothing more can happen to the request.
    pub fn is_closed(self) -> bool {
        matches!(self, RequestStatus::Applied | RequestStatus::Rejected | RequestStatus::Superseded)
    }
}

/// Who closed a request, and what they said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestDecision {
    /// The approver (applied), the rejecter, or who rebased it (superseded).
    pub by: String,
    /// What they said.
    #[serde(default)]
    pub comment: Option<String>,
    /// When, in milliseconds since the Unix epoch.
    pub time_ms: u64,
}

/// One change request, as `GET /api/v1/envs/{env}/requests` lists it; also the `202` answer of
/// a change made to a protected environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeRequest {
    /// Its number within the environment.
    pub id: u64,
    /// The environment it changes.
    pub env: String,
    /// What it is: an edit, an import, a promote or a revert.
    pub kind: ChangeKind,
    /// Who proposed it (who may not approve it).
    pub author: String,
    /// Why, as the author said.
    #[serde(default)]
    pub reason: Option<String>,
    /// When it was proposed, in milliseconds since the Unix epoch.
    pub time_ms: u64,
    /// The environment a promote copies from.
    #[serde(default)]
    pub from: Option<String>,
    /// The environment's text version the request was made against; it applies only to that.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub base_version: Version,
    /// The bindings it changes (`from`: before, `to`: after).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub changes: Vec<BindingChange>,
    /// Its line diff.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub lines: Vec<DiffLine>,
    /// The presets it changes.
    #[serde(default)]
    pub presets: Vec<PresetChange>,
    /// The promote gate's findings against the environment's AWS account, when it is a
    /// promote.
    #[serde(default)]
    pub gate: Option<GateReport>,
    /// Where it stands.
    pub status: RequestStatus,
    /// Who closed it, once closed.
    #[serde(default)]
    pub decision: Option<RequestDecision>,
    /// The history entry that applied it, once applied.
    #[serde(default)]
    pub applied_seq: Option<u64>,
    /// The request that replaced it, once rebased.
    #[serde(default)]
    pub superseded_by: Option<u64>,
}

/// `GET /api/v1/envs/{env}/requests`: every request of the environment, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeRequestList {
    /// The environment.
    pub env: String,
    /// Its requests, newest first.
    pub requests: Vec<ChangeRequest>,
}

/// The body of `POST /api/v1/envs/{env}/requests/{id}/approve` and `…/reject`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct DecideRequest {
    /// What the approver says; kept with the decision and in the history.
    pub comment: Option<String>,
}

/// The body of `POST /api/v1/envs/{env}/requests`: propose a change without making it. A
/// promote names `from` (and optionally `models`); a whole new text names `text`, made against
/// the version in `If-Match`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ProposeRequest {
    /// Promote from this environment.
    #[cfg_attr(feature = "openapi", schema(example = "default"))]
    pub from: Option<String>,
    /// The models to promote; empty promotes every binding of `from`.
    pub models: Vec<String>,
    /// A whole new text for the environment.
    pub text: Option<String>,
    /// Why.
    pub reason: Option<String>,
}
