//! [`Arn`]: a Bedrock ARN that can stand in an `inference.txt` binding.
//!
//! Every resource type AWS documents for the `modelId` of InvokeModel and Converse is accepted,
//! with the id rules of the Bedrock API reference (the `modelId` pattern of
//! `API_runtime_InvokeModel` / `API_runtime_Converse`, shape `ConversationalModelId`, and the
//! profile-ARN pattern `arn:aws(|-us-gov|-cn|-iso|-iso-b):bedrock:REGION:ACCOUNT:TYPE/ID`):
//! `foundation-model` (empty account), `inference-profile`, `application-inference-profile`,
//! `provisioned-model`, `custom-model-deployment`, `imported-model` (InvokeModel only),
//! `default-prompt-router`, `prompt-router` and `prompt` (a Prompt management prompt version,
//! Converse only). It is checked by hand rather than with `regex`, which would cost the browser
//! bundle real kilobytes for one fixed pattern.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use crate::model_id::ModelId;
use crate::region::Region;

/// The partitions Bedrock is known to run in. Others of AWS's shape `aws(-[^:]+)?` (the
/// `modelId` pattern) are accepted too: AWS opens partitions, and a list of ours must not turn a
/// well-formed ARN into an error.
pub const PARTITIONS: [&str; 5] = ["aws", "aws-us-gov", "aws-cn", "aws-iso", "aws-iso-b"];

/// Whether `text` is a partition of AWS's shape: `aws`, or `aws-` and lowercase letters, digits
/// and `-` (the `modelId` pattern allows any `aws-[^:]+`; this keeps to what partition names are).
fn is_partition(text: &str) -> bool {
    text == "aws"
        || text.strip_prefix("aws-").is_some_and(|rest| {
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// The resource types that can be a `modelId`, as written in the ARN.
pub const RESOURCE_TYPES: [&str; 9] = [
    "foundation-model",
    "inference-profile",
    "application-inference-profile",
    "provisioned-model",
    "custom-model-deployment",
    "imported-model",
    "default-prompt-router",
    "prompt-router",
    "prompt",
];

/// The kind of Bedrock resource an ARN names, with its resource id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "type", content = "id", rename_all = "kebab-case")]
pub enum ArnResource {
    /// `inference-profile/{geo}.{model}`: a system-defined (cross-region) profile.
    InferenceProfile(ModelId),
    /// `application-inference-profile/{id}`: a profile created in an account; its model is
    /// not in the ARN and must be read from the profile's `models[]`.
    ApplicationInferenceProfile(String),
    /// `foundation-model/{model}`: a foundation model, called on demand.
    FoundationModel(ModelId),
    /// `provisioned-model/{id}`: provisioned throughput.
    ProvisionedModel(String),
    /// `custom-model-deployment/{id}`: a custom model deployed for on-demand inference.
    CustomModelDeployment(String),
    /// `imported-model/{id}`: a model brought in with Custom Model Import (InvokeModel only;
    /// Converse does not take imported models).
    ImportedModel(String),
    /// `default-prompt-router/{family}:{version}`: one of AWS's prompt routers, such as
    /// `anthropic.claude:1`; it picks a model of the family per request.
    DefaultPromptRouter(String),
    /// `prompt-router/{id}`: a prompt router created in the account.
    PromptRouter(String),
    /// `prompt/{id}[:{version}]`: a Prompt management prompt (version), which names its own model
    /// (Converse only).
    Prompt(String),
}

impl ArnResource {
    /// The resource type as written in the ARN.
    pub fn type_name(&self) -> &'static str {
        match self {
            ArnResource::InferenceProfile(_) => "inference-profile",
            ArnResource::ApplicationInferenceProfile(_) => "application-inference-profile",
            ArnResource::FoundationModel(_) => "foundation-model",
            ArnResource::ProvisionedModel(_) => "provisioned-model",
            ArnResource::CustomModelDeployment(_) => "custom-model-deployment",
            ArnResource::ImportedModel(_) => "imported-model",
            ArnResource::DefaultPromptRouter(_) => "default-prompt-router",
            ArnResource::PromptRouter(_) => "prompt-router",
            ArnResource::Prompt(_) => "prompt",
        }
    }

    /// The resource id as written after the `/`.
    pub fn id(&self) -> &str {
        match self {
            ArnResource::InferenceProfile(id) | ArnResource::FoundationModel(id) => id.as_str(),
            ArnResource::ApplicationInferenceProfile(id)
            | ArnResource::ProvisionedModel(id)
            | ArnResource::CustomModelDeployment(id)
            | ArnResource::ImportedModel(id)
            | ArnResource::DefaultPromptRouter(id)
            | ArnResource::PromptRouter(id)
            | ArnResource::Prompt(id) => id,
        }
    }
}

/// A valid Bedrock ARN, with its parts parsed out.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Arn {
    partition: String,
    region: Region,
    /// Empty for foundation models, twelve digits otherwise.
    account: String,
    resource: ArnResource,
}

/// Why a text is not a valid Bedrock ARN, with the byte range of the offending field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArnError {
    /// A sentence that quotes the bad text.
    pub message: String,
    /// The offending bytes within the ARN text.
    pub span: Range<usize>,
    /// What to write instead, where that is known.
    pub help: Option<String>,
}

