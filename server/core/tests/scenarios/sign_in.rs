//! Sign-in, sessions and the prompt after an admin reset ("the user's next login attempt will
//! prompt them to update their password").

use std::time::Duration as StdDuration;

use chrono::Duration;
use orgdesk_core::config::HashCost;
use orgdesk_core::types::{Role, UserStatus};
use orgdesk_core::{CoreConfig, CoreError, CoreResult, FromBrowser, NewUser, SignInOutcome};

use orgdesk_testkit::on_both_databases;
use orgdesk_testkit::{test_config, Harness, ADMIN_PASSWORD, MEMBER_PASSWORD};

on_both_databases!(
    the_admin_signs_in_and_out,
    signing_in_from_a_signed_in_browser_signs_its_session_out,
    sign_in_prompts_for_a_new_password_after_a_reset_only_with_the_old_password,
    wrong_passwords_and_unknown_emails_get_the_same_answer,
    suspended_users_cannot_sign_in,
    sessions_expire,
    sessions_end_when_left_idle,
    sign_in_is_rate_limited_per_email_and_address,
    forgot_and_resend_are_rate_limited,
    the_demo_seed_is_idempotent,
    housekeeping_purges_old_rate_limits_and_dead_sessions,
    a_burst_of_parallel_guesses_gets_no_more_than_the_limit,
    an_account_guessed_from_many_addresses_slows_down_but_never_locks,
    a_stranger_keeping_an_account_failing_never_keeps_out_a_browser_it_knows,
    an_account_remembers_its_newest_browsers_only,
    one_address_spraying_many_emails_is_limited,
);

async fn the_admin_signs_in_and_out(h: Harness) {
    h.demo().await;
    let SignInOutcome::SignedIn { session, actor, .. } = h
        .core
        .sign_in("  Admin@Acme.test ", ADMIN_PASSWORD, Some("192.0.2.1"))
        .await
        .unwrap()
    else {
        panic!("admin signs in")
    };
    assert_eq!(actor.role, Role::Admin);
    assert_eq!(actor.org_name, "Acme Corp");
    assert_eq!(actor.name, "Ada Admin");
    assert_eq!(session.token.len(), 43);
    assert_eq!(
        h.core.session_actor(&session.token).await.unwrap(),
        Some(actor.clone())
    );
    assert!(h.user(actor.user_id).await.last_sign_in_at.is_some());
    assert!(h
        .activity_kinds(actor.user_id)
        .await
        .contains(&"signed_in".to_owned()));
    let stored = h
        .scalar("SELECT COUNT(*) AS n FROM sessions WHERE token_hash = 'x'")
        .await;
    assert_eq!(stored, 0);

    h.core.sign_out(&session.token, None).await.unwrap();
    assert_eq!(h.core.session_actor(&session.token).await.unwrap(), None);
    assert!(h
        .activity_kinds(actor.user_id)
        .await
        .contains(&"signed_out".to_owned()));
    // Members sign in too (the console turns them away by role).
    let SignInOutcome::SignedIn { actor, .. } = h
        .core
        .sign_in("owner@acme.test", MEMBER_PASSWORD, None)
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(actor.role, Role::Owner);
}

/// Switching accounts in one browser: the session the browser had ends when the new one
/// opens, with "Signed out" in its user's activity. A sign-in that fails leaves it alone.
async fn signing_in_from_a_signed_in_browser_signs_its_session_out(h: Harness) {
    let sign_in = |email: &'static str, password: &'static str, previous: Option<String>| {
        let h = &h;
        async move {
            let from = FromBrowser {
                session: previous.as_deref(),
                ..FromBrowser::default()
            };
            h.core.sign_in_from_browser(email, password, from).await
        }
    };
    h.demo().await;
    let Ok(SignInOutcome::SignedIn {
        session: ada,
        actor,
        ..
    }) = sign_in("admin@acme.test", ADMIN_PASSWORD, None).await
    else {
        panic!("the admin signs in")
    };
    let ada_id = actor.user_id;

    // A wrong password for another account: still signed in as before.
    match sign_in(
        "owner@acme.test",
        "Not-The-Password-1",
        Some(ada.token.clone()),
    )
    .await
    {
        Err(CoreError::InvalidCredentials) => {}
        other => panic!("expected InvalidCredentials, got {other:?}"),
    }
    assert!(h.session_is_live(&ada.token).await);

    // The owner signs in from the same browser: the admin's session is over.
    let Ok(SignInOutcome::SignedIn { session: owner, .. }) =
        sign_in("owner@acme.test", MEMBER_PASSWORD, Some(ada.token.clone())).await
    else {
        panic!("the owner signs in")
    };
    assert_eq!(h.core.session_actor(&ada.token).await.unwrap(), None);
    assert!(h.session_is_live(&owner.token).await);
    assert!(h
        .activity_kinds(ada_id)
        .await
        .contains(&"signed_out".to_owned()));

    // A cookie that is no session (revoked, made up, malformed) changes nothing else.
    for previous in [ada.token.clone(), "x".repeat(43), "not a token".into()] {
        let Ok(SignInOutcome::SignedIn { session, .. }) =
            sign_in("admin@acme.test", ADMIN_PASSWORD, Some(previous)).await
        else {
            panic!("the admin signs in again")
        };
        assert!(h.session_is_live(&session.token).await);
    }
    assert!(h.session_is_live(&owner.token).await);
}

