//! The console's lists as files: Export CSV of the Users Table (what its filter matches, by
//! name, safe to open in a spreadsheet, imported back unchanged) and of the activity log
//! (newest first, in runs, however long); each export recorded in Activity, members refused.

use chrono::{NaiveDate, TimeZone, Utc};
use orgdesk_core::export::{ActivityExport, ACTIVITY_COLUMNS, EVENTS_PER_RUN, EXPORT_COLUMNS};
use orgdesk_core::imports::{read_csv, ImportOptions};
use orgdesk_core::types::{
    ActivityFilter, ActivityKind, Actor, NewMember, Role, UserFilter, UserStatus,
};
use orgdesk_core::{CoreError, Initiator};

use orgdesk_testkit::on_both_databases;
use orgdesk_testkit::Harness;

on_both_databases!(
    an_export_lists_what_the_filter_matches_and_imports_back_unchanged,
    the_activity_log_exports_newest_first_in_runs,
    the_activity_log_reads_and_exports_by_day,
);

fn cli(org: i64) -> Initiator {
    Initiator::CommandLine {
        org_id: org,
        os_user: "ops".into(),
    }
}

/// The header and data lines of an exported file, as fields.
pub(crate) fn read_export(csv: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::str::from_utf8(csv).expect("UTF-8");
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a byte-order mark first");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

/// The data lines of a Users export.
fn exported_rows(csv: &[u8]) -> Vec<Vec<String>> {
    let (header, rows) = read_export(csv);
    assert_eq!(header, EXPORT_COLUMNS);
    rows
}

async fn an_export_lists_what_the_filter_matches_and_imports_back_unchanged(h: Harness) {
    let demo = h.demo().await;
    let org = demo.admin.org_id;
    // A name a spreadsheet would run as a formula, and a title that starts like a number.
    let eve = h
        .core
        .add_user(
            &demo.admin,
            &NewMember {
                name: "=HYPERLINK(\"http://evil.test\",\"Eve\")".into(),
                email: "eve@acme.test".into(),
                role: Role::Member,
                title: Some("+1 Ops".into()),
                department: Some("Sales".into()),
            },
            None,
        )
        .await
        .unwrap();
    let everyone = h
        .scalar(&format!(
            "SELECT COUNT(*) AS n FROM users WHERE org_id = {org}"
        ))
        .await;

    let all = h
        .core
        .export_users(&demo.admin, &UserFilter::default(), Some("192.0.2.9"))
        .await
        .unwrap();
    assert_eq!(all.count as i64, everyone);
    assert!(
        all.file_name.starts_with("acme-corp-users-"),
        "{}",
        all.file_name
    );
    assert!(all.file_name.ends_with(".csv"));
    let rows = exported_rows(&all.csv);
    assert_eq!(rows.len() as i64, everyone);
    // By name, as the table's first page shows them.
    let names: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let eves = rows
        .iter()
        .find(|r| r[1] == "eve@acme.test")
        .expect("Eve's row");
    assert_eq!(eves[0], "'=HYPERLINK(\"http://evil.test\",\"Eve\")");
    assert_eq!(eves[2..6], ["member", "'+1 Ops", "Sales", "invited"]);
    assert_eq!(eves[6], "", "she never signed in");
    assert!(eves[7].ends_with('Z'));
    let recorded = h
        .scalar(&format!(
            "SELECT COUNT(*) AS n FROM activity WHERE kind = 'users_exported' AND org_id = {org} \
             AND actor_id = {} AND ip = '192.0.2.9' AND details = '{} exported {everyone} users as CSV'",
            demo.admin.user_id, demo.admin.name
        ))
        .await;
    assert_eq!(recorded, 1);

    // A filter's export holds its matches alone, and says which filter in the log.
    let invited = UserFilter {
        status: Some(UserStatus::Invited),
        ..UserFilter::default()
    };
    let some = h
        .core
        .export_users(&demo.admin, &invited, None)
        .await
        .unwrap();
    let invited_rows = exported_rows(&some.csv);
    assert!(invited_rows.iter().any(|r| r[1] == eve.email));
    assert!(invited_rows.iter().all(|r| r[5] == "invited"));
    assert_eq!(
        some.count as i64,
        h.scalar(&format!(
            "SELECT COUNT(*) AS n FROM users WHERE org_id = {org} AND status = 'invited'"
        ))
        .await
    );
    assert_eq!(
        h.scalar(
            "SELECT COUNT(*) AS n FROM activity WHERE kind = 'users_exported' \
             AND details LIKE '% as CSV (status Invited)'"
        )
        .await,
        1
    );

    // The file imports back as it is: everyone unchanged, Eve's name as she typed it.
    let file = read_csv(all.csv.as_slice()).expect("an export is an import file");
    assert!(file.bad.is_empty(), "{:?}", file.bad);
    let report = h
        .core
        .import_users(cli(org), &file.rows, ImportOptions::default(), &|_| {})
        .await
        .unwrap();
    assert_eq!(
        (report.created, report.updated, report.unchanged),
        (0, 0, everyone as u64),
        "{report:?}"
    );
    assert_eq!(
        h.user(eve.user_id).await.name,
        "=HYPERLINK(\"http://evil.test\",\"Eve\")"
    );

    // A member may not export, and nothing is recorded for the attempt.
    let member = h.actor(&demo.members[0].email).await;
    assert!(matches!(
        h.core
            .export_users(&member, &UserFilter::default(), None)
            .await,
        Err(CoreError::Forbidden)
    ));
    assert_eq!(
        h.scalar("SELECT COUNT(*) AS n FROM activity WHERE kind = 'users_exported'")
            .await,
        2
    );
}

/// Every part of an Activity export, and how many parts it came in.
pub(crate) async fn whole_file(mut export: ActivityExport) -> (Vec<u8>, usize) {
    let mut file = Vec::new();
    let mut parts = 0;
    while let Some(part) = export.next_chunk().await.unwrap() {
        file.extend(part);
        parts += 1;
    }
    (file, parts)
}

async fn the_activity_log_exports_newest_first_in_runs(h: Harness) {
    let demo = h.demo().await;
    let org = demo.admin.org_id;
    // More events than one run holds, all at the same instant: the runs must go on by id.
    let probes = EVENTS_PER_RUN as i64 + 500;
    h.exec(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {probes}) \
         INSERT INTO activity (org_id, kind, details, ip, actor_label, created_at) \
         SELECT {org}, 'sign_in_failed', 'probe ' || CAST(i AS TEXT), '=1+1', 'probe', \
         (SELECT created_at FROM activity WHERE org_id = {org} ORDER BY id LIMIT 1) FROM n"
    ))
    .await;
    let before = h
        .scalar(&format!(
            "SELECT COUNT(*) AS n FROM activity WHERE org_id = {org}"
        ))
        .await;

    let export = h
        .core
        .export_activity(&demo.admin, &ActivityFilter::default(), Some("192.0.2.9"))
        .await
        .unwrap();
    assert!(export.file_name.starts_with("acme-corp-activity-"));
    let (file, parts) = whole_file(export).await;
    assert!(parts >= 2, "{parts} parts");
    let (header, rows) = read_export(&file);
    assert_eq!(header, ACTIVITY_COLUMNS);
    // Everything, the export itself first (recorded before the file was read).
    assert_eq!(rows.len() as i64, before + 1);
    assert_eq!(rows[0][2], ActivityKind::ActivityExported.as_str());
    assert_eq!(rows[0][3], demo.admin.name);
    assert_eq!(rows[0][6], "192.0.2.9");
    let times: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    // Each probe exactly once across the runs' seams, its address kept as text.
    let mut seen: Vec<u64> = rows
        .iter()
        .filter(|r| r[5].starts_with("probe "))
        .map(|r| {
            assert_eq!(r[6], "'=1+1");
            r[5]["probe ".len()..].parse().unwrap()
        })
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, (1..=probes as u64).collect::<Vec<_>>());

    // A filter's export holds its kind alone, and the log says which.
    let failed = ActivityFilter {
        kind: Some(ActivityKind::SignInFailed),
        ..ActivityFilter::default()
    };
    let export = h
        .core
        .export_activity(&demo.admin, &failed, None)
        .await
        .unwrap();
    let (_, rows) = read_export(&whole_file(export).await.0);
    assert!(rows.iter().all(|r| r[2] == "sign_in_failed"));
    assert_eq!(
        rows.len() as i64,
        h.scalar(&format!(
            "SELECT COUNT(*) AS n FROM activity WHERE org_id = {org} AND kind = 'sign_in_failed'"
        ))
        .await
    );
    assert_eq!(
        h.scalar(
            "SELECT COUNT(*) AS n FROM activity WHERE kind = 'activity_exported' \
             AND details LIKE '% exported the activity log as CSV (Failed sign-in)'"
        )
        .await,
        1
    );

    // A member may not, and nothing is recorded; too long a search changes nothing either.
    let member = h.actor(&demo.members[0].email).await;
    assert!(matches!(
        h.core
            .export_activity(&member, &ActivityFilter::default(), None)
            .await,
        Err(CoreError::Forbidden)
    ));
    let long = ActivityFilter {
        search: Some("x".repeat(500)),
        ..ActivityFilter::default()
    };
    assert!(matches!(
        h.core.export_activity(&demo.admin, &long, None).await,
        Err(CoreError::InvalidInput(_))
    ));
    assert_eq!(
        h.scalar("SELECT COUNT(*) AS n FROM activity WHERE kind = 'activity_exported'")
            .await,
        2
    );
}