impl fmt::Display for ArnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ArnError {}

/// The `[a-zA-Z0-9-:.]+` resource-id alphabet of AWS's patterns for profile and prompt-router
/// ARNs. AWS issues 12 lowercase alphanumerics for application profiles, provisioned models,
/// deployments and imported models (`[a-z0-9]{12}` in the strict branches of the pattern), but the
/// `modelId` pattern also ends in the catch-all `([a-zA-Z0-9-:.]+)`, so only the alphabet is
/// enforced: a differently sized id is not malformed by AWS's own rule.
fn is_resource_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b':' | b'.'))
}

/// Checks a prompt id, `[0-9a-zA-Z]{10}(?::[0-9]{1,5})?` (the Prompt management branch of the
/// `modelId` pattern), and returns the bad part's range within `id` and why.
fn check_prompt_id(id: &str) -> Result<(), (std::ops::Range<usize>, String)> {
    let (name, version) = match id.split_once(':') {
        Some((name, version)) => (name, Some(version)),
        None => (id, None),
    };
    if name.len() != 10 || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err((0..name.len(), format!("`{name}` is not a prompt id (10 letters or digits)")));
    }
    if let Some(version) = version
        && (version.is_empty() || version.len() > 5 || !version.bytes().all(|b| b.is_ascii_digit()))
    {
        let at = name.len() + 1;
        return Err((at..id.len(), format!("`{version}` is not a prompt version (1 to 5 digits)")));
    }
    Ok(())
}

impl Arn {
    /// The partition (`aws`, `aws-us-gov`, …).
    pub fn partition(&self) -> &str {
        &self.partition
    }

    /// The region the resource lives in; a profile ARN must be called from this region.
    pub fn region(&self) -> &Region {
        &self.region
    }

    /// The account id: twelve digits, or empty for a foundation model.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The resource type and id.
    pub fn resource(&self) -> &ArnResource {
        &self.resource
    }

    /// The foundation model the ARN names, where the ARN itself says so (system profiles and
    /// foundation models; application profiles, provisioned, deployed and imported models,
    /// prompt routers and prompts do not).
    pub fn model(&self) -> Option<&str> {
        match &self.resource {
            ArnResource::InferenceProfile(id) => Some(id.base()),
            ArnResource::FoundationModel(id) => Some(id.as_str()),
            _ => None,
        }
    }
}

/// The fields of a checked ARN, borrowed from its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArnParts<'a> {
    /// The partition.
    pub partition: &'a str,
    /// The region.
    pub region: &'a str,
    /// The account (empty for a foundation model).
    pub account: &'a str,
    /// The resource type (`inference-profile`, …).
    pub resource_type: &'a str,
    /// The resource id after the `/`.
    pub resource_id: &'a str,
}

impl<'a> ArnParts<'a> {
    /// The foundation model the ARN names, where the ARN itself says so.
    pub fn model(&self) -> Option<&'a str> {
        match self.resource_type {
            "inference-profile" => Some(ModelId::base_of(self.resource_id)),
            "foundation-model" => Some(self.resource_id),
            _ => None,
        }
    }
}

