//! [`Facts`]: what an export knows about the inference profiles the bindings name — each
//! one's ARN, base model and destination foundation-model ARNs, and for an application profile
//! its name, description, source and tags.
//!
//! With AWS credentials they are discovered ([`gather`]): ListInferenceProfiles per region
//! (the profiles' `models[]`), STS for the account, ListTagsForResource for the tags. Without,
//! a system profile's destinations are the regions the catalog documents for it
//! ([`from_catalog`]); an application profile's ARN names no model, so nothing is known of it.

use std::collections::{BTreeMap, BTreeSet};

use bedrock_binder_shared::api::{DiscoveredProfile, ExportFormat, InferenceProfileType};
use bedrock_binder_shared::application_profile::ProfileTag;
use bedrock_binder_shared::aws_failure::{AwsFailure, CallContext};
use bedrock_binder_shared::date::CalendarDate;
use bedrock_binder_shared::{ArnResource, Catalog, GeoPrefix, ProfileRef, Region};

use super::{Bound, foundation_model_arn};
use crate::aws::Aws;
use crate::aws::discovery::RegionSnapshot;
use crate::aws::error::CallError;

/// What is known of one profile a binding names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileFact {
    /// Its ARN.
    pub arn: String,
    /// `inferenceProfileName` (discovered only).
    pub name: Option<String>,
    /// `description` (discovered only).
    pub description: Option<String>,
    /// Whether it is an application profile.
    pub application: bool,
    /// The foundation model it routes to.
    pub base_model: Option<String>,
    /// The foundation-model ARNs of its destination regions (`models[].modelArn`).
    pub model_arns: Vec<String>,
    /// For an application profile: the system profile or foundation model ARN it routes as,
    /// which CreateInferenceProfile's `copyFrom` (CloudFormation's `ModelSource.CopyFrom`)
    /// takes.
    pub copy_from: Option<String>,
    /// For an application profile, when asked for: its tags.
    pub tags: Vec<ProfileTag>,
}

/// Where the facts come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Source {
    /// Nothing was looked up (the format needs no facts).
    #[default]
    None,
    /// Discovered from AWS now (or within the discovery cache's time to live).
    Live,
    /// The offline catalog compiled into the binary, of that date: there were no AWS
    /// credentials.
    Catalog(Option<CalendarDate>),
}

impl Source {
    /// A sentence for people: where the destinations came from.
    pub fn describe(&self) -> String {
        match self {
            Source::None => "no profile facts were needed".to_owned(),
            Source::Live => "the profiles' destinations are the models[] AWS lists for each profile".to_owned(),
            Source::Catalog(date) => format!(
                "no AWS credentials: the profiles' destinations are the regions the embedded catalog{} documents",
                date.map(|date| format!(" of {date}")).unwrap_or_default()
            ),
        }
    }

    /// The short name of the `X-Bedrock-Binder-Facts` header: `live`, `catalog` or `none`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Source::None => "none",
            Source::Live => "live",
            Source::Catalog(_) => "catalog",
        }
    }
}

/// The facts of an export: where they come from, and each profile's, by the value as bound.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Where they come from.
    pub source: Source,
    /// By the binding's value (a profile id or ARN).
    pub profiles: BTreeMap<String, ProfileFact>,
}

impl Facts {
    /// The facts of the profile a binding's value names.
    pub fn profile(&self, value: &str) -> Option<&ProfileFact> {
        self.profiles.get(value)
    }
}

/// Why facts could not be gathered.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GatherError {
    /// An AWS call failed (credentials refused, access denied, …).
    #[error("{}", .0.explanation)]
    Aws(Box<AwsFailure>),
    /// A bound profile is not where its binding says.
    #[error("{0}")]
    NotFound(String),
}

