//! `iam-policy`: the least-privilege identity policy for calling the environment's bindings:
//! `bedrock:InvokeModel` and `bedrock:InvokeModelWithResponseStream`, and nothing else, on
//!
//! 1. every bound inference profile (system or application) ARN;
//! 2. every foundation-model ARN those profiles route to — their `models[]` as AWS lists them,
//!    or without credentials the regions the catalog documents — only through those profiles
//!    (`ArnEquals` on `bedrock:InferenceProfileArn`), which is how AWS authorizes a profile's
//!    destinations; the statement's `Sid` says which source the list came from;
//! 3. every model bound directly (its foundation-model ARN in the environment's region) or by
//!    a model ARN.
//!
//! A prompt router or prompt chooses its own models at call time, so a binding to one is
//! refused rather than exported with a policy that would fail.

use std::collections::BTreeSet;

use bedrock_binder_shared::{ArnResource, ProfileRef};
use serde_json::{Value, json};

use super::facts::Source;
use super::{Bound, ExportError, Input, to_json};

/// The actions granted.
pub const ACTIONS: [&str; 2] = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"];

/// The policy of `input`, as JSON.
pub fn render(input: &Input) -> Result<String, ExportError> {
    to_json(&policy(input)?)
}

/// The policy of `input`.
pub fn policy(input: &Input) -> Result<Value, ExportError> {
    let mut profiles = BTreeSet::new();
    let mut destinations = BTreeSet::new();
    let mut direct = BTreeSet::new();
    for bound in &input.bindings {
        if bound.is_profile() {
            let fact = input.facts.profile(&bound.value).ok_or_else(|| unknown_destinations(input, bound))?;
            profiles.insert(fact.arn.clone());
            destinations.extend(fact.model_arns.iter().cloned());
            continue;
        }
        if let Some(ProfileRef::Arn(arn)) = &bound.target
            && matches!(
                arn.resource(),
                ArnResource::DefaultPromptRouter(_) | ArnResource::PromptRouter(_) | ArnResource::Prompt(_)
            )
        {
            return Err(ExportError::Unsupported(format!(
                "the binding of `{}` (line {}) is a {}, which picks its models at call time: an IAM policy \
                 for it cannot be derived from the bindings",
                bound.model,
                bound.line,
                arn.resource().type_name()
            )));
        }
        direct.insert(input.target_arn(bound, "iam-policy")?);
    }
    let mut statements = Vec::new();
    if !profiles.is_empty() {
        statements.push(statement("InvokeTheBoundInferenceProfiles", &profiles, None));
        let sid = match input.facts.source {
            Source::Catalog(_) => "InvokeTheirModelsThroughThemRegionsPerTheCatalog",
            Source::Live | Source::None => "InvokeTheirModelsThroughThemRegionsAsAwsListsThem",
        };
        let condition = json!({ "ArnEquals": { "bedrock:InferenceProfileArn": profiles.iter().collect::<Vec<_>>() } });
        statements.push(statement(sid, &destinations, Some(condition)));
    }
    if !direct.is_empty() {
        statements.push(statement("InvokeTheDirectlyBoundModels", &direct, None));
    }
    if statements.is_empty() {
        return Err(ExportError::Missing(format!("{} has no bindings: there is nothing to allow", input.label)));
    }
    Ok(json!({ "Version": "2012-10-17", "Statement": statements }))
}

fn statement(sid: &str, resources: &BTreeSet<String>, condition: Option<Value>) -> Value {
    let mut statement = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Action": ACTIONS,
        "Resource": resources.iter().collect::<Vec<_>>(),
    });
    if let (Some(condition), Some(object)) = (condition, statement.as_object_mut()) {
        object.insert("Condition".to_owned(), condition);
    }
    statement
}