impl Arn {
    /// Checks `text` and returns its fields without allocating; [`Arn::from_str`] is this
    /// plus the copies.
    pub fn check(text: &str) -> Result<ArnParts<'_>, ArnError> {
        let fail = |message: String, span: Range<usize>, help: Option<String>| ArnError { message, span, help };
        // The resource id may itself contain `:` (`us.amazon.nova-pro-v1:0`), so split into
        // at most six fields and let the last keep the rest.
        let mut fields = [""; 6];
        let mut starts = [0usize; 6];
        let mut count = 0;
        let mut offset = 0;
        for field in text.splitn(6, ':') {
            fields[count] = field;
            starts[count] = offset;
            offset += field.len() + 1;
            count += 1;
        }
        let field_span = |i: usize| starts[i]..starts[i] + fields[i].len();
        if count < 6 {
            return Err(fail(
                format!("ARN `{text}` has {count} `:`-separated fields; a Bedrock ARN has 6"),
                0..text.len(),
                Some("arn:aws:bedrock:REGION:ACCOUNT:inference-profile/PROFILE_ID".to_owned()),
            ));
        }
        if fields[0] != "arn" {
            return Err(fail(format!("`{}` should be `arn`", fields[0]), field_span(0), None));
        }
        if !is_partition(fields[1]) {
            return Err(fail(
                format!("`{}` is not an AWS partition (such as {})", fields[1], PARTITIONS.join(", ")),
                field_span(1),
                None,
            ));
        }
        if fields[2] != "bedrock" {
            return Err(fail(format!("ARN service is `{}`, not `bedrock`", fields[2]), field_span(2), None));
        }
        if !Region::is_valid(fields[3]) {
            return Err(fail(
                format!("`{}` in the ARN is not a region name (expected something like `us-east-1`)", fields[3]),
                field_span(3),
                None,
            ));
        }
        let account = fields[4];
        let Some((type_name, id)) = fields[5].split_once('/') else {
            return Err(fail(
                format!("ARN resource `{}` has no `/`; expected TYPE/ID", fields[5]),
                field_span(5),
                None,
            ));
        };
        let type_span = starts[5]..starts[5] + type_name.len();
        let id_span = starts[5] + type_name.len() + 1..text.len();
        let check_model = |id: &str| {
            ModelId::check(id).map_err(|error| {
                let at = id_span.start;
                // Widened so an empty part shows its separator, but never past the text (an
                // empty id ends it).
                let end = (at + error.span.end.max(error.span.start + 1)).min(text.len());
                fail(error.message, at + error.span.start..end, None)
            })
        };
        match type_name {
            "inference-profile" | "foundation-model" => check_model(id)?,
            "prompt" => {
                if let Err((span, message)) = check_prompt_id(id) {
                    return Err(fail(message, id_span.start + span.start..id_span.start + span.end, None));
                }
            }
            "application-inference-profile"
            | "provisioned-model"
            | "custom-model-deployment"
            | "imported-model"
            | "default-prompt-router"
            | "prompt-router" => {
                if !is_resource_id(id) {
                    return Err(fail(
                        format!("`{id}` is not a valid {type_name} id (letters, digits, `-`, `:` and `.` only)"),
                        id_span,
                        None,
                    ));
                }
            }
            // In AWS's pattern, but the InvokeModel and Converse references say a custom model is
            // called through its deployment or its Provisioned Throughput, not by its own ARN.
            "custom-model" => {
                return Err(fail(
                    "a custom-model ARN cannot be invoked directly: deploy it for on-demand inference \
                     (custom-model-deployment) or buy Provisioned Throughput (provisioned-model), and bind that ARN"
                        .to_owned(),
                    type_span,
                    None,
                ));
            }
            other => {
                return Err(fail(
                    format!(
                        "`{other}` is not a Bedrock resource type that can be invoked (expected one of {})",
                        RESOURCE_TYPES.join(", ")
                    ),
                    type_span,
                    None,
                ));
            }
        }
        let account_ok = account.bytes().all(|b| b.is_ascii_digit());
        if type_name == "foundation-model" {
            if !account.is_empty() {
                return Err(fail(
                    format!("a foundation-model ARN has an empty account field, not `{account}`"),
                    field_span(4),
                    Some(format!("arn:{}:bedrock:{}::{}", fields[1], fields[3], fields[5])),
                ));
            }
        } else if account.len() != 12 || !account_ok {
            let what =
                if account_ok { format!("has {} digits", account.len()) } else { "is not all digits".to_owned() };
            return Err(fail(
                format!("account `{account}` {what}; an AWS account id has exactly 12 digits"),
                field_span(4),
                None,
            ));
        }
        Ok(ArnParts { partition: fields[1], region: fields[3], account, resource_type: type_name, resource_id: id })
    }
}

