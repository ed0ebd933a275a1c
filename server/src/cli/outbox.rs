//! `orgdesk outbox …`: the organization's emails by state, and sending failed ones again.

use clap::Subcommand;

use super::users::print_table;
use super::{CliResult, ExitCode, OrgArg, Session};

#[derive(Subcommand, Debug)]
pub enum OutboxCommand {
    /// Count the organization's emails by state, and show the newest failures.
    #[command(
        long_about = "Counts the organization's emails: queued (waiting for a first attempt), \
            sending (claimed by a server's delivery worker), retrying (queued again after a \
            failed attempt), sent, and failed (given up on), then shows the newest five failures \
            and why they failed. Emails wait queued while no SMTP server is configured.",
        after_help = "Example:\n  orgdesk outbox status --org \"Acme Corp\""
    )]
    Status {
        #[command(flatten)]
        org: OrgArg,
    },
    /// Queue the organization's failed emails again, due now.
    #[command(
        long_about = "Queues the organization's failed emails again, due now, with their attempt \
            counts kept; the running server's delivery worker sends them. An email the worker \
            gave up on has had its text dropped (it carried a live link), so it can't be sent \
            again: those are counted, and the fix is a new invitation (`orgdesk users invite`) \
            or reset (`orgdesk users reset`).",
        after_help = "Example:\n  orgdesk outbox retry-failed --org \"Acme Corp\""
    )]
    RetryFailed {
        #[command(flatten)]
        org: OrgArg,
    },
}

pub async fn run(session: &Session, command: OutboxCommand) -> CliResult<ExitCode> {
    match command {
        OutboxCommand::Status { org } => {
            let (by, org_name) = session.initiator(&org).await?;
            let status = session
                .core
                .outbox_status(by)
                .await
                .map_err(|e| e.to_string())?;
            println!("Emails of {org_name}:");
            let rows = [
                ("queued", status.queued, "waiting for a first attempt"),
                ("sending", status.sending, "claimed by a delivery worker"),
                (
                    "retrying",
                    status.retrying,
                    "queued again after a failed attempt",
                ),
                ("sent", status.sent, ""),
                ("failed", status.failed, "given up on"),
            ]
            .map(|(what, n, note)| [what.to_owned(), n.to_string(), note.to_owned()]);
            print_table(&["STATE", "EMAILS", ""], &rows);
            if !status.recent_failures.is_empty() {
                println!();
                println!("Newest failures:");
                for f in &status.recent_failures {
                    println!(
                        "  {} {} to {} ({} attempt{}): {}",
                        f.queued_at.format("%Y-%m-%d %H:%M"),
                        f.what,
                        f.to,
                        f.attempts,
                        if f.attempts == 1 { "" } else { "s" },
                        f.reason
                    );
                }
            }
            if !session.config.smtp_configured() && status.queued + status.retrying > 0 {
                println!();
                println!("No SMTP server is configured here (ORGDESK_SMTP_HOST): queued emails wait until the server runs with one.");
            }
            Ok(0)
        }
        OutboxCommand::RetryFailed { org } => {
            let (by, org_name) = session.initiator(&org).await?;
            let report = session
                .core
                .outbox_retry_failed(by)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "{} failed email{} of {org_name} queued again.",
                report.requeued,
                if report.requeued == 1 { "" } else { "s" }
            );
            if report.not_resendable > 0 {
                println!(
                    "{} failed email{} can't be sent again (the worker dropped the text, which carried a live link): send a new invitation or reset instead.",
                    report.not_resendable,
                    if report.not_resendable == 1 { "" } else { "s" }
                );
            }
            Ok(0)
        }
    }
}
