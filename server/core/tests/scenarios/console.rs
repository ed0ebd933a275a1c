//! The console's reads: the Users Table, the profile sidebar, the Activity page, Settings.

use orgdesk_core::types::limits::{ACTIVITY_COUNT_CAP, MAX_PER_PAGE};
use orgdesk_core::types::{
    ActivityFilter, ActivityKind, Actor, PageAt, Role, UserFilter, UserId, UserQuery, UserSort,
    UserStatus,
};
use orgdesk_core::CoreError;

use orgdesk_testkit::on_both_databases;
use orgdesk_testkit::{new_member, Harness};

use crate::exports::{read_export, whole_file};

on_both_databases!(
    the_users_table_searches_filters_sorts_and_pages,
    the_total_of_everyone_follows_every_insert_and_delete,
    pages_follow_cursors_under_every_sort_and_hold_still,
    a_page_whose_rows_went_away_shows_the_nearest_one,
    a_search_with_thousands_of_matches_pages_in_everyones_order,
    search_follows_renames_new_users_and_quotes,
    one_letter_pages_hold_every_word_that_starts_with_it,
    a_search_total_is_counted_again_after_any_change_to_whom_it_can_match,
    the_sidebar_shows_details_assets_and_activity,
    the_activity_page_filters_and_pages,
    the_activity_page_counts_to_its_cap_and_pages_past_it,
    link_lifetimes_are_settings,
    members_cannot_open_the_console,
);