/// How many admin resets the Activity page shows between `since` and `until`.
async fn resets_between(
    h: &Harness,
    admin: &Actor,
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
) -> u64 {
    let filter = ActivityFilter {
        kind: Some(ActivityKind::AdminResetPassword),
        since,
        until,
        ..ActivityFilter::default()
    };
    h.core
        .org_activity(admin, &filter, 1, 50)
        .await
        .unwrap()
        .total
}

async fn the_activity_log_reads_and_exports_by_day(h: Harness) {
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d);
    // One reset a second before midnight UTC on the 10th, one a second later on the 11th, one
    // on the 13th.
    h.clock
        .freeze_at(Utc.with_ymd_and_hms(2026, 11, 10, 23, 59, 59).unwrap());
    let demo = h.demo().await;
    for (i, wait) in [0, 1, 2 * 86_400].into_iter().enumerate() {
        h.advance(std::time::Duration::from_secs(wait));
        h.core
            .admin_reset_passwords(&demo.admin, &[demo.members[i].id], None)
            .await
            .unwrap();
    }
    let admin = &demo.admin;
    assert_eq!(resets_between(&h, admin, None, None).await, 3);
    assert_eq!(resets_between(&h, admin, day(10), day(10)).await, 1);
    assert_eq!(resets_between(&h, admin, day(11), day(11)).await, 1);
    assert_eq!(resets_between(&h, admin, day(11), None).await, 2);
    assert_eq!(resets_between(&h, admin, None, day(12)).await, 2);
    assert_eq!(resets_between(&h, admin, day(12), day(12)).await, 0);
    assert_eq!(resets_between(&h, admin, day(1), day(30)).await, 3);

    // The export keeps the same days, and the log says which.
    let filter = ActivityFilter {
        kind: Some(ActivityKind::AdminResetPassword),
        since: day(11),
        until: day(13),
        ..ActivityFilter::default()
    };
    let export = h.core.export_activity(admin, &filter, None).await.unwrap();
    let (_, rows) = read_export(&whole_file(export).await.0);
    let names: Vec<&str> = rows.iter().map(|r| r[4].as_str()).collect();
    assert_eq!(names, [&demo.members[2].name, &demo.members[1].name]);
    assert!(
        rows[1][0].starts_with("2026-11-11T00:00:00"),
        "{:?}",
        rows[1]
    );
    let recorded = h
        .scalar(&format!(
            "SELECT COUNT(*) AS n FROM activity WHERE kind = 'activity_exported' \
             AND details LIKE '% exported the activity log as CSV ({}, 2026-11-11 to 2026-11-13)'",
            ActivityKind::AdminResetPassword.label()
        ))
        .await;
    assert_eq!(recorded, 1);

    // A range that ends before it starts is refused in words, and changes nothing.
    let backwards = ActivityFilter {
        since: day(13),
        until: day(11),
        ..ActivityFilter::default()
    };
    let before = h.snapshot().await;
    for refused in [
        h.core
            .org_activity(admin, &backwards, 1, 50)
            .await
            .map(|_| ()),
        h.core
            .export_activity(admin, &backwards, None)
            .await
            .map(|_| ()),
    ] {
        match refused {
            Err(CoreError::InvalidInput(why)) => assert!(why.contains("ends"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(h.snapshot().await, before);
}
