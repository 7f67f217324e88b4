//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of the JSON API (`/api/v1`), the
//! apps' read API (`/v1`) and the sign-in page, for client authors and for the fuzzing run
//! (`scripts/schemathesis.sh`).
//!
//! Every route is one line of [`routes`]: its method and path, a summary, and the types its
//! handler reads and answers. The bodies' schemas are those types' own (`ToSchema` derives on
//! `shared::api`, behind `shared`'s `openapi` feature); who may call a route is read from
//! [`access::RULES`](super::access::RULES); every route answers a 4xx or 5xx with the shared
//! [`ErrorBody`].
//!
//! **Adding a route** is one line in [`routes`], e.g.
//! `post("/api/v1/envs/{env}/thing", "Do the thing").json::<ThingRequest>().ok::<ThingResponse>()`,
//! plus `#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]` on any new `shared::api`
//! type it names. A route registered through `env::per_env` is written once, without its
//! prefix, with `.per_env()`. Path parameters come from the path's `{…}`.
//! `tests/e2e/openapi.rs` fails while a route of `RULES` is missing here, or one here is not in
//! `RULES`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::Router;
use axum::http::{HeaderValue, Method, header};
use axum::response::IntoResponse;
use axum::routing;
use bedrock_binder_shared::api::{
    AwsCatalogQuery, AwsCatalogResponse, AwsStatus, BindRequest, BindRequiredPreview, BindRequiredRequest,
    BindingsResponse, CatalogQuery, CatalogResponse, ChangeRequest, ChangeRequestList, CheckRequest, CheckResponse,
    CreateEnvRequest, CreateProfileRequest, CreateProfileResponse, DecideRequest, DeleteProfileQuery,
    DeleteProfileResponse, EnvDiffResponse, EnvHealth, EnvListResponse, EnvSettings, EnvSummary, ErrorBody,
    ExportQuery, Health, HistoryResponse, ImportPreview, PresetsResponse, ProfilesResponse, PromoteRequest,
    PromoteResponse, ProposeRequest, RefreshProgress, RefreshRequest, ResolveResponse, RevertRequest, SessionInfo,
    SignInRequest, SparklineQuery, TestRequest, TestResponse, TestStreamEvent, UnbindRequest, UsageQuery,
    UsageResponse,
};
use bedrock_binder_shared::preset::PresetFields;
use serde_json::json;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, Parameter, ParameterBuilder, ParameterIn, Paths};
use utoipa::openapi::request_body::{RequestBody, RequestBodyBuilder};
use utoipa::openapi::response::{Response as Answer, ResponseBuilder};
use utoipa::openapi::schema::{ComponentsBuilder, Object, ObjectBuilder, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Ref, RefOr, Required, Schema};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use super::AppState;
use super::access::{Need, need};

/// Where the description is served.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

pub(super) fn router() -> Router<AppState> {
    Router::new().route(OPENAPI_PATH, routing::get(serve_description))
}

