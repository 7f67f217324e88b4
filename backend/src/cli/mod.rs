//! The `bedrock-binder` command line: arguments, and the commands that read and edit the
//! binding file. Output keeps TPipe's line formats (`N. MODEL -> PROFILE`, `Total: N models`)
//! so its users feel at home; `--json` prints the same facts as JSON.

mod edit;
mod error;
mod listing;
mod menu;
mod report;
mod serve;

use std::io::{self, BufRead, Write};
use std::net::SocketAddr;
use std::path::PathBuf;

use bedrock_binder_shared::{Catalog, Document};
use clap::{Parser, Subcommand, ValueEnum};

use crate::store::{FileStore, Snapshot};

pub use error::CliError;

/// Manage AWS Bedrock inference bindings: which id or ARN to call for each model.
#[derive(Debug, Parser)]
#[command(name = "bedrock-binder", version, about)]
pub struct Cli {
    /// The binding file [default: ~/.aws/inference.txt].
    #[arg(long, global = true, env = "BEDROCK_INFERENCE_FILE", value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
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
    /// Print the file for another app or environment.
    Export {
        /// `inference-txt` prints the file byte for byte; `json` prints the resolved bindings.
        #[arg(long, value_enum, default_value_t = ExportFormat::InferenceTxt)]
        format: ExportFormat,
    },
    /// The interactive menu (what a bare `bedrock-binder` starts on a terminal).
    Menu,
    /// Serve the web app and its JSON API (under /api/v1) until Ctrl-C or SIGTERM.
    Serve {
        /// The address to listen on; port 0 picks a free port.
        #[arg(long, env = "BEDROCK_BINDER_LISTEN", value_name = "ADDR", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
    },
}

/// Formats `export` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// The file itself.
    InferenceTxt,
    /// The resolved bindings as JSON.
    Json,
}

/// What one command run needs: where the file is, the catalog, and how to print.
pub(crate) struct Session {
    store: FileStore,
    /// The embedded catalog; `'static` so the server's handlers can share it.
    catalog: &'static Catalog,
    json: bool,
}

/// The default binding file, `~/.aws/inference.txt`.
pub fn default_file() -> Result<PathBuf, CliError> {
    std::env::home_dir().map(|home| home.join(".aws").join("inference.txt")).ok_or(CliError::NoHome)
}

/// Runs the command line; the returned code is the process's exit status.
pub fn run(cli: Cli, stdin: &mut dyn BufRead, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<u8, CliError> {
    let path = match cli.file {
        Some(path) => path,
        None => default_file()?,
    };
    let session = Session { store: FileStore::new(path), catalog: Catalog::embedded(), json: cli.json };
    let command = match cli.command {
        Some(command) => command,
        None if io::IsTerminal::is_terminal(&io::stdin()) => Command::Menu,
        None => return Err(CliError::NoCommand),
    };
    session.execute(command, stdin, stdout, stderr)
}

impl Session {
    fn execute(
        &self,
        command: Command,
        stdin: &mut dyn BufRead,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<u8, CliError> {
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
            Command::Export { format } => self.export(format, out, err),
            Command::Menu => self.menu(stdin, out, err),
            Command::Serve { listen } => self.serve(listen, out),
        }
    }

    /// Reads and parses the file; a missing file reads as empty, with a note.
    fn load(&self, err: &mut dyn Write) -> Result<(Snapshot, Document), CliError> {
        let snapshot = self.store.load()?;
        if !snapshot.existed {
            writeln!(
                err,
                "note: {} does not exist yet; reading it as empty (the first write creates it)",
                self.store.path().display()
            )?;
        }
        let document = Document::parse(&snapshot.text);
        Ok((snapshot, document))
    }

    fn print_json(&self, out: &mut dyn Write, value: &impl serde::Serialize) -> Result<(), CliError> {
        serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
        writeln!(out)?;
        Ok(())
    }
}
