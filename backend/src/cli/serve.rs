//! `serve`: the web app and its JSON API on a local address, until Ctrl-C or SIGTERM.

use std::io::Write;
use std::net::SocketAddr;

use tokio::net::TcpListener;

use super::{AuthArgs, CliError, LimitArgs, Session};
use crate::auth::Auth;
use crate::cost_guard::{CostGuard, CostLimits};
use bedrock_binder_shared::Catalog;
use bedrock_binder_shared::env_name::EnvName;

use crate::aws::{Aws, AwsSettings};
use crate::server::{self, AppState};

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
            // AWS is loaded on the first `/api/v1/aws/` request, not here: the server answers at
            // once, sends nothing anywhere until asked to, and works on the offline catalog
            // without credentials.
            let mut state = AppState::new(self.envs.clone(), Catalog::embedded())
                .with_aws(Aws::from_chain(aws))
                .with_cost_guard(guard)
                .with_cors_origins(cors_origins);
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
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr).try_init();
}
