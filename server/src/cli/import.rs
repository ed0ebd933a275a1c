//! `orgdesk users import FILE.csv`: people from a CSV file, with a per-row report.

use std::path::Path;

use orgdesk_core::imports::{read_csv, BadRow, ImportOptions};

use super::progress::Progress;
use super::{CliResult, ExitCode, OrgArg, Session};

pub async fn run(
    session: &Session,
    org: &OrgArg,
    path: &Path,
    dry_run: bool,
    invite: bool,
) -> CliResult<ExitCode> {
    let (by, org_name) = session.initiator(org).await?;
    let file =
        std::fs::File::open(path).map_err(|e| format!("can't open {}: {e}", path.display()))?;
    let parsed =
        read_csv(std::io::BufReader::new(file)).map_err(|e| format!("{}: {e}", path.display()))?;
    let total = (parsed.rows.len() + parsed.bad.len()) as u64;
    let progress = Progress::new(
        if dry_run { "Checking" } else { "Importing" },
        parsed.rows.len() as u64,
    );
    let outcome = session
        .core
        .import_users(
            by,
            &parsed.rows,
            ImportOptions { dry_run, invite },
            &|done| progress.set(done),
        )
        .await;
    progress.finish();
    let mut report = outcome.map_err(|e| e.to_string())?;
    report.bad.extend(parsed.bad);
    report.bad.sort_by_key(|b| b.line);

    for bad in &report.bad {
        print_bad(path, bad);
    }
    let would = if dry_run { "would be " } else { "" };
    println!(
        "{}{} row{} read from {} for {org_name}: {} {would}added, {} {would}updated, {} unchanged, {} bad.",
        if dry_run { "Dry run, nothing was changed. " } else { "" },
        total,
        if total == 1 { "" } else { "s" },
        path.display(),
        report.created,
        report.updated,
        report.unchanged,
        report.bad.len()
    );
    if report.created > 0 {
        if invite {
            println!(
                "{} invitation{} {}queued{}",
                report.invited,
                if report.invited == 1 { "" } else { "s" },
                would,
                if session.print_links() {
                    ": no SMTP server is configured, so they wait in the outbox until one is (see `orgdesk outbox status`)."
                } else {
                    "; the running server's outbox worker emails them."
                }
            );
        } else {
            println!(
                "New users are Invited but were not sent anything: invite them with --invite, or one by one with `orgdesk users invite EMAIL`."
            );
        }
    }
    Ok(if report.bad.is_empty() { 0 } else { 1 })
}

fn print_bad(path: &Path, bad: &BadRow) {
    let who = if bad.email.is_empty() {
        String::new()
    } else {
        format!(" ({})", bad.email)
    };
    println!(
        "{}:{}: skipped{who}: {}",
        path.display(),
        bad.line,
        bad.reason
    );
}
