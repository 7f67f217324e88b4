//! The per-region data the fake serves: foundation models and inference profiles, and the
//! default data set built from the project's catalog.

use std::collections::BTreeMap;

use bedrock_binder_shared::Catalog;
use bedrock_binder_shared::catalog::{InferenceType as CatalogInferenceType, Lifecycle as CatalogLifecycle};
use bedrock_binder_shared::region::Region;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::wire;

/// The account id of ARNs and of STS GetCallerIdentity unless configured otherwise.
pub const DEFAULT_ACCOUNT: &str = "123456789012";

/// The regions [`crate::FakeBedrock::with_default_regions`] serves.
pub const DEFAULT_REGIONS: [&str; 7] =
    ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-southeast-2"];

/// When the system inference profiles of the default data set say they were created:
/// 2024-08-27, the launch of cross-region inference.
pub const SYSTEM_PROFILE_CREATED_AT: u64 = 1_724_716_800;

/// A value of `inferenceTypesSupported`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InferenceType {
    /// `ON_DEMAND`: callable by its bare model id in this region.
    OnDemand,
    /// `PROVISIONED`: callable through provisioned throughput.
    Provisioned,
    /// `INFERENCE_PROFILE`: callable here only through an inference profile. Live responses
    /// carry it though the service model's enum lists only the other two.
    InferenceProfile,
}

impl InferenceType {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            InferenceType::OnDemand => "ON_DEMAND",
            InferenceType::Provisioned => "PROVISIONED",
            InferenceType::InferenceProfile => "INFERENCE_PROFILE",
        }
    }
}

/// A model's lifecycle in a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Lifecycle {
    /// Listed as `ACTIVE`.
    Active,
    /// Listed as `LEGACY`, still callable.
    Legacy,
    /// Listed as `LEGACY`; every invocation fails with [`crate::FakeError::EndOfLife`].
    EndOfLife,
}

impl Lifecycle {
    /// The wire value of `modelLifecycle.status` (the enum has only ACTIVE and LEGACY).
    pub fn status(self) -> &'static str {
        match self {
            Lifecycle::Active => "ACTIVE",
            Lifecycle::Legacy | Lifecycle::EndOfLife => "LEGACY",
        }
    }
}

/// `agreementAvailability.status` of GetFoundationModelAvailability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AgreementStatus {
    /// `AVAILABLE`.
    Available,
    /// `PENDING`.
    Pending,
    /// `NOT_AVAILABLE`.
    NotAvailable,
    /// `ERROR`.
    Error,
}

impl AgreementStatus {
    fn as_str(self) -> &'static str {
        match self {
            AgreementStatus::Available => "AVAILABLE",
            AgreementStatus::Pending => "PENDING",
            AgreementStatus::NotAvailable => "NOT_AVAILABLE",
            AgreementStatus::Error => "ERROR",
        }
    }
}

/// What GetFoundationModelAvailability reports for a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Availability {
    /// The Marketplace agreement.
    pub agreement: AgreementStatus,
    /// `authorizationStatus`: AUTHORIZED or NOT_AUTHORIZED.
    pub authorized: bool,
    /// `entitlementAvailability`: AVAILABLE or NOT_AVAILABLE.
    pub entitled: bool,
    /// `regionAvailability`: AVAILABLE or NOT_AVAILABLE.
    pub region_available: bool,
}

impl Default for Availability {
    fn default() -> Self {
        Availability { agreement: AgreementStatus::Available, authorized: true, entitled: true, region_available: true }
    }
}

/// A foundation model as one region lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FakeModel {
    /// `modelId`, e.g. `amazon.nova-pro-v1:0`.
    pub model_id: String,
    /// `modelName`.
    pub model_name: String,
    /// `providerName`.
    pub provider_name: String,
    /// `inputModalities`.
    pub input_modalities: Vec<String>,
    /// `outputModalities`.
    pub output_modalities: Vec<String>,
    /// `responseStreamingSupported`.
    pub response_streaming_supported: bool,
    /// `customizationsSupported`.
    pub customizations_supported: Vec<String>,
    /// `inferenceTypesSupported`. Without [`InferenceType::OnDemand`], Converse by the bare id
    /// fails with [`crate::FakeError::OnDemandNotSupported`].
    pub inference_types: Vec<InferenceType>,
    /// The lifecycle.
    pub lifecycle: Lifecycle,
    /// What GetFoundationModelAvailability says.
    pub availability: Availability,
}

