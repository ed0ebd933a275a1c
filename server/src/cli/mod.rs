//! The `orgdesk` command line: the server's own binary, with subcommands for the people who
//! run it. `serve` (the default) starts the web server; the others open the same database
//! (`DATABASE_URL`), run the migrations, do one thing through the core and say what happened.
//! Every change is recorded in the activity log as "command line (<os user>)".
//!
//! Exit codes: 0 done; 1 refused or failed (the reason on stderr; for imports and resets, some
//! rows or users were not done); 2 the command line itself is wrong (clap's usage errors).

mod export;
mod import;
mod org;
mod outbox;
mod progress;
mod tokens;
mod users;

use std::sync::Arc;

use clap::{Args, Parser, Subcommand, ValueEnum};
use orgdesk_core::types::{Role, UserStatus};
use orgdesk_core::{Core, Initiator, SystemClock};

use crate::config::CliConfig;

const EXAMPLES: &str = "\
Examples:
  orgdesk                                   serve the web app (same as `orgdesk serve`)
  orgdesk migrate                           bring the database's schema up to date
  orgdesk org create \"Acme Corp\" --owner ceo@acme.example --owner-name \"Olivia Owens\"
  orgdesk users import people.csv --org \"Acme Corp\" --dry-run
  orgdesk users import people.csv --org \"Acme Corp\" --invite
  orgdesk users list --org \"Acme Corp\" --status invited
  orgdesk users reset --org \"Acme Corp\" --csv leavers.csv --yes
  orgdesk users export --org \"Acme Corp\" --output people.csv
  orgdesk activity export --org \"Acme Corp\" --since 2026-11-01 --until 2026-11-30
  orgdesk outbox status --org \"Acme Corp\"
  orgdesk tokens create --org \"Acme Corp\" --name helpdesk --scope resets:write --days 30

Environment:
  DATABASE_URL         sqlite://data/orgdesk.db?mode=rwc (default) or postgres://user:pass@host/db
  ORGDESK_PUBLIC_URL   where emailed links point (the server's public address)
  ORGDESK_SMTP_HOST …  SMTP settings; without them emails wait in the outbox and the
                       commands that invite someone print the link instead
  See the README's configuration table for the rest.";

#[derive(Parser, Debug)]
#[command(
    name = "orgdesk",
    version,
    about = "Orgdesk: the web app for an organization's accounts, and its admin command line",
    long_about = "Orgdesk: the web app for an organization's accounts, and its admin command line.\n\n\
        Without a subcommand (or with `serve`) it serves the web app. The other subcommands \
        work on the database named by DATABASE_URL (the server's, by default), run the \
        migrations first, and record what they change in the organization's activity log as \
        \"command line (<your user name>)\". They act with an owner's rights: whoever can run \
        them can read the database anyway.",
    after_help = EXAMPLES,
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web app (the default): server render, server functions, outbox worker.
    Serve,
    /// Bring the database's schema up to date, then exit.
    #[command(
        long_about = "Runs every pending migration on DATABASE_URL, then exits. Every other \
            subcommand (and the server) does this first anyway; run it alone before starting \
            several server instances, or to check the database can be reached.",
        after_help = "Example:\n  DATABASE_URL=postgres://orgdesk:secret@db/orgdesk orgdesk migrate"
    )]
    Migrate,
    /// Create an organization.
    Org {
        #[command(subcommand)]
        command: org::OrgCommand,
    },
    /// List, add, import, reset, suspend and reactivate an organization's users.
    Users {
        #[command(subcommand)]
        command: users::UsersCommand,
    },
    /// Export the organization's activity log as CSV.
    Activity {
        #[command(subcommand)]
        command: export::ActivityCommand,
    },
    /// See and retry the organization's queued emails.
    Outbox {
        #[command(subcommand)]
        command: outbox::OutboxCommand,
    },
    /// Create, list and revoke API tokens for the automation API (/api/v1).
    Tokens {
        #[command(subcommand)]
        command: tokens::TokensCommand,
    },
}

