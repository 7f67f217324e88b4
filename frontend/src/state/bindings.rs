//! The bindings table: one [`BindingRow`] per binding in force, with the diagnostics of every
//! line that binds its model, and the filter box's matching; how a bound value reads
//! ([`ShownValue`]: an ARN as its parts) and how a finding reads in its row (without the model
//! id the row already shows).

use std::collections::HashMap;

use bedrock_binder_shared::api::BindingsResponse;
use bedrock_binder_shared::document::LineKind;
use bedrock_binder_shared::profile_ref::ProfileKind;
use bedrock_binder_shared::{Catalog, Diagnostic, ModelId, ProfileRef};

/// One row of the bindings table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingRow {
    /// The model id as written (the key).
    pub model: String,
    /// The provider's display name from the catalog, else the id's provider part.
    pub provider: String,
    /// The value as written; empty means direct.
    pub profile: String,
    /// The badge; `None` when the value is malformed.
    pub kind: Option<ProfileKind>,
    /// The 1-based line the binding in force comes from.
    pub line: usize,
    /// The diagnostics of every line that binds this model, in line order.
    pub diagnostics: Vec<Diagnostic>,
    /// Lowercased model, provider and profile, for the filter box.
    haystack: String,
}

impl BindingRow {
    /// A key that changes whenever anything the row shows from the file changes, for keyed
    /// list rendering. The provider is left out: it changes when the catalog arrives, and the
    /// row shows it reactively rather than being rendered again.
    pub fn render_key(&self) -> String {
        let mut key = format!("{}\u{0}{}\u{0}{}", self.model, self.profile, self.line);
        for diagnostic in &self.diagnostics {
            key.push('\u{0}');
            key.push_str(&diagnostic.header());
        }
        key
    }

    /// Whether any diagnostic of the row is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The row's diagnostics as the row shows them: without the model id it already shows
    /// ([`in_row`]). Codes, spans and severities are as the server sent them.
    pub fn problems(&self) -> Vec<Diagnostic> {
        self.diagnostics
            .iter()
            .map(|diagnostic| {
                let mut shown = diagnostic.clone();
                shown.message = in_row(&diagnostic.message, &self.model);
                shown.help = diagnostic.help.as_deref().map(|help| in_row(help, &self.model));
                shown
            })
            .collect()
    }

    /// Whether the row passes the filter box (case-insensitive substring of model, provider or
    /// profile). `query` must already be lowercased and trimmed; empty matches everything.
    pub fn matches(&self, query: &str) -> bool {
        self.haystack.contains(query)
    }
}

/// The provider to show for a key: the catalog's display name (also for a profile id used as a
/// key), else the id's provider part, else nothing.
pub fn provider_of(model: &str, catalog: Option<&Catalog>) -> String {
    match catalog.and_then(|catalog| catalog.model_named_by(model)) {
        Some(entry) => entry.provider.clone(),
        None => model.parse::<ModelId>().map(|id| id.provider().to_owned()).unwrap_or_default(),
    }
}

/// A finding's `text` as the row of `model` shows it: the row names the model already, so the
/// quoted id becomes "this model" ("`m` is legacy: …" reads "This model is legacy: …"). The
/// messages themselves stay as `shared` writes them, for the CLI and the API.
pub fn in_row(text: &str, model: &str) -> String {
    if model.is_empty() {
        return text.to_owned();
    }
    let quoted = format!("`{model}`");
    let text = match text.strip_prefix(&quoted) {
        Some(rest) => format!("This model{rest}"),
        None => text.to_owned(),
    };
    text.replace(&format!("the model id {quoted}"), "the model id").replace(&quoted, "this model")
}

/// How the Binding column shows a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShownValue {
    /// Empty: the model is called directly.
    Direct,
    /// A profile id, model id or malformed value: shown as written.
    Text(String),
    /// An ARN, as a person reads it; the whole ARN is one click away.
    Arn {
        /// The resource id: the profile id, model id or generated id after the `/`.
        id: String,
        /// What it names, in words (`application profile`, `system profile`, …).
        kind: String,
        /// The region it lives in.
        region: String,
        /// The account, when the ARN has one (a foundation model's has none).
        account: Option<String>,
        /// The whole ARN, for the title, the toggle and copying.
        arn: String,
    },
}