async fn sign_in_prompts_for_a_new_password_after_a_reset_only_with_the_old_password(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    h.core
        .admin_reset_passwords(&demo.admin, &[jane.id], None)
        .await
        .unwrap();

    match h
        .core
        .sign_in(&jane.email, MEMBER_PASSWORD, Some("192.0.2.1"))
        .await
        .unwrap()
    {
        SignInOutcome::ResetRequired { email } => assert_eq!(email, jane.email),
        other => panic!("{other:?}"),
    }
    assert!(h
        .activity_kinds(jane.id)
        .await
        .contains(&"sign_in_blocked_reset_pending".to_owned()));
    // Anyone else, with any other password, learns nothing.
    assert!(matches!(
        h.core
            .sign_in(&jane.email, "Not-Her-Password-1", None)
            .await,
        Err(CoreError::InvalidCredentials)
    ));
    assert!(matches!(
        h.core
            .sign_in("nobody@acme.test", MEMBER_PASSWORD, None)
            .await,
        Err(CoreError::InvalidCredentials)
    ));
    assert!(h
        .activity_kinds(jane.id)
        .await
        .contains(&"sign_in_failed".to_owned()));
}

async fn wrong_passwords_and_unknown_emails_get_the_same_answer(h: Harness) {
    h.demo().await;
    let wrong = h
        .core
        .sign_in("admin@acme.test", "wrong-password-1", None)
        .await
        .unwrap_err();
    let unknown = h
        .core
        .sign_in("nobody@example.test", "wrong-password-1", None)
        .await
        .unwrap_err();
    assert!(matches!(wrong, CoreError::InvalidCredentials));
    assert!(matches!(unknown, CoreError::InvalidCredentials));
    assert_eq!(wrong.to_string(), unknown.to_string());
}

async fn suspended_users_cannot_sign_in(h: Harness) {
    let demo = h.demo().await;
    let suspended = &demo.suspended[0];
    assert!(matches!(
        h.core
            .sign_in(&suspended.email, MEMBER_PASSWORD, None)
            .await,
        Err(CoreError::InvalidCredentials)
    ));

    // A session open when its person is suspended answers for no one from then on, even
    // one that was never revoked (here the status is set behind the console's back).
    let member = &demo.members[0];
    let SignInOutcome::SignedIn { session, actor, .. } = h
        .core
        .sign_in(&member.email, MEMBER_PASSWORD, None)
        .await
        .unwrap()
    else {
        panic!("{} signs in", member.email)
    };
    assert_eq!(actor.role, Role::Member);
    assert_eq!(
        h.core.session_actor(&session.token).await.unwrap(),
        Some(actor.clone())
    );
    h.exec(&format!(
        "UPDATE users SET status = 'suspended' WHERE id = {}",
        actor.user_id
    ))
    .await;
    assert!(!h.session_is_live(&session.token).await);
}

async fn sessions_expire(h: Harness) {
    h.demo().await;
    let session = admin_session(&h).await;
    // In use all day (a request every 20 minutes), it still ends 12 hours after it began.
    for _ in 0..35 {
        h.clock.advance(Duration::minutes(20));
        assert!(h.session_is_live(&session.token).await);
    }
    h.clock
        .advance(Duration::minutes(20) - Duration::seconds(1));
    assert!(h.session_is_live(&session.token).await);
    h.clock.advance(Duration::seconds(1));
    assert!(!h.session_is_live(&session.token).await);
    assert!(!h.session_is_live("garbage").await);
}

