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
        long_about = "Sends the organization's failed emails again. The delivery worker drops a \
            failed email's text (it carried a live link), so a user who is still invited, or \
            still has a reset pending, and whose newest such email failed gets a new one with a \
            fresh link; the old link stops working. Each is recorded in the activity log. The \
            running server's delivery worker sends them. Failed emails nothing can replace (a \
            forgot-password email the user can ask for again, a notice, a user who has moved \
            on) are counted and left as they are.",
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
            let plural = |n: u64| if n == 1 { "" } else { "s" };
            if report.requeued > 0 {
                println!(
                    "{} failed email{} of {org_name} queued again.",
                    report.requeued,
                    plural(report.requeued)
                );
            }
            println!(
                "{} new email{} with a fresh link queued for {org_name}'s users whose invitation or reset email had failed.",
                report.resent,
                plural(report.resent)
            );
            if report.not_resendable > 0 {
                println!(
                    "{} failed email{} left as {}: nothing to replace {} with (forgot-password emails can be asked for again).",
                    report.not_resendable,
                    plural(report.not_resendable),
                    if report.not_resendable == 1 { "it is" } else { "they are" },
                    if report.not_resendable == 1 { "it" } else { "them" },
                );
            }
            Ok(0)
        }
    }
}
