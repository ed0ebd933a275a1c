//! The seed's three paths (row menu, profile sidebar, bulk) all end in `admin_reset_passwords`
//! or `admin_reset_matching`.

use orgdesk_core::config::RateLimit;
use orgdesk_core::entities::{activity, email_outbox, reset_link};
use orgdesk_core::types::{EmailStatus, LinkState, SkipReason, UserFilter, UserStatus};
use orgdesk_core::{CoreConfig, CoreError, NewUser, SignInOutcome};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait,
};

use orgdesk_testkit::on_both_databases;
use orgdesk_testkit::{test_config, Harness, MEMBER_PASSWORD};

on_both_databases!(
    admin_resets_a_user_from_the_row_menu,
    admin_resets_users_selected_from_a_list,
    a_bulk_reset_mixing_permitted_and_forbidden_targets,
    owners_may_reset_admins_but_admins_may_not_reset_owners,
    admins_may_not_reset_other_admins,
    another_organizations_user_ids_are_not_found,
    two_admins_resetting_the_same_user_at_once_leave_one_live_link,
    a_failure_in_the_middle_of_a_bulk_reset_rolls_everything_back,
    select_all_matching_resets_what_the_filter_matches,
    resend_email_replaces_the_link_of_a_pending_reset,
    one_persons_resends_are_limited_whoever_sends_them,
    a_pending_reset_done_again_in_bulk_mails_no_more_than_resend_email,
    members_cannot_reset_anyone,
    a_bulk_reset_of_thousands_asks_postgresql_for_a_vacuum,
);

async fn admin_resets_a_user_from_the_row_menu(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    // Jane is signed in somewhere.
    let SignInOutcome::SignedIn { session, .. } = h
        .core
        .sign_in(&jane.email, MEMBER_PASSWORD, None)
        .await
        .unwrap()
    else {
        panic!("Jane should sign in")
    };
    assert!(h.session_is_live(&session.token).await);

    let report = h
        .core
        .admin_reset_passwords(&demo.admin, &[jane.id], Some("192.0.2.7"))
        .await
        .unwrap();
    assert_eq!(report.reset, vec![jane.id]);
    assert!(report.skipped.is_empty());

    let after = h.user(jane.id).await;
    assert_eq!(after.status(), Some(UserStatus::ResetPending));
    assert!(
        after.password_hash.is_none(),
        "the current password stops working now"
    );
    assert_eq!(after.previous_password_hash, jane.password_hash);
    assert!(
        !h.session_is_live(&session.token).await,
        "signed out everywhere"
    );
    assert_eq!(h.live_sessions(jane.id).await, 0);

    // One live link, valid 15 minutes, and its email queued in the outbox.
    let links = h.live_links(jane.id).await;
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].purpose, "admin_reset");
    assert_eq!(links[0].created_by, Some(demo.admin.user_id));
    assert_eq!(
        links[0].expires_at - links[0].created_at,
        chrono::Duration::minutes(15)
    );
    let token = h.emailed_token(jane.id).await;
    assert_eq!(token.len(), 43);
    assert_ne!(links[0].token_hash, token, "only the hash is stored");
    let email = email_outbox::Entity::find()
        .filter(email_outbox::Column::UserId.eq(jane.id))
        .one(h.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(email.subject, "Reset your Acme Corp password");
    assert_eq!(email.status(), Some(EmailStatus::Queued));
    let (text, html) = email.bodies().unwrap();
    assert!(text.contains("Ada Admin"));
    assert!(text.contains(&format!("http://orgdesk.test/reset-password/{token}")));
    assert!(text.contains("in 15 minutes"));
    assert!(html.contains("Reset password"));
    assert!(matches!(
        h.core.inspect_link(&token).await.unwrap(),
        LinkState::Valid { .. }
    ));

    let kinds = h.activity_kinds(jane.id).await;
    assert!(kinds.contains(&"admin_reset_password".to_owned()));
    assert!(kinds.contains(&"email_queued".to_owned()));
    let reset_event = activity::Entity::find()
        .filter(activity::Column::SubjectId.eq(jane.id))
        .filter(activity::Column::Kind.eq("admin_reset_password"))
        .one(h.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reset_event.actor_id, Some(demo.admin.user_id));
    assert_eq!(reset_event.ip.as_deref(), Some("192.0.2.7"));
    assert!(
        !reset_event.details.contains(&token),
        "tokens never go into the activity log"
    );
}