/// A session left unused for 30 minutes (a console open on an unattended desk) ends; each
/// request starts the 30 minutes again (to the minute: within a minute of the last write a
/// request writes nothing).
async fn sessions_end_when_left_idle(h: Harness) {
    h.demo().await;
    let session = admin_session(&h).await;
    h.clock.advance(Duration::minutes(29));
    assert!(h.session_is_live(&session.token).await);
    // Used 29 minutes in, so it lives until 59.
    h.clock.advance(Duration::minutes(29));
    assert!(h.session_is_live(&session.token).await);
    h.clock.advance(Duration::minutes(30));
    assert!(!h.session_is_live(&session.token).await);
    // Ended for good: nothing brings it back, and the next sign-in is a new session.
    h.clock.advance(Duration::seconds(1));
    assert!(!h.session_is_live(&session.token).await);
    let next = admin_session(&h).await;
    assert!(h.session_is_live(&next.token).await);
}

async fn sign_in_is_rate_limited_per_email_and_address(h: Harness) {
    h.demo().await;
    // Successful sign-ins don't count: people who sign in often are never locked out.
    for _ in 0..15 {
        assert!(h
            .core
            .sign_in("admin@acme.test", ADMIN_PASSWORD, Some("192.0.2.1"))
            .await
            .is_ok());
    }
    for _ in 0..10 {
        assert!(matches!(
            h.core
                .sign_in("admin@acme.test", "wrong", Some("192.0.2.1"))
                .await,
            Err(CoreError::InvalidCredentials)
        ));
    }
    // The 11th attempt within 15 minutes is refused, even with the right password.
    match h
        .core
        .sign_in("admin@acme.test", ADMIN_PASSWORD, Some("192.0.2.1"))
        .await
    {
        Err(CoreError::RateLimited { retry_after_secs }) => {
            assert!(retry_after_secs > 0 && retry_after_secs <= 900)
        }
        other => panic!("{other:?}"),
    }
    // Another address isn't blocked by this one.
    assert!(h
        .core
        .sign_in("admin@acme.test", ADMIN_PASSWORD, Some("192.0.2.2"))
        .await
        .is_ok());
    // After the window, the first address may try again.
    h.clock.advance(Duration::minutes(15));
    assert!(h
        .core
        .sign_in("admin@acme.test", ADMIN_PASSWORD, Some("192.0.2.1"))
        .await
        .is_ok());
}

async fn forgot_and_resend_are_rate_limited(h: Harness) {
    h.demo().await;
    for _ in 0..5 {
        h.core
            .request_forgot_password("nobody@acme.test", Some("192.0.2.1"))
            .await
            .unwrap();
    }
    assert!(matches!(
        h.core
            .request_forgot_password("nobody@acme.test", Some("192.0.2.99"))
            .await,
        Err(CoreError::RateLimited { .. })
    ));
    // Per address too: many emails from one address.
    for i in 0..5 {
        h.core
            .resend_reset_email(&format!("user{i}@acme.test"), Some("192.0.2.50"))
            .await
            .unwrap();
    }
    assert!(matches!(
        h.core
            .resend_reset_email("user99@acme.test", Some("192.0.2.50"))
            .await,
        Err(CoreError::RateLimited { .. })
    ));
    // An IPv6 client counts by its /64: it can pick any address in it.
    for i in 0..5 {
        h.core
            .request_forgot_password(
                &format!("someone{i}@acme.test"),
                Some(&format!("2001:db8:5:6::{i:x}")),
            )
            .await
            .unwrap();
    }
    assert!(matches!(
        h.core
            .request_forgot_password("someone99@acme.test", Some("2001:db8:5:6:ffff::1"))
            .await,
        Err(CoreError::RateLimited { .. })
    ));
    h.core
        .request_forgot_password("someone99@acme.test", Some("2001:db8:5:7::1"))
        .await
        .unwrap();
    h.clock.advance(Duration::minutes(16));
    h.core
        .resend_reset_email("user99@acme.test", Some("192.0.2.50"))
        .await
        .unwrap();
}

