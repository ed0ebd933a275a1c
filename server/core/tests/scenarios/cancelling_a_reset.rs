//! "Didn't expect this? Cancel the request": the user cancels a reset from its email. The link
//! stops working and the admins see it; an admin's reset stands, a forgot-password request
//! leaves the current password working.

use chrono::Duration;
use orgdesk_core::entities::activity;
use orgdesk_core::types::{ActivityFilter, ActivityKind, LinkPurpose, LinkState, UserStatus};
use orgdesk_core::{CoreError, SignInOutcome};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use orgdesk_testkit::on_both_databases;
use orgdesk_testkit::{Harness, MEMBER_PASSWORD};

const NEW_PASSWORD: &str = "Quiet-Harbor-58-Lantern";

on_both_databases!(
    user_cancels_an_unexpected_admin_reset_from_the_email,
    user_cancels_an_unexpected_forgot_password_request_and_keeps_the_password,
    an_admin_sends_a_new_link_after_the_user_cancelled,
    no_public_page_sends_a_link_after_the_user_cancelled,
    a_garbage_or_unknown_link_cancels_nothing,
    a_used_link_cannot_be_cancelled,
    an_expired_link_cannot_be_cancelled,
    a_link_replaced_by_a_newer_one_cannot_be_cancelled,
    cancelling_twice_is_recorded_once,
    cancelling_and_using_a_link_at_once_lets_exactly_one_win,
);

async fn cancellations(h: &Harness, user_id: i64) -> Vec<activity::Model> {
    activity::Entity::find()
        .filter(activity::Column::SubjectId.eq(user_id))
        .filter(activity::Column::Kind.eq(ActivityKind::ResetCancelled.as_str()))
        .all(h.db())
        .await
        .unwrap()
}

fn is_unusable_because(err: &CoreError, expected: &LinkState) -> bool {
    matches!(err, CoreError::LinkUnusable(state) if state == expected)
}

async fn user_cancels_an_unexpected_admin_reset_from_the_email(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    let token = h.admin_reset(&demo, jane.id).await;

    h.core
        .cancel_reset_link(&token, Some("192.0.2.9"))
        .await
        .unwrap();

    // The link no longer works, and says why.
    let cancelled = LinkState::Cancelled {
        org_name: "Acme Corp".into(),
        purpose: LinkPurpose::AdminReset,
    };
    assert_eq!(h.core.inspect_link(&token).await.unwrap(), cancelled);
    let err = h
        .core
        .complete_reset(&token, NEW_PASSWORD, None)
        .await
        .unwrap_err();
    assert!(is_unusable_because(&err, &cancelled), "{err:?}");
    assert!(h.live_links(jane.id).await.is_empty());

    // The admin's reset stands: the old password stays invalid, the status "Reset pending".
    let after = h.user(jane.id).await;
    assert!(after.password_hash.is_none());
    assert_eq!(after.status(), Some(UserStatus::ResetPending));
    assert!(matches!(
        h.core
            .sign_in(&jane.email, MEMBER_PASSWORD, None)
            .await
            .unwrap(),
        SignInOutcome::ResetRequired { .. }
    ));

    // The admins see that Jane didn't expect it, on her timeline and in the Activity page.
    let recorded = cancellations(&h, jane.id).await;
    assert_eq!(recorded.len(), 1);
    let event = &recorded[0];
    assert_eq!(event.actor_id, Some(jane.id));
    assert_eq!(event.ip.as_deref(), Some("192.0.2.9"));
    assert!(event.details.contains("unexpected"), "{}", event.details);
    assert!(
        event
            .details
            .contains(&format!("reset by {}", demo.admin.name)),
        "{}",
        event.details
    );
    let timeline = h
        .core
        .user_activity(&demo.admin, jane.id, 10)
        .await
        .unwrap();
    assert!(timeline
        .iter()
        .any(|e| e.kind == ActivityKind::ResetCancelled));
    let page = h
        .core
        .org_activity(
            &demo.admin,
            &ActivityFilter {
                kind: Some(ActivityKind::ResetCancelled),
                ..ActivityFilter::default()
            },
            1,
            20,
        )
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.events[0].subject_name.as_deref(), Some(&*jane.name));

    // The sidebar says so instead of "the emailed link expires …".
    let details = h.core.user_details(&demo.admin, jane.id).await.unwrap();
    assert_eq!(details.reset_link_expires_at, None);
    assert_eq!(details.reset_link_cancelled_at, Some(event.created_at));
}

