//! The user's side of a reset: the Reset Password page checks the link, sets the password,
//! and offers Resend Email when the link has expired.

use chrono::Duration;
use orgdesk_core::entities::email_outbox;
use orgdesk_core::types::password_policy::Rule;
use orgdesk_core::types::{LinkPurpose, LinkState, UserStatus};
use orgdesk_core::{CoreError, SignInOutcome};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use orgdesk_testkit::on_both_databases;
use orgdesk_testkit::{Harness, MEMBER_PASSWORD};

const NEW_PASSWORD: &str = "Tumbling-Otter-47-Harbor";

on_both_databases!(
    a_link_expires_at_exactly_15_minutes,
    a_link_cannot_be_used_twice,
    the_same_link_submitted_twice_at_once_sets_the_password_once,
    completing_a_reset_sets_the_password_and_revokes_everything_else,
    a_weak_password_is_refused_and_changes_nothing,
    an_expired_link_offers_a_new_one,
    resend_email_from_the_sign_in_prompt,
    forgot_password_keeps_the_current_password_working,
    forgot_password_never_reveals_whether_an_email_exists,
    forgot_password_after_an_admin_reset_resends_the_admin_link,
);

async fn a_link_expires_at_exactly_15_minutes(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    h.clock.freeze_at(chrono::Utc::now());
    let token = h.admin_reset(&demo, jane.id).await;
    let LinkState::Valid {
        expires_at,
        purpose,
        email,
        org_name,
        ..
    } = h.core.inspect_link(&token).await.unwrap()
    else {
        panic!("fresh link is valid")
    };
    assert_eq!(expires_at, h.core.now() + Duration::minutes(15));
    assert_eq!(purpose, LinkPurpose::AdminReset);
    assert_eq!(email, jane.email);
    assert_eq!(org_name, "Acme Corp");

    h.clock
        .advance(Duration::minutes(15) - Duration::milliseconds(1));
    assert!(
        matches!(
            h.core.inspect_link(&token).await.unwrap(),
            LinkState::Valid { .. }
        ),
        "valid at 14:59.999"
    );
    h.clock.advance(Duration::milliseconds(1));
    assert_eq!(h.core.now(), expires_at);
    assert_eq!(
        h.core.inspect_link(&token).await.unwrap(),
        LinkState::Expired {
            purpose: LinkPurpose::AdminReset
        },
        "expired at 15:00 exactly"
    );
    let err = h
        .core
        .complete_reset(&token, NEW_PASSWORD, None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, CoreError::LinkUnusable(LinkState::Expired { .. })),
        "{err:?}"
    );
    assert!(
        h.user(jane.id).await.password_hash.is_none(),
        "nothing was set"
    );
}

async fn a_link_cannot_be_used_twice(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    let token = h.admin_reset(&demo, jane.id).await;
    h.core
        .complete_reset(&token, NEW_PASSWORD, Some("192.0.2.1"))
        .await
        .unwrap();
    assert_eq!(h.core.inspect_link(&token).await.unwrap(), LinkState::Used);
    let err = h
        .core
        .complete_reset(&token, "Another-Good-Password-9", None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, CoreError::LinkUnusable(LinkState::Used)),
        "{err:?}"
    );
    // The first password stands.
    assert!(matches!(
        h.core
            .sign_in(&jane.email, NEW_PASSWORD, None)
            .await
            .unwrap(),
        SignInOutcome::SignedIn { .. }
    ));
}

async fn the_same_link_submitted_twice_at_once_sets_the_password_once(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    let token = h.admin_reset(&demo, jane.id).await;
    let mut tasks = Vec::new();
    for password in [
        "First-Racer-Password-1",
        "Second-Racer-Password-2",
        "Third-Racer-Password-3",
    ] {
        let core = h.core.clone();
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            core.complete_reset(&token, password, None).await
        }));
    }
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => ok += 1,
            Err(CoreError::LinkUnusable(LinkState::Used)) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(ok, 1, "exactly one submission wins");
    let changed = h.scalar(&format!("SELECT COUNT(*) AS n FROM activity WHERE kind = 'password_changed' AND subject_id = {}", jane.id)).await;
    assert_eq!(changed, 1);
}

