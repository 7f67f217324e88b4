//! Application inference profiles: create, list, delete.
//!
//! A profile is created by copying a foundation model or a system profile (`copyFrom`, an ARN
//! of the region). The request carries a `clientRequestToken`, so sending it again after a
//! timeout returns the profile made the first time instead of a second one (or a name
//! conflict). Its model is read back from the new profile's `models[].modelArn`.
//!
//! Deleting cannot be undone and breaks the bindings that point at the profile, so the
//! callers show [`references`] and ask for confirmation first.

use aws_sdk_bedrock::types::{InferenceProfileModelSource, InferenceProfileType, Tag};
use bedrock_binder_shared::api::{
    CreateProfileRequest, DiscoveredProfile, InferenceProfileType as ProfileType, ProfileReference,
};
use bedrock_binder_shared::application_profile::ProfileTag;
use bedrock_binder_shared::application_profile::{ProfileDescription, ProfileFieldError, ProfileName, check_tags};
use bedrock_binder_shared::aws_failure::{AwsFailure, CallContext};
use bedrock_binder_shared::{Arn, ArnResource, Document, ModelId, Region};

use super::discovery::{ProfileFields, list_profiles, profile_from_summary};
use super::error::CallError;
use super::{Aws, now_epoch_seconds};

/// A validated CreateInferenceProfile request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProfile {
    /// `inferenceProfileName`.
    pub name: String,
    /// `description`.
    pub description: Option<String>,
    /// `modelSource.copyFrom`: a foundation-model or system-profile ARN of `region`.
    pub copy_from: Arn,
    /// Tags.
    pub tags: Vec<ProfileTag>,
    /// `clientRequestToken`; the SDK makes one up when `None` (then a retry is not idempotent).
    pub client_request_token: Option<String>,
    /// Where to create it.
    pub region: Region,
}

/// The profile made, and its model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// The new profile's ARN.
    pub arn: String,
    /// Its status.
    pub status: String,
    /// The model it calls, read from the profile's `models[]`.
    pub model: Option<String>,
}

impl NewProfile {
    /// Checks the fields as CreateInferenceProfile will, so a mistake is explained before
    /// anything is sent. `copy_from` is an ARN, or the id of a model or system profile
    /// discovered in the region (`discovered`), whose ARN is then used.
    pub fn validate(
        name: &str,
        description: Option<&str>,
        copy_from: &str,
        tags: Vec<ProfileTag>,
        client_request_token: Option<String>,
        region: Region,
        discovered: Option<&super::discovery::RegionSnapshot>,
    ) -> Result<NewProfile, String> {
        let field = |error: ProfileFieldError| error.message;
        let name: ProfileName = name.parse().map_err(field)?;
        let description: ProfileDescription = description.unwrap_or_default().parse().map_err(field)?;
        let copy_from = resolve_copy_from(copy_from.trim(), &region, discovered)?;
        check_tags(&tags).map_err(field)?;
        let client_request_token = client_request_token.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        if client_request_token.as_deref().is_some_and(|t| t.len() > 256) {
            return Err("the client request token is longer than 256 characters".to_owned());
        }
        Ok(NewProfile {
            name: name.as_str().to_owned(),
            description: description.as_deref().map(str::to_owned),
            copy_from,
            tags,
            client_request_token,
            region,
        })
    }
}

