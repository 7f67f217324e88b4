//! What the signed-in user may do, from `GET /api/v1/session`, so that the environment pages
//! hide the buttons their role does not allow. The server enforces every rule anyway; this only
//! spares the user a 403.

use bedrock_binder_shared::access::{Role, allows};
use bedrock_binder_shared::api::SessionInfo;
use bedrock_binder_shared::env_name::EnvName;

/// The session as far as it is known: `None` until `GET /api/v1/session` has answered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permissions(Option<SessionInfo>);

impl Permissions {
    /// The permissions of `session`.
    pub fn of(session: SessionInfo) -> Permissions {
        Permissions(Some(session))
    }

    /// Whether the user may do what needs `role` on `env`: always on a server without auth;
    /// never while the session is not known yet (the buttons appear once it is).
    pub fn may(&self, role: Role, env: &EnvName) -> bool {
        self.0.as_ref().is_some_and(|session| !session.auth || allows(&session.grants, role, Some(env)))
    }

    /// Whether the user has `role` on at least one environment (creating one needs admin on the
    /// new name, which a grant for every environment or for that name gives).
    pub fn may_somewhere(&self, role: Role) -> bool {
        self.0.as_ref().is_some_and(|session| !session.auth || session.grants.iter().any(|grant| grant.role >= role))
    }
}

#[cfg(test)]
mod tests {
    use bedrock_binder_shared::access::Grant;

    use super::*;

    fn env(name: &str) -> EnvName {
        name.parse().expect("valid")
    }

    #[test]
    fn without_auth_everything_shows_and_before_the_session_is_known_nothing_does() {
        let open = Permissions::of(SessionInfo::default());
        assert!(open.may(Role::Admin, &env("prod")) && open.may_somewhere(Role::Admin));
        let unknown = Permissions::default();
        assert!(!unknown.may(Role::Viewer, &env("prod")) && !unknown.may_somewhere(Role::Viewer));
    }

    #[test]
    fn an_editor_of_staging_who_views_prod_may_edit_staging_only_and_administer_nothing() {
        let grants = vec![
            Grant { role: Role::Editor, envs: vec![env("staging")] },
            Grant { role: Role::Viewer, envs: vec![env("prod")] },
        ];
        let erin = Permissions::of(SessionInfo { auth: true, name: Some("erin".to_owned()), grants });
        assert!(erin.may(Role::Editor, &env("staging")));
        assert!(!erin.may(Role::Editor, &env("prod")));
        assert!(erin.may(Role::Viewer, &env("prod")));
        assert!(!erin.may(Role::Admin, &env("staging")));
        assert!(!erin.may_somewhere(Role::Admin) && erin.may_somewhere(Role::Editor));
    }
}