async fn completing_a_reset_sets_the_password_and_revokes_everything_else(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    let token = h.admin_reset(&demo, jane.id).await;
    h.core
        .complete_reset(&token, NEW_PASSWORD, Some("192.0.2.1"))
        .await
        .unwrap();

    let after = h.user(jane.id).await;
    assert_eq!(after.status(), Some(UserStatus::Active));
    assert!(after
        .password_hash
        .as_deref()
        .unwrap()
        .starts_with("$argon2id$"));
    assert!(after.previous_password_hash.is_none());
    assert!(after.password_changed_at > jane.password_changed_at);
    assert!(h.live_links(jane.id).await.is_empty());

    // The new password works, the old one is just wrong now (no more reset prompt).
    let SignInOutcome::SignedIn { session, .. } = h
        .core
        .sign_in(&jane.email, NEW_PASSWORD, None)
        .await
        .unwrap()
    else {
        panic!("new password signs in")
    };
    assert!(matches!(
        h.core.sign_in(&jane.email, MEMBER_PASSWORD, None).await,
        Err(CoreError::InvalidCredentials)
    ));

    // A "your password was changed" email is queued.
    let changed = email_outbox::Entity::find()
        .filter(email_outbox::Column::UserId.eq(jane.id))
        .filter(email_outbox::Column::Kind.eq("password_changed"))
        .one(h.db())
        .await
        .unwrap()
        .expect("password-changed email");
    assert_eq!(changed.subject, "Your Acme Corp password was changed");
    assert!(!changed.bodies().unwrap().0.contains("/reset-password/"));
    assert!(h
        .activity_kinds(jane.id)
        .await
        .contains(&"password_changed".to_owned()));

    // A forgot-password link requested meanwhile dies with the next completed reset too.
    h.core
        .request_forgot_password(&jane.email, None)
        .await
        .unwrap();
    let forgot = h.emailed_token(jane.id).await;
    h.core
        .admin_reset_passwords(&demo.admin, &[jane.id], None)
        .await
        .unwrap();
    assert_eq!(
        h.core.inspect_link(&forgot).await.unwrap(),
        LinkState::Revoked
    );
    assert!(!h.session_is_live(&session.token).await);
}

async fn a_weak_password_is_refused_and_changes_nothing(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    let token = h.admin_reset(&demo, jane.id).await;
    let first_name = jane.name.split_whitespace().next().unwrap();
    for (weak, rule) in [
        ("short1!", Rule::MinLength),
        ("password1234", Rule::NotCommon),
        (&*format!("{first_name}-Rocks-2026!"), Rule::NotPersonal),
        ("onlylowercaseletters", Rule::Varied),
    ] {
        match h.core.complete_reset(&token, weak, None).await {
            Err(CoreError::WeakPassword(rules)) => {
                assert!(rules.contains(&rule), "{weak}: {rules:?}")
            }
            other => panic!("{weak}: {other:?}"),
        }
    }
    let huge = "Ab1!".repeat(250_000);
    assert!(matches!(
        h.core.complete_reset(&token, &huge, None).await,
        Err(CoreError::WeakPassword(_))
    ));
    assert!(
        matches!(
            h.core.inspect_link(&token).await.unwrap(),
            LinkState::Valid { .. }
        ),
        "the link still works"
    );
    assert_eq!(
        h.user(jane.id).await.status(),
        Some(UserStatus::ResetPending)
    );
}