async fn user_cancels_an_unexpected_forgot_password_request_and_keeps_the_password(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    h.core
        .request_forgot_password(&jane.email, None)
        .await
        .unwrap();
    let token = h.emailed_token(jane.id).await;

    h.core.cancel_reset_link(&token, None).await.unwrap();

    let cancelled = LinkState::Cancelled {
        org_name: "Acme Corp".into(),
        purpose: LinkPurpose::ForgotPassword,
    };
    assert_eq!(h.core.inspect_link(&token).await.unwrap(), cancelled);
    let err = h
        .core
        .complete_reset(&token, NEW_PASSWORD, None)
        .await
        .unwrap_err();
    assert!(is_unusable_because(&err, &cancelled), "{err:?}");

    // The current password keeps working; nothing about the account changed.
    let after = h.user(jane.id).await;
    assert_eq!(after.status(), Some(UserStatus::Active));
    assert_eq!(after.password_hash, jane.password_hash);
    assert!(matches!(
        h.core
            .sign_in(&jane.email, MEMBER_PASSWORD, None)
            .await
            .unwrap(),
        SignInOutcome::SignedIn { .. }
    ));
    let recorded = cancellations(&h, jane.id).await;
    assert_eq!(recorded.len(), 1);
    assert!(
        recorded[0]
            .details
            .contains("the current password keeps working"),
        "{}",
        recorded[0].details
    );
}

async fn an_admin_sends_a_new_link_after_the_user_cancelled(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    let cancelled = h.admin_reset(&demo, jane.id).await;
    h.core.cancel_reset_link(&cancelled, None).await.unwrap();

    // Having checked with Jane, the admin uses Resend Email; the new link works.
    h.core
        .admin_resend_reset_email(&demo.admin, jane.id, None)
        .await
        .unwrap();
    let fresh = h.emailed_token(jane.id).await;
    assert_ne!(fresh, cancelled);
    let details = h.core.user_details(&demo.admin, jane.id).await.unwrap();
    assert!(details.reset_link_expires_at.is_some());
    assert_eq!(details.reset_link_cancelled_at, None);
    h.core
        .complete_reset(&fresh, NEW_PASSWORD, None)
        .await
        .unwrap();
    // The cancelled link still says it was cancelled, not "used" or "replaced".
    assert!(matches!(
        h.core.inspect_link(&cancelled).await.unwrap(),
        LinkState::Cancelled { .. }
    ));
}

/// Whoever caused an unexpected reset may read the user's inbox: once the user has cancelled
/// it, Resend Email and Forgot your password? send nothing (and answer as always) until an admin
/// sends a link from the console; neither does an older, expired link's "send a new link".
async fn no_public_page_sends_a_link_after_the_user_cancelled(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    // An earlier link that expired unused, then the reset Jane didn't expect, which she cancels.
    let expired = h.admin_reset(&demo, jane.id).await;
    h.clock.advance(Duration::minutes(16));
    h.core
        .admin_resend_reset_email(&demo.admin, jane.id, None)
        .await
        .unwrap();
    let cancelled = h.emailed_token(jane.id).await;
    h.core.cancel_reset_link(&cancelled, None).await.unwrap();
    let emails = format!(
        "SELECT COUNT(*) AS n FROM email_outbox WHERE user_id = {}",
        jane.id
    );
    let sent_before = h.scalar(&emails).await;

    h.core
        .resend_reset_email(&jane.email, Some("198.51.100.7"))
        .await
        .unwrap();
    h.core
        .request_forgot_password(&jane.email, Some("198.51.100.7"))
        .await
        .unwrap();
    h.core
        .resend_from_link(&expired, Some("198.51.100.7"))
        .await
        .unwrap();

    assert_eq!(h.scalar(&emails).await, sent_before, "no email was queued");
    assert!(h.live_links(jane.id).await.is_empty());
    assert!(matches!(
        h.core.inspect_link(&cancelled).await.unwrap(),
        LinkState::Cancelled { .. }
    ));
    // The admins see both requests from the public pages, from the address they came from
    // (the old link was replaced, so it asks for nothing).
    let withheld = activity::Entity::find()
        .filter(activity::Column::SubjectId.eq(jane.id))
        .filter(activity::Column::Kind.eq(ActivityKind::ResetLinkWithheld.as_str()))
        .all(h.db())
        .await
        .unwrap();
    assert_eq!(withheld.len(), 2);
    assert!(withheld
        .iter()
        .all(|e| e.actor_id.is_none() && e.ip.as_deref() == Some("198.51.100.7")));
    assert!(
        withheld[0].details.contains("not sent"),
        "{}",
        withheld[0].details
    );

    // Having checked with Jane, the admin sends a link; from then on the public pages work
    // again, each new link replacing the last.
    h.core
        .admin_resend_reset_email(&demo.admin, jane.id, None)
        .await
        .unwrap();
    let from_admin = h.emailed_token(jane.id).await;
    h.core
        .resend_reset_email(&jane.email, Some("198.51.100.7"))
        .await
        .unwrap();
    let from_sign_in = h.emailed_token(jane.id).await;
    assert_ne!(from_sign_in, from_admin);
    assert_eq!(h.live_links(jane.id).await.len(), 1);
    h.core
        .complete_reset(&from_sign_in, NEW_PASSWORD, None)
        .await
        .unwrap();
}

