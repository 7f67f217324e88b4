//! The file and the catalog: `/api/v1/bindings…`, `/api/v1/catalog`, import, export and health.

use serde::{Deserialize, Serialize};

use crate::binding::{Binding, InvalidBinding, Unbinding};
use crate::date::CalendarDate;
use crate::diagnostic::Diagnostic;
use crate::diff::DiffLine;
use crate::document::{Document, LineEnding, LineKind};
use crate::profile_ref::{ProfileKind, ProfileRef};
use crate::version::Version;

/// One line of the file as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineView {
    /// 1-based line number.
    pub number: usize,
    /// The line without its ending.
    pub content: String,
    /// How the line ends.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub ending: LineEnding,
    /// Blank, comment, binding (with spans) or invalid.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub kind: LineKind,
}

/// A binding in force (the last line for its key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BindingView {
    /// The model id as written.
    pub model: String,
    /// The value as written; empty means direct.
    pub profile: String,
    /// The badge; `None` when the value is malformed.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub kind: Option<ProfileKind>,
    /// 1-based line the binding comes from.
    pub line: usize,
}

/// `GET /api/v1/bindings` (and the answer to every successful write): the file, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BindingsResponse {
    /// The version of `text`; also sent as the strong `ETag`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub version: Version,
    /// The file's exact text.
    pub text: String,
    /// Every line, classified.
    pub lines: Vec<LineView>,
    /// The bindings in force, sorted by model.
    pub bindings: Vec<BindingView>,
    /// Every diagnostic, in line order.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub diagnostics: Vec<Diagnostic>,
    /// Whether the file exists yet (a missing file reads as empty).
    #[serde(default)]
    pub exists: bool,
}

impl BindingsResponse {
    /// Builds the response for a parsed document and its diagnostics.
    pub fn new(document: &Document, version: Version, diagnostics: Vec<Diagnostic>, exists: bool) -> Self {
        let lines = document
            .lines()
            .map(|line| LineView {
                number: line.number,
                content: line.content.to_owned(),
                ending: line.ending,
                kind: line.kind,
            })
            .collect();
        let bindings = document
            .resolve()
            .into_iter()
            .map(|resolved| BindingView {
                model: resolved.key.to_owned(),
                profile: resolved.value.to_owned(),
                kind: resolved.value.parse::<ProfileRef>().ok().map(|profile| profile.kind()),
                line: resolved.line,
            })
            .collect();
        BindingsResponse { version, text: document.as_str().to_owned(), lines, bindings, diagnostics, exists }
    }
}

/// `POST /api/v1/bindings/bind`: bind a model; an empty or absent profile means direct.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BindRequest {
    /// The model id (the key).
    #[cfg_attr(feature = "openapi", schema(example = "amazon.nova-lite-v1:0"))]
    pub model: String,
    /// A system profile id, an ARN or a model id; empty or absent means direct.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = "us.amazon.nova-lite-v1:0"))]
    pub profile: Option<String>,
}

impl TryFrom<&BindRequest> for Binding {
    type Error = InvalidBinding;

    fn try_from(request: &BindRequest) -> Result<Binding, InvalidBinding> {
        Binding::parse(&request.model, request.profile.as_deref())
    }
}

impl From<&Binding> for BindRequest {
    /// The request that binds `binding`; a direct binding sends no profile.
    fn from(binding: &Binding) -> BindRequest {
        let profile = match &binding.profile {
            ProfileRef::Direct => None,
            profile => Some(profile.to_string()),
        };
        BindRequest { model: binding.model.to_string(), profile }
    }
}

/// `POST /api/v1/bindings/unbind`: remove every binding line of a model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnbindRequest {
    /// The model id.
    #[cfg_attr(feature = "openapi", schema(example = "amazon.nova-pro-v1:0"))]
    pub model: String,
}

impl TryFrom<&UnbindRequest> for Unbinding {
    type Error = InvalidBinding;