/// The facts of the system profiles among `bindings` from the catalog: for a geo profile, the
/// foundation model in each region the catalog documents for it (with the calling region's
/// own); for a `global.` profile, whose destinations cannot be listed, AWS's documented pair:
/// the calling region's foundation-model ARN and the region-less one. A profile the catalog
/// documents no region for gets no fact.
pub fn from_catalog(bindings: &[Bound], region: Option<&Region>, account: Option<&str>, catalog: &Catalog) -> Facts {
    let mut profiles = BTreeMap::new();
    for bound in bindings {
        let (id, arn) = match &bound.target {
            Some(ProfileRef::SystemProfile(id)) => (id.clone(), None),
            Some(ProfileRef::Arn(arn)) => match arn.resource() {
                ArnResource::InferenceProfile(id) => (id.clone(), Some(arn)),
                _ => continue,
            },
            _ => continue,
        };
        let Some(calling) = arn.map(|arn| arn.region()).or(region) else { continue };
        let Some((model, profile)) = catalog.profile(id.as_str()) else { continue };
        let arn = match (arn, account) {
            (Some(arn), _) => arn.to_string(),
            (None, Some(account)) => {
                format!("arn:{}:bedrock:{calling}:{account}:inference-profile/{}", calling.partition(), id.as_str())
            }
            (None, None) => continue,
        };
        let base = model.id.as_str();
        let model_arns = if profile.geo == GeoPrefix::Global {
            vec![
                foundation_model_arn(calling, base),
                format!("arn:{}:bedrock:::foundation-model/{base}", calling.partition()),
            ]
        } else {
            if profile.source_regions.is_empty() {
                continue;
            }
            let mut regions: BTreeSet<&Region> = profile.source_regions.iter().collect();
            regions.insert(calling);
            regions.into_iter().map(|region| foundation_model_arn(region, base)).collect()
        };
        let fact = ProfileFact { arn, base_model: Some(base.to_owned()), model_arns, ..ProfileFact::default() };
        profiles.insert(bound.value.clone(), fact);
    }
    Facts { source: Source::Catalog(catalog.compiled_on()), profiles }
}

/// The facts of the profiles among `bindings` already in `aws`'s discovery cache (fetched
/// earlier, or saved by an earlier run); nothing is fetched. For the formats that only want
/// an application profile's base model when it is at hand.
pub fn cached(aws: &Aws, bindings: &[Bound], region: Option<&Region>) -> Facts {
    let mut profiles = BTreeMap::new();
    for bound in bindings.iter().filter(|bound| bound.is_profile()) {
        let Some(at) = bound.arn_region().or(region) else { continue };
        let Some(snapshot) = aws.discovery().cached(at) else { continue };
        if let Some(profile) = find(&snapshot, &bound.value) {
            profiles.insert(bound.value.clone(), fact_of(profile, &snapshot));
        }
    }
    Facts { source: if profiles.is_empty() { Source::None } else { Source::Live }, profiles }
}

/// The facts of every profile among `bindings`, discovered now (the discovery cache is used
/// within its time to live): each profile is looked up among its region's (the ARN's, else
/// `region`) system and application profiles. With `tags`, an application profile's tags are
/// read too.
pub async fn gather(aws: &Aws, bindings: &[Bound], region: Option<&Region>, tags: bool) -> Result<Facts, GatherError> {
    let mut profiles = BTreeMap::new();
    for bound in bindings.iter().filter(|bound| bound.is_profile()) {
        let Some(at) = bound.arn_region().or(region) else { continue };
        let snapshot = aws.snapshot(at).await.map_err(|failure| GatherError::Aws(Box::new(failure)))?;
        let Some(profile) = find(&snapshot, &bound.value) else {
            return Err(GatherError::NotFound(format!(
                "the binding of `{}` (line {}) names `{}`, which {at} does not list among its inference profiles",
                bound.model, bound.line, bound.value
            )));
        };
        let mut fact = fact_of(profile, &snapshot);
        if tags && fact.application {
            fact.tags = list_tags(aws, at, &fact.arn).await?;
        }
        profiles.insert(bound.value.clone(), fact);
    }
    Ok(Facts { source: Source::Live, profiles })
}

/// The account and facts an export of `format` is made with.
///
/// - `inference-txt`, `json`, `litellm`, `librechat`: nothing is called; a profile already in
///   the discovery cache lends its base model.
/// - `step-functions`, `iam-policy`, `cloudformation`: with AWS credentials the profiles are
///   discovered ([`gather`], with tags for `cloudformation`) and the account is STS's (unless
///   `account` is given); without, the catalog stands in ([`from_catalog`]) and the account is
///   `account` or unknown. Credentials that AWS refuses are an error, not a fallback: the
///   catalog would hide that the environment's AWS does not work.
pub async fn for_format(
    format: ExportFormat,
    aws: &Aws,
    bindings: &[Bound],
    region: Option<&Region>,
    account: Option<String>,
    catalog: &Catalog,
) -> Result<(Option<String>, Facts), GatherError> {
    if !matches!(format, ExportFormat::StepFunctions | ExportFormat::IamPolicy | ExportFormat::Cloudformation) {
        return Ok((account, cached(aws, bindings, region)));
    }
    let status = aws.status_cached(false).await;
    if !status.credentials {
        let facts = from_catalog(bindings, region, account.as_deref(), catalog);
        return Ok((account, facts));
    }
    if !status.ok {
        let problem = status.problem.unwrap_or_else(|| AwsFailure::no_credentials(None));
        return Err(GatherError::Aws(Box::new(problem)));
    }
    let facts = gather(aws, bindings, region, format == ExportFormat::Cloudformation).await?;
    Ok((account.or(status.account), facts))
}