async fn admin_resets_users_selected_from_a_list(h: Harness) {
    let demo = h.demo().await;
    let ids: Vec<i64> = demo.members.iter().take(12).map(|m| m.id).collect();
    let report = h
        .core
        .admin_reset_passwords(&demo.admin, &ids, None)
        .await
        .unwrap();
    assert_eq!(report.reset.len(), 12);
    assert!(report.skipped.is_empty());
    for id in &ids {
        assert_eq!(h.user(*id).await.status(), Some(UserStatus::ResetPending));
        assert_eq!(h.live_links(*id).await.len(), 1);
    }
    let queued = email_outbox::Entity::find()
        .filter(email_outbox::Column::UserId.is_in(ids.clone()))
        .count(h.db())
        .await
        .unwrap();
    assert_eq!(queued, 12);
    // Each user got their own token.
    let mut tokens = Vec::new();
    for id in &ids {
        tokens.push(h.emailed_token(*id).await);
    }
    tokens.sort();
    tokens.dedup();
    assert_eq!(tokens.len(), 12);
    // Everyone else is untouched.
    let untouched = &demo.members[12];
    assert_eq!(
        h.user(untouched.id).await.status(),
        Some(UserStatus::Active)
    );
}

async fn a_bulk_reset_mixing_permitted_and_forbidden_targets(h: Harness) {
    let demo = h.demo().await;
    let member = demo.members[0].id;
    let other = demo.members[1].id;
    let suspended = demo.suspended[0].id;
    let targets = [
        member,
        demo.admin.user_id, // yourself
        demo.owner.user_id, // an admin can't reset an owner
        suspended,
        other,
        member,    // duplicate
        9_999_999, // unknown
    ];
    let report = h
        .core
        .admin_reset_passwords(&demo.admin, &targets, None)
        .await
        .unwrap();
    assert_eq!(report.reset, vec![member, other]);
    let reasons: Vec<(i64, SkipReason)> = report
        .skipped
        .iter()
        .map(|s| (s.user_id, s.reason))
        .collect();
    assert_eq!(
        reasons,
        vec![
            (demo.admin.user_id, SkipReason::Yourself),
            (demo.owner.user_id, SkipReason::NoPermission),
            (suspended, SkipReason::AlreadySuspended),
            (9_999_999, SkipReason::NotFound),
        ]
    );
    assert_eq!(report.skipped[1].name, "Olivia Owens");
    assert_eq!(report.skipped[3].name, "", "unknown ids reveal nothing");
    assert_eq!(
        h.user(demo.owner.user_id).await.status(),
        Some(UserStatus::Active)
    );
    assert_eq!(
        h.user(demo.admin.user_id).await.status(),
        Some(UserStatus::Active)
    );
    assert_eq!(
        h.user(suspended).await.status(),
        Some(UserStatus::Suspended)
    );
    assert_eq!(
        h.live_links(member).await.len(),
        1,
        "the duplicate id made no second link"
    );
}

async fn owners_may_reset_admins_but_admins_may_not_reset_owners(h: Harness) {
    let demo = h.demo().await;
    let report = h
        .core
        .admin_reset_passwords(&demo.owner, &[demo.admin.user_id, demo.owner.user_id], None)
        .await
        .unwrap();
    assert_eq!(report.reset, vec![demo.admin.user_id]);
    assert_eq!(report.skipped[0].reason, SkipReason::Yourself);
    // A second owner can be reset by the first.
    let second_owner = h
        .core
        .create_user(
            demo.owner.org_id,
            NewUser::member("Otto Owner", "otto@acme.test", MEMBER_PASSWORD)
                .with_role(orgdesk_core::types::Role::Owner),
        )
        .await
        .unwrap();
    let report = h
        .core
        .admin_reset_passwords(&demo.owner, &[second_owner], None)
        .await
        .unwrap();
    assert_eq!(report.reset, vec![second_owner]);
}