impl FakeModel {
    /// A text model, callable on demand, active. The provider name defaults to the id's
    /// provider part with a capital (`amazon.nova-pro-v1:0` → `Amazon`).
    pub fn new(model_id: impl Into<String>) -> FakeModel {
        let model_id = model_id.into();
        let provider = model_id.split('.').next().unwrap_or_default();
        let mut chars = provider.chars();
        let provider_name = chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
        FakeModel {
            model_name: model_id.clone(),
            model_id,
            provider_name,
            input_modalities: vec!["TEXT".to_owned()],
            output_modalities: vec!["TEXT".to_owned()],
            response_streaming_supported: true,
            customizations_supported: Vec::new(),
            inference_types: vec![InferenceType::OnDemand],
            lifecycle: Lifecycle::Active,
            availability: Availability::default(),
        }
    }

    /// Sets `inferenceTypesSupported`.
    #[must_use]
    pub fn inference_types(mut self, types: impl IntoIterator<Item = InferenceType>) -> FakeModel {
        self.inference_types = types.into_iter().collect();
        self
    }

    /// Sets the lifecycle.
    #[must_use]
    pub fn lifecycle(mut self, lifecycle: Lifecycle) -> FakeModel {
        self.lifecycle = lifecycle;
        self
    }

    /// Whether the bare model id can be invoked in this region.
    pub fn on_demand(&self) -> bool {
        self.inference_types.contains(&InferenceType::OnDemand)
    }

    /// Makes the model callable here only through a profile: `INFERENCE_PROFILE` replaces
    /// `ON_DEMAND` (`PROVISIONED` stays).
    pub fn make_profile_only(&mut self) {
        self.inference_types.retain(|t| *t == InferenceType::Provisioned);
        self.inference_types.insert(0, InferenceType::InferenceProfile);
    }

    /// The `FoundationModelSummary` (and `FoundationModelDetails`, the same members) JSON.
    pub(crate) fn summary(&self, region: &str) -> Value {
        json!({
            "modelArn": wire::foundation_model_arn(region, &self.model_id),
            "modelId": self.model_id,
            "modelName": self.model_name,
            "providerName": self.provider_name,
            "inputModalities": self.input_modalities,
            "outputModalities": self.output_modalities,
            "responseStreamingSupported": self.response_streaming_supported,
            "customizationsSupported": self.customizations_supported,
            "inferenceTypesSupported": self.inference_types.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            "modelLifecycle": { "status": self.lifecycle.status() },
        })
    }

    /// The GetFoundationModelAvailability JSON.
    pub(crate) fn availability_json(&self) -> Value {
        let available = |yes: bool| if yes { "AVAILABLE" } else { "NOT_AVAILABLE" };
        json!({
            "modelId": self.model_id,
            "agreementAvailability": { "status": self.availability.agreement.as_str() },
            "authorizationStatus": if self.availability.authorized { "AUTHORIZED" } else { "NOT_AUTHORIZED" },
            "entitlementAvailability": available(self.availability.entitled),
            "regionAvailability": available(self.availability.region_available),
        })
    }
}

/// `type` of an inference profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProfileType {
    /// `SYSTEM_DEFINED`: a cross-region profile (`us.…`), ARN `…:inference-profile/ID`.
    SystemDefined,
    /// `APPLICATION`: made by CreateInferenceProfile, ARN `…:application-inference-profile/ID`.
    Application,
}

impl ProfileType {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileType::SystemDefined => "SYSTEM_DEFINED",
            ProfileType::Application => "APPLICATION",
        }
    }

    /// The resource type in the profile's ARN.
    pub fn arn_resource_type(self) -> &'static str {
        match self {
            ProfileType::SystemDefined => "inference-profile",
            ProfileType::Application => "application-inference-profile",
        }
    }
}

/// The `status` every profile has unless a test sets another: the only value of the service
/// model's `InferenceProfileStatus`.
pub const PROFILE_ACTIVE: &str = "ACTIVE";

fn profile_active() -> String {
    PROFILE_ACTIVE.to_owned()
}

/// A resource tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
}

/// An inference profile as one region serves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FakeProfile {
    /// `inferenceProfileId`: `us.amazon.nova-pro-v1:0`, or 12 lowercase alphanumerics for an
    /// application profile.
    pub id: String,
    /// `inferenceProfileName`.
    pub name: String,
    /// `description`.
    pub description: Option<String>,
    /// `type`.
    pub profile_type: ProfileType,
    /// `models[].modelArn`: the foundation-model ARNs of the destination regions.
    pub model_arns: Vec<String>,
    /// `createdAt`, seconds since the Unix epoch.
    pub created_at: u64,
    /// `updatedAt`, seconds since the Unix epoch.
    pub updated_at: u64,
    /// The tags given to CreateInferenceProfile.
    pub tags: Vec<Tag>,
    /// `status`: [`PROFILE_ACTIVE`] unless a test sets another value. The service model lists
    /// only `ACTIVE`, so any other (`DISABLED`, say) is one a client does not expect, which is
    /// what a test of a client's status check needs. Invocations through the profile are served
    /// whatever its status: what Bedrock answers then is not known.
    #[serde(default = "profile_active")]
    pub status: String,
}

