//! Importing people from a CSV file (the command line's `users import`): an upsert by email in
//! one transaction, bad rows reported by line with nothing written for them, duplicates within
//! the file, dry runs, invitations only when asked; and creating an organization with its
//! first owner.

use orgdesk_core::imports::{read_csv, ImportOptions, ImportReport};
use orgdesk_core::types::{ActivityKind, NewMember, Role, UserStatus};
use orgdesk_core::{CoreError, Initiator};

use orgdesk_testkit::on_both_databases;
use orgdesk_testkit::Harness;

on_both_databases!(
    an_import_adds_new_people_and_updates_existing_ones,
    bad_rows_are_reported_by_line_and_nothing_is_written_for_them,
    an_email_twice_in_the_file_is_imported_once,
    a_dry_run_reports_and_writes_nothing,
    invitations_are_queued_only_when_asked,
    the_last_owner_is_not_demoted_by_an_import,
    an_organization_is_created_with_its_invited_owner,
    deleting_an_organization_takes_what_it_holds_and_nothing_else,
    a_hundred_thousand_rows_import_in_one_transaction,
);

fn cli(h_org: i64) -> Initiator {
    Initiator::CommandLine {
        org_id: h_org,
        os_user: "ops".into(),
    }
}

async fn import(h: &Harness, org: i64, csv: &str, options: ImportOptions) -> ImportReport {
    let file = read_csv(csv.as_bytes()).expect("a readable file");
    assert!(file.bad.is_empty(), "{:?}", file.bad);
    h.core
        .import_users(cli(org), &file.rows, options, &|_| {})
        .await
        .expect("the import")
}

async fn users(h: &Harness) -> i64 {
    h.scalar("SELECT COUNT(*) AS n FROM users").await
}

async fn an_import_adds_new_people_and_updates_existing_ones(h: Harness) {
    let demo = h.demo().await;
    let org = demo.admin.org_id;
    let jane = &demo.members[0];
    let before = users(&h).await;
    let csv = format!(
        "name,email,role,title,department\n\
         Nia Newcomer,NIA@acme.test,,Analyst,Finance\n\
         Jane Renamed,{},admin,Team Lead,Engineering\n\
         Ada Admin,admin@acme.test,admin,IT Manager,Operations\n",
        jane.email.to_uppercase()
    );
    let report = import(&h, org, &csv, ImportOptions::default()).await;
    assert_eq!(
        (
            report.created,
            report.updated,
            report.unchanged,
            report.invited
        ),
        (1, 1, 1, 0),
        "{report:?}"
    );
    assert!(report.bad.is_empty());
    assert_eq!(users(&h).await, before + 1);

    let nia = h.user_by_email("nia@acme.test").await;
    assert_eq!(nia.status(), Some(UserStatus::Invited));
    assert_eq!(nia.role(), Some(Role::Member));
    assert_eq!(nia.title.as_deref(), Some("Analyst"));
    assert_eq!(nia.department.as_deref(), Some("Finance"));
    assert!(nia.password_hash.is_none());

    let jane_after = h.user(jane.id).await;
    assert_eq!(jane_after.name, "Jane Renamed");
    assert_eq!(jane_after.role(), Some(Role::Admin));
    assert_eq!(jane_after.title.as_deref(), Some("Team Lead"));
    // Her status and password are the import's business no more than her sessions' grants:
    // she keeps her password, and the role change is recorded.
    assert_eq!(jane_after.status, jane.status);
    assert_eq!(jane_after.password_hash, jane.password_hash);
    assert!(h
        .activity_kinds(jane.id)
        .await
        .contains(&ActivityKind::RoleChanged.as_str().to_owned()));
    // So are her new name and title, old and new side by side.
    let profile = h
        .scalar(&format!(
            "SELECT COUNT(*) AS n FROM activity WHERE subject_id = {} AND kind = 'profile_updated' \
             AND details LIKE '%name ({} → Jane Renamed)%' AND details LIKE '%title (% → Team Lead)%'",
            jane.id,
            jane.name.replace('\'', "''")
        ))
        .await;
    assert_eq!(profile, 1);
    assert!(h
        .activity_kinds(nia.id)
        .await
        .contains(&ActivityKind::UserAdded.as_str().to_owned()));
    let label = h
        .scalar(&format!(
            "SELECT COUNT(*) AS n FROM activity WHERE subject_id = {} AND actor_label = 'command line (ops)'",
            nia.id
        ))
        .await;
    assert_eq!(label, 1);
}

