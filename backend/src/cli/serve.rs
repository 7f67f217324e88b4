//! `serve`: the web app and its JSON API on a local address, until Ctrl-C or SIGTERM.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use super::{AuthArgs, CliError, LimitArgs, Session};
use crate::auth::Auth;
use crate::cost_guard::{CostGuard, CostLimits};
use bedrock_binder_shared::Catalog;
use bedrock_binder_shared::env_name::EnvName;

use crate::aws::{Aws, AwsSettings};
use crate::health::committed::Observed;
use crate::health::webhook::{Webhook, WebhookUrl};
use crate::health::{HealthBoard, HealthInterval, Scheduler};
use crate::server::{self, AppState};

/// The scheduled health check and the webhook.
#[derive(Debug, Clone, clap::Args)]
pub struct HealthArgs {
    /// How often every environment's bindings are checked against AWS, as `check` does (no
    /// token is spent): 90s, 15m, 6h, 1d; 0 turns the checks off.
    #[arg(long, env = "BEDROCK_BINDER_HEALTH_INTERVAL", value_name = "DURATION", default_value = "6h")]
    pub health_interval: HealthInterval,
    /// A URL that is posted a JSON event when an environment breaks or is healthy again, and on
    /// every committed change (who, what, the bindings changed).
    #[arg(long, env = "BEDROCK_BINDER_WEBHOOK", value_name = "URL", hide_env_values = true)]
    pub webhook: Option<WebhookUrl>,
}

impl Session {
    /// Binds `listen` first, so the printed URL is ready to use the moment it appears (with
    /// port 0 it names the port the system picked), then serves until a shutdown signal and
    /// lets the requests in flight finish.
    pub(super) fn serve(
        &self,
        listen: SocketAddr,
        aws: AwsSettings,
        auth: &AuthArgs,
        limits: &LimitArgs,
        health: &HealthArgs,
        out: &mut dyn Write,
    ) -> Result<u8, CliError> {
        let usage_file =
            limits.usage_file.clone().or_else(|| crate::storage::user_state_dir().map(|dir| dir.join("usage.json")));
        let guard = CostGuard::new(
            CostLimits {
                calls_per_user_per_minute: limits.rate_limit,
                server_daily_tokens: limits.daily_token_budget,
                env_daily_tokens: limits.env_daily_token_budget,
            },
            usage_file,
        );
        init_logging();
        let cors_origins = auth.cors_origins.clone();
        let auth = match &auth.auth_file {
            Some(path) => Some(
                Auth::from_file(path, auth.trusted_proxies.clone(), &auth.user_header)?
                    .with_secure_cookies(auth.secure_cookies),
            ),
            None if !listen.ip().is_loopback() => return Err(CliError::NotLoopback(listen)),
            None => None,
        };
        let failed = |source| CliError::Serve { addr: listen, source };
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(failed)?;
        runtime.block_on(async {
            // Before the URL is printed: a webhook that cannot work stops the start.
            let webhook = match health.webhook.clone().map(Webhook::start).transpose() {
                Ok(webhook) => webhook,
                Err(message) => return Err(CliError::Rejected { message, snippet: None }),
            };
            let listener = TcpListener::bind(listen).await.map_err(failed)?;
            let addr = listener.local_addr().map_err(failed)?;
            match self.envs.file() {
                Some(file) => tracing::info!(file = %file.display(), "serving the binding file as `default`"),
                None => {
                    self.envs.storage().check_access()?;
                    self.ensure_a_default_environment()?;
                    tracing::info!("serving a store of environments");
                }
            }
            writeln!(out, "bedrock-binder listening on http://{addr}")?;
            out.flush()?;
            // AWS is loaded on first use, not here: the server answers at once and works on the
            // offline catalog without credentials. The scheduled health check, when on, is that
            // first use, in the background.
            let envs = match &webhook {
                Some(webhook) => self
                    .envs
                    .clone()
                    .with_storage_wrapped(|inner| Arc::new(Observed::new(inner, webhook.commit_hook()))),
                None => self.envs.clone(),
            };
            let board = Arc::new(HealthBoard::new(health.health_interval));
            let mut state = AppState::new(envs, Catalog::embedded())
                .with_aws(Aws::from_chain(aws))
                .with_cost_guard(guard)
                .with_cors_origins(cors_origins)
                .with_health(Arc::clone(&board));
            Scheduler {
                envs: state.envs.clone(),
                aws: state.aws.clone(),
                catalog: state.catalog.clone(),
                board,
                webhook,
            }
            .spawn();
            match health.health_interval.period() {
                Some(_) => tracing::info!(every = %health.health_interval, "scheduled health checks on"),
                None => tracing::info!("scheduled health checks off"),
            }
            if let Some(auth) = auth {
                let file = auth.current();
                tracing::info!(tokens = file.tokens.len(), users = file.users.len(), "authentication on");
                state = state.with_auth(auth);
            }
            server::serve(listener, state, server::shutdown_signal()).await.map_err(failed)?;
            tracing::info!("shut down");
            Ok(0)
        })
    }
}

impl Session {
    /// Creates `default`, empty, in a store that has no environment yet: the routes without an
    /// environment in the path act on it, and the UI opens on it.
    fn ensure_a_default_environment(&self) -> Result<(), CliError> {
        if !self.envs.storage().list()?.is_empty() {
            return Ok(());
        }
        let meta =
            crate::storage::ChangeMeta { author: crate::envs::SERVER_AUTHOR.to_owned(), reason: None, approval: None };
        match self.envs.create(&EnvName::default(), crate::envs::NewEnv::default(), meta) {
            Ok(_) | Err(crate::storage::StorageError::AlreadyExists { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }
}

/// Logs to stderr (stdout carries the URL line), at the levels `RUST_LOG` names, `info` by
/// default.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second `serve` in one process (tests) finds a subscriber already set; that is fine.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    // A log line that cannot be written (a full disk, a closed stderr) is dropped: reporting
    // that failure on stderr as well would panic the worker that was serving a request.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .log_internal_errors(false)
        .try_init();
}
