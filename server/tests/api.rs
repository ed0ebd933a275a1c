//! The automation API (`/api/v1`) over real HTTP: the `orgdesk` binary on a fresh SQLite file
//! and a fresh PostgreSQL database, called the way a help-desk script would. The test kit's
//! `Harness` on the same database makes the tokens (as an owner would in Settings) and checks
//! what the calls changed.
//!
//! - the token and scope matrix, for every operation the served OpenAPI document lists (which
//!   also proves the document and the routes agree);
//! - list with cursors (stable under inserts), read, add, suspend;
//! - resets: one, resend, by ids, by filter (a wrong `expected_count` is 409), and a
//!   10,000-user job to completion with its report; the same rules as the console (no
//!   self-reset, owners protected);
//! - `Idempotency-Key` replays; the rate limit and its headers; no session cookie on the API
//!   and no token on the browser's server functions; CORS closed.

use std::time::{Duration, Instant};

use orgdesk_core::types::{ApiScope, NewApiToken, Role};
use orgdesk_core::{seed, Initiator, SignInOutcome};
use orgdesk_testkit::http::{HttpResponse, ServerProcess};
use orgdesk_testkit::{test_config, Harness, TestDatabase, MEMBER_PASSWORD};
use serde_json::{json, Value};

const BULK_USERS: u64 = 10_000;

struct Api {
    server: ServerProcess,
}

