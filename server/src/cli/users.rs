//! `orgdesk users …`: list, export, add, import, reset, sign out, suspend, reactivate, change a
//! role, invite.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use orgdesk_core::types::limits::MAX_PER_PAGE;
use orgdesk_core::types::{
    NewMember, PageAt, ResetReport, SkipReason, SkippedUser, UserFilter, UserId, UserQuery,
    UserSummary,
};
use orgdesk_core::Initiator;

use super::progress::Progress;
use super::{CliResult, ExitCode, OrgArg, RoleArg, Session, StatusArg};

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns, for people.
    Table,
    /// Comma-separated with a header, for programs.
    Csv,
}

/// `--status`, `--role` and `--search`: the console's filters, for `list` and `export`.
#[derive(Args, Debug)]
pub struct FilterArgs {
    #[arg(long)]
    status: Option<StatusArg>,
    #[arg(long)]
    role: Option<RoleArg>,
    /// Part of a name or email.
    #[arg(long, value_name = "TEXT")]
    search: Option<String>,
}

impl FilterArgs {
    fn into_filter(self) -> UserFilter {
        UserFilter {
            search: self.search,
            status: self.status.map(Into::into),
            role: self.role.map(Into::into),
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum UsersCommand {
    /// List the organization's users, by name.
    #[command(
        long_about = "Lists the organization's users, sorted by name: name, email, role, status \
            and last sign-in. --status, --role and --search narrow the list as the console's \
            filters do (--search matches names and emails, ignoring case).",
        after_help = "Examples:\n  orgdesk users list --org \"Acme Corp\" --status reset_pending\n  orgdesk users list --org 1 --search smith --format csv > smiths.csv"
    )]
    List {
        #[command(flatten)]
        org: OrgArg,
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// At most this many users (default: all).
        #[arg(long, value_name = "N")]
        limit: Option<u64>,
    },
    /// Write the users as CSV, the file `users import` reads back.
    #[command(
        long_about = "Writes the organization's users as CSV, by name, as the console's Export CSV \
            does: name, email, role, title, department (the columns `users import` reads, so an \
            edited export imports back), then status, last_sign_in and added, which an import \
            leaves alone. --status, --role and --search narrow it as in `users list`. A cell a \
            spreadsheet would run as a formula starts with an apostrophe. The export is \
            recorded in the activity log.",
        after_help = "Examples:\n  orgdesk users export --org \"Acme Corp\" --output people.csv\n  orgdesk users export --org 1 --status suspended > suspended.csv"
    )]
    Export {
        #[command(flatten)]
        org: OrgArg,
        #[command(flatten)]
        filter: FilterArgs,
        /// Write the file here instead of to standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Add one user and send them an invitation.
    #[command(
        long_about = "Adds EMAIL to the organization as Invited and sends an invitation to set a \
            password. With no SMTP server configured, the email waits in the outbox and the \
            link is printed here.",
        after_help = "Example:\n  orgdesk users add nia@acme.example --name \"Nia Newcomer\" --org \"Acme Corp\" --title Analyst"
    )]
    Add {
        #[command(flatten)]
        org: OrgArg,
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum, default_value_t = RoleArg::Member)]
        role: RoleArg,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        department: Option<String>,
    },
    /// Add or update users from a CSV file.
    #[command(
        long_about = "Reads FILE, a CSV file with a header line naming its columns: name and \
            email (required), role, title and department (optional; role is member, admin or \
            owner, member when empty). Each row adds the person (Invited) or, when the email \
            already has an account, sets their name, role, title and department to the file's. \
            Everything happens in one transaction. A bad row (no name, a bad email or role, an \
            email already on an earlier line) is reported with its line number and nothing is \
            written for it; the command then exits with 1. New users are sent an invitation \
            only with --invite.",
        after_help = "Example file:\n  name,email,role,title,department\n  Olivia Owens,olivia@acme.example,owner,CEO,Leadership\n  Liam Carter,liam@acme.example,,Engineer,Engineering\n\nExamples:\n  orgdesk users import people.csv --org \"Acme Corp\" --dry-run\n  orgdesk users import people.csv --org \"Acme Corp\" --invite"
    )]
    Import {
        #[command(flatten)]
        org: OrgArg,
        file: PathBuf,
        /// Check the file against the database and report, but change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Send each new user an invitation.
        #[arg(long)]
        invite: bool,
    },
    /// Reset passwords: the users must choose a new one from an emailed link.
    #[command(
        long_about = "Resets the passwords of the users named by --csv (a CSV file with an email \
            column), of those --status and/or --search match, or of everyone (--all), as the \
            console's bulk reset does: each password stops working at once, the user is signed \
            out everywhere and emailed a link to choose a new one. Invited and suspended users \
            are skipped, with the reason. Without --yes it only says how many users it would \
            reset. It works in transactions of 5,000 users: if one fails, the batches before it \
            stay reset and the report says where it stopped. Exits with 1 if an email in the \
            file has no account or a batch failed.",
        after_help = "Examples:\n  orgdesk users reset --org \"Acme Corp\" --csv compromised.csv --yes\n  orgdesk users reset --org \"Acme Corp\" --all          (says how many, changes nothing)\n  orgdesk users reset --org \"Acme Corp\" --all --yes",
        group(ArgGroup::new("targets").required(true).multiple(true).args(["csv", "status", "search", "all"]))
    )]
    Reset {
        #[command(flatten)]
        org: OrgArg,
        /// A CSV file with an email column.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["status", "search", "all"])]
        csv: Option<PathBuf>,
        #[arg(long)]
        status: Option<StatusArg>,
        /// Part of a name or email.
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// Every user of the organization.
        #[arg(long, conflicts_with_all = ["status", "search"])]
        all: bool,
        /// Do it (without it, nothing changes).
        #[arg(long)]
        yes: bool,
    },
    /// Suspend a user: signed out everywhere, links revoked, sign-in refused.
    #[command(
        after_help = "Example:\n  orgdesk users suspend liam@acme.example --org \"Acme Corp\""
    )]
    Suspend {
        #[command(flatten)]
        org: OrgArg,
        email: String,
    },
    /// Sign a user out of every browser and device; their password stays.
    #[command(
        name = "sign-out",
        long_about = "Signs a user out of every browser and device at once (a lost laptop, a \
            shared computer), as the console's Sign out everywhere does. Their password, links \
            and status stay: they can sign in again. To stop them signing in, suspend or reset \
            instead.",
        after_help = "Example:\n  orgdesk users sign-out liam@acme.example --org \"Acme Corp\""
    )]
    SignOut {
        #[command(flatten)]
        org: OrgArg,
        email: String,
    },
    /// Reactivate a suspended user (back to active, invited or reset pending).
    #[command(
        after_help = "Example:\n  orgdesk users reactivate liam@acme.example --org \"Acme Corp\""
    )]
    Reactivate {
        #[command(flatten)]
        org: OrgArg,
        email: String,
    },
    /// Change a user's role (an organization always keeps an active owner).
    #[command(
        after_help = "Example:\n  orgdesk users role liam@acme.example admin --org \"Acme Corp\""
    )]
    Role {
        #[command(flatten)]
        org: OrgArg,
        email: String,
        #[arg(value_enum)]
        role: RoleArg,
    },
    /// Send a new invitation to a user who has not set a password yet (the old link dies).
    #[command(
        after_help = "Example:\n  orgdesk users invite nia@acme.example --org \"Acme Corp\""
    )]
    Invite {
        #[command(flatten)]
        org: OrgArg,
        email: String,
    },
}