/// Every documented route. One line each; see the module's doc.
fn routes() -> Vec<Route> {
    vec![
        get("/api/v1/health", "Whether the server is up, and its version").ok::<Health>(),
        get(OPENAPI_PATH, "This description (OpenAPI 3.1)").ok_json_object("The OpenAPI document"),
        get("/api/v1/catalog", "The offline model catalog, filtered").query::<CatalogQuery>().ok::<CatalogResponse>(),
        // The bindings half: at `/api/v1/…` on `default`, and at `/api/v1/envs/{env}/…`.
        get("/bindings", "The file, parsed and validated").per_env().if_none_match().ok::<BindingsResponse>(),
        put("/bindings", "Replace the whole file").per_env().if_match().text().ok::<BindingsResponse>().proposes(),
        post("/bindings/bind", "Bind a model").per_env().if_match().json::<BindRequest>().ok::<BindingsResponse>(),
        post("/bindings/unbind", "Unbind a model").per_env().if_match().json::<UnbindRequest>().ok::<BindingsResponse>(),
        get("/presets", "Each binding's preset, with the settings' version as ETag").per_env().ok::<PresetsResponse>(),
        put("/presets/{model}", "Set a binding's preset (an empty object clears it)").per_env().if_match().json::<PresetFields>().ok::<PresetsResponse>().proposes(),
        delete("/presets/{model}", "Clear a binding's preset").per_env().if_match().ok::<PresetsResponse>().proposes(),
        get("/export", "The file byte for byte, or it for another tool, as a download").per_env().query::<ExportQuery>().ok_text("The artefact: the file (text/plain; empty if there is none), litellm and librechat YAML (application/yaml), json, step-functions, iam-policy and cloudformation JSON (application/json)"),
        post("/import/preview", "What applying a text would change").per_env().text().ok::<ImportPreview>(),
        get("/aws/status", "Whether the server has AWS credentials").per_env().param::<bool>("fresh", "Ask anew").ok::<AwsStatus>(),
        get("/aws/refresh", "The latest refresh's progress").per_env().ok::<RefreshProgress>(),
        post("/aws/refresh", "Fetch regions now").per_env().json::<RefreshRequest>().ok::<RefreshProgress>(),
        get("/aws/catalog", "Live data over the offline catalog").per_env().query::<AwsCatalogQuery>().ok::<AwsCatalogResponse>(),
        post("/aws/test", "Call a model through its binding").per_env().json::<TestRequest>().ok::<TestResponse>(),
        post("/aws/test/stream", "Call a model, streamed").per_env().json::<TestRequest>().ok_events::<TestStreamEvent>(),
        post("/aws/check", "Check bindings without invoking a model").per_env().json::<CheckRequest>().ok::<CheckResponse>(),
        get("/aws/profiles", "The account's application profiles").per_env().param::<String>("region", "The region").ok::<ProfilesResponse>(),
        post("/aws/profiles", "Create an application profile").per_env().if_match().json::<CreateProfileRequest>().created::<CreateProfileResponse>(),
        delete("/aws/profiles/{profile}", "Delete an application profile").per_env().query::<DeleteProfileQuery>().ok::<DeleteProfileResponse>(),
        post("/aws/bind-required", "Preview binding every unbound profile-only model").per_env().json::<BindRequiredRequest>().ok::<BindRequiredPreview>(),
        // Environments.
        get("/api/v1/envs", "Every environment").ok::<EnvListResponse>(),
        post("/api/v1/envs", "Create an environment").json::<CreateEnvRequest>().created::<EnvSummary>(),
        get("/api/v1/envs/{env}", "One environment").ok::<EnvSummary>(),
        delete("/api/v1/envs/{env}", "Delete an environment (its history is kept)").if_match().no_content(),
        put("/api/v1/envs/{env}/settings", "Replace its settings").if_match().json::<EnvSettings>().ok::<EnvSummary>(),
        get("/api/v1/envs/{env}/history", "Its committed changes, newest first").ok::<HistoryResponse>(),
        get("/api/v1/envs/{env}/health", "What the scheduled check of its bindings last found (answered from memory)").ok::<EnvHealth>(),
        get("/api/v1/envs/{env}/usage", "Calls, tokens, throttles and errors per binding, from CloudWatch").query::<UsageQuery>().ok::<UsageResponse>(),
        get("/api/v1/envs/{env}/usage/sparkline.svg", "One binding's usage as a small SVG (the numbers in its title)").query::<SparklineQuery>().answer("200", "The image (also when AWS cannot be read: it says why)", "image/svg+xml", String::schema()),
        post("/api/v1/envs/{env}/revert", "Restore an earlier change's text").if_match().json::<RevertRequest>().ok::<BindingsResponse>().proposes(),
        get("/api/v1/diff", "What differs between two environments").required::<String>("from", "An environment").required::<String>("to", "An environment").ok::<EnvDiffResponse>(),
        post("/api/v1/promote", "Preview, or apply, a promote").if_match().json::<PromoteRequest>().ok::<PromoteResponse>().proposes(),
        // Change requests.
        get("/api/v1/envs/{env}/requests", "Its change requests, newest first").ok::<ChangeRequestList>(),
        post("/api/v1/envs/{env}/requests", "Propose a change").if_match().json::<ProposeRequest>().created::<ChangeRequest>(),
        get("/api/v1/envs/{env}/requests/{id}", "One change request").ok::<ChangeRequest>(),
        post("/api/v1/envs/{env}/requests/{id}/approve", "Approve and apply it").json::<DecideRequest>().ok::<ChangeRequest>(),
        post("/api/v1/envs/{env}/requests/{id}/reject", "Reject it").json::<DecideRequest>().ok::<ChangeRequest>(),
        post("/api/v1/envs/{env}/requests/{id}/rebase", "Make it again on the current version").created::<ChangeRequest>(),
        // The apps' read API.
        get("/v1/envs/{env}/inference.txt", "The file, byte for byte").if_none_match().ok_text("The stored bytes"),
        get("/v1/envs/{env}/resolve", "What an app calls for a model").required::<String>("model", "The model id").ok::<ResolveResponse>(),
        // Signing in from a browser.
        get("/signin", "The sign-in page").param::<String>("next", "Where to go after").ok_html().see_other(),
        get("/api/v1/session", "Who the request is, and their grants").ok::<SessionInfo>(),
        post("/api/v1/session", "Sign in with a token (the page posts a form)").json::<SignInRequest>().ok::<SessionInfo>(),
        delete("/api/v1/session", "Sign out").no_content(),
    ]
}

