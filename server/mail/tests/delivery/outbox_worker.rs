//! The outbox worker end to end: a real core on SQLite, a real SMTP server on loopback.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use orgdesk_core::types::{ActivityKind, EmailStatus, LinkState};
use orgdesk_mail::{dev_mailbox, DeliveryPass, MailConfig, WorkerSettings};
use orgdesk_testkit::mime;
use orgdesk_testkit::smtp_sink::SmtpSink;

use crate::support::fixture::{core_config, reset_link, smtp_config, TestCore};

#[tokio::test]
async fn admin_reset_email_arrives_over_smtp_with_the_org_the_admin_the_link_and_the_expiry() {
    let t = TestCore::sqlite().await;
    let sink = SmtpSink::start().await;
    let members = t.members().await;
    let jane = &members[0];
    t.reset(&[jane]).await;

    let pass = t
        .worker(smtp_config(sink.port()), "w1")
        .deliver_due()
        .await
        .unwrap();

    assert_eq!(
        pass,
        DeliveryPass {
            claimed: 1,
            delivered: 1,
            ..DeliveryPass::default()
        }
    );
    let received = sink.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].rcpt_to, vec![jane.email.clone()]);
    let message = mime::parse(&received[0].data);
    assert_eq!(
        message.header("Subject"),
        Some("Reset your Acme Corp password")
    );
    assert_eq!(
        message.header("From"),
        Some("Orgdesk <no-reply@orgdesk.local>")
    );

    let text = message.part("text/plain");
    assert!(text.contains(&format!("Hello {}", jane.name)), "{text}");
    assert!(
        text.contains("Ada Admin, an administrator of Acme Corp, reset the password"),
        "{text}"
    );
    assert!(text.contains("expires in 15 minutes"), "{text}");
    assert!(text.contains("Didn't expect this?"), "{text}");
    let link = reset_link(text);

    let html = message.part("text/html");
    assert!(
        html.contains("Ada Admin, an administrator of Acme Corp, reset the password"),
        "{html}"
    );
    assert!(
        html.contains(&format!("<a href=\"{link}\"")),
        "the HTML part links to the same URL: {html}"
    );
    assert!(html.contains("expires <strong>in 15 minutes"), "{html}");

    // The link in the email is the one that works.
    let token = link.rsplit('/').next().unwrap();
    assert!(
        matches!(
            t.core.inspect_link(token).await.unwrap(),
            LinkState::Valid { .. }
        ),
        "the emailed link opens the Reset Password page"
    );
    let activity = t.core.user_activity(&t.admin, jane.id, 20).await.unwrap();
    assert!(
        activity.iter().any(|a| a.kind == ActivityKind::EmailSent),
        "{activity:?}"
    );
    assert_eq!(t.outbox().await[0].status, EmailStatus::Sent);
}

#[tokio::test]
async fn smtp_down_for_a_while_then_back_delivers_every_message_exactly_once() {
    let t = TestCore::sqlite().await;
    let sink = SmtpSink::start().await;
    let worker = t.worker(smtp_config(sink.port()), "w1");
    let members = t.members().await;

    // One message while the server is up: the pool now holds a live connection.
    t.reset(&[&members[0]]).await;
    assert_eq!(worker.deliver_due().await.unwrap().delivered, 1);

    sink.go_down().await;
    let during_outage: Vec<_> = members[1..6].iter().collect();
    t.reset(&during_outage).await;
    let failed = worker.deliver_due().await.unwrap();
    assert_eq!(
        failed,
        DeliveryPass {
            claimed: 5,
            will_retry: 5,
            ..DeliveryPass::default()
        }
    );
    // Retried with backoff, not at once.
    assert_eq!(
        worker.deliver_due().await.unwrap().claimed,
        0,
        "nothing is due before the backoff"
    );
    for row in &t.outbox().await[1..] {
        assert_eq!(
            (row.status, row.attempts),
            (EmailStatus::Queued, 1),
            "{row:?}"
        );
        assert!(
            row.last_error
                .as_deref()
                .unwrap()
                .contains(&format!("127.0.0.1:{}", sink.port())),
            "{row:?}"
        );
    }

    // Still down, for three hours: retried every ten minutes or so (the backoff's cap), far
    // more attempts than any fixed limit would allow, and nothing is given up on.
    for _ in 0..16 {
        t.advance(Duration::from_secs(11 * 60));
        assert_eq!(worker.deliver_due().await.unwrap().will_retry, 5);
    }

    sink.come_back().await;
    t.advance(Duration::from_secs(11 * 60));
    let recovered = worker.deliver_due().await.unwrap();
    assert_eq!(
        recovered,
        DeliveryPass {
            claimed: 5,
            delivered: 5,
            ..DeliveryPass::default()
        }
    );
    t.advance(Duration::from_secs(60 * 60));
    assert_eq!(
        worker.deliver_due().await.unwrap().claimed,
        0,
        "nothing left to send"
    );

    let received = sink.messages();
    assert_eq!(received.len(), 6, "every message arrived, none twice");
    let recipients: HashSet<_> = received.iter().map(|m| m.rcpt_to[0].clone()).collect();
    let expected: HashSet<_> = members[..6].iter().map(|m| m.email.clone()).collect();
    assert_eq!(recipients, expected);
    let rows = t.outbox().await;
    assert!(
        rows.iter().all(|r| r.status == EmailStatus::Sent),
        "{rows:?}"
    );
    assert!(
        rows[1..].iter().all(|r| r.attempts == 18),
        "17 failed attempts and the one that worked: {rows:?}"
    );
    let activity = t
        .core
        .user_activity(&t.admin, members[3].id, 20)
        .await
        .unwrap();
    let sent = activity
        .iter()
        .find(|a| a.kind == ActivityKind::EmailSent)
        .expect("an EmailSent activity");
    assert!(sent.details.contains("attempt 18"), "{sent:?}");
}

