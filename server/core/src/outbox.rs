//! The email outbox. Emails are queued in the same transaction as the change that causes
//! them, so a crash or an SMTP outage loses nothing; delivery workers (orgdesk-mail's
//! `OutboxWorker`, one per server instance) claim due messages with a lease, and report
//! back delivered or failed. Failures are retried with exponential backoff.

use std::time::Duration;

use chrono::{DateTime, Utc};
use orgdesk_types::{ActivityKind, EmailStatus};
use rand::Rng;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbBackend, DbErr, EntityTrait};
use serde::Serialize;

use crate::activity::{self, NewActivity};
use crate::db::{self, insert_json_rows, rows_per_insert, Sql, JSON_ROWS};
use crate::emails::{EmailKind, Letter, RenderedEmail};
use crate::entities::email_outbox;
use crate::{Core, CoreError, CoreResult, FailedAttempt, OutboundEmail};

/// The longest wait between two attempts.
const MAX_BACKOFF_SECS: f64 = 600.0;
/// How much of a failure's text is kept (SMTP replies can be long).
const MAX_ERROR_LEN: usize = 500;

/// An email to queue, with whom it concerns (for the activity log).
pub(crate) struct NewEmail {
    pub org_id: i64,
    pub user_id: Option<i64>,
    /// Who caused it, for the `EmailQueued` activity: a user, or a label (the command line, an
    /// API token).
    pub actor_id: Option<i64>,
    pub actor_label: Option<String>,
    pub kind: EmailKind,
    pub to: String,
    pub content: Content,
    pub ip: Option<String>,
}

/// An email's content as queued.
pub(crate) enum Content {
    /// Written out already (the short emails without a link).
    Written(RenderedEmail),
    /// What an email with a link says, written out when it is sent.
    Letter(Letter),
}

/// An outbox row's columns for its content.
struct ContentColumns<'a> {
    subject: String,
    body_text: Option<&'a str>,
    body_html: Option<&'a str>,
    /// The letter, as JSON.
    letter: Option<String>,
}

impl Content {
    fn columns(&self) -> Result<ContentColumns<'_>, DbErr> {
        Ok(match self {
            Content::Written(email) => ContentColumns {
                subject: email.subject.clone(),
                body_text: Some(&email.text),
                body_html: Some(&email.html),
                letter: None,
            },
            Content::Letter(letter) => ContentColumns {
                subject: letter.subject(),
                body_text: None,
                body_html: None,
                letter: Some(
                    serde_json::to_string(letter)
                        .map_err(|e| DbErr::Custom(format!("an email's letter as JSON: {e}")))?,
                ),
            },
        })
    }
}

/// Queues `emails` (multi-row inserts; on PostgreSQL, rows sent as JSON) and records one
/// `EmailQueued` activity each.
pub(crate) async fn enqueue(
    db: &impl ConnectionTrait,
    emails: Vec<NewEmail>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let events = emails
        .iter()
        .map(|e| NewActivity {
            org_id: e.org_id,
            actor_id: e.actor_id,
            actor_label: e.actor_label.clone(),
            subject_id: e.user_id,
            kind: ActivityKind::EmailQueued,
            details: format!("{} to {} queued", e.kind.label(), e.to),
            ip: e.ip.clone(),
        })
        .collect();
    if db.get_database_backend() == DbBackend::Postgres {
        enqueue_as_json(db, &emails, now).await?;
    } else {
        for batch in emails.chunks(rows_per_insert(db, 16)) {
            let mut rows = Vec::with_capacity(batch.len());
            for e in batch {
                let content = e.content.columns()?;
                rows.push(email_outbox::ActiveModel {
                    org_id: Set(e.org_id),
                    user_id: Set(e.user_id),
                    kind: Set(e.kind.as_str().to_owned()),
                    to_addr: Set(e.to.clone()),
                    subject: Set(content.subject),
                    body_text: Set(content.body_text.map(str::to_owned)),
                    body_html: Set(content.body_html.map(str::to_owned)),
                    letter: Set(content.letter),
                    status: Set(EmailStatus::Queued.as_str().to_owned()),
                    attempts: Set(0),
                    next_attempt_at: Set(now),
                    locked_by: Set(None),
                    locked_until: Set(None),
                    last_error: Set(None),
                    created_at: Set(now),
                    sent_at: Set(None),
                    ..Default::default()
                });
            }
            email_outbox::Entity::insert_many(rows)
                .exec_without_returning(db)
                .await?;
        }
    }
    activity::record(db, events, now).await
}

