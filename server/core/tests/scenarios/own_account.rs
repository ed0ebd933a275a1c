//! What a signed-in person does to their own account: change their password with the current
//! one, and sign out their other sessions.

use orgdesk_core::account::WRONG_CURRENT_PASSWORD;
use orgdesk_core::{CoreError, FromBrowser, NewSession, SignInOutcome};
use orgdesk_testkit::on_both_databases;
use orgdesk_testkit::{Harness, MEMBER_PASSWORD};

on_both_databases!(
    a_member_changes_their_password_and_only_this_browser_stays_signed_in,
    a_wrong_current_password_a_weak_or_unchanged_new_one_change_nothing,
    guesses_at_the_current_password_are_limited_like_sign_ins,
    signing_out_the_other_sessions_keeps_this_one_and_touches_no_one_else,
    the_account_lists_where_its_person_is_signed_in_and_signs_out_one_place,
);

const NEW_PASSWORD: &str = "Quiet-Harbor-Lantern-42";

async fn session_of(h: &Harness, email: &str, password: &str) -> NewSession {
    match h.core.sign_in(email, password, None).await {
        Ok(SignInOutcome::SignedIn { session, .. }) => session,
        other => panic!("{email} signs in: {other:?}"),
    }
}

async fn count(h: &Harness, sql: String) -> i64 {
    h.scalar(&sql).await
}

async fn a_member_changes_their_password_and_only_this_browser_stays_signed_in(h: Harness) {
    let demo = h.demo().await;
    let jane = demo.members[0].clone();
    let laptop = session_of(&h, &jane.email, MEMBER_PASSWORD).await;
    let phone = session_of(&h, &jane.email, MEMBER_PASSWORD).await;
    // A forgot-password link she asked for earlier.
    h.core
        .request_forgot_password(&jane.email, None)
        .await
        .unwrap();
    assert_eq!(h.live_links(jane.id).await.len(), 1);

    h.core
        .change_own_password(
            &laptop.token,
            MEMBER_PASSWORD,
            NEW_PASSWORD,
            Some("192.0.2.7"),
        )
        .await
        .unwrap();

    assert!(
        h.session_is_live(&laptop.token).await,
        "this browser stays signed in"
    );
    assert!(
        !h.session_is_live(&phone.token).await,
        "the other one is signed out"
    );
    assert!(h.live_links(jane.id).await.is_empty(), "her open link died");
    let after = h.user(jane.id).await;
    assert!(after.password_changed_at > jane.password_changed_at);
    assert_eq!(after.previous_password_hash, None);
    // The old password no longer signs in; the new one does.
    assert!(matches!(
        h.core.sign_in(&jane.email, MEMBER_PASSWORD, None).await,
        Err(CoreError::InvalidCredentials)
    ));
    session_of(&h, &jane.email, NEW_PASSWORD).await;
    // She is told by email, and the organization's Activity says what happened and from where.
    let emails = count(
        &h,
        format!(
        "SELECT COUNT(*) AS n FROM email_outbox WHERE user_id = {} AND kind = 'password_changed'",
        jane.id
    ),
    )
    .await;
    assert_eq!(emails, 1);
    let recorded = count(
        &h,
        format!(
        "SELECT COUNT(*) AS n FROM activity WHERE kind = 'password_changed' AND subject_id = {} \
         AND actor_id = {} AND ip = '192.0.2.7' AND details LIKE '%1 other session revoked'",
        jane.id, jane.id
    ),
    )
    .await;
    assert_eq!(recorded, 1);
}