async fn an_expired_link_offers_a_new_one(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    let old = h.admin_reset(&demo, jane.id).await;

    // A valid link earns nothing new.
    h.core
        .resend_from_link(&old, Some("192.0.2.9"))
        .await
        .unwrap();
    assert_eq!(h.emailed_token(jane.id).await, old);

    h.clock.advance(Duration::minutes(16));
    assert!(matches!(
        h.core.inspect_link(&old).await.unwrap(),
        LinkState::Expired { .. }
    ));
    h.core
        .resend_from_link(&old, Some("192.0.2.9"))
        .await
        .unwrap();
    let new = h.emailed_token(jane.id).await;
    assert_ne!(new, old);
    let LinkState::Valid { purpose, .. } = h.core.inspect_link(&new).await.unwrap() else {
        panic!("new link valid")
    };
    assert_eq!(purpose, LinkPurpose::AdminReset);
    assert_eq!(h.core.inspect_link(&old).await.unwrap(), LinkState::Revoked);
    let body = email_outbox::Entity::find()
        .filter(email_outbox::Column::UserId.eq(jane.id))
        .order_by_desc(email_outbox::Column::Id)
        .one(h.db())
        .await
        .unwrap()
        .unwrap()
        .bodies()
        .unwrap()
        .0;
    assert!(
        body.contains("Ada Admin"),
        "the new email still says which admin reset the password"
    );
    assert!(body.contains("You asked for a new link"));

    // Garbage and used tokens: Ok, and nothing happens.
    let emails = email_outbox::Entity::find().count(h.db()).await.unwrap();
    h.core.resend_from_link("garbage", None).await.unwrap();
    h.core
        .resend_from_link(&"x".repeat(1_000_000), None)
        .await
        .unwrap();
    h.core
        .complete_reset(&new, NEW_PASSWORD, None)
        .await
        .unwrap();
    let emails_after_complete = email_outbox::Entity::find().count(h.db()).await.unwrap();
    assert_eq!(
        emails_after_complete,
        emails + 1,
        "only the password-changed email"
    );
    h.clock.advance(Duration::hours(1));
    h.core.resend_from_link(&new, None).await.unwrap();
    assert_eq!(
        email_outbox::Entity::find().count(h.db()).await.unwrap(),
        emails_after_complete
    );
}

async fn resend_email_from_the_sign_in_prompt(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    let emails_before = email_outbox::Entity::find().count(h.db()).await.unwrap();
    // Not pending: Ok, nothing sent (and the same answer for an unknown email).
    h.core.resend_reset_email(&jane.email, None).await.unwrap();
    h.core
        .resend_reset_email("nobody@acme.test", None)
        .await
        .unwrap();
    assert_eq!(
        email_outbox::Entity::find().count(h.db()).await.unwrap(),
        emails_before
    );

    let first = h.admin_reset(&demo, jane.id).await;
    assert!(matches!(
        h.core
            .sign_in(&jane.email, MEMBER_PASSWORD, None)
            .await
            .unwrap(),
        SignInOutcome::ResetRequired { .. }
    ));
    h.core
        .resend_reset_email(&jane.email.to_uppercase(), Some("192.0.2.3"))
        .await
        .unwrap();
    let second = h.emailed_token(jane.id).await;
    assert_ne!(first, second);
    assert_eq!(
        h.core.inspect_link(&first).await.unwrap(),
        LinkState::Revoked
    );
    assert_eq!(h.live_links(jane.id).await.len(), 1);
    assert!(h
        .activity_kinds(jane.id)
        .await
        .contains(&"reset_email_resent".to_owned()));
}

