//! [`CliError`]: everything that stops a command, as one plain sentence.

use bedrock_binder_shared::InvalidBinding;
use bedrock_binder_shared::aws_failure::AwsFailure;

use crate::storage::StorageError;
use crate::store::StoreError;

/// Why a command failed. `main` prints it to stderr as one sentence (plus a snippet where
/// there is one) and exits non-zero.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The binding file could not be read or written, or changed underneath us.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing to the terminal failed (a closed pipe, for instance).
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
    /// `$HOME` is not set, so there is no default file.
    #[error("cannot find the home directory for the default file; pass --file PATH or set BEDROCK_INFERENCE_FILE")]
    NoHome,
    /// No subcommand and stdin is not a terminal.
    #[error("no command given; run `bedrock-binder --help` to see the commands (the menu starts only on a terminal)")]
    NoCommand,
    /// A model id or profile on the command line is malformed; `snippet` shows where.
    #[error("{message}")]
    Rejected {
        /// The sentence.
        message: String,
        /// A rustc-like snippet of the argument, with carets.
        snippet: Option<String>,
    },
    /// The model is not in the catalog and `--force` was not given.
    #[error("`{model}` is not in the model catalog{}; pass --force to bind it anyway", .suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownModel {
        /// The model given.
        model: String,
        /// The nearest known id.
        suggestion: Option<String>,
    },
    /// The region is not one the catalog knows.
    #[error("the catalog has no models in `{region}`; known regions: {known}")]
    UnknownRegion {
        /// The region given.
        region: String,
        /// Comma-separated known regions.
        known: String,
    },
    /// `pull` could not bring the environment; the local copy was kept.
    #[error("{0}")]
    Pull(String),
    /// `serve` could not start: the runtime, or listening on the address.
    #[error("cannot serve on {addr}: {source}")]
    Serve {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An AWS call the command depends on failed, or AWS is not configured; the diagnosis says
    /// why and what to do.
    #[error("{}{}\nhelp: {}", .0.explanation, .0.detail.as_ref().map(|d| format!("\ndetail: {d}")).unwrap_or_default(), .0.remedy)]
    Aws(Box<AwsFailure>),
    /// A destructive command without `--yes`; the sentence says what it would break.
    #[error("{0}")]
    ConfirmationRequired(String),
    /// The async runtime the AWS commands run on could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// `init` would overwrite a file.
    #[error("{0} already exists; pass --force to overwrite it")]
    FileExists(String),
    /// The store of environments refused or failed.
    #[error(transparent)]
    Storage(StorageError),
    /// `serve` on an address other machines can reach, without authentication.
    #[error(
        "refusing to listen on {0} without authentication: without it the server listens only on a loopback address (127.0.0.1 or ::1). Create a token with `bedrock-binder token create --name NAME --role admin --auth-file PATH`, then serve with `--auth-file PATH`"
    )]
    NotLoopback(std::net::SocketAddr),
    /// The auth file cannot be used.
    #[error(transparent)]
    AuthFile(#[from] crate::auth::AuthFileError),
    /// The store has no such environment.
    #[error(
        "there is no environment `{0}` in the store; `bedrock-binder env list` shows them and `bedrock-binder env create {0}` makes it"
    )]
    UnknownEnvironment(String),
    /// A promote the gate stopped; the report was printed.
    #[error("{0}")]
    GateFailed(String),
    /// The team server (`--server`) refused the request: its error body, and a sentence with
    /// its message and what the status means (a token refused, the environment changed, …).
    #[error("{message}")]
    Server {
        /// The sentence to print.
        message: String,
        /// What the server sent; its code is the error's code. Boxed: it is large (its
        /// details), and every `Result` of the CLI carries room for it.
        body: Box<bedrock_binder_shared::api::ErrorBody>,
    },
    /// The team server could not be reached, or did not answer in time.
    #[error("{0}")]
    Unreachable(String),
    /// The token for `--server` cannot be used (the sentence never contains it).
    #[error("{0}")]
    Token(String),
    /// A command that works on this machine only, given `--server`.
    #[error(
        "`{0}` works on this machine only and cannot act on a server; run it without --server (and without BEDROCK_BINDER_SERVER in the environment)"
    )]
    LocalOnly(&'static str),
}

/// The single file's own errors keep their codes and messages, whichever layer passed them on.
impl From<StorageError> for CliError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::File(error) => CliError::Store(error),
            StorageError::NotFound { env } => CliError::UnknownEnvironment(env.to_string()),
            other => CliError::Storage(other),
        }
    }
}

impl CliError {
    /// A stable code for scripts, printed with `--json`; a server's refusal keeps the server's
    /// code.
    pub fn code(&self) -> &str {
        match self {
            CliError::Store(StoreError::Conflict { .. }) => "conflict",
            CliError::Store(StoreError::InvalidUtf8 { .. }) => "invalid-utf8",
            CliError::Store(_) => "file",
            CliError::Output(_) => "output",
            CliError::NoHome => "no-home",
            CliError::NoCommand => "no-command",
            CliError::Rejected { .. } => "rejected",
            CliError::UnknownModel { .. } => "unknown-model",
            CliError::UnknownRegion { .. } => "unknown-region",
            CliError::FileExists(_) => "file-exists",
            CliError::Serve { .. } => "serve",
            CliError::NotLoopback(_) => "not-loopback",
            CliError::AuthFile(_) => "auth-file",
            CliError::Pull(_) => "pull-failed",
            CliError::Aws(_) => "aws-error",
            CliError::ConfirmationRequired(_) => "confirmation-required",
            CliError::Runtime(_) => "runtime",
            CliError::Storage(StorageError::Conflict { .. }) => "conflict",
            CliError::Storage(StorageError::NotFound { .. }) | CliError::UnknownEnvironment(_) => "unknown-environment",
            CliError::Storage(StorageError::AlreadyExists { .. }) => "environment-exists",
            CliError::Storage(StorageError::Unsupported(_)) => "needs-a-store",
            CliError::Storage(StorageError::NoSuchChange { .. } | StorageError::NotRevertible { .. }) => {
                "no-such-change"
            }
            CliError::Storage(_) => "store",
            CliError::GateFailed(_) => "promote-gate-failed",
            CliError::Server { body, .. } => &body.code,
            CliError::Unreachable(_) => "server-unreachable",
            CliError::Token(_) => "token",
            CliError::LocalOnly(_) => "local-only",
        }
    }

    /// The error as the API's error body, for `--json`.
    pub fn to_body(&self) -> bedrock_binder_shared::api::ErrorBody {
        let details = match self {
            CliError::Aws(diagnosis) => Some(bedrock_binder_shared::api::ErrorDetails {
                diagnosis: Some((**diagnosis).clone()),
                ..Default::default()
            }),
            CliError::Server { body, .. } => body.details.clone(),
            _ => None,
        };
        bedrock_binder_shared::api::ErrorBody { code: self.code().to_owned(), message: self.to_string(), details }
    }

    /// The rustc-like snippet to print under the sentence, if any.
    pub fn snippet(&self) -> Option<&str> {
        match self {
            CliError::Rejected { snippet, .. } => snippet.as_deref(),
            _ => None,
        }
    }
}

/// A malformed model or profile argument: the diagnostic a file line would get, shown under
/// the argument.
impl From<InvalidBinding> for CliError {
    fn from(invalid: InvalidBinding) -> Self {
        let snippet = invalid.diagnostic.snippet(&invalid.text, "");
        CliError::Rejected { snippet: Some(snippet), message: invalid.diagnostic.message }
    }
}