async fn admins_may_not_reset_other_admins(h: Harness) {
    let demo = h.demo().await;
    let peer = h
        .core
        .create_user(
            demo.admin.org_id,
            NewUser::member("Ada Peer", "ada.peer@acme.test", MEMBER_PASSWORD)
                .with_role(orgdesk_core::types::Role::Admin),
        )
        .await
        .unwrap();
    let report = h
        .core
        .admin_reset_passwords(&demo.admin, &[peer], None)
        .await
        .unwrap();
    assert!(report.reset.is_empty());
    assert_eq!(report.skipped[0].reason, SkipReason::NoPermission);
    assert_eq!(
        h.user(peer).await.status(),
        Some(UserStatus::Active),
        "nothing changed"
    );
    assert!(h.live_links(peer).await.is_empty());
    // The owner may.
    let report = h
        .core
        .admin_reset_passwords(&demo.owner, &[peer], None)
        .await
        .unwrap();
    assert_eq!(report.reset, vec![peer]);
}

async fn another_organizations_user_ids_are_not_found(h: Harness) {
    let demo = h.demo().await;
    let globex = h.core.create_organization("Globex").await.unwrap();
    let hank = h
        .core
        .create_user(
            globex,
            NewUser::member("Hank Scorpio", "hank@globex.test", MEMBER_PASSWORD),
        )
        .await
        .unwrap();

    // Globex is busy with Hank's row (PostgreSQL; SQLite has one writer at a time anyway):
    // Acme's reset of his id neither waits for it nor locks it.
    let globex_busy = if h.is_postgres() {
        let tx = h.db().begin().await.unwrap();
        tx.execute_unprepared(&format!(
            "SELECT id FROM users WHERE id = {hank} FOR UPDATE"
        ))
        .await
        .unwrap();
        Some(tx)
    } else {
        None
    };
    let report = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        h.core.admin_reset_passwords(&demo.admin, &[hank], None),
    )
    .await
    .expect("another organization's row lock is not waited for")
    .unwrap();
    if let Some(tx) = globex_busy {
        tx.rollback().await.unwrap();
    }
    assert!(report.reset.is_empty());
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].reason, SkipReason::NotFound);
    assert_eq!(
        report.skipped[0].name, "",
        "the other organization's user stays anonymous"
    );
    let hank_after = h.user(hank).await;
    assert_eq!(hank_after.status(), Some(UserStatus::Active));
    assert!(hank_after.password_hash.is_some());
    assert!(h.live_links(hank).await.is_empty());

    assert!(matches!(
        h.core.user_details(&demo.admin, hank).await,
        Err(CoreError::NotFound(_))
    ));
    assert!(matches!(
        h.core.user_activity(&demo.admin, hank, 10).await,
        Err(CoreError::NotFound(_))
    ));
    assert!(matches!(
        h.core
            .admin_resend_reset_email(&demo.admin, hank, None)
            .await,
        Err(CoreError::NotFound(_))
    ));
    // Filters never reach across organizations either.
    let report = h
        .core
        .admin_reset_matching(
            &demo.admin,
            &UserFilter {
                search: Some("hank".into()),
                ..Default::default()
            },
            1,
            None,
        )
        .await;
    assert!(
        matches!(report, Err(CoreError::InvalidInput(_))),
        "{report:?}"
    );
    assert_eq!(h.user(hank).await.status(), Some(UserStatus::Active));
}

async fn two_admins_resetting_the_same_user_at_once_leave_one_live_link(h: Harness) {
    let demo = h.demo().await;
    for member in demo.members.iter().take(4) {
        let (a, b) = (h.core.clone(), h.core.clone());
        let (owner, admin) = (demo.owner.clone(), demo.admin.clone());
        let id = member.id;
        let first = tokio::spawn(async move { a.admin_reset_passwords(&owner, &[id], None).await });
        let second =
            tokio::spawn(async move { b.admin_reset_passwords(&admin, &[id], None).await });
        let (first, second) = (
            first.await.unwrap().unwrap(),
            second.await.unwrap().unwrap(),
        );
        assert_eq!(first.reset, vec![id]);
        assert_eq!(second.reset, vec![id]);
        assert_eq!(
            h.live_links(id).await.len(),
            1,
            "exactly one live link for {}",
            member.name
        );
        let total = reset_link::Entity::find()
            .filter(reset_link::Column::UserId.eq(id))
            .count(h.db())
            .await
            .unwrap();
        assert_eq!(total, 2);
        // The previous password is still the one from before both resets.
        assert_eq!(
            h.user(id).await.previous_password_hash,
            member.password_hash
        );
    }
}

