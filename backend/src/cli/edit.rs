//! `bind`, `unbind` and `init`: the commands that write the file. With `--server`, `bind` and
//! `unbind` send the edit to the server's bind and unbind routes, made against the version
//! they read.

use std::io::Write;

use bedrock_binder_shared::api::{BindRequest, UnbindRequest};
use bedrock_binder_shared::diagnostic::{Code, Diagnostic};
use bedrock_binder_shared::document::EditOutcome;
use bedrock_binder_shared::validate::validate;
use bedrock_binder_shared::{Binding, Document, ProfileRef};
use serde::Serialize;

use super::{CliError, Session};
use crate::storage::ChangeKind;

#[derive(Serialize)]
struct Bound<'a> {
    model: &'a str,
    profile: String,
    kind: bedrock_binder_shared::profile_ref::ProfileKind,
    outcome: &'static str,
    line: usize,
}

#[derive(Serialize)]
struct Unbound<'a> {
    model: &'a str,
    lines_removed: usize,
}

#[derive(Serialize)]
struct Initialised {
    file: String,
    models: usize,
}

/// A command-line argument rejected with the same diagnostic the file would get.
pub(super) fn rejected(
    code: Code,
    argument: &str,
    span: std::ops::Range<usize>,
    message: String,
    help: Option<String>,
) -> CliError {
    let mut diagnostic = Diagnostic::new(code, 1, argument, span.start, span.end, message);
    diagnostic.help = help;
    CliError::Rejected { snippet: Some(diagnostic.snippet(argument, "")), message: diagnostic.message }
}