/// How the Binding column shows `value` (the value as written in the file).
pub fn shown_value(value: &str) -> ShownValue {
    match value.parse::<ProfileRef>() {
        Ok(ProfileRef::Direct) => ShownValue::Direct,
        Ok(ProfileRef::Arn(arn)) => {
            let resource = arn.resource();
            let kind = match resource.type_name() {
                "inference-profile" => "system profile".to_owned(),
                "application-inference-profile" => "application profile".to_owned(),
                other => other.replace('-', " "),
            };
            ShownValue::Arn {
                id: resource.id().to_owned(),
                kind,
                region: arn.region().as_str().to_owned(),
                account: (!arn.account().is_empty()).then(|| arn.account().to_owned()),
                arn: value.to_owned(),
            }
        }
        Ok(_) | Err(_) => ShownValue::Text(value.to_owned()),
    }
}

/// The table rows of a file, sorted by model as the server sorts its bindings.
pub fn rows(response: &BindingsResponse, catalog: Option<&Catalog>) -> Vec<BindingRow> {
    let by_model = diagnostics_by_model(response);
    response
        .bindings
        .iter()
        .map(|binding| {
            let provider = provider_of(&binding.model, catalog);
            let haystack = format!("{}\n{}\n{}", binding.model, provider, binding.profile).to_ascii_lowercase();
            BindingRow {
                model: binding.model.clone(),
                provider,
                profile: binding.profile.clone(),
                kind: binding.kind,
                line: binding.line,
                diagnostics: by_model.get(binding.model.as_str()).cloned().unwrap_or_default(),
                haystack,
            }
        })
        .collect()
}

/// The indices of the rows that pass the filter box.
pub fn filter(rows: &[BindingRow], query: &str) -> Vec<usize> {
    let query = query.trim().to_ascii_lowercase();
    rows.iter().enumerate().filter(|(_, row)| row.matches(&query)).map(|(index, _)| index).collect()
}

/// The diagnostics of lines that bind no model (no `=`, nothing before it), with the line's
/// text: the table cannot show them in a row, so the page lists them below it.
pub fn loose_diagnostics(response: &BindingsResponse) -> Vec<(Diagnostic, String)> {
    response
        .diagnostics
        .iter()
        .filter(|diagnostic| key_of_line(response, diagnostic.line).is_none())
        .map(|diagnostic| {
            let text = response.lines.get(diagnostic.line.wrapping_sub(1)).map(|l| l.content.clone());
            (diagnostic.clone(), text.unwrap_or_default())
        })
        .collect()
}

fn key_of_line(response: &BindingsResponse, number: usize) -> Option<&str> {
    let line = response.lines.get(number.checked_sub(1)?)?;
    match line.kind {
        LineKind::Binding { key, .. } => line.content.get(key.start..key.end),
        _ => None,
    }
}

