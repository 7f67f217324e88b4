//! `preset set | show | clear`: a binding's inference parameters in the environment (`--env`),
//! on this machine's store or on a team server (`--server`).

use std::collections::BTreeMap;
use std::io::Write;

use bedrock_binder_shared::api::PresetsResponse;
use bedrock_binder_shared::preset::{PerformanceFields, Preset, PresetFields};
use clap::Subcommand;

use super::Session;
use super::error::CliError;
use crate::envs::PresetWriteError;

/// `preset` subcommands.
#[derive(Debug, Subcommand)]
pub enum PresetAction {
    /// Set a binding's preset; the fields given replace the preset as a whole.
    Set {
        /// The model id (the binding's key).
        model: String,
        /// The most tokens a response may have (1 to 1000000).
        #[arg(long, value_name = "N")]
        max_tokens: Option<u32>,
        /// Sampling temperature, 0 to 1.
        #[arg(long, value_name = "T")]
        temperature: Option<f64>,
        /// Nucleus sampling, 0 to 1.
        #[arg(long, value_name = "P")]
        top_p: Option<f64>,
        /// A text that ends the response; repeat for several.
        #[arg(long = "stop", value_name = "TEXT")]
        stop_sequences: Vec<String>,
        /// `priority`, `default` or `flex`.
        #[arg(long, value_name = "TIER")]
        service_tier: Option<String>,
        /// `performanceConfig.latency`: `standard` or `optimized`.
        #[arg(long, value_name = "LATENCY")]
        latency: Option<String>,
        /// A `requestMetadata` entry, recorded in invocation logs; repeat for several.
        #[arg(long = "metadata", value_name = "KEY=VALUE", value_parser = parse_metadata)]
        request_metadata: Vec<(String, String)>,
    },
    /// Show the presets (of one model, or every binding's).
    Show {
        /// Only this model.
        model: Option<String>,
    },
    /// Remove a binding's preset.
    Clear {
        /// The model id.
        model: String,
    },
}

fn parse_metadata(text: &str) -> Result<(String, String), String> {
    let (key, value) = text.split_once('=').ok_or_else(|| format!("`{text}` is not KEY=VALUE"))?;
    Ok((key.to_owned(), value.to_owned()))
}

impl From<PresetWriteError> for CliError {
    fn from(error: PresetWriteError) -> CliError {
        match error {
            PresetWriteError::Storage(error) => error.into(),
            not_bound @ PresetWriteError::NotBound { .. } => {
                CliError::Rejected { snippet: None, message: not_bound.to_string() }
            }
        }
    }
}

impl Session {
    pub(super) fn preset(&self, action: PresetAction, out: &mut dyn Write) -> Result<u8, CliError> {
        match action {
            PresetAction::Show { model } => {
                let mut presets = self.read_presets()?;
                if let Some(model) = &model {
                    presets.presets.retain(|key, _| key == model);
                }
                if self.json {
                    self.print_json(out, &presets)?;
                } else if presets.presets.is_empty() {
                    writeln!(out, "No presets in {}", self.env)?;
                } else {
                    for (model, preset) in &presets.presets {
                        writeln!(out, "{model}  {preset}")?;
                    }
                }
                Ok(0)
            }
            PresetAction::Clear { model } => self.write_preset(&model, None, out),
            PresetAction::Set {
                model,
                max_tokens,
                temperature,
                top_p,
                stop_sequences,
                service_tier,
                latency,
                request_metadata,
            } => {
                let fields = PresetFields {
                    max_tokens,
                    temperature,
                    top_p,
                    stop_sequences,
                    service_tier,
                    performance_config: latency.map(|latency| PerformanceFields { latency }),
                    request_metadata: request_metadata.into_iter().collect::<BTreeMap<_, _>>(),
                };
                let preset = Preset::try_from(fields)
                    .map_err(|error| CliError::Rejected { snippet: None, message: error.to_string() })?;
                if preset.is_empty() {
                    return Err(CliError::Rejected {
                        snippet: None,
                        message: format!(
                            "give at least one field to set (see `preset set --help`), or `preset clear {model}`"
                        ),
                    });
                }
                self.write_preset(&model, Some(preset), out)
            }
        }
    }

    fn read_presets(&self) -> Result<PresetsResponse, CliError> {
        match &self.remote {
            Some(remote) => remote.presets(&self.env),
            None => Ok(self.envs.presets(&self.env)?),
        }
    }

    fn write_preset(&self, model: &str, preset: Option<Preset>, out: &mut dyn Write) -> Result<u8, CliError> {
        let presets = match &self.remote {
            Some(remote) => {
                let current = remote.presets(&self.env)?;
                remote.set_preset(&self.env, &current.version, model, preset.as_ref())?
            }
            None => self.envs.set_preset(&self.env, model, preset, None, self.meta(None))?,
        };
        if self.json {
            self.print_json(out, &presets)?;
        } else {
            match presets.presets.get(model) {
                Some(preset) => writeln!(out, "✓ {model} in {}: {preset}", self.env)?,
                None => writeln!(out, "✓ {model} in {} has no preset", self.env)?,
            }
        }
        Ok(0)
    }
}