/// Which organization: `--org` takes its name or its id.
#[derive(Args, Debug, Clone)]
pub struct OrgArg {
    /// The organization, by name (any case) or by id.
    #[arg(long, value_name = "NAME|ID")]
    pub org: String,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleArg {
    Member,
    Admin,
    Owner,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::Member => Role::Member,
            RoleArg::Admin => Role::Admin,
            RoleArg::Owner => Role::Owner,
        }
    }
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusArg {
    Active,
    #[value(name = "reset_pending", alias = "reset-pending")]
    ResetPending,
    Suspended,
    Invited,
}

impl From<StatusArg> for UserStatus {
    fn from(status: StatusArg) -> UserStatus {
        match status {
            StatusArg::Active => UserStatus::Active,
            StatusArg::ResetPending => UserStatus::ResetPending,
            StatusArg::Suspended => UserStatus::Suspended,
            StatusArg::Invited => UserStatus::Invited,
        }
    }
}

/// What went wrong, for stderr: the core's sentence, or ours.
pub type CliResult<T> = Result<T, String>;

/// A subcommand's end: 0 all done, 1 something was refused or left undone.
pub type ExitCode = u8;

/// The command line's session: the core on the configured database, and who is typing.
pub struct Session {
    pub core: Core,
    pub config: CliConfig,
    pub os_user: String,
}

impl Session {
    async fn open() -> CliResult<Session> {
        let config = CliConfig::from_env()?;
        let core = Core::connect(
            &config.database_url,
            config.core.clone(),
            Arc::new(SystemClock),
        )
        .await
        .map_err(|e| {
            format!(
                "can't open the database {}: {e}",
                config.redacted_database_url()
            )
        })?;
        Ok(Session {
            core,
            config,
            os_user: os_user(),
        })
    }

    /// The command line acting on `org`, found by name or id.
    pub async fn initiator(&self, org: &OrgArg) -> CliResult<(Initiator, String)> {
        let found = self
            .core
            .find_organization(&org.org)
            .await
            .map_err(|e| e.to_string())?;
        Ok((
            Initiator::CommandLine {
                org_id: found.id,
                os_user: self.os_user.clone(),
            },
            found.name,
        ))
    }

    /// Whether to print invitation links: no SMTP server will deliver them.
    pub fn print_links(&self) -> bool {
        !self.config.smtp_configured()
    }
}

/// Who is at the keyboard, for the activity log.
fn os_user() -> String {
    ["USER", "LOGNAME"]
        .into_iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

/// Runs a subcommand other than `serve`; returns the exit code.
pub async fn run(command: Command) -> ExitCode {
    let outcome = async {
        let session = Session::open().await?;
        match command {
            Command::Serve => Ok(0),
            Command::Migrate => {
                println!(
                    "The database {} is up to date.",
                    session.config.redacted_database_url()
                );
                Ok(0)
            }
            Command::Org { command } => org::run(&session, command).await,
            Command::Users { command } => users::run(&session, command).await,
            Command::Activity { command } => export::run(&session, command).await,
            Command::Outbox { command } => outbox::run(&session, command).await,
            Command::Tokens { command } => tokens::run(&session, command).await,
        }
    }
    .await;
    match outcome {
        Ok(code) => code,
        Err(message) => {
            eprintln!("orgdesk: {message}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn no_subcommand_means_serve() {
        let cli = Cli::try_parse_from(["orgdesk"]).unwrap();
        assert!(cli.command.is_none());
        let cli = Cli::try_parse_from(["orgdesk", "serve"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Serve)));
    }

    #[test]
    fn reset_wants_exactly_one_kind_of_target() {
        for ok in [
            vec!["users", "reset", "--org", "A", "--all", "--yes"],
            vec!["users", "reset", "--org", "A", "--csv", "x.csv"],
            vec![
                "users", "reset", "--org", "A", "--status", "active", "--search", "jo",
            ],
        ] {
            let args = std::iter::once("orgdesk").chain(ok.iter().copied());
            assert!(Cli::try_parse_from(args).is_ok(), "{ok:?}");
        }
        for bad in [
            vec!["users", "reset", "--org", "A"],
            vec!["users", "reset", "--org", "A", "--all", "--csv", "x.csv"],
            vec![
                "users", "reset", "--org", "A", "--all", "--status", "active",
            ],
        ] {
            let args = std::iter::once("orgdesk").chain(bad.iter().copied());
            assert!(Cli::try_parse_from(args).is_err(), "{bad:?}");
        }
    }
}
