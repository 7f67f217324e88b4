//! Who may call which route: [`RULES`], the one table that states every route's need, and
//! [`authorize`], the middleware that enforces it when the server runs with an auth file.
//!
//! A route is named as axum matched it (`/api/v1/envs/{env}/bindings`). The environment a
//! role must cover comes from the path's `{env}` (`default` for the routes without one), from
//! the query (`diff`), or from the JSON body (`promote`, creating an environment). Anything
//! not in the table is refused (405): a route added without a rule is unreachable, not open.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Query, RawPathParams, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bedrock_binder_shared::access::{Role, allows};
use bedrock_binder_shared::env_name::EnvName;

use super::BODY_LIMIT;
use super::error::AppError;
use crate::auth::{Auth, Unidentified};

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Nothing: anyone may call it (the health check, for load balancers).
    Public,
    /// Any identified caller, whatever their grants (who the session is).
    Identified,
    /// The role on at least one environment (the catalog, the list of environments).
    Anywhere(Role),
    /// The role on the environment the path names (`default` without `{env}`).
    PathEnv(Role),
    /// Each role on the environment the query parameter of that name gives.
    Query(&'static [(&'static str, Role)]),
    /// Each role on the environment the JSON body's field of that name gives.
    Body(&'static [(&'static str, Role)]),
}