async fn the_users_table_searches_filters_sorts_and_pages(h: Harness) {
    let demo = h.demo().await;
    let page = h
        .core
        .list_users(&demo.admin, &UserQuery::default())
        .await
        .unwrap();
    let everyone = UserFilter::default();
    assert_eq!(
        h.core.count_users(&demo.admin, &everyone).await.unwrap(),
        42
    );
    assert_eq!(page.users.len(), 25);
    let names: Vec<&str> = page.users.iter().map(|u| u.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);

    let numbered = |page: u64| UserQuery {
        page,
        ..Default::default()
    };
    let last = h.core.list_users(&demo.admin, &numbered(2)).await.unwrap();
    assert_eq!(last.users.len(), 17);
    let beyond = h.core.list_users(&demo.admin, &numbered(99)).await.unwrap();
    assert!(beyond.users.is_empty());
    // The table shows the last page instead.
    let shown = h.core.users_table_page(&demo.admin, &numbered(99)).await;
    let shown = shown.unwrap();
    assert_eq!(shown.page, 2);
    assert_eq!(shown.users, last.users);

    // Case-insensitive substring of name or email; LIKE wildcards are literal.
    let q = |search: &str| UserQuery {
        filter: UserFilter {
            search: Some(search.into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let ada = h.core.list_users(&demo.admin, &q("ADA")).await.unwrap();
    assert!(ada.users.iter().any(|u| u.email == "admin@acme.test"));
    let total = |search: &str| search_total(&h, &demo.admin, search.to_owned());
    assert_eq!(total("owner@").await, 1);
    assert_eq!(total("%").await, 0);
    assert_eq!(total("_").await, 0);
    assert_eq!(total("o'brien").await, 1);

    let suspended = UserQuery {
        filter: UserFilter {
            status: Some(UserStatus::Suspended),
            ..Default::default()
        },
        ..Default::default()
    };
    assert_eq!(
        h.core
            .count_users(&demo.admin, &suspended.filter)
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        h.core
            .list_users(&demo.admin, &suspended)
            .await
            .unwrap()
            .users
            .len(),
        3
    );
    let owners = UserQuery {
        filter: UserFilter {
            role: Some(Role::Owner),
            ..Default::default()
        },
        ..Default::default()
    };
    assert_eq!(
        h.core.list_users(&demo.admin, &owners).await.unwrap().users[0].name,
        "Olivia Owens"
    );

    // Every sort, both directions, pages stitched together = every user exactly once.
    for sort in UserSort::ALL {
        for descending in [false, true] {
            let mut ids = Vec::new();
            for page in 1..=5 {
                let q = UserQuery {
                    sort,
                    descending,
                    page,
                    per_page: 10,
                    ..Default::default()
                };
                ids.extend(
                    h.core
                        .list_users(&demo.admin, &q)
                        .await
                        .unwrap()
                        .users
                        .into_iter()
                        .map(|u| u.id),
                );
            }
            let mut unique = ids.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), 42, "{sort:?} desc={descending}");
            assert_eq!(ids.len(), 42);
        }
    }
    // Newest sign-ins first, never-signed-in last.
    let recent = h
        .core
        .list_users(
            &demo.admin,
            &UserQuery {
                sort: UserSort::LastSignIn,
                descending: true,
                per_page: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let times: Vec<_> = recent.users.iter().map(|u| u.last_sign_in_at).collect();
    let first_none = times
        .iter()
        .position(Option::is_none)
        .unwrap_or(times.len());
    assert!(times[first_none..].iter().all(Option::is_none));
    assert!(times[..first_none].windows(2).all(|w| w[0] >= w[1]));

    // Every page size the table offers is served as asked.
    let query = |page: u64, per_page: u64| UserQuery {
        page,
        per_page,
        ..Default::default()
    };
    let big = h
        .core
        .list_users(&demo.admin, &query(1, MAX_PER_PAGE))
        .await
        .unwrap();
    assert_eq!(big.per_page, MAX_PER_PAGE);
    assert_eq!(big.users.len() as u64, 42);
    let first = h.core.list_users(&demo.admin, &query(0, 1)).await.unwrap();
    assert_eq!((first.per_page, first.page, first.users.len()), (1, 1, 1));
    // Sizes and pages no screen asks for are bad requests, not overflowing offsets.
    for (page, per_page) in [(1, 0), (1, 10_000), (u64::MAX, 25), (1_000_001, 25)] {
        assert!(
            matches!(
                h.core.list_users(&demo.admin, &query(page, per_page)).await,
                Err(CoreError::InvalidInput(_))
            ),
            "page {page}, per_page {per_page}"
        );
    }
    assert!(matches!(
        h.core
            .org_activity(&demo.admin, &ActivityFilter::default(), u64::MAX, 50)
            .await,
        Err(CoreError::InvalidInput(_))
    ));
}

/// The total for everyone is kept by the database (migration 13), and so are those of each
/// status and role (migration 18), not counted: they must agree with a count after every way
/// users arrive, leave or change status or role, and after migrating down and up again.
/// On PostgreSQL the search table (migration 15) must agree with `users` after each of those,
/// and after every change to what a search reads: a rename, a reset, a sign-in.
async fn the_total_of_everyone_follows_every_insert_and_delete(h: Harness) {
    use orgdesk_core::imports::{read_csv, ImportOptions};
    use orgdesk_core::{Initiator, NewUser};
    use orgdesk_migration::MigratorTrait;

    let demo = h.demo().await;
    let org = demo.admin.org_id;
    let agrees = |why: &'static str| {
        let h = &h;
        let admin = &demo.admin;
        async move {
            let counted = h
                .scalar(&format!(
                    "SELECT COUNT(*) AS n FROM users WHERE org_id = {org}"
                ))
                .await;
            let total = h
                .core
                .count_users(admin, &UserFilter::default())
                .await
                .unwrap();
            assert_eq!(total as i64, counted, "{why}");
            // So are the totals of each status, each role and each pair (migration 18).
            let statuses = UserStatus::ALL.map(Some).into_iter().chain([None]);
            for status in statuses {
                for role in Role::ALL.map(Some).into_iter().chain([None]) {
                    let filter = UserFilter {
                        status,
                        role,
                        ..Default::default()
                    };
                    let mut sql = format!("SELECT COUNT(*) AS n FROM users WHERE org_id = {org}");
                    if let Some(status) = status {
                        sql += &format!(" AND status = '{}'", status.as_str());
                    }
                    if let Some(role) = role {
                        sql += &format!(" AND role = '{}'", role.as_str());
                    }
                    let kept = h.core.count_users(admin, &filter).await.unwrap();
                    assert_eq!(kept as i64, h.scalar(&sql).await, "{why}: {filter:?}");
                }
            }
            if h.is_postgres() {
                let astray = h
                    .scalar(
                        "SELECT COUNT(*) AS n FROM users u FULL JOIN user_search s ON s.id = u.id \
                         WHERE (u.org_id, u.name, u.email, u.role, u.status, u.last_sign_in_at) \
                         IS DISTINCT FROM \
                         (s.org_id, s.name, s.email, s.role, s.status, s.last_sign_in_at)",
                    )
                    .await;
                assert_eq!(astray, 0, "the search table, {why}");
            }
            total
        }
    };
    let start = agrees("the demo").await;
    assert_eq!(start, 42);

    h.core
        .add_user(
            &demo.admin,
            &new_member("Nia Newcomer", "nia@acme.test"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(agrees("added").await, start + 1);

    // Two new, one already there: only the new count.
    let file = read_csv(
        format!(
            "name,email\nOla One,ola@acme.test\nTeo Two,teo@acme.test\n{},{}\n",
            demo.members[0].name, demo.members[0].email
        )
        .as_bytes(),
    )
    .unwrap();
    h.core
        .import_users(
            Initiator::CommandLine {
                org_id: org,
                os_user: "ops".into(),
            },
            &file.rows,
            ImportOptions::default(),
            &|_| {},
        )
        .await
        .unwrap();
    assert_eq!(agrees("imported").await, start + 3);

    // Another organization's users are its own.
    let other = h.core.create_organization("Other Corp").await.unwrap();
    h.core
        .create_user(
            other,
            NewUser::member("Out Sider", "out@other.test", "a-long-password"),
        )
        .await
        .unwrap();
    assert_eq!(agrees("another organization's").await, start + 3);

    // Nothing in Orgdesk deletes a user; an operator's SQL may.
    let gone = h
        .core
        .create_user(
            org,
            NewUser::member("Tem Porary", "tem@acme.test", "a-long-password"),
        )
        .await
        .unwrap();
    assert_eq!(agrees("created").await, start + 4);
    h.exec(&format!("DELETE FROM users WHERE id = {gone}"))
        .await;
    assert_eq!(agrees("deleted").await, start + 3);
    h.exec(&format!("DELETE FROM organizations WHERE id = {other}"))
        .await;
    assert_eq!(agrees("an organization deleted").await, start + 3);

    // What a search reads changes: a name, a status, a last sign-in.
    let jane = &demo.members[0];
    h.exec(&format!(
        "UPDATE users SET name = 'Janet Renamed', email = 'janet@acme.test' WHERE id = {}",
        jane.id
    ))
    .await;
    assert_eq!(agrees("renamed").await, start + 3);
    h.core
        .sign_in(
            &demo.members[1].email,
            orgdesk_testkit::MEMBER_PASSWORD,
            None,
        )
        .await
        .unwrap();
    assert_eq!(agrees("signed in").await, start + 3);
    let all: Vec<UserId> = demo.members.iter().map(|m| m.id).collect();
    h.core
        .admin_reset_passwords(&demo.admin, &all, None)
        .await
        .unwrap();
    assert_eq!(agrees("reset").await, start + 3);
    h.core
        .change_role(&demo.owner, demo.members[2].id, Role::Admin, None)
        .await
        .unwrap();
    assert_eq!(agrees("a new role").await, start + 3);

    // Migration 13 again: the count is rebuilt from the users (and migration 15's search table,
    // taken back with it, is filled again).
    h.migrate_down_through("m20261129_000013_count_users_per_org")
        .await;
    orgdesk_core::Migrator::up(h.db(), None).await.unwrap();
    assert_eq!(agrees("migrated again").await, start + 3);
}

/// The table's Next, Previous and Last links carry cursors. Following Next from the first page
/// to the end, or Previous back from the last, visits every user once and in the same order as
/// counting pages from the start: under every sort and direction ("Last sign-in" crosses from
/// the never-signed-in to the rest), with and without a filter. A user added meanwhile doesn't
/// shift the page the admin asks for next.
async fn pages_follow_cursors_under_every_sort_and_hold_still(h: Harness) {
    let demo = h.demo().await;
    let admin = &demo.admin;
    let ids = |page: orgdesk_core::types::UserPage| -> Vec<UserId> {
        page.users.into_iter().map(|u| u.id).collect()
    };
    let active = UserFilter {
        status: Some(UserStatus::Active),
        ..Default::default()
    };
    // Filters are skipped over in the sort indexes themselves (migration 17).
    let members = UserFilter {
        role: Some(Role::Member),
        ..Default::default()
    };
    // Searches: on PostgreSQL these read the search table (migration 15), so they must page
    // exactly as the same users do in everyone's order.
    let everyone_at_acme = UserFilter {
        search: Some("acme.test".into()),
        ..Default::default()
    };
    let active_at_acme = UserFilter {
        status: Some(UserStatus::Active),
        ..everyone_at_acme.clone()
    };
    // One letter: on PostgreSQL each page is first looked for in a short walk of `users`'
    // sort index (`paging::Walk`); with these small pages it finds some and not others, and
    // the pages counted by number never walk, so the two ways are checked against each other.
    let a_word_from_a = UserFilter {
        search: Some("a".into()),
        ..Default::default()
    };
    let mut everyones_order = std::collections::HashMap::new();
    for filter in [
        UserFilter::default(),
        active,
        members,
        everyone_at_acme,
        active_at_acme,
        a_word_from_a,
    ] {
        let total = h.core.count_users(admin, &filter).await.unwrap();
        // Enough pages for a first, a middle and a last.
        let per_page = if total > 30 { 10 } else { 3 };
        assert!(total > 2 * per_page, "{filter:?} spans pages: {total}");
        for sort in UserSort::ALL {
            for descending in [false, true] {
                let case = format!("{sort:?} desc={descending} {filter:?}");
                let query = |page: u64, at: Option<PageAt>| UserQuery {
                    filter: filter.clone(),
                    sort,
                    descending,
                    page,
                    per_page,
                    at,
                };
                let pages = total.div_ceil(per_page);
                // Typed page numbers: counted from the start, or (knowing the total) from the
                // end for the later pages; both must agree with the links below.
                let mut by_number = Vec::new();
                for page in 1..=pages {
                    let found = h.core.list_users(admin, &query(page, None)).await.unwrap();
                    assert_eq!(found.prev.is_some(), page > 1, "{case}, page {page}");
                    assert_eq!(found.next.is_some(), page < pages, "{case}, page {page}");
                    by_number.extend(ids(found));
                }
                assert_eq!(by_number.len() as u64, total, "{case}");
                let beyond = h.core.list_users(admin, &query(pages + 1, None)).await;
                let beyond = beyond.unwrap();
                assert!(beyond.users.is_empty() && beyond.next.is_none(), "{case}");
                // The table shows the last page instead.
                let shown = h
                    .core
                    .users_table_page(admin, &query(pages + 1, None))
                    .await;
                let shown = shown.unwrap();
                assert_eq!(shown.page, pages, "{case}: past the end, the last page");
                assert!(shown.next.is_none(), "{case}");
                let last_page = &by_number[((pages - 1) * per_page) as usize..];
                assert_eq!(ids(shown), last_page, "{case}: past the end");

                let mut forward = Vec::new();
                let mut at = None;
                for page in 1.. {
                    let found = h.core.list_users(admin, &query(page, at)).await.unwrap();
                    assert_eq!(found.prev.is_some(), page > 1, "{case}, page {page}");
                    at = found.next.clone().map(PageAt::After);
                    forward.extend(ids(found));
                    if at.is_none() {
                        break;
                    }
                }
                assert_eq!(forward, by_number, "{case}: Next, page after page");

                let last_rows = total - (pages - 1) * per_page;
                let last = h
                    .core
                    .list_users(admin, &query(pages, Some(PageAt::Last(last_rows))))
                    .await
                    .unwrap();
                assert!(last.next.is_none(), "{case}");
                let mut prev = last.prev.clone();
                let mut backward = ids(last);
                while let Some(cursor) = prev {
                    let found = h
                        .core
                        .list_users(admin, &query(1, Some(PageAt::Before(cursor))))
                        .await
                        .unwrap();
                    prev = found.prev.clone();
                    backward.splice(0..0, ids(found));
                }
                assert_eq!(backward, by_number, "{case}: Previous, back from Last");

                // The same order as everyone's, with the others left out.
                if filter == UserFilter::default() {
                    everyones_order.insert((sort.as_str(), descending), by_number);
                } else {
                    let found: std::collections::HashSet<UserId> =
                        by_number.iter().copied().collect();
                    let expected: Vec<UserId> = everyones_order[&(sort.as_str(), descending)]
                        .iter()
                        .copied()
                        .filter(|id| found.contains(id))
                        .collect();
                    assert_eq!(by_number, expected, "{case}: in everyone's order");
                }
            }
        }
    }

    // A name that sorts first arrives between page 1 and page 2: page 2 is still page 2.
    let by_name = |at: Option<PageAt>| UserQuery {
        per_page: 10,
        at,
        ..Default::default()
    };
    let first = h.core.list_users(admin, &by_name(None)).await.unwrap();
    let second_before = ids(h
        .core
        .list_users(
            admin,
            &UserQuery {
                page: 2,
                ..by_name(None)
            },
        )
        .await
        .unwrap());
    h.core
        .add_user(
            admin,
            &new_member("Aaron Aardvark", "aaron@acme.test"),
            None,
        )
        .await
        .unwrap();
    let next = first.next.clone().map(PageAt::After);
    let second = h.core.list_users(admin, &by_name(next)).await.unwrap();
    assert_eq!(ids(second), second_before);

    // Cursors are checked: edited by hand, from another order, or a last page of no rows.
    let other_order = UserQuery {
        sort: UserSort::Email,
        ..by_name(first.next.clone().map(PageAt::After))
    };
    for bad in [
        by_name(Some(PageAt::After("not-a-cursor".into()))),
        by_name(Some(PageAt::Before("djF8bmFtZXxhfHh8c0FkYQ".into()))),
        other_order,
        by_name(Some(PageAt::Last(0))),
        by_name(Some(PageAt::Last(11))),
    ] {
        assert!(
            matches!(
                h.core.list_users(admin, &bad).await,
                Err(CoreError::InvalidInput(_))
            ),
            "{bad:?}"
        );
    }
}

/// A page link can outlive its rows: a typed number past the end, or Next and Previous from a
/// page whose neighbours were reset out of the filter while it stayed open. The table then
/// shows the nearest page that has rows (the last one, or the first for Previous), with its
/// number, instead of an empty page that says nothing matches.
async fn a_page_whose_rows_went_away_shows_the_nearest_one(h: Harness) {
    let demo = h.demo().await;
    let admin = &demo.admin;
    let ids = |page: &orgdesk_core::types::UserPage| -> Vec<UserId> {
        page.users.iter().map(|u| u.id).collect()
    };
    // Active members: the admin and the owner, who stay, are left out.
    let filter = UserFilter {
        status: Some(UserStatus::Active),
        role: Some(Role::Member),
        ..Default::default()
    };
    let query = |page: u64, at: Option<PageAt>| UserQuery {
        filter: filter.clone(),
        page,
        per_page: 10,
        at,
        ..Default::default()
    };
    let list = |q: UserQuery| {
        let h = &h;
        async move { h.core.users_table_page(admin, &q).await.unwrap() }
    };
    // The API and the command line follow `next` until there is none: for them, nothing.
    let strict = |q: UserQuery| {
        let h = &h;
        async move { h.core.list_users(admin, &q).await.unwrap() }
    };
    let total = h.core.count_users(admin, &filter).await.unwrap();
    assert!(total > 20, "three pages or more: {total}");
    let pages = total.div_ceil(10);

    // A number past the end: the last page, numbered as such.
    let last = list(query(pages, None)).await;
    let past = list(query(pages + 5, None)).await;
    assert_eq!(past.page, pages);
    assert_eq!(ids(&past), ids(&last));
    assert!(past.next.is_none() && past.prev.is_some());
    assert!(strict(query(pages + 5, None)).await.users.is_empty());

    // Previous from page 2 after page 1's users were reset: the first page of those left.
    let first = list(query(1, None)).await;
    let second = list(query(2, first.next.clone().map(PageAt::After))).await;
    h.core
        .admin_reset_passwords(admin, &ids(&first), None)
        .await
        .unwrap();
    let back = list(query(1, second.prev.clone().map(PageAt::Before))).await;
    assert_eq!(back.page, 1);
    assert_eq!(ids(&back), ids(&second), "page 2's users are first now");
    assert!(back.prev.is_none() && back.next.is_some());

    // Next from that page after everyone beyond it was reset: that page is the last.
    let beyond: Vec<UserId> = {
        let mut rest = Vec::new();
        let mut at = back.next.clone().map(PageAt::After);
        while let Some(cursor) = at {
            let found = list(query(2, Some(cursor))).await;
            rest.extend(ids(&found));
            at = found.next.clone().map(PageAt::After);
        }
        rest
    };
    assert!(!beyond.is_empty());
    h.core
        .admin_reset_passwords(admin, &beyond, None)
        .await
        .unwrap();
    let next = list(query(2, back.next.clone().map(PageAt::After))).await;
    let after = strict(query(2, back.next.clone().map(PageAt::After))).await;
    assert!(after.users.is_empty() && after.next.is_none());
    assert_eq!(next.page, 1);
    assert_eq!(ids(&next), ids(&back));
    assert!(next.prev.is_none() && next.next.is_none());

    // When nothing matches any more, the page is empty.
    h.core
        .admin_reset_passwords(admin, &ids(&back), None)
        .await
        .unwrap();
    let none = list(query(3, None)).await;
    assert!(none.users.is_empty() && none.next.is_none() && none.prev.is_none());
}

/// Search is served by a trigram index on SQLite (and pg_trgm on PostgreSQL): it must see
/// every change to names and emails, and treat the text as text.
/// A search with more matches than `paging::plan_for` sorts (5,000) is read by walking the sort
/// index on SQLite, and from the search table on PostgreSQL: either way its first and last
/// pages are everyone's, with the one user it doesn't match left out.
async fn a_search_with_thousands_of_matches_pages_in_everyones_order(h: Harness) {
    use orgdesk_core::NewUser;

    let org = h.core.create_organization("Bulk Corp").await.unwrap();
    h.core
        .create_user(
            org,
            NewUser::member("Bea Admin", "bea@bulk-corp.test", "a-long-password")
                .with_role(Role::Admin),
        )
        .await
        .unwrap();
    h.core.seed_bulk_users(org, 5_100).await.unwrap();
    let admin = h.actor("bea@bulk-corp.test").await;
    let bulk = UserFilter {
        search: Some("bulk.test".into()),
        ..Default::default()
    };
    assert_eq!(h.core.count_users(&admin, &bulk).await.unwrap(), 5_100);
    let ids = |page: orgdesk_core::types::UserPage| -> Vec<UserId> {
        page.users.into_iter().map(|u| u.id).collect()
    };
    for sort in UserSort::ALL {
        for descending in [false, true] {
            let case = format!("{sort:?} desc={descending}");
            let query = |filter: &UserFilter, per_page: u64, at: Option<PageAt>| UserQuery {
                filter: filter.clone(),
                sort,
                descending,
                page: 1,
                per_page,
                at,
            };
            let everyone = UserFilter::default();
            let not_bea = |page| {
                let mut ids = ids(page);
                ids.retain(|&id| id != admin.user_id);
                ids
            };
            let first = h
                .core
                .list_users(&admin, &query(&everyone, MAX_PER_PAGE, None))
                .await
                .unwrap();
            let mut expected = not_bea(first);
            expected.truncate(50);
            let found = h
                .core
                .list_users(&admin, &query(&bulk, 50, None))
                .await
                .unwrap();
            assert!(found.next.is_some(), "{case}");
            assert_eq!(ids(found), expected, "{case}: first page");

            let last = h
                .core
                .list_users(
                    &admin,
                    &query(&everyone, MAX_PER_PAGE, Some(PageAt::Last(MAX_PER_PAGE))),
                )
                .await
                .unwrap();
            let mut expected = not_bea(last);
            expected.drain(..expected.len() - 50);
            let found = h
                .core
                .list_users(&admin, &query(&bulk, 50, Some(PageAt::Last(50))))
                .await
                .unwrap();
            assert!(found.prev.is_some(), "{case}");
            assert_eq!(ids(found), expected, "{case}: last page");
        }
    }

    // The Activity page's search names the same people. Three of the bulk users reset: a search
    // naming all 5,100 (more than PostgreSQL binds as an array, so it tests each event against
    // them) and one naming a single person (bound) find the same events as the Users Table.
    let page = h
        .core
        .list_users(
            &admin,
            &UserQuery {
                filter: bulk.clone(),
                per_page: 3,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let reset: Vec<i64> = page.users.iter().map(|u| u.id).collect();
    h.core
        .admin_reset_passwords(&admin, &reset, None)
        .await
        .unwrap();
    let resets_naming = |search: &str| ActivityFilter {
        search: Some(search.to_owned()),
        kind: Some(ActivityKind::AdminResetPassword),
        ..Default::default()
    };
    for (search, resets) in [
        ("bulk.test", 3),
        (page.users[1].email.as_str(), 1),
        ("nobody-at-all.test", 0),
    ] {
        let found = h
            .core
            .org_activity(&admin, &resets_naming(search), 1, 50)
            .await
            .unwrap();
        assert_eq!(
            (found.total, found.events.len()),
            (resets, resets as usize),
            "{search}"
        );
        let exported = h
            .core
            .export_activity(&admin, &resets_naming(search), None)
            .await
            .unwrap();
        let (_, rows) = read_export(&whole_file(exported).await.0);
        assert_eq!(rows.len(), resets as usize, "{search}: export");
    }
}

async fn search_follows_renames_new_users_and_quotes(h: Harness) {
    let demo = h.demo().await;
    let total = |search: &str| search_total(&h, &demo.admin, search.to_owned());
    let member = &demo.members[0];
    h.exec(&format!(
        "UPDATE users SET name = 'Quentin \"Q\" Zebulon-Marsh' WHERE id = {}",
        member.id
    ))
    .await;
    assert_eq!(total("zebulon").await, 1, "a new name is found");
    assert_eq!(total("ZEBULON-marsh").await, 1, "whatever the case");
    assert_eq!(total("\"Q\"").await, 1, "quotes are text, not query syntax");
    assert_eq!(total("on-Ma").await, 1, "any part of it");
    assert_eq!(total("Ze").await, 1, "two letters find the start of a word");
    assert_eq!(total("qu").await, 1, "the first word too");
    assert_eq!(total("eb").await, 0, "but not the middle of one");
    assert_eq!(
        total(&member.name).await,
        0,
        "the old name is gone from the index"
    );

    // One or two characters look at the email's words before its `@` too, the same on both
    // databases, but not at its domain, which a whole organization may share.
    h.exec(&format!(
        "UPDATE users SET email = 'xq.wren_fold+zktag@vquartz.test' WHERE id = {}",
        member.id
    ))
    .await;
    assert_eq!(total("xq").await, 1, "the start of the email");
    assert_eq!(total("wr").await, 1, "a word of it after a dot");
    assert_eq!(total("fo").await, 1, "after an underscore");
    assert_eq!(total("zk").await, 1, "after a plus sign");
    assert_eq!(total("vq").await, 0, "not the domain");
    assert_eq!(
        total("vquartz").await,
        1,
        "which longer searches still find"
    );
    assert_eq!(total("ZE").await, 1, "the name is still there");
    // Migration 14 taken back (the whole email again) and redone: the index is rebuilt.
    use orgdesk_migration::MigratorTrait;
    h.migrate_down_through("m20261129_000014_words_of_the_local_part")
        .await;
    if h.is_postgres() {
        // The search reads migration 15's table, gone too: the index is back on `users`.
        let words = "SELECT COUNT(*) AS n FROM pg_indexes WHERE indexname = 'users_words'";
        assert_eq!(h.scalar(words).await, 1, "migration 8's index is back");
    } else {
        // The page alone: a total on SQLite reads migration 25's version, taken back too.
        let query = UserQuery {
            filter: UserFilter {
                search: Some("xq".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let page = h.core.list_users(&demo.admin, &query).await.unwrap();
        assert_eq!(page.users.len(), 1, "migration 8's index finds the start");
    }
    orgdesk_core::Migrator::up(h.db(), None).await.unwrap();
    assert_eq!(total("wr").await, 1, "migrated again");
    assert_eq!(total("vq").await, 0, "migrated again");

    // Users added later (the bulk seeding path inserts many rows at once) are found too.
    h.core.seed_bulk_users(demo.admin.org_id, 30).await.unwrap();
    assert_eq!(total("@bulk.test").await, 30);
    assert_eq!(total("AND OR NOT *").await, 0, "operators are literal");
}

/// A one-letter search, in every order: on PostgreSQL, sorted by name or email, its pages are
/// read from the search table's indexes of word initials (migrations 19 and 20), the first ones
/// and those asked for by number; by last sign-in, status or role, those asked for by number
/// are skipped in the sort index of `users`, which holds the initials too (migration 21). They
/// must hold exactly the users with a word of their name or of their email before the `@`
/// starting with that letter or digit, in everyone's order, whichever way and however the words
/// are joined. Its total is kept per letter on PostgreSQL (migration 22). Renames, new emails
/// and a departure move users in and out of it, and migrations 19 to 22 taken back and redone
/// compute the same.
async fn one_letter_pages_hold_every_word_that_starts_with_it(h: Harness) {
    let h = &h;
    let demo = h.demo().await;
    let admin = &demo.admin;
    for (name, email) in [
        ("Jean-Luc Xavier", "jl.x@acme.test"),
        ("Tom O'Neil", "tom_oneil+tag@acme.test"),
        ("Ada 9Lives", "ada.9lives@acme.test"),
        ("Bo x123abc", "bo.q@acme.test"),
        ("Zed Quill", "1zed@acme.test"),
        ("Lia de la Cruz", "lia-cruz@acme.test"),
    ] {
        h.core
            .add_user(admin, &new_member(name, email), None)
            .await
            .unwrap();
    }
    let letters = [
        "a", "b", "c", "j", "k", "l", "n", "o", "q", "t", "x", "z", "1", "9",
    ];
    // Some sign in and one is reset, so that each order has more than one run of values.
    for (email, minutes_ago) in [("ada.9lives@acme.test", 5), ("lia-cruz@acme.test", 9)] {
        use sea_orm::{ActiveModelTrait, Set};
        let mut signed_in: orgdesk_core::entities::user::ActiveModel =
            h.user_by_email(email).await.into();
        signed_in.last_sign_in_at = Set(Some(
            chrono::Utc::now() - chrono::Duration::minutes(minutes_ago),
        ));
        signed_in.update(h.db()).await.unwrap();
    }
    let tom = h.user_by_email("tom_oneil+tag@acme.test").await;
    h.core
        .admin_reset_passwords(admin, &[tom.id], None)
        .await
        .unwrap();
    let check = |when: &'static str| async move {
        for sort in [
            UserSort::Name,
            UserSort::Email,
            UserSort::LastSignIn,
            UserSort::Status,
            UserSort::Role,
        ] {
            let everyone = h
                .core
                .list_users(
                    admin,
                    &UserQuery {
                        sort,
                        per_page: MAX_PER_PAGE,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            assert!(everyone.next.is_none(), "everyone fits on one page");
            for letter in letters {
                // Words as both databases' indexes split these names and emails ("García" is one).
                let starts = |text: &str| {
                    text.split(|c: char| !c.is_alphanumeric())
                        .any(|word| word.to_lowercase().starts_with(letter))
                };
                let expected: Vec<UserId> = everyone
                    .users
                    .iter()
                    .filter(|u| starts(&u.name) || starts(u.email.split('@').next().unwrap_or("")))
                    .map(|u| u.id)
                    .collect();
                assert!(
                    !expected.is_empty(),
                    "{when}: someone has a word in {letter}"
                );
                // The total: kept per letter on PostgreSQL (migration 22); on SQLite counted, and
                // kept while nobody comes, goes or is renamed (migration 25).
                assert_eq!(
                    search_total(h, admin, letter.to_uppercase()).await,
                    expected.len() as u64,
                    "{when}: how many have a word in {letter}"
                );
                for descending in [false, true] {
                    let case = format!("{when}: \"{letter}\" {sort:?} desc={descending}");
                    let mut expected = expected.clone();
                    if descending {
                        expected.reverse();
                    }
                    let query = |per_page: u64, at: Option<PageAt>| UserQuery {
                        filter: UserFilter {
                            search: Some(letter.to_uppercase()),
                            ..Default::default()
                        },
                        sort,
                        descending,
                        page: 1,
                        per_page,
                        at,
                    };
                    // Pages of two, by their Next links: each one found in the index.
                    let mut found = Vec::new();
                    let mut at = None;
                    loop {
                        let page = h.core.list_users(admin, &query(2, at)).await.unwrap();
                        found.extend(page.users.iter().map(|u| u.id));
                        at = page.next.map(PageAt::After);
                        if at.is_none() {
                            break;
                        }
                    }
                    assert_eq!(found, expected, "{case}: page after page");
                    // The same pages by their numbers: skipped in the index from the start.
                    let pages = (expected.len() as u64).div_ceil(2);
                    let mut by_number = Vec::new();
                    for number in 1..=pages + 1 {
                        let page = UserQuery {
                            page: number,
                            ..query(2, None)
                        };
                        let page = h.core.list_users(admin, &page).await.unwrap();
                        assert_eq!(page.next.is_some(), number < pages, "{case}, page {number}");
                        by_number.extend(page.users.iter().map(|u| u.id));
                    }
                    assert_eq!(by_number, expected, "{case}: pages by number");
                    // One page larger than the matches: the search table sorts them all instead.
                    let all = h
                        .core
                        .list_users(admin, &query(MAX_PER_PAGE, None))
                        .await
                        .unwrap();
                    let all: Vec<UserId> = all.users.iter().map(|u| u.id).collect();
                    assert_eq!(all, expected, "{case}: one page");
                }
            }
        }
        if h.is_postgres() {
            for table in ["user_search", "users"] {
                let stale = format!(
                    "SELECT COUNT(*) AS n FROM {table} \
                     WHERE initials <> orgdesk_user_initials(name, email)"
                );
                assert_eq!(
                    h.scalar(&stale).await,
                    0,
                    "{when}: every {table} row's initials"
                );
            }
            let miscounted = "SELECT COUNT(*) AS n FROM ( \
                 SELECT org_id, b, COUNT(*) AS n FROM users CROSS JOIN generate_series(0, 35) AS b \
                 WHERE (initials >> b) & 1 = 1 GROUP BY org_id, b) counted \
                 FULL JOIN user_initial_tallies t ON t.org_id = counted.org_id AND t.bit = counted.b \
                 WHERE COALESCE(counted.n, 0) <> COALESCE(t.n, 0)";
            assert_eq!(
                h.scalar(miscounted).await,
                0,
                "{when}: every letter's tally"
            );
        }
    };
    check("added").await;

    let zed = h.user_by_email("1zed@acme.test").await;
    h.exec(&format!(
        "UPDATE users SET name = 'Kim Quill' WHERE id = {}",
        zed.id
    ))
    .await;
    let bo = h.user_by_email("bo.q@acme.test").await;
    h.exec(&format!(
        "UPDATE users SET email = 'kay.bo@acme.test' WHERE id = {}",
        bo.id
    ))
    .await;
    // One leaves: the letters of their words count one fewer.
    let jean = h.user_by_email("jl.x@acme.test").await;
    h.exec(&format!("DELETE FROM users WHERE id = {}", jean.id))
        .await;
    check("renamed").await;

    use orgdesk_migration::MigratorTrait;
    h.migrate_down_through("m20261130_000019_word_initials_beside_search")
        .await;
    if h.is_postgres() {
        let column = "SELECT COUNT(*) AS n FROM information_schema.columns \
                      WHERE table_name = 'user_search' AND column_name = 'initials'";
        assert_eq!(h.scalar(column).await, 0, "the column is gone");
    }
    // Without it, the search table's triggers are migration 15's again: rows still come in and
    // change, and migration 19 computes their initials when it runs again.
    h.core
        .add_user(admin, &new_member("Ola Nuñez", "ola.n@acme.test"), None)
        .await
        .unwrap();
    h.exec(&format!(
        "UPDATE users SET name = 'Kit Quill' WHERE id = {}",
        zed.id
    ))
    .await;
    orgdesk_core::Migrator::up(h.db(), None).await.unwrap();
    check("migrated again").await;

    if h.is_postgres() {
        // The pages above were read from the indexes, not only from the search table's sort.
        for index in [
            "user_search_initials_by_name",
            "user_search_initials_by_email",
        ] {
            let scans = format!(
                "SELECT COALESCE(SUM(idx_scan), 0)::bigint AS n FROM pg_stat_user_indexes \
                 WHERE indexrelname = '{index}'"
            );
            let mut read = 0;
            for _ in 0..50 {
                h.exec("SELECT pg_stat_clear_snapshot()").await;
                read = h.scalar(&scans).await;
                if read > 0 {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            assert!(read > 0, "{index} was read");
        }
    }
}

/// On SQLite a search's total is counted once and kept while its organization's users stay the
/// same (migration 25, decision 69): adding, removing, renaming or re-addressing a user, through
/// the console or straight in the database (another process, the command line), moves the
/// organization's `search_version`, and the next total is counted again; a reset or a sign-in
/// doesn't, and the kept total serves. A page asked for by number is read from the nearer end
/// with it. On PostgreSQL the same answers come from counts and kept tallies.
async fn a_search_total_is_counted_again_after_any_change_to_whom_it_can_match(h: Harness) {
    let h = &h;
    let demo = h.demo().await;
    let admin = &demo.admin;
    let totals = || async move {
        (
            search_total(h, admin, "kappa".into()).await,
            search_total(h, admin, "KQ".into()).await,
        )
    };
    let version = || async move {
        if h.is_postgres() {
            return 0;
        }
        h.scalar(&format!(
            "SELECT search_version AS n FROM organizations WHERE id = {}",
            admin.org_id
        ))
        .await
    };
    assert_eq!(totals().await, (0, 0), "nobody yet");
    let added = h
        .core
        .add_user(admin, &new_member("Kappa Kqx", "kappa1@acme.test"), None)
        .await
        .unwrap();
    assert_eq!(totals().await, (1, 1), "added in the console");

    // A reset and a sign-in change nothing a search looks at: the kept totals serve.
    let before = version().await;
    let member = &demo.members[0];
    h.core
        .admin_reset_passwords(admin, &[member.id], None)
        .await
        .unwrap();
    h.exec(&format!(
        "UPDATE users SET last_sign_in_at = created_at WHERE id = {}",
        demo.members[3].id
    ))
    .await;
    assert_eq!(version().await, before, "a reset and a sign-in");
    assert_eq!(totals().await, (1, 1));

    h.exec(&format!(
        "UPDATE users SET name = 'Kappa Two' WHERE id = {}",
        demo.members[1].id
    ))
    .await;
    assert_eq!(totals().await, (2, 1), "renamed in the database");
    h.exec(&format!(
        "UPDATE users SET email = 'kqz.kappa@acme.test' WHERE id = {}",
        demo.members[2].id
    ))
    .await;
    assert_eq!(totals().await, (3, 2), "a new email");

    // Pages by number, one user a page, read from the nearer end with the kept total: the
    // same users as the pages read one after the other.
    for descending in [false, true] {
        let query = |page: u64, at: Option<PageAt>| UserQuery {
            filter: UserFilter {
                search: Some("kappa".into()),
                ..Default::default()
            },
            descending,
            page,
            per_page: 1,
            at,
            ..Default::default()
        };
        let mut by_next = Vec::new();
        let mut at = None;
        for page in 1..=3 {
            let read = h.core.list_users(admin, &query(page, at)).await.unwrap();
            by_next.push(read.users[0].id);
            at = read.next.map(PageAt::After);
        }
        assert_eq!(at, None, "three pages");
        for page in 1..=3 {
            let typed = h.core.list_users(admin, &query(page, None)).await.unwrap();
            let ids: Vec<UserId> = typed.users.iter().map(|u| u.id).collect();
            assert_eq!(
                ids,
                [by_next[page as usize - 1]],
                "page {page}, {descending}"
            );
        }
    }

    h.exec(&format!("DELETE FROM users WHERE id = {}", added.user_id))
        .await;
    assert_eq!(totals().await, (2, 1), "removed in the database");

    if !h.is_postgres() {
        // What keeps the totals right is the version moving: set back by hand, the last
        // change goes unseen, so the totals were indeed kept and not counted each time.
        let kept = version().await;
        h.exec(&format!(
            "UPDATE users SET name = 'Kappa Kqy' WHERE id = {}",
            demo.members[4].id
        ))
        .await;
        h.exec(&format!(
            "UPDATE organizations SET search_version = {kept} WHERE id = {}",
            admin.org_id
        ))
        .await;
        let filter = UserFilter {
            search: Some("kappa".into()),
            ..Default::default()
        };
        let kept_total = h.core.count_users(admin, &filter).await.unwrap();
        assert_eq!(kept_total, 2, "kept for the version it was counted at");
    }
}

async fn search_total(h: &Harness, admin: &Actor, search: String) -> u64 {
    let query = UserQuery {
        filter: UserFilter {
            search: Some(search),
            ..Default::default()
        },
        ..Default::default()
    };
    let total = h.core.count_users(admin, &query.filter).await.unwrap();
    // The page agrees with the count (all of them fit on one page here).
    let page = h.core.list_users(admin, &query).await.unwrap();
    assert_eq!(page.users.len() as u64, total.min(query.per_page));
    total
}

async fn the_sidebar_shows_details_assets_and_activity(h: Harness) {
    let demo = h.demo().await;
    let jane = &demo.members[0];
    let details = h.core.user_details(&demo.admin, jane.id).await.unwrap();
    assert_eq!(details.user.email, jane.email);
    assert!(details.title.is_some() && details.department.is_some());
    assert!(!details.assets.is_empty());
    assert!(details.assets.iter().any(|a| a.kind == "Laptop"));
    assert_eq!(details.reset_link_expires_at, None);

    h.core
        .admin_reset_passwords(&demo.admin, &[jane.id], None)
        .await
        .unwrap();
    let details = h.core.user_details(&demo.admin, jane.id).await.unwrap();
    assert_eq!(details.user.status, UserStatus::ResetPending);
    let expires = details.reset_link_expires_at.expect("pending link shown");
    assert_eq!(expires, h.live_links(jane.id).await[0].expires_at);

    let events = h
        .core
        .user_activity(&demo.admin, jane.id, 50)
        .await
        .unwrap();
    assert!(events.len() >= 2);
    assert!(
        events
            .windows(2)
            .all(|w| (w[0].at, w[0].id) >= (w[1].at, w[1].id)),
        "newest first"
    );
    let reset = events
        .iter()
        .find(|e| e.kind == ActivityKind::AdminResetPassword)
        .expect("reset shown");
    assert_eq!(reset.actor_name.as_deref(), Some("Ada Admin"));
    assert_eq!(reset.subject_name.as_deref(), Some(jane.name.as_str()));
    assert!(events.iter().any(|e| e.kind == ActivityKind::EmailQueued));
    assert_eq!(
        h.core
            .user_activity(&demo.admin, jane.id, 0)
            .await
            .unwrap()
            .len(),
        1,
        "limit clamps to 1"
    );
}

async fn the_activity_page_filters_and_pages(h: Harness) {
    let demo = h.demo().await;
    let ids: Vec<i64> = demo.members.iter().take(3).map(|m| m.id).collect();
    h.core
        .admin_reset_passwords(&demo.admin, &ids, None)
        .await
        .unwrap();
    let all = h
        .core
        .org_activity(&demo.admin, &ActivityFilter::default(), 1, 20)
        .await
        .unwrap();
    assert!(all.total > 20);
    assert_eq!(all.events.len(), 20);
    assert!(all
        .events
        .windows(2)
        .all(|w| (w[0].at, w[0].id) >= (w[1].at, w[1].id)));

    let resets = ActivityFilter {
        kind: Some(ActivityKind::AdminResetPassword),
        ..Default::default()
    };
    let page = h
        .core
        .org_activity(&demo.admin, &resets, 1, 50)
        .await
        .unwrap();
    assert_eq!(page.total, 3);
    let by_subject = ActivityFilter {
        subject: Some(ids[0]),
        ..Default::default()
    };
    assert!(h
        .core
        .org_activity(&demo.admin, &by_subject, 1, 50)
        .await
        .unwrap()
        .events
        .iter()
        .all(|e| e.subject_id == Some(ids[0])));
    let search = ActivityFilter {
        search: Some("ada ADMIN".into()),
        kind: Some(ActivityKind::AdminResetPassword),
        ..Default::default()
    };
    assert_eq!(
        h.core
            .org_activity(&demo.admin, &search, 1, 50)
            .await
            .unwrap()
            .total,
        3
    );
    // A search names the people the Users Table's search finds: from three characters, a name
    // or email that holds them; one or two find a word that starts with them (the admin's
    // "Ada", not the "dm" inside "Admin").
    for (text, resets) in [("DMIN", 3), ("ad", 3), ("dm", 0)] {
        let search = ActivityFilter {
            search: Some(text.into()),
            kind: Some(ActivityKind::AdminResetPassword),
            ..Default::default()
        };
        let page = h
            .core
            .org_activity(&demo.admin, &search, 1, 50)
            .await
            .unwrap();
        assert_eq!(page.total, resets, "{text}");
    }
    let nobody = ActivityFilter {
        search: Some("zzz-nobody".into()),
        ..Default::default()
    };
    assert_eq!(
        h.core
            .org_activity(&demo.admin, &nobody, 1, 50)
            .await
            .unwrap()
            .total,
        0
    );
}

async fn the_activity_page_counts_to_its_cap_and_pages_past_it(h: Harness) {
    let demo = h.demo().await;
    let org = demo.admin.org_id;
    // A log longer than the count's cap: probes at one moment, by a label, about nobody.
    let probes = ACTIVITY_COUNT_CAP + 120;
    h.exec(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {probes}) \
         INSERT INTO activity (org_id, kind, details, actor_label, created_at) \
         SELECT {org}, 'settings_changed', 'probe ' || CAST(i AS TEXT), 'probe', \
         (SELECT MIN(created_at) FROM activity WHERE org_id = {org}) FROM n"
    ))
    .await;
    let everything = ActivityFilter::default();
    let first = h
        .core
        .org_activity(&demo.admin, &everything, 1, 50)
        .await
        .unwrap();
    assert_eq!((first.total, first.more), (ACTIVITY_COUNT_CAP, true));
    assert_eq!(first.events.len(), 50);

    // A page past the cap is read as any other, in order, and its rows carry their names.
    let past = ACTIVITY_COUNT_CAP / 50 + 2;
    let deep = h
        .core
        .org_activity(&demo.admin, &everything, past, 50)
        .await
        .unwrap();
    assert_eq!(deep.events.len(), 50);
    assert!(deep.more && deep.next);
    assert!(deep
        .events
        .windows(2)
        .all(|w| (w[0].at, w[0].id) >= (w[1].at, w[1].id)));
    assert!(deep
        .events
        .iter()
        .all(|e| e.actor_name.as_deref() == Some("probe")));

    // The last page says no other follows, though the count stopped at the cap; the page
    // before it says one does, and the page after it is empty.
    let all = h
        .scalar(&format!(
            "SELECT COUNT(*) AS n FROM activity WHERE org_id = {org}"
        ))
        .await as u64;
    let last_page = all.div_ceil(50);
    let last = h
        .core
        .org_activity(&demo.admin, &everything, last_page, 50)
        .await
        .unwrap();
    assert_eq!(last.events.len() as u64, all - (last_page - 1) * 50);
    assert!(last.more && !last.next);
    let before_last = h
        .core
        .org_activity(&demo.admin, &everything, last_page - 1, 50)
        .await
        .unwrap();
    assert!(before_last.next);
    let beyond = h
        .core
        .org_activity(&demo.admin, &everything, last_page + 1, 50)
        .await
        .unwrap();
    assert!(beyond.events.is_empty() && !beyond.next);

    // Under the cap the count is exact: the seed's sign-ins, by kind; and a search by a
    // person's name still finds their events (no probe names anyone).
    let sign_ins = ActivityFilter {
        kind: Some(ActivityKind::SignedIn),
        ..Default::default()
    };
    let seeded = h
        .scalar(&format!(
            "SELECT COUNT(*) AS n FROM activity WHERE org_id = {org} AND kind = 'signed_in'"
        ))
        .await;
    let page = h
        .core
        .org_activity(&demo.admin, &sign_ins, 1, 50)
        .await
        .unwrap();
    assert_eq!((page.total as i64, page.more), (seeded, false));
    assert_eq!(page.next, seeded > 50);
    let admin_name = ActivityFilter {
        search: Some(demo.admin.name.to_uppercase()),
        ..Default::default()
    };
    let theirs = h
        .core
        .org_activity(&demo.admin, &admin_name, 1, 50)
        .await
        .unwrap();
    assert!(!theirs.more && theirs.total > 0);
    assert!(theirs.events.iter().all(|e| {
        e.actor_name.as_deref() == Some(demo.admin.name.as_str())
            || e.subject_name.as_deref() == Some(demo.admin.name.as_str())
    }));
}

async fn link_lifetimes_are_settings(h: Harness) {
    let demo = h.demo().await;
    let settings = h.core.org_settings(&demo.admin).await.unwrap();
    assert_eq!(
        (
            settings.admin_link_ttl_minutes,
            settings.forgot_link_ttl_minutes
        ),
        (15, 30)
    );
    for (a, f) in [(4, 30), (15, 1441), (0, 0)] {
        assert!(matches!(
            h.core.update_link_lifetimes(&demo.admin, a, f, None).await,
            Err(CoreError::InvalidInput(_))
        ));
    }
    let updated = h
        .core
        .update_link_lifetimes(&demo.admin, 60, 120, Some("192.0.2.1"))
        .await
        .unwrap();
    assert_eq!(
        (
            updated.admin_link_ttl_minutes,
            updated.forgot_link_ttl_minutes
        ),
        (60, 120)
    );
    let changed = ActivityFilter {
        kind: Some(ActivityKind::SettingsChanged),
        ..Default::default()
    };
    assert_eq!(
        h.core
            .org_activity(&demo.admin, &changed, 1, 10)
            .await
            .unwrap()
            .total,
        1
    );

    let jane = &demo.members[0];
    h.core
        .admin_reset_passwords(&demo.admin, &[jane.id], None)
        .await
        .unwrap();
    let link = &h.live_links(jane.id).await[0];
    assert_eq!(
        link.expires_at - link.created_at,
        chrono::Duration::minutes(60)
    );
    let member = h.actor(&demo.members[1].email).await;
    assert!(matches!(
        h.core.update_link_lifetimes(&member, 30, 30, None).await,
        Err(CoreError::Forbidden)
    ));
}

async fn members_cannot_open_the_console(h: Harness) {
    let demo = h.demo().await;
    let member = h.actor(&demo.members[0].email).await;
    assert!(matches!(
        h.core.list_users(&member, &UserQuery::default()).await,
        Err(CoreError::Forbidden)
    ));
    assert!(matches!(
        h.core.user_details(&member, demo.members[1].id).await,
        Err(CoreError::Forbidden)
    ));
    assert!(matches!(
        h.core.user_activity(&member, demo.members[1].id, 10).await,
        Err(CoreError::Forbidden)
    ));
    assert!(matches!(
        h.core
            .org_activity(&member, &ActivityFilter::default(), 1, 10)
            .await,
        Err(CoreError::Forbidden)
    ));
    assert!(matches!(
        h.core.org_settings(&member).await,
        Err(CoreError::Forbidden)
    ));
}
