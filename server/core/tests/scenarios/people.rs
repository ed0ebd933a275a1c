//! Bringing people in and managing them: add a user (Invited, with an invitation to set a
//! first password), resend and expire invitations, suspend and reactivate, change roles, and
//! the same from the command line, recorded under its own name.

use chrono::Duration;
use orgdesk_core::types::{
    ActivityKind, LinkPurpose, LinkState, NewMember, ProfileChange, Role, SkipReason, UserFilter,
    UserStatus,
};
use orgdesk_core::{CoreError, Initiator, SignInOutcome};

use orgdesk_testkit::on_both_databases;
use orgdesk_testkit::{Harness, ADMIN_PASSWORD, MEMBER_PASSWORD};

const FIRST_PASSWORD: &str = "Quiet-Harbor-Lantern-82";

on_both_databases!(
    an_added_user_is_invited_sets_a_password_and_signs_in,
    bad_or_duplicate_members_are_refused_and_change_nothing,
    only_owners_add_admins_and_change_roles,
    an_expired_invitation_offers_a_new_one_and_resend_kills_the_old,
    suspending_signs_out_kills_links_and_refuses_sign_in,
    an_admin_signs_a_user_out_everywhere_and_their_password_stays,
    an_admin_edits_details_and_activity_says_what_changed,
    the_command_line_acts_as_itself_in_the_activity_log,
);

fn member(name: &str, email: &str, role: Role) -> NewMember {
    NewMember {
        name: name.into(),
        email: email.into(),
        role,
        title: Some("Analyst".into()),
        department: None,
    }
}

async fn an_added_user_is_invited_sets_a_password_and_signs_in(h: Harness) {
    let demo = h.demo().await;
    let invitation = h
        .core
        .add_user(
            &demo.admin,
            &member("Nia Newcomer", " Nia@Acme.test ", Role::Member),
            None,
        )
        .await
        .unwrap();
    assert_eq!(invitation.email, "nia@acme.test");
    let nia = h.user(invitation.user_id).await;
    assert_eq!(nia.status(), Some(UserStatus::Invited));
    assert!(nia.password_hash.is_none());
    // Nobody can sign in to an invited account before the password is set.
    assert!(matches!(
        h.core.sign_in("nia@acme.test", "", None).await,
        Err(CoreError::InvalidCredentials)
    ));
    // The emailed link is the one returned, and it opens the page as an invitation, valid 7 days.
    let token = h.emailed_token(nia.id).await;
    assert!(invitation.link.ends_with(&token));
    let LinkState::Valid {
        purpose,
        expires_at,
        ..
    } = h.core.inspect_link(&token).await.unwrap()
    else {
        panic!("a fresh invitation is valid")
    };
    assert_eq!(purpose, LinkPurpose::Invitation);
    assert_eq!(expires_at, invitation.expires_at);
    assert!(expires_at - h.core.now() > Duration::days(7) - Duration::minutes(1));

    h.core
        .complete_reset(&token, FIRST_PASSWORD, None)
        .await
        .unwrap();
    assert_eq!(h.user(nia.id).await.status(), Some(UserStatus::Active));
    assert!(matches!(
        h.core
            .sign_in("nia@acme.test", FIRST_PASSWORD, None)
            .await
            .unwrap(),
        SignInOutcome::SignedIn { .. }
    ));
    let kinds = h.activity_kinds(nia.id).await;
    for kind in [
        ActivityKind::UserAdded,
        ActivityKind::PasswordChanged,
        ActivityKind::SignedIn,
    ] {
        assert!(
            kinds.iter().any(|k| k == kind.as_str()),
            "{kind:?} in {kinds:?}"
        );
    }
}

async fn bad_or_duplicate_members_are_refused_and_change_nothing(h: Harness) {
    let demo = h.demo().await;
    let before = h.snapshot().await;
    let users_before = h.scalar("SELECT COUNT(*) AS n FROM users").await;
    for bad in [
        member("", "x@acme.test", Role::Member),
        member("No Email", "not-an-email", Role::Member),
        member("Trailing", "a@acme", Role::Member),
        member("Two", "a@acme.test, b@acme.test", Role::Member),
        member(&"n".repeat(201), "long@acme.test", Role::Member),
        // Already there (emails are compared lower-cased).
        member(
            "Jane Again",
            &demo.members[0].email.to_uppercase(),
            Role::Member,
        ),
    ] {
        let outcome = h.core.add_user(&demo.admin, &bad, None).await;
        assert!(
            matches!(
                outcome,
                Err(CoreError::InvalidInput(_) | CoreError::Conflict(_))
            ),
            "{bad:?}: {outcome:?}"
        );
    }
    assert_eq!(h.snapshot().await, before);
    assert_eq!(
        h.scalar("SELECT COUNT(*) AS n FROM users").await,
        users_before
    );
}

