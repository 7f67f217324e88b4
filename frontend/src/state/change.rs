//! A change the user asked for ([`Change`]) and what happens when the file changed elsewhere
//! before it reached the server ([`Conflict`]): both versions are shown and nothing is written
//! until the user reloads or re-applies.

use bedrock_binder_shared::api::{BindRequest, UnbindRequest};
use bedrock_binder_shared::{Document, ModelId, ProfileRef, Version};

/// One write the UI can send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// `POST /api/v1/bindings/bind`.
    Bind(BindRequest),
    /// `POST /api/v1/bindings/unbind`.
    Unbind(UnbindRequest),
    /// `PUT /api/v1/bindings`: the whole file, from the raw editor or an import.
    Replace(String),
}

impl Change {
    /// Binds `model` to `profile` (empty: direct).
    pub fn bind(model: &str, profile: &str) -> Change {
        let profile = (!profile.is_empty()).then(|| profile.to_owned());
        Change::Bind(BindRequest { model: model.to_owned(), profile })
    }

    /// Unbinds `model`.
    pub fn unbind(model: &str) -> Change {
        Change::Unbind(UnbindRequest { model: model.to_owned() })
    }

    /// A sentence for the status line and the conflict panel.
    pub fn describe(&self) -> String {
        match self {
            Change::Bind(BindRequest { model, profile: Some(profile) }) if !profile.is_empty() => {
                format!("bind {model} to {profile}")
            }
            Change::Bind(BindRequest { model, .. }) => format!("bind {model} to be called directly"),
            Change::Unbind(UnbindRequest { model }) => format!("unbind {model}"),
            Change::Replace(_) => "replace the file with your text".to_owned(),
        }
    }

    /// The file as this change makes it from `text`, computed with the same document edits
    /// the server makes. A bind of a value that does not parse leaves the text as it is.
    pub fn apply_to(&self, text: &str) -> String {
        match self {
            Change::Bind(BindRequest { model, profile }) => {
                let mut document = Document::parse(text);
                let profile = profile.as_deref().unwrap_or_default();
                if let (Ok(model), Ok(profile)) = (model.parse::<ModelId>(), profile.parse::<ProfileRef>()) {
                    document.bind(&model, &profile);
                }
                document.as_str().to_owned()
            }
            Change::Unbind(UnbindRequest { model }) => {
                let mut document = Document::parse(text);
                document.unbind(model);
                document.as_str().to_owned()
            }
            Change::Replace(new_text) => new_text.clone(),
        }
    }

    /// What the "re-apply" button says: a bind or unbind is made again on their version; a
    /// whole-file replacement overwrites it, which the label says plainly.
    pub fn reapply_label(&self) -> &'static str {
        match self {
            Change::Bind(_) | Change::Unbind(_) => "Re-apply my change to their version",
            Change::Replace(_) => "Save my version over theirs",
        }
    }
}

/// The server answered 412: the file changed since the version the change was made against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// What the user asked for.
    pub change: Change,
    /// The file as the change would have made it from the version the user saw.
    pub mine: String,
    /// The file on disk now.
    pub theirs: String,
    /// The version on disk now: re-applying sends it as `If-Match`.
    pub their_version: Version,
}

impl Conflict {
    /// The conflict for `change`, made against `base_text`, refused because the file is now
    /// `theirs` at `their_version`.
    pub fn new(change: Change, base_text: &str, theirs: String, their_version: Version) -> Conflict {
        let mine = change.apply_to(base_text);
        Conflict { change, mine, theirs, their_version }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bind_conflict_shows_the_file_as_my_bind_would_have_made_it() {
        let conflict = Conflict::new(
            Change::bind("amazon.nova-pro-v1:0", "us.amazon.nova-pro-v1:0"),
            "# mine\r\namazon.nova-pro-v1:0=\r\n",
            "# theirs\n".to_owned(),
            Version::from_token("v2"),
        );
        assert_eq!(conflict.mine, "# mine\r\namazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\r\n");
        assert_eq!(conflict.theirs, "# theirs\n");
        assert_eq!(conflict.change.describe(), "bind amazon.nova-pro-v1:0 to us.amazon.nova-pro-v1:0");
    }

    #[test]
    fn unbind_and_replace_apply_as_the_server_would() {
        assert_eq!(Change::unbind("a.b").apply_to("a.b=\nc.d=\na.b=x\n"), "c.d=\n");
        assert_eq!(Change::Replace("new\n".into()).apply_to("old\n"), "new\n");
        assert_eq!(Change::bind("a.b", "").describe(), "bind a.b to be called directly");
        assert_eq!(Change::bind("a.b", ""), Change::Bind(BindRequest { model: "a.b".into(), profile: None }));
    }

    #[test]
    fn replacing_says_it_overwrites_while_edits_say_they_reapply() {
        assert_eq!(Change::Replace(String::new()).reapply_label(), "Save my version over theirs");
        assert!(Change::unbind("a.b").reapply_label().starts_with("Re-apply"));
    }
}