#[tokio::test]
async fn a_rejected_recipient_is_marked_failed_with_the_servers_reason() {
    let t = TestCore::sqlite().await;
    let sink = SmtpSink::start().await;
    let members = t.members().await;
    let (gone, fine) = (&members[0], &members[1]);
    sink.reject_recipient(&gone.email);
    t.reset(&[gone, fine]).await;

    let pass = t
        .worker(smtp_config(sink.port()), "w1")
        .deliver_due()
        .await
        .unwrap();

    assert_eq!(
        pass,
        DeliveryPass {
            claimed: 2,
            delivered: 1,
            gave_up: 1,
            ..DeliveryPass::default()
        }
    );
    let rows = t.outbox().await;
    let failed = rows.iter().find(|r| r.to == gone.email).unwrap();
    assert_eq!(
        (failed.status, failed.attempts),
        (EmailStatus::Failed, 1),
        "failed at once, no retries"
    );
    assert!(
        failed.last_error.as_deref().unwrap().contains("550"),
        "{failed:?}"
    );
    assert_eq!(
        rows.iter().find(|r| r.to == fine.email).unwrap().status,
        EmailStatus::Sent
    );

    let activity = t.core.user_activity(&t.admin, gone.id, 20).await.unwrap();
    let event = activity
        .iter()
        .find(|a| a.kind == ActivityKind::EmailFailed)
        .expect("an EmailFailed activity");
    assert!(
        event.details.contains("550") && event.details.contains("mailbox unavailable"),
        "the admin sees why: {event:?}"
    );

    t.advance(Duration::from_secs(60 * 60));
    let worker = t.worker(smtp_config(sink.port()), "w2");
    assert_eq!(
        worker.deliver_due().await.unwrap().claimed,
        0,
        "a failed message is not retried"
    );
    assert_eq!(sink.count(), 1);
}

#[tokio::test]
async fn a_message_still_undeliverable_when_the_give_up_time_comes_is_marked_failed() {
    let t = TestCore::sqlite_with(orgdesk_core::CoreConfig {
        outbox_give_up_after: Duration::from_secs(60 * 60),
        ..core_config()
    })
    .await;
    let sink = SmtpSink::start().await;
    sink.go_down().await;
    let members = t.members().await;
    t.reset(&[&members[0]]).await;
    let worker = t.worker(smtp_config(sink.port()), "w1");

    // Retried (backoff caps at ten minutes) for as long as the hour lasts…
    for _ in 0..5 {
        assert_eq!(worker.deliver_due().await.unwrap().will_retry, 1);
        t.advance(Duration::from_secs(11 * 60));
    }
    // …and given up on once it has passed.
    t.advance(Duration::from_secs(5 * 60));
    assert_eq!(worker.deliver_due().await.unwrap().gave_up, 1);

    let row = &t.outbox().await[0];
    assert_eq!((row.status, row.attempts), (EmailStatus::Failed, 6));
    let activity = t
        .core
        .user_activity(&t.admin, members[0].id, 20)
        .await
        .unwrap();
    assert!(
        activity.iter().any(|a| a.kind == ActivityKind::EmailFailed),
        "{activity:?}"
    );
}

#[tokio::test]
async fn with_no_smtp_host_reset_emails_land_in_the_dev_mailbox() {
    let t = TestCore::sqlite().await;
    let dir = orgdesk_testkit::tempdir().unwrap();
    let members = t.members().await;
    t.reset(&[&members[0], &members[1]]).await;

    let pass = t
        .worker(MailConfig::dev_mailbox(dir.path()), "w1")
        .deliver_due()
        .await
        .unwrap();

    assert_eq!(pass.delivered, 2);
    let messages = dev_mailbox::list_messages(dir.path(), 10).await.unwrap();
    assert_eq!(messages.len(), 2);
    let jane = messages.iter().find(|m| m.to == members[0].email).unwrap();
    assert_eq!(jane.subject, "Reset your Acme Corp password");
    let link = reset_link(&jane.text);
    assert!(jane.html.contains(&link));
    let opened = dev_mailbox::read_message(dir.path(), &jane.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&opened, jane);
}

#[tokio::test]
async fn the_running_worker_sends_a_reset_email_at_once_and_stops_gracefully() {
    let t = TestCore::sqlite().await;
    let sink = SmtpSink::start().await;
    let mut config = smtp_config(sink.port());
    // Without the core's "emails queued" signal, the next poll would be a minute away.
    config.worker = WorkerSettings {
        idle_poll: Duration::from_secs(60),
        ..WorkerSettings::default()
    };
    let worker = t.worker(config, "w1");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker.run_until(async move {
        let _ = stopped.await;
    }));
    tokio::time::sleep(Duration::from_millis(100)).await; // let the first (empty) pass run

    let members = t.members().await;
    t.reset(&[&members[0]]).await;
    let started = Instant::now();
    sink.wait_for(1, Duration::from_secs(10)).await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "sent long before the next poll"
    );

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("the worker stops")
        .unwrap();
    assert_eq!(t.outbox().await[0].status, EmailStatus::Sent);
}