impl FromStr for Arn {
    type Err = ArnError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parts = Arn::check(text)?;
        // `check` has validated every part, so these conversions cannot fail.
        let model =
            |id: &str| ModelId::from_str(id).map_err(|e| ArnError { message: e.message, span: e.span, help: None });
        let resource = match parts.resource_type {
            "inference-profile" => ArnResource::InferenceProfile(model(parts.resource_id)?),
            "foundation-model" => ArnResource::FoundationModel(model(parts.resource_id)?),
            "application-inference-profile" => ArnResource::ApplicationInferenceProfile(parts.resource_id.to_owned()),
            "custom-model-deployment" => ArnResource::CustomModelDeployment(parts.resource_id.to_owned()),
            "imported-model" => ArnResource::ImportedModel(parts.resource_id.to_owned()),
            "default-prompt-router" => ArnResource::DefaultPromptRouter(parts.resource_id.to_owned()),
            "prompt-router" => ArnResource::PromptRouter(parts.resource_id.to_owned()),
            "prompt" => ArnResource::Prompt(parts.resource_id.to_owned()),
            _ => ArnResource::ProvisionedModel(parts.resource_id.to_owned()),
        };
        let region = parts.region.parse().map_err(|e: crate::region::RegionError| ArnError {
            message: e.to_string(),
            span: 0..text.len(),
            help: None,
        })?;
        Ok(Arn { partition: parts.partition.to_owned(), region, account: parts.account.to_owned(), resource })
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:bedrock:{}:{}:{}/{}",
            self.partition,
            self.region,
            self.account,
            self.resource.type_name(),
            self.resource.id()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Arn, ArnError> {
        text.parse()
    }

    #[test]
    fn a_system_profile_arn_is_parsed_into_its_parts() {
        let arn =
            parse("arn:aws:bedrock:us-east-2:521369004927:inference-profile/us.amazon.nova-pro-v1:0").expect("valid");
        assert_eq!(arn.partition(), "aws");
        assert_eq!(arn.region().as_str(), "us-east-2");
        assert_eq!(arn.account(), "521369004927");
        assert_eq!(arn.model(), Some("amazon.nova-pro-v1:0"));
        assert_eq!(arn.to_string(), "arn:aws:bedrock:us-east-2:521369004927:inference-profile/us.amazon.nova-pro-v1:0");
    }

    #[test]
    fn application_foundation_and_provisioned_arns_are_accepted() {
        let app =
            parse("arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/a1b2c3d4e5f6").expect("app");
        assert_eq!(app.resource(), &ArnResource::ApplicationInferenceProfile("a1b2c3d4e5f6".into()));
        assert_eq!(app.model(), None);
        let fm =
            parse("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0").expect("fm");
        assert_eq!(fm.account(), "");
        parse("arn:aws-us-gov:bedrock:us-gov-west-1:123456789012:provisioned-model/abc123def456").expect("pt");
    }

    #[test]
    fn an_account_with_eleven_digits_is_rejected() {
        let text = "arn:aws:bedrock:us-east-2:52136900492:inference-profile/us.amazon.nova-pro-v1:0";
        let error = parse(text).expect_err("11 digits");
        assert!(error.message.contains("11 digits"), "{}", error.message);
        assert_eq!(&text[error.span.clone()], "52136900492");
    }

    #[test]
    fn an_account_with_thirteen_digits_is_rejected() {
        let error = parse("arn:aws:bedrock:us-east-2:5213690049271:inference-profile/us.amazon.nova-pro-v1:0")
            .expect_err("13 digits");
        assert!(error.message.contains("13 digits"), "{}", error.message);
    }

    #[test]
    fn an_arn_with_too_few_fields_is_rejected() {
        let error = parse("arn:aws:bedrock:us-east-2:inference-profile/x").expect_err("5 fields");
        assert!(error.message.contains("5 `:`-separated fields"), "{}", error.message);
    }

