//! PostgreSQL: each user's status is indexed in a table of its own, `user_statuses`, instead of
//! by `ix_users_org_status` on `users`, and `users` leaves a sixth of each page free.
//!
//! A bulk reset changes the status of 10,000 users. While `status` was indexed on `users`,
//! PostgreSQL could not update any of those rows in place (a HOT update), so every one of the
//! table's ten indexes, three of them GIN, got a new entry for each row: 430–930 ms of the
//! reset. With no index on any column the reset writes, and room on the page for the new
//! version, the same update is 50–80 ms, and keeping `user_statuses` in step 70–100 ms more.
//!
//! `users.status` stays the truth; statement triggers keep `user_statuses` equal to it (one
//! set-based delete and insert per statement, never per row), whoever writes. The Users Table
//! filters and sorts by status through it (`users::status_condition`, `users::paging`).
//!
//! SQLite has no in-place updates to lose (it rewrites only the indexes whose columns
//! changed), so it keeps `ix_users_org_status` and this migration leaves it alone.
//!
//! A database migrated with users already in it gets the free space as rows are rewritten;
//! `VACUUM FULL users` gives it at once.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &str = r#"
CREATE TABLE user_statuses (
    org_id bigint NOT NULL,
    status varchar NOT NULL,
    user_id bigint NOT NULL,
    PRIMARY KEY (org_id, status, user_id)
);
INSERT INTO user_statuses (org_id, status, user_id) SELECT org_id, status, id FROM users;
-- Every row a statement wrote is taken out and put back, changed or not: a join of the old
-- rows to the new ones, planned once for a one-row statement and cached by PL/pgSQL, took
-- 49 s for 10,000 rows (transition tables carry no statistics). These two statements have
-- no plan worse than one primary-key probe per row.
CREATE FUNCTION orgdesk_user_statuses_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM user_statuses s USING old_rows o
            WHERE s.org_id = o.org_id AND s.status = o.status AND s.user_id = o.id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO user_statuses (org_id, status, user_id)
            SELECT n.org_id, n.status, n.id FROM new_rows n;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER users_statuses_after_insert AFTER INSERT ON users
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION orgdesk_user_statuses_kept();
CREATE TRIGGER users_statuses_after_update AFTER UPDATE ON users
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION orgdesk_user_statuses_kept();
CREATE TRIGGER users_statuses_after_delete AFTER DELETE ON users
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION orgdesk_user_statuses_kept();
DROP INDEX ix_users_org_status;
ALTER TABLE users SET (fillfactor = 85);
"#;

const POSTGRES_DOWN: &str = r#"
DROP TRIGGER IF EXISTS users_statuses_after_delete ON users;
DROP TRIGGER IF EXISTS users_statuses_after_update ON users;
DROP TRIGGER IF EXISTS users_statuses_after_insert ON users;
DROP FUNCTION IF EXISTS orgdesk_user_statuses_kept();
DROP TABLE IF EXISTS user_statuses;
CREATE INDEX ix_users_org_status ON users (org_id, status, id);
ALTER TABLE users RESET (fillfactor);
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(manager, POSTGRES_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(manager, POSTGRES_DOWN).await
    }
}

async fn on_postgres(manager: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    match manager.get_database_backend() {
        DbBackend::Postgres => {
            manager.get_connection().execute_unprepared(sql).await?;
            Ok(())
        }
        _ => Ok(()),
    }
}