async fn a_garbage_or_unknown_link_cancels_nothing(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    let token = h.admin_reset(&demo, jane.id).await;

    let never_issued = "A".repeat(token.len());
    let too_long = format!("{token}x");
    for garbage in [
        "",
        "not-a-token",
        never_issued.as_str(),
        "../../etc/passwd",
        too_long.as_str(),
    ] {
        let err = h.core.cancel_reset_link(garbage, None).await.unwrap_err();
        assert!(
            is_unusable_because(&err, &LinkState::Unknown),
            "{garbage:?}: {err:?}"
        );
    }
    assert!(matches!(
        h.core.inspect_link(&token).await.unwrap(),
        LinkState::Valid { .. }
    ));
    assert_eq!(h.live_links(jane.id).await.len(), 1);
    assert_eq!(
        h.scalar("SELECT COUNT(*) AS n FROM activity WHERE kind = 'reset_cancelled'")
            .await,
        0
    );
}

async fn a_used_link_cannot_be_cancelled(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    let token = h.admin_reset(&demo, jane.id).await;
    h.core
        .complete_reset(&token, NEW_PASSWORD, None)
        .await
        .unwrap();

    let err = h.core.cancel_reset_link(&token, None).await.unwrap_err();
    assert!(is_unusable_because(&err, &LinkState::Used), "{err:?}");
    assert_eq!(h.core.inspect_link(&token).await.unwrap(), LinkState::Used);
    assert!(matches!(
        h.core
            .sign_in(&jane.email, NEW_PASSWORD, None)
            .await
            .unwrap(),
        SignInOutcome::SignedIn { .. }
    ));
    assert!(cancellations(&h, jane.id).await.is_empty());
}

async fn an_expired_link_cannot_be_cancelled(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    h.core
        .request_forgot_password(&jane.email, None)
        .await
        .unwrap();
    let token = h.emailed_token(jane.id).await;
    h.clock.advance(Duration::hours(2));

    let err = h.core.cancel_reset_link(&token, None).await.unwrap_err();
    assert!(
        matches!(err, CoreError::LinkUnusable(LinkState::Expired { .. })),
        "{err:?}"
    );
    assert_eq!(
        h.core.inspect_link(&token).await.unwrap(),
        LinkState::Expired {
            purpose: LinkPurpose::ForgotPassword
        }
    );
    assert!(cancellations(&h, jane.id).await.is_empty());
}

async fn a_link_replaced_by_a_newer_one_cannot_be_cancelled(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    let first = h.admin_reset(&demo, jane.id).await;
    h.core
        .admin_resend_reset_email(&demo.admin, jane.id, None)
        .await
        .unwrap();
    let second = h.emailed_token(jane.id).await;

    let err = h.core.cancel_reset_link(&first, None).await.unwrap_err();
    assert!(is_unusable_because(&err, &LinkState::Revoked), "{err:?}");
    // The newer email's link is untouched; its own cancel link still works.
    assert!(matches!(
        h.core.inspect_link(&second).await.unwrap(),
        LinkState::Valid { .. }
    ));
    assert!(cancellations(&h, jane.id).await.is_empty());
}

async fn cancelling_twice_is_recorded_once(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    let token = h.admin_reset(&demo, jane.id).await;
    h.core.cancel_reset_link(&token, None).await.unwrap();
    h.core.cancel_reset_link(&token, None).await.unwrap();
    assert_eq!(cancellations(&h, jane.id).await.len(), 1);
}

async fn cancelling_and_using_a_link_at_once_lets_exactly_one_win(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    let token = h.admin_reset(&demo, jane.id).await;

    let (core, t) = (h.core.clone(), token.clone());
    let complete = tokio::spawn(async move { core.complete_reset(&t, NEW_PASSWORD, None).await });
    let (core, t) = (h.core.clone(), token.clone());
    let cancel = tokio::spawn(async move { core.cancel_reset_link(&t, None).await });
    let (completed, cancelled) = (complete.await.unwrap(), cancel.await.unwrap());

    let state = h.core.inspect_link(&token).await.unwrap();
    match (completed, cancelled) {
        (Ok(()), Err(err)) => {
            assert!(is_unusable_because(&err, &LinkState::Used), "{err:?}");
            assert_eq!(state, LinkState::Used);
            assert_eq!(h.user(jane.id).await.status(), Some(UserStatus::Active));
            assert!(cancellations(&h, jane.id).await.is_empty());
        }
        (Err(err), Ok(())) => {
            assert!(
                matches!(err, CoreError::LinkUnusable(LinkState::Cancelled { .. })),
                "{err:?}"
            );
            assert!(matches!(state, LinkState::Cancelled { .. }));
            assert!(h.user(jane.id).await.password_hash.is_none());
            assert_eq!(cancellations(&h, jane.id).await.len(), 1);
        }
        other => panic!("exactly one should win: {other:?}"),
    }
}
