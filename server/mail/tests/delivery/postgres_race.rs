//! Several server instances share one PostgreSQL outbox: their workers race for the same rows
//! and every message must still go out exactly once.

use std::collections::HashSet;
use std::time::Duration;

use orgdesk_core::types::EmailStatus;
use orgdesk_mail::{DeliveryPass, OutboxWorker, WorkerSettings};
use orgdesk_testkit::mime;
use orgdesk_testkit::smtp_sink::SmtpSink;
use orgdesk_testkit::TestDatabase;

use crate::support::fixture::{core_config, reset_link, smtp_config, TestCore};

/// Passes until a pass finds nothing due; the sum of what this worker did.
async fn drain(worker: &OutboxWorker) -> DeliveryPass {
    let mut total = DeliveryPass::default();
    loop {
        let pass = worker.deliver_due().await.unwrap();
        if pass.claimed == 0 {
            return total;
        }
        total.claimed += pass.claimed;
        total.delivered += pass.delivered;
        total.will_retry += pass.will_retry;
        total.gave_up += pass.gave_up;
        total.unrecorded += pass.unrecorded;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_on_postgres_racing_over_one_outbox_send_each_message_exactly_once() {
    let db = TestDatabase::postgres().await;
    let url = db.url.clone();
    // The body runs in its own task so the database is dropped even when an assertion fails.
    let outcome = tokio::spawn(async move {
        // Two instances: two cores (two connection pools) on one database.
        let a = TestCore::connect(&url, core_config()).await;
        let b = TestCore::connect(&url, core_config()).await;
        let sink = SmtpSink::start().await;
        let members = a.members().await;
        let targets: Vec<_> = members.iter().collect();
        // Several rounds of resets: a new email (with a new link) per user per round.
        let rounds = 4;
        for _ in 0..rounds {
            a.reset(&targets).await;
        }
        let queued = a.outbox().await.len();
        assert_eq!(queued, rounds * members.len());

        let small_batches = |port| {
            let mut config = smtp_config(port);
            config.worker = WorkerSettings {
                batch_size: 10,
                concurrency: 4,
                ..config.worker
            };
            config
        };
        let worker_a = a.worker(small_batches(sink.port()), "instance-a");
        let worker_b = b.worker(small_batches(sink.port()), "instance-b");
        let (done_a, done_b) = tokio::join!(drain(&worker_a), drain(&worker_b));

        eprintln!(
            "instance-a delivered {}, instance-b delivered {}",
            done_a.delivered, done_b.delivered
        );
        assert_eq!(
            done_a.delivered + done_b.delivered,
            queued,
            "{done_a:?} {done_b:?}"
        );
        assert_eq!(
            done_a.claimed + done_b.claimed,
            queued,
            "no message was claimed twice"
        );
        let received = sink.wait_for(queued, Duration::from_secs(10)).await;
        assert_eq!(received.len(), queued, "no message was sent twice");
        // Every email carries its own link: a message sent twice would repeat one.
        let links: HashSet<_> = received
            .iter()
            .map(|m| reset_link(mime::parse(&m.data).part("text/plain")))
            .collect();
        assert_eq!(links.len(), queued, "each outbox message arrived once");
        let rows = a.outbox().await;
        assert!(
            rows.iter()
                .all(|r| r.status == EmailStatus::Sent && r.attempts == 1),
            "{rows:?}"
        );
    })
    .await;
    drop(db);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