fn diagnostics_by_model(response: &BindingsResponse) -> HashMap<&str, Vec<Diagnostic>> {
    let mut by_model: HashMap<&str, Vec<Diagnostic>> = HashMap::new();
    for diagnostic in &response.diagnostics {
        if let Some(key) = key_of_line(response, diagnostic.line) {
            by_model.entry(key).or_default().push(diagnostic.clone());
        }
    }
    by_model
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use bedrock_binder_shared::api::BindingsResponse;
    use bedrock_binder_shared::catalog::CatalogModel;
    use bedrock_binder_shared::validate::validate;
    use bedrock_binder_shared::{Document, Version};

    /// A small catalog in the `GET /api/v1/catalog` JSON shape, as the browser receives it.
    pub(crate) fn test_catalog() -> Catalog {
        let json = r#"[
          {"id":"amazon.nova-pro-v1:0","provider":"Amazon","name":"Nova Pro","lifecycle":"active",
           "lifecycle_note":"ACTIVE","inference_types":["on-demand","profile"],"requires_profile":false,
           "regions_on_demand":["us-east-1"],"regions_via_profile":["us-east-1","us-west-2","eu-west-1"],
           "system_profiles":[{"id":"us.amazon.nova-pro-v1:0","geo":"us","source_regions":["us-east-1","us-west-2"]},
                              {"id":"eu.amazon.nova-pro-v1:0","geo":"eu","source_regions":["eu-west-1"]}],
           "output_modality":"TEXT","source":"test"},
          {"id":"anthropic.claude-sonnet-4-5-20250929-v1:0","provider":"Anthropic","name":"Claude Sonnet 4.5",
           "lifecycle":"active","lifecycle_note":"ACTIVE","inference_types":["profile"],"requires_profile":true,
           "regions_on_demand":[],"regions_via_profile":["us-east-1"],
           "system_profiles":[{"id":"global.anthropic.claude-sonnet-4-5-20250929-v1:0","geo":"global","source_regions":["us-east-1"]}],
           "output_modality":"TEXT","source":"test"},
          {"id":"anthropic.claude-3-haiku-20240307-v1:0","provider":"Anthropic","name":"Claude 3 Haiku",
           "lifecycle":"eol","lifecycle_note":"EOL","inference_types":[],"requires_profile":null,
           "regions_on_demand":[],"regions_via_profile":[],"system_profiles":[],
           "output_modality":"TEXT","source":"test"}
        ]"#;
        let models: Vec<CatalogModel> = serde_json::from_str(json).expect("test catalog JSON");
        Catalog::from_models(models)
    }

    /// What the server answers for `text`, validated against the test catalog.
    pub(crate) fn response(text: &str) -> BindingsResponse {
        let document = Document::parse(text);
        let diagnostics = validate(&document, &test_catalog());
        BindingsResponse::new(&document, Version::from_token("v1"), diagnostics, true)
    }

    #[test]
    fn rows_show_the_binding_in_force_with_the_diagnostics_of_every_line_of_its_model() {
        let response =
            response("# team file\namazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\nbroken line\namazon.nova-pro-v1:0=\n");
        let rows = rows(&response, Some(&test_catalog()));
        assert_eq!(rows.len(), 1);
        let nova = &rows[0];
        assert_eq!(
            (nova.model.as_str(), nova.provider.as_str(), nova.profile.as_str()),
            ("amazon.nova-pro-v1:0", "Amazon", "")
        );
        assert_eq!((nova.kind, nova.line), (Some(ProfileKind::Direct), 4));
        let codes: Vec<&str> = nova.diagnostics.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["duplicate-key"], "the duplicate is reported on line 2 and belongs to this row");
        assert!(!nova.has_errors());
    }

    #[test]
    fn lines_that_bind_nothing_are_listed_apart_with_their_text() {
        let response = response("broken line\n=us.amazon.nova-pro-v1:0\n");
        let loose = loose_diagnostics(&response);
        let found: Vec<(usize, &str, &str)> =
            loose.iter().map(|(d, text)| (d.line, d.code.as_str(), text.as_str())).collect();
        assert_eq!(found, [(1, "missing-equals", "broken line"), (2, "empty-key", "=us.amazon.nova-pro-v1:0")]);
    }

    #[test]
    fn a_malformed_value_has_no_badge_and_an_error() {
        let response = response("amazon.nova-pro-v1:0=arn:aws:bedrock:us-east-1:1234:inference-profile/x\n");
        let row = &rows(&response, None)[0];
        assert_eq!(row.kind, None);
        assert!(row.has_errors());
    }

    #[test]
    fn without_a_catalog_the_provider_is_the_ids_provider_part() {
        assert_eq!(provider_of("us.anthropic.claude-x-v1:0", None), "anthropic");
        assert_eq!(provider_of("global.anthropic.claude-sonnet-4-5-20250929-v1:0", Some(&test_catalog())), "Anthropic");
        assert_eq!(provider_of("not a model", None), "");
    }

    #[test]
    fn the_filter_matches_model_provider_or_profile_ignoring_case() {
        let response = response(
            "amazon.nova-pro-v1:0=eu.amazon.nova-pro-v1:0\nanthropic.claude-sonnet-4-5-20250929-v1:0=global.anthropic.claude-sonnet-4-5-20250929-v1:0\n",
        );
        let rows = rows(&response, Some(&test_catalog()));
        assert_eq!(filter(&rows, ""), [0, 1]);
        assert_eq!(filter(&rows, "  ANTHROPIC "), [1]);
        assert_eq!(filter(&rows, "eu."), [0]);
        assert_eq!(filter(&rows, "amazon"), [0]);
        assert!(filter(&rows, "mistral").is_empty());
    }

    #[test]
    fn a_rows_problems_do_not_repeat_the_model_id_the_row_shows() {
        let response = response(
            "anthropic.claude-3-haiku-20240307-v1:0=\namazon.nova-pro-v1:0=us.amazon.nova-lite-v1:0\namazon.nova-pro-v1:0=us.amazon.nova-lite-v1:0\n",
        );
        let rows = rows(&response, Some(&test_catalog()));
        let haiku = rows.iter().find(|row| row.model.starts_with("anthropic")).expect("haiku row");
        let problems = haiku.problems();
        assert!(problems[0].message.starts_with("This model is past its end of life: "), "{:?}", problems[0].message);
        assert_eq!(
            haiku.diagnostics[0].message.split_once(' ').map(|(id, _)| id),
            Some("`anthropic.claude-3-haiku-20240307-v1:0`"),
            "the server's words are kept"
        );
        let nova = rows.iter().find(|row| row.model == "amazon.nova-pro-v1:0").expect("nova row");
        for problem in nova.problems() {
            assert!(!problem.message.contains("`amazon.nova-pro-v1:0`"), "{}", problem.message);
        }
        let messages: Vec<String> = nova.problems().into_iter().map(|d| d.message).collect();
        assert!(
            messages.iter().any(|m| m.starts_with("This model is bound on line 2 and again on line 3")),
            "{messages:?}"
        );
        assert!(messages.iter().any(|m| m.ends_with("calls `amazon.nova-lite-v1:0`, not this model")), "{messages:?}");
    }

    #[test]
    fn a_finding_reads_in_its_row_without_the_quoted_model_id() {
        assert_eq!(in_row("`a.b` is not in the model catalog", "a.b"), "This model is not in the model catalog");
        assert_eq!(in_row("the model id `a b` contains whitespace", "a b"), "the model id contains whitespace");
        assert_eq!(in_row("`us.a.b` calls `a.c`, not `a.b`", "a.b"), "`us.a.b` calls `a.c`, not this model");
        assert_eq!(in_row("`a.bc` is legacy", "a.b"), "`a.bc` is legacy", "another id is left alone");
    }

    #[test]
    fn a_bound_arn_reads_as_its_kind_region_account_and_id() {
        let arn = "arn:aws:bedrock:us-east-2:521369004927:inference-profile/us.amazon.nova-pro-v1:0";
        assert_eq!(
            shown_value(arn),
            ShownValue::Arn {
                id: "us.amazon.nova-pro-v1:0".to_owned(),
                kind: "system profile".to_owned(),
                region: "us-east-2".to_owned(),
                account: Some("521369004927".to_owned()),
                arn: arn.to_owned(),
            }
        );
        let app = shown_value("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcdef012345");
        assert!(
            matches!(&app, ShownValue::Arn { kind, id, .. } if kind == "application profile" && id == "abcdef012345")
        );
        let model = shown_value("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0");
        assert!(
            matches!(&model, ShownValue::Arn { kind, account: None, .. } if kind == "foundation model"),
            "{model:?}"
        );
    }

    #[test]
    fn other_values_are_shown_as_written_and_empty_is_direct() {
        assert_eq!(shown_value(""), ShownValue::Direct);
        assert_eq!(shown_value("us.amazon.nova-pro-v1:0"), ShownValue::Text("us.amazon.nova-pro-v1:0".to_owned()));
        let malformed = "arn:aws:bedrock:us-east-1:1234:inference-profile/x";
        assert_eq!(shown_value(malformed), ShownValue::Text(malformed.to_owned()));
    }

    #[test]
    fn the_render_key_changes_with_the_binding_but_not_with_the_catalog() {
        let before = rows(&response("amazon.nova-pro-v1:0=\n"), None).remove(0);
        let after = rows(&response("amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n"), None).remove(0);
        assert_ne!(before.render_key(), after.render_key());
        let with_catalog = rows(&response("amazon.nova-pro-v1:0=\n"), Some(&test_catalog())).remove(0);
        assert_ne!(before.provider, with_catalog.provider);
        assert_eq!(before.render_key(), with_catalog.render_key());
    }
}