impl FakeProfile {
    /// A system-defined profile routing to `model_id` in each of `destinations`.
    pub fn system<'a>(
        id: impl Into<String>,
        name: impl Into<String>,
        model_id: &str,
        destinations: impl IntoIterator<Item = &'a str>,
    ) -> FakeProfile {
        FakeProfile {
            id: id.into(),
            name: name.into(),
            description: None,
            profile_type: ProfileType::SystemDefined,
            model_arns: destinations.into_iter().map(|region| wire::foundation_model_arn(region, model_id)).collect(),
            created_at: SYSTEM_PROFILE_CREATED_AT,
            updated_at: SYSTEM_PROFILE_CREATED_AT,
            tags: Vec::new(),
            status: profile_active(),
        }
    }

    /// The profile's ARN when served from `region` to `account`.
    pub fn arn(&self, region: &str, account: &str) -> String {
        format!(
            "arn:{}:bedrock:{region}:{account}:{}/{}",
            wire::partition(region),
            self.profile_type.arn_resource_type(),
            self.id
        )
    }

    /// The model id of the first destination (`…:foundation-model/ID`).
    pub(crate) fn first_model_id(&self) -> Option<&str> {
        self.model_arns.first().and_then(|arn| arn.split_once("foundation-model/")).map(|(_, id)| id)
    }

    /// The `InferenceProfileSummary` (and GetInferenceProfile response, the same members) JSON.
    pub(crate) fn summary(&self, region: &str, account: &str) -> Value {
        let mut summary = json!({
            "inferenceProfileName": self.name,
            "createdAt": wire::iso8601(self.created_at),
            "updatedAt": wire::iso8601(self.updated_at),
            "inferenceProfileArn": self.arn(region, account),
            "models": self.model_arns.iter().map(|arn| json!({ "modelArn": arn })).collect::<Vec<_>>(),
            "inferenceProfileId": self.id,
            "status": self.status,
            "type": self.profile_type.as_str(),
        });
        if let (Some(description), Some(object)) = (&self.description, summary.as_object_mut()) {
            object.insert("description".to_owned(), json!(description));
        }
        summary
    }
}

/// Everything one region serves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionData {
    /// The foundation models, in ListFoundationModels order.
    pub models: Vec<FakeModel>,
    /// The system and application profiles, in ListInferenceProfiles order.
    pub profiles: Vec<FakeProfile>,
}

impl RegionData {
    /// Adds a model (replacing one with the same id, in place).
    #[must_use]
    pub fn with_model(mut self, model: FakeModel) -> RegionData {
        self.upsert_model(model);
        self
    }

    /// Adds a profile (replacing one with the same id, in place).
    #[must_use]
    pub fn with_profile(mut self, profile: FakeProfile) -> RegionData {
        self.upsert_profile(profile);
        self
    }

    /// Adds a model, or replaces the one with the same id in place.
    pub fn upsert_model(&mut self, model: FakeModel) {
        match self.models.iter_mut().find(|m| m.model_id == model.model_id) {
            Some(existing) => *existing = model,
            None => self.models.push(model),
        }
    }

    /// Adds a profile, or replaces the one with the same id in place.
    pub fn upsert_profile(&mut self, profile: FakeProfile) {
        match self.profiles.iter_mut().find(|p| p.id == profile.id) {
            Some(existing) => *existing = profile,
            None => self.profiles.push(profile),
        }
    }

    /// The model with this id.
    pub fn model(&self, model_id: &str) -> Option<&FakeModel> {
        self.models.iter().find(|m| m.model_id == model_id)
    }

    /// The model with this id, to change it.
    pub fn model_mut(&mut self, model_id: &str) -> Option<&mut FakeModel> {
        self.models.iter_mut().find(|m| m.model_id == model_id)
    }

    /// The profile with this id.
    pub fn profile(&self, id: &str) -> Option<&FakeProfile> {
        self.profiles.iter().find(|p| p.id == id)
    }

    /// The profile with this id, to change it.
    pub fn profile_mut(&mut self, id: &str) -> Option<&mut FakeProfile> {
        self.profiles.iter_mut().find(|p| p.id == id)
    }
}

/// The default data set: for each region, the catalog's models offered there and the system
/// profiles callable from there.
///
/// - `inferenceTypesSupported` is `ON_DEMAND` where the catalog lists the region on demand, and
///   `INFERENCE_PROFILE` where the catalog offers the model there only through a profile;
///   provisioned-throughput ids add `PROVISIONED`.
/// - Catalog lifecycles map `legacy` → LEGACY and `eol` → [`Lifecycle::EndOfLife`].
/// - A profile's destinations are its source regions (the catalog knows no other), the
///   calling region first.
pub fn default_regions(catalog: &Catalog) -> BTreeMap<String, RegionData> {
    DEFAULT_REGIONS.iter().map(|&region| (region.to_owned(), region_from_catalog(catalog, region))).collect()
}

