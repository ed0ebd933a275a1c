//! The email outbox: claimed with a lease, delivered or retried with backoff, failed for good
//! on a permanent error or after a day of transient ones; safe with several workers.

use std::collections::HashSet;

use chrono::Duration;
use orgdesk_core::entities::email_outbox;
use orgdesk_core::types::{EmailStatus, UserStatus};
use orgdesk_core::FailedAttempt;
use orgdesk_core::Initiator;
use sea_orm::{ConnectionTrait, EntityTrait};

use orgdesk_testkit::on_both_databases;
use orgdesk_testkit::{new_member, Harness, LEASE};

on_both_databases!(
    a_queued_email_is_claimed_delivered_and_its_body_cleared,
    deliveries_are_recorded_together_each_once,
    a_failed_attempt_is_retried_with_backoff,
    an_email_fails_for_good_on_a_permanent_error_or_after_a_day_of_transient_ones,
    a_crashed_workers_lease_runs_out,
    a_claim_takes_run_out_leases_first_then_the_queue_in_order,
    the_due_index_migration_goes_down_and_up,
    two_concurrent_claimers_never_get_the_same_message,
    retrying_failed_emails_sends_fresh_links_to_whoever_still_waits,
    an_email_with_a_link_is_queued_as_a_letter_and_written_as_it_leaves,
    a_letter_this_version_cannot_read_is_given_up_not_sent_empty,
);

async fn reset_some(h: &Harness, n: usize) -> Vec<i64> {
    let demo = h.demo().await;
    let ids: Vec<i64> = demo.members.iter().take(n).map(|m| m.id).collect();
    h.core
        .admin_reset_passwords(&demo.admin, &ids, None)
        .await
        .unwrap();
    ids
}

async fn row(h: &Harness, id: i64) -> email_outbox::Model {
    email_outbox::Entity::find_by_id(id)
        .one(h.db())
        .await
        .unwrap()
        .unwrap()
}

async fn a_queued_email_is_claimed_delivered_and_its_body_cleared(h: Harness) {
    let ids = reset_some(&h, 1).await;
    let claimed = h.core.claim_outbox("worker-a", 10, LEASE).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let email = &claimed[0];
    assert_eq!(email.attempts, 0);
    assert!(email.text.contains("/reset-password/"));
    assert!(email.html.contains("/reset-password/"));
    assert_eq!(email.subject, "Reset your Acme Corp password");
    let claimed_row = row(&h, email.id).await;
    assert_eq!(claimed_row.status(), Some(EmailStatus::Sending));
    assert_eq!(claimed_row.locked_by.as_deref(), Some("worker-a"));
    // Leased: nobody else gets it.
    assert!(h
        .core
        .claim_outbox("worker-b", 10, LEASE)
        .await
        .unwrap()
        .is_empty());

    h.core.outbox_delivered(&[email.id]).await.unwrap();
    let sent = row(&h, email.id).await;
    assert_eq!(sent.status(), Some(EmailStatus::Sent));
    assert!(sent.sent_at.is_some());
    assert!(!sent.holds_content(), "the link doesn't outlive delivery");
    assert!(h
        .activity_kinds(ids[0])
        .await
        .contains(&"email_sent".to_owned()));
    let sql = format!(
        "SELECT COUNT(*) AS n FROM activity WHERE kind = 'email_sent' AND details LIKE '%attempt 1%' AND subject_id = {}",
        ids[0]
    );
    assert_eq!(h.scalar(&sql).await, 1);
    // Delivered twice (a retry after a lost acknowledgement) is harmless, and an id no longer
    // in the outbox is passed over: neither changes anything.
    let before = h.snapshot().await;
    h.core.outbox_delivered(&[email.id, 987_654]).await.unwrap();
    assert_eq!(h.snapshot().await, before);
    assert_eq!(h.scalar(&sql).await, 1);
}

async fn deliveries_are_recorded_together_each_once(h: Harness) {
    let ids = reset_some(&h, 3).await;
    let claimed = h.core.claim_outbox("worker-a", 10, LEASE).await.unwrap();
    assert_eq!(claimed.len(), 3);
    // The first came back once already, its acknowledgement lost: recorded, and not again.
    h.core.outbox_delivered(&[claimed[0].id]).await.unwrap();
    let all: Vec<i64> = claimed.iter().map(|e| e.id).collect();
    h.core.outbox_delivered(&all).await.unwrap();
    for email in &claimed {
        let sent = row(&h, email.id).await;
        assert_eq!(sent.status(), Some(EmailStatus::Sent));
        assert_eq!(sent.attempts, 1);
        assert!(!sent.holds_content());
    }
    for user in ids {
        let sql = format!(
            "SELECT COUNT(*) AS n FROM activity WHERE kind = 'email_sent' AND details LIKE '%(attempt 1)' AND subject_id = {user}"
        );
        assert_eq!(h.scalar(&sql).await, 1, "user {user}");
    }
}