async fn the_demo_seed_is_idempotent(h: Harness) {
    let started = std::time::Instant::now();
    let first = h.core.seed_demo().await.unwrap();
    assert!(first.created);
    assert_eq!(first.admin_email, "admin@acme.test");
    assert_eq!(first.admin_password, "orgdesk-admin");
    let second = h.core.seed_demo().await.unwrap();
    assert!(!second.created);
    assert!(started.elapsed() < StdDuration::from_secs(2));
    assert_eq!(h.scalar("SELECT COUNT(*) AS n FROM organizations").await, 1);
    assert_eq!(h.scalar("SELECT COUNT(*) AS n FROM users").await, 42);
    assert_eq!(
        h.scalar("SELECT COUNT(*) AS n FROM users WHERE status = 'suspended'")
            .await,
        3
    );
    assert_eq!(
        h.scalar(&format!(
            "SELECT COUNT(*) AS n FROM users WHERE status = '{}'",
            UserStatus::ResetPending.as_str()
        ))
        .await,
        0
    );
    assert!(h.scalar("SELECT COUNT(*) AS n FROM assets").await > 40);
    assert!(
        h.scalar("SELECT COUNT(*) AS n FROM activity WHERE kind = 'signed_in'")
            .await
            > 20
    );
    assert_eq!(
        h.scalar("SELECT COUNT(*) AS n FROM activity WHERE kind = 'sign_in_failed'")
            .await,
        1
    );
    // Two distinct hashes: the admin's and everyone else's.
    assert_eq!(
        h.scalar("SELECT COUNT(DISTINCT password_hash) AS n FROM users")
            .await,
        2
    );
}

async fn housekeeping_purges_old_rate_limits_and_dead_sessions(h: Harness) {
    h.demo().await;
    let session = admin_session(&h).await;
    h.core.sign_out(&session.token, None).await.unwrap();
    assert!(h
        .core
        .sign_in("admin@acme.test", "wrong", None)
        .await
        .is_err());
    assert_eq!(h.core.purge_expired().await.unwrap(), 0, "nothing old yet");
    h.clock.advance(Duration::days(31));
    // The failed sign-in's rate-limit windows (email and address, the account's failures)
    // and the signed-out session.
    assert_eq!(h.core.purge_expired().await.unwrap(), 3);
    assert_eq!(h.scalar("SELECT COUNT(*) AS n FROM sessions").await, 0);
    assert_eq!(h.scalar("SELECT COUNT(*) AS n FROM rate_limits").await, 0);
}

async fn a_burst_of_parallel_guesses_gets_no_more_than_the_limit(h: Harness) {
    h.demo().await;
    let guesses = (0..40).map(|i| {
        let core = h.core.clone();
        async move {
            core.sign_in("admin@acme.test", &format!("guess-{i}"), Some("192.0.2.7"))
                .await
        }
    });
    let results = futures::future::join_all(guesses).await;
    let failures = results
        .iter()
        .filter(|r| matches!(r, Err(CoreError::InvalidCredentials)))
        .count();
    let refused = results
        .iter()
        .filter(|r| matches!(r, Err(CoreError::RateLimited { .. })))
        .count();
    assert_eq!(
        failures, 10,
        "the limit is reserved before the password work"
    );
    assert_eq!(refused, 30);
    // The right password, inside the same window, is refused too.
    assert!(matches!(
        h.core
            .sign_in("admin@acme.test", ADMIN_PASSWORD, Some("192.0.2.7"))
            .await,
        Err(CoreError::RateLimited { .. })
    ));
}

async fn an_account_guessed_from_many_addresses_slows_down_but_never_locks(h: Harness) {
    h.demo().await;
    for i in 1..=11 {
        let ip = format!("198.51.100.{i}");
        assert!(matches!(
            h.core.sign_in("admin@acme.test", "wrong", Some(&ip)).await,
            Err(CoreError::InvalidCredentials)
        ));
    }
    // The 11th failure made the account wait a second, from any address, right password or not.
    match h
        .core
        .sign_in("admin@acme.test", ADMIN_PASSWORD, Some("198.51.100.99"))
        .await
    {
        Err(CoreError::RateLimited { retry_after_secs }) => assert!(retry_after_secs <= 1),
        other => panic!("{other:?}"),
    }
    // A delay, not a lockout: once it passed, the owner of the account gets in, and their
    // success clears the account's failures.
    h.clock.advance(Duration::seconds(2));
    assert!(h
        .core
        .sign_in("admin@acme.test", ADMIN_PASSWORD, Some("198.51.100.99"))
        .await
        .is_ok());
    assert!(matches!(
        h.core
            .sign_in("admin@acme.test", "wrong", Some("198.51.100.12"))
            .await,
        Err(CoreError::InvalidCredentials)
    ));
    assert!(h
        .core
        .sign_in("admin@acme.test", ADMIN_PASSWORD, Some("198.51.100.12"))
        .await
        .is_ok());
}

