//! The outbox worker: claims due messages from the core's outbox, sends them, and reports each
//! result back so the core can schedule a retry or record the failure (Activity tab).
//!
//! Safe with any number of workers (in one process or many): a message is sent by whoever
//! claimed it, and a claim keeps the others off it for the lease.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use orgdesk_core::{Core, CoreError, FailedAttempt, OutboundEmail};
use tokio::sync::{oneshot, Notify, Semaphore};
use tracing::{debug, error, info, warn};

use crate::config::{MailConfig, WorkerSettings};
use crate::error::MailError;
use crate::mailer::Mailer;

/// What one pass over the outbox did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryPass {
    /// Messages claimed (and attempted) in this pass.
    pub claimed: usize,
    pub delivered: usize,
    /// Failed this time; the core will offer them again after a backoff.
    pub will_retry: usize,
    /// Failed for good: a permanent error, or still failing long after it was queued.
    pub gave_up: usize,
    /// The send happened (or failed) but the result could not be written to the outbox; the
    /// message comes back when its lease ends.
    pub unrecorded: usize,
}

impl DeliveryPass {
    fn add(mut self, outcome: Outcome) -> Self {
        match outcome {
            Outcome::Delivered => self.delivered += 1,
            Outcome::WillRetry => self.will_retry += 1,
            Outcome::GaveUp => self.gave_up += 1,
            Outcome::Unrecorded => self.unrecorded += 1,
        }
        self
    }
}

enum Outcome {
    Delivered,
    WillRetry,
    GaveUp,
    Unrecorded,
}

/// Delivers the email outbox. One per server instance:
///
/// ```ignore
/// let worker = OutboxWorker::new(core.clone(), mail_config, format!("{hostname}-{pid}"))?;
/// let handle = tokio::spawn(worker.run_until(shutdown_signal));
/// ```
pub struct OutboxWorker {
    core: Core,
    mailer: Mailer,
    worker_id: String,
    settings: WorkerSettings,
    /// The core's "emails queued" signal: ends the idle sleep as soon as this process
    /// queues email, so a reset email goes out without waiting for the next poll.
    wake: Arc<Notify>,
    /// One result is written to the outbox at a time, and deliveries that finish meanwhile
    /// are written together with the next ([`OutboxWorker::record_delivered`]). SQLite has a
    /// single writer and makes the others sleep-and-retry on its busy handler; on PostgreSQL,
    /// concurrent writers would each commit alone, so nothing would be written together
    /// (20,500 emails took 21 s either way with a writer per connection; see
    /// docs/performance.md).
    recording: Semaphore,
    /// Deliveries waiting to be recorded: whoever gets the next turn to write records them all
    /// in one transaction ([`OutboxWorker::record_delivered`]).
    delivered: Mutex<Vec<(i64, oneshot::Sender<Recorded>)>>,
}

/// The result of recording a delivery, shared by every delivery written with it.
type Recorded = Result<(), Arc<CoreError>>;