async fn bad_rows_are_reported_by_line_and_nothing_is_written_for_them(h: Harness) {
    let demo = h.demo().await;
    let org = demo.admin.org_id;
    let before = users(&h).await;
    let csv = "name,email,role\n\
               ,noname@acme.test,\n\
               Bad Email,not-an-email,\n\
               \n\
               Bad Role,badrole@acme.test,superuser\n\
               Good Person,good@acme.test,member\n\
               Too,many@acme.test,member,fields,here\n";
    let file = read_csv(csv.as_bytes()).unwrap();
    // The row with more fields than the header can't be read as a row at all.
    assert_eq!(file.bad.iter().map(|b| b.line).collect::<Vec<_>>(), vec![7]);
    let report = h
        .core
        .import_users(cli(org), &file.rows, ImportOptions::default(), &|_| {})
        .await
        .unwrap();
    let lines: Vec<u64> = report.bad.iter().map(|b| b.line).collect();
    assert_eq!(lines, vec![2, 3, 5], "{report:?}");
    assert!(report.bad[0].reason.contains("name"), "{:?}", report.bad[0]);
    assert!(
        report.bad[1].reason.contains("not an email"),
        "{:?}",
        report.bad[1]
    );
    assert!(
        report.bad[2].reason.contains("superuser"),
        "{:?}",
        report.bad[2]
    );
    assert_eq!(report.created, 1);
    assert_eq!(users(&h).await, before + 1);
    h.user_by_email("good@acme.test").await;
    for missing in ["noname@acme.test", "badrole@acme.test", "many@acme.test"] {
        assert_eq!(
            h.scalar(&format!(
                "SELECT COUNT(*) AS n FROM users WHERE email = '{missing}'"
            ))
            .await,
            0
        );
    }
}

async fn an_email_twice_in_the_file_is_imported_once(h: Harness) {
    let demo = h.demo().await;
    let org = demo.admin.org_id;
    let csv = "name,email\n\
               First Twin,twin@acme.test\n\
               Someone Else,else@acme.test\n\
               Second Twin, Twin@Acme.test \n";
    let report = import(&h, org, csv, ImportOptions::default()).await;
    assert_eq!(report.created, 2);
    assert_eq!(report.bad.len(), 1);
    assert_eq!(report.bad[0].line, 4);
    assert!(
        report.bad[0].reason.contains("line 2"),
        "{:?}",
        report.bad[0]
    );
    assert_eq!(h.user_by_email("twin@acme.test").await.name, "First Twin");
}

async fn a_dry_run_reports_and_writes_nothing(h: Harness) {
    let demo = h.demo().await;
    let org = demo.admin.org_id;
    let jane = &demo.members[0];
    let before = h.snapshot().await;
    let users_before = users(&h).await;
    let csv = format!(
        "name,email,role\nNia Newcomer,nia@acme.test,\nJane Renamed,{},admin\n,bad@acme.test,\n",
        jane.email
    );
    let report = import(
        &h,
        org,
        &csv,
        ImportOptions {
            dry_run: true,
            invite: true,
        },
    )
    .await;
    assert!(report.dry_run);
    assert_eq!((report.created, report.updated, report.invited), (1, 1, 1));
    assert_eq!(report.bad.len(), 1);
    assert_eq!(h.snapshot().await, before);
    assert_eq!(users(&h).await, users_before);
    assert_eq!(h.user(jane.id).await.name, jane.name);
}