pub async fn run(session: &Session, command: UsersCommand) -> CliResult<ExitCode> {
    match command {
        UsersCommand::List {
            org,
            filter,
            format,
            limit,
        } => {
            let (by, _) = session.initiator(&org).await?;
            list(session, &by, filter.into_filter(), format, limit).await
        }
        UsersCommand::Export {
            org,
            filter,
            output,
        } => {
            let (by, _) = session.initiator(&org).await?;
            super::export::users(session, by, &filter.into_filter(), output.as_deref()).await
        }
        UsersCommand::Add {
            org,
            email,
            name,
            role,
            title,
            department,
        } => {
            let (by, org_name) = session.initiator(&org).await?;
            let invitation = session
                .core
                .add_user(
                    by,
                    &NewMember {
                        name,
                        email,
                        role: role.into(),
                        title,
                        department,
                    },
                    None,
                )
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "Added {} to {org_name} as Invited (the invitation is valid until {}).",
                invitation.email,
                invitation.expires_at.format("%Y-%m-%d %H:%M UTC")
            );
            super::org::print_invitation(session, &invitation);
            Ok(0)
        }
        UsersCommand::Import {
            org,
            file,
            dry_run,
            invite,
        } => super::import::run(session, &org, &file, dry_run, invite).await,
        UsersCommand::Reset {
            org,
            csv,
            status,
            search,
            all,
            yes,
        } => {
            let (by, org_name) = session.initiator(&org).await?;
            let mut not_found = Vec::new();
            let ids: Vec<UserId> = match csv {
                Some(path) => {
                    let file = std::fs::File::open(&path)
                        .map_err(|e| format!("can't open {}: {e}", path.display()))?;
                    let emails = orgdesk_core::imports::read_email_column(file)
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                    let wanted: Vec<String> = emails.iter().map(|(_, e)| e.clone()).collect();
                    let found = session
                        .core
                        .user_ids_by_email(by.clone(), &wanted)
                        .await
                        .map_err(|e| e.to_string())?;
                    let mut ids = Vec::with_capacity(found.len());
                    let mut seen = std::collections::HashSet::new();
                    for ((line, email), id) in emails.into_iter().zip(found) {
                        match id {
                            Some(id) if seen.insert(id) => ids.push(id),
                            Some(_) => {}
                            None => not_found.push(format!("{email} (line {line})")),
                        }
                    }
                    ids
                }
                None => {
                    let filter = if all {
                        UserFilter::default()
                    } else {
                        UserFilter {
                            search,
                            status: status.map(Into::into),
                            role: None,
                        }
                    };
                    session
                        .core
                        .matching_user_ids(by.clone(), &filter)
                        .await
                        .map_err(|e| e.to_string())?
                }
            };
            reset(session, by, &org_name, ids, not_found, yes).await
        }
        UsersCommand::Suspend { org, email } => {
            let (by, _) = session.initiator(&org).await?;
            let id = user_id(session, &by, &email).await?;
            let status = session
                .core
                .set_suspended(by, id, true, None)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "{email} is now {}: signed out everywhere, links revoked, sign-in refused.",
                status.label().to_lowercase()
            );
            Ok(0)
        }
        UsersCommand::SignOut { org, email } => {
            let (by, _) = session.initiator(&org).await?;
            let id = user_id(session, &by, &email).await?;
            let ended = session
                .core
                .sign_out_user(by, id, None)
                .await
                .map_err(|e| e.to_string())?;
            match ended {
                0 => println!("{email} wasn't signed in anywhere."),
                1 => println!("{email} is signed out of 1 session; their password stays."),
                n => println!("{email} is signed out of {n} sessions; their password stays."),
            }
            Ok(0)
        }
        UsersCommand::Reactivate { org, email } => {
            let (by, _) = session.initiator(&org).await?;
            let id = user_id(session, &by, &email).await?;
            let status = session
                .core
                .set_suspended(by, id, false, None)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "{email} is reactivated: now {}.",
                status.label().to_lowercase()
            );
            Ok(0)
        }
        UsersCommand::Role { org, email, role } => {
            let (by, _) = session.initiator(&org).await?;
            let id = user_id(session, &by, &email).await?;
            let role = role.into();
            session
                .core
                .change_role(by, id, role, None)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "{email} is now {} (signed out of the console, to sign in with the new role).",
                role.label().to_lowercase()
            );
            Ok(0)
        }
        UsersCommand::Invite { org, email } => {
            let (by, _) = session.initiator(&org).await?;
            let id = user_id(session, &by, &email).await?;
            let invitation = session
                .core
                .resend_invitation(by, id, None)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "A new invitation for {} is queued (valid until {}); the previous link no longer works.",
                invitation.email,
                invitation.expires_at.format("%Y-%m-%d %H:%M UTC")
            );
            super::org::print_invitation(session, &invitation);
            Ok(0)
        }
    }
}