/// `GET /api/v1/openapi.json`. Built once: it is the same for the server's whole life.
async fn serve_description() -> axum::response::Response {
    static JSON: OnceLock<Vec<u8>> = OnceLock::new();
    let json =
        JSON.get_or_init(|| serde_json::to_vec(&description()).expect("a document of maps and strings serialises"));
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], json.as_slice()).into_response()
}

/// The whole document.
pub fn description() -> OpenApi {
    let mut paths = Paths::new();
    let mut schemas = BTreeMap::new();
    for route in routes() {
        schemas.extend(route.schemas.iter().cloned());
        for path in route.paths() {
            let operation = route.operation(&path);
            paths.add_path_operation(&path, vec![http_method(&route.method)], operation);
        }
    }
    let bearer = Http::builder()
        .scheme(HttpAuthScheme::Bearer)
        .description(Some(
            "A token from `bedrock-binder token create` (servers with an auth file; without one, none is needed)",
        ))
        .build();
    let components = ComponentsBuilder::new()
        .schemas_from_iter(schemas)
        .security_scheme(BEARER, SecurityScheme::Http(bearer))
        .build();
    let info = InfoBuilder::new()
        .title("bedrock-binder")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "The API of a bedrock-binder server: `/api/v1` for the web app and the CLI, `/v1` for the apps that read \
             bindings. Every 4xx and 5xx answer carries an `ErrorBody`.",
        ))
        .build();
    OpenApiBuilder::new()
        .info(info)
        .paths(paths)
        .components(Some(components))
        .security(Some([SecurityRequirement::new(BEARER, Vec::<String>::new())]))
        .build()
}

/// The name of the bearer-token security scheme.
const BEARER: &str = "bearer";