async fn a_failure_in_the_middle_of_a_bulk_reset_rolls_everything_back(h: Harness) {
    let demo = h.demo().await;
    h.core
        .seed_bulk_users(demo.admin.org_id, 2_500)
        .await
        .unwrap();
    // Everyone has a session that must survive the failed reset.
    for m in demo.members.iter().take(3) {
        h.core
            .sign_in(&m.email, MEMBER_PASSWORD, None)
            .await
            .unwrap();
    }
    // The database refuses the 2,100th email: the reset's second batch of emails fails, after
    // passwords, sessions, links and the first 2,000 emails were written.
    if h.is_postgres() {
        h.exec(
            "CREATE FUNCTION refuse_2100th_email() RETURNS trigger AS $$ BEGIN \
               IF (SELECT COUNT(*) FROM email_outbox) >= 2100 THEN RAISE EXCEPTION 'injected failure'; END IF; \
               RETURN NEW; END $$ LANGUAGE plpgsql",
        )
        .await;
        h.exec("CREATE TRIGGER refuse_2100th_email BEFORE INSERT ON email_outbox FOR EACH ROW EXECUTE FUNCTION refuse_2100th_email()").await;
    } else {
        h.exec(
            "CREATE TRIGGER refuse_2100th_email BEFORE INSERT ON email_outbox \
             WHEN (SELECT COUNT(*) FROM email_outbox) >= 2100 BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
        )
        .await;
    }
    let active = UserFilter {
        status: Some(UserStatus::Active),
        ..Default::default()
    };
    let expected = matching(&h, &demo.admin, &active).await;
    let before = h.snapshot().await;
    let result = h
        .core
        .admin_reset_matching(&demo.admin, &active, expected, None)
        .await;
    assert!(matches!(result, Err(CoreError::Database(_))), "{result:?}");
    assert_eq!(h.snapshot().await, before, "nothing changed");
    for m in demo.members.iter().take(3) {
        assert_eq!(h.live_sessions(m.id).await, 1);
    }
}

/// Counts that any part of a reset would change.
async fn select_all_matching_resets_what_the_filter_matches(h: Harness) {
    let demo = h.demo().await;
    let filter = UserFilter {
        search: Some("ENGINEER".into()),
        ..Default::default()
    };
    // Titles aren't searched: "engineer" matches no name or email, so nothing happens.
    assert!(matches!(
        h.core
            .admin_reset_matching(&demo.admin, &filter, 0, None)
            .await,
        Err(CoreError::InvalidInput(_))
    ));

    let filter = UserFilter {
        search: Some("acme.test".into()),
        status: None,
        role: None,
    };
    let confirmed = matching(&h, &demo.admin, &filter).await;
    // A stale count is refused, and changes nothing.
    let stale = h
        .core
        .admin_reset_matching(&demo.admin, &filter, confirmed - 1, None)
        .await;
    assert!(
        matches!(&stale, Err(e @ CoreError::CountChanged { matching, expected })
            if *matching == confirmed && *expected == confirmed - 1
                && e.to_string().contains(&format!("not the {}", confirmed - 1))),
        "{stale:?}"
    );
    assert_eq!(
        h.scalar(&format!(
            "SELECT COUNT(*) AS n FROM users WHERE status = '{}'",
            UserStatus::ResetPending.as_str()
        ))
        .await,
        0
    );
    let report = h
        .core
        .admin_reset_matching(&demo.admin, &filter, confirmed, None)
        .await
        .unwrap();
    // Everyone but the admin (yourself), the owner (no permission) and the suspended.
    assert_eq!(report.reset.len(), demo.members.len());
    let mut reasons: Vec<SkipReason> = report.skipped.iter().map(|s| s.reason).collect();
    reasons.sort_by_key(|r| format!("{r:?}"));
    assert_eq!(
        reasons,
        vec![
            SkipReason::AlreadySuspended,
            SkipReason::AlreadySuspended,
            SkipReason::AlreadySuspended,
            SkipReason::NoPermission,
            SkipReason::Yourself
        ]
    );
    let pending = h
        .scalar(&format!(
            "SELECT COUNT(*) AS n FROM users WHERE status = '{}'",
            UserStatus::ResetPending.as_str()
        ))
        .await;
    assert_eq!(pending as usize, demo.members.len());
}