impl Session {
    pub(super) fn bind(
        &self,
        model: &str,
        profile: Option<&str>,
        force: bool,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<u8, CliError> {
        let binding = Binding::parse(model, profile)?;
        let Binding { model: model_id, profile: profile_ref } = &binding;
        if !force && !self.catalog.contains(model_id.as_str()) {
            return Err(CliError::UnknownModel {
                model: model_id.to_string(),
                suggestion: self.catalog.did_you_mean(model_id.as_str()).map(str::to_owned),
            });
        }
        let (snapshot, mut document) = self.load(err)?;
        let outcome = document.bind(model_id, profile_ref);
        let (line, outcome_name) = match outcome {
            EditOutcome::Rebound { line } => (line, "rebound"),
            EditOutcome::Appended { line } => (line, "appended"),
            EditOutcome::Unchanged { line } => (line, "unchanged"),
        };
        if !matches!(outcome, EditOutcome::Unchanged { .. }) {
            match &self.remote {
                Some(remote) => {
                    let written = remote.bind(&self.env, &snapshot.version, &BindRequest::from(&binding))?;
                    // What the server wrote is what the warnings below are about.
                    document = Document::parse(&written.text);
                }
                None => {
                    self.save(&snapshot.version, document.as_str())?;
                }
            }
        }
        // The edit is done; what is still questionable about this line is worth a warning.
        for diagnostic in validate(&document, &self.catalog).iter().filter(|d| d.line == line) {
            let text = document.line(line).map(|l| l.content).unwrap_or_default();
            write!(err, "{}", diagnostic.render(text))?;
        }
        let shown = if *profile_ref == ProfileRef::Direct { "direct".to_owned() } else { profile_ref.to_string() };
        if self.json {
            let kind = profile_ref.kind();
            self.print_json(
                out,
                &Bound { model: model_id.as_str(), profile: shown, kind, outcome: outcome_name, line },
            )?;
        } else {
            writeln!(out, "✓ Bound {model_id} to {shown}")?;
        }
        Ok(0)
    }

    pub(super) fn unbind(&self, model: &str, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, CliError> {
        let model = model.trim();
        let (snapshot, mut document) = self.load(err)?;
        let removed = document.unbind(model);
        if removed > 0 {
            match &self.remote {
                Some(remote) => {
                    remote.unbind(&self.env, &snapshot.version, &UnbindRequest { model: model.to_owned() })?;
                }
                None => {
                    self.save(&snapshot.version, document.as_str())?;
                }
            }
        }
        if self.json {
            self.print_json(out, &Unbound { model, lines_removed: removed })?;
        } else if removed == 0 {
            writeln!(out, "{model} was not bound; nothing changed")?;
        } else {
            let lines = if removed == 1 { "line" } else { "lines" };
            writeln!(out, "✓ Unbound {model} ({removed} {lines} removed)")?;
        }
        Ok(0)
    }

    pub(super) fn init(&self, force: bool, out: &mut dyn Write) -> Result<u8, CliError> {
        let snapshot = self.envs.load(&self.env)?;
        if snapshot.existed && !force {
            return Err(CliError::FileExists(self.envs.label(&self.env)));
        }
        let text = default_file_text(&self.catalog);
        self.save_as(&snapshot.version, &text, ChangeKind::Import)?;
        let models = self.catalog.models().len();
        let file = self.envs.label(&self.env);
        if self.json {
            self.print_json(out, &Initialised { file, models })?;
        } else {
            writeln!(out, "✓ Wrote {models} models to {file}")?;
        }
        Ok(0)
    }
}

/// TPipe-Bedrock's default keys (`backend/data/tpipe-default-keys.txt`), `#` lines aside.
const TPIPE_DEFAULT_KEYS: &str = include_str!("../../data/tpipe-default-keys.txt");

/// TPipe's default keys that are not plain model ids (geo-prefixed profile ids such as
/// `us.amazon.nova-lite-v1:0`), which the catalog's model list alone would not write.
fn tpipe_profile_keys(catalog: &bedrock_binder_shared::Catalog) -> impl Iterator<Item = &'static str> + '_ {
    TPIPE_DEFAULT_KEYS
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter(move |key| catalog.get(key).is_none())
}

/// The file `init` writes: every catalog model, grouped by provider under `#` headers, each
/// bound directly, with the system profiles named in a comment where the model has no
/// on-demand region; then every other key TPipe's own default file has (its geo-prefixed
/// profile ids), under the model they serve, so a TPipe user who moves over loses no key.
pub(super) fn default_file_text(catalog: &bedrock_binder_shared::Catalog) -> String {
    let mut profile_keys: Vec<&str> = tpipe_profile_keys(catalog).collect();
    let mut models: Vec<_> = catalog.models().iter().collect();
    models.sort_by(|a, b| a.provider.cmp(&b.provider).then_with(|| a.id.cmp(&b.id)));
    let mut text = String::from(
        "# Amazon Bedrock inference bindings, read by TPipe-Bedrock and bedrock-binder.\n\
         # One line per model: MODEL=PROFILE. An empty value calls the model directly (on demand).\n\
         # PROFILE is a system profile id (us.…, eu.…, global.…) or an inference profile ARN.\n\
         # Profiles depend on the region you call from: `bedrock-binder region REGION` lists them.\n",
    );
    let mut provider = "";
    for model in models {
        if model.provider != provider {
            provider = &model.provider;
            text.push_str(&format!("\n# {provider}\n"));
        }
        if model.requires_profile == Some(true) {
            let profiles: Vec<&str> = model.system_profiles.iter().map(|p| p.id.as_str()).collect();
            if profiles.is_empty() {
                text.push_str(&format!("# {} has no on-demand region: bind an inference profile ARN\n", model.id));
            } else {
                text.push_str(&format!(
                    "# {} has no on-demand region: bind a profile, e.g. {}\n",
                    model.id,
                    profiles.join(", ")
                ));
            }
        }
        text.push_str(&format!("{}=\n", model.id));
        // TPipe's keys for this model's profiles, in TPipe's order, right after it.
        profile_keys.retain(|key| {
            let serves_this_model = catalog.model_named_by(key).is_some_and(|named| named.id == model.id);
            if serves_this_model {
                text.push_str(&format!("{key}=\n"));
            }
            !serves_this_model
        });
    }
    if !profile_keys.is_empty() {
        text.push_str("\n# Other keys TPipe-Bedrock writes by default\n");
        for key in profile_keys {
            text.push_str(&format!("{key}=\n"));
        }
    }
    text
}