/// One route's description, built by chaining from [`get`], [`post`], [`put`] or [`delete`].
struct Route {
    method: Method,
    /// The whole path; with `per_env`, the part after `/api/v1`.
    path: &'static str,
    per_env: bool,
    summary: &'static str,
    /// Query and header parameters (path parameters come from the path).
    parameters: Vec<Parameter>,
    body: Option<RequestBody>,
    answers: Vec<(&'static str, Answer)>,
    /// The named schemas the route refers to, with those they refer to.
    schemas: Vec<(String, RefOr<Schema>)>,
}

fn route(method: Method, path: &'static str, summary: &'static str) -> Route {
    Route {
        method,
        path,
        per_env: false,
        summary,
        parameters: Vec::new(),
        body: None,
        answers: Vec::new(),
        schemas: Vec::new(),
    }
}

fn get(path: &'static str, summary: &'static str) -> Route {
    route(Method::GET, path, summary)
}

fn post(path: &'static str, summary: &'static str) -> Route {
    route(Method::POST, path, summary)
}

fn put(path: &'static str, summary: &'static str) -> Route {
    route(Method::PUT, path, summary)
}

fn delete(path: &'static str, summary: &'static str) -> Route {
    route(Method::DELETE, path, summary)
}

impl Route {
    /// Registered through `env::per_env`: at `/api/v1{path}` (on `default`) and at
    /// `/api/v1/envs/{env}{path}`.
    fn per_env(mut self) -> Self {
        self.per_env = true;
        self
    }

    /// The query parameters of a `shared::api` query type.
    fn query<T: IntoParams>(mut self) -> Self {
        self.parameters.extend(T::into_params(|| Some(ParameterIn::Query)));
        self
    }

    /// An optional query parameter.
    fn param<T: PartialSchema>(self, name: &str, description: &str) -> Self {
        self.query_parameter::<T>(name, description, Required::False)
    }

    /// A query parameter the route refuses to go without (400).
    fn required<T: PartialSchema>(self, name: &str, description: &str) -> Self {
        self.query_parameter::<T>(name, description, Required::True)
    }

    fn query_parameter<T: PartialSchema>(mut self, name: &str, description: &str, required: Required) -> Self {
        let parameter = ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Query)
            .required(required)
            .description(Some(description))
            .schema(Some(T::schema()));
        self.parameters.push(parameter.build());
        self
    }