async fn invitations_are_queued_only_when_asked(h: Harness) {
    let demo = h.demo().await;
    let org = demo.admin.org_id;
    let emails = || h.scalar("SELECT COUNT(*) AS n FROM email_outbox WHERE kind = 'invitation'");
    let before = emails().await;
    import(
        &h,
        org,
        "name,email\nQuiet One,quiet@acme.test\n",
        ImportOptions::default(),
    )
    .await;
    assert_eq!(emails().await, before);
    assert!(h
        .live_links(h.user_by_email("quiet@acme.test").await.id)
        .await
        .is_empty());

    let report = import(
        &h,
        org,
        "name,email\nInvited One,one@acme.test\nInvited Two,two@acme.test\nQuiet One,quiet@acme.test\n",
        ImportOptions {
            dry_run: false,
            invite: true,
        },
    )
    .await;
    assert_eq!(
        (report.created, report.invited, report.unchanged),
        (2, 2, 1)
    );
    assert_eq!(emails().await, before + 2);
    for email in ["one@acme.test", "two@acme.test"] {
        let user = h.user_by_email(email).await;
        assert_eq!(h.live_links(user.id).await.len(), 1);
        // The emailed link opens the invitation page.
        let token = h.emailed_token(user.id).await;
        assert!(h.core.inspect_link(&token).await.is_ok());
    }
}

async fn the_last_owner_is_not_demoted_by_an_import(h: Harness) {
    let demo = h.demo().await;
    let org = demo.admin.org_id;
    let report = import(
        &h,
        org,
        "name,email,role\nOlivia Owens,owner@acme.test,member\nNia Newcomer,nia@acme.test,\n",
        ImportOptions::default(),
    )
    .await;
    assert_eq!(report.bad.len(), 1, "{report:?}");
    assert_eq!(report.bad[0].line, 2);
    assert_eq!(report.created, 1);
    assert_eq!(
        h.user_by_email("owner@acme.test").await.role(),
        Some(Role::Owner)
    );
}

async fn an_organization_is_created_with_its_invited_owner(h: Harness) {
    let owner = NewMember {
        name: "Olga Owner".into(),
        email: "olga@initech.test".into(),
        role: Role::Member,
        title: None,
        department: None,
    };
    let (org, invitation) = h
        .core
        .create_organization_with_owner(" Initech ", &owner, "ops")
        .await
        .unwrap();
    assert_eq!(org.name, "Initech");
    let olga = h.user(invitation.user_id).await;
    assert_eq!(olga.org_id, org.id);
    assert_eq!(olga.role(), Some(Role::Owner));
    assert_eq!(olga.status(), Some(UserStatus::Invited));
    assert!(invitation.link.ends_with(&h.emailed_token(olga.id).await));
    // Found by name (any case) or id; the name is taken now.
    assert_eq!(
        h.core.find_organization("initech").await.unwrap().id,
        org.id
    );
    assert_eq!(
        h.core
            .find_organization(&org.id.to_string())
            .await
            .unwrap()
            .id,
        org.id
    );
    assert!(matches!(
        h.core.find_organization("Nowhere Ltd").await,
        Err(CoreError::NotFound(_))
    ));
    let before = h.snapshot().await;
    for (name, email) in [("INITECH", "x@initech.test"), ("Other", "not an email")] {
        let outcome = h
            .core
            .create_organization_with_owner(
                name,
                &NewMember {
                    email: email.into(),
                    ..owner.clone()
                },
                "ops",
            )
            .await;
        assert!(
            matches!(outcome, Err(CoreError::InvalidInput(_))),
            "{name}: {outcome:?}"
        );
    }
    assert_eq!(h.snapshot().await, before);
}

