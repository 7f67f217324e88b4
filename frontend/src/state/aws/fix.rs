//! An AWS failure's one-click fix, as the [`PendingWrite`] it sends and its button's text.

use bedrock_binder_shared::aws_failure::Fix;
use bedrock_binder_shared::binding::InvalidBinding;

use crate::state::pending_write::PendingWrite;

/// The write a one-click fix sends, parsed as the server will parse it. The server made the fix,
/// so it parses; if it ever did not, the error says why instead of a write that fails.
pub fn fix_write(fix: &Fix) -> Result<PendingWrite, InvalidBinding> {
    match fix {
        Fix::Bind { model, profile } => PendingWrite::bind(model, profile),
    }
}

/// The fix button's text.
pub fn fix_label(fix: &Fix) -> String {
    match fix {
        Fix::Bind { model, profile } => format!("Bind {model} to {profile}"),
    }
}

#[cfg(test)]
mod tests {
    use bedrock_binder_shared::Binding;

    use super::*;

    #[test]
    fn a_bind_fix_is_a_typed_bind() {
        let fix = Fix::Bind { model: "amazon.nova-pro-v1:0".to_owned(), profile: "us.amazon.nova-pro-v1:0".to_owned() };
        let expected = Binding::parse("amazon.nova-pro-v1:0", Some("us.amazon.nova-pro-v1:0")).expect("valid");
        assert_eq!(fix_write(&fix), Ok(PendingWrite::Bind(expected)));
        assert_eq!(fix_label(&fix), "Bind amazon.nova-pro-v1:0 to us.amazon.nova-pro-v1:0");
    }
}
