//! The preset editor's form: the text of each field as typed ([`PresetForm`]), turned into the
//! preset's JSON shape ([`PresetFields`]) and checked by `shared`'s `Preset::try_from`, the
//! check the server runs on the same body, so the browser refuses what the server would
//! refuse, naming the same field, before anything is sent.
//!
//! Numbers are read with serde_json, the grammar the API itself reads: core's float parser
//! would add its tables to the bindings page's wasm, which has no room for them.

use std::collections::BTreeMap;

use bedrock_binder_shared::preset::{
    Latency, PerformanceFields, Preset, PresetError, PresetFields, Probability, ServiceTier, StopSequence,
};

/// The editor's fields, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PresetForm {
    /// `maxTokens`: a whole number, or empty.
    pub max_tokens: String,
    /// `temperature`: a number, or empty.
    pub temperature: String,
    /// `topP`: a number, or empty.
    pub top_p: String,
    /// `stopSequences`: one per line; empty lines are skipped.
    pub stop_sequences: String,
    /// `serviceTier`: `priority`, `default`, `flex`, or empty.
    pub service_tier: String,
    /// `performanceConfig.latency`: `standard`, `optimized`, or empty.
    pub latency: String,
    /// `requestMetadata`: `key=value` per line; empty lines are skipped.
    pub request_metadata: String,
}

/// One input of the editor, to mark and focus the one a [`PresetError`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PresetInput {
    /// `maxTokens`.
    MaxTokens,
    /// `temperature`.
    Temperature,
    /// `topP`.
    TopP,
    /// `stopSequences`.
    StopSequences,
    /// `serviceTier`.
    ServiceTier,
    /// `performanceConfig.latency`.
    Latency,
    /// `requestMetadata`.
    RequestMetadata,
}

impl PresetInput {
    /// Every input, in the order the editor shows them.
    pub const ALL: [PresetInput; 7] = [
        PresetInput::MaxTokens,
        PresetInput::Temperature,
        PresetInput::TopP,
        PresetInput::StopSequences,
        PresetInput::ServiceTier,
        PresetInput::Latency,
        PresetInput::RequestMetadata,
    ];

    /// The field's name as the JSON spells it (`performanceConfig.latency` as `latency`): the
    /// input's label.
    pub fn name(self) -> &'static str {
        match self {
            PresetInput::MaxTokens => "maxTokens",
            PresetInput::Temperature => "temperature",
            PresetInput::TopP => "topP",
            PresetInput::StopSequences => "stopSequences",
            PresetInput::ServiceTier => "serviceTier",
            PresetInput::Latency => "latency",
            PresetInput::RequestMetadata => "requestMetadata",
        }
    }

    /// The input that holds `field`, a [`PresetError`]'s field as the JSON spells it
    /// (`stopSequences[2]`, `requestMetadata.team`, …).
    pub fn of_field(field: &str) -> Option<PresetInput> {
        let name = field.split(['[', '.']).next().unwrap_or_default();
        Some(match name {
            "maxTokens" => PresetInput::MaxTokens,
            "temperature" => PresetInput::Temperature,
            "topP" => PresetInput::TopP,
            "stopSequences" => PresetInput::StopSequences,
            "serviceTier" => PresetInput::ServiceTier,
            "performanceConfig" | "latency" => PresetInput::Latency,
            "requestMetadata" => PresetInput::RequestMetadata,
            _ => return None,
        })
    }
}

fn refuse(field: impl Into<String>, message: impl Into<String>) -> PresetError {
    PresetError { field: field.into(), message: message.into() }
}