fn unknown_destinations(input: &Input, bound: &Bound) -> ExportError {
    let why = match (&input.facts.source, bound.is_application_profile()) {
        (Source::Catalog(_), true) => {
            "its ARN names no model, and without AWS credentials it could not be looked up".to_owned()
        }
        (Source::Catalog(_), false) if input.account.is_none() => {
            "its ARN needs the AWS account id: give it with --account ID (`?account=ID` on the API)".to_owned()
        }
        (Source::Catalog(_), false) => "the embedded catalog documents no region for it".to_owned(),
        _ => "it was not looked up".to_owned(),
    };
    ExportError::Missing(format!(
        "iam-policy cannot tell where `{}` (the binding of `{}`, line {}) routes: {why}",
        bound.value, bound.model, bound.line
    ))
}

#[cfg(test)]
mod tests {
    use bedrock_binder_shared::Catalog;

    use super::super::facts::from_catalog;
    use super::super::test_input::input;
    use super::*;

    fn resources(policy: &Value) -> BTreeSet<String> {
        policy["Statement"]
            .as_array()
            .expect("statements")
            .iter()
            .flat_map(|statement| statement["Resource"].as_array().expect("resources").iter())
            .map(|resource| resource.as_str().expect("a string").to_owned())
            .collect()
    }

    #[test]
    fn a_system_profile_spanning_three_regions_allows_exactly_it_and_its_three_models() {
        // A `us.` profile the catalog documents in exactly these three regions.
        let three = ["us-east-1", "us-east-2", "us-west-2"];
        let Some(profile) = Catalog::embedded()
            .models()
            .iter()
            .flat_map(|model| model.system_profiles.iter())
            .find(|p| p.id.as_str().starts_with("us.") && p.source_regions.iter().map(|r| r.as_str()).eq(three))
        else {
            panic!("the catalog has a us. profile in exactly {three:?}");
        };
        let (id, base) = (profile.id.as_str(), profile.id.base());
        let mut input = input(&format!("{base}={id}\n"), &[]);
        input.facts =
            from_catalog(&input.bindings, input.region.as_ref(), input.account.as_deref(), Catalog::embedded());
        let policy = policy(&input).expect("a policy");
        let model = |region: &str| format!("arn:aws:bedrock:{region}::foundation-model/{base}");
        let profile = format!("arn:aws:bedrock:us-east-1:123456789012:inference-profile/{id}");
        assert_eq!(
            resources(&policy),
            BTreeSet::from([profile.clone(), model("us-east-1"), model("us-east-2"), model("us-west-2")])
        );
        let through = &policy["Statement"][1];
        assert_eq!(through["Sid"], "InvokeTheirModelsThroughThemRegionsPerTheCatalog");
        assert_eq!(through["Condition"]["ArnEquals"]["bedrock:InferenceProfileArn"], json!([profile]));
        for statement in policy["Statement"].as_array().expect("statements") {
            assert_eq!(statement["Action"], json!(ACTIONS), "only the two invoke actions");
        }
    }

    #[test]
    fn a_direct_binding_is_its_foundation_model_in_the_region() {
        let input = input("amazon.nova-lite-v1:0=\n", &[]);
        let policy = policy(&input).expect("a policy");
        assert_eq!(policy["Statement"].as_array().map(Vec::len), Some(1));
        assert_eq!(
            policy["Statement"][0]["Resource"],
            json!(["arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"])
        );
    }

    #[test]
    fn an_application_profile_without_credentials_is_refused_saying_why() {
        let mut input = input(
            "amazon.nova-pro-v1:0=arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123def456\n",
            &[],
        );
        input.facts =
            from_catalog(&input.bindings, input.region.as_ref(), input.account.as_deref(), Catalog::embedded());
        let error = policy(&input).expect_err("destinations unknown");
        assert!(error.to_string().contains("without AWS credentials it could not be looked up"), "{error}");
    }

    #[test]
    fn a_prompt_router_is_refused() {
        let input = input(
            "anthropic.claude-3-haiku-20240307-v1:0=arn:aws:bedrock:us-east-1:123456789012:default-prompt-router/anthropic.claude:1\n",
            &[],
        );
        let error = policy(&input).expect_err("a router");
        assert!(error.to_string().contains("picks its models at call time"), "{error}");
    }
}