async fn a_wrong_current_password_a_weak_or_unchanged_new_one_change_nothing(h: Harness) {
    let demo = h.demo().await;
    let jane = demo.members[0].clone();
    let laptop = session_of(&h, &jane.email, MEMBER_PASSWORD).await;
    let phone = session_of(&h, &jane.email, MEMBER_PASSWORD).await;
    let before = h.snapshot().await;

    match h
        .core
        .change_own_password(&laptop.token, "Not-My-Password-1", NEW_PASSWORD, None)
        .await
    {
        Err(CoreError::InvalidInput(m)) => assert_eq!(m, WRONG_CURRENT_PASSWORD),
        other => panic!("a wrong current password: {other:?}"),
    }
    match h
        .core
        .change_own_password(&laptop.token, MEMBER_PASSWORD, "password", None)
        .await
    {
        Err(CoreError::WeakPassword(rules)) => assert!(!rules.is_empty()),
        other => panic!("a weak new password: {other:?}"),
    }
    match h
        .core
        .change_own_password(&laptop.token, MEMBER_PASSWORD, MEMBER_PASSWORD, None)
        .await
    {
        Err(CoreError::InvalidInput(m)) => assert!(m.contains("different"), "{m}"),
        other => panic!("the same password again: {other:?}"),
    }
    for token in ["x".repeat(43), "not a token".into(), String::new()] {
        assert!(matches!(
            h.core
                .change_own_password(&token, MEMBER_PASSWORD, NEW_PASSWORD, None)
                .await,
            Err(CoreError::Unauthenticated)
        ));
    }
    // Nothing changed but the attempts counted against the limit.
    assert_eq!(h.snapshot().await, before);
    assert!(h.session_is_live(&phone.token).await);
    session_of(&h, &jane.email, MEMBER_PASSWORD).await;

    // Once an admin resets her, her session is gone, and with it the way to change it here.
    h.admin_reset(&demo, jane.id).await;
    assert!(matches!(
        h.core
            .change_own_password(&laptop.token, MEMBER_PASSWORD, NEW_PASSWORD, None)
            .await,
        Err(CoreError::Unauthenticated)
    ));
}

async fn guesses_at_the_current_password_are_limited_like_sign_ins(h: Harness) {
    let demo = h.demo().await;
    let jane = demo.members[0].clone();
    let stolen = session_of(&h, &jane.email, MEMBER_PASSWORD).await;
    let mut refused_after = None;
    for guess in 1..=20 {
        match h
            .core
            .change_own_password(
                &stolen.token,
                &format!("Guess-Number-{guess}"),
                NEW_PASSWORD,
                None,
            )
            .await
        {
            Err(CoreError::InvalidInput(_)) => {}
            Err(CoreError::RateLimited { retry_after_secs }) => {
                assert!(retry_after_secs > 0);
                refused_after = Some(guess - 1);
                break;
            }
            other => panic!("guess {guess}: {other:?}"),
        }
    }
    assert_eq!(refused_after, Some(10), "ten guesses per 15 minutes");
    // Even the right password waits out the window.
    assert!(matches!(
        h.core
            .change_own_password(&stolen.token, MEMBER_PASSWORD, NEW_PASSWORD, None)
            .await,
        Err(CoreError::RateLimited { .. })
    ));
    h.advance(std::time::Duration::from_secs(16 * 60));
    let stolen = session_of(&h, &jane.email, MEMBER_PASSWORD).await;
    h.core
        .change_own_password(&stolen.token, MEMBER_PASSWORD, NEW_PASSWORD, None)
        .await
        .unwrap();
}

async fn signing_out_the_other_sessions_keeps_this_one_and_touches_no_one_else(h: Harness) {
    let demo = h.demo().await;
    let jane = demo.members[0].clone();
    let john = demo.members[1].clone();
    let laptop = session_of(&h, &jane.email, MEMBER_PASSWORD).await;
    let phone = session_of(&h, &jane.email, MEMBER_PASSWORD).await;
    let tablet = session_of(&h, &jane.email, MEMBER_PASSWORD).await;
    let johns = session_of(&h, &john.email, MEMBER_PASSWORD).await;

    let ended = h
        .core
        .sign_out_other_sessions(&phone.token, None)
        .await
        .unwrap();
    assert_eq!(ended, 2);
    assert!(h.session_is_live(&phone.token).await);
    assert!(!h.session_is_live(&laptop.token).await);
    assert!(!h.session_is_live(&tablet.token).await);
    assert!(
        h.session_is_live(&johns.token).await,
        "another person's session stays"
    );
    let recorded = count(
        &h,
        format!(
            "SELECT COUNT(*) AS n FROM activity WHERE kind = 'signed_out' AND subject_id = {} \
         AND details = 'Signed out of 2 other sessions from their account'",
            jane.id
        ),
    )
    .await;
    assert_eq!(recorded, 1);
    // Again: nothing left to end, and nothing recorded.
    let before = h.snapshot().await;
    assert_eq!(
        h.core
            .sign_out_other_sessions(&phone.token, None)
            .await
            .unwrap(),
        0
    );
    assert_eq!(h.snapshot().await, before);
    // A signed-out session can't do it.
    assert!(matches!(
        h.core.sign_out_other_sessions(&laptop.token, None).await,
        Err(CoreError::Unauthenticated)
    ));
}