async fn forgot_password_keeps_the_current_password_working(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    h.core
        .request_forgot_password(&jane.email, Some("192.0.2.5"))
        .await
        .unwrap();
    let token = h.emailed_token(jane.id).await;
    let LinkState::Valid {
        purpose,
        expires_at,
        ..
    } = h.core.inspect_link(&token).await.unwrap()
    else {
        panic!()
    };
    assert_eq!(purpose, LinkPurpose::ForgotPassword);
    assert!(
        expires_at - h.core.now() > Duration::minutes(29),
        "forgot links last the org's 30 minutes"
    );
    assert_eq!(h.user(jane.id).await.status(), Some(UserStatus::Active));
    assert!(matches!(
        h.core
            .sign_in(&jane.email, MEMBER_PASSWORD, None)
            .await
            .unwrap(),
        SignInOutcome::SignedIn { .. }
    ));
    assert!(h
        .activity_kinds(jane.id)
        .await
        .contains(&"forgot_password_requested".to_owned()));
    let email = email_outbox::Entity::find()
        .filter(email_outbox::Column::Kind.eq("forgot_password"))
        .one(h.db())
        .await
        .unwrap()
        .unwrap();
    assert!(email
        .bodies()
        .unwrap()
        .0
        .contains("current password keeps working"));

    // A second request replaces the first link.
    h.core
        .request_forgot_password(&jane.email, None)
        .await
        .unwrap();
    let second = h.emailed_token(jane.id).await;
    assert_eq!(
        h.core.inspect_link(&token).await.unwrap(),
        LinkState::Revoked
    );
    h.core
        .complete_reset(&second, NEW_PASSWORD, None)
        .await
        .unwrap();
    assert!(matches!(
        h.core
            .sign_in(&jane.email, NEW_PASSWORD, None)
            .await
            .unwrap(),
        SignInOutcome::SignedIn { .. }
    ));
    assert!(matches!(
        h.core.sign_in(&jane.email, MEMBER_PASSWORD, None).await,
        Err(CoreError::InvalidCredentials)
    ));
}

/// Forgot your password? answers every email alike, and as late.
async fn forgot_password_never_reveals_whether_an_email_exists(h: Harness) {
    let demo = h.demo().await;
    let before = email_outbox::Entity::find().count(h.db()).await.unwrap();
    h.core
        .request_forgot_password("nobody@acme.test", None)
        .await
        .unwrap();
    h.core.request_forgot_password("", None).await.unwrap();
    h.core
        .request_forgot_password(&demo.suspended[0].email, None)
        .await
        .unwrap();
    assert_eq!(
        email_outbox::Entity::find().count(h.db()).await.unwrap(),
        before,
        "no email for unknown or suspended"
    );

    // Nor by how long the answer takes: an email with no account (or none it may use) waits as
    // long as serving one typically takes (security review F8), here about a link's work.
    h.core
        .request_forgot_password(&demo.members[0].email, None)
        .await
        .unwrap();
    let typical = h.core.typical_public_request_work();
    for nobody in ["nobody@acme.test", "", demo.suspended[0].email.as_str()] {
        let (forgot, forgot_took) = timed(h.core.request_forgot_password(nobody, None)).await;
        forgot.unwrap();
        let (resend, resend_took) = timed(h.core.resend_reset_email(nobody, None)).await;
        resend.unwrap();
        for (what, took) in [("Forgot", forgot_took), ("Resend", resend_took)] {
            assert!(
                took >= typical,
                "{what} for {nobody:?}: {took:?}, under {typical:?}"
            );
        }
    }
}

async fn timed<T>(work: impl std::future::Future<Output = T>) -> (T, std::time::Duration) {
    let started = std::time::Instant::now();
    let done = work.await;
    (done, started.elapsed())
}

async fn forgot_password_after_an_admin_reset_resends_the_admin_link(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    let first = h.admin_reset(&demo, jane.id).await;
    h.core
        .request_forgot_password(&jane.email, None)
        .await
        .unwrap();
    let second = h.emailed_token(jane.id).await;
    assert_ne!(first, second);
    assert_eq!(
        h.core.inspect_link(&first).await.unwrap(),
        LinkState::Revoked
    );
    let LinkState::Valid { purpose, .. } = h.core.inspect_link(&second).await.unwrap() else {
        panic!()
    };
    // Her password was invalidated: the email must not say it still works.
    assert_eq!(purpose, LinkPurpose::AdminReset);
    let body = email_outbox::Entity::find()
        .filter(email_outbox::Column::UserId.eq(jane.id))
        .order_by_desc(email_outbox::Column::Id)
        .one(h.db())
        .await
        .unwrap()
        .unwrap()
        .bodies()
        .unwrap()
        .0;
    assert!(!body.contains("keeps working"));
    assert!(body.contains("Ada Admin"));
}