/// Someone who knows an email fails once more each time the account's delay runs out, from
/// addresses of their own: the account waits for good, but a browser that signed in as it
/// before does not (decision 63). A browser known to another email, or by a token it has since
/// replaced, waits like any other; a stolen cookie gets no more guesses than one address; and
/// setting a new password forgets every browser.
async fn a_stranger_keeping_an_account_failing_never_keeps_out_a_browser_it_knows(h: Harness) {
    let demo = h.demo().await;
    let jane = demo.members[0].email.clone();
    let mut stranger = 0;
    let browser = |ip: &'static str, device: Option<&str>| {
        let core = h.core.clone();
        let device = device.map(str::to_owned);
        move |email: String, password: &'static str| async move {
            let from = FromBrowser {
                ip: Some(ip),
                device: device.as_deref(),
                ..FromBrowser::default()
            };
            core.sign_in_from_browser(&email, password, from).await
        }
    };
    let known_as = |outcome: CoreResult<SignInOutcome>| match outcome {
        Ok(SignInOutcome::SignedIn { device, .. }) => device.token,
        other => panic!("signs in: {other:?}"),
    };
    let waits = |outcome: CoreResult<SignInOutcome>| {
        assert!(
            matches!(outcome, Err(CoreError::RateLimited { .. })),
            "waits for the account: {outcome:?}"
        )
    };

    let laptop = known_as(browser("203.0.113.7", None)(jane.clone(), MEMBER_PASSWORD).await);
    let owners =
        known_as(browser("203.0.113.8", None)("owner@acme.test".into(), MEMBER_PASSWORD).await);

    stranger_fails(&h, &jane, 11, &mut stranger).await;
    waits(browser("203.0.113.9", None)(jane.clone(), MEMBER_PASSWORD).await);
    // Each sign-in gives the browser a new token, and the one it showed is done.
    let mut laptop_now =
        known_as(browser("203.0.113.7", Some(&laptop))(jane.clone(), MEMBER_PASSWORD).await);

    // For an hour the stranger fails as often as the account lets them; Jane's laptop gets in
    // whenever she tries, and no one else does.
    for _ in 0..4 {
        stranger_fails(&h, &jane, 30, &mut stranger).await;
        waits(browser("203.0.113.9", None)(jane.clone(), MEMBER_PASSWORD).await);
        waits(browser("203.0.113.7", Some(&laptop))(jane.clone(), MEMBER_PASSWORD).await);
        waits(browser("203.0.113.8", Some(&owners))(jane.clone(), MEMBER_PASSWORD).await);
        laptop_now = known_as(
            browser("203.0.113.7", Some(&laptop_now))(jane.clone(), MEMBER_PASSWORD).await,
        );
    }

    // A known browser's cookie, stolen: ten wrong guesses, each from an address of its own,
    // and then it waits like the rest.
    stranger_fails(&h, &jane, 11, &mut stranger).await;
    let stolen =
        known_as(browser("203.0.113.7", Some(&laptop_now))(jane.clone(), MEMBER_PASSWORD).await);
    stranger_fails(&h, &jane, 11, &mut stranger).await;
    for ip in [
        "192.0.2.1",
        "192.0.2.2",
        "192.0.2.3",
        "192.0.2.4",
        "192.0.2.5",
        "192.0.2.6",
        "192.0.2.7",
        "192.0.2.8",
        "192.0.2.9",
        "192.0.2.10",
    ] {
        assert!(matches!(
            browser(ip, Some(&stolen))(jane.clone(), "Wrong-Guess-1").await,
            Err(CoreError::InvalidCredentials)
        ));
    }
    waits(browser("192.0.2.11", Some(&stolen))(jane.clone(), MEMBER_PASSWORD).await);

    // Jane sets a new password from an admin's reset link: no browser is known any more.
    h.clock.advance(Duration::minutes(16));
    let renewed =
        known_as(browser("203.0.113.7", Some(&stolen))(jane.clone(), MEMBER_PASSWORD).await);
    let token = h.admin_reset(&demo, demo.members[0].id).await;
    h.core
        .complete_reset(&token, "Tumbling-Otter-47-Harbor", None)
        .await
        .expect("a new password");
    stranger_fails(&h, &jane, 11, &mut stranger).await;
    waits(browser("203.0.113.7", Some(&renewed))(jane.clone(), "Tumbling-Otter-47-Harbor").await);
}

