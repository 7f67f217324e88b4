//! `export`: the file byte for byte (`--format inference-txt`, the default), or the bindings
//! for another tool ([`crate::export`]). With `--server` every format but the file itself is
//! made by the server, which has the environment's presets and AWS credentials.

use std::io::Write;

use bedrock_binder_shared::Region;
use bedrock_binder_shared::api::{ExportFormat, UnknownExportFormat};
use bedrock_binder_shared::validate::validate;

use super::aws::runtime;
use super::{AwsArgs, CliError, Session};
use crate::aws::Aws;
use crate::export::facts::{GatherError, Source, for_format};
use crate::export::{Bound, Input, render};

/// What `export` was asked for.
pub(super) struct ExportArgs {
    pub(super) format: ExportFormat,
    pub(super) account: Option<String>,
    pub(super) region: Option<Region>,
    pub(super) aws: AwsArgs,
}

/// `--format`: one of the formats' names, or an error naming them all.
pub(super) fn parse_format(text: &str) -> Result<ExportFormat, UnknownExportFormat> {
    text.parse()
}

/// `--account`: twelve digits.
pub(super) fn parse_account(text: &str) -> Result<String, String> {
    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err(format!("`{text}` is not an AWS account id (12 digits)"))
    }
}

impl Session {
    pub(super) fn export(&self, args: &ExportArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, CliError> {
        // `--json` asks for JSON, as it always did.
        let format =
            if self.json && args.format == ExportFormat::InferenceTxt { ExportFormat::Json } else { args.format };
        if let Some(remote) = &self.remote
            && format != ExportFormat::InferenceTxt
        {
            out.write_all(&remote.export(&self.env, format.as_str(), args.account.as_deref())?)?;
            return Ok(0);
        }
        let (snapshot, document) = self.load(err)?;
        let errors = validate(&document, &self.catalog).iter().filter(|d| d.is_error()).count();
        if errors > 0 {
            return Err(CliError::Rejected {
                message: format!(
                    "{} has {errors} error(s), so it is not exported; `bedrock-binder validate` shows them",
                    self.label()
                ),
                snippet: None,
            });
        }
        if format == ExportFormat::InferenceTxt {
            out.write_all(snapshot.text.as_bytes())?;
            return Ok(0);
        }
        // A single file that does not exist yet has no settings, so no presets.
        let presets = self.envs.read(&self.env).map(|stored| stored.settings.presets).unwrap_or_default();
        let bindings = Bound::all(&document, &presets);
        let settings = self.aws_settings(&args.aws, args.region.clone());
        let offline =
            !matches!(format, ExportFormat::StepFunctions | ExportFormat::IamPolicy | ExportFormat::Cloudformation);
        let aws = Aws::from_chain(settings.clone());
        let (region, account, facts) = runtime()?
            .block_on(async {
                // The formats made from the file alone do not load AWS's configuration: the region
                // is the flag's, AWS_REGION or the environment's.
                let region = if offline { settings.region.clone() } else { aws.default_region().await };
                let catalog = &self.catalog;
                let (account, facts) =
                    for_format(format, &aws, &bindings, region.as_ref(), args.account.clone(), catalog).await?;
                Ok::<_, GatherError>((region, account, facts))
            })
            .map_err(|error| match error {
                GatherError::Aws(failure) => CliError::Aws(failure),
                GatherError::NotFound(message) => CliError::Rejected { message, snippet: None },
            })?;
        if matches!(facts.source, Source::Catalog(_)) {
            writeln!(err, "note: {}", facts.source.describe())?;
        }
        let input = Input {
            env: self.env.clone(),
            label: self.label(),
            version: snapshot.version,
            bindings,
            region,
            account,
            facts,
        };
        let artefact =
            render(format, &input).map_err(|error| CliError::Rejected { message: error.to_string(), snippet: None })?;
        out.write_all(artefact.as_bytes())?;
        Ok(0)
    }
}
