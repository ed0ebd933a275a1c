//! On PostgreSQL, each row of the search table (`user_search`, migration 15) keeps which
//! letters and digits its words start with, as bits (`initials`), in an index in name order
//! that holds them: a one-letter search sorted by name reads its page from that index alone
//! (decision 57). SQLite is unchanged: its word-prefix index (migrations 8 and 14) answers it.
//!
//! Why: "a" matches a sixth of an organization. Its page by name was found by walking 408 rows
//! of `users` (each one's words computed, ≈ 3 µs a row) and, where the matches lie further
//! apart in the order (100,000 users, name descending), by sorting all 17,501 matches from
//! the GIN index: 8.5 ms at p95 (`pgbench`) and 9.7–14.0 ms over HTTP. Reading the new index
//! costs ≈ 0.14 µs an entry and touches no table page: 8,662 entries for that page, 0.8 ms.
//!
//! - Bit 0–25 stand for `a`–`z`, bit 26–35 for `0`–`9`: the first character of each word of
//!   [`POSTGRES_USER_WORDS`], so a bit is set exactly when the word-prefix search for that one
//!   character matches the row. Other first characters set no bit (their searches don't use
//!   this index).
//! - The index is on `name || ''`, not `name`: no other query of the search table sorts by that
//!   expression, so none is tempted to walk this index checking every row's words (decision
//!   40's trap: "a" sorted by name took 36 ms that way, when the plain column was indexed).
//!   It includes `name`, so PostgreSQL can answer from the index alone.
//! - The triggers of migration 15 compute the bits when a row comes in and when its name or
//!   email changes; a status change (a reset) or a sign-in leaves them as they are, and the
//!   update stays in place (HOT): `status` and `last_sign_in_at` are still in no index.

use sea_orm_migration::prelude::*;

use crate::m20261130_000015_search_beside_users::{self as search_table, POSTGRES_USER_WORDS};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The triggers' functions as this migration leaves them: new rows come in with their initials,
/// and a changed name or email computes them again (migration 21 replaces them, and puts these
/// back when taken back).
pub(crate) const POSTGRES_TRIGGER_FUNCTIONS: &str = r#"CREATE OR REPLACE FUNCTION orgdesk_user_search_added() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    INSERT INTO user_search (id, org_id, name, email, role, status, last_sign_in_at, initials)
        SELECT id, org_id, name, email, role, status, last_sign_in_at,
               orgdesk_user_initials(name, email)
        FROM added;
    RETURN NULL;
END
$body$;
CREATE OR REPLACE FUNCTION orgdesk_user_search_changed() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    EXECUTE 'UPDATE user_search s
        SET org_id = c.org_id, name = c.name, email = c.email, role = c.role,
            status = c.status, last_sign_in_at = c.last_sign_in_at,
            initials = CASE WHEN (s.name, s.email) IS DISTINCT FROM (c.name, c.email)
                THEN orgdesk_user_initials(c.name, c.email) ELSE s.initials END
        FROM changed c
        WHERE s.id = c.id
          AND (s.org_id, s.name, s.email, s.role, s.status, s.last_sign_in_at)
              IS DISTINCT FROM (c.org_id, c.name, c.email, c.role, c.status, c.last_sign_in_at)';
    RETURN NULL;
END
$body$;
"#;

fn postgres_up() -> String {
    let words = POSTGRES_USER_WORDS;
    format!(
        r#"
CREATE FUNCTION orgdesk_user_initials("name" varchar, "email" varchar) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $body$
    SELECT COALESCE(bit_or(CASE
        WHEN ascii(w) BETWEEN 97 AND 122 THEN 1::bigint << (ascii(w) - 97)
        WHEN ascii(w) BETWEEN 48 AND 57 THEN 1::bigint << (ascii(w) - 48 + 26)
    END), 0)
    FROM unnest(tsvector_to_array({words})) AS w
$body$;
ALTER TABLE user_search ADD COLUMN initials bigint NOT NULL DEFAULT 0;
UPDATE user_search SET initials = orgdesk_user_initials(name, email);
CREATE INDEX user_search_initials_by_name ON user_search (org_id, (name || ''), id)
    INCLUDE (initials, name);

{POSTGRES_TRIGGER_FUNCTIONS}ANALYZE user_search;
"#
    )
}

fn postgres_down() -> String {
    format!(
        r#"
{}
DROP INDEX IF EXISTS user_search_initials_by_name;
ALTER TABLE user_search DROP COLUMN IF EXISTS initials;
DROP FUNCTION IF EXISTS orgdesk_user_initials(varchar, varchar);
"#,
        search_table::POSTGRES_TRIGGER_FUNCTIONS
            .replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
    )
}

sql_per_backend!(up: ("", postgres_up()), down: ("", postgres_down()));