async fn a_failed_attempt_is_retried_with_backoff(h: Harness) {
    reset_some(&h, 1).await;
    let email = h.core.claim_outbox("w", 1, LEASE).await.unwrap().remove(0);
    h.core
        .outbox_attempt_failed(email.id, "421 try again later", false)
        .await
        .unwrap();
    let retry = row(&h, email.id).await;
    assert_eq!(retry.status(), Some(EmailStatus::Queued));
    assert_eq!(retry.attempts, 1);
    assert_eq!(retry.last_error.as_deref(), Some("421 try again later"));
    let wait = retry.next_attempt_at - h.core.now();
    assert!(
        wait > Duration::zero() && wait <= Duration::seconds(3),
        "about 2 s: {wait}"
    );
    assert!(
        h.core.claim_outbox("w", 1, LEASE).await.unwrap().is_empty(),
        "not due yet"
    );
    h.clock.advance(Duration::seconds(3));
    let again = h.core.claim_outbox("w", 1, LEASE).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 1);
    assert!(
        again[0].text.contains("/reset-password/"),
        "the body survives a failed attempt"
    );
    // About 2^attempts seconds (±20%) (the ten-minute cap is a unit test in outbox.rs).
    for attempts in 2..=7 {
        h.core
            .outbox_attempt_failed(email.id, "421", false)
            .await
            .unwrap();
        let r = row(&h, email.id).await;
        assert_eq!(r.attempts, attempts);
        let wait = (r.next_attempt_at - h.core.now()).num_milliseconds() as f64 / 1000.0;
        let expected = 2f64.powi(attempts).min(600.0);
        assert!(
            wait >= expected * 0.8 - 0.1 && wait <= (expected * 1.2).min(600.0) + 0.1,
            "attempt {attempts}: {wait} s"
        );
        h.clock.advance(Duration::minutes(11));
        assert_eq!(h.core.claim_outbox("w", 1, LEASE).await.unwrap().len(), 1);
    }
}

async fn an_email_fails_for_good_on_a_permanent_error_or_after_a_day_of_transient_ones(h: Harness) {
    let ids = reset_some(&h, 2).await;
    let claimed = h.core.claim_outbox("w", 10, LEASE).await.unwrap();
    assert_eq!(claimed.len(), 2);
    h.core
        .outbox_attempt_failed(claimed[0].id, "550 mailbox unavailable", true)
        .await
        .unwrap();
    let failed = row(&h, claimed[0].id).await;
    assert_eq!(failed.status(), Some(EmailStatus::Failed));
    assert!(!failed.holds_content());
    let reason = h
        .scalar("SELECT COUNT(*) AS n FROM activity WHERE kind = 'email_failed' AND details LIKE '%550 mailbox unavailable%'")
        .await;
    assert_eq!(reason, 1);
    assert!(
        h.activity_kinds(ids[0])
            .await
            .contains(&"email_failed".to_owned())
            || h.activity_kinds(ids[1])
                .await
                .contains(&"email_failed".to_owned())
    );

    // The other one fails transiently: it is retried for a day after it was queued, however
    // many attempts that takes (an SMTP outage of hours loses nothing), then marked failed.
    let id = claimed[1].id;
    let mut attempts = 0;
    while h.core.now() - row(&h, id).await.created_at < Duration::hours(24) {
        let outcome = h
            .core
            .outbox_attempt_failed(id, "connection refused", false)
            .await
            .unwrap();
        attempts += 1;
        assert!(
            matches!(outcome, FailedAttempt::WillRetry { .. }),
            "attempt {attempts}: {outcome:?}"
        );
        assert_eq!(
            row(&h, id).await.status(),
            Some(EmailStatus::Queued),
            "attempt {attempts}"
        );
        h.clock.advance(Duration::minutes(90));
        assert_eq!(h.core.claim_outbox("w", 10, LEASE).await.unwrap().len(), 1);
    }
    assert!(
        attempts > 8,
        "more attempts than the old fixed limit: {attempts}"
    );
    assert_eq!(
        h.core
            .outbox_attempt_failed(id, "connection refused", false)
            .await
            .unwrap(),
        FailedAttempt::GaveUp
    );
    let r = row(&h, id).await;
    assert_eq!(r.status(), Some(EmailStatus::Failed));
    assert_eq!(r.attempts, attempts + 1);
    assert!(!r.holds_content(), "nothing will send it: the link goes");
    // A late report from a worker whose lease ran out changes nothing.
    assert_eq!(
        h.core
            .outbox_attempt_failed(id, "connection refused", false)
            .await
            .unwrap(),
        FailedAttempt::AlreadySettled
    );
    h.clock.advance(Duration::hours(1));
    assert!(h
        .core
        .claim_outbox("w", 10, LEASE)
        .await
        .unwrap()
        .is_empty());
}