/// The outbox rows of [`enqueue`] on PostgreSQL: each batch in one statement
/// ([`insert_json_rows`]).
async fn enqueue_as_json(
    db: &impl ConnectionTrait,
    emails: &[NewEmail],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    #[derive(Serialize)]
    struct Row<'a> {
        org_id: i64,
        user_id: Option<i64>,
        kind: &'a str,
        to_addr: &'a str,
        subject: String,
        body_text: Option<&'a str>,
        body_html: Option<&'a str>,
        letter: Option<String>,
    }
    for batch in emails.chunks(JSON_ROWS) {
        let mut rows = Vec::with_capacity(batch.len());
        for e in batch {
            let content = e.content.columns()?;
            rows.push(Row {
                org_id: e.org_id,
                user_id: e.user_id,
                kind: e.kind.as_str(),
                to_addr: &e.to,
                subject: content.subject,
                body_text: content.body_text,
                body_html: content.body_html,
                letter: content.letter,
            });
        }
        insert_json_rows(
            db,
            "email_outbox",
            &[
                ("org_id", "bigint"),
                ("user_id", "bigint"),
                ("kind", "text"),
                ("to_addr", "text"),
                ("subject", "text"),
                ("body_text", "text"),
                ("body_html", "text"),
                ("letter", "text"),
            ],
            &[
                ("status", EmailStatus::Queued.as_str().into()),
                ("attempts", 0i32.into()),
                ("next_attempt_at", now.into()),
                ("created_at", now.into()),
            ],
            &rows,
        )
        .await?;
    }
    Ok(())
}

/// Exponential backoff after `attempts` failed attempts: about 2^attempts seconds, capped at
/// ten minutes, with ±20% jitter so many failed messages don't retry in lockstep.
pub(crate) fn backoff(attempts: u32) -> Duration {
    let base = 2f64.powi(attempts.min(30) as i32).min(MAX_BACKOFF_SECS);
    let jitter = rand::rng().random_range(0.8..=1.2);
    Duration::from_secs_f64((base * jitter).min(MAX_BACKOFF_SECS))
}

fn email_description(row: &email_outbox::Model) -> &'static str {
    kind_description(&row.kind)
}

/// "Password reset email" and the like, for a stored `EmailKind`.
fn kind_description(kind: &str) -> &'static str {
    EmailKind::parse(kind)
        .map(EmailKind::label)
        .unwrap_or("Email")
}

impl Core {
    pub(crate) async fn claim_outbox_impl(
        &self,
        worker: &str,
        limit: u64,
        lease: Duration,
    ) -> CoreResult<Vec<OutboundEmail>> {
        let limit = limit.clamp(1, 1000) as i64;
        let now = self.now();
        let lease = chrono::Duration::from_std(lease)
            .map_err(|_| CoreError::InvalidInput("The lease is too long.".into()))?;
        let worker: String = worker.chars().take(200).collect();
        let tx = db::begin_write(self.db()).await?;
        // Due: claimed by a worker whose lease ran out (it crashed or hung mid-send), then
        // queued and its time come. Each is one range of the `(status, next_attempt_at, id)`
        // index, read in order only as far as the batch (migration 12); one query with an `OR`
        // of the two read and sorted the whole queue for every batch.
        let mut rows = Vec::new();
        for due in [
            "status = 'sending' AND locked_until <= ",
            "status = 'queued' AND next_attempt_at <= ",
        ] {
            let want = limit - rows.len() as i64;
            if want == 0 {
                break;
            }
            let mut sql = Sql::new("UPDATE email_outbox SET status = 'sending', locked_by = ");
            sql.bind(worker.clone())
                .push(", locked_until = ")
                .bind(now + lease);
            sql.push(" WHERE id IN (SELECT id FROM email_outbox WHERE ")
                .push(due)
                .bind(now)
                .push(" ORDER BY next_attempt_at, id LIMIT ")
                .bind(want);
            if tx.get_database_backend() == DbBackend::Postgres {
                // Rows another worker is claiming right now are skipped, not waited for, and
                // never claimed twice.
                sql.push(" FOR UPDATE SKIP LOCKED");
            }
            sql.push(") RETURNING id, to_addr, subject, body_text, body_html, letter, attempts");
            rows.extend(sql.query_all(&tx).await?);
        }
        tx.commit().await?;
        let mut claimed = Vec::with_capacity(rows.len());
        let mut unreadable = Vec::new();
        for row in rows {
            let id: i64 = row.try_get("", "id")?;
            let attempts: i32 = row.try_get("", "attempts")?;
            let letter: Option<String> = row.try_get("", "letter")?;
            // Letters are written out here, as they leave (decision 37).
            let Some((text, html)) = crate::emails::bodies(
                row.try_get("", "body_text")?,
                row.try_get("", "body_html")?,
                letter.as_deref(),
            ) else {
                unreadable.push(id);
                continue;
            };
            claimed.push(OutboundEmail {
                id,
                to: row.try_get("", "to_addr")?,
                subject: row.try_get("", "subject")?,
                text,
                html,
                attempts: attempts.max(0) as u32,
            });
        }
        // Nothing to send (a letter written by a newer version, say): given up at once, with
        // the reason in the log and the activity, rather than sent empty or retried forever.
        for id in unreadable {
            self.outbox_attempt_failed_impl(id, "its content could not be read", true)
                .await?;
        }
        claimed.sort_by_key(|e| e.id);
        Ok(claimed)
    }