    fn header(mut self, name: &str, description: &str) -> Self {
        let parameter = ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(description))
            .schema(Some(String::schema()));
        self.parameters.push(parameter.build());
        self
    }

    /// A write made against a version: 428 without `If-Match`, 412 when it is not current.
    fn if_match(self) -> Self {
        self.header("If-Match", "The version (ETag) the change was made against; 412 when it is not current")
            .answer_empty("412", "The version changed: nothing was written (an `ErrorBody` with the current one)")
    }

    /// A conditional read: 304 when `If-None-Match` names the current version.
    fn if_none_match(self) -> Self {
        self.header("If-None-Match", "A version (ETag) the client has").answer_empty("304", "Not modified")
    }

    /// A JSON body of `T`.
    fn json<T: ToSchema>(mut self) -> Self {
        let schema = self.refer::<T>();
        self.body = Some(body("application/json", schema));
        self
    }

    /// A UTF-8 `text/plain` body: a whole `inference.txt`.
    fn text(mut self) -> Self {
        self.body = Some(body("text/plain", String::schema()));
        self
    }

    /// 200 with a JSON `T`.
    fn ok<T: ToSchema>(mut self) -> Self {
        let schema = self.refer::<T>();
        self.answer("200", "OK", "application/json", schema)
    }

    /// 201 with a JSON `T`.
    fn created<T: ToSchema>(mut self) -> Self {
        let schema = self.refer::<T>();
        self.answer("201", "Created", "application/json", schema)
    }

    /// 200 with some JSON object.
    fn ok_json_object(self, description: &'static str) -> Self {
        self.answer("200", description, "application/json", Object::with_type(Type::Object).into())
    }

    /// 200 with `text/plain`.
    fn ok_text(self, description: &'static str) -> Self {
        self.answer("200", description, "text/plain", String::schema())
    }

    /// 200 with an HTML page.
    fn ok_html(self) -> Self {
        self.answer("200", "The page", "text/html", String::schema())
    }

    /// 200 with server-sent events: each event's `event` names its kind and its `data` is a JSON
    /// `T`. (Before OpenAPI 3.2, a stream's `schema` describes one event.)
    fn ok_events<T: ToSchema>(mut self) -> Self {
        let payload = serde_json::to_value(self.refer::<T>()).expect("a reference serialises");
        // utoipa's `Object` has no `contentSchema`; its extension map is written into the object
        // as it is, so the two JSON Schema keywords go there.
        let content =
            Extensions::from_iter([("contentMediaType", json!("application/json")), ("contentSchema", payload)]);
        let data = ObjectBuilder::new().schema_type(Type::String).extensions(Some(content));
        let event = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("event", String::schema())
            .required("event")
            .property("data", data)
            .required("data");
        self.answer("200", "Server-sent events", "text/event-stream", Schema::Object(event.build()).into())
    }

    fn no_content(self) -> Self {
        self.answer_empty("204", "Done")
    }

    fn see_other(self) -> Self {
        self.answer_empty("303", "Sent on (`Location`)")
    }

    /// On a protected environment (with auth on) the change becomes a change request: 202 with
    /// an `ErrorBody` of code `change-requested`, its address in `Location`.
    fn proposes(mut self) -> Self {
        let schema = self.refer::<ErrorBody>();
        self.answer("202", "Not written: proposed as a change request (`change-requested`)", "application/json", schema)
    }

    fn answer(mut self, status: &'static str, description: &str, media: &str, schema: RefOr<Schema>) -> Self {
        let content = ContentBuilder::new().schema(Some(schema)).build();
        self.answers.push((status, ResponseBuilder::new().description(description).content(media, content).build()));
        self
    }

    fn answer_empty(mut self, status: &'static str, description: &str) -> Self {
        self.answers.push((status, ResponseBuilder::new().description(description).build()));
        self
    }

    /// A reference to `T`'s schema, which the document's components then hold.
    fn refer<T: ToSchema>(&mut self) -> RefOr<Schema> {
        self.schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(&mut self.schemas);
        RefOr::Ref(Ref::from_schema_name(T::name()))
    }

    /// The paths the route is served at.
    fn paths(&self) -> Vec<String> {
        if self.per_env {
            vec![format!("/api/v1{}", self.path), format!("/api/v1/envs/{{env}}{}", self.path)]
        } else {
            vec![self.path.to_owned()]
        }
    }

    /// The operation at `path`: its parameters, body and answers, who may call it, and the
    /// error body of every failure.
    fn operation(&self, path: &str) -> utoipa::openapi::path::Operation {
        let rule = need(&self.method, path);
        let mut operation = OperationBuilder::new()
            .summary(Some(self.summary))
            .description(Some(format!("Needs {}.", rule.map_or_else(|| "a rule in access::RULES".to_owned(), needs))))
            .operation_id(Some(operation_id(&self.method, path)))
            .parameters(Some(path_parameters(path).into_iter().chain(self.parameters.iter().cloned())))
            .request_body(self.body.clone());
        for (status, answer) in &self.answers {
            operation = operation.response(*status, answer.clone());
        }
        let error = || {
            let content =
                ContentBuilder::new().schema(Some(RefOr::Ref(Ref::from_schema_name(ErrorBody::name())))).build();
            ResponseBuilder::new().description("The shared error body").content("application/json", content).build()
        };
        operation = operation.response("4XX", error()).response("5XX", error());
        if rule == Some(Need::Public) {
            // An empty requirement: no credentials needed.
            operation = operation.security(SecurityRequirement::default());
        }
        operation.build()
    }
}

fn body(media: &str, schema: RefOr<Schema>) -> RequestBody {
    RequestBodyBuilder::new()
        .required(Some(Required::True))
        .content(media, ContentBuilder::new().schema(Some(schema)).build())
        .build()
}

