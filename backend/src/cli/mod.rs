//! The `bedrock-binder` command line: arguments, and the commands that read and edit the
//! binding file. Output keeps TPipe's line formats (`N. MODEL -> PROFILE`, `Total: N models`)
//! so its users feel at home; `--json` prints the same facts as JSON.

mod aws;
mod edit;
mod envs;
mod error;
mod export;
mod listing;
mod menu;
mod presets;
mod profiles;
mod pull;
mod remote;
mod report;
mod serve;
mod tokens;
mod usage;

use std::io::{self, BufRead, Write};
use std::net::SocketAddr;
use std::path::PathBuf;

use bedrock_binder_shared::api::ExportFormat;
use bedrock_binder_shared::env_name::EnvName;
use bedrock_binder_shared::fact_source::stale_embedded_notice;
use bedrock_binder_shared::{Catalog, Document, Region, Version};
use clap::{Parser, Subcommand};

use crate::aws::AwsSettings;
use crate::aws::saved_discoveries::SavedDiscoveries;
use crate::dated_catalog::today;
use crate::envs::{Environments, os_user};
use crate::storage::{ChangeKind, ChangeMeta};
use crate::store::Snapshot;

pub use error::CliError;

/// Manage AWS Bedrock inference bindings: which id or ARN to call for each model.
#[derive(Debug, Parser)]
#[command(name = "bedrock-binder", version, about)]
pub struct Cli {
    /// The binding file [default: ~/.aws/inference.txt].
    #[arg(long, global = true, env = "BEDROCK_INFERENCE_FILE", value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// A store of environments: a directory, or `s3://BUCKET/PREFIX` (AWS's credential chain,
    /// `AWS_ENDPOINT_URL_S3`); without one, the file is the one environment `default`.
    #[arg(long, global = true, env = "BEDROCK_BINDER_STORE", value_name = "DIR|s3://BUCKET/PREFIX")]
    pub store: Option<PathBuf>,
    /// How long an S3 store reuses a read before asking S3 again, in milliseconds (writes always
    /// ask).
    #[arg(long, global = true, env = "BEDROCK_BINDER_S3_READ_TTL_MS", value_name = "MS", default_value_t = 1000)]
    pub s3_read_ttl_ms: u64,
    /// The environment the command works on [default: `default`]; `token create` takes it
    /// once per environment the token is for.
    #[arg(long = "env", global = true, env = "BEDROCK_BINDER_ENV", value_name = "NAME", action = clap::ArgAction::Append)]
    pub envs: Vec<EnvName>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// A team server (`bedrock-binder serve`), `http://…` or `https://…` (the system's root
    /// certificates). `list`, `search`, `provider`, `region`, `show`, `bind`, `unbind`, `validate`,
    /// `export`, `history`, `promote`, `env …` and the menu then act on the server's environment
    /// through its API, with the same output and exit codes; `pull` copies from it. The commands
    /// that work on this machine only (`init`, `revert`, `serve`, `token`, `copy-store` and the AWS
    /// commands) refuse it, and so does --store (both would say where the environments are).
    #[arg(long, global = true, env = "BEDROCK_BINDER_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// A file holding the API token sent to --server as `Authorization: Bearer` (`token create`
    /// prints one) [default: the token itself in BEDROCK_BINDER_TOKEN]. Never printed.
    #[arg(long, global = true, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// What to do; with none on a terminal, an interactive menu starts.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every catalog model and every model in the file, with its binding.
    List {
        /// Only models whose id contains this text (case-insensitive).
        filter: Option<String>,
    },
    /// Search models by id, name or provider (case-insensitive substring).
    Search {
        /// The text to look for.
        term: String,
    },
    /// List the models of one provider (`anthropic` also finds `us.anthropic…`).
    Provider {
        /// Provider name, as in the model id (`amazon`, `meta`, …).
        name: String,
    },
    /// List the models the catalog has in one region.
    Region {
        /// Region name, such as `us-east-1`.
        name: String,
    },
    /// Bind a model to a profile id or ARN; with no profile, call it directly.
    Bind {
        /// The model id (the key).
        model: String,
        /// A system profile id, an ARN, or a model id; omit to call the model directly.
        profile: Option<String>,
        /// Bind a model the catalog does not know.
        #[arg(long)]
        force: bool,
    },
    /// Remove every binding line of a model.
    Unbind {
        /// The model id.
        model: String,
    },
    /// Show the models bound to a profile.
    Show,
    /// Check the file; exits 1 if there is any error.
    Validate,
    /// Write a default file listing the catalog, grouped by provider.
    Init {
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Print the file for another app or environment, or the bindings for another tool.
    Export {
        /// `inference-txt` (the file byte for byte), `json` (the resolved bindings, kinds, base
        /// models and presets), `litellm` (a LiteLLM proxy model_list), `librechat` (LibreChat's
        /// endpoints.bedrock), `step-functions` (a state machine of bedrock:invokeModel tasks),
        /// `iam-policy` (least privilege for invoking the bindings) or `cloudformation` (the
        /// application inference profiles as resources).
        #[arg(long, default_value = "inference-txt", value_parser = export::parse_format)]
        format: ExportFormat,
        /// The AWS account the environment's ARNs are in, for `step-functions` and `iam-policy`
        /// without AWS credentials [default: STS's answer for the credentials].
        #[arg(long, value_name = "ID", value_parser = export::parse_account)]
        account: Option<String>,
        /// The AWS region the bindings are called from [default: the environment's].
        #[arg(long, env = "AWS_REGION", value_name = "REGION")]
        region: Option<Region>,
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// Bring an environment's inference.txt from a team server (--server URL, with
    /// --token-file when it wants a token) to the file (--file), writing it only when it
    /// changed; the previous copy stays when the server cannot be reached.
    Pull,
    /// Environments: list, create, delete, diff, settings.
    Env {
        /// What to do.
        #[command(subcommand)]
        action: envs::EnvAction,
    },
    /// Copy bindings from one environment into another, after a preview and the promote gate
    /// (checks against the target's AWS account). Writes only with --yes.
    Promote {
        /// The environment to copy from.
        #[arg(long, value_name = "ENV")]
        from: EnvName,
        /// The environment to write.
        #[arg(long, value_name = "ENV")]
        to: EnvName,
        /// A model whose binding to copy; repeat for several [default: every binding of --from].
        #[arg(long = "model", value_name = "ID")]
        models: Vec<String>,
        /// Why; recorded in the history (required with --force).
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
        /// Write although the gate found errors.
        #[arg(long)]
        force: bool,
        /// Write (without it, only the preview is shown).
        #[arg(long)]
        yes: bool,
    },
    /// The environment's committed changes, newest first.
    History,
    /// Each binding's preset (inference parameters): set, show, clear.
    Preset {
        /// What to do.
        #[command(subcommand)]
        action: presets::PresetAction,
    },
    /// Copy every environment of --store, with its history, into another store (a directory
    /// or `s3://BUCKET/PREFIX`), refusing to overwrite anything there: how a team moves from a
    /// directory to S3.
    CopyStore {
        /// The store to copy into.
        #[arg(long, value_name = "DIR|s3://BUCKET/PREFIX")]
        to: PathBuf,
    },
    /// Restore the text an earlier change produced (with --undo, the text it replaced), as a
    /// new change. Shows the diff; writes only with --yes.
    Revert {
        /// The change's sequence number (see `history`).
        seq: u64,
        /// Undo the change: restore the text as it was before it.
        #[arg(long)]
        undo: bool,
        /// Why; recorded in the history.
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
        /// Write.
        #[arg(long)]
        yes: bool,
    },
    /// The interactive menu (what a bare `bedrock-binder` starts on a terminal).
    Menu,
    /// Serve the web app and its JSON API (under /api/v1) until Ctrl-C or SIGTERM.
    Serve {
        /// The address to listen on; port 0 picks a free port.
        #[arg(long, env = "BEDROCK_BINDER_LISTEN", value_name = "ADDR", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// The AWS region the server calls by default.
        #[arg(long, env = "AWS_REGION", value_name = "REGION")]
        region: Option<Region>,
        /// The largest max tokens a test invocation from the web app may ask for.
        #[arg(long, env = "BEDROCK_BINDER_MAX_TOKENS_CEILING", value_name = "N", default_value_t = 1024)]
        max_tokens_ceiling: u32,
        /// How long discovered models and profiles are reused, in seconds.
        #[arg(long, env = "BEDROCK_BINDER_CATALOG_TTL", value_name = "SECONDS", default_value_t = 900)]
        catalog_ttl: u64,
        #[command(flatten)]
        aws: AwsArgs,
        #[command(flatten)]
        auth: AuthArgs,
        #[command(flatten)]
        limits: LimitArgs,
        #[command(flatten)]
        health: serve::HealthArgs,
    },
    /// API tokens of the server's auth file: create, list, revoke.
    Token {
        /// What to do.
        #[command(subcommand)]
        action: tokens::TokenAction,
        /// The auth file [default: `auth.json` in the --store directory].
        #[arg(long, global = true, env = "BEDROCK_BINDER_AUTH_FILE", value_name = "PATH")]
        auth_file: Option<PathBuf>,
    },
    /// Show whether AWS credentials were found, the profile, region and account, or why not.
    AwsStatus {
        /// The AWS region.
        #[arg(long, env = "AWS_REGION", value_name = "REGION")]
        region: Option<Region>,
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// List models per region, with whether each needs an inference profile there and the
    /// profiles to bind it to.
    Catalog {
        /// Fetch the regions from Bedrock now (needs AWS credentials) instead of using only the
        /// offline catalog.
        #[arg(long)]
        live: bool,
        /// A region to list; repeat (or separate with commas) for several [default: the AWS
        /// region in use].
        #[arg(long = "region", env = "AWS_REGION", value_name = "REGION", value_delimiter = ',')]
        regions: Vec<Region>,
        /// Only models that need an inference profile in the region.
        #[arg(long)]
        requires_profile: bool,
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// Call a model through its binding with a short prompt (Converse), and explain a failure.
    /// Exits 1 if the call fails.
    Test {
        /// The model id (the binding's key); its binding, or the model itself if direct, is sent.
        model: String,
        /// The prompt [default: a one-sentence question].
        #[arg(long)]
        prompt: Option<String>,
        /// The most tokens the reply may have [default: the binding's preset's, else 64].
        #[arg(long, value_name = "N")]
        max_tokens: Option<u32>,
        /// The AWS region to call.
        #[arg(long, env = "AWS_REGION", value_name = "REGION")]
        region: Option<Region>,
        /// Print the reply as it arrives (ConverseStream).
        #[arg(long)]
        stream: bool,
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// Check every binding against AWS without invoking a model: the profile exists in the
    /// region, is active and contains the model; the model is not legacy; access is authorized.
    /// Exits 1 if any check fails.
    Check {
        /// Only these models [default: every binding in the file].
        models: Vec<String>,
        /// The AWS region the bindings are called from.
        #[arg(long, env = "AWS_REGION", value_name = "REGION")]
        region: Option<Region>,
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// Bind every model that needs a profile in the region and is unbound to the top profile
    /// discovered there. Shows the changes; writes them only with --yes.
    BindRequired {
        /// Write the changes.
        #[arg(long)]
        yes: bool,
        /// The AWS region the bindings are for.
        #[arg(long, env = "AWS_REGION", value_name = "REGION")]
        region: Option<Region>,
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// Each binding's calls, tokens, throttles and errors over the last 24 hours and 7 days,
    /// from CloudWatch's AWS/Bedrock metrics; marks bindings without a call in 30 days as
    /// unused, and lists what was called around the bindings.
    Usage {
        /// How far back: whole hours or days, `1h` to `90d`.
        #[arg(long, value_name = "SPAN", default_value = "7d")]
        since: bedrock_binder_shared::api::UsageSpan,
        /// The AWS region whose metrics to read [default: the environment's, else the chain's].
        #[arg(long, env = "AWS_REGION", value_name = "REGION")]
        region: Option<Region>,
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// The account's application inference profiles: list, create, delete.
    Profiles {
        /// What to do.
        #[command(subcommand)]
        action: ProfilesAction,
    },
}

/// `profiles` subcommands.
#[derive(Debug, Subcommand)]
pub enum ProfilesAction {
    /// List the application inference profiles, each with its model and the bindings using it.
    List {
        /// The AWS region.
        #[arg(long, env = "AWS_REGION", value_name = "REGION")]
        region: Option<Region>,
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// Create an application inference profile by copying a foundation model or a system profile.
    Create {
        /// The profile's name: letters and digits, each optionally followed by one space, `_` or `-`.
        name: String,
        /// What to copy: a foundation-model or system inference-profile ARN, or the id of a model or
        /// system profile the region offers.
        #[arg(long, value_name = "ARN_OR_ID")]
        copy_from: String,
        /// A description.
        #[arg(long)]
        description: Option<String>,
        /// A tag; repeat for several.
        #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = profiles::parse_tag)]
        tags: Vec<bedrock_binder_shared::application_profile::ProfileTag>,
        /// Sent as the clientRequestToken: rerun with the same token after a failure and the profile
        /// is still created only once.
        #[arg(long, value_name = "TOKEN")]
        client_request_token: Option<String>,
        /// Also bind the new profile's ARN to its model in the file.
        #[arg(long)]
        bind: bool,
        /// The AWS region to create it in.
        #[arg(long, env = "AWS_REGION", value_name = "REGION")]
        region: Option<Region>,
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// Delete an application inference profile. Without --yes nothing is deleted: the bindings
    /// that point at it are listed and the exit status is 1.
    Delete {
        /// The profile's id or ARN.
        profile: String,
        /// Delete it, even if bindings point at it.
        #[arg(long)]
        yes: bool,
        /// The AWS region.
        #[arg(long, env = "AWS_REGION", value_name = "REGION")]
        region: Option<Region>,
        #[command(flatten)]
        aws: AwsArgs,
    },
}

/// What test invocations through `serve` may spend.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LimitArgs {
    /// Test invocations each user may make per minute [default: no limit].
    #[arg(long, env = "BEDROCK_BINDER_RATE_LIMIT", value_name = "N")]
    pub rate_limit: Option<u32>,
    /// Tokens all test invocations may use per UTC day [default: no limit].
    #[arg(long, env = "BEDROCK_BINDER_DAILY_TOKEN_BUDGET", value_name = "TOKENS")]
    pub daily_token_budget: Option<u64>,
    /// Tokens the test invocations of each environment may use per UTC day [default: no limit].
    #[arg(long, env = "BEDROCK_BINDER_ENV_DAILY_TOKEN_BUDGET", value_name = "TOKENS")]
    pub env_daily_token_budget: Option<u64>,
    /// Where the day's token counts are kept across restarts [default: `usage.json` in the user's
    /// state directory].
    #[arg(long, env = "BEDROCK_BINDER_USAGE_FILE", value_name = "PATH")]
    pub usage_file: Option<PathBuf>,
}

/// How `serve` knows who is asking.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AuthArgs {
    /// The auth file (tokens and SSO users, with their roles): turns authentication on, and
    /// allows listening beyond loopback.
    #[arg(long, env = "BEDROCK_BINDER_AUTH_FILE", value_name = "PATH")]
    pub auth_file: Option<PathBuf>,
    /// An address block of proxies whose identity header is trusted; repeat for several.
    #[arg(long = "trusted-proxy", value_name = "CIDR")]
    pub trusted_proxies: Vec<bedrock_binder_shared::access::Cidr>,
    /// The identity header the trusted proxies send.
    #[arg(long, value_name = "NAME", default_value = crate::auth::DEFAULT_USER_HEADER)]
    pub user_header: String,
    /// Mark the browser's session cookie `Secure` on every answer: the server is reached over
    /// HTTPS through a proxy that does not say so. Without it the cookie is `Secure` when a
    /// trusted proxy sends `X-Forwarded-Proto: https`.
    #[arg(long, env = "BEDROCK_BINDER_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// An origin (`https://tools.example.com`) whose pages may call the API with a bearer
    /// token; repeat for several. Without it no cross-origin request is allowed. Cookies are
    /// never accepted cross-origin.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    pub cors_origins: Vec<crate::server::cors::CorsOrigin>,
}

/// The AWS options shared by the commands that call AWS.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AwsArgs {
    /// The profile of ~/.aws/config to use (SSO profiles included) [default: the default chain].
    // Its own id: `profile` is also the name of `bind`'s and `profiles delete`'s argument.
    #[arg(long = "profile", id = "aws_profile", env = "AWS_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,
}

impl Command {
    /// The command's name when it works on this machine only and so refuses `--server`.
    fn local_only(&self) -> Option<&'static str> {
        Some(match self {
            Command::Init { .. } => "init",
            Command::Revert { .. } => "revert",
            Command::CopyStore { .. } => "copy-store",
            Command::Serve { .. } => "serve",
            Command::Token { .. } => "token",
            Command::AwsStatus { .. } => "aws-status",
            Command::Catalog { .. } => "catalog",
            Command::Test { .. } => "test",
            Command::Check { .. } => "check",
            Command::BindRequired { .. } => "bind-required",
            Command::Profiles { .. } => "profiles",
            Command::Usage { .. } => "usage",
            Command::List { .. }
            | Command::Search { .. }
            | Command::Provider { .. }
            | Command::Region { .. }
            | Command::Bind { .. }
            | Command::Unbind { .. }
            | Command::Show
            | Command::Validate
            | Command::Export { .. }
            | Command::Pull
            | Command::Env { .. }
            | Command::Promote { .. }
            | Command::History
            | Command::Preset { .. }
            | Command::Menu => return None,
        })
    }

    /// Whether the command's output rests on the catalog's knowledge of models, so an old
    /// embedded catalog is worth a note.
    fn consults_the_catalog(&self) -> bool {
        matches!(
            self,
            Command::List { .. }
                | Command::Search { .. }
                | Command::Provider { .. }
                | Command::Region { .. }
                | Command::Bind { .. }
                | Command::Validate
                | Command::Init { .. }
                | Command::Catalog { .. }
        )
    }
}

/// What one command run needs: where the file is, the catalog, and how to print.
pub(crate) struct Session {
    /// Where the environments are: a store, or the one file. With `--server` it is not read:
    /// every command that runs against a server goes through `remote`.
    envs: Environments,
    /// The team server of `--server`, which the file commands act on instead of `envs` and
    /// `pull` copies from.
    remote: Option<remote::Remote>,
    /// The environment file commands work on (`--env`).
    env: EnvName,
    /// The binding file (`--file`), which `pull` writes.
    file: PathBuf,
    /// `--file` when given (`env create NAME --file PATH` reads it).
    file_given: Option<PathBuf>,
    /// Every `--env` given (`token create` grants its role on each).
    grant_envs: Vec<EnvName>,
    /// `--store` when given (the default auth file lives in it).
    store_dir: Option<PathBuf>,
    /// The embedded catalog, evaluated on today's date (`serve` re-evaluates it each day).
    catalog: Catalog,
    json: bool,
}

/// The default binding file, `~/.aws/inference.txt`.
pub fn default_file() -> Result<PathBuf, CliError> {
    std::env::home_dir().map(|home| home.join(".aws").join("inference.txt")).ok_or(CliError::NoHome)
}

/// Runs the command line; the returned code is the process's exit status.
pub fn run(cli: Cli, stdin: &mut dyn BufRead, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<u8, CliError> {
    let command = match cli.command {
        Some(command) => command,
        None if io::IsTerminal::is_terminal(&io::stdin()) => Command::Menu,
        None => return Err(CliError::NoCommand),
    };
    let file_given = cli.file.clone();
    let file = match cli.file {
        Some(path) => path,
        None => default_file()?,
    };
    let remote = connect(cli.server.as_deref(), cli.token_file.as_deref(), cli.store.is_some(), &command)?;
    if let Some(remote) = remote.as_ref().filter(|remote| remote.sends_the_token_in_clear()) {
        writeln!(
            stderr,
            "note: the token goes to {} over plain HTTP, readable on the way; prefer an https:// URL",
            remote.base()
        )?;
    }
    let envs = match (&cli.store, &remote) {
        // Not read: the commands go through the server (`pull` opens its own file).
        (_, Some(_)) => Environments::single_file(&file),
        (Some(store), None) => Environments::open(store, std::time::Duration::from_millis(cli.s3_read_ttl_ms))?,
        (None, None) => Environments::single_file(&file),
    };
    let grant_envs = cli.envs.clone();
    let store_dir = cli.store.clone();
    let env = match (cli.envs.as_slice(), &command) {
        ([], _) => EnvName::default(),
        ([one], _) => one.clone(),
        (_, Command::Token { .. }) => EnvName::default(),
        (_, _) => {
            return Err(CliError::Rejected {
                snippet: None,
                message: "give --env once: a command works on one environment".to_owned(),
            });
        }
    };
    let session = Session {
        envs,
        remote,
        env,
        grant_envs,
        store_dir,
        file,
        file_given,
        catalog: Catalog::embedded().clone().on(today()),
        json: cli.json,
    };
    session.execute(command, stdin, stdout, stderr)
}

/// The team server `command` acts on: `None` without `--server`; refused for a command that
/// works on this machine only, or beside `--store` (both would say where the environments are).
fn connect(
    server: Option<&str>,
    token_file: Option<&std::path::Path>,
    store_given: bool,
    command: &Command,
) -> Result<Option<remote::Remote>, CliError> {
    let pull = matches!(command, Command::Pull);
    let Some(server) = server else {
        if pull {
            return Err(CliError::Rejected {
                snippet: None,
                message: "pull needs the team server: --server URL (or BEDROCK_BINDER_SERVER)".to_owned(),
            });
        }
        return Ok(None);
    };
    if let Some(name) = command.local_only() {
        return Err(CliError::LocalOnly(name));
    }
    if store_given && !pull {
        return Err(CliError::Rejected {
            snippet: None,
            message: "--server and --store both say where the environments are; give one".to_owned(),
        });
    }
    let token = remote::Token::find(token_file)?;
    Ok(Some(remote::Remote::new(server, token)?))
}

impl Session {
    fn execute(
        &self,
        command: Command,
        stdin: &mut dyn BufRead,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<u8, CliError> {
        if command.consults_the_catalog() {
            self.note_an_old_catalog(err)?;
        }
        match command {
            Command::List { filter } => self.list(filter.as_deref(), out, err),
            Command::Search { term } => self.search(&term, out, err),
            Command::Provider { name } => self.provider(&name, out, err),
            Command::Region { name } => self.region(&name, out, err),
            Command::Bind { model, profile, force } => self.bind(&model, profile.as_deref(), force, out, err),
            Command::Unbind { model } => self.unbind(&model, out, err),
            Command::Show => self.show(out, err),
            Command::Validate => self.validate(out, err),
            Command::Init { force } => self.init(force, out),
            Command::Export { format, account, region, aws } => {
                self.export(&export::ExportArgs { format, account, region, aws }, out, err)
            }
            Command::Menu => self.menu(stdin, out, err),
            Command::Pull => self.pull(out),
            Command::Env { action } => self.env_command(action, out, err),
            Command::Promote { from, to, models, reason, force, yes } => {
                self.promote(&envs::PromoteArgs { from, to, models, reason, force, yes }, out, err)
            }
            Command::History => self.history(out),
            Command::Preset { action } => self.preset(action, out),
            Command::CopyStore { to } => self.copy_store(&to, out),
            Command::Revert { seq, undo, reason, yes } => self.revert(seq, undo, reason, yes, out),
            Command::Token { action, auth_file } => self.token(action, auth_file, out),
            Command::Serve { listen, region, max_tokens_ceiling, catalog_ttl, aws, auth, limits, health } => {
                let settings = AwsSettings {
                    saved_discoveries: SavedDiscoveries::in_user_cache(aws.profile.as_deref()),
                    profile: aws.profile,
                    region,
                    max_tokens_ceiling,
                    cache_ttl: std::time::Duration::from_secs(catalog_ttl),
                    ..AwsSettings::default()
                };
                self.serve(listen, settings, &auth, &limits, &health, out)
            }
            Command::AwsStatus { region, aws } => self.aws_status(self.aws_settings(&aws, region), out),
            Command::Test { model, prompt, max_tokens, region, stream, aws } => {
                let call = aws::TestCall { model, prompt, max_tokens, stream };
                self.test(self.aws_settings(&aws, region), call, out, err)
            }
            Command::Check { models, region, aws } => self.check(self.aws_settings(&aws, region), &models, out, err),
            Command::Profiles { action } => self.profiles(action, out, err),
            Command::Usage { since, region, aws } => self.usage(self.aws_settings(&aws, region), since, out, err),
            Command::BindRequired { yes, region, aws } => {
                self.bind_required(self.aws_settings(&aws, region), yes, out, err)
            }
            Command::Catalog { live, regions, requires_profile, aws } => {
                self.catalog(self.aws_settings(&aws, None), &regions, live, requires_profile, out, err)
            }
        }
    }

    /// Says once, on stderr, that the embedded catalog is old when no live discovery is saved to
    /// stand in for it.
    fn note_an_old_catalog(&self, err: &mut dyn Write) -> Result<(), CliError> {
        // The cache directory is looked at only when the catalog is old.
        let notice = self
            .catalog
            .compiled_on()
            .and_then(|compiled| stale_embedded_notice(compiled, today(), SavedDiscoveries::any_in_user_cache));
        if let Some(notice) = notice {
            writeln!(err, "note: {notice}")?;
        }
        Ok(())
    }

    /// Reads and parses the environment, here or on the server; a missing single file reads
    /// as empty, with a note.
    fn load(&self, err: &mut dyn Write) -> Result<(Snapshot, Document), CliError> {
        let snapshot = match &self.remote {
            Some(remote) => {
                let read = remote.bindings(&self.env)?;
                Snapshot { text: read.text, version: read.version, existed: read.exists }
            }
            None => self.envs.load(&self.env)?,
        };
        if !snapshot.existed {
            writeln!(
                err,
                "note: {} does not exist yet; reading it as empty (the first write creates it)",
                self.label()
            )?;
        }
        let document = Document::parse(&snapshot.text);
        Ok((snapshot, document))
    }

    /// How messages name the environment: the file's path for a local single file, else
    /// ``environment `NAME` `` (on a server too, so its output reads as a store's does).
    fn label(&self) -> String {
        match &self.remote {
            Some(_) => format!("environment `{}`", self.env),
            None => self.envs.label(&self.env),
        }
    }

    /// Writes an edit of the environment made against `expected`, recorded in its history.
    fn save(&self, expected: &Version, text: &str) -> Result<Version, CliError> {
        self.save_as(expected, text, ChangeKind::Edit)
    }

    /// [`save`](Self::save) as a change of `kind`.
    fn save_as(&self, expected: &Version, text: &str, kind: ChangeKind) -> Result<Version, CliError> {
        Ok(self.envs.save(&self.env, expected, text, kind, self.meta(None))?)
    }

    /// Who makes this command's changes (the OS user), and why.
    fn meta(&self, reason: Option<String>) -> ChangeMeta {
        ChangeMeta { author: os_user(), reason, approval: None }
    }

    fn print_json(&self, out: &mut dyn Write, value: &impl serde::Serialize) -> Result<(), CliError> {
        serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
        writeln!(out)?;
        Ok(())
    }
}
