//! Webhook throughput: how many events per second the WebhookWorker delivers to a receiver on
//! loopback (the test kit's HTTPS sink, with the test CA), each a signed POST on its own TLS
//! connection, claimed and recorded through the database.
//!
//! ```text
//! cargo bench -p orgdesk-mail --bench webhook_throughput
//! ORGDESK_BENCH_DATABASE_URL=postgres://orgdesk:orgdesk@127.0.0.1:5432/bench \
//!     cargo bench -p orgdesk-mail --bench webhook_throughput
//! ```
//!
//! `ORGDESK_BENCH_EVENTS` (default 5,000). Not a timed test: it prints the rate (goal: at
//! least 500 events/s) and fails only if an event goes missing or arrives twice.

use std::sync::Arc;
use std::time::{Duration, Instant};

use orgdesk_core::types::{NewWebhook, UserFilter, WebhookEvent};
use orgdesk_core::{Core, Initiator, TestClock};
use orgdesk_mail::WebhookWorker;
use orgdesk_testkit::smtp_sink::TEST_CA_FILE;
use orgdesk_testkit::webhook_sink::WebhookSink;
use orgdesk_testkit::{test_config, TestDatabase};

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let events: u64 = std::env::var("ORGDESK_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let scratch = TestDatabase::sqlite();
    let url = std::env::var("ORGDESK_BENCH_DATABASE_URL").unwrap_or_else(|_| scratch.url.clone());
    let core = Core::connect(&url, test_config(), Arc::new(TestClock::new()))
        .await
        .expect("connect and migrate");
    let org = core
        .create_organization("Webhook Bench")
        .await
        .expect("an organization");
    let by = Initiator::CommandLine {
        org_id: org,
        os_user: "bench".into(),
    };
    let sink = WebhookSink::start_https().await;
    sink.count_only();
    core.create_webhook(
        by.clone(),
        &NewWebhook {
            url: sink.url(),
            events: vec![WebhookEvent::ResetRequested],
        },
        None,
    )
    .await
    .expect("register the endpoint");

    let setup = Instant::now();
    core.seed_bulk_users(org, events).await.expect("seed users");
    let report = core
        .admin_reset_matching(by, &UserFilter::default(), events, None)
        .await
        .expect("bulk reset");
    println!(
        "{} reset.requested events queued with their resets in {:.1?} ({url})",
        report.reset.len(),
        setup.elapsed()
    );

    let ca = std::fs::read(TEST_CA_FILE).expect("the test CA");
    let worker = WebhookWorker::new(core.clone(), "bench".into(), Some(&ca)).expect("a worker");
    let started = Instant::now();
    let mut delivered = 0;
    while delivered < events as usize {
        let pass = worker.deliver_due().await.expect("a pass");
        if pass.claimed == 0 {
            assert!(
                started.elapsed() < Duration::from_secs(300),
                "stalled at {delivered}"
            );
            continue;
        }
        assert_eq!(pass.will_retry + pass.gave_up, 0, "{pass:?}");
        delivered += pass.delivered;
    }
    let elapsed = started.elapsed();
    assert_eq!(sink.count(), events as usize, "every event arrived once");
    println!(
        "delivered {events} signed webhooks over HTTPS in {:.2} s: {:.0} events/s (goal ≥ 500)",
        elapsed.as_secs_f64(),
        events as f64 / elapsed.as_secs_f64()
    );
}