/// The parameters a path names in `{…}`.
fn path_parameters(path: &str) -> Vec<Parameter> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            let (schema, description, example) = match name {
                "env" => (env_name_schema(), "An environment's name", json!("default")),
                "id" => (u64::schema(), "A change request's number within the environment", json!(1)),
                "profile" => (String::schema(), "An application inference profile's id or ARN", json!("my-profile")),
                "model" => (String::schema(), "A model id: a binding's key", json!("amazon.nova-pro-v1:0")),
                _ => (String::schema(), "", json!("x")),
            };
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some(description))
                .schema(Some(schema))
                .example(Some(example))
                .build()
        })
        .collect()
}

/// An environment's name as `EnvName` parses it: lower-case letters, digits and `-`, 1 to 32
/// characters, a letter or digit at both ends.
fn env_name_schema() -> RefOr<Schema> {
    let pattern = "^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$";
    Schema::Object(ObjectBuilder::new().schema_type(Type::String).pattern(Some(pattern)).build()).into()
}

/// `get_api_v1_envs_env_bindings`.
fn operation_id(method: &Method, path: &str) -> String {
    let words: Vec<&str> = path.split(|c: char| !c.is_ascii_alphanumeric()).filter(|word| !word.is_empty()).collect();
    format!("{}_{}", method.as_str().to_ascii_lowercase(), words.join("_"))
}

/// What a rule needs, in words.
fn needs(rule: Need) -> String {
    let roles = |fields: &[(&str, bedrock_binder_shared::access::Role)], from: &str| {
        let each: Vec<String> = fields.iter().map(|(field, role)| format!("{role} on `{field}`")).collect();
        format!("{} (environments named in the {from})", each.join(" and "))
    };
    match rule {
        Need::Public => "nothing: anyone may call it".to_owned(),
        Need::Identified => "a signed-in caller, whatever their role".to_owned(),
        Need::Anywhere(role) => format!("the {role} role on some environment"),
        Need::PathEnv(role) => format!("the {role} role on the path's environment (`default` without one)"),
        Need::Query(fields) => roles(fields, "query"),
        Need::Body(fields) => roles(fields, "body"),
    }
}

fn http_method(method: &Method) -> HttpMethod {
    match *method {
        Method::POST => HttpMethod::Post,
        Method::PUT => HttpMethod::Put,
        Method::DELETE => HttpMethod::Delete,
        Method::PATCH => HttpMethod::Patch,
        Method::HEAD => HttpMethod::Head,
        Method::OPTIONS => HttpMethod::Options,
        _ => HttpMethod::Get,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_per_environment_route_is_described_at_both_of_its_paths_with_the_env_parameter() {
        let document = serde_json::to_value(description()).expect("json");
        let paths = &document["paths"];
        assert!(paths["/api/v1/bindings"]["get"].is_object());
        let per_env = &paths["/api/v1/envs/{env}/bindings"]["get"];
        let names: Vec<&str> =
            per_env["parameters"].as_array().expect("parameters").iter().filter_map(|p| p["name"].as_str()).collect();
        assert!(names.contains(&"env") && names.contains(&"If-None-Match"), "{names:?}");
    }

    #[test]
    fn every_operation_answers_failures_with_the_shared_error_body() {
        let document = serde_json::to_value(description()).expect("json");
        let error_ref = "#/components/schemas/ErrorBody";
        for (path, item) in document["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("a path item") {
                for status in ["4XX", "5XX"] {
                    let schema = &operation["responses"][status]["content"]["application/json"]["schema"]["$ref"];
                    assert_eq!(schema, error_ref, "{method} {path} {status}");
                }
            }
        }
        assert!(document["components"]["schemas"]["ErrorBody"]["properties"]["code"].is_object());
    }

    #[test]
    fn operation_ids_are_the_method_and_the_path_words() {
        assert_eq!(operation_id(&Method::GET, "/api/v1/envs/{env}/bindings"), "get_api_v1_envs_env_bindings");
        assert_eq!(operation_id(&Method::GET, "/v1/envs/{env}/inference.txt"), "get_v1_envs_env_inference_txt");
    }
}