async fn only_owners_add_admins_and_change_roles(h: Harness) {
    let demo = h.demo().await;
    let admin_add = h
        .core
        .add_user(
            &demo.admin,
            &member("Ada Second", "ada2@acme.test", Role::Admin),
            None,
        )
        .await;
    assert!(
        matches!(admin_add, Err(CoreError::Forbidden)),
        "{admin_add:?}"
    );
    let ada = h
        .core
        .add_user(
            &demo.owner,
            &member("Ada Second", "ada2@acme.test", Role::Admin),
            None,
        )
        .await
        .unwrap();
    let jane = &demo.members[0];
    assert!(matches!(
        h.core
            .change_role(&demo.admin, jane.id, Role::Admin, None)
            .await,
        Err(CoreError::Forbidden)
    ));
    h.core
        .change_role(&demo.owner, jane.id, Role::Admin, None)
        .await
        .unwrap();
    assert_eq!(h.user(jane.id).await.role(), Some(Role::Admin));
    // An admin can't suspend another admin; the owner can't demote themselves.
    assert!(matches!(
        h.core
            .set_suspended(&demo.admin, ada.user_id, true, None)
            .await,
        Err(CoreError::Forbidden)
    ));
    assert!(matches!(
        h.core
            .change_role(&demo.owner, demo.owner.user_id, Role::Member, None)
            .await,
        Err(CoreError::OwnAccount)
    ));
    // An invited user is skipped by a reset, with the reason.
    let report = h
        .core
        .admin_reset_passwords(&demo.owner, &[ada.user_id], None)
        .await
        .unwrap();
    assert_eq!(report.skipped[0].reason, SkipReason::Invited);
}

async fn an_expired_invitation_offers_a_new_one_and_resend_kills_the_old(h: Harness) {
    let demo = h.demo().await;
    let nia = h
        .core
        .add_user(
            &demo.admin,
            &member("Nia Newcomer", "nia@acme.test", Role::Member),
            None,
        )
        .await
        .unwrap();
    let first = h.emailed_token(nia.user_id).await;
    h.clock.advance(Duration::days(7) + Duration::seconds(1));
    assert_eq!(
        h.core.inspect_link(&first).await.unwrap(),
        LinkState::Expired {
            purpose: LinkPurpose::Invitation
        }
    );
    // "Send me a new invitation" from the expired page.
    h.core.resend_from_link(&first, None).await.unwrap();
    let second = h.emailed_token(nia.user_id).await;
    assert_ne!(first, second);
    assert!(matches!(
        h.core.inspect_link(&second).await.unwrap(),
        LinkState::Valid { .. }
    ));
    // The admin's Resend invitation replaces it again.
    let third = h
        .core
        .resend_invitation(&demo.admin, nia.user_id, None)
        .await
        .unwrap();
    assert_eq!(
        h.core.inspect_link(&second).await.unwrap(),
        LinkState::Revoked
    );
    assert!(third.link.ends_with(&h.emailed_token(nia.user_id).await));
    // Once the password is set there is no invitation to resend.
    h.core
        .complete_reset(&h.emailed_token(nia.user_id).await, FIRST_PASSWORD, None)
        .await
        .unwrap();
    assert!(matches!(
        h.core
            .resend_invitation(&demo.admin, nia.user_id, None)
            .await,
        Err(CoreError::Conflict(_))
    ));
}

async fn suspending_signs_out_kills_links_and_refuses_sign_in(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    let SignInOutcome::SignedIn { session, .. } = h
        .core
        .sign_in(&jane.email, MEMBER_PASSWORD, None)
        .await
        .unwrap()
    else {
        panic!("jane signs in")
    };
    let token = h.admin_reset(&demo, jane.id).await;
    // A reset pending user is suspended: their link dies with their sessions.
    let status = h
        .core
        .set_suspended(&demo.admin, jane.id, true, None)
        .await
        .unwrap();
    assert_eq!(status, UserStatus::Suspended);
    assert_eq!(h.live_sessions(jane.id).await, 0);
    assert!(h.live_links(jane.id).await.is_empty());
    assert!(!h.session_is_live(&session.token).await);
    assert!(matches!(
        h.core.inspect_link(&token).await.unwrap(),
        LinkState::Revoked
    ));
    assert!(h
        .core
        .sign_in(&jane.email, MEMBER_PASSWORD, None)
        .await
        .is_err());
    // Nobody suspends themselves, and suspending twice says so.
    assert!(matches!(
        h.core
            .set_suspended(&demo.admin, demo.admin.user_id, true, None)
            .await,
        Err(CoreError::OwnAccount)
    ));
    assert!(matches!(
        h.core.set_suspended(&demo.admin, jane.id, true, None).await,
        Err(CoreError::Conflict(_))
    ));
    // Reactivated, Jane is back where she was: her reset still pending.
    let status = h
        .core
        .set_suspended(&demo.admin, jane.id, false, None)
        .await
        .unwrap();
    assert_eq!(status, UserStatus::ResetPending);
    let kinds = h.activity_kinds(jane.id).await;
    assert!(kinds
        .iter()
        .any(|k| k == ActivityKind::UserSuspended.as_str()));
    assert!(kinds
        .iter()
        .any(|k| k == ActivityKind::UserReactivated.as_str()));
}