/// `guesses` wrong passwords for `email`, each as soon as the account lets it and from an
/// address not used before (`next` counts them).
/// A client that keeps no cookies (a script signing in again and again) would add a known
/// browser at every sign-in; an account keeps its newest ten, and other accounts' are untouched.
async fn an_account_remembers_its_newest_browsers_only(h: Harness) {
    let demo = h.demo().await;
    let jane = demo.members[0].email.clone();
    h.core
        .sign_in(&demo.members[1].email, MEMBER_PASSWORD, None)
        .await
        .unwrap();
    for _ in 0..13 {
        let outcome = h.core.sign_in(&jane, MEMBER_PASSWORD, None).await.unwrap();
        assert!(matches!(outcome, SignInOutcome::SignedIn { .. }));
    }
    let of = |email: &str, what: &str| {
        format!("SELECT {what} AS n FROM known_devices WHERE email = '{email}'")
    };
    assert_eq!(h.scalar(&of(&jane, "COUNT(*)")).await, 10);
    assert_eq!(
        h.scalar(&of(&jane, "MAX(id) - MIN(id)")).await,
        9,
        "the newest ten"
    );
    assert_eq!(h.scalar(&of(&demo.members[1].email, "COUNT(*)")).await, 1);
}

/// The demo admin signs in; their new session.
async fn admin_session(h: &Harness) -> orgdesk_core::NewSession {
    match h
        .core
        .sign_in("admin@acme.test", ADMIN_PASSWORD, None)
        .await
    {
        Ok(SignInOutcome::SignedIn { session, .. }) => session,
        other => panic!("the admin signs in: {other:?}"),
    }
}

async fn stranger_fails(h: &Harness, email: &str, guesses: u32, next: &mut u32) {
    for _ in 0..guesses {
        *next += 1;
        let ip = format!("198.51.{}.{}", *next / 250, *next % 250 + 1);
        loop {
            match h.core.sign_in(email, "Wrong-Guess-1", Some(&ip)).await {
                Err(CoreError::InvalidCredentials) => break,
                Err(CoreError::RateLimited { retry_after_secs }) => h
                    .clock
                    .advance(Duration::seconds(retry_after_secs.max(1) as i64)),
                other => panic!("the stranger's guess: {other:?}"),
            }
        }
    }
}

async fn one_address_spraying_many_emails_is_limited(h: Harness) {
    h.demo().await;
    let sprays = (0..101).map(|i| {
        let core = h.core.clone();
        async move {
            core.sign_in(
                &format!("nobody{i}@example.test"),
                "guess",
                Some("2001:db8:1:2:aaaa::1"),
            )
            .await
        }
    });
    let results = futures::future::join_all(sprays).await;
    let refused = results
        .iter()
        .filter(|r| matches!(r, Err(CoreError::RateLimited { .. })))
        .count();
    assert_eq!(refused, 1, "100 attempts per address per window");
    // Another host of the same IPv6 /64 shares the limit…
    assert!(matches!(
        h.core
            .sign_in(
                "admin@acme.test",
                ADMIN_PASSWORD,
                Some("2001:db8:1:2:bbbb::9")
            )
            .await,
        Err(CoreError::RateLimited { .. })
    ));
    // …another network doesn't.
    assert!(h
        .core
        .sign_in("admin@acme.test", ADMIN_PASSWORD, Some("2001:db8:1:3::1"))
        .await
        .is_ok());
}

on_both_databases!(with slow_hashing: a_full_hashing_queue_refuses_every_email_alike);
on_both_databases!(with one_slot: a_crowd_retrying_as_the_sign_in_page_does_all_gets_in);

/// One hash at a time and none waiting, each slow enough (hundreds of milliseconds) to be
/// caught in the middle of.
fn slow_hashing() -> CoreConfig {
    CoreConfig {
        hash_cost: HashCost {
            memory_kib: 16 * 1024,
            iterations: 100,
            parallelism: 1,
        },
        max_concurrent_hashes: 1,
        max_queued_hashes: 0,
        ..test_config()
    }
}

