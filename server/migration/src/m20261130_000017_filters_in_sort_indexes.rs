//! The Users Table's sort indexes also hold the two filter columns, `status` and `role`, so a
//! filtered page reached by its number (a typed or old link, which has no cursor) skips the
//! rows before it in the index alone (decision 50). On PostgreSQL, `users` is also vacuumed
//! after fewer changes, so that the index alone answers again soon after a bulk change.
//!
//! Why: a page number is an offset, and the rows before it are skipped in the sort index, but
//! each one's status or role was read from the table. At 100,000 users the middle page of
//! Active by name (typed) took 32 ms at p95 over HTTP on SQLite and on PostgreSQL (the
//! harness, docs/performance.md, session 20); reading the index alone, 3–4 ms.
//!
//! - SQLite: the columns go at the end of each sort index. Email's index is unique on
//!   `(org_id, email)`, which must stay as it is, so a second one holds the filters. A status
//!   change now rewrites five index entries instead of one: 10,000 of them took 197 ms in
//!   `sqlite3` against 118 ms, and a bulk reset of 10,000 over HTTP (ten calls) 1.62–1.68 s
//!   against 1.31 s.
//! - PostgreSQL: `INCLUDE (status, role)`. A reset or a sign-in already writes every index of
//!   the row again (`status` and `last_sign_in_at` are indexed, so no update of `users` is
//!   HOT), so this costs only wider entries. The index alone answers only for table pages
//!   that vacuum has marked all-visible, and a bulk reset of 10,000 leaves nearly every page
//!   of `users` changed: a typed middle page then took 18–35 ms, and autovacuum's default
//!   (20 % of the rows changed) did not come within 150 s. `users` is now vacuumed after 500
//!   changes plus 1 % of its rows.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &str = r#"
DROP INDEX IF EXISTS ix_users_org_name;
CREATE INDEX ix_users_org_name ON users (org_id, name, id, status, role);
DROP INDEX IF EXISTS ix_users_org_last_sign_in;
CREATE INDEX ix_users_org_last_sign_in ON users (org_id, last_sign_in_at, id, status, role);
DROP INDEX IF EXISTS ix_users_org_role;
CREATE INDEX ix_users_org_role ON users (org_id, role, id, status);
DROP INDEX IF EXISTS ix_users_org_status;
CREATE INDEX ix_users_org_status ON users (org_id, status, id, role);
CREATE INDEX ix_users_org_email_filters ON users (org_id, email, id, status, role);
"#;

/// The sort indexes as migration 1 made them, the same on both databases.
const MIGRATION_1_SORT_INDEXES: &str = r#"
DROP INDEX IF EXISTS ix_users_org_name;
CREATE INDEX ix_users_org_name ON users (org_id, name, id);
DROP INDEX IF EXISTS ix_users_org_last_sign_in;
CREATE INDEX ix_users_org_last_sign_in ON users (org_id, last_sign_in_at, id);
DROP INDEX IF EXISTS ix_users_org_role;
CREATE INDEX ix_users_org_role ON users (org_id, role, id);
DROP INDEX IF EXISTS ix_users_org_status;
CREATE INDEX ix_users_org_status ON users (org_id, status, id);
"#;

const SQLITE_DOWN: &str = "DROP INDEX IF EXISTS ix_users_org_email_filters;";

const POSTGRES_UP: &str = r#"
DROP INDEX IF EXISTS ix_users_org_name;
CREATE INDEX ix_users_org_name ON users (org_id, name, id) INCLUDE (status, role);
DROP INDEX IF EXISTS ix_users_org_last_sign_in;
CREATE INDEX ix_users_org_last_sign_in ON users (org_id, last_sign_in_at, id) INCLUDE (status, role);
DROP INDEX IF EXISTS ix_users_org_role;
CREATE INDEX ix_users_org_role ON users (org_id, role, id) INCLUDE (status);
DROP INDEX IF EXISTS ix_users_org_status;
CREATE INDEX ix_users_org_status ON users (org_id, status, id) INCLUDE (role);
DROP INDEX IF EXISTS ux_users_org_email;
CREATE UNIQUE INDEX ux_users_org_email ON users (org_id, email) INCLUDE (id, status, role);
ALTER TABLE users SET (autovacuum_vacuum_threshold = 500, autovacuum_vacuum_scale_factor = 0.01);
"#;

/// Email's unique index as migration 1 made it, and autovacuum's defaults.
const POSTGRES_DOWN: &str = r#"
ALTER TABLE users RESET (autovacuum_vacuum_threshold, autovacuum_vacuum_scale_factor);
DROP INDEX IF EXISTS ux_users_org_email;
CREATE UNIQUE INDEX ux_users_org_email ON users (org_id, email);
"#;

sql_per_backend!(
    up: (SQLITE_UP, POSTGRES_UP),
    down: (
        format!("{SQLITE_DOWN}{MIGRATION_1_SORT_INDEXES}"),
        format!("{POSTGRES_DOWN}{MIGRATION_1_SORT_INDEXES}"),
    ),
);