impl Api {
    async fn start(h: &Harness, env: &[(&str, &str)]) -> Api {
        let server = ServerProcess::start(env!("CARGO_BIN_EXE_orgdesk"), h.database_url(), env)
            .await
            .expect("the orgdesk server starts");
        Api { server }
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> HttpResponse {
        let mut conn = self.server.connect().await.expect("connect");
        // A script, not a page: no Origin, no cookie.
        conn.origin = false;
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut all: Vec<(&str, &str)> = headers.to_vec();
        if let Some(auth) = &auth {
            all.push(("Authorization", auth));
        }
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        if !body.is_empty() {
            all.push(("Content-Type", "application/json"));
        }
        conn.request(method, &format!("/api/v1{path}"), &all, body.as_bytes())
            .await
            .expect("an HTTP answer")
    }

    async fn get(&self, path: &str, token: &str) -> Value {
        let res = self.call("GET", path, Some(token), None, &[]).await;
        assert_eq!(res.status, 200, "GET {path}: {}", res.text());
        json_of(&res)
    }
}

fn json_of(res: &HttpResponse) -> Value {
    serde_json::from_slice(&res.body).unwrap_or_else(|e| panic!("{e}: {}", res.text()))
}

/// Asserts a problem of `slug` with `status`.
fn problem(res: &HttpResponse, status: u16, slug: &str, what: &str) {
    assert_eq!(res.status, status, "{what}: {}", res.text());
    assert_eq!(
        res.header("content-type"),
        Some("application/problem+json"),
        "{what}"
    );
    let body = json_of(res);
    assert_eq!(
        body["type"],
        format!("urn:orgdesk:problem:{slug}"),
        "{what}: {body}"
    );
    assert_eq!(body["status"], status, "{what}");
}

async fn token(h: &Harness, by: impl Into<Initiator>, name: &str, scopes: &[ApiScope]) -> String {
    h.core
        .create_api_token(
            by,
            &NewApiToken {
                name: name.into(),
                scopes: scopes.to_vec(),
                expires_in_days: 30,
            },
            None,
        )
        .await
        .expect("create an API token")
        .secret
}

async fn the_automation_api(database: TestDatabase) {
    let h = Harness::on(database, test_config()).await;
    let demo = h.demo().await;
    h.core
        .seed_demo_neighbour(seed::DEMO_MEMBER_PASSWORD)
        .await
        .expect("the neighbour organization");
    let globex = h.actor(seed::DEMO_NEIGHBOUR_ADMIN_EMAIL).await.org_id;

    // --- tokens, as an owner makes them in Settings ---------------------------------------
    let all = ApiScope::ALL;
    let helpdesk = token(&h, &demo.owner, "helpdesk", &all).await;
    let admin_refused = h
        .core
        .create_api_token(
            &demo.admin,
            &NewApiToken {
                name: "mine".into(),
                scopes: vec![ApiScope::UsersRead],
                expires_in_days: 30,
            },
            None,
        )
        .await;
    assert!(admin_refused.is_err(), "only owners make tokens");
    let twin = h
        .core
        .create_api_token(
            &demo.owner,
            &NewApiToken {
                name: "helpdesk".into(),
                scopes: vec![ApiScope::UsersRead],
                expires_in_days: 30,
            },
            None,
        )
        .await;
    assert!(
        matches!(twin, Err(orgdesk_core::CoreError::Conflict(_))),
        "two live tokens never share a name (the activity log names them): {twin:?}"
    );
    let revoked = token(&h, &demo.owner, "revoked", &all).await;
    let revoked_id = h.core.list_api_tokens(&demo.owner).await.expect("list")[0].id;
    h.core
        .revoke_api_token(&demo.owner, revoked_id, None)
        .await
        .expect("revoke");
    let expired = token(&h, &demo.owner, "expired", &all).await;
    {
        use orgdesk_core::entities::api_token;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        api_token::Entity::update_many()
            .col_expr(
                api_token::Column::ExpiresAt,
                sea_orm::sea_query::Expr::value(h.core.now() - chrono::Duration::minutes(1)),
            )
            .filter(api_token::Column::Name.eq("expired"))
            .exec(h.db())
            .await
            .expect("expire a token");
    }
    let other_org = token(
        &h,
        Initiator::CommandLine {
            org_id: globex,
            os_user: "test".into(),
        },
        "globex",
        &all,
    )
    .await;
    let scoped: Vec<(ApiScope, String)> = {
        let mut v = Vec::new();
        for scope in all {
            v.push((
                scope,
                token(&h, &demo.owner, scope.as_str(), &[scope]).await,
            ));
        }
        v
    };

    let api = Api::start(&h, &[]).await;

    // --- the document, and the matrix over every operation it lists ------------------------
    let doc = json_of(&api.call("GET", "/openapi.json", None, None, &[]).await);
    assert_eq!(doc["openapi"], "3.1.0");
    let member = &demo.members[0];
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            let scope = ApiScope::parse(op["x-required-scope"].as_str().expect("a scope"))
                .expect("a known scope");
            operations.push((
                method.to_uppercase(),
                path.replace("{id}", &member.id.to_string()),
                scope,
            ));
        }
    }
    assert_eq!(operations.len(), 13, "{operations:?}");
    let mut checked = 0;
    for (method, path, scope) in &operations {
        let what = format!("{method} {path}");
        let body = (method != "GET").then(|| json!({}));
        for (token, slug, status) in [
            (None, "unauthenticated", 401),
            (Some("odk_not-a-real-token"), "unauthenticated", 401),
            (Some(revoked.as_str()), "unauthenticated", 401),
            (Some(expired.as_str()), "unauthenticated", 401),
        ] {
            let res = api.call(method, path, token, body.as_ref(), &[]).await;
            problem(&res, status, slug, &format!("{what} with {token:?}"));
            checked += 1;
        }
        let res = api
            .call(
                method,
                path,
                None,
                body.as_ref(),
                &[("Cookie", "orgdesk_session=x")],
            )
            .await;
        problem(
            &res,
            401,
            "unauthenticated",
            &format!("{what} with a cookie"),
        );
        checked += 1;
        for (other, token) in &scoped {
            if other == scope {
                continue;
            }
            let res = api
                .call(method, path, Some(token), body.as_ref(), &[])
                .await;
            problem(
                &res,
                403,
                "insufficient-scope",
                &format!("{what} as {other:?}"),
            );
            checked += 1;
        }
        // Another organization's token: the user does not exist for it.
        if path.contains(&member.id.to_string()) {
            let res = api
                .call(method, path, Some(&other_org), body.as_ref(), &[])
                .await;
            assert!(
                res.status == 404 || res.status == 422,
                "{what} as Globex: {} {}",
                res.status,
                res.text()
            );
            checked += 1;
        }
    }
    println!(
        "token/scope matrix: {checked} calls over {} operations",
        operations.len()
    );
    let globex_users = api.get("/users?limit=200", &other_org).await;
    assert!(globex_users["data"]
        .as_array()
        .expect("users")
        .iter()
        .all(|u| u["email"]
            .as_str()
            .is_some_and(|e| e.ends_with("@globex.test"))));
    let routes = api
        .call("GET", "/nothing-here", Some(&helpdesk), None, &[])
        .await;
    problem(&routes, 404, "not-found", "an unknown route");

    // --- list, cursors, read ----------------------------------------------------------------
    let first = api.get("/users?limit=5&sort=email", &helpdesk).await;
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let everyone = api.get("/users?limit=10&sort=email", &helpdesk).await;
    h.core
        .add_user(
            &demo.admin,
            &orgdesk_testkit::new_member("Aaron Early", "aaa-early@acme.test"),
            None,
        )
        .await
        .expect("a user added between pages");
    let second = api
        .get(
            &format!("/users?limit=5&sort=email&cursor={cursor}"),
            &helpdesk,
        )
        .await;
    let ids = |v: &Value| -> Vec<i64> {
        v["data"]
            .as_array()
            .expect("data")
            .iter()
            .filter_map(|u| u["id"].as_i64())
            .collect()
    };
    let mut paged = ids(&first);
    paged.extend(ids(&second));
    assert_eq!(paged, ids(&everyone), "pages don't shift under an insert");
    let suspended = api.get("/users?status=suspended", &helpdesk).await;
    assert!(suspended["data"]
        .as_array()
        .expect("data")
        .iter()
        .all(|u| u["status"] == "suspended"));
    let bad = api
        .call("GET", "/users?status=gone", Some(&helpdesk), None, &[])
        .await;
    problem(&bad, 422, "invalid-input", "an unknown status");
    // A cursor reads back only under the filters it was made with.
    let replayed = api
        .call(
            "GET",
            &format!("/users?limit=5&sort=email&status=suspended&cursor={cursor}"),
            Some(&helpdesk),
            None,
            &[],
        )
        .await;
    problem(
        &replayed,
        422,
        "invalid-input",
        "a cursor under another filter",
    );
    let one = api.get(&format!("/users/{}", member.id), &helpdesk).await;
    assert_eq!(one["email"], member.email.as_str());
    assert!(one["reset"].is_null());

    // --- one reset, replayed, resent ---------------------------------------------------------
    let key = [("Idempotency-Key", "ticket-4711")];
    let path = format!("/users/{}/reset-password", member.id);
    let reset = api.call("POST", &path, Some(&helpdesk), None, &key).await;
    assert_eq!(reset.status, 201, "{}", reset.text());
    let reset_body = json_of(&reset);
    assert_eq!(reset_body["state"], "pending");
    assert_eq!(reset_body["user_id"], member.id);
    assert!(reset_body["link_expires_at"].is_string());
    let emails_after_reset = h
        .scalar(&format!(
            "SELECT COUNT(*) FROM email_outbox WHERE user_id = {}",
            member.id
        ))
        .await;
    let replay = api.call("POST", &path, Some(&helpdesk), None, &key).await;
    assert_eq!(replay.status, 201);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(json_of(&replay), reset_body, "the first answer, again");
    assert_eq!(
        h.scalar(&format!(
            "SELECT COUNT(*) FROM email_outbox WHERE user_id = {}",
            member.id
        ))
        .await,
        emails_after_reset,
        "a replay emails nobody"
    );
    let other_path = format!("/users/{}/reset-password", demo.members[1].id);
    let reused = api
        .call("POST", &other_path, Some(&helpdesk), None, &key)
        .await;
    problem(
        &reused,
        422,
        "idempotency-key-reused",
        "the key on another request",
    );
    let activity = api
        .get(&format!("/users/{}/activity", member.id), &helpdesk)
        .await;
    let resets: Vec<&Value> = activity["data"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "admin_reset_password")
        .collect();
    assert_eq!(resets.len(), 1, "reset once: {activity}");
    assert_eq!(resets[0]["actor"], "API token helpdesk");
    let queued = activity["data"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["kind"] == "email_queued")
        .expect("the email's event");
    assert_eq!(
        queued["actor"], "API token helpdesk",
        "the token queued it, not the user"
    );
    let emails = api
        .get(&format!("/users/{}/emails", member.id), &helpdesk)
        .await;
    let newest = &emails["data"][0];
    assert_eq!(newest["kind"], "admin_reset");
    assert!(
        ["queued", "sending", "retrying"].contains(&newest["state"].as_str().unwrap_or("")),
        "{newest}"
    );
    let resent = api
        .call(
            "POST",
            &format!("{path}/resend"),
            Some(&helpdesk),
            None,
            &[],
        )
        .await;
    assert_eq!(resent.status, 200, "{}", resent.text());
    assert_ne!(json_of(&resent)["id"], reset_body["id"], "a new link");

    // --- the console's rules ------------------------------------------------------------------
    let owner_id = demo.owner.user_id;
    let own = api
        .call(
            "POST",
            &format!("/users/{owner_id}/reset-password"),
            Some(&helpdesk),
            None,
            &[],
        )
        .await;
    problem(&own, 403, "own-account", "the token's creator");
    let suspended_id = demo.suspended[0].id;
    let frozen = api
        .call(
            "POST",
            &format!("/users/{suspended_id}/reset-password"),
            Some(&helpdesk),
            None,
            &[],
        )
        .await;
    problem(&frozen, 409, "conflict", "a suspended user");

    // --- bulk: by filter with a wrong count, by ids --------------------------------------------
    let before = h
        .scalar("SELECT COUNT(*) FROM users WHERE status = 'reset_pending'")
        .await;
    let matching = api
        .get("/users/count?role=member&status=active", &helpdesk)
        .await;
    assert!(
        matching["count"].as_u64().is_some_and(|n| n > 1),
        "{matching}"
    );
    let wrong = api
        .call(
            "POST",
            "/users/reset-password",
            Some(&helpdesk),
            Some(
                &json!({ "filter": { "role": "member", "status": "active" }, "expected_count": 1 }),
            ),
            &[],
        )
        .await;
    problem(&wrong, 409, "count-changed", "a wrong expected_count");
    assert_eq!(
        h.scalar("SELECT COUNT(*) FROM users WHERE status = 'reset_pending'")
            .await,
        before,
        "nothing reset"
    );
    let three: Vec<i64> = demo.members[2..5].iter().map(|m| m.id).collect();
    let bulk = api
        .call(
            "POST",
            "/users/reset-password",
            Some(&helpdesk),
            Some(&json!({ "ids": [three[0], three[1], three[2], suspended_id] })),
            &[],
        )
        .await;
    assert_eq!(bulk.status, 200, "{}", bulk.text());
    let report = json_of(&bulk);
    assert_eq!(report["reset"], json!(three));
    assert_eq!(report["skipped"][0]["reason"], "suspended");

    // --- people: add, suspend ------------------------------------------------------------------
    let added = api
        .call(
            "POST",
            "/users",
            Some(&helpdesk),
            Some(
                &json!({ "name": "Nina New", "email": "nina@acme.test", "department": "Support" }),
            ),
            &[],
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.text());
    assert_eq!(json_of(&added)["status"], "invited");
    let offboard = demo.members[6].id;
    let suspend = api
        .call(
            "PATCH",
            &format!("/users/{offboard}"),
            Some(&helpdesk),
            Some(&json!({ "status": "suspended" })),
            &[],
        )
        .await;
    assert_eq!(suspend.status, 200, "{}", suspend.text());
    assert_eq!(json_of(&suspend)["status"], "suspended");
    let both = api
        .call(
            "PATCH",
            &format!("/users/{offboard}"),
            Some(&helpdesk),
            Some(&json!({ "status": "active", "role": "admin" })),
            &[],
        )
        .await;
    problem(&both, 422, "invalid-input", "two changes at once");
    let twice = api
        .call(
            "PATCH",
            &format!("/users/{offboard}"),
            Some(&helpdesk),
            Some(&json!({ "status": "suspended" })),
            &[],
        )
        .await;
    problem(&twice, 409, "conflict", "suspending a suspended user");
    // A new title: the name stays, the department is cleared.
    let retitled = demo.members[8].clone();
    let edited = api
        .call(
            "PATCH",
            &format!("/users/{}", retitled.id),
            Some(&helpdesk),
            Some(&json!({ "title": "Support Lead", "department": "" })),
            &[],
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text());
    assert_eq!(json_of(&edited)["name"], retitled.name.as_str());
    assert_eq!(json_of(&edited)["title"], "Support Lead");
    assert!(json_of(&edited)["department"].is_null());
    let blank = api
        .call(
            "PATCH",
            &format!("/users/{}", retitled.id),
            Some(&helpdesk),
            Some(&json!({ "name": "  " })),
            &[],
        )
        .await;
    problem(&blank, 422, "invalid-input", "a blank name");
    let mixed = api
        .call(
            "PATCH",
            &format!("/users/{}", retitled.id),
            Some(&helpdesk),
            Some(&json!({ "name": "Someone Else", "role": "admin" })),
            &[],
        )
        .await;
    problem(&mixed, 422, "invalid-input", "a profile and a role at once");
    let moved = api
        .call(
            "PATCH",
            &format!("/users/{}", retitled.id),
            Some(&helpdesk),
            Some(&json!({ "email": "elsewhere@evil.test" })),
            &[],
        )
        .await;
    assert_eq!(
        moved.status,
        422,
        "the email can't be changed: {}",
        moved.text()
    );
    assert_eq!(h.user(retitled.id).await.email, retitled.email);
    assert_eq!(
        h.user(retitled.id).await.title.as_deref(),
        Some("Support Lead")
    );
    // A lost laptop: signed out everywhere, the password kept.
    let laptop = demo.members[7].clone();
    let SignInOutcome::SignedIn { session, .. } = h
        .core
        .sign_in(&laptop.email, MEMBER_PASSWORD, None)
        .await
        .expect("a member signs in")
    else {
        panic!("{} signs in", laptop.email)
    };
    let signed_out = api
        .call(
            "POST",
            &format!("/users/{}/sign-out", laptop.id),
            Some(&helpdesk),
            None,
            &[],
        )
        .await;
    assert_eq!(signed_out.status, 200, "{}", signed_out.text());
    assert_eq!(json_of(&signed_out)["sessions_ended"], 1);
    assert!(!h.session_is_live(&session.token).await);
    assert!(h
        .core
        .sign_in(&laptop.email, MEMBER_PASSWORD, None)
        .await
        .is_ok());
    let unknown = api
        .call("POST", "/users/999999/sign-out", Some(&helpdesk), None, &[])
        .await;
    problem(&unknown, 404, "not-found", "signing out nobody");
    let neighbour = h.actor(seed::DEMO_NEIGHBOUR_ADMIN_EMAIL).await.user_id;
    let across = api
        .call(
            "POST",
            &format!("/users/{neighbour}/sign-out"),
            Some(&helpdesk),
            None,
            &[],
        )
        .await;
    problem(&across, 404, "not-found", "another organization's user");
    // A token acts with its creator's current role: made by an owner who is now an admin, it
    // may add members but not admins (403, and nobody is added).
    h.core
        .change_role(&demo.owner, demo.admin.user_id, Role::Owner, None)
        .await
        .expect("the admin promoted");
    let deputy = token(&h, &demo.admin, "deputy", &all).await;
    h.core
        .change_role(&demo.owner, demo.admin.user_id, Role::Admin, None)
        .await
        .expect("and demoted again");
    let promote = api
        .call(
            "POST",
            "/users",
            Some(&deputy),
            Some(&json!({ "name": "Ike Ambitious", "email": "ike@acme.test", "role": "admin" })),
            &[],
        )
        .await;
    problem(
        &promote,
        403,
        "forbidden",
        "an admin's token adding an admin",
    );
    let member_by_deputy = api
        .call(
            "POST",
            "/users",
            Some(&deputy),
            Some(&json!({ "name": "Ike Modest", "email": "ike@acme.test" })),
            &[],
        )
        .await;
    assert_eq!(member_by_deputy.status, 201, "{}", member_by_deputy.text());
    // Declared, not sent: the server refuses on the length alone.
    let too_large = api
        .call(
            "POST",
            "/users/reset-password",
            Some(&helpdesk),
            None,
            &[
                ("Content-Length", "3000000"),
                ("Content-Type", "application/json"),
            ],
        )
        .await;
    problem(&too_large, 413, "too-large", "a 3 MB body");
    let unknown_field = api
        .call(
            "POST",
            "/users/reset-password",
            Some(&helpdesk),
            Some(&json!({ "userids": [1] })),
            &[],
        )
        .await;
    problem(&unknown_field, 422, "invalid-input", "a misspelt field");

    // --- the activity export -------------------------------------------------------------------
    let mut cursor: Option<String> = None;
    let mut events = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/activity?limit=7&cursor={c}"),
            None => "/activity?limit=7".into(),
        };
        let page = api.get(&path, &helpdesk).await;
        events += page["data"].as_array().map_or(0, Vec::len);
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let org_events = h
        .scalar(&format!(
            "SELECT COUNT(*) FROM activity WHERE org_id = {}",
            demo.owner.org_id
        ))
        .await;
    assert_eq!(events as i64, org_events, "the export walks every event");
    let by_kind = api.get("/activity?kind=user_suspended", &helpdesk).await;
    assert_eq!(by_kind["data"][0]["actor"], "API token helpdesk");
    // By day, in UTC, both ends included: the token suspended someone today, and nothing
    // happened before the year 2000 or after today.
    let today = h.core.now().date_naive();
    let (yesterday, tomorrow) = (today.pred_opt().unwrap(), today.succ_opt().unwrap());
    let today_only = api
        .get(
            &format!("/activity?kind=user_suspended&since={today}&until={today}"),
            &helpdesk,
        )
        .await;
    assert_eq!(today_only["data"], by_kind["data"]);
    for outside in [format!("since={tomorrow}"), "until=1999-12-31".to_owned()] {
        let none = api.get(&format!("/activity?{outside}"), &helpdesk).await;
        assert_eq!(none["data"], json!([]), "{outside}");
    }
    for (bad, what) in [
        ("since=2026-13-01".to_owned(), "not a day"),
        (
            format!("since={today}&until={yesterday}"),
            "a range that ends first",
        ),
        (
            format!("/users/{}/activity?since={today}", member.id),
            "one user's route",
        ),
    ] {
        let path = if bad.starts_with('/') {
            bad
        } else {
            format!("/activity?{bad}")
        };
        let refused = api.call("GET", &path, Some(&helpdesk), None, &[]).await;
        problem(&refused, 422, "invalid-input", what);
    }

    // --- a 10,000-user job ------------------------------------------------------------------
    h.core
        .seed_bulk_users(demo.owner.org_id, BULK_USERS)
        .await
        .expect("bulk users");
    let filter = json!({ "filter": { "search": "@bulk.test" }, "expected_count": BULK_USERS });
    // The server's vacuum skips a table autovacuum is busy with (SKIP_LOCKED): either counts.
    let vacuums = "SELECT COALESCE(MAX(vacuum_count + autovacuum_count), 0) \
                   FROM pg_stat_user_tables WHERE relname = 'users'";
    let vacuums_before = if h.is_postgres() {
        h.scalar(vacuums).await
    } else {
        0
    };
    let accepted = api
        .call(
            "POST",
            "/users/reset-password",
            Some(&helpdesk),
            Some(&filter),
            &[("Idempotency-Key", "big")],
        )
        .await;
    assert_eq!(accepted.status, 202, "{}", accepted.text());
    let job = json_of(&accepted);
    let job_path = accepted.header("location").expect("a Location").to_owned();
    assert_eq!(job_path, format!("/api/v1/jobs/{}", job["id"]));
    let again = api
        .call(
            "POST",
            "/users/reset-password",
            Some(&helpdesk),
            Some(&filter),
            &[("Idempotency-Key", "big")],
        )
        .await;
    assert_eq!(json_of(&again)["id"], job["id"], "a retry is the same job");
    assert_eq!(again.status, 202);
    assert_eq!(
        again.header("location"),
        Some(job_path.as_str()),
        "with its Location"
    );
    let started = Instant::now();
    let done = loop {
        let now = api
            .get(job_path.trim_start_matches("/api/v1"), &helpdesk)
            .await;
        if now["state"] == "succeeded" || now["state"] == "failed" {
            break now;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the job ends: {now}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["done"], BULK_USERS);
    assert_eq!(
        done["report"]["reset"].as_array().map(Vec::len),
        Some(BULK_USERS as usize)
    );
    assert_eq!(
        h.scalar("SELECT COUNT(*) FROM users WHERE email LIKE '%@bulk.test' AND status = 'reset_pending'")
            .await,
        BULK_USERS as i64
    );
    println!(
        "10,000-user job: {:.2} s from 202 to succeeded (polled)",
        started.elapsed().as_secs_f64()
    );
    // On PostgreSQL the server vacuums `users` itself once a bulk change pauses, rather
    // than leaving typed pages to read the table until autovacuum comes.
    if h.is_postgres() {
        let waited = Instant::now();
        while h.scalar(vacuums).await <= vacuums_before {
            assert!(
                waited.elapsed() < Duration::from_secs(20),
                "the server vacuums users after the job"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        println!(
            "vacuumed {:.2} s after the job was seen to succeed",
            waited.elapsed().as_secs_f64()
        );
    }

    // --- no cookie on the API, no token on the server functions, CORS closed -----------------
    let mut conn = api.server.connect().await.expect("connect");
    let bearer = format!("Bearer {helpdesk}");
    let server_fn = conn
        .request(
            "POST",
            "/api/list_users",
            &[("Authorization", &bearer), ("Content-Type", "application/json")],
            json!({ "query": { "filter": {}, "sort": "Name", "descending": false, "page": 1, "per_page": 25, "at": null } })
                .to_string()
                .as_bytes(),
        )
        .await
        .expect("an answer");
    assert!(
        server_fn.status == 401 || server_fn.status == 403,
        "{}",
        server_fn.text()
    );
    let preflight = api
        .call(
            "OPTIONS",
            "/users",
            None,
            None,
            &[
                ("Origin", "https://evil.example"),
                ("Access-Control-Request-Method", "GET"),
            ],
        )
        .await;
    assert!(preflight.header("access-control-allow-origin").is_none());

    // --- a pending reset done again is a resend: on an instance allowing two links a person --
    let two_links = Api::start(&h, &[("ORGDESK_RESEND_LIMIT", "2")]).await;
    let target = demo.members[5].id;
    let path = format!("/users/{target}/reset-password");
    for n in 1..=2 {
        let res = two_links
            .call("POST", &path, Some(&helpdesk), None, &[])
            .await;
        assert_eq!(res.status, 201, "link {n}: {}", res.text());
    }
    let third = two_links
        .call("POST", &path, Some(&helpdesk), None, &[])
        .await;
    problem(&third, 429, "rate-limited", "a third link in 15 minutes");
    let bulk = two_links
        .call(
            "POST",
            "/users/reset-password",
            Some(&helpdesk),
            Some(&json!({ "ids": [target] })),
            &[],
        )
        .await;
    assert_eq!(bulk.status, 200, "{}", bulk.text());
    assert_eq!(json_of(&bulk)["skipped"][0]["reason"], "too_many_links");

    // --- the rate limit, on a second instance allowing 3 calls a minute -----------------------
    let strict = Api::start(&h, &[("ORGDESK_API_RATE_LIMIT", "3")]).await;
    let limited = token(&h, &demo.owner, "limited", &[ApiScope::UsersRead]).await;
    for left in (0..3).rev() {
        let res = strict
            .call("GET", "/users?limit=1", Some(&limited), None, &[])
            .await;
        assert_eq!(res.status, 200);
        assert_eq!(res.header("ratelimit-limit"), Some("3"));
        assert_eq!(
            res.header("ratelimit-remaining"),
            Some(left.to_string().as_str())
        );
    }
    let refused = strict
        .call("GET", "/users?limit=1", Some(&limited), None, &[])
        .await;
    problem(&refused, 429, "rate-limited", "the fourth call");
    assert!(refused.header("retry-after").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite() {
    the_automation_api(TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres() {
    the_automation_api(TestDatabase::postgres().await).await;
}
