//! `profiles list|create|delete`: the account's application inference profiles.

use std::io::Write;

use bedrock_binder_shared::api::{
    ApplicationProfile, CreateProfileRequest, InferenceProfileType, ProfileReference, ProfilesResponse,
};
use bedrock_binder_shared::application_profile::ProfileTag;
use bedrock_binder_shared::{ModelId, ProfileRef, Region};
use serde::Serialize;

use super::aws::runtime;
use super::{CliError, ProfilesAction, Session};
use crate::aws::Aws;
use crate::aws::profiles::{NotSent, references};

#[derive(Serialize)]
struct CreatedOutput<'a> {
    arn: &'a str,
    status: &'a str,
    region: &'a str,
    model: Option<&'a str>,
    bound: bool,
}

#[derive(Serialize)]
struct DeletedOutput<'a> {
    arn: &'a str,
    references: &'a [ProfileReference],
}

/// `--tag KEY=VALUE`.
pub(super) fn parse_tag(text: &str) -> Result<ProfileTag, String> {
    bedrock_binder_shared::application_profile::parse_tag(text).map_err(|error| error.message)
}

fn aws_error(diagnosis: bedrock_binder_shared::aws_failure::AwsFailure) -> CliError {
    CliError::Aws(Box::new(diagnosis))
}

impl Session {
    pub(super) fn profiles(
        &self,
        action: ProfilesAction,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<u8, CliError> {
        match action {
            ProfilesAction::List { region, aws } => {
                self.list_profiles(Aws::from_chain(self.aws_settings(&aws, region)), out, err)
            }
            ProfilesAction::Create { name, copy_from, description, tags, client_request_token, bind, region, aws } => {
                let aws = Aws::from_chain(self.aws_settings(&aws, region));
                // The region is the session's (`--region` went into the settings).
                let request = CreateProfileRequest {
                    name,
                    description,
                    copy_from,
                    tags,
                    client_request_token,
                    region: None,
                    bind,
                };
                self.create_profile(aws, request, out, err)
            }
            ProfilesAction::Delete { profile, yes, region, aws } => {
                self.delete_profile(Aws::from_chain(self.aws_settings(&aws, region)), &profile, yes, out, err)
            }
        }
    }

    fn list_profiles(&self, aws: Aws, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, CliError> {
        let runtime = runtime()?;
        let region = runtime.block_on(aws.region_or_default(None)).map_err(aws_error)?;
        let profiles = runtime.block_on(aws.application_profiles(&region)).map_err(aws_error)?;
        let (_, document) = self.load(err)?;
        let profiles: Vec<ApplicationProfile> = profiles
            .into_iter()
            .map(|profile| ApplicationProfile { references: references(&document, &profile), profile })
            .collect();
        if self.json {
            self.print_json(out, &ProfilesResponse { region: region.to_string(), profiles })?;
            return Ok(0);
        }
        for (index, entry) in profiles.iter().enumerate() {
            let profile = &entry.profile;
            let model = profile.base_model.as_deref().unwrap_or("an unknown model");
            writeln!(out, "{}. {} ({}) -> {model} [{}]", index + 1, profile.name, profile.id, profile.status)?;
            writeln!(out, "   {}", profile.arn)?;
            if !profile.destination_regions.is_empty() {
                writeln!(out, "   routes to: {}", profile.destination_regions.join(", "))?;
            }
            for reference in &entry.references {
                writeln!(out, "   used by: {} (line {})", reference.model, reference.line)?;
            }
        }
        writeln!(out, "Total: {} application profiles in {region}", profiles.len())?;
        Ok(0)
    }

    fn create_profile(
        &self,
        aws: Aws,
        request: CreateProfileRequest,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<u8, CliError> {
        let runtime = runtime()?;
        let region: Region = runtime.block_on(aws.region_or_default(None)).map_err(aws_error)?;
        let bind = request.bind;
        let new = runtime.block_on(aws.new_profile(request, region.clone())).map_err(|refused| match refused {
            NotSent::Invalid(message) => CliError::Rejected { message, snippet: None },
            NotSent::Aws(diagnosis) => CliError::Aws(diagnosis),
        })?;
        // With --bind, read the file first: a file that cannot be read should stop us before
        // anything is created.
        let loaded = if bind { Some(self.load(err)?) } else { None };
        let created = runtime.block_on(aws.create_profile(&new)).map_err(aws_error)?;
        let mut bound = false;
        if let Some((snapshot, mut document)) = loaded {
            let model = created.model.as_deref().and_then(|m| m.parse::<ModelId>().ok());
            let profile = created.arn.parse::<ProfileRef>().ok();
            match (model, profile) {
                (Some(model), Some(profile)) => {
                    document.bind(&model, &profile);
                    self.save(&snapshot.version, document.as_str())?;
                    bound = true;
                }
                _ => writeln!(err, "warning: the new profile's model is unknown, so it was not bound")?,
            }
        }
        if self.json {
            let output = CreatedOutput {
                arn: &created.arn,
                status: &created.status,
                region: region.as_str(),
                model: created.model.as_deref(),
                bound,
            };
            self.print_json(out, &output)?;
            return Ok(0);
        }
        let model = created.model.as_deref().unwrap_or("an unknown model");
        writeln!(out, "✓ Created {}: {} ({}), calling {model}", new.name, created.arn, created.status)?;
        if bound {
            writeln!(out, "✓ Bound {model} to {}", created.arn)?;
        }
        Ok(0)
    }

    fn delete_profile(
        &self,
        aws: Aws,
        identifier: &str,
        yes: bool,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<u8, CliError> {
        let runtime = runtime()?;
        let region = runtime.block_on(aws.region_or_default(None)).map_err(aws_error)?;
        let profile = runtime.block_on(aws.get_profile(&region, identifier.trim())).map_err(aws_error)?;
        if profile.profile_type != InferenceProfileType::Application {
            return Err(CliError::Rejected {
                message: format!(
                    "`{}` is a system-defined profile; only application profiles can be deleted",
                    profile.id
                ),
                snippet: None,
            });
        }
        let (_, document) = self.load(err)?;
        let references = references(&document, &profile);
        for reference in &references {
            writeln!(err, "warning: line {} binds {} to this profile", reference.line, reference.model)?;
        }
        if !yes {
            let breaking = match references.len() {
                0 => String::new(),
                1 => " and breaks the binding above".to_owned(),
                _ => " and breaks the bindings above".to_owned(),
            };
            return Err(CliError::ConfirmationRequired(format!(
                "deleting `{}` ({}) cannot be undone{breaking}; pass --yes to delete it",
                profile.name, profile.arn
            )));
        }
        runtime.block_on(aws.delete_profile(&region, &profile.arn)).map_err(aws_error)?;
        if self.json {
            self.print_json(out, &DeletedOutput { arn: &profile.arn, references: &references })?;
        } else {
            writeln!(out, "✓ Deleted {} ({})", profile.name, profile.arn)?;
        }
        Ok(0)
    }
}