/// The id of `email`'s account in the organization.
async fn user_id(session: &Session, by: &Initiator, email: &str) -> CliResult<UserId> {
    session
        .core
        .user_ids_by_email(by.clone(), &[email.to_owned()])
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .next()
        .flatten()
        .ok_or_else(|| format!("No user {} in this organization.", email.trim()))
}

async fn list(
    session: &Session,
    by: &Initiator,
    filter: UserFilter,
    format: Format,
    limit: Option<u64>,
) -> CliResult<ExitCode> {
    let limit = limit.unwrap_or(u64::MAX);
    let total = session
        .core
        .count_users(by.clone(), &filter)
        .await
        .map_err(|e| e.to_string())?;
    let mut users: Vec<UserSummary> = Vec::new();
    let mut at = None;
    // Page after page, each read from where the last ended.
    while (users.len() as u64) < limit.min(total) {
        let query = UserQuery {
            filter: filter.clone(),
            per_page: MAX_PER_PAGE,
            at: at.take(),
            ..UserQuery::default()
        };
        let found = session
            .core
            .list_users(by.clone(), &query)
            .await
            .map_err(|e| e.to_string())?;
        users.extend(found.users);
        match found.next {
            Some(next) => at = Some(PageAt::After(next)),
            None => break,
        }
    }
    users.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    match format {
        Format::Csv => {
            let mut out = csv::Writer::from_writer(std::io::stdout().lock());
            let io = |e: csv::Error| format!("can't write: {e}");
            out.write_record([
                "id",
                "name",
                "email",
                "role",
                "status",
                "last_sign_in_at",
                "created_at",
            ])
            .map_err(io)?;
            for u in &users {
                out.write_record([
                    u.id.to_string(),
                    u.name.clone(),
                    u.email.clone(),
                    u.role.as_str().to_owned(),
                    u.status.as_str().to_owned(),
                    u.last_sign_in_at
                        .map(|t| t.to_rfc3339())
                        .unwrap_or_default(),
                    u.created_at.to_rfc3339(),
                ])
                .map_err(io)?;
            }
            out.flush().map_err(|e| format!("can't write: {e}"))?;
        }
        Format::Table => {
            let rows: Vec<[String; 5]> = users
                .iter()
                .map(|u| {
                    [
                        u.name.clone(),
                        u.email.clone(),
                        u.role.label().to_owned(),
                        u.status.as_str().to_owned(),
                        u.last_sign_in_at
                            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                            .unwrap_or_else(|| "never".into()),
                    ]
                })
                .collect();
            print_table(&["NAME", "EMAIL", "ROLE", "STATUS", "LAST SIGN-IN"], &rows);
            println!(
                "{} of {total} user{}",
                users.len(),
                if total == 1 { "" } else { "s" }
            );
        }
    }
    Ok(0)
}

