//! The outbox seen from the command line: how many of an organization's emails wait, are
//! being sent, are retried, were sent or failed, with the newest failures' reasons; and
//! sending failed emails again.
//!
//! A failed email keeps its bodies only if it failed before the worker gave up on it: when
//! the worker gives up it drops them, as on success (they carry a live link). Those can't be
//! sent again; the report counts them, and the fix is a new invitation or reset.

use chrono::{DateTime, Utc};
use orgdesk_types::EmailStatus;

use crate::db::{self, Sql};
use crate::emails::EmailKind;
use crate::people::Initiator;
use crate::{Core, CoreResult};

/// How many failures `outbox_status` describes.
pub const RECENT_FAILURES: u64 = 5;

/// Counts of one organization's emails, by state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxStatus {
    /// Waiting for their first attempt.
    pub queued: u64,
    /// Claimed by a delivery worker right now.
    pub sending: u64,
    /// Queued again after a failed attempt (attempts > 0).
    pub retrying: u64,
    pub sent: u64,
    pub failed: u64,
    /// The newest failures (at most [`RECENT_FAILURES`]), newest first.
    pub recent_failures: Vec<OutboxFailure>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxFailure {
    pub id: i64,
    /// When the email was queued.
    pub queued_at: DateTime<Utc>,
    /// What kind of email ("Invitation", "Admin password reset", …).
    pub what: String,
    pub to: String,
    pub attempts: u32,
    pub reason: String,
}

/// What `outbox_retry_failed` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetryReport {
    /// Failed emails queued again, due now.
    pub requeued: u64,
    /// Failed emails left as they are: their bodies are gone (see the module's notes).
    pub not_resendable: u64,
}

impl Core {
    pub(crate) async fn outbox_status_impl(
        &self,
        initiator: &Initiator,
    ) -> CoreResult<OutboxStatus> {
        let by = self.check_initiator(self.db(), initiator).await?;
        let mut sql = Sql::new(
            "SELECT status, CASE WHEN attempts > 0 THEN 1 ELSE 0 END AS tried, COUNT(*) AS n \
             FROM email_outbox WHERE org_id = ",
        );
        sql.bind(by.org.id).push(" GROUP BY 1, 2");
        let mut status = OutboxStatus::default();
        for row in sql.query_all(self.db()).await? {
            let state: String = row.try_get("", "status")?;
            let tried: i32 = row.try_get("", "tried")?;
            let n = row.try_get::<i64>("", "n")?.max(0) as u64;
            match (EmailStatus::parse(&state), tried > 0) {
                (Some(EmailStatus::Queued), false) => status.queued += n,
                (Some(EmailStatus::Queued), true) => status.retrying += n,
                (Some(EmailStatus::Sending), _) => status.sending += n,
                (Some(EmailStatus::Sent), _) => status.sent += n,
                (Some(EmailStatus::Failed), _) => status.failed += n,
                (None, _) => {}
            }
        }
        let mut sql = Sql::new(
            "SELECT id, created_at, kind, to_addr, attempts, last_error FROM email_outbox \
             WHERE status = 'failed' AND org_id = ",
        );
        sql.bind(by.org.id)
            .push(" ORDER BY id DESC LIMIT ")
            .bind(RECENT_FAILURES as i64);
        for row in sql.query_all(self.db()).await? {
            let kind: String = row.try_get("", "kind")?;
            let attempts: i32 = row.try_get("", "attempts")?;
            status.recent_failures.push(OutboxFailure {
                id: row.try_get("", "id")?,
                queued_at: row.try_get("", "created_at")?,
                what: EmailKind::parse(&kind)
                    .map(EmailKind::label)
                    .unwrap_or("Email")
                    .to_owned(),
                to: row.try_get("", "to_addr")?,
                attempts: attempts.max(0) as u32,
                reason: row
                    .try_get::<Option<String>>("", "last_error")?
                    .unwrap_or_default(),
            });
        }
        Ok(status)
    }

    pub(crate) async fn outbox_retry_failed_impl(
        &self,
        initiator: &Initiator,
    ) -> CoreResult<RetryReport> {
        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        let by = self.check_initiator(&tx, initiator).await?;
        let mut sql = Sql::new("UPDATE email_outbox SET status = 'queued', next_attempt_at = ");
        sql.bind(now)
            .push(
                ", locked_by = NULL, locked_until = NULL \
                 WHERE status = 'failed' AND body_text IS NOT NULL AND org_id = ",
            )
            .bind(by.org.id);
        let requeued = sql.execute(&tx).await?;
        let mut left = Sql::new(
            "SELECT COUNT(*) AS n FROM email_outbox WHERE status = 'failed' AND org_id = ",
        );
        left.bind(by.org.id);
        let not_resendable = match left.query_one(&tx).await? {
            Some(row) => row.try_get::<i64>("", "n")?.max(0) as u64,
            None => 0,
        };
        tx.commit().await?;
        tracing::info!(org = by.org.id, requeued, "failed emails queued again");
        Ok(RetryReport {
            requeued,
            not_resendable,
        })
    }
}
