//! Bad input (malformed ids, huge payloads, garbage tokens, unknown users) gets a clear error
//! and changes nothing.

use orgdesk_core::types::{LinkState, UserFilter, UserQuery};
use orgdesk_core::CoreError;

use orgdesk_testkit::on_both_databases;
use orgdesk_testkit::Harness;

on_both_databases!(bad_input_changes_nothing);

async fn bad_input_changes_nothing(h: Harness) {
    let demo = h.demo().await;
    let megabyte = "é".repeat(500_000);
    let before = h.snapshot().await;

    assert!(matches!(
        h.core.admin_reset_passwords(&demo.admin, &[], None).await,
        Err(CoreError::InvalidInput(_))
    ));
    let too_many: Vec<i64> = (1..=100_001).collect();
    assert!(matches!(
        h.core
            .admin_reset_passwords(&demo.admin, &too_many, None)
            .await,
        Err(CoreError::InvalidInput(_))
    ));
    let unknown = h
        .core
        .admin_reset_passwords(&demo.admin, &[-1, 0, i64::MAX, i64::MIN], None)
        .await
        .unwrap();
    assert!(unknown.reset.is_empty());
    assert_eq!(unknown.skipped.len(), 4);
    assert!(matches!(
        h.core
            .admin_resend_reset_email(&demo.admin, i64::MAX, None)
            .await,
        Err(CoreError::NotFound(_))
    ));
    assert!(matches!(
        h.core.user_details(&demo.admin, -5).await,
        Err(CoreError::NotFound(_))
    ));

    for token in [
        "",
        "garbage",
        "../../etc/passwd",
        "' OR 1=1 --",
        &"A".repeat(43),
        &megabyte,
    ] {
        assert_eq!(
            h.core.inspect_link(token).await.unwrap(),
            LinkState::Unknown,
            "{:.20}",
            token
        );
        assert!(matches!(
            h.core
                .complete_reset(token, "Tumbling-Otter-47-Harbor", None)
                .await,
            Err(CoreError::LinkUnusable(LinkState::Unknown))
        ));
        h.core.resend_from_link(token, None).await.unwrap();
        assert!(!h.session_is_live(token).await);
        h.core.sign_out(token, None).await.unwrap();
    }

    assert!(matches!(
        h.core.sign_in(&megabyte, &megabyte, None).await,
        Err(CoreError::InvalidCredentials)
    ));
    assert!(matches!(
        h.core.sign_in("admin@acme.test", &megabyte, None).await,
        Err(CoreError::InvalidCredentials)
    ));
    h.core
        .request_forgot_password(&megabyte, Some(&megabyte))
        .await
        .unwrap();
    h.core.resend_reset_email(&megabyte, None).await.unwrap();
    let huge_search = UserQuery {
        filter: UserFilter {
            search: Some(megabyte.clone()),
            ..Default::default()
        },
        ..Default::default()
    };
    assert!(matches!(
        h.core.list_users(&demo.admin, &huge_search).await,
        Err(CoreError::InvalidInput(_))
    ));
    assert!(matches!(
        h.core
            .admin_reset_matching(&demo.admin, &huge_search.filter, 1, None)
            .await,
        Err(CoreError::InvalidInput(_))
    ));

    let mut after = h.snapshot().await;
    // The failed admin sign-in is the only thing recorded.
    let activity = (before[6], after[6]);
    after[6] = before[6];
    assert_eq!(after, before);
    assert_eq!(activity.1 - activity.0, 1);
}
