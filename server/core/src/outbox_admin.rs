//! The outbox seen from the command line: how many of an organization's emails wait, are
//! being sent, are retried, were sent or failed, with the newest failures' reasons; and
//! sending failed emails again.
//!
//! When the worker gives up on an email it drops the text, as on success (it carries a live
//! link), so a failed email can't simply be queued again. Retrying therefore replaces it: a
//! user still invited, or still with a reset pending, whose newest such email failed gets a
//! new one with a fresh link (the old link dies), recorded in the activity log. A failed
//! email that still has its text (none today; kept for rows from before the text was
//! dropped) is queued again as it is. What can't be replaced is counted.

use chrono::{DateTime, Utc};
use orgdesk_types::{ActivityKind, EmailStatus, UserStatus};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::activity;
use crate::db::{self, id_batch, Sql};
use crate::emails::EmailKind;
use crate::entities::user;
use crate::people::{Checked, Initiator};
use crate::resets::Occasion;
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
    /// Failed emails that still had their text, queued again, due now.
    pub requeued: u64,
    /// Users whose failed invitation or reset email was replaced by a new one with a fresh
    /// link (they were still invited, or still had a reset pending).
    pub resent: u64,
    /// Failed emails left as they are: no text, and nothing to replace them with (a
    /// forgot-password email the user can ask for again, a notice, or a user who has moved
    /// on since).
    pub not_resendable: u64,
}

/// `o` (an outbox row) is the newest email of its kind to its user.
const NOT_SUPERSEDED: &str = "NOT EXISTS (SELECT 1 FROM email_outbox n \
     WHERE n.user_id = o.user_id AND n.kind = o.kind AND n.id > o.id)";

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
                 WHERE status = 'failed' AND (body_text IS NOT NULL OR letter IS NOT NULL) AND org_id = ",
            )
            .bind(by.org.id);
        let requeued = sql.execute(&tx).await?;
        let resent = self.resend_what_failed(&tx, &by, now).await?;
        // What is still failed and not replaced by a newer email of its kind to its user.
        let mut left = Sql::new(
            "SELECT COUNT(*) AS n FROM email_outbox o WHERE o.status = 'failed' AND o.org_id = ",
        );
        left.bind(by.org.id).push(&format!(" AND {NOT_SUPERSEDED}"));
        let not_resendable = match left.query_one(&tx).await? {
            Some(row) => row.try_get::<i64>("", "n")?.max(0) as u64,
            None => 0,
        };
        tx.commit().await?;
        tracing::info!(
            org = by.org.id,
            requeued,
            resent,
            not_resendable,
            "failed emails sent again"
        );
        Ok(RetryReport {
            requeued,
            resent,
            not_resendable,
        })
    }

    /// Gives every user whose newest invitation or reset email failed, and who still waits
    /// for it, a fresh link in a new email (the old link dies): the failed email's text is
    /// gone, and its link may have expired meanwhile anyway. Returns how many.
    async fn resend_what_failed(
        &self,
        tx: &DatabaseTransaction,
        by: &Checked,
        now: DateTime<Utc>,
    ) -> CoreResult<u64> {
        let mut resent = 0;
        for (kind, waiting) in [
            (EmailKind::Invitation, UserStatus::Invited),
            (EmailKind::AdminReset, UserStatus::ResetPending),
        ] {
            let mut sql = Sql::new("SELECT DISTINCT o.user_id AS id FROM email_outbox o WHERE o.status = 'failed' AND o.body_text IS NULL AND o.letter IS NULL AND o.org_id = ");
            sql.bind(by.org.id)
                .push(" AND o.kind = ")
                .bind(kind.as_str())
                .push(&format!(" AND o.user_id IS NOT NULL AND {NOT_SUPERSEDED}"));
            let mut ids = Vec::new();
            for row in sql.query_all(tx).await? {
                ids.push(row.try_get::<i64>("", "id")?);
            }
            ids.sort_unstable();
            let mut targets = Vec::with_capacity(ids.len());
            for chunk in ids.chunks(id_batch(tx)) {
                let rows = user::Entity::find()
                    .filter(db::among(
                        tx.get_database_backend(),
                        (user::Entity, user::Column::Id),
                        chunk,
                    ))
                    .filter(user::Column::OrgId.eq(by.org.id))
                    .order_by_asc(user::Column::Id)
                    .lock_exclusive()
                    .all(tx)
                    .await?;
                targets.extend(rows.into_iter().filter(|u| u.status() == Some(waiting)));
            }
            if targets.is_empty() {
                continue;
            }
            let (occasion, activity_kind, what) = match kind {
                EmailKind::Invitation => (
                    Occasion::Invitation { by: Some(by) },
                    ActivityKind::InvitationSent,
                    "invitation",
                ),
                _ => (
                    Occasion::AdminReset { by },
                    ActivityKind::ResetEmailResent,
                    "reset link",
                ),
            };
            self.issue_and_mail(tx, &by.org, &targets, occasion, None, now)
                .await?;
            let events = targets
                .iter()
                .map(|u| {
                    by.event(
                        u.id,
                        activity_kind,
                        format!(
                            "{} sent a new {what} to {}: the email before it could not be \
                             delivered, and its link no longer works",
                            by.name(),
                            u.email
                        ),
                        None,
                    )
                })
                .collect();
            activity::record(tx, events, now).await?;
            resent += targets.len() as u64;
        }
        Ok(resent)
    }
}