async fn resend_email_replaces_the_link_of_a_pending_reset(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    let not_pending = &demo.members[1];
    let err = h
        .core
        .admin_resend_reset_email(&demo.admin, not_pending.id, None)
        .await
        .unwrap_err();
    match err {
        CoreError::Conflict(message) => {
            assert!(message.contains("has no pending reset"), "{message}")
        }
        other => panic!("{other:?}"),
    }

    let first = h.admin_reset(&demo, jane.id).await;
    h.core
        .admin_resend_reset_email(&demo.admin, jane.id, None)
        .await
        .unwrap();
    let second = h.emailed_token(jane.id).await;
    assert_ne!(first, second);
    assert_eq!(
        h.core.inspect_link(&first).await.unwrap(),
        LinkState::Revoked,
        "the previous link stops working"
    );
    assert!(matches!(
        h.core.inspect_link(&second).await.unwrap(),
        LinkState::Valid { .. }
    ));
    assert_eq!(h.live_links(jane.id).await.len(), 1);
    assert!(h
        .activity_kinds(jane.id)
        .await
        .contains(&"reset_email_resent".to_owned()));
    // Admins can't resend to an owner either.
    assert!(matches!(
        h.core
            .admin_resend_reset_email(&demo.admin, demo.owner.user_id, None)
            .await,
        Err(CoreError::Forbidden)
    ));
}

async fn members_cannot_reset_anyone(h: Harness) {
    let demo = h.demo().await;
    let member = h.actor(&demo.members[0].email).await;
    let target = demo.members[1].id;
    assert!(matches!(
        h.core.admin_reset_passwords(&member, &[target], None).await,
        Err(CoreError::Forbidden)
    ));
    assert!(matches!(
        h.core
            .admin_reset_matching(&member, &UserFilter::default(), 1, None)
            .await,
        Err(CoreError::Forbidden)
    ));
    assert!(matches!(
        h.core.admin_resend_reset_email(&member, target, None).await,
        Err(CoreError::Forbidden)
    ));
    // An Actor claiming a role it doesn't have gets nowhere: the database decides.
    let mut forged = member.clone();
    forged.role = orgdesk_core::types::Role::Owner;
    assert!(matches!(
        h.core.admin_reset_passwords(&forged, &[target], None).await,
        Err(CoreError::Forbidden)
    ));
    // So does an admin of another organization pretending to be in this one.
    let mut wrong_org = demo.admin.clone();
    wrong_org.org_id += 1;
    assert!(matches!(
        h.core.list_users(&wrong_org, &Default::default()).await,
        Err(CoreError::Forbidden)
    ));
    assert_eq!(h.user(target).await.status(), Some(UserStatus::Active));
}

/// How many users `filter` matches, as the console's "Select all N matching" shows it.
async fn matching(h: &Harness, admin: &orgdesk_core::types::Actor, filter: &UserFilter) -> u64 {
    h.core.count_users(admin, filter).await.unwrap()
}

on_both_databases!(with two_resets_per_admin: admin_resets_are_rate_limited_per_admin);

fn two_resets_per_admin() -> CoreConfig {
    CoreConfig {
        admin_reset_limit: RateLimit {
            max: 2,
            per: std::time::Duration::from_secs(15 * 60),
        },
        ..test_config()
    }
}

