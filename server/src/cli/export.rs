//! `orgdesk users export` and `orgdesk activity export`: the console's Export CSV files
//! (decisions 76, 78), for a script or an auditor at the server. The file goes to `--output`
//! or to standard output; what was written is said on standard error, so a pipe gets the
//! file alone. Each export is recorded in the activity log, as the console's are.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use orgdesk_core::types::{parse_day, ActivityFilter, ActivityKind, UserFilter};
use orgdesk_core::Initiator;

use super::{CliResult, ExitCode, OrgArg, Session};

#[derive(Subcommand, Debug)]
pub enum ActivityCommand {
    /// Write the activity log as CSV, newest first.
    #[command(
        long_about = "Writes the organization's activity log as CSV (time, event, kind, by, user, \
            details, address; times in UTC), newest first, as the console's Export CSV on the \
            Activity page does. --kind, --since and --until narrow it; the days are UTC and \
            both are included. The log is read in runs, so a log of millions of events takes \
            little memory. The export itself is recorded in the log first.",
        after_help = "Examples:\n  orgdesk activity export --org \"Acme Corp\" --since 2026-11-01 --until 2026-11-30 --output november.csv\n  orgdesk activity export --org 1 --kind admin_reset_password | wc -l"
    )]
    Export {
        #[command(flatten)]
        org: OrgArg,
        /// One kind of event, e.g. admin_reset_password, sign_in_failed, email_failed.
        #[arg(long, value_name = "KIND", value_parser = kind)]
        kind: Option<ActivityKind>,
        /// The first day to include, YYYY-MM-DD (UTC).
        #[arg(long, value_name = "DAY", value_parser = day)]
        since: Option<chrono::NaiveDate>,
        /// The last day to include, YYYY-MM-DD (UTC).
        #[arg(long, value_name = "DAY", value_parser = day)]
        until: Option<chrono::NaiveDate>,
        /// Write the file here instead of to standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

fn kind(text: &str) -> Result<ActivityKind, String> {
    ActivityKind::parse(text).ok_or_else(|| {
        let kinds: Vec<&str> = ActivityKind::ALL.iter().map(|k| k.as_str()).collect();
        format!(
            "no kind of event is called {text:?}; the kinds: {}",
            kinds.join(", ")
        )
    })
}

fn day(text: &str) -> Result<chrono::NaiveDate, String> {
    parse_day(text).ok_or_else(|| format!("{text:?} is not a day written YYYY-MM-DD"))
}

/// Where the file goes: a new file at `path` (replacing one there), or standard output.
fn open(path: Option<&Path>) -> CliResult<Box<dyn Write>> {
    Ok(match path {
        Some(path) => Box::new(File::create(path).map_err(written(Some(path)))?),
        None => Box::new(std::io::stdout().lock()),
    })
}

/// " to FILE", for the summary on standard error; nothing for standard output.
fn destination(path: Option<&Path>) -> String {
    path.map_or_else(String::new, |p| format!(" to {}", p.display()))
}

fn written(path: Option<&Path>) -> impl Fn(std::io::Error) -> String + '_ {
    move |e| match path {
        Some(path) => format!("can't write {}: {e}", path.display()),
        None => format!("can't write to standard output: {e}"),
    }
}

pub async fn users(
    session: &Session,
    by: Initiator,
    filter: &UserFilter,
    output: Option<&Path>,
) -> CliResult<ExitCode> {
    let export = session
        .core
        .export_users(by, filter, None)
        .await
        .map_err(|e| e.to_string())?;
    let mut out = open(output)?;
    out.write_all(&export.csv).map_err(written(output))?;
    out.flush().map_err(written(output))?;
    let noun = if export.count == 1 { "user" } else { "users" };
    eprintln!("Exported {} {noun}{}.", export.count, destination(output));
    Ok(0)
}

pub async fn run(session: &Session, command: ActivityCommand) -> CliResult<ExitCode> {
    match command {
        ActivityCommand::Export {
            org,
            kind,
            since,
            until,
            output,
        } => {
            let (by, _) = session.initiator(&org).await?;
            let filter = ActivityFilter {
                kind,
                since,
                until,
                ..ActivityFilter::default()
            };
            let mut export = session
                .core
                .export_activity(by, &filter, None)
                .await
                .map_err(|e| e.to_string())?;
            let output = output.as_deref();
            let mut out = open(output)?;
            let mut bytes = 0;
            while let Some(chunk) = export.next_chunk().await.map_err(|e| e.to_string())? {
                out.write_all(&chunk).map_err(written(output))?;
                bytes += chunk.len();
            }
            out.flush().map_err(written(output))?;
            eprintln!(
                "Exported the activity log ({bytes} bytes){}.",
                destination(output)
            );
            Ok(0)
        }
    }
}