/// The `copyFrom` ARN: an ARN as given, or the ARN the region gave a discovered model or
/// system profile (never one built from the id).
fn resolve_copy_from(
    text: &str,
    region: &Region,
    discovered: Option<&super::discovery::RegionSnapshot>,
) -> Result<Arn, String> {
    let arn_text = if text.starts_with("arn:") {
        text.to_owned()
    } else {
        let Some(snapshot) = discovered else {
            return Err(format!("`{text}` is not an ARN; give the ARN of a foundation model or a system profile"));
        };
        let model = snapshot.model(text).map(|m| m.arn.clone());
        let profile = snapshot
            .profiles
            .iter()
            .find(|p| p.id == text && p.profile_type == ProfileType::SystemDefined)
            .map(|p| p.arn.clone());
        model.or(profile).ok_or_else(|| format!("{region} has no model or system profile `{text}`"))?
    };
    let arn: Arn = arn_text.parse().map_err(|e: bedrock_binder_shared::arn::ArnError| e.message)?;
    match arn.resource() {
        ArnResource::FoundationModel(_) | ArnResource::InferenceProfile(_) => {}
        _ => {
            return Err(format!(
                "copyFrom must be a foundation-model or a system inference-profile ARN, not a {}",
                arn.resource().type_name()
            ));
        }
    }
    if arn.region() != region {
        return Err(format!("the ARN is in {}, but the profile is made in {region}: copy from {region}", arn.region()));
    }
    Ok(arn)
}

/// The binding lines (every line, not only the one in force) whose value is the profile's ARN
/// or id.
pub fn references(document: &Document, profile: &DiscoveredProfile) -> Vec<ProfileReference> {
    document
        .bindings()
        .filter_map(|line| {
            let (key, value) = (line.key()?, line.value()?);
            let points_at = !value.is_empty() && (value == profile.arn || value == profile.id);
            points_at.then(|| ProfileReference { model: key.to_owned(), line: line.number, profile: value.to_owned() })
        })
        .collect()
}

/// Why a create request was not sent.
#[derive(Debug, Clone)]
pub enum NotSent {
    /// A field is not allowed; the sentence names it.
    Invalid(String),
    /// Looking up an id's ARN in the region failed.
    Aws(Box<AwsFailure>),
}

impl Aws {
    /// The checked request for `request` in `region`. A `copy_from` that is an id rather than
    /// an ARN is looked up among what the region offers (fetched if not fresh), and its ARN used.
    pub async fn new_profile(&self, request: CreateProfileRequest, region: Region) -> Result<NewProfile, NotSent> {
        let discovered = if request.copy_from.trim().starts_with("arn:") {
            None
        } else {
            Some(self.snapshot(&region).await.map_err(|diagnosis| NotSent::Aws(Box::new(diagnosis)))?)
        };
        NewProfile::validate(
            &request.name,
            request.description.as_deref(),
            &request.copy_from,
            request.tags,
            request.client_request_token,
            region,
            discovered.as_deref(),
        )
        .map_err(NotSent::Invalid)
    }

    /// Creates the profile, then reads its model back.
    pub async fn create_profile(&self, profile: &NewProfile) -> Result<Created, AwsFailure> {
        let clients = self.clients(&profile.region).await;
        let tags = profile
            .tags
            .iter()
            .filter_map(|tag| Tag::builder().key(&tag.key).value(&tag.value).build().ok())
            .collect::<Vec<_>>();
        let output = clients
            .bedrock
            .create_inference_profile()
            .inference_profile_name(&profile.name)
            .set_description(profile.description.clone())
            .model_source(InferenceProfileModelSource::CopyFrom(profile.copy_from.to_string()))
            .set_tags(Some(tags).filter(|tags| !tags.is_empty()))
            .set_client_request_token(profile.client_request_token.clone())
            .send()
            .await
            .map_err(|error| self.diagnosed(CallError::from_sdk(error), &profile.region))?;
        self.forget(&profile.region);
        let arn = output.inference_profile_arn().to_owned();
        let status = output.status().map(|s| s.as_str().to_owned()).unwrap_or_default();
        // The ARN of the copied model or system profile names the model too; the new
        // profile's own `models[]` is the authority when it can be read.
        let model = match self.get_profile(&profile.region, &arn).await {
            Ok(created) => created.base_model,
            Err(_) => profile.copy_from.model().map(|m| ModelId::base_of(m).to_owned()),
        };
        Ok(Created { arn, status, model })
    }

