//! `token create|list|revoke`: the API tokens of the server's auth file.

use std::io::Write;
use std::path::PathBuf;

use bedrock_binder_shared::access::{Grant, Role, TokenName};
use clap::Subcommand;
use serde::Serialize;

use super::{CliError, Session};
use crate::auth::AuthFile;

/// `token` subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Create a token and print it once (only its hash is stored). `--env` (repeatable) limits
    /// the role to those environments; without it the role applies to all of them.
    Create {
        /// The token's name, recorded as the author of its changes.
        #[arg(long, value_name = "NAME")]
        name: TokenName,
        /// viewer, editor or admin.
        #[arg(long, value_name = "ROLE")]
        role: Role,
    },
    /// List the tokens with their roles (never the tokens themselves).
    List,
    /// Revoke a token: a server using the file refuses it from its next request.
    Revoke {
        /// The token's name.
        name: String,
    },
}

#[derive(Serialize)]
struct Created<'a> {
    name: &'a str,
    token: &'a str,
    grants: &'a [Grant],
}

impl Session {
    pub(super) fn token(
        &self,
        action: TokenAction,
        auth_file: Option<PathBuf>,
        out: &mut dyn Write,
    ) -> Result<u8, CliError> {
        let path = match (auth_file, self.envs.kind()) {
            (Some(path), _) => path,
            (None, bedrock_binder_shared::api::StoreKind::Directory) => self.store_dir_file("auth.json")?,
            (None, _) => {
                return Err(CliError::Rejected {
                    snippet: None,
                    message: "name the auth file: --auth-file PATH (or BEDROCK_BINDER_AUTH_FILE)".to_owned(),
                });
            }
        };
        let mut file = AuthFile::load(&path)?;
        match action {
            TokenAction::Create { name, role } => {
                let grants = vec![Grant { role, envs: self.grant_envs.clone() }];
                let token = file.create_token(name.clone(), grants.clone())?;
                file.save(&path)?;
                if self.json {
                    self.print_json(out, &Created { name: name.as_str(), token: &token, grants: &grants })?;
                } else {
                    writeln!(out, "{token}")?;
                    let on = if self.grant_envs.is_empty() {
                        "every environment".to_owned()
                    } else {
                        self.grant_envs.iter().map(|env| format!("`{env}`")).collect::<Vec<_>>().join(", ")
                    };
                    writeln!(out, "Token `{name}`: {role} on {on}. It is shown only now; keep it secret.")?;
                }
            }
            TokenAction::List => {
                if self.json {
                    #[derive(Serialize)]
                    struct Listed<'a> {
                        name: &'a str,
                        grants: &'a [Grant],
                        created_ms: u64,
                    }
                    let listed: Vec<Listed<'_>> = file
                        .tokens
                        .iter()
                        .map(|token| Listed {
                            name: token.name.as_str(),
                            grants: &token.grants,
                            created_ms: token.created_ms,
                        })
                        .collect();
                    self.print_json(out, &listed)?;
                } else {
                    for token in &file.tokens {
                        let grants: Vec<String> = token
                            .grants
                            .iter()
                            .map(|grant| {
                                let on = if grant.envs.is_empty() {
                                    "all".to_owned()
                                } else {
                                    grant.envs.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
                                };
                                format!("{} on {on}", grant.role)
                            })
                            .collect();
                        writeln!(out, "{}  {}", token.name, grants.join("; "))?;
                    }
                    writeln!(out, "Total: {} tokens", file.tokens.len())?;
                }
            }
            TokenAction::Revoke { name } => {
                file.revoke(&name)?;
                file.save(&path)?;
                writeln!(out, "✓ Revoked `{name}`")?;
            }
        }
        Ok(0)
    }

    /// A file in the `--store` directory.
    fn store_dir_file(&self, name: &str) -> Result<PathBuf, CliError> {
        self.store_dir.clone().map(|dir| dir.join(name)).ok_or_else(|| CliError::Rejected {
            snippet: None,
            message: "name the auth file: --auth-file PATH".to_owned(),
        })
    }
}
