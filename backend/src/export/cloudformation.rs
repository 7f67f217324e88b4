//! `cloudformation`: the application inference profiles the environment's bindings use, as
//! `AWS::Bedrock::ApplicationInferenceProfile` resources with their names, descriptions,
//! sources (`ModelSource.CopyFrom`) and tags, so a team can keep them in infrastructure code.
//!
//! The profiles already exist, so each resource keeps `DeletionPolicy: Retain` (which
//! CloudFormation requires of a resource brought in by a resource import), and the template's
//! `Metadata` names each one's existing ARN, the identifier the import asks for. An output
//! per resource gives the ARN to bind. The facts come from AWS (GetInferenceProfile's fields,
//! ListTagsForResource): an application profile's ARN says nothing of them.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::facts::ProfileFact;
use super::{ExportError, Input, to_json};

/// The template of `input`, as JSON.
pub fn render(input: &Input) -> Result<String, ExportError> {
    to_json(&template(input)?)
}

/// The template of `input`.
pub fn template(input: &Input) -> Result<Value, ExportError> {
    // Each profile once, with every model bound to it.
    let mut profiles: BTreeMap<String, (&ProfileFact, Vec<&str>)> = BTreeMap::new();
    for bound in input.bindings.iter().filter(|bound| bound.is_application_profile()) {
        let fact = input.facts.profile(&bound.value).ok_or_else(|| {
            ExportError::Missing(format!(
                "cloudformation needs the name, source and tags of `{}` (the binding of `{}`, line {}), which only \
                 AWS can tell (GetInferenceProfile, ListTagsForResource): no AWS credentials were found",
                bound.value, bound.model, bound.line
            ))
        })?;
        profiles.entry(fact.arn.clone()).or_insert((fact, Vec::new())).1.push(&bound.model);
    }
    if profiles.is_empty() {
        return Err(ExportError::Missing(format!(
            "{} binds no application inference profile: there is nothing to put in a template",
            input.label
        )));
    }
    let mut resources = Map::new();
    let mut outputs = Map::new();
    let mut existing = Map::new();
    for (arn, (fact, models)) in &profiles {
        let id = logical_id(fact, &resources);
        let name = fact.name.clone().ok_or_else(|| ExportError::Missing(format!("the name of {arn} is not known")))?;
        let copy_from = fact.copy_from.clone().ok_or_else(|| {
            ExportError::Missing(format!(
                "what {arn} was copied from is not known: its models[] match no system profile of its region"
            ))
        })?;
        let mut properties = Map::new();
        properties.insert("InferenceProfileName".to_owned(), json!(name));
        if let Some(description) = &fact.description {
            properties.insert("Description".to_owned(), json!(description));
        }
        properties.insert("ModelSource".to_owned(), json!({ "CopyFrom": copy_from }));
        if !fact.tags.is_empty() {
            let tags: Vec<Value> = fact.tags.iter().map(|tag| json!({ "Key": tag.key, "Value": tag.value })).collect();
            properties.insert("Tags".to_owned(), json!(tags));
        }
        resources.insert(
            id.clone(),
            json!({
                "Type": "AWS::Bedrock::ApplicationInferenceProfile",
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
                "Properties": properties,
            }),
        );
        outputs.insert(
            format!("{id}Arn"),
            json!({
                "Description": format!("Bound to {}", models.join(", ")),
                "Value": { "Fn::GetAtt": [id, "InferenceProfileArn"] },
            }),
        );
        existing.insert(id, json!(arn));
    }
    Ok(json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!(
            "Application inference profiles of {} (bedrock-binder export --format cloudformation). They exist \
             already: import them, each with the InferenceProfileIdentifier in Metadata.ExistingProfiles.",
            input.label
        ),
        "Metadata": { "ExistingProfiles": existing },
        "Resources": resources,
        "Outputs": outputs,
    }))
}

/// A logical id from the profile's name: its letters and digits, after `Profile`, unique
/// among `taken`.
fn logical_id(fact: &ProfileFact, taken: &Map<String, Value>) -> String {
    let name: String =
        fact.name.as_deref().unwrap_or_default().chars().filter(char::is_ascii_alphanumeric).take(200).collect();
    let base = format!("Profile{name}");
    let mut id = base.clone();
    let mut n = 2;
    while taken.contains_key(&id) {
        id = format!("{base}{n}");
        n += 1;
    }
    id
}

#[cfg(test)]
mod tests {
    use bedrock_binder_shared::application_profile::ProfileTag;

    use super::super::test_input::input;
    use super::super::{Facts, facts::Source};
    use super::*;

    const APP: &str = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123def456";
    const SYSTEM: &str = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0";

    #[test]
    fn an_application_profile_becomes_a_retained_resource_with_its_source_and_tags() {
        let mut input = input(&format!("amazon.nova-pro-v1:0={APP}\namazon.nova-lite-v1:0=\n"), &[]);
        let fact = ProfileFact {
            arn: APP.to_owned(),
            name: Some("search team-nova".to_owned()),
            description: Some("Nova for search".to_owned()),
            application: true,
            base_model: Some("amazon.nova-pro-v1:0".to_owned()),
            model_arns: Vec::new(),
            copy_from: Some(SYSTEM.to_owned()),
            tags: vec![ProfileTag { key: "team".to_owned(), value: "search".to_owned() }],
        };
        input.facts = Facts { source: Source::Live, profiles: BTreeMap::from([(APP.to_owned(), fact)]) };
        let template = template(&input).expect("a template");
        let resource = &template["Resources"]["Profilesearchteamnova"];
        assert_eq!(resource["Type"], "AWS::Bedrock::ApplicationInferenceProfile");
        assert_eq!(resource["DeletionPolicy"], "Retain");
        assert_eq!(
            resource["Properties"],
            json!({
                "InferenceProfileName": "search team-nova",
                "Description": "Nova for search",
                "ModelSource": { "CopyFrom": SYSTEM },
                "Tags": [{ "Key": "team", "Value": "search" }],
            })
        );
        assert_eq!(template["Metadata"]["ExistingProfiles"]["Profilesearchteamnova"], APP);
        assert_eq!(template["Outputs"]["ProfilesearchteamnovaArn"]["Description"], "Bound to amazon.nova-pro-v1:0");
    }

    #[test]
    fn without_facts_the_template_is_refused_naming_what_only_aws_knows() {
        let input = input(&format!("amazon.nova-pro-v1:0={APP}\n"), &[]);
        let error = template(&input).expect_err("no facts");
        assert!(error.to_string().contains("no AWS credentials were found"), "{error}");
    }

    #[test]
    fn no_application_profile_is_nothing_to_template() {
        let error = template(&input("amazon.nova-lite-v1:0=\n", &[])).expect_err("nothing");
        assert!(error.to_string().contains("binds no application inference profile"), "{error}");
    }
}
