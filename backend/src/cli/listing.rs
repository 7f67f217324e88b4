//! `list`, `search`, `provider`, `region` and `show`: the catalog joined with the file.

use std::collections::BTreeMap;
use std::io::Write;

use bedrock_binder_shared::catalog::CatalogModel;
use bedrock_binder_shared::{Document, ModelId, Region};
use serde::Serialize;

use super::{CliError, Session};

/// One model as the listings print it.
#[derive(Debug, Serialize)]
struct Row<'a> {
    model: &'a str,
    /// The value in force, or `direct` when unbound or empty.
    binding: &'a str,
    /// Whether the file has a line for the model.
    in_file: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    requires_profile: Option<bool>,
    #[serde(skip)]
    catalog: Option<&'a CatalogModel>,
}

#[derive(Serialize)]
struct Listing<'a> {
    models: Vec<Row<'a>>,
    total: usize,
}

#[derive(Serialize)]
struct Bound<'a> {
    bound: Vec<Row<'a>>,
    total_bound: usize,
    total_models: usize,
}

const DIRECT: &str = "direct";

impl Session {
    /// Every catalog model and every key in the file, sorted by id.
    fn rows<'a>(&'a self, document: &'a Document) -> Vec<Row<'a>> {
        let mut rows: BTreeMap<&str, Row<'a>> = self
            .catalog
            .models()
            .iter()
            .map(|model| {
                let row = Row {
                    model: model.id.as_str(),
                    binding: DIRECT,
                    in_file: false,
                    name: Some(&model.name),
                    provider: Some(&model.provider),
                    requires_profile: model.requires_profile,
                    catalog: Some(model),
                };
                (model.id.as_str(), row)
            })
            .collect();
        for resolved in document.resolve() {
            let binding = if resolved.value.is_empty() { DIRECT } else { resolved.value };
            rows.entry(resolved.key)
                .and_modify(|row| {
                    row.binding = binding;
                    row.in_file = true;
                })
                .or_insert(Row {
                    model: resolved.key,
                    binding,
                    in_file: true,
                    name: None,
                    provider: None,
                    requires_profile: None,
                    catalog: None,
                });
        }
        rows.into_values().collect()
    }

    fn print_rows(&self, out: &mut dyn Write, rows: Vec<Row<'_>>, total_label: &str) -> Result<u8, CliError> {
        if self.json {
            let total = rows.len();
            self.print_json(out, &Listing { models: rows, total })?;
            return Ok(0);
        }
        let total = rows.len();
        for (index, row) in rows.iter().enumerate() {
            writeln!(out, "{}. {} -> {}", index + 1, row.model, row.binding)?;
        }
        writeln!(out, "{total_label}: {total} models")?;
        Ok(0)
    }

    pub(super) fn list(&self, filter: Option<&str>, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, CliError> {
        let (_, document) = self.load(err)?;
        let needle = filter.map(str::to_lowercase);
        let rows = self
            .rows(&document)
            .into_iter()
            .filter(|row| needle.as_deref().is_none_or(|needle| row.model.to_lowercase().contains(needle)))
            .collect();
        self.print_rows(out, rows, "Total")
    }

    pub(super) fn search(&self, term: &str, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, CliError> {
        let (_, document) = self.load(err)?;
        let needle = term.to_lowercase();
        let matches = |text: Option<&str>| text.is_some_and(|text| text.to_lowercase().contains(&needle));
        let rows = self
            .rows(&document)
            .into_iter()
            .filter(|row| matches(Some(row.model)) || matches(row.name) || matches(row.provider))
            .collect();
        self.print_rows(out, rows, "Found")
    }

    pub(super) fn provider(&self, name: &str, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, CliError> {
        let (_, document) = self.load(err)?;
        let rows = self.rows(&document).into_iter().filter(|row| is_from_provider(row, name)).collect();
        self.print_rows(out, rows, "Total")
    }

    pub(super) fn region(&self, name: &str, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, CliError> {
        let known = self.catalog.regions();
        let region = name.parse::<Region>().ok().filter(|region| known.contains(region)).ok_or_else(|| {
            CliError::UnknownRegion {
                region: name.to_owned(),
                known: known.iter().map(Region::as_str).collect::<Vec<_>>().join(", "),
            }
        })?;
        let (_, document) = self.load(err)?;
        let mut rows: Vec<Row<'_>> = self
            .rows(&document)
            .into_iter()
            .filter(|row| row.catalog.is_some_and(|model| model.requires_profile_in(&region).is_some()))
            .collect();
        for row in &mut rows {
            row.requires_profile = row.catalog.and_then(|model| model.requires_profile_in(&region));
        }
        if self.json {
            return self.print_rows(out, rows, "Total");
        }
        let total = rows.len();
        for (index, row) in rows.iter().enumerate() {
            let profiles: Vec<&str> = row
                .catalog
                .map(|model| model.profiles_in(&region).map(|profile| profile.id.as_str()).collect())
                .unwrap_or_default();
            let note = match (row.requires_profile, profiles.is_empty()) {
                (Some(true), true) => "  (requires an inference profile here)".to_owned(),
                (Some(true), false) => format!("  (requires an inference profile here: {})", profiles.join(", ")),
                _ => String::new(),
            };
            writeln!(out, "{}. {} -> {}{note}", index + 1, row.model, row.binding)?;
        }
        writeln!(out, "Total: {total} models in {region}")?;
        Ok(0)
    }

    pub(super) fn show(&self, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, CliError> {
        let (_, document) = self.load(err)?;
        let rows = self.rows(&document);
        let total_models = rows.len();
        let bound: Vec<Row<'_>> = rows.into_iter().filter(|row| row.binding != DIRECT).collect();
        let total_bound = bound.len();
        if self.json {
            self.print_json(out, &Bound { bound, total_bound, total_models })?;
            return Ok(0);
        }
        for (index, row) in bound.iter().enumerate() {
            writeln!(out, "{}. {} -> {}", index + 1, row.model, row.binding)?;
        }
        writeln!(out, "Total bound: {total_bound}/{total_models} models")?;
        Ok(0)
    }
}

/// Whether the row's provider is `name`, matched at a dot boundary: `a` is not `amazon`,
/// and `anthropic` also matches `us.anthropic…`. The catalog's display name counts too.
fn is_from_provider(row: &Row<'_>, name: &str) -> bool {
    let name = name.trim().to_lowercase();
    let id_provider = match row.model.parse::<ModelId>() {
        Ok(id) => id.provider().to_owned(),
        // A malformed key still has segments; take the one before the model name.
        Err(_) => {
            let head = row.model.split(':').next().unwrap_or_default();
            let parts: Vec<&str> = head.split('.').collect();
            parts.len().checked_sub(2).map(|i| parts[i].to_owned()).unwrap_or_default()
        }
    };
    id_provider == name || row.provider.is_some_and(|provider| provider.to_lowercase() == name)
}
