//! A write the user asked for and the UI is about to send ([`PendingWrite`]), and what happens
//! when the file changed elsewhere before it reached the server ([`Conflict`]): both versions
//! are shown and nothing is written until the user reloads or re-applies.
//!
//! A bind or unbind carries the typed request (`shared::binding`), parsed once where the value
//! was typed or received: the status line, the conflict preview and the request body are all
//! made from that one parse.

use bedrock_binder_shared::binding::{Binding, InvalidBinding, Unbinding};
use bedrock_binder_shared::{Document, ProfileRef, Version};

/// One write the UI can send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PendingWrite {
    /// `POST /api/v1/bindings/bind`.
    Bind(Binding),
    /// `POST /api/v1/bindings/unbind`.
    Unbind(Unbinding),
    /// `PUT /api/v1/bindings`: the whole file, from the raw editor or an import.
    Replace(String),
}

impl PendingWrite {
    /// Binds `model` to `profile` (empty: direct), parsed as the server parses a bind request.
    /// For a value from text the UI did not check itself (a suggestion, a fix, a row's key).
    pub fn bind(model: &str, profile: &str) -> Result<PendingWrite, InvalidBinding> {
        Binding::parse(model, Some(profile)).map(PendingWrite::Bind)
    }

    /// Unbinds `model` (any non-empty key, even a malformed one).
    pub fn unbind(model: &str) -> Result<PendingWrite, InvalidBinding> {
        Unbinding::parse(model).map(PendingWrite::Unbind)
    }

    /// A sentence for the status line and the conflict panel.
    pub fn describe(&self) -> String {
        match self {
            PendingWrite::Bind(Binding { model, profile: ProfileRef::Direct }) => {
                format!("bind {model} to be called directly")
            }
            PendingWrite::Bind(Binding { model, profile }) => format!("bind {model} to {profile}"),
            PendingWrite::Unbind(unbinding) => format!("unbind {}", unbinding.key()),
            PendingWrite::Replace(_) => "replace the file with your text".to_owned(),
        }
    }

    /// The file as this write makes it from `text`, computed with the same document edits the
    /// server makes.
    pub fn apply_to(&self, text: &str) -> String {
        match self {
            PendingWrite::Bind(binding) => {
                let mut document = Document::parse(text);
                document.bind(&binding.model, &binding.profile);
                document.as_str().to_owned()
            }
            PendingWrite::Unbind(unbinding) => {
                let mut document = Document::parse(text);
                document.unbind(unbinding.key());
                document.as_str().to_owned()
            }
            PendingWrite::Replace(new_text) => new_text.clone(),
        }
    }

    /// What the "re-apply" button says: a bind or unbind is made again on their version; a
    /// whole-file replacement overwrites it, which the label says plainly.
    pub fn reapply_label(&self) -> &'static str {
        match self {
            PendingWrite::Bind(_) | PendingWrite::Unbind(_) => "Re-apply my change to their version",
            PendingWrite::Replace(_) => "Save my version over theirs",
        }
    }
}

/// The server answered 412: the file changed since the version the write was made against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// What the user asked for.
    pub write: PendingWrite,
    /// The file as the write would have made it from the version the user saw.
    pub mine: String,
    /// The file on disk now.
    pub theirs: String,
    /// The version on disk now: re-applying sends it as `If-Match`.
    pub their_version: Version,
}

impl Conflict {
    /// The conflict for `write`, made against `base_text`, refused because the file is now
    /// `theirs` at `their_version`.
    pub fn new(write: PendingWrite, base_text: &str, theirs: String, their_version: Version) -> Conflict {
        let mine = write.apply_to(base_text);
        Conflict { write, mine, theirs, their_version }
    }
}

#[cfg(test)]
mod tests {
    use bedrock_binder_shared::diagnostic::Code;

    use super::*;

    #[track_caller]
    fn bind(model: &str, profile: &str) -> PendingWrite {
        PendingWrite::bind(model, profile).expect("a valid bind")
    }

    #[test]
    fn a_bind_conflict_shows_the_file_as_my_bind_would_have_made_it() {
        let conflict = Conflict::new(
            bind("amazon.nova-pro-v1:0", "us.amazon.nova-pro-v1:0"),
            "# mine\r\namazon.nova-pro-v1:0=\r\n",
            "# theirs\n".to_owned(),
            Version::from_token("v2"),
        );
        assert_eq!(conflict.mine, "# mine\r\namazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\r\n");
        assert_eq!(conflict.theirs, "# theirs\n");
        assert_eq!(conflict.write.describe(), "bind amazon.nova-pro-v1:0 to us.amazon.nova-pro-v1:0");
    }

    #[test]
    fn unbind_and_replace_apply_as_the_server_would() {
        let unbind = PendingWrite::unbind("a.b").expect("a non-empty key");
        assert_eq!(unbind.apply_to("a.b=\nc.d=\na.b=x\n"), "c.d=\n");
        assert_eq!(PendingWrite::Replace("new\n".into()).apply_to("old\n"), "new\n");
        assert_eq!(bind("a.b", "").describe(), "bind a.b to be called directly");
        assert_eq!(bind("a.b", " "), PendingWrite::Bind(Binding::parse("a.b", None).expect("direct")));
    }

    #[test]
    fn replacing_says_it_overwrites_while_edits_say_they_reapply() {
        assert_eq!(PendingWrite::Replace(String::new()).reapply_label(), "Save my version over theirs");
        assert!(PendingWrite::unbind("a.b").expect("a key").reapply_label().starts_with("Re-apply"));
    }

    #[test]
    fn a_bind_that_does_not_parse_is_refused_with_the_servers_diagnostic_before_it_is_sent() {
        let error = PendingWrite::bind("amazon.nova-pro-v1:0", "arn:aws:bedrock:us-east-1:1234:inference-profile/x")
            .expect_err("a malformed ARN");
        assert_eq!(error.diagnostic.code, Code::MalformedArn);
        assert_eq!(PendingWrite::unbind("  ").expect_err("an empty key").diagnostic.code, Code::MalformedModelId);
    }
}
