//! `orgdesk tokens …`: the organization's API tokens for the automation API (`/api/v1`).

use clap::{Subcommand, ValueEnum};
use orgdesk_core::types::limits::DEFAULT_API_TOKEN_DAYS;
use orgdesk_core::types::{ApiScope, NewApiToken};

use super::users::print_table;
use super::{CliResult, ExitCode, OrgArg, Session};

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeArg {
    #[value(name = "users:read")]
    UsersRead,
    #[value(name = "users:write")]
    UsersWrite,
    #[value(name = "resets:write")]
    ResetsWrite,
    #[value(name = "activity:read")]
    ActivityRead,
}

impl From<ScopeArg> for ApiScope {
    fn from(scope: ScopeArg) -> ApiScope {
        match scope {
            ScopeArg::UsersRead => ApiScope::UsersRead,
            ScopeArg::UsersWrite => ApiScope::UsersWrite,
            ScopeArg::ResetsWrite => ApiScope::ResetsWrite,
            ScopeArg::ActivityRead => ApiScope::ActivityRead,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum TokensCommand {
    /// Create an API token and print its secret (shown this once).
    #[command(
        long_about = "Creates an API token for the automation API (/api/v1, docs/api.md) and \
            prints its secret once: only its SHA-256 is stored. A token made here acts with an \
            owner's rights, limited to its scopes; it stops working when it expires or is \
            revoked. Scripts send it as `Authorization: Bearer <secret>`.",
        after_help = "Example:\n  orgdesk tokens create --org \"Acme Corp\" --name helpdesk \\\n      --scope users:read --scope resets:write --days 30"
    )]
    Create {
        #[command(flatten)]
        org: OrgArg,
        /// What the token is for, as the activity log and Settings name it.
        #[arg(long)]
        name: String,
        /// What it may do; repeat for several.
        #[arg(long = "scope", value_enum, required = true)]
        scopes: Vec<ScopeArg>,
        /// Days until it stops working (1 to 365).
        #[arg(long, default_value_t = DEFAULT_API_TOKEN_DAYS)]
        days: u32,
    },
    /// List the organization's API tokens (never their secrets).
    #[command(after_help = "Example:\n  orgdesk tokens list --org \"Acme Corp\"")]
    List {
        #[command(flatten)]
        org: OrgArg,
    },
    /// Revoke an API token at once.
    #[command(after_help = "Example:\n  orgdesk tokens revoke --org \"Acme Corp\" 3")]
    Revoke {
        #[command(flatten)]
        org: OrgArg,
        /// The token's id (from `orgdesk tokens list`).
        id: i64,
    },
}

pub async fn run(session: &Session, command: TokensCommand) -> CliResult<ExitCode> {
    match command {
        TokensCommand::Create {
            org,
            name,
            scopes,
            days,
        } => {
            let (by, org_name) = session.initiator(&org).await?;
            let new = NewApiToken {
                name,
                scopes: scopes.into_iter().map(ApiScope::from).collect(),
                expires_in_days: days,
            };
            let created = session
                .core
                .create_api_token(by, &new, None)
                .await
                .map_err(|e| e.to_string())?;
            eprintln!(
                "API token {} \"{}\" created for {org_name} ({}), expiring {}. Its secret, shown this once:",
                created.token.id,
                created.token.name,
                ApiScope::join(&created.token.scopes),
                created.token.expires_at.format("%Y-%m-%d %H:%M UTC"),
            );
            // The secret alone on stdout, so `$(orgdesk tokens create …)` captures it.
            println!("{}", created.secret);
            Ok(0)
        }
        TokensCommand::List { org } => {
            let (by, org_name) = session.initiator(&org).await?;
            let tokens = session
                .core
                .list_api_tokens(by)
                .await
                .map_err(|e| e.to_string())?;
            if tokens.is_empty() {
                println!("{org_name} has no API tokens.");
                return Ok(0);
            }
            let now = session.core.now();
            let rows: Vec<[String; 7]> = tokens
                .iter()
                .map(|t| {
                    let state = match t.revoked_at {
                        Some(_) => "revoked",
                        None if t.is_live(now) => "live",
                        None => "expired",
                    };
                    [
                        t.id.to_string(),
                        t.name.clone(),
                        ApiScope::join(&t.scopes),
                        state.to_owned(),
                        t.expires_at.format("%Y-%m-%d").to_string(),
                        t.last_used_at
                            .map(|at| at.format("%Y-%m-%d %H:%M").to_string())
                            .unwrap_or_else(|| "never".into()),
                        t.last_used_ip.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            print_table(
                &[
                    "ID",
                    "NAME",
                    "SCOPES",
                    "STATE",
                    "EXPIRES",
                    "LAST USED",
                    "FROM",
                ],
                &rows,
            );
            Ok(0)
        }
        TokensCommand::Revoke { org, id } => {
            let (by, org_name) = session.initiator(&org).await?;
            let token = session
                .core
                .revoke_api_token(by, id, None)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "API token {} \"{}\" of {org_name} is revoked: it no longer opens the API.",
                token.id, token.name
            );
            Ok(0)
        }
    }
}