    /// One profile, by id or ARN.
    pub async fn get_profile(&self, region: &Region, identifier: &str) -> Result<DiscoveredProfile, AwsFailure> {
        let clients = self.clients(region).await;
        let output = clients
            .bedrock
            .get_inference_profile()
            .inference_profile_identifier(identifier)
            .send()
            .await
            .map_err(|error| self.diagnosed(CallError::from_sdk(error), region))?;
        let fields = ProfileFields {
            id: output.inference_profile_id(),
            arn: output.inference_profile_arn(),
            name: output.inference_profile_name(),
            description: output.description(),
            profile_type: output.r#type().as_str(),
            status: output.status().as_str(),
            model_arns: output.models().iter().filter_map(|m| m.model_arn()).collect(),
        };
        Ok(profile_from_summary(&fields, now_epoch_seconds()))
    }

    /// The account's application profiles in `region`, sorted by name.
    pub async fn application_profiles(&self, region: &Region) -> Result<Vec<DiscoveredProfile>, AwsFailure> {
        let clients = self.clients(region).await;
        let summaries = list_profiles(&clients, InferenceProfileType::Application, self.settings().page_size)
            .await
            .map_err(|error| self.diagnosed(error, region))?;
        let fetched_at = now_epoch_seconds();
        let mut profiles: Vec<DiscoveredProfile> =
            summaries.iter().map(|summary| profile_from_summary(&ProfileFields::from(summary), fetched_at)).collect();
        profiles.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        Ok(profiles)
    }

    /// Deletes an application profile (by id or ARN).
    pub async fn delete_profile(&self, region: &Region, identifier: &str) -> Result<(), AwsFailure> {
        let clients = self.clients(region).await;
        clients
            .bedrock
            .delete_inference_profile()
            .inference_profile_identifier(identifier)
            .send()
            .await
            .map_err(|error| self.diagnosed(CallError::from_sdk(error), region))?;
        // The cached listing of the region still has it; drop the cache so it is fetched anew.
        self.forget(region);
        Ok(())
    }

    fn diagnosed(&self, error: CallError, region: &Region) -> AwsFailure {
        error.diagnose(&CallContext { region: Some(region.as_str()), ..CallContext::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region() -> Region {
        "us-east-1".parse().expect("region")
    }

    fn validate(name: &str, copy_from: &str) -> Result<NewProfile, String> {
        NewProfile::validate(name, None, copy_from, Vec::new(), None, region(), None)
    }

    const FM: &str = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0";

    #[test]
    fn names_follow_aws_pattern() {
        assert!(validate("team nova-pro_1", FM).is_ok());
        for bad in ["", "-x", "a  b", "a--b", &"a".repeat(65), "a/b"] {
            assert!(validate(bad, FM).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn copy_from_must_be_a_model_or_system_profile_arn_of_the_region() {
        assert!(
            validate("p", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0").is_ok()
        );
        let error = validate("p", "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcdefabcdef")
            .expect_err("application");
        assert!(error.contains("not a application-inference-profile"), "{error}");
        let error =
            validate("p", "arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-pro-v1:0").expect_err("region");
        assert!(error.contains("copy from us-east-1"), "{error}");
        let error = validate("p", "amazon.nova-pro-v1:0").expect_err("an id without discovery");
        assert!(error.contains("not an ARN"), "{error}");
    }

    #[test]
    fn references_are_every_line_naming_the_profile() {
        let arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcdefabcdef";
        let document = Document::parse(&format!("a.b={arn}\n# c.d={arn}\ne.f=us.e.f\na.b={arn}\n"));
        let profile = DiscoveredProfile {
            id: "abcdefabcdef".to_owned(),
            arn: arn.to_owned(),
            name: "p".to_owned(),
            description: None,
            profile_type: ProfileType::Application,
            status: "ACTIVE".to_owned(),
            model_arns: Vec::new(),
            base_model: None,
            destination_regions: Vec::new(),
            source: bedrock_binder_shared::fact_source::FactSource::Live,
            fetched_at: None,
        };
        let lines: Vec<usize> = references(&document, &profile).iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 4], "comments do not count, overridden lines do");
    }
}