async fn a_crashed_workers_lease_runs_out(h: Harness) {
    reset_some(&h, 1).await;
    let first = h.core.claim_outbox("crashes", 1, LEASE).await.unwrap();
    assert_eq!(first.len(), 1);
    h.clock.advance(Duration::seconds(59));
    assert!(h
        .core
        .claim_outbox("rescuer", 1, LEASE)
        .await
        .unwrap()
        .is_empty());
    h.clock.advance(Duration::seconds(1));
    let rescued = h.core.claim_outbox("rescuer", 1, LEASE).await.unwrap();
    assert_eq!(rescued.len(), 1);
    assert_eq!(rescued[0].id, first[0].id);
    assert_eq!(
        row(&h, first[0].id).await.locked_by.as_deref(),
        Some("rescuer")
    );
}

/// The ids `worker` claims in a batch of up to `limit`.
async fn claim_ids(h: &Harness, worker: &str, limit: u64) -> Vec<i64> {
    h.core
        .claim_outbox(worker, limit, LEASE)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect()
}

async fn a_claim_takes_run_out_leases_first_then_the_queue_in_order(h: Harness) {
    reset_some(&h, 5).await;
    let mut queued: Vec<i64> = email_outbox::Entity::find()
        .all(h.db())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    queued.sort_unstable();
    assert_eq!(queued.len(), 5);
    assert_eq!(claim_ids(&h, "crashes", 2).await, queued[..2]);
    h.clock.advance(Duration::from_std(LEASE).unwrap());
    // The two whose lease ran out, then the earliest queued, up to the batch.
    assert_eq!(claim_ids(&h, "rescuer", 3).await, queued[..3]);
    assert_eq!(claim_ids(&h, "rescuer", 10).await, queued[3..]);
    assert!(claim_ids(&h, "rescuer", 10).await.is_empty());
}

/// Migration 12 only changes the due index: down (with those after it) and up again, claims
/// work throughout.
async fn the_due_index_migration_goes_down_and_up(h: Harness) {
    use orgdesk_migration::MigratorTrait;
    reset_some(&h, 2).await;
    h.migrate_down_through("m20261129_000012_outbox_due_in_order")
        .await;
    assert_eq!(h.core.claim_outbox("w", 1, LEASE).await.unwrap().len(), 1);
    orgdesk_core::Migrator::up(h.db(), None).await.unwrap();
    assert_eq!(h.core.claim_outbox("w", 1, LEASE).await.unwrap().len(), 1);
}

async fn two_concurrent_claimers_never_get_the_same_message(h: Harness) {
    reset_some(&h, 30).await;
    let mut workers = Vec::new();
    for w in 0..4 {
        let core = h.core.clone();
        workers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = core
                    .claim_outbox(&format!("worker-{w}"), 3, LEASE)
                    .await
                    .unwrap();
                if batch.is_empty() {
                    return mine;
                }
                mine.extend(batch.into_iter().map(|e| e.id));
            }
        }));
    }
    let mut seen = HashSet::new();
    let mut total = 0;
    for worker in workers {
        for id in worker.await.unwrap() {
            total += 1;
            assert!(seen.insert(id), "message {id} claimed twice");
        }
    }
    assert_eq!(total, 30);
}