impl PresetForm {
    /// The form showing `preset` (the row's preset, to edit it).
    pub fn of(preset: &Preset) -> PresetForm {
        let number = |value: Option<Probability>| value.map(|value| value.get().to_string()).unwrap_or_default();
        PresetForm {
            max_tokens: preset.max_tokens.map(|value| value.get().to_string()).unwrap_or_default(),
            temperature: number(preset.temperature),
            top_p: number(preset.top_p),
            stop_sequences: preset.stop_sequences.iter().map(StopSequence::as_str).collect::<Vec<_>>().join("\n"),
            service_tier: preset.service_tier.map(ServiceTier::as_str).unwrap_or_default().to_owned(),
            latency: preset.latency.map(Latency::as_str).unwrap_or_default().to_owned(),
            request_metadata: preset
                .request_metadata
                .iter()
                .map(|(key, value)| format!("{}={}", key.as_str(), value.as_str()))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// The text of `input`.
    pub fn text(&self, input: PresetInput) -> &str {
        match input {
            PresetInput::MaxTokens => &self.max_tokens,
            PresetInput::Temperature => &self.temperature,
            PresetInput::TopP => &self.top_p,
            PresetInput::StopSequences => &self.stop_sequences,
            PresetInput::ServiceTier => &self.service_tier,
            PresetInput::Latency => &self.latency,
            PresetInput::RequestMetadata => &self.request_metadata,
        }
    }

    /// Replaces the text of `input`.
    pub fn set(&mut self, input: PresetInput, text: String) {
        let field = match input {
            PresetInput::MaxTokens => &mut self.max_tokens,
            PresetInput::Temperature => &mut self.temperature,
            PresetInput::TopP => &mut self.top_p,
            PresetInput::StopSequences => &mut self.stop_sequences,
            PresetInput::ServiceTier => &mut self.service_tier,
            PresetInput::Latency => &mut self.latency,
            PresetInput::RequestMetadata => &mut self.request_metadata,
        };
        *field = text;
    }

    /// The preset's JSON shape, read from the text; only what cannot be put in that shape
    /// (a number that is not one, a metadata line without `=`) is refused here.
    pub fn fields(&self) -> Result<PresetFields, PresetError> {
        let max_tokens = match self.max_tokens.trim() {
            "" => None,
            text => Some(
                text.parse::<u32>()
                    .map_err(|_| refuse("maxTokens", format!("must be a whole number, not `{text}`")))?,
            ),
        };
        let choice = |text: &str| Some(text.trim().to_owned()).filter(|text| !text.is_empty());
        Ok(PresetFields {
            max_tokens,
            temperature: number("temperature", &self.temperature)?,
            top_p: number("topP", &self.top_p)?,
            stop_sequences: lines(&self.stop_sequences).map(str::to_owned).collect(),
            service_tier: choice(&self.service_tier),
            performance_config: choice(&self.latency).map(|latency| PerformanceFields { latency }),
            request_metadata: metadata(&self.request_metadata)?,
        })
    }

    /// The preset's JSON shape, once `shared` has checked it as the server will: what Save sends.
    pub fn checked(&self) -> Result<PresetFields, PresetError> {
        let fields = self.fields()?;
        Preset::try_from(fields.clone())?;
        Ok(fields)
    }

    /// The preset the form describes, checked as the server checks it.
    pub fn preset(&self) -> Result<Preset, PresetError> {
        Preset::try_from(self.fields()?)
    }
}

/// A number field's value: empty is none; anything else must be a JSON number.
fn number(field: &str, text: &str) -> Result<Option<f64>, PresetError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    serde_json::from_str::<f64>(text).map(Some).map_err(|_| refuse(field, format!("must be a number, not `{text}`")))
}

/// The non-empty lines of a text area, without their endings. A line is kept as typed
/// otherwise: a stop sequence's spaces are part of it.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter(|line| !line.is_empty())
}