/// Where one email is, as the automation API reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailDelivery {
    /// Waiting for its first attempt.
    Queued,
    /// Claimed by a delivery worker right now.
    Sending,
    /// Waiting to be tried again after a failed attempt.
    Retrying,
    Sent,
    /// Given up on; `EmailView::last_error` says why.
    Failed,
}

impl EmailDelivery {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailDelivery::Queued => "queued",
            EmailDelivery::Sending => "sending",
            EmailDelivery::Retrying => "retrying",
            EmailDelivery::Sent => "sent",
            EmailDelivery::Failed => "failed",
        }
    }
}

/// One email to a user: never its body (it carries a live link) nor its address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailView {
    pub id: i64,
    /// `EmailKind::as_str`: admin_reset, forgot_password, password_changed, invitation.
    pub kind: String,
    pub subject: String,
    pub delivery: EmailDelivery,
    pub attempts: u32,
    pub queued_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// When the next attempt is due (queued or retrying).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The last failure's reason (retrying or failed).
    pub last_error: Option<String>,
}

impl Core {
    pub(crate) async fn user_emails_impl(
        &self,
        initiator: &Initiator,
        user_id: i64,
        limit: u64,
    ) -> CoreResult<Vec<EmailView>> {
        use crate::entities::email_outbox;
        let by = self.check_initiator(self.db(), initiator).await?;
        crate::authz::user_in_org(self.db(), by.org.id, user_id).await?;
        let rows = email_outbox::Entity::find()
            .filter(email_outbox::Column::OrgId.eq(by.org.id))
            .filter(email_outbox::Column::UserId.eq(user_id))
            .order_by_desc(email_outbox::Column::Id)
            .limit(limit.clamp(1, 200))
            .all(self.db())
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let delivery = match row.status() {
                    Some(EmailStatus::Sent) => EmailDelivery::Sent,
                    Some(EmailStatus::Failed) | None => EmailDelivery::Failed,
                    Some(EmailStatus::Sending) => EmailDelivery::Sending,
                    Some(EmailStatus::Queued) if row.attempts > 0 => EmailDelivery::Retrying,
                    Some(EmailStatus::Queued) => EmailDelivery::Queued,
                };
                let waiting = matches!(delivery, EmailDelivery::Queued | EmailDelivery::Retrying);
                EmailView {
                    id: row.id,
                    kind: row.kind,
                    subject: row.subject,
                    delivery,
                    attempts: row.attempts.max(0) as u32,
                    queued_at: row.created_at,
                    sent_at: row.sent_at,
                    next_attempt_at: waiting.then_some(row.next_attempt_at),
                    last_error: row.last_error,
                }
            })
            .collect())
    }
}