/// A full hashing queue refuses every sign-in at once, whatever the email: an unknown one (which
/// costs no hashing) as well as a known one, so a flooder can't tell them apart by which are
/// "busy". The refusal writes nothing: no attempt reserved, nothing to give back.
async fn a_full_hashing_queue_refuses_every_email_alike(h: Harness) {
    let org = h.core.create_organization("Slow Hash Corp").await.unwrap();
    h.core
        .create_user(
            org,
            NewUser::member("Sam Slow", "sam@slow.test", "a-long-password"),
        )
        .await
        .unwrap();
    let core = h.core.clone();
    let signing_in = tokio::spawn(async move {
        core.sign_in("sam@slow.test", "a-long-password", Some("192.0.2.50"))
            .await
    });
    // Its hash has the only slot by now, and takes longer than what follows.
    tokio::time::sleep(StdDuration::from_millis(150)).await;
    let limits = "SELECT COUNT(*) + COALESCE(SUM(count), 0) FROM rate_limits";
    let before = h.scalar(limits).await;
    for (email, password) in [
        ("nobody@slow.test", "a-guess"),
        ("sam@slow.test", "a-guess"),
        ("sam@slow.test", "a-long-password"),
    ] {
        match h.core.sign_in(email, password, Some("192.0.2.51")).await {
            Err(CoreError::Busy { retry_after_ms }) => assert!(
                (10..=1_000).contains(&retry_after_ms),
                "{email}: come back in about one hash's time, not {retry_after_ms} ms"
            ),
            other => panic!("{email}: expected busy, got {other:?}"),
        }
    }
    assert_eq!(
        h.scalar(limits).await,
        before,
        "a busy answer counts nothing"
    );

    assert!(matches!(
        signing_in.await.unwrap(),
        Ok(SignInOutcome::SignedIn { .. })
    ));
    // The slot free again: answered, and an unknown email as a wrong password.
    assert!(matches!(
        h.core
            .sign_in("nobody@slow.test", "a-guess", Some("192.0.2.51"))
            .await,
        Err(CoreError::InvalidCredentials)
    ));
}

/// The defaults' shape on a small server, as [`slow_hashing`]'s one slot and no line, with
/// each hash some tens of milliseconds: a crowd started together finds the slot taken.
fn one_slot() -> CoreConfig {
    CoreConfig {
        hash_cost: HashCost {
            memory_kib: 8 * 1024,
            iterations: 10,
            parallelism: 1,
        },
        ..slow_hashing()
    }
}

/// Six people sign in at the same moment with one hashing slot: those refused as busy come
/// back on the sign-in page's schedule, starting from the server's hint, and everyone gets in
/// without a person having to submit again (within the page's own retries).
async fn a_crowd_retrying_as_the_sign_in_page_does_all_gets_in(h: Harness) {
    use orgdesk_types::busy::{busy_retry_delay_ms, BUSY_RETRIES};
    let org = h.core.create_organization("Crowd Corp").await.unwrap();
    let crowd: Vec<String> = (0..6).map(|i| format!("person{i}@crowd.test")).collect();
    for email in &crowd {
        h.core
            .create_user(
                org,
                NewUser::member("Crowd Person", email, "a-long-password"),
            )
            .await
            .unwrap();
    }
    let people = crowd.iter().enumerate().map(|(i, email)| {
        let core = h.core.clone();
        let email = email.clone();
        tokio::spawn(async move {
            let address = format!("192.0.2.{}", 60 + i);
            for retry in 0..=BUSY_RETRIES {
                match core
                    .sign_in(&email, "a-long-password", Some(&address))
                    .await
                {
                    Ok(SignInOutcome::SignedIn { .. }) => return retry,
                    Err(CoreError::Busy { retry_after_ms }) => {
                        let random = ((i as u32 * 37 + retry * 11) % 10) as f64 / 10.0;
                        let wait = busy_retry_delay_ms(retry_after_ms, retry, random);
                        tokio::time::sleep(StdDuration::from_millis(wait)).await;
                    }
                    other => panic!("{email}: {other:?}"),
                }
            }
            panic!("{email}: still busy after the page's {BUSY_RETRIES} retries")
        })
    });
    let mut busy_answers = 0;
    for person in futures::future::join_all(people).await {
        busy_answers += person.unwrap();
    }
    assert!(busy_answers > 0, "the crowd found the slot taken");
}