/// Columns padded to their widest cell.
pub fn print_table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// Users reset per transaction: each batch is all or nothing, and the progress bar moves
/// once per batch. Larger than the console's calls (fewer round trips at 100,000 users).
const RESET_BATCH: usize = 5_000;

async fn reset(
    session: &Session,
    by: Initiator,
    org_name: &str,
    ids: Vec<UserId>,
    not_found: Vec<String>,
    yes: bool,
) -> CliResult<ExitCode> {
    for email in &not_found {
        eprintln!("orgdesk: no account for {email}");
    }
    if !yes {
        println!(
            "This would reset the passwords of {} user{} of {org_name}. Nothing was changed: add --yes to do it.",
            ids.len(),
            if ids.len() == 1 { "" } else { "s" }
        );
        return Ok(1);
    }
    if ids.is_empty() {
        println!("No users to reset.");
        return Ok(if not_found.is_empty() { 0 } else { 1 });
    }
    let progress = Progress::new("Resetting", ids.len() as u64);
    let mut all = ResetReport::default();
    let mut failure = None;
    for chunk in ids.chunks(RESET_BATCH) {
        match session
            .core
            .admin_reset_passwords(by.clone(), chunk, None)
            .await
        {
            Ok(report) => {
                all.reset.extend(report.reset);
                all.skipped.extend(report.skipped);
                progress.set((all.reset.len() + all.skipped.len()) as u64);
            }
            Err(e) => {
                failure = Some(e.to_string());
                break;
            }
        }
    }
    progress.finish();
    print_reset_report(&all, &not_found);
    let errors =
        all.skipped.iter().any(|s| s.reason == SkipReason::NotFound) || !not_found.is_empty();
    if let Some(e) = failure {
        eprintln!(
            "orgdesk: the reset stopped after {} of {} users: {e}",
            all.reset.len() + all.skipped.len(),
            ids.len()
        );
        return Ok(1);
    }
    Ok(if errors { 1 } else { 0 })
}

fn print_reset_report(report: &ResetReport, not_found: &[String]) {
    let mut by_reason: BTreeMap<String, Vec<&SkippedUser>> = BTreeMap::new();
    for s in &report.skipped {
        by_reason
            .entry(s.reason.explain().to_owned())
            .or_default()
            .push(s);
    }
    let mut rows = vec![[
        "reset".to_owned(),
        report.reset.len().to_string(),
        "Each was emailed a link to choose a new password.".to_owned(),
    ]];
    for (reason, skipped) in &by_reason {
        rows.push(["skipped".into(), skipped.len().to_string(), reason.clone()]);
    }
    if !not_found.is_empty() {
        rows.push([
            "skipped".into(),
            not_found.len().to_string(),
            SkipReason::NotFound.explain().to_owned(),
        ]);
    }
    print_table(&["RESULT", "USERS", "WHY"], &rows);
    const SHOWN: usize = 20;
    for (reason, skipped) in &by_reason {
        println!();
        println!("Skipped ({reason}):");
        for s in skipped.iter().take(SHOWN) {
            let who = if s.name.is_empty() {
                format!("user #{}", s.user_id)
            } else {
                s.name.clone()
            };
            println!("  {who}");
        }
        if skipped.len() > SHOWN {
            println!("  … and {} more", skipped.len() - SHOWN);
        }
    }
    if !not_found.is_empty() {
        println!();
        println!("Skipped ({}):", SkipReason::NotFound.explain());
        for email in not_found.iter().take(SHOWN) {
            println!("  {email}");
        }
        if not_found.len() > SHOWN {
            println!("  … and {} more", not_found.len() - SHOWN);
        }
    }
}