/// `key=value` per line, split at the first `=`, both sides trimmed.
fn metadata(text: &str) -> Result<BTreeMap<String, String>, PresetError> {
    let mut entries = BTreeMap::new();
    for line in lines(text).filter(|line| !line.trim().is_empty()) {
        let Some((key, value)) = line.split_once('=') else {
            return Err(refuse("requestMetadata", format!("`{}` is not key=value", line.trim())));
        };
        let key = key.trim();
        if entries.insert(key.to_owned(), value.trim().to_owned()).is_some() {
            return Err(refuse(format!("requestMetadata.{key}"), "the key is given twice"));
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(edit: impl FnOnce(&mut PresetForm)) -> PresetForm {
        let mut form = PresetForm::default();
        edit(&mut form);
        form
    }

    #[track_caller]
    fn refused(form: &PresetForm) -> (String, String) {
        let error = form.preset().expect_err("refused");
        (error.field, error.message)
    }

    #[test]
    fn a_filled_form_becomes_the_preset_the_api_spells_as_json() {
        let form = PresetForm {
            max_tokens: " 512 ".into(),
            temperature: "0.2".into(),
            top_p: "1".into(),
            stop_sequences: "END\r\n\n  Human:\n".into(),
            service_tier: "flex".into(),
            latency: "optimized".into(),
            request_metadata: "team = search\n\ncost-center=a=b\n".into(),
        };
        let preset = form.preset().expect("valid");
        assert_eq!(
            serde_json::to_string(&preset).expect("serialises"),
            r#"{"maxTokens":512,"temperature":0.2,"topP":1.0,"stopSequences":["END","  Human:"],"serviceTier":"flex","performanceConfig":{"latency":"optimized"},"requestMetadata":{"cost-center":"a=b","team":"search"}}"#
        );
    }

    #[test]
    fn what_save_sends_is_the_checked_json_shape_and_a_refusal_sends_nothing() {
        let fields = form(|f| f.temperature = "0.5".into()).checked().expect("valid");
        assert_eq!(serde_json::to_string(&fields).expect("serialises"), r#"{"temperature":0.5}"#);
        assert_eq!(form(|f| f.temperature = "1.5".into()).checked().expect_err("refused").field, "temperature");
    }

    #[test]
    fn an_empty_form_is_the_empty_preset() {
        let preset = PresetForm::default().preset().expect("valid");
        assert!(preset.is_empty());
        assert_eq!(form(|f| f.stop_sequences = "\n\n".into()).preset(), Ok(Preset::default()));
    }

    #[test]
    fn a_preset_shown_in_the_form_reads_back_as_itself() {
        let preset = PresetForm {
            max_tokens: "4096".into(),
            temperature: "0.35".into(),
            top_p: "0.9".into(),
            stop_sequences: "END\nStop here".into(),
            service_tier: "priority".into(),
            latency: "standard".into(),
            request_metadata: "team=search\nenv=prod".into(),
        }
        .preset()
        .expect("valid");
        let shown = PresetForm::of(&preset);
        assert_eq!(shown.temperature, "0.35");
        assert_eq!(shown.request_metadata, "env=prod\nteam=search", "in key order, as stored");
        assert_eq!(shown.preset(), Ok(preset));
        assert_eq!(PresetForm::of(&Preset::default()), PresetForm::default());
    }

    #[test]
    fn a_temperature_out_of_range_is_refused_with_the_servers_words() {
        let (field, message) = refused(&form(|f| f.temperature = "1.5".into()));
        assert_eq!((field.as_str(), message.as_str()), ("temperature", "must be a number from 0 to 1, not 1.5"));
        assert_eq!(PresetInput::of_field(&field), Some(PresetInput::Temperature));
    }

    #[test]
    fn text_that_is_not_a_number_names_its_field() {
        assert_eq!(
            refused(&form(|f| f.top_p = "high".into())),
            ("topP".to_owned(), "must be a number, not `high`".to_owned())
        );
        assert_eq!(refused(&form(|f| f.max_tokens = "-5".into())).0, "maxTokens");
        assert_eq!(refused(&form(|f| f.max_tokens = "1.5".into())).0, "maxTokens");
        assert_eq!(refused(&form(|f| f.max_tokens = "0".into())).1, "must be from 1 to 1000000, not 0");
        assert_eq!(refused(&form(|f| f.temperature = "NaN".into())).0, "temperature");
    }

    #[test]
    fn a_metadata_line_without_equals_or_a_repeated_key_is_refused() {
        assert_eq!(
            refused(&form(|f| f.request_metadata = "team=a\n nonsense \n".into())),
            ("requestMetadata".to_owned(), "`nonsense` is not key=value".to_owned())
        );
        assert_eq!(refused(&form(|f| f.request_metadata = "team=a\nteam=b".into())).0, "requestMetadata.team");
        let (field, message) = refused(&form(|f| f.request_metadata = "team=a;b".into()));
        assert_eq!(field, "requestMetadata.team");
        assert!(message.contains("';'"), "{message}");
    }

    #[test]
    fn the_choices_are_checked_by_shared_and_each_error_finds_its_input() {
        assert_eq!(refused(&form(|f| f.service_tier = "gold".into())).0, "serviceTier");
        let (field, _) = refused(&form(|f| f.latency = "fast".into()));
        assert_eq!(PresetInput::of_field(&field), Some(PresetInput::Latency));
        assert_eq!(PresetInput::of_field("stopSequences[3]"), Some(PresetInput::StopSequences));
        assert_eq!(PresetInput::of_field("requestMetadata.team"), Some(PresetInput::RequestMetadata));
        assert_eq!(PresetInput::of_field("model"), None);
        for input in PresetInput::ALL {
            assert_eq!(PresetInput::of_field(input.name()), Some(input), "{input:?}");
        }
    }

    #[test]
    fn each_input_edits_its_own_field() {
        let mut form = PresetForm::default();
        for (n, input) in PresetInput::ALL.into_iter().enumerate() {
            form.set(input, n.to_string());
        }
        let texts: Vec<&str> = PresetInput::ALL.iter().map(|input| form.text(*input)).collect();
        assert_eq!(texts, ["0", "1", "2", "3", "4", "5", "6"]);
        assert_eq!((form.top_p.as_str(), form.request_metadata.as_str()), ("2", "6"));
    }
}