/// `orgdesk outbox retry-failed`: the worker dropped the failed emails' text (it held a live
/// link), so whoever still waits for an invitation or a reset gets a new email with a fresh
/// link; the rest is counted, and a second retry finds nothing more to do.
async fn retrying_failed_emails_sends_fresh_links_to_whoever_still_waits(h: Harness) {
    let demo = h.demo().await;
    let cli = Initiator::CommandLine {
        org_id: demo.admin.org_id,
        os_user: "ops".into(),
    };
    let (reset, moved_on, asked) = (&demo.members[0], &demo.members[1], &demo.members[2]);
    h.core
        .admin_reset_passwords(&demo.admin, &[reset.id, moved_on.id], None)
        .await
        .unwrap();
    let invited = h
        .core
        .add_user(&demo.admin, &new_member("Nina New", "nina@acme.test"), None)
        .await
        .unwrap();
    h.core
        .request_forgot_password(&asked.email, None)
        .await
        .unwrap();
    let claimed = h.core.claim_outbox("w", 10, LEASE).await.unwrap();
    assert_eq!(claimed.len(), 4);
    for email in &claimed {
        h.core
            .outbox_attempt_failed(email.id, "550 mailbox unavailable", true)
            .await
            .unwrap();
    }
    // One of them no longer waits for the link.
    h.core
        .set_suspended(&demo.admin, moved_on.id, true, None)
        .await
        .unwrap();
    let old_links = h
        .scalar(
            "SELECT COUNT(*) AS n FROM reset_links WHERE used_at IS NULL AND revoked_at IS NULL",
        )
        .await;

    let report = h.core.outbox_retry_failed(cli.clone()).await.unwrap();
    assert_eq!(report.requeued, 0);
    assert_eq!(report.resent, 2, "{report:?}");
    // The suspended member's reset email and the forgot-password email stay failed.
    assert_eq!(report.not_resendable, 2, "{report:?}");

    let again = h.core.claim_outbox("w", 10, LEASE).await.unwrap();
    let mut to: Vec<&str> = again.iter().map(|e| e.to.as_str()).collect();
    to.sort_unstable();
    let mut expected = vec![reset.email.as_str(), invited.email.as_str()];
    expected.sort_unstable();
    assert_eq!(to, expected);
    for email in &again {
        assert!(email.text.contains("/reset-password/"), "{}", email.text);
        assert!(
            !claimed.iter().any(|c| c.text == email.text),
            "a fresh link"
        );
    }
    // One live link each, as before: the new ones replaced the old.
    assert_eq!(
        h.scalar(
            "SELECT COUNT(*) AS n FROM reset_links WHERE used_at IS NULL AND revoked_at IS NULL"
        )
        .await,
        old_links
    );
    assert_eq!(
        h.user_by_email(&reset.email).await.status(),
        Some(UserStatus::ResetPending)
    );
    let by_cli = h
        .scalar(
            "SELECT COUNT(*) AS n FROM activity WHERE actor_label = 'command line (ops)' \
             AND kind IN ('reset_email_resent', 'invitation_sent') AND details LIKE '%could not be delivered%'",
        )
        .await;
    assert_eq!(by_cli, 2);

    // Nothing more to do: the new emails are the newest, and they have not failed.
    let twice = h.core.outbox_retry_failed(cli).await.unwrap();
    assert_eq!(
        (twice.requeued, twice.resent, twice.not_resendable),
        (0, 0, 2)
    );
}

async fn an_email_with_a_link_is_queued_as_a_letter_and_written_as_it_leaves(h: Harness) {
    reset_some(&h, 1).await;
    let queued = email_outbox::Entity::find()
        .one(h.db())
        .await
        .unwrap()
        .unwrap();
    // What the email says, not the email: no bodies, a letter of a few hundred bytes.
    assert!(queued.body_text.is_none() && queued.body_html.is_none());
    let letter = queued.letter.clone().expect("queued as a letter");
    assert!(letter.len() < 1_000, "{} bytes", letter.len());
    assert_eq!(queued.subject, "Reset your Acme Corp password");

    // Sent ten minutes later, it still reads as written when it was queued.
    h.advance(std::time::Duration::from_secs(10 * 60));
    let claimed = h.core.claim_outbox("worker-a", 10, LEASE).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let email = &claimed[0];
    assert_eq!(email.subject, "Reset your Acme Corp password");
    assert!(email
        .text
        .contains("Ada Admin, an administrator of Acme Corp,"));
    assert!(
        email.text.contains("expires in 15 minutes"),
        "{}",
        email.text
    );
    assert!(email.text.contains("http://orgdesk.test/reset-password/"));
    assert!(email.html.contains("Reset password") && email.html.contains("/cancel"));
    assert_eq!(
        queued.bodies(),
        Some((email.text.clone(), email.html.clone()))
    );

    // Gone with the bodies once sent: it holds the link.
    h.core.outbox_delivered(&[email.id]).await.unwrap();
    assert!(!row(&h, email.id).await.holds_content());
}

async fn a_letter_this_version_cannot_read_is_given_up_not_sent_empty(h: Harness) {
    reset_some(&h, 1).await;
    // As a newer version might write it.
    h.db()
        .execute_unprepared(r#"UPDATE email_outbox SET letter = '{"about":"Postcard"}'"#)
        .await
        .unwrap();
    let claimed = h.core.claim_outbox("worker-a", 10, LEASE).await.unwrap();
    assert!(claimed.is_empty(), "nothing to send: {claimed:?}");
    let given_up = email_outbox::Entity::find()
        .one(h.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(given_up.status(), Some(EmailStatus::Failed));
    assert!(!given_up.holds_content());
    assert!(given_up
        .last_error
        .as_deref()
        .is_some_and(|e| e.contains("could not be read")));
}