/// Every route with its method and what it needs. `HEAD` is read as `GET`.
pub const RULES: &[(Method, &str, Need)] = {
    use Need::{Anywhere, Body, Identified, PathEnv, Public, Query};
    use Role::{Admin, Editor, Viewer};
    &[
        (Method::GET, "/api/v1/health", Public),
        (Method::GET, "/api/v1/catalog", Anywhere(Viewer)),
        (Method::GET, "/api/v1/openapi.json", Anywhere(Viewer)),
        // The bindings half, on `default` and per environment.
        (Method::GET, "/api/v1/bindings", PathEnv(Viewer)),
        (Method::PUT, "/api/v1/bindings", PathEnv(Editor)),
        (Method::POST, "/api/v1/bindings/bind", PathEnv(Editor)),
        (Method::POST, "/api/v1/bindings/unbind", PathEnv(Editor)),
        (Method::GET, "/api/v1/presets", PathEnv(Viewer)),
        (Method::PUT, "/api/v1/presets/{model}", PathEnv(Editor)),
        (Method::DELETE, "/api/v1/presets/{model}", PathEnv(Editor)),
        (Method::GET, "/api/v1/export", PathEnv(Viewer)),
        (Method::POST, "/api/v1/import/preview", PathEnv(Viewer)),
        (Method::GET, "/api/v1/aws/status", PathEnv(Viewer)),
        (Method::GET, "/api/v1/aws/refresh", PathEnv(Viewer)),
        (Method::POST, "/api/v1/aws/refresh", PathEnv(Editor)),
        (Method::GET, "/api/v1/aws/catalog", PathEnv(Viewer)),
        (Method::POST, "/api/v1/aws/test", PathEnv(Editor)),
        (Method::POST, "/api/v1/aws/test/stream", PathEnv(Editor)),
        (Method::POST, "/api/v1/aws/check", PathEnv(Editor)),
        (Method::GET, "/api/v1/aws/profiles", PathEnv(Viewer)),
        (Method::POST, "/api/v1/aws/profiles", PathEnv(Admin)),
        (Method::DELETE, "/api/v1/aws/profiles/{profile}", PathEnv(Admin)),
        (Method::POST, "/api/v1/aws/bind-required", PathEnv(Editor)),
        (Method::GET, "/api/v1/envs/{env}/bindings", PathEnv(Viewer)),
        (Method::PUT, "/api/v1/envs/{env}/bindings", PathEnv(Editor)),
        (Method::POST, "/api/v1/envs/{env}/bindings/bind", PathEnv(Editor)),
        (Method::POST, "/api/v1/envs/{env}/bindings/unbind", PathEnv(Editor)),
        (Method::GET, "/api/v1/envs/{env}/presets", PathEnv(Viewer)),
        (Method::PUT, "/api/v1/envs/{env}/presets/{model}", PathEnv(Editor)),
        (Method::DELETE, "/api/v1/envs/{env}/presets/{model}", PathEnv(Editor)),
        (Method::GET, "/api/v1/envs/{env}/export", PathEnv(Viewer)),
        (Method::POST, "/api/v1/envs/{env}/import/preview", PathEnv(Viewer)),
        (Method::GET, "/api/v1/envs/{env}/aws/status", PathEnv(Viewer)),
        (Method::GET, "/api/v1/envs/{env}/aws/refresh", PathEnv(Viewer)),
        (Method::POST, "/api/v1/envs/{env}/aws/refresh", PathEnv(Editor)),
        (Method::GET, "/api/v1/envs/{env}/aws/catalog", PathEnv(Viewer)),
        (Method::POST, "/api/v1/envs/{env}/aws/test", PathEnv(Editor)),
        (Method::POST, "/api/v1/envs/{env}/aws/test/stream", PathEnv(Editor)),
        (Method::POST, "/api/v1/envs/{env}/aws/check", PathEnv(Editor)),
        (Method::GET, "/api/v1/envs/{env}/aws/profiles", PathEnv(Viewer)),
        (Method::POST, "/api/v1/envs/{env}/aws/profiles", PathEnv(Admin)),
        (Method::DELETE, "/api/v1/envs/{env}/aws/profiles/{profile}", PathEnv(Admin)),
        (Method::POST, "/api/v1/envs/{env}/aws/bind-required", PathEnv(Editor)),
        // Environments.
        (Method::GET, "/api/v1/envs", Anywhere(Viewer)),
        (Method::POST, "/api/v1/envs", Body(&[("name", Admin), ("from", Viewer)])),
        (Method::GET, "/api/v1/envs/{env}", PathEnv(Viewer)),
        (Method::DELETE, "/api/v1/envs/{env}", PathEnv(Admin)),
        (Method::PUT, "/api/v1/envs/{env}/settings", PathEnv(Admin)),
        (Method::GET, "/api/v1/envs/{env}/history", PathEnv(Viewer)),
        (Method::GET, "/api/v1/envs/{env}/health", PathEnv(Viewer)),
        (Method::POST, "/api/v1/envs/{env}/revert", PathEnv(Editor)),
        (Method::GET, "/api/v1/envs/{env}/usage", PathEnv(Viewer)),
        (Method::GET, "/api/v1/envs/{env}/usage/sparkline.svg", PathEnv(Viewer)),
        // Change requests: an editor proposes, another admin approves or rejects.
        (Method::GET, "/api/v1/envs/{env}/requests", PathEnv(Viewer)),
        (Method::POST, "/api/v1/envs/{env}/requests", PathEnv(Editor)),
        (Method::GET, "/api/v1/envs/{env}/requests/{id}", PathEnv(Viewer)),
        (Method::POST, "/api/v1/envs/{env}/requests/{id}/approve", PathEnv(Admin)),
        (Method::POST, "/api/v1/envs/{env}/requests/{id}/reject", PathEnv(Admin)),
        (Method::POST, "/api/v1/envs/{env}/requests/{id}/rebase", PathEnv(Editor)),
        (Method::GET, "/api/v1/diff", Query(&[("from", Viewer), ("to", Viewer)])),
        (Method::POST, "/api/v1/promote", Body(&[("to", Admin), ("from", Viewer)])),
        // The apps' read API.
        (Method::GET, "/v1/envs/{env}/inference.txt", PathEnv(Viewer)),
        (Method::GET, "/v1/envs/{env}/resolve", PathEnv(Viewer)),
        // Signing in from a browser (`server::session`): the page and signing in or out need
        // nobody (a token is what signing in proves); who the session is needs someone.
        (Method::GET, "/signin", Public),
        (Method::GET, "/api/v1/session", Identified),
        (Method::POST, "/api/v1/session", Public),
        (Method::DELETE, "/api/v1/session", Public),
    ]
};

/// What `method` on the route `route` needs, if the table has it.
pub fn need(method: &Method, route: &str) -> Option<Need> {
    let method = if method == Method::HEAD { &Method::GET } else { method };
    RULES.iter().find(|(m, path, _)| m == method && *path == route).map(|(_, _, need)| *need)
}