/// The profile of `snapshot` whose id or ARN is `value`.
fn find<'a>(snapshot: &'a RegionSnapshot, value: &str) -> Option<&'a DiscoveredProfile> {
    snapshot.profiles.iter().find(|profile| profile.id == value || profile.arn == value)
}

fn fact_of(profile: &DiscoveredProfile, snapshot: &RegionSnapshot) -> ProfileFact {
    let application = profile.profile_type == InferenceProfileType::Application;
    ProfileFact {
        arn: profile.arn.clone(),
        name: Some(profile.name.clone()),
        description: profile.description.clone(),
        application,
        base_model: profile.base_model.clone(),
        model_arns: profile.model_arns.clone(),
        copy_from: application.then(|| copied_from(profile, snapshot)).flatten(),
        tags: Vec::new(),
    }
}

/// What an application profile was copied from. Its `models[]` are those of the system
/// profile it copied (several regions), or the one foundation model it copied: the system
/// profile of the region with the same destinations, else that foundation model.
fn copied_from(profile: &DiscoveredProfile, snapshot: &RegionSnapshot) -> Option<String> {
    let destinations: BTreeSet<&str> = profile.model_arns.iter().map(String::as_str).collect();
    let system = snapshot.profiles.iter().find(|candidate| {
        candidate.profile_type == InferenceProfileType::SystemDefined
            && candidate.model_arns.iter().map(String::as_str).collect::<BTreeSet<_>>() == destinations
    });
    match (system, profile.model_arns.as_slice()) {
        (Some(system), _) => Some(system.arn.clone()),
        (None, [only]) => Some(only.clone()),
        (None, _) => None,
    }
}

/// ListTagsForResource of `arn` in `region`.
async fn list_tags(aws: &Aws, region: &Region, arn: &str) -> Result<Vec<ProfileTag>, GatherError> {
    let clients = aws.clients(region).await;
    let output = clients.bedrock.list_tags_for_resource().resource_arn(arn).send().await.map_err(|error| {
        let context = CallContext { region: Some(region.as_str()), ..CallContext::default() };
        GatherError::Aws(Box::new(CallError::from_sdk(error).diagnose(&context)))
    })?;
    Ok(output
        .tags()
        .iter()
        .map(|tag| ProfileTag { key: tag.key().to_owned(), value: tag.value().to_owned() })
        .collect())
}

#[cfg(test)]
mod tests {
    use bedrock_binder_shared::Document;

    use super::*;

    fn bound(text: &str) -> Vec<Bound> {
        Bound::all(&Document::parse(text), &BTreeMap::new())
    }

    #[test]
    fn a_geo_profile_routes_to_the_regions_the_catalog_documents() {
        let region: Region = "us-east-1".parse().expect("region");
        let bindings = bound("amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n");
        let facts = from_catalog(&bindings, Some(&region), Some("123456789012"), Catalog::embedded());
        let fact = facts.profile("us.amazon.nova-pro-v1:0").expect("documented");
        assert_eq!(fact.arn, "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0");
        assert!(
            fact.model_arns.contains(&"arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0".to_owned())
        );
        assert!(fact.model_arns.iter().all(|arn| arn.starts_with("arn:aws:bedrock:us-")), "{:?}", fact.model_arns);
        assert!(fact.model_arns.len() >= 3, "{:?}", fact.model_arns);
        assert!(matches!(facts.source, Source::Catalog(_)));
    }

    #[test]
    fn a_global_profile_gets_the_calling_regions_model_and_the_region_less_one() {
        let catalog = Catalog::embedded();
        let Some(global) = catalog.models().iter().flat_map(|model| model.system_profiles.iter()).find(|profile| {
            profile.geo == GeoPrefix::Global && profile.source_regions.iter().any(|r| r.as_str() == "us-east-1")
        }) else {
            panic!("the catalog has a global profile callable from us-east-1");
        };
        let region: Region = "us-east-1".parse().expect("region");
        let base = global.id.base();
        let bindings = bound(&format!("{base}={}\n", global.id.as_str()));
        let facts = from_catalog(&bindings, Some(&region), Some("123456789012"), catalog);
        let fact = facts.profile(global.id.as_str()).expect("documented");
        assert_eq!(
            fact.model_arns,
            [
                format!("arn:aws:bedrock:us-east-1::foundation-model/{base}"),
                format!("arn:aws:bedrock:::foundation-model/{base}")
            ]
        );
    }

    #[test]
    fn an_application_profile_has_no_catalog_fact() {
        let bindings = bound(
            "amazon.nova-pro-v1:0=arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123def456\n",
        );
        let facts = from_catalog(&bindings, None, None, Catalog::embedded());
        assert!(facts.profiles.is_empty());
    }
}