async fn signed_in(h: &Harness, email: &str, password: &str) -> String {
    match h.core.sign_in(email, password, None).await {
        Ok(SignInOutcome::SignedIn { session, .. }) => session.token,
        other => panic!("{email} signs in: {other:?}"),
    }
}

async fn an_admin_signs_a_user_out_everywhere_and_their_password_stays(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    let john = &demo.members[1];
    let laptop = signed_in(&h, &jane.email, MEMBER_PASSWORD).await;
    let phone = signed_in(&h, &jane.email, MEMBER_PASSWORD).await;
    let johns = signed_in(&h, &john.email, MEMBER_PASSWORD).await;
    let recorded = |n: i64| {
        format!(
            "SELECT COUNT(*) - {n} AS n FROM activity WHERE kind = 'signed_out' AND subject_id = {} \
             AND ip = '192.0.2.7' AND details = '{} signed {} out everywhere (2 sessions); their password stays'",
            jane.id, demo.admin.name, jane.name
        )
    };

    let ended = h
        .core
        .sign_out_user(&demo.admin, jane.id, Some("192.0.2.7"))
        .await
        .unwrap();
    assert_eq!(ended, 2);
    assert!(!h.session_is_live(&laptop).await);
    assert!(!h.session_is_live(&phone).await);
    assert_eq!(h.live_sessions(jane.id).await, 0);
    assert!(h.session_is_live(&johns).await, "only Jane's sessions end");
    assert_eq!(h.scalar(&recorded(1)).await, 0);
    // Her password, links and status stay: she signs in again as before.
    let again = signed_in(&h, &jane.email, MEMBER_PASSWORD).await;
    assert!(h.session_is_live(&again).await);

    // With nothing left to end after this one, it ends nothing and records nothing more.
    assert_eq!(
        h.core
            .sign_out_user(&demo.admin, jane.id, None)
            .await
            .unwrap(),
        1
    );
    let lines = h
        .scalar(&format!(
            "SELECT COUNT(*) AS n FROM activity WHERE kind = 'signed_out' AND subject_id = {}",
            jane.id
        ))
        .await;
    assert_eq!(
        h.core
            .sign_out_user(&demo.admin, jane.id, None)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        h.scalar(&format!(
            "SELECT COUNT(*) AS n FROM activity WHERE kind = 'signed_out' AND subject_id = {}",
            jane.id
        ))
        .await,
        lines
    );

    // Not themselves, not an owner by an admin, not someone who isn't there: each refused,
    // nothing changed. An owner may sign an admin out.
    let owners = signed_in(&h, &demo.owner.email, MEMBER_PASSWORD).await;
    let before = h.snapshot().await;
    assert!(matches!(
        h.core
            .sign_out_user(&demo.admin, demo.admin.user_id, None)
            .await,
        Err(CoreError::OwnAccount)
    ));
    assert!(matches!(
        h.core
            .sign_out_user(&demo.admin, demo.owner.user_id, None)
            .await,
        Err(CoreError::Forbidden)
    ));
    assert!(matches!(
        h.core.sign_out_user(&demo.admin, i64::MAX, None).await,
        Err(CoreError::NotFound(_))
    ));
    assert_eq!(h.snapshot().await, before);
    assert!(h.session_is_live(&owners).await);
    let admins = signed_in(&h, &demo.admin.email, ADMIN_PASSWORD).await;
    assert_eq!(
        h.core
            .sign_out_user(&demo.owner, demo.admin.user_id, None)
            .await
            .unwrap(),
        1
    );
    assert!(!h.session_is_live(&admins).await);
}