/// The data of one region, built from `catalog` as [`default_regions`] describes.
pub fn region_from_catalog(catalog: &Catalog, region: &str) -> RegionData {
    let Ok(wanted) = region.parse::<Region>() else { return RegionData::default() };
    let mut data = RegionData::default();
    for model in catalog.models_in_region(&wanted) {
        let mut types = Vec::new();
        match model.requires_profile_in(&wanted) {
            Some(false) => types.push(InferenceType::OnDemand),
            Some(true) => types.push(InferenceType::InferenceProfile),
            None => {}
        }
        if model.inference_types.contains(&CatalogInferenceType::Provisioned) {
            types.push(InferenceType::Provisioned);
        }
        let output_modalities: Vec<String> =
            model.output_modality.split(',').map(str::trim).filter(|m| !m.is_empty()).map(str::to_owned).collect();
        data.models.push(FakeModel {
            model_id: model.id.as_str().to_owned(),
            model_name: model.name.clone(),
            provider_name: model.provider.clone(),
            input_modalities: vec!["TEXT".to_owned()],
            response_streaming_supported: output_modalities.iter().any(|m| m == "TEXT"),
            output_modalities,
            customizations_supported: Vec::new(),
            inference_types: types,
            lifecycle: match model.lifecycle {
                CatalogLifecycle::Legacy => Lifecycle::Legacy,
                CatalogLifecycle::Eol => Lifecycle::EndOfLife,
                CatalogLifecycle::Active | CatalogLifecycle::Unknown => Lifecycle::Active,
            },
            availability: Availability::default(),
        });
    }
    for model in catalog.models() {
        for profile in model.profiles_in(&wanted) {
            let mut destinations: Vec<&str> = vec![region];
            destinations.extend(profile.source_regions.iter().map(Region::as_str).filter(|r| *r != region));
            let mut fake = FakeProfile::system(
                profile.id.as_str(),
                format!("{} {}", profile.geo.as_str().to_uppercase(), model.name),
                model.id.as_str(),
                destinations.iter().copied(),
            );
            fake.description = Some(format!("Routes requests to {} in {}.", model.name, destinations.join(", ")));
            data.profiles.push(fake);
        }
    }
    data.profiles.sort_by(|a, b| a.id.cmp(&b.id));
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_data_follows_the_catalog_for_nova_pro() {
        let regions = default_regions(Catalog::embedded());
        let east = &regions["us-east-1"];
        let west = &regions["us-west-2"];
        assert_eq!(east.model("amazon.nova-pro-v1:0").unwrap().inference_types, [InferenceType::OnDemand]);
        assert_eq!(west.model("amazon.nova-pro-v1:0").unwrap().inference_types, [InferenceType::InferenceProfile]);
        let profile = west.profile("us.amazon.nova-pro-v1:0").unwrap();
        assert_eq!(profile.profile_type, ProfileType::SystemDefined);
        assert_eq!(profile.model_arns[0], "arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-pro-v1:0");
        assert!(west.profile("eu.amazon.nova-pro-v1:0").is_none());
        assert!(regions["eu-west-1"].profile("eu.amazon.nova-pro-v1:0").is_some());
    }

    #[test]
    fn a_model_made_profile_only_keeps_provisioned() {
        let mut model = FakeModel::new("amazon.nova-pro-v1:0")
            .inference_types([InferenceType::OnDemand, InferenceType::Provisioned]);
        model.make_profile_only();
        assert_eq!(model.inference_types, [InferenceType::InferenceProfile, InferenceType::Provisioned]);
        assert_eq!(model.provider_name, "Amazon");
        assert!(!model.on_demand());
    }

    #[test]
    fn a_profile_summary_has_every_required_member() {
        let profile = FakeProfile::system("us.x.y-v1:0", "US Y", "x.y-v1:0", ["us-east-1", "us-west-2"]);
        let summary = profile.summary("us-east-1", DEFAULT_ACCOUNT);
        assert_eq!(
            summary["inferenceProfileArn"],
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.x.y-v1:0"
        );
        assert_eq!(summary["models"][1]["modelArn"], "arn:aws:bedrock:us-west-2::foundation-model/x.y-v1:0");
        assert_eq!(summary["createdAt"], "2024-08-27T00:00:00Z");
        assert_eq!(summary["type"], "SYSTEM_DEFINED");
        assert_eq!(summary["status"], "ACTIVE");
        assert!(summary.get("description").is_none());
    }
}