/// The middleware: identifies the caller (401 if it cannot), refuses a mutation a cookie
/// authenticated without the CSRF header (403, `session::check_csrf`), checks the route's need
/// against their grants (403), and hands the [`Identity`] on in the request's extensions. Installed
/// only when the server has an auth file. The UI's files are public (they hold no data);
/// anything else without a route is refused.
pub(super) async fn authorize(State(auth): State<Arc<Auth>>, request: Request, next: Next) -> Response {
    let Some(route) = request.extensions().get::<MatchedPath>().map(|path| path.as_str().to_owned()) else {
        // The fallback: the UI's files, and JSON 404s for unknown API paths.
        return next.run(request).await;
    };
    let need = need(request.method(), &route);
    if need == Some(Need::Public) {
        return next.run(request).await;
    }
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
    let identity = match auth.authenticate(request.headers(), peer) {
        Ok((identity, proof)) => {
            // A cookie rides along on requests other sites start too: a mutation it
            // authenticates must prove it comes from the app's own pages.
            if let Err(error) = super::session::check_csrf(request.method(), request.headers(), proof) {
                return error.into_response();
            }
            identity
        }
        Err(why) => return AppError::Unauthenticated(unidentified_message(why)).into_response(),
    };
    // A method the table has no rule for is one the route does not have, or one added without
    // a rule: either way it is not served.
    let Some(need) = need else { return AppError::MethodNotAllowed.into_response() };
    let (request, envs) = match environments(need, request).await {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    for (target, role) in &envs {
        let (allowed, on) = match target {
            Target::Env(env) => (allows(&identity.grants, *role, Some(env)), format!("`{env}`")),
            Target::Anywhere => (role_anywhere(&identity.grants, *role), "some environment".to_owned()),
            Target::Everywhere => (allows(&identity.grants, *role, None), "every environment".to_owned()),
        };
        if !allowed {
            return AppError::Forbidden(format!("`{}` needs the {role} role on {on} for this", identity.name))
                .into_response();
        }
    }
    let mut request = request;
    request.extensions_mut().insert(identity);
    next.run(request).await
}

fn unidentified_message(why: Unidentified) -> String {
    match why {
        Unidentified::Missing => "sign in: at /signin in a browser, or send `Authorization: Bearer TOKEN` (tokens \
                                  come from `bedrock-binder token create`)"
            .to_owned(),
        Unidentified::InvalidSession => {
            "the session has ended (it expired, or its token was revoked): sign in again at /signin".to_owned()
        }
        Unidentified::UnknownToken => "the token is not known to this server (revoked, or mistyped)".to_owned(),
        Unidentified::UnknownUser => "the signed-in user has no role on this server".to_owned(),
    }
}

/// Where a role is needed.
enum Target {
    /// On this environment.
    Env(EnvName),
    /// On at least one environment.
    Anywhere,
    /// On every environment (a grant without environments).
    Everywhere,
}

/// Whether some grant gives `role` on some environment.
fn role_anywhere(grants: &[bedrock_binder_shared::access::Grant], role: Role) -> bool {
    grants.iter().any(|grant| grant.role >= role)
}

/// The environments `need` names in `request`, each with the role needed there. A body is read
/// (within the limit) and put back.
async fn environments(need: Need, request: Request) -> Result<(Request, Vec<(Target, Role)>), AppError> {
    let parse = |field: &str, value: &str| -> Result<EnvName, AppError> {
        value.trim().parse().map_err(|error| AppError::InvalidRequest(format!("`{field}`: {error}")))
    };
    match need {
        Need::Public | Need::Identified => Ok((request, Vec::new())),
        Need::Anywhere(role) => Ok((request, vec![(Target::Anywhere, role)])),
        Need::PathEnv(role) => {
            let (mut parts, body) = request.into_parts();
            // A route without parameters has none to read: it acts on `default`.
            let named = match RawPathParams::from_request_parts(&mut parts, &()).await {
                Ok(params) => params.iter().find(|(key, _)| *key == "env").map(|(_, name)| parse("env", name)),
                Err(_) => None,
            };
            let env = named.transpose()?.unwrap_or_default();
            Ok((Request::from_parts(parts, body), vec![(Target::Env(env), role)]))
        }
        Need::Query(fields) => {
            let Query(query) = Query::<HashMap<String, String>>::try_from_uri(request.uri())
                .map_err(|error| AppError::InvalidQuery(error.body_text()))?;
            let mut envs = Vec::new();
            for (field, role) in fields {
                let value =
                    query.get(*field).ok_or_else(|| AppError::InvalidQuery(format!("{field}: name an environment")))?;
                envs.push((Target::Env(parse(field, value)?), *role));
            }
            Ok((request, envs))
        }
        Need::Body(fields) => {
            let (parts, body) = request.into_parts();
            let bytes =
                to_bytes(body, BODY_LIMIT).await.map_err(|_| AppError::PayloadTooLarge { limit: BODY_LIMIT })?;
            let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            let mut envs = Vec::new();
            for (field, role) in fields {
                if let Some(value) = json.get(field).and_then(serde_json::Value::as_str) {
                    envs.push((Target::Env(parse(field, value)?), *role));
                }
            }
            // Without the fields the handler refuses the body; the need still has to hold on
            // every environment so that a malformed body learns nothing.
            if envs.is_empty() {
                envs.extend(fields.iter().map(|(_, role)| (Target::Everywhere, *role)));
            }
            Ok((Request::from_parts(parts, Body::from(bytes)), envs))
        }
    }
}
