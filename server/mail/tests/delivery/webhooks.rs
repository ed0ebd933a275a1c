//! Event webhooks to a real receiver on loopback, over HTTPS with the test CA, on SQLite and
//! PostgreSQL: a change's events go out signed, only if the change committed; a receiver that
//! was down gets them on a retry; two workers deliver each event exactly once (by id); an
//! endpoint gets only the events it chose; an expired link is announced.

use std::collections::HashSet;
use std::time::Duration;

use orgdesk_core::types::{NewWebhook, UserFilter, UserStatus, WebhookEvent};
use orgdesk_core::webhooks::verify;
use orgdesk_mail::WebhookWorker;
use orgdesk_testkit::smtp_sink::TEST_CA_FILE;
use orgdesk_testkit::webhook_sink::{ReceivedHook, WebhookSink};
use orgdesk_testkit::{new_member, Harness};
use serde_json::Value;

const SECOND: Duration = Duration::from_secs(1);

fn worker(h: &Harness, id: &str) -> WebhookWorker {
    let ca = std::fs::read(TEST_CA_FILE).expect("the test CA");
    let mut worker = WebhookWorker::new(h.core.clone(), id.into(), Some(&ca)).expect("a worker");
    worker.timeout = Duration::from_secs(5);
    worker
}

fn payload(hook: &ReceivedHook) -> Value {
    serde_json::from_str(&hook.body).expect("a JSON body")
}

async fn signed_events_delivered_exactly_once(h: Harness) {
    let demo = h.demo().await;
    let sink = WebhookSink::start_https().await;
    let created = h
        .core
        .create_webhook(
            &demo.owner,
            &NewWebhook {
                url: sink.url(),
                events: vec![
                    WebhookEvent::ResetRequested,
                    WebhookEvent::ResetCompleted,
                    WebhookEvent::ResetLinkExpired,
                ],
            },
            None,
        )
        .await
        .expect("register the endpoint");
    assert!(created.secret.starts_with("whsec_"));
    let secret = created.secret;
    assert!(
        h.core
            .create_webhook(
                &demo.admin,
                &NewWebhook {
                    url: sink.url(),
                    events: vec![WebhookEvent::ResetRequested]
                },
                None
            )
            .await
            .is_err(),
        "only owners register endpoints"
    );
    let one = worker(&h, "one");

    // The receiver is down: the attempt fails and is kept for later.
    sink.go_down();
    let jane = &demo.members[0];
    let token = h.admin_reset(&demo, jane.id).await;
    let pass = one.deliver_due().await.expect("a pass");
    assert_eq!((pass.claimed, pass.will_retry), (1, 1), "{pass:?}");
    assert_eq!(sink.count(), 0);

    // Back up: not before the backoff, then delivered, signed.
    sink.come_back();
    assert_eq!(
        one.deliver_due().await.expect("a pass").claimed,
        0,
        "not yet due"
    );
    h.advance(Duration::from_secs(11));
    let pass = one.deliver_due().await.expect("a pass");
    assert_eq!(pass.delivered, 1, "{pass:?}");
    let received = sink.wait_for(1, 5 * SECOND).await;
    let hook = &received[0];
    let now = h.core.now().timestamp();
    assert!(verify(
        &secret,
        hook.header("orgdesk-signature").expect("signed"),
        &hook.body,
        now,
        300
    ));
    assert!(!verify(
        "whsec_wrong",
        hook.header("orgdesk-signature").unwrap_or(""),
        &hook.body,
        now,
        300
    ));
    let body = payload(hook);
    assert_eq!(body["type"], "reset.requested");
    assert_eq!(body["data"]["user_id"], jane.id);
    assert_eq!(hook.header("orgdesk-event-id"), body["id"].as_str());
    assert_eq!(hook.header("orgdesk-event-type"), Some("reset.requested"));
    assert_eq!(hook.header("orgdesk-delivery-attempt"), Some("2"));

    // The user completes the reset: reset.completed.
    h.core
        .complete_reset(&token, "Quiet-Harbor-Lantern-82", None)
        .await
        .expect("the new password");
    one.deliver_due().await.expect("a pass");
    let received = sink.wait_for(2, 5 * SECOND).await;
    assert_eq!(payload(&received[1])["type"], "reset.completed");

    // Not chosen by the endpoint: nothing. Rolled back: nothing.
    h.core
        .add_user(&demo.admin, &new_member("Nia New", "nia@acme.test"), None)
        .await
        .expect("add a user");
    let refused = h
        .core
        .admin_reset_matching(
            &demo.admin,
            &UserFilter {
                status: Some(UserStatus::Active),
                ..UserFilter::default()
            },
            1,
            None,
        )
        .await;
    assert!(refused.is_err(), "a stale count is refused");
    assert_eq!(one.deliver_due().await.expect("a pass").claimed, 0);

    // Twenty resets, two workers at once: every event once, by id.
    let twenty: Vec<i64> = demo.members[1..21].iter().map(|m| m.id).collect();
    h.core
        .admin_reset_passwords(&demo.admin, &twenty, None)
        .await
        .expect("bulk reset");
    let two = worker(&h, "two");
    let (a, b) = tokio::join!(one.deliver_due(), two.deliver_due());
    let (a, b) = (a.expect("pass one"), b.expect("pass two"));
    assert_eq!(a.delivered + b.delivered, 20, "{a:?} {b:?}");
    let received = sink.wait_for(22, 5 * SECOND).await;
    let ids: HashSet<String> = received
        .iter()
        .filter_map(|r| r.header("orgdesk-event-id").map(str::to_owned))
        .collect();
    assert_eq!(
        (received.len(), ids.len()),
        (22, 22),
        "each event exactly once"
    );
    assert_eq!(one.deliver_due().await.expect("a pass").claimed, 0);

    // A link that expires unused is announced once.
    h.advance(Duration::from_secs(16 * 60));
    let announced = h.core.announce_expired_links().await.expect("announce");
    assert_eq!(announced, 20, "the bulk's twenty links");
    assert_eq!(h.core.announce_expired_links().await.expect("again"), 0);
    one.deliver_due().await.expect("a pass");
    let received = sink.wait_for(42, 5 * SECOND).await;
    assert_eq!(
        received
            .iter()
            .filter(|r| r.header("orgdesk-event-type") == Some("reset.link_expired"))
            .count(),
        20
    );

    // Settings shows the deliveries; removing the endpoint stops them.
    let deliveries = h
        .core
        .webhook_deliveries(&demo.owner, None, 200)
        .await
        .expect("deliveries");
    assert_eq!(deliveries.len(), 42);
    assert!(deliveries
        .iter()
        .all(|d| d.status == orgdesk_core::types::DeliveryStatus::Delivered));
    assert_eq!(
        deliveries.last().map(|d| d.attempts),
        Some(2),
        "the first took two attempts"
    );
    let id = created.webhook.id;
    h.core
        .remove_webhook(&demo.owner, id, None)
        .await
        .expect("remove");
    h.admin_reset(&demo, demo.members[30].id).await;
    assert_eq!(one.deliver_due().await.expect("a pass").claimed, 0);
}

orgdesk_testkit::on_both_databases!(signed_events_delivered_exactly_once);
