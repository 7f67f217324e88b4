//! Just enough YAML to write the LiteLLM and LibreChat fragments, without a YAML crate: every
//! scalar is written JSON-quoted, and every flow collection as JSON. JSON's string escapes are
//! a subset of YAML's double-quoted ones, so a YAML loader reads back exactly the strings
//! written — `"on"` stays a string, `"1.0"` stays text, `: ` and `#` need no thought.

use std::fmt::Write as _;

/// A YAML document being written line by line.
#[derive(Debug, Default)]
pub(super) struct Yaml {
    text: String,
}

impl Yaml {
    /// A `# …` line for each line of `text`.
    pub(super) fn comment(&mut self, text: &str) {
        for line in text.lines() {
            let _ = writeln!(self.text, "# {line}");
        }
    }

    /// `key:` opening a block at `indent` spaces.
    pub(super) fn open(&mut self, indent: usize, key: &str) {
        let _ = writeln!(self.text, "{:indent$}{}:", "", scalar(key));
    }

    /// `key: value` at `indent`, `value` being JSON (a quoted string, a number, a flow list or
    /// map).
    pub(super) fn entry(&mut self, indent: usize, key: &str, value: &serde_json::Value) {
        let _ = writeln!(self.text, "{:indent$}{}: {}", "", scalar(key), value);
    }

    /// `- key: value` at `indent`: the first entry of a list item that is a map.
    pub(super) fn item(&mut self, indent: usize, key: &str, value: &serde_json::Value) {
        let _ = writeln!(self.text, "{:indent$}- {}: {}", "", scalar(key), value);
    }

    /// `- value` at `indent`.
    pub(super) fn element(&mut self, indent: usize, value: &serde_json::Value) {
        let _ = writeln!(self.text, "{:indent$}- {}", "", value);
    }

    /// The text written.
    pub(super) fn finish(self) -> String {
        self.text
    }
}

/// Words YAML 1.1 loaders (PyYAML among them) read as booleans or null when plain.
const YAML_11_KEYWORDS: [&str; 10] = ["y", "yes", "n", "no", "true", "false", "on", "off", "null", "~"];

/// A key: plain when it is a simple word (`model_list`), else JSON-quoted.
fn scalar(key: &str) -> String {
    let plain = key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && key.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && !YAML_11_KEYWORDS.contains(&key.to_ascii_lowercase().as_str());
    if plain { key.to_owned() } else { serde_json::Value::from(key).to_string() }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn keys_that_are_not_plain_words_are_quoted() {
        let mut yaml = Yaml::default();
        yaml.open(0, "endpoints");
        yaml.entry(2, "amazon.nova-pro-v1:0", &json!("us.amazon.nova-pro-v1:0"));
        yaml.entry(2, "on", &json!(["a \"b\"", 0.5]));
        assert_eq!(
            yaml.finish(),
            "endpoints:\n  \"amazon.nova-pro-v1:0\": \"us.amazon.nova-pro-v1:0\"\n  \"on\": [\"a \\\"b\\\"\",0.5]\n"
        );
    }
}