    #[test]
    fn an_unknown_resource_type_is_rejected_and_located() {
        let text = "arn:aws:bedrock:us-east-1:123456789012:knowledge-base/x";
        let error = parse(text).expect_err("knowledge-base");
        assert_eq!(&text[error.span.clone()], "knowledge-base");
        assert!(error.message.contains("custom-model-deployment"), "{}", error.message);
    }

    #[test]
    fn a_custom_model_arn_is_rejected_with_what_to_bind_instead() {
        let text = "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-pro-v1:0/abcdef012345";
        let error = parse(text).expect_err("custom-model");
        assert_eq!(&text[error.span.clone()], "custom-model");
        assert!(error.message.contains("custom-model-deployment"), "{}", error.message);
    }

    #[test]
    fn every_invocable_resource_type_parses_and_prints_back() {
        for (text, resource) in [
            (
                "arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/a1b2c3d4e5f6",
                ArnResource::CustomModelDeployment("a1b2c3d4e5f6".into()),
            ),
            (
                "arn:aws:bedrock:us-east-1:123456789012:imported-model/a1b2c3d4e5f6",
                ArnResource::ImportedModel("a1b2c3d4e5f6".into()),
            ),
            (
                "arn:aws:bedrock:us-east-1:123456789012:default-prompt-router/anthropic.claude:1",
                ArnResource::DefaultPromptRouter("anthropic.claude:1".into()),
            ),
            (
                "arn:aws:bedrock:us-east-1:123456789012:prompt-router/abcd1234efgh",
                ArnResource::PromptRouter("abcd1234efgh".into()),
            ),
            ("arn:aws:bedrock:us-east-1:123456789012:prompt/PROMPT1234:3", ArnResource::Prompt("PROMPT1234:3".into())),
            ("arn:aws:bedrock:us-east-1:123456789012:prompt/PROMPT1234", ArnResource::Prompt("PROMPT1234".into())),
        ] {
            let arn = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(arn.resource(), &resource);
            assert_eq!(arn.model(), None, "{text}");
            assert_eq!(arn.to_string(), text);
        }
    }

    #[test]
    fn a_prompt_arn_with_a_bad_id_or_version_is_rejected_at_that_part() {
        let text = "arn:aws:bedrock:us-east-1:123456789012:prompt/SHORT:1";
        assert_eq!(&text[parse(text).expect_err("short id").span], "SHORT");
        let text = "arn:aws:bedrock:us-east-1:123456789012:prompt/PROMPT1234:v2";
        assert_eq!(&text[parse(text).expect_err("bad version").span], "v2");
        let text = "arn:aws:bedrock:us-east-1:123456789012:prompt/PROMPT1234:123456";
        assert_eq!(&text[parse(text).expect_err("long version").span], "123456");
    }

    #[test]
    fn a_router_or_deployment_arn_needs_an_account_and_a_valid_id() {
        let text = "arn:aws:bedrock:us-east-1::default-prompt-router/anthropic.claude:1";
        assert_eq!(parse(text).expect_err("no account").span, 26..26);
        let text = "arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/a b";
        assert_eq!(&text[parse(text).expect_err("space").span], "a b");
        let text = "arn:aws:bedrock:us-east-1:123456789012:prompt-router/";
        assert!(parse(text).is_err());
    }

    #[test]
    fn a_partition_aws_may_add_is_accepted() {
        parse("arn:aws-eusc:bedrock:eusc-de-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6")
            .expect("a partition of AWS's shape");
        assert!(parse("arn:aws-:bedrock:us-east-1:123456789012:prompt-router/abc").is_err());
    }

    #[test]
    fn a_foundation_model_arn_with_an_account_is_rejected_with_the_fix() {
        let error =
            parse("arn:aws:bedrock:us-east-1:123456789012:foundation-model/amazon.nova-pro-v1:0").expect_err("account");
        assert_eq!(error.help.as_deref(), Some("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"));
    }

    #[test]
    fn wrong_partition_service_and_region_are_rejected() {
        assert!(parse("arn:azure:bedrock:us-east-1:123456789012:inference-profile/us.a.b").is_err());
        assert!(parse("arn:aws:s3:us-east-1:123456789012:inference-profile/us.a.b").is_err());
        assert!(parse("arn:aws:bedrock:useast1:123456789012:inference-profile/us.a.b").is_err());
    }
}