/// Each admin's reset and resend calls count against a per-admin limit (generous by default,
/// two here): a refused call changes nothing.
async fn admin_resets_are_rate_limited_per_admin(h: Harness) {
    let demo = h.demo().await;
    let (a, b, c) = (demo.members[0].id, demo.members[1].id, demo.members[2].id);
    for id in [a, b] {
        h.core
            .admin_reset_passwords(&demo.admin, &[id], None)
            .await
            .unwrap();
    }
    let third = h.core.admin_reset_passwords(&demo.admin, &[c], None).await;
    assert!(
        matches!(third, Err(CoreError::RateLimited { retry_after_secs }) if retry_after_secs > 0),
        "{third:?}"
    );
    assert_eq!(
        h.user(c).await.status(),
        Some(UserStatus::Active),
        "the refused call changed nothing"
    );
    assert!(matches!(
        h.core.admin_resend_reset_email(&demo.admin, a, None).await,
        Err(CoreError::RateLimited { .. })
    ));
    // Another admin (the owner) has a limit of their own.
    h.core
        .admin_reset_passwords(&demo.owner, &[c], None)
        .await
        .unwrap();
    // A new window, a new allowance.
    h.clock.advance(chrono::Duration::minutes(16));
    h.core
        .admin_resend_reset_email(&demo.admin, a, None)
        .await
        .unwrap();
}

/// Resend Email for one person, from any number of admins, sends at most five links in 15
/// minutes (what the user's own Resend Email allows): an inbox can't be flooded from the
/// console. The sixth changes nothing; other people are not affected.
async fn one_persons_resends_are_limited_whoever_sends_them(h: Harness) {
    let demo = h.demo().await;
    let (jane, joe) = (demo.members[0].id, demo.members[1].id);
    h.core
        .admin_reset_passwords(&demo.admin, &[jane, joe], None)
        .await
        .unwrap();
    for by in [
        &demo.admin,
        &demo.owner,
        &demo.admin,
        &demo.owner,
        &demo.admin,
    ] {
        h.core
            .admin_resend_reset_email(by, jane, None)
            .await
            .unwrap();
    }
    let last_link = h.emailed_token(jane).await;
    let sixth = h
        .core
        .admin_resend_reset_email(&demo.owner, jane, None)
        .await;
    assert!(
        matches!(sixth, Err(CoreError::RateLimited { retry_after_secs }) if retry_after_secs > 0),
        "{sixth:?}"
    );
    assert_eq!(
        h.emailed_token(jane).await,
        last_link,
        "no new link was sent"
    );
    assert!(matches!(
        h.core.inspect_link(&last_link).await.unwrap(),
        LinkState::Valid { .. }
    ));
    h.core
        .admin_resend_reset_email(&demo.owner, joe, None)
        .await
        .unwrap();
    h.clock.advance(chrono::Duration::minutes(16));
    h.core
        .admin_resend_reset_email(&demo.owner, jane, None)
        .await
        .unwrap();
}

