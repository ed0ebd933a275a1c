//! Outbox throughput: how many messages per second the OutboxWorker moves from the outbox
//! into an SMTP server on loopback (the tests' in-process sink), over real SMTP.
//!
//! ```text
//! cargo bench -p orgdesk-mail --bench outbox_throughput
//! ORGDESK_BENCH_MESSAGES=20000 ORGDESK_BENCH_DATABASE_URL=postgres://orgdesk:orgdesk@127.0.0.1:5432/bench \
//!     cargo bench -p orgdesk-mail --bench outbox_throughput
//! ```
//!
//! `ORGDESK_BENCH_CONCURRENCY` (default 32, like `ORGDESK_SMTP_MAX_CONNECTIONS`) and
//! `ORGDESK_BENCH_BATCH` (default 8 × concurrency) tune the worker.
//!
//! Not a timed test: it prints the rate (goal: at least 1,000 messages/s) and fails only if
//! a message goes missing.
//!
//! The "transport alone" line sends the same number of messages without the outbox around
//! them (claiming and recording), to show where the time goes: with `TCP_NODELAY` on our
//! sockets (see `smtp.rs`) the SMTP side is an order of magnitude faster than the outbox
//! writes, so the connection count barely matters on loopback.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use orgdesk_core::types::UserFilter;
use orgdesk_core::{Core, OutboundEmail, SignInOutcome, TestClock};
use orgdesk_mail::{DeliveryPass, MailConfig, OutboxWorker, SmtpSettings, WorkerSettings};
use orgdesk_testkit::{smtp_sink, test_config, TestDatabase};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let messages: u64 = env_or("ORGDESK_BENCH_MESSAGES", 5_000);
    let defaults = WorkerSettings::default();
    let concurrency: usize = env_or("ORGDESK_BENCH_CONCURRENCY", defaults.concurrency);
    let batch_size: u64 = env_or(
        "ORGDESK_BENCH_BATCH",
        WorkerSettings::for_connections(concurrency).batch_size,
    );
    let scratch = TestDatabase::sqlite();
    let url = std::env::var("ORGDESK_BENCH_DATABASE_URL").unwrap_or_else(|_| scratch.url.clone());

    let config = test_config();
    let core = Core::connect(&url, config, Arc::new(TestClock::new()))
        .await
        .expect("connect and migrate");
    let demo = core.seed_demo().await.expect("seed the demo organization");
    let SignInOutcome::SignedIn { actor: admin, .. } = core
        .sign_in(&demo.admin_email, &demo.admin_password, None)
        .await
        .expect("sign in")
    else {
        panic!("the demo admin could not sign in")
    };

    // Queue the emails the way production does: one bulk admin reset.
    let setup = Instant::now();
    core.seed_bulk_users(admin.org_id, messages)
        .await
        .expect("seed users");
    let filter = UserFilter {
        search: Some("@bulk.test".into()),
        ..UserFilter::default()
    };
    let report = core
        .admin_reset_matching(&admin, &filter, messages, None)
        .await
        .expect("bulk reset");
    let queued = report.reset.len();
    println!(
        "queued {queued} reset emails in {:.1?} ({url})",
        setup.elapsed()
    );

    let sink = smtp_sink::SmtpSink::start().await;
    sink.count_only();
    let mut mail = MailConfig::smtp(SmtpSettings::plaintext("127.0.0.1", sink.port()));
    mail.worker = WorkerSettings {
        batch_size,
        concurrency,
        ..WorkerSettings::default()
    };
    let worker = OutboxWorker::new(core.clone(), mail, "bench".into()).expect("the SMTP transport");

    let started = Instant::now();
    let mut total = DeliveryPass::default();
    loop {
        let pass = worker.deliver_due().await.expect("a delivery pass");
        if pass.claimed == 0 {
            break;
        }
        total.claimed += pass.claimed;
        total.delivered += pass.delivered;
        total.will_retry += pass.will_retry;
        total.gave_up += pass.gave_up;
        total.unrecorded += pass.unrecorded;
    }
    let elapsed = started.elapsed();

    let received = sink.count();
    let rate = total.delivered as f64 / elapsed.as_secs_f64().max(f64::EPSILON);
    println!(
        "delivered {} of {queued} in {:.2?} over {} SMTP connection(s): {rate:.0} messages/s \
         (batch {batch_size}, concurrency {concurrency}){}",
        total.delivered,
        elapsed,
        sink.connections(),
        if rate >= 1_000.0 {
            ""
        } else {
            "  — BELOW the 1,000 messages/s goal"
        }
    );
    assert_eq!(
        received, queued,
        "the sink received every message exactly once: {total:?}"
    );
    assert_eq!(total.delivered, queued, "{total:?}");

    // For comparison: the same number of messages through the transport alone, with no
    // outbox around it (claiming and recording), to show where the time goes.
    let mailer = worker.mailer();
    let started = Instant::now();
    let sent = futures::stream::iter(0..queued as i64)
        .map(|id| async move {
            let email = OutboundEmail {
                id,
                to: format!("user{id}@bulk.test"),
                subject: "Reset your Acme Corp password".into(),
                text: "x".repeat(900),
                html: "<p>x</p>".repeat(200),
                attempts: 0,
            };
            mailer.send(&email).await.is_ok()
        })
        .buffer_unordered(concurrency)
        .filter(|ok| futures::future::ready(*ok))
        .count()
        .await;
    let elapsed = started.elapsed();
    println!(
        "transport alone: {sent} messages in {elapsed:.2?}: {:.0} messages/s",
        sent as f64 / elapsed.as_secs_f64().max(f64::EPSILON)
    );
    tokio::time::sleep(Duration::from_millis(10)).await;
}