/// Orgdesk never deletes an organization; an operator's SQL may, and then its users, their
/// links and sessions, its emails and its activity go with it, and nothing of another
/// organization's. On PostgreSQL the emails and the activity go by a statement trigger
/// (migration 16) rather than by foreign keys: checked as migrated, and again after migrating
/// down (the keys are back) and up.
async fn deleting_an_organization_takes_what_it_holds_and_nothing_else(h: Harness) {
    use orgdesk_migration::MigratorTrait;

    let demo = h.demo().await;
    h.admin_reset(&demo, demo.members[0].id).await;
    let held = |org: i64| {
        let h = &h;
        async move {
            let mut counts = Vec::new();
            for table in ["users", "reset_links", "email_outbox", "activity"] {
                counts.push(
                    h.scalar(&format!(
                        "SELECT COUNT(*) AS n FROM {table} WHERE org_id = {org}"
                    ))
                    .await,
                );
            }
            counts.push(
                h.scalar(&format!(
                    "SELECT COUNT(*) AS n FROM sessions s JOIN users u ON u.id = s.user_id \
                     WHERE u.org_id = {org}"
                ))
                .await,
            );
            counts
        }
    };
    let ours = held(demo.admin.org_id).await;
    assert!(ours[..4].iter().all(|&n| n > 0), "{ours:?}");
    let password = "Quiet-Harbor-Lantern-82";
    for (n, round) in ["as migrated", "migrated down and up"]
        .into_iter()
        .enumerate()
    {
        let owner = NewMember {
            name: "Olga Owner".into(),
            email: format!("olga@initech-{n}.test"),
            role: Role::Member,
            title: None,
            department: None,
        };
        let (org, invitation) = h
            .core
            .create_organization_with_owner(&format!("Initech {n}"), &owner, "ops")
            .await
            .unwrap();
        // Olga sets her password and signs in: a session too.
        h.core
            .complete_reset(&h.emailed_token(invitation.user_id).await, password, None)
            .await
            .unwrap();
        h.core.sign_in(&owner.email, password, None).await.unwrap();
        let theirs = held(org.id).await;
        assert!(theirs.iter().all(|&n| n > 0), "{round}: {theirs:?}");

        h.exec(&format!("DELETE FROM organizations WHERE id = {}", org.id))
            .await;
        assert_eq!(held(org.id).await, vec![0; 5], "{round}");
        assert_eq!(held(demo.admin.org_id).await, ours, "{round}");

        if n == 0 {
            h.migrate_down_through("m20261130_000016_org_cascade_by_statement")
                .await;
            orgdesk_core::Migrator::up(h.db(), None).await.unwrap();
        }
    }
}

/// The size the command line is measured at (docs/performance.md): 100,000 rows, two of them
/// bad, in one transaction, with the progress callback told every step up to the last row.
async fn a_hundred_thousand_rows_import_in_one_transaction(h: Harness) {
    let demo = h.demo().await;
    let org = demo.admin.org_id;
    let before = users(&h).await;
    let mut csv = String::from("name,email,role,title,department\n");
    for i in 0..100_000 {
        match i {
            40_000 => csv.push_str("Nobody,not-an-email,,,\n"),
            70_000 => csv.push_str(&format!("Person {i},person{i}@bulk.test,emperor,,\n")),
            _ => csv.push_str(&format!(
                "Person {i},person{i}@bulk.test,,Engineer,Dept {}\n",
                i % 5
            )),
        }
    }
    let file = read_csv(csv.as_bytes()).expect("a readable file");
    assert_eq!(file.rows.len(), 100_000);
    let last = std::sync::atomic::AtomicU64::new(0);
    let report = h
        .core
        .import_users(cli(org), &file.rows, ImportOptions::default(), &|done| {
            last.fetch_max(done, std::sync::atomic::Ordering::Relaxed);
        })
        .await
        .expect("the import");
    assert_eq!(report.created, 99_998, "{:?}", report.bad);
    let lines: Vec<u64> = report.bad.iter().map(|b| b.line).collect();
    assert_eq!(lines, vec![40_002, 70_002]);
    assert_eq!(last.into_inner(), 100_000);
    assert_eq!(users(&h).await, before + 99_998);
    assert_eq!(
        h.scalar("SELECT COUNT(*) AS n FROM users WHERE email LIKE '%@bulk.test' AND status = 'invited' AND department = 'Dept 3'")
            .await,
        20_000
    );
}