/// A bulk reset of someone whose reset is pending only mails them a new link (the password and
/// sessions went with the first reset), so it counts against what Resend Email allows a person:
/// five links in 15 minutes, however they were sent. Past that, the person is skipped with the
/// reason, their newest link still works, and the others in the selection are reset; by ids or
/// by filter alike.
async fn a_pending_reset_done_again_in_bulk_mails_no_more_than_resend_email(h: Harness) {
    let demo = h.demo().await;
    let (jane, joe, ann) = (demo.members[0].id, demo.members[1].id, demo.members[2].id);
    let admin = &demo.admin;
    let links_of = |id| {
        reset_link::Entity::find()
            .filter(reset_link::Column::UserId.eq(id))
            .count(h.db())
    };
    // One reset and four more in bulk (one of them a resend): five links each.
    h.core
        .admin_reset_passwords(admin, &[jane, joe], None)
        .await
        .unwrap();
    h.core
        .admin_resend_reset_email(&demo.owner, jane, None)
        .await
        .unwrap();
    h.core
        .admin_resend_reset_email(&demo.owner, joe, None)
        .await
        .unwrap();
    let reset_both = || async {
        h.core
            .admin_reset_passwords(admin, &[jane, joe], None)
            .await
            .unwrap()
    };
    for _ in 0..3 {
        assert_eq!(reset_both().await.reset, [jane, joe]);
    }
    assert_eq!(links_of(jane).await.unwrap(), 5);
    let newest = h.emailed_token(jane).await;

    // The sixth: Jane and Joe are skipped, Ann (active) is reset.
    let report = h
        .core
        .admin_reset_passwords(admin, &[jane, ann, joe], None)
        .await
        .unwrap();
    assert_eq!(report.reset, [ann]);
    let skipped: Vec<_> = report
        .skipped
        .iter()
        .map(|s| (s.user_id, s.reason))
        .collect();
    assert_eq!(
        skipped,
        [
            (jane, SkipReason::TooManyLinks),
            (joe, SkipReason::TooManyLinks)
        ]
    );
    assert_eq!(links_of(jane).await.unwrap(), 5, "no sixth link");
    assert_eq!(h.emailed_token(jane).await, newest, "no new email");
    assert!(matches!(
        h.core.inspect_link(&newest).await.unwrap(),
        LinkState::Valid { .. }
    ));

    // By filter: everyone pending, the same reason for the same two.
    let pending = UserFilter {
        status: Some(UserStatus::ResetPending),
        ..Default::default()
    };
    let expected = matching(&h, admin, &pending).await;
    let report = h
        .core
        .admin_reset_matching(admin, &pending, expected, None)
        .await
        .unwrap();
    assert!(report.reset.contains(&ann), "Ann has had one link");
    assert!(!report.reset.contains(&jane) && !report.reset.contains(&joe));
    assert_eq!(
        report
            .skipped
            .iter()
            .filter(|s| s.reason == SkipReason::TooManyLinks)
            .count(),
        2
    );

    // A quarter of an hour later, a new allowance.
    h.clock.advance(chrono::Duration::minutes(16));
    assert_eq!(reset_both().await.reset, [jane, joe]);
    assert_ne!(h.emailed_token(jane).await, newest, "a new link was sent");
}

/// PostgreSQL's typed pages read the sort index alone only where vacuum has marked the table's
/// pages all-visible; a bulk reset of thousands unmarks most of them, so it asks for a vacuum.
async fn a_bulk_reset_of_thousands_asks_postgresql_for_a_vacuum(h: Harness) {
    let demo = h.demo().await;
    let wanted = h.core.vacuum_wanted_signal();
    let asked = || async {
        tokio::time::timeout(std::time::Duration::from_millis(50), wanted.notified())
            .await
            .is_ok()
    };
    // A reset of a few users asks for nothing.
    h.core
        .admin_reset_passwords(&demo.admin, &[demo.members[0].id], None)
        .await
        .unwrap();
    assert!(!asked().await);

    h.core
        .seed_bulk_users(demo.admin.org_id, 1_200)
        .await
        .unwrap();
    let active = UserFilter {
        status: Some(UserStatus::Active),
        ..Default::default()
    };
    let expected = matching(&h, &demo.admin, &active).await;
    let report = h
        .core
        .admin_reset_matching(&demo.admin, &active, expected, None)
        .await
        .unwrap();
    assert!(report.reset.len() >= 1_000);
    if !h.is_postgres() {
        assert!(
            !asked().await,
            "SQLite has no visibility map to bring up to date"
        );
        assert!(!h.core.vacuum_users().await.unwrap());
        return;
    }
    assert!(asked().await, "the reset asked for a vacuum");
    let visible = "SELECT relallvisible::bigint FROM pg_class WHERE relname = 'users'";
    let pages = "SELECT relpages::bigint FROM pg_class WHERE relname = 'users'";
    // The server's vacuum skips a table autovacuum is busy with (SKIP_LOCKED): either one
    // counts, once it has finished.
    let vacuums = "SELECT COALESCE(MAX(vacuum_count + autovacuum_count), 0) \
                   FROM pg_stat_user_tables WHERE relname = 'users'";
    let vacuums_before = h.scalar(vacuums).await;
    assert!(h.core.vacuum_users().await.unwrap());
    let waited = std::time::Instant::now();
    while h.scalar(vacuums).await <= vacuums_before {
        assert!(
            waited.elapsed() < std::time::Duration::from_secs(20),
            "users was vacuumed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        h.scalar(visible).await,
        h.scalar(pages).await,
        "every page of users is all-visible again"
    );
}