    fn try_from(request: &UnbindRequest) -> Result<Unbinding, InvalidBinding> {
        Unbinding::parse(&request.model)
    }
}

impl From<&Unbinding> for UnbindRequest {
    fn from(unbinding: &Unbinding) -> UnbindRequest {
        UnbindRequest { model: unbinding.key().to_owned() }
    }
}

/// `GET /api/v1/catalog` query: every filter is optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct CatalogQuery {
    /// Case-insensitive substring of the id, name or provider.
    #[serde(default)]
    pub q: Option<String>,
    /// Provider, matched at a dot boundary of the id or as the display name.
    #[serde(default)]
    pub provider: Option<String>,
    /// Only models offered in this region (on demand or through a profile).
    #[serde(default)]
    pub region: Option<String>,
    /// Only models that do (`true`) or do not (`false`) require a profile.
    #[serde(default)]
    pub requires_profile: Option<bool>,
    /// Only models with this lifecycle (`active`, `legacy`, `eol`, `unknown`).
    #[serde(default)]
    pub lifecycle: Option<crate::catalog::Lifecycle>,
}

/// `GET /api/v1/catalog`: the models that pass the query.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogResponse {
    /// Where the catalog comes from and how old it is.
    pub source: String,
    /// Every region the catalog knows, for the region filter.
    pub regions: Vec<String>,
    /// Every provider display name, for the provider filter.
    pub providers: Vec<String>,
    /// The models that pass the query, sorted by id.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub models: Vec<crate::catalog::CatalogModel>,
    /// The day the embedded catalog was compiled: "embedded catalog of DATE".
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub compiled_on: Option<CalendarDate>,
    /// Said once to the user when the embedded catalog is over 90 days old and the server has
    /// nothing live cached ([`crate::fact_source::stale_embedded_notice`]).
    #[serde(default)]
    pub notice: Option<String>,
}

/// `POST /api/v1/import/preview`: what applying a text would change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportPreview {
    /// The version of the current file; send it as `If-Match` to apply the text.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub version: Version,
    /// The line diff from the current file to the text.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub diff: Vec<DiffLine>,
    /// The text's diagnostics.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub diagnostics: Vec<Diagnostic>,
    /// Whether the text has errors (then it cannot be applied).
    pub has_errors: bool,
}

/// How TPipe resolves a model: the winning line's value if it is not empty (`profile`), the
/// model itself if the value is empty (`direct`) or the model is not bound at all (`unbound`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ResolvedKind {
    /// A non-empty value: call it instead of the model id.
    Profile,
    /// Bound with an empty value: call the model id directly.
    Direct,
    /// No line binds the model: TPipe calls the model id as it is.
    Unbound,
}

/// `GET /v1/envs/{env}/resolve?model=ID`: what an app calls for `model`, resolved exactly as
/// TPipe resolves it (split at the first `=`, both sides trimmed, the last duplicate wins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolveResponse {
    /// The model asked about (trimmed).
    pub model: String,
    /// The `modelId` to send: the profile for `profile`, the model itself otherwise.
    pub value: String,
    /// Which of the three it is.
    pub kind: ResolvedKind,
    /// The winning line (1-based), or `None` when unbound.
    pub line: Option<usize>,
}

impl ResolveResponse {
    /// Resolves `model` in `document` as TPipe does.
    pub fn resolve(document: &Document, model: &str) -> ResolveResponse {
        let model = model.trim();
        let (value, kind, line) = match document.get(model) {
            Some(winner) if !winner.value.is_empty() => (winner.value, ResolvedKind::Profile, Some(winner.line)),
            Some(winner) => (model, ResolvedKind::Direct, Some(winner.line)),
            None => (model, ResolvedKind::Unbound, None),
        };
        ResolveResponse { model: model.to_owned(), value: value.to_owned(), kind, line }
    }
}

/// `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// The server's version.
    pub version: String,
}