async fn the_command_line_acts_as_itself_in_the_activity_log(h: Harness) {
    let demo = h.demo().await;
    let cli = Initiator::CommandLine {
        org_id: demo.admin.org_id,
        os_user: "ops".into(),
    };
    // The command line may add an owner, and reset an admin.
    let owner = h
        .core
        .add_user(
            cli.clone(),
            &member("Otto Owner", "otto@acme.test", Role::Owner),
            None,
        )
        .await
        .unwrap();
    let report = h
        .core
        .admin_reset_passwords(cli.clone(), &[demo.admin.user_id], None)
        .await
        .unwrap();
    assert_eq!(report.reset, vec![demo.admin.user_id]);
    let page = h
        .core
        .org_activity(&demo.owner, &Default::default(), 1, 50)
        .await
        .unwrap();
    let by_cli: Vec<_> = page
        .events
        .iter()
        .filter(|e| e.actor_name.as_deref() == Some("command line (ops)"))
        .map(|e| e.kind)
        .collect();
    assert!(by_cli.contains(&ActivityKind::UserAdded), "{by_cli:?}");
    assert!(
        by_cli.contains(&ActivityKind::AdminResetPassword),
        "{by_cli:?}"
    );
    // Another organization's id is refused.
    let elsewhere = Initiator::CommandLine {
        org_id: 999_999,
        os_user: "ops".into(),
    };
    assert!(matches!(
        h.core
            .set_suspended(elsewhere, owner.user_id, true, None)
            .await,
        Err(CoreError::NotFound(_))
    ));
}

fn profile(name: &str, title: Option<&str>, department: Option<&str>) -> ProfileChange {
    ProfileChange {
        name: name.into(),
        title: title.map(Into::into),
        department: department.map(Into::into),
    }
}

async fn an_admin_edits_details_and_activity_says_what_changed(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    let searched = |text: &str| UserFilter {
        search: Some(text.into()),
        ..UserFilter::default()
    };
    let edited = |n: i64| {
        format!(
            "SELECT COUNT(*) - {n} AS n FROM activity WHERE kind = 'profile_updated' AND subject_id = {}",
            jane.id
        )
    };

    let changed = h
        .core
        .update_profile(
            &demo.admin,
            jane.id,
            &profile("  Jane Quokka ", Some("Team Lead"), Some("  ")),
            Some("192.0.2.7"),
        )
        .await
        .unwrap();
    assert!(changed);
    let after = h.user(jane.id).await;
    assert_eq!(after.name, "Jane Quokka");
    assert_eq!(after.title.as_deref(), Some("Team Lead"));
    assert_eq!(after.department, None, "a blank department is none");
    assert_eq!(
        (after.email, after.status),
        (jane.email.clone(), jane.status.clone())
    );
    assert_eq!(h.scalar(&edited(1)).await, 0);
    let line = h
        .scalar(&format!(
            "SELECT COUNT(*) AS n FROM activity WHERE subject_id = {} AND ip = '192.0.2.7' \
             AND details LIKE '{} updated Jane Quokka''s name ({} → Jane Quokka), title (% → Team Lead)%'",
            jane.id,
            demo.admin.name,
            jane.name.replace('\'', "''")
        ))
        .await;
    assert_eq!(line, 1);
    // The Users Table finds her by her new name at once, on both databases' search indexes.
    let found = h
        .core
        .count_users(&demo.admin, &searched("quokka"))
        .await
        .unwrap();
    assert_eq!(found, 1);

    // The same again changes nothing and records nothing.
    let again = h
        .core
        .update_profile(
            &demo.admin,
            jane.id,
            &profile("Jane Quokka", Some("Team Lead"), None),
            None,
        )
        .await
        .unwrap();
    assert!(!again);
    assert_eq!(h.scalar(&edited(1)).await, 0);

    // Refused, changing nothing: a blank name, too long a title, an owner by an admin, an
    // unknown id.
    let before = h.snapshot().await;
    for (user, change) in [
        (jane.id, profile("   ", None, None)),
        (jane.id, profile("Jane", Some(&"t".repeat(500)), None)),
    ] {
        assert!(matches!(
            h.core
                .update_profile(&demo.admin, user, &change, None)
                .await,
            Err(CoreError::InvalidInput(_))
        ));
    }
    assert!(matches!(
        h.core
            .update_profile(
                &demo.admin,
                demo.owner.user_id,
                &profile("Olivia", None, None),
                None
            )
            .await,
        Err(CoreError::Forbidden)
    ));
    assert!(matches!(
        h.core
            .update_profile(&demo.admin, 987_654, &profile("Nobody", None, None), None)
            .await,
        Err(CoreError::NotFound(_))
    ));
    assert_eq!(h.snapshot().await, before);
    assert_eq!(h.user(jane.id).await.name, "Jane Quokka");
    assert_eq!(h.user(demo.owner.user_id).await.name, demo.owner.name);

    // An admin corrects their own title; an owner edits an admin.
    assert!(h
        .core
        .update_profile(
            &demo.admin,
            demo.admin.user_id,
            &profile(&demo.admin.name, Some("IT"), None),
            None
        )
        .await
        .unwrap());
    assert!(h
        .core
        .update_profile(
            &demo.owner,
            demo.admin.user_id,
            &profile("Ada A. Admin", Some("IT"), None),
            None
        )
        .await
        .unwrap());
    assert_eq!(h.user(demo.admin.user_id).await.name, "Ada A. Admin");
}
