//! On PostgreSQL, `users` keeps its word initials too (the bits of migration 19), and its sort
//! indexes by last sign-in, status and role hold them: a one-letter search sorted by one of those
//! columns and asked for by page number skips its matches in that index alone (decision 58).
//! SQLite is unchanged: its word-prefix index answers these pages.
//!
//! Why: those pages sorted every match in the search table to skip the ones before the page.
//! "a" (17,501 of 100,000) by last sign-in, pages 175 and 300: 14.1 and 14.5 ms at p95 over HTTP.
//! Indexing those columns in the search table, as migrations 19 and 20 index the name and the
//! email, would cost every reset and sign-in a rewrite of its GIN indexes (its updates are HOT
//! now). `users` has no HOT updates to lose: `status`, `role` and `last_sign_in_at` are indexed
//! there already, so a reset or a sign-in writes each of its index entries again anyway, 8 bytes
//! wider now.
//!
//! - A trigger computes `initials` before a row goes in and when its name or email is set; the
//!   search table's triggers copy it from there instead of computing it a second time.
//! - The three indexes are migration 17's with `initials` included.

use sea_orm_migration::prelude::*;

use crate::m20261130_000019_word_initials_beside_search as initials_beside_search;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &str = r#"
ALTER TABLE users ADD COLUMN initials bigint NOT NULL DEFAULT 0;
UPDATE users SET initials = orgdesk_user_initials(name, email);
CREATE FUNCTION orgdesk_users_initials() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    NEW.initials := orgdesk_user_initials(NEW.name, NEW.email);
    RETURN NEW;
END
$body$;
CREATE TRIGGER users_initials BEFORE INSERT OR UPDATE OF name, email ON users
    FOR EACH ROW EXECUTE FUNCTION orgdesk_users_initials();

CREATE OR REPLACE FUNCTION orgdesk_user_search_added() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    INSERT INTO user_search (id, org_id, name, email, role, status, last_sign_in_at, initials)
        SELECT id, org_id, name, email, role, status, last_sign_in_at, initials FROM added;
    RETURN NULL;
END
$body$;
CREATE OR REPLACE FUNCTION orgdesk_user_search_changed() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    EXECUTE 'UPDATE user_search s
        SET org_id = c.org_id, name = c.name, email = c.email, role = c.role,
            status = c.status, last_sign_in_at = c.last_sign_in_at, initials = c.initials
        FROM changed c
        WHERE s.id = c.id
          AND (s.org_id, s.name, s.email, s.role, s.status, s.last_sign_in_at)
              IS DISTINCT FROM (c.org_id, c.name, c.email, c.role, c.status, c.last_sign_in_at)';
    RETURN NULL;
END
$body$;

DROP INDEX IF EXISTS ix_users_org_last_sign_in;
CREATE INDEX ix_users_org_last_sign_in ON users (org_id, last_sign_in_at, id)
    INCLUDE (status, role, initials);
DROP INDEX IF EXISTS ix_users_org_role;
CREATE INDEX ix_users_org_role ON users (org_id, role, id) INCLUDE (status, initials);
DROP INDEX IF EXISTS ix_users_org_status;
CREATE INDEX ix_users_org_status ON users (org_id, status, id) INCLUDE (role, initials);
ANALYZE users;
"#;

/// Migration 17's indexes (dropping the column would drop them), then the column; the search
/// table's triggers are migration 19's again before it (they compute the initials again).
const POSTGRES_DOWN: &str = r#"
DROP INDEX IF EXISTS ix_users_org_last_sign_in;
CREATE INDEX ix_users_org_last_sign_in ON users (org_id, last_sign_in_at, id) INCLUDE (status, role);
DROP INDEX IF EXISTS ix_users_org_role;
CREATE INDEX ix_users_org_role ON users (org_id, role, id) INCLUDE (status);
DROP INDEX IF EXISTS ix_users_org_status;
CREATE INDEX ix_users_org_status ON users (org_id, status, id) INCLUDE (role);
DROP TRIGGER IF EXISTS users_initials ON users;
DROP FUNCTION IF EXISTS orgdesk_users_initials();
ALTER TABLE users DROP COLUMN IF EXISTS initials;
"#;

sql_per_backend!(
    up: ("", POSTGRES_UP),
    down: (
        "",
        format!(
            "{}{POSTGRES_DOWN}",
            initials_beside_search::POSTGRES_TRIGGER_FUNCTIONS
        ),
    ),
);