    /// Records `ids` as sent, in one transaction: the worker gathers the deliveries that
    /// finished while it was writing the previous ones (group commit), so a bulk's thousands of
    /// emails are not thousands of commits. Already sent ones are left as they are.
    pub(crate) async fn outbox_delivered_impl(&self, ids: &[i64]) -> CoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        let backend = tx.get_database_backend();
        let mut events = Vec::with_capacity(ids.len());
        for ids in ids.chunks(db::id_batch(&tx)) {
            // The bodies carry a live reset link: once the message has left, the copy in the
            // database is only a liability (backups, replicas, support access), so it goes.
            let mut sql = Sql::new("UPDATE email_outbox SET status = 'sent', sent_at = ");
            sql.bind(now)
                .push(", body_text = NULL, body_html = NULL, letter = NULL, locked_by = NULL, locked_until = NULL, last_error = NULL")
                .push(", attempts = attempts + 1 WHERE status <> 'sent' AND ")
                .bind_among(backend, "id", ids)
                .push(" RETURNING org_id, user_id, kind, to_addr, attempts");
            for row in sql.query_all(&tx).await? {
                let kind: String = row.try_get("", "kind")?;
                let to_addr: String = row.try_get("", "to_addr")?;
                let attempt: i32 = row.try_get("", "attempts")?;
                events.push(NewActivity {
                    org_id: row.try_get("", "org_id")?,
                    actor_id: None,
                    actor_label: None,
                    subject_id: row.try_get("", "user_id")?,
                    kind: ActivityKind::EmailSent,
                    details: format!(
                        "{} to {to_addr} sent (attempt {attempt})",
                        kind_description(&kind)
                    ),
                    ip: None,
                });
            }
        }
        activity::record(&tx, events, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn outbox_attempt_failed_impl(
        &self,
        id: i64,
        reason: &str,
        permanent: bool,
    ) -> CoreResult<FailedAttempt> {
        let now = self.now();
        let reason: String = reason.chars().take(MAX_ERROR_LEN).collect();
        let tx = db::begin_write(self.db()).await?;
        let row = email_outbox::Entity::find_by_id(id)
            .one(&tx)
            .await?
            .ok_or_else(|| CoreError::NotFound("No such email in the outbox.".into()))?;
        if matches!(row.status(), Some(EmailStatus::Sent | EmailStatus::Failed)) {
            return Ok(FailedAttempt::AlreadySettled);
        }
        let attempts = row.attempts.saturating_add(1);
        // Time, not a count of attempts, decides when to stop: an SMTP outage of any length
        // up to the limit loses nothing, however many attempts the backoff made meanwhile.
        let give_up_after = chrono::Duration::from_std(self.config().outbox_give_up_after)
            .unwrap_or(chrono::Duration::MAX);
        let gives_up = permanent || now - row.created_at >= give_up_after;
        // The reason only: never the body, which holds the link.
        tracing::warn!(email = id, kind = %row.kind, attempts, permanent, gives_up, reason = %crate::redact::email_addresses(&reason), "email delivery failed");
        if gives_up {
            // Nothing will send it any more: drop the bodies (they hold the link) as on success.
            let mut sql = Sql::new("UPDATE email_outbox SET status = 'failed', attempts = ");
            sql.bind(attempts)
                .push(", last_error = ")
                .bind(reason.clone())
                .push(", body_text = NULL, body_html = NULL, letter = NULL, locked_by = NULL, locked_until = NULL WHERE id = ")
                .bind(id);
            sql.execute(&tx).await?;
            activity::record_one(
                &tx,
                NewActivity {
                    org_id: row.org_id,
                    actor_id: None,
                    actor_label: None,
                    subject_id: row.user_id,
                    kind: ActivityKind::EmailFailed,
                    details: format!(
                        "{} to {} failed after {attempts} attempt{}: {reason}",
                        email_description(&row),
                        row.to_addr,
                        if attempts == 1 { "" } else { "s" }
                    ),
                    ip: None,
                },
                now,
            )
            .await?;
            tx.commit().await?;
            Ok(FailedAttempt::GaveUp)
        } else {
            let retry_at = crate::clock::truncate(
                now + chrono::Duration::from_std(backoff(attempts.max(0) as u32))
                    .map_err(|e| CoreError::Internal(e.to_string()))?,
            );
            let mut sql = Sql::new("UPDATE email_outbox SET status = 'queued', attempts = ");
            sql.bind(attempts)
                .push(", last_error = ")
                .bind(reason)
                .push(", next_attempt_at = ")
                .bind(retry_at)
                .push(", locked_by = NULL, locked_until = NULL WHERE id = ")
                .bind(id);
            sql.execute(&tx).await?;
            tx.commit().await?;
            Ok(FailedAttempt::WillRetry { at: retry_at })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_doubles_with_jitter_and_stops_at_ten_minutes() {
        for _ in 0..100 {
            let first = backoff(1).as_secs_f64();
            assert!((1.6..=2.4).contains(&first), "{first}");
            let fifth = backoff(5).as_secs_f64();
            assert!((25.6..=38.4).contains(&fifth), "{fifth}");
            assert!(backoff(9).as_secs_f64() <= 600.0);
            assert!(backoff(40).as_secs_f64() <= 600.0);
            assert!(backoff(40).as_secs_f64() >= 480.0);
        }
    }
}
