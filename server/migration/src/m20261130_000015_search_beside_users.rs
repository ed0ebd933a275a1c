//! On PostgreSQL, the Users search reads a narrow copy of `users` kept beside it, `user_search`,
//! which carries the three GIN indexes instead of `users` (decision 47). SQLite is unchanged: its
//! FTS5 tables (migrations 6 and 14) already sit beside `users`.
//!
//! Why: a reset changes `status`, which an index of `users` holds, so PostgreSQL writes every
//! index of a reset user's row again, the GIN ones too: ≈ 200 ms of a bulk reset of 10,000
//! (docs/performance.md, session 17), and three GIN writes on every sign-in (`last_sign_in_at`).
//! In `user_search`, nothing indexed but the name and email changes, and its pages keep half
//! their room free, so a status change or a sign-in is written in place (a HOT update) and no
//! GIN index is touched. A search also reads its matches from rows of about 100 bytes instead
//! of 370: "li" (7,500 matches) sorted by name took 6.3–8.4 ms from `users` and 4.0–4.6 ms
//! from here (`pgbench`, averages).
//!
//! The copy holds what a search filters and sorts by (name, email, role, status, last sign-in),
//! so a search with a filter or any sort is answered from it alone; only the page's rows are
//! then read from `users`. Statement triggers over the transition tables keep it in step with
//! every insert, update and delete, whoever writes (an import of 100,000 is one statement, not
//! 100,000 trigger calls; an organization deleted with its users too). Decision 40's lesson
//! holds: their joins are planned at each call.

use sea_orm_migration::prelude::*;

use crate::m20261128_000006_index_user_search as trigrams_on_users;
use crate::m20261129_000014_words_of_the_local_part as words_on_users;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The words of a user on PostgreSQL: the name's, and the email's before its `@` with its dots,
/// underscores, hyphens and plus signs read as spaces (migration 14's rule). The index
/// `user_search_words` is over this expression and the Users search asks for it
/// (`users::search_condition`), so the two can't drift apart. Its columns are unqualified: the
/// search reads `user_search` under the name `users`.
pub const POSTGRES_USER_WORDS: &str = r#"to_tsvector('simple', "name" || ' ' || translate(split_part("email", '@', 1), '._-+', '    '))"#;

/// The name under which the search reads `user_search`, as the rest of the query names the
/// users' columns (`"users"."name"`, …).
pub const POSTGRES_SEARCH_TABLE: &str = "user_search";

/// The triggers' functions that copy new rows into the search table and keep changed ones up
/// to date (migration 19 replaces them, and puts these back when taken back).
pub(crate) const POSTGRES_TRIGGER_FUNCTIONS: &str = r#"CREATE FUNCTION orgdesk_user_search_added() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    INSERT INTO user_search (id, org_id, name, email, role, status, last_sign_in_at)
        SELECT id, org_id, name, email, role, status, last_sign_in_at FROM added;
    RETURN NULL;
END
$body$;
-- The join of a transition table is planned at each call (EXECUTE): PL/pgSQL would keep the
-- first call's plan, made for that call's number of rows. After a bulk reset's 10,000 (a hash
-- join over the whole table), each one-row sign-in then took 27-30 ms instead of 0.2-0.6 ms.
-- Rows whose searched columns did not change (a new password, say) are left alone.
CREATE FUNCTION orgdesk_user_search_changed() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    EXECUTE 'UPDATE user_search s
        SET org_id = c.org_id, name = c.name, email = c.email, role = c.role,
            status = c.status, last_sign_in_at = c.last_sign_in_at
        FROM changed c
        WHERE s.id = c.id
          AND (s.org_id, s.name, s.email, s.role, s.status, s.last_sign_in_at)
              IS DISTINCT FROM (c.org_id, c.name, c.email, c.role, c.status, c.last_sign_in_at)';
    RETURN NULL;
END
$body$;
"#;

fn postgres_up() -> String {
    format!(
        r#"
CREATE TABLE user_search (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL,
    name varchar NOT NULL,
    email varchar NOT NULL,
    role varchar(16) NOT NULL,
    status varchar(16) NOT NULL,
    last_sign_in_at timestamptz
) WITH (fillfactor = 50);
INSERT INTO user_search (id, org_id, name, email, role, status, last_sign_in_at)
    SELECT id, org_id, name, email, role, status, last_sign_in_at FROM users;
CREATE INDEX user_search_words ON user_search USING gin ({POSTGRES_USER_WORDS});
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX user_search_name_trigrams ON user_search USING gin (lower(name) gin_trgm_ops);
        CREATE INDEX user_search_email_trigrams ON user_search USING gin (email gin_trgm_ops);
    END IF;
END $$;
DROP INDEX IF EXISTS users_words;
DROP INDEX IF EXISTS users_email_trigrams;
DROP INDEX IF EXISTS users_name_trigrams;

{POSTGRES_TRIGGER_FUNCTIONS}CREATE FUNCTION orgdesk_user_search_removed() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    EXECUTE 'DELETE FROM user_search s USING removed r WHERE s.id = r.id';
    RETURN NULL;
END
$body$;
CREATE TRIGGER user_search_after_insert AFTER INSERT ON users
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION orgdesk_user_search_added();
CREATE TRIGGER user_search_after_update AFTER UPDATE ON users
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION orgdesk_user_search_changed();
CREATE TRIGGER user_search_after_delete AFTER DELETE ON users
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION orgdesk_user_search_removed();
ANALYZE user_search;
"#
    )
}

const POSTGRES_DOWN: &str = r#"
DROP TRIGGER IF EXISTS user_search_after_delete ON users;
DROP TRIGGER IF EXISTS user_search_after_update ON users;
DROP TRIGGER IF EXISTS user_search_after_insert ON users;
DROP FUNCTION IF EXISTS orgdesk_user_search_removed();
DROP FUNCTION IF EXISTS orgdesk_user_search_changed();
DROP FUNCTION IF EXISTS orgdesk_user_search_added();
DROP TABLE IF EXISTS user_search;
"#;

// Down, the indexes go back on `users` as migrations 6 and 14 made them.
sql_per_backend!(
    up: ("", postgres_up()),
    down: (
        "",
        format!(
            "{POSTGRES_DOWN}{}{}",
            trigrams_on_users::POSTGRES_UP,
            words_on_users::postgres_up()
        ),
    ),
);