impl std::fmt::Debug for OutboxWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxWorker")
            .field("worker_id", &self.worker_id)
            .field("mailer", &self.mailer)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl OutboxWorker {
    /// Builds the delivery (for SMTP, the pooled transport; nothing connects yet).
    /// `worker_id` names this worker in the outbox's claims and in log lines.
    pub fn new(
        core: Core,
        config: MailConfig,
        worker_id: String,
    ) -> Result<OutboxWorker, MailError> {
        let mailer = Mailer::from_config(&config)?;
        let settings = config.worker;
        Ok(OutboxWorker {
            wake: core.emails_queued_signal(),
            core,
            mailer,
            worker_id,
            settings,
            recording: Semaphore::new(1),
            delivered: Mutex::default(),
        })
    }

    pub fn mailer(&self) -> &Mailer {
        &self.mailer
    }

    /// Polls until `shutdown` completes. A pass in progress is finished (in-flight sends are
    /// neither cut off nor left unrecorded); then pooled SMTP connections are closed.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        if matches!(self.mailer, Mailer::Hold) {
            // Nowhere to send: claim nothing, so every email waits in the outbox, queued, for
            // the next start with SMTP configured.
            warn!(worker = %self.worker_id, "no SMTP server configured: emails wait in the outbox until ORGDESK_SMTP_HOST is set");
            shutdown.await;
            return;
        }
        info!(worker = %self.worker_id, "outbox worker started");
        let mut failed_passes: u32 = 0;
        loop {
            let pause = match self.deliver_due().await {
                Ok(pass) => {
                    failed_passes = 0;
                    if pass.claimed > 0 {
                        info!(
                            worker = %self.worker_id,
                            claimed = pass.claimed,
                            delivered = pass.delivered,
                            will_retry = pass.will_retry,
                            gave_up = pass.gave_up,
                            unrecorded = pass.unrecorded,
                            "outbox pass"
                        );
                    }
                    // A full batch suggests more are waiting: go again without sleeping.
                    (pass.claimed as u64) < self.settings.batch_size
                }
                Err(e) => {
                    failed_passes = failed_passes.saturating_add(1);
                    error!(worker = %self.worker_id, error = ?e, "could not claim from the email outbox");
                    true
                }
            };
            if pause {
                self.mailer.close_stale_connections().await;
                // Back off while the database is unreachable, up to 30 s.
                let sleep_for = self
                    .settings
                    .idle_poll
                    .saturating_mul(2u32.saturating_pow(failed_passes.min(6)))
                    .min(Duration::from_secs(30).max(self.settings.idle_poll));
                tokio::select! {
                    _ = &mut shutdown => break,
                    _ = tokio::time::sleep(sleep_for) => {}
                    _ = self.wake.notified() => {}
                }
            } else if (&mut shutdown).now_or_never().is_some() {
                break;
            }
        }
        self.mailer.shutdown().await;
        info!(worker = %self.worker_id, "outbox worker stopped");
    }

    /// One pass: claim up to a batch of due messages, send them (up to `concurrency` at
    /// once) and record each result. Fails only when the outbox can't be claimed from.
    pub async fn deliver_due(&self) -> Result<DeliveryPass, MailError> {
        let batch = self
            .core
            .claim_outbox(
                &self.worker_id,
                self.settings.batch_size,
                self.settings.lease,
            )
            .await?;
        let pass = DeliveryPass {
            claimed: batch.len(),
            ..DeliveryPass::default()
        };
        if batch.is_empty() {
            return Ok(pass);
        }
        let pass = futures::stream::iter(batch)
            .map(|email| self.deliver_one(email))
            .buffer_unordered(self.settings.concurrency.max(1))
            .fold(pass, |pass, outcome| async move { pass.add(outcome) })
            .await;
        Ok(pass)
    }

    async fn deliver_one(&self, email: OutboundEmail) -> Outcome {
        let id = email.id;
        let attempt = email.attempts.saturating_add(1);
        // Never the body or subject: they carry reset links. The domain is enough to spot a
        // misbehaving provider.
        let domain = recipient_domain(&email.to);
        match self.mailer.send(&email).await {
            Ok(()) => match self.record_delivered(id).await {
                Ok(()) => {
                    debug!(worker = %self.worker_id, id, domain, attempt, "email delivered");
                    Outcome::Delivered
                }
                Err(e) => {
                    error!(
                        worker = %self.worker_id, id, domain, error = ?e,
                        "email delivered but not recorded as sent; it may be sent again when its lease ends"
                    );
                    Outcome::Unrecorded
                }
            },
            Err(failure) => {
                // The core logs the failure (with this reason, hints included) as it records it.
                debug!(worker = %self.worker_id, id, domain, attempt, permanent = failure.permanent, reason = %failure.reason, "email not delivered");
                let recorded =
                    self.core
                        .outbox_attempt_failed(id, &failure.reason, failure.permanent);
                match self.record(recorded).await {
                    Ok(FailedAttempt::WillRetry { .. }) => Outcome::WillRetry,
                    Ok(FailedAttempt::GaveUp | FailedAttempt::AlreadySettled) => Outcome::GaveUp,
                    Err(e) => {
                        warn!(worker = %self.worker_id, id, domain, attempt, reason = %orgdesk_core::redact::email_addresses(&failure.reason), "email not delivered");
                        error!(worker = %self.worker_id, id, error = ?e, "the failed delivery could not be recorded; the message returns when its lease ends");
                        Outcome::Unrecorded
                    }
                }
            }
        }
    }
}

impl OutboxWorker {
    /// Records a delivery together with every other one that finished while the last write
    /// was going on (group commit): a bulk reset's thousands of emails would otherwise be a
    /// commit each, and on SQLite each commit also empties every reader's page cache. A
    /// delivery is recorded as soon as a turn to write comes, as before; it just shares it.
    async fn record_delivered(&self, id: i64) -> Recorded {
        let (done, recorded) = oneshot::channel();
        self.waiting_deliveries().push((id, done));
        {
            let _turn = self.recording.acquire().await.ok();
            // Empty when another writer took this one along.
            let waiting = std::mem::take(&mut *self.waiting_deliveries());
            if !waiting.is_empty() {
                let ids: Vec<i64> = waiting.iter().map(|(id, _)| *id).collect();
                let written = self.core.outbox_delivered(&ids).await.map_err(Arc::new);
                for (_, done) in waiting {
                    // Its delivery is gone only if it stopped waiting: nothing to tell.
                    let _ = done.send(written.clone());
                }
            }
        }
        recorded.await.unwrap_or_else(|_| {
            Err(Arc::new(CoreError::Internal(
                "the delivery's record was dropped unwritten".into(),
            )))
        })
    }

    fn waiting_deliveries(&self) -> MutexGuard<'_, Vec<(i64, oneshot::Sender<Recorded>)>> {
        // Only ever pushed to or emptied whole: a panic elsewhere leaves it consistent.
        self.delivered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes one result to the outbox, waiting for a turn (see `recording`).
    async fn record<T>(&self, write: impl Future<Output = T>) -> T {
        // The semaphore is never closed; should it be, write without a turn.
        let _turn = self.recording.acquire().await.ok();
        write.await
    }
}

/// `jane@acme.test` → `acme.test`; anything else → `?`.
fn recipient_domain(to: &str) -> &str {
    let address = to
        .rsplit_once('<')
        .map_or(to, |(_, rest)| rest.trim_end_matches('>'));
    address
        .rsplit_once('@')
        .map_or("?", |(_, domain)| domain.trim())
}

#[cfg(test)]
mod tests {
    use super::recipient_domain;

    #[test]
    fn logs_show_only_the_recipient_domain() {
        assert_eq!(recipient_domain("jane@acme.test"), "acme.test");
        assert_eq!(recipient_domain("Jane Doe <jane@acme.test>"), "acme.test");
        assert_eq!(recipient_domain("nobody"), "?");
    }
}