const CHROME_ON_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const FIREFOX_ON_ANDROID: &str =
    "Mozilla/5.0 (Android 14; Mobile; rv:127.0) Gecko/127.0 Firefox/127.0";

async fn session_from(h: &Harness, email: &str, user_agent: &str, ip: &str) -> NewSession {
    let from = FromBrowser {
        ip: Some(ip),
        user_agent: Some(user_agent),
        ..FromBrowser::default()
    };
    match h
        .core
        .sign_in_from_browser(email, MEMBER_PASSWORD, from)
        .await
    {
        Ok(SignInOutcome::SignedIn { session, .. }) => session,
        other => panic!("{email} signs in: {other:?}"),
    }
}

async fn the_account_lists_where_its_person_is_signed_in_and_signs_out_one_place(h: Harness) {
    let demo = h.demo().await;
    let jane = demo.members[0].clone();
    let john = demo.members[1].clone();
    let laptop = session_from(&h, &jane.email, CHROME_ON_LINUX, "192.0.2.1").await;
    h.advance(std::time::Duration::from_secs(120));
    let phone = session_from(&h, &jane.email, FIREFOX_ON_ANDROID, "198.51.100.2").await;
    let johns = session_from(&h, &john.email, CHROME_ON_LINUX, "203.0.113.9").await;
    // Less than a session's `last_seen_at` step: the laptop's listing below is its use, the
    // phone's is not.
    h.advance(std::time::Duration::from_secs(30));

    let listed = h.core.own_sessions(&laptop.token).await.unwrap();
    let seen: Vec<_> = listed
        .sessions
        .iter()
        .map(|s| (s.device.as_str(), s.ip.as_deref(), s.current))
        .collect();
    // The one asking first, though the other was used later; John's are not hers to see.
    assert_eq!(
        seen,
        [
            ("Chrome on Linux", Some("192.0.2.1"), true),
            ("Firefox on Android", Some("198.51.100.2"), false),
        ]
    );
    assert!(listed.sessions[0].signed_in_at < listed.sessions[1].signed_in_at);
    let laptop_id = listed.sessions[0].id;
    let phone_id = listed.sessions[1].id;
    let johns_id = h.core.own_sessions(&johns.token).await.unwrap().sessions[0].id;
    // From the phone, the phone first, though the laptop was used since.
    let from_phone = h.core.own_sessions(&phone.token).await.unwrap().sessions;
    assert_eq!(
        from_phone
            .iter()
            .map(|s| (s.id, s.current))
            .collect::<Vec<_>>(),
        [(phone_id, true), (laptop_id, false)]
    );

    h.core
        .sign_out_own_session(&laptop.token, phone_id, Some("192.0.2.1"))
        .await
        .unwrap();
    assert!(!h.session_is_live(&phone.token).await);
    assert!(h.session_is_live(&laptop.token).await);
    assert_eq!(
        h.core
            .own_sessions(&laptop.token)
            .await
            .unwrap()
            .sessions
            .len(),
        1
    );
    let recorded = count(
        &h,
        format!(
            "SELECT COUNT(*) AS n FROM activity WHERE kind = 'signed_out' AND subject_id = {} \
         AND details = 'Signed out of another session (Firefox on Android) from their account'",
            jane.id
        ),
    )
    .await;
    assert_eq!(recorded, 1);

    // Not again, not someone else's, not this one (that is Sign out), not a made-up id: each
    // is refused and changes nothing.
    let before = h.snapshot().await;
    for id in [phone_id, johns_id, laptop_id, i64::MAX, -1] {
        assert!(
            matches!(
                h.core.sign_out_own_session(&laptop.token, id, None).await,
                Err(CoreError::NotFound(_))
            ),
            "session {id}"
        );
    }
    assert_eq!(h.snapshot().await, before);
    assert!(h.session_is_live(&johns.token).await);

    // A browser's self-description is kept short and without control characters.
    let long = format!("Evil\r\nInjected: 1 {}", "x".repeat(5_000));
    let odd = session_from(&h, &john.email, &long, "203.0.113.9").await;
    let kept = h
        .scalar(&format!(
            "SELECT CAST(LENGTH(user_agent) AS BIGINT) AS n FROM sessions WHERE user_id = {} ORDER BY id DESC LIMIT 1",
            john.id
        ))
        .await;
    assert_eq!(kept, 512);
    let listed = h.core.own_sessions(&odd.token).await.unwrap();
    assert_eq!(listed.sessions[0].device, "A browser");
}
