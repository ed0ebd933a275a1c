//! Each organization keeps how many users it has of each status and role, so the Users Table's
//! total for a status or role filter is a few rows read instead of a count, and a page of such
//! a filter reached by its number can be counted from the nearer end (decision 51). Migration
//! 13 keeps the total for everyone the same way.
//!
//! Why: counting the Active users of 100,000 took 8.8 ms on PostgreSQL (`pgbench`, an
//! index-only scan of 90,000 entries), and a filter's typed page near its end skipped nearly
//! all of them (11.1 ms for the last page of Active by name).
//!
//! One row per organization, status and role (at most twelve), kept by triggers for every
//! insert, delete and change of status or role, whoever writes:
//! - SQLite: row triggers, in-process and cheap; the update trigger fires only when a status or
//!   role changed.
//! - PostgreSQL: statement triggers over the transition tables, so a bulk reset of 10,000 adds
//!   and takes away once per status and role, not 10,000 times. PostgreSQL can't limit a
//!   trigger with transition tables to some columns, so every update runs it; one that changes
//!   no status or role (a sign-in) finds nothing to write.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &str = r#"
CREATE TABLE user_tallies (
    org_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    role TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (org_id, status, role)
) WITHOUT ROWID;
INSERT INTO user_tallies (org_id, status, role, n)
    SELECT org_id, status, role, COUNT(*) FROM users GROUP BY org_id, status, role;
CREATE TRIGGER users_tally_after_insert AFTER INSERT ON users BEGIN
    INSERT INTO user_tallies (org_id, status, role, n) VALUES (new.org_id, new.status, new.role, 1)
        ON CONFLICT (org_id, status, role) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER users_tally_after_delete AFTER DELETE ON users BEGIN
    UPDATE user_tallies SET n = n - 1
        WHERE org_id = old.org_id AND status = old.status AND role = old.role;
END;
CREATE TRIGGER users_tally_after_update AFTER UPDATE OF status, role ON users
    WHEN old.status IS NOT new.status OR old.role IS NOT new.role BEGIN
    UPDATE user_tallies SET n = n - 1
        WHERE org_id = old.org_id AND status = old.status AND role = old.role;
    INSERT INTO user_tallies (org_id, status, role, n) VALUES (new.org_id, new.status, new.role, 1)
        ON CONFLICT (org_id, status, role) DO UPDATE SET n = n + 1;
END;
"#;

const SQLITE_DOWN: &str = r#"
DROP TRIGGER IF EXISTS users_tally_after_update;
DROP TRIGGER IF EXISTS users_tally_after_delete;
DROP TRIGGER IF EXISTS users_tally_after_insert;
DROP TABLE IF EXISTS user_tallies;
"#;

const POSTGRES_UP: &str = r#"
CREATE TABLE user_tallies (
    org_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    status varchar(16) NOT NULL,
    role varchar(16) NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (org_id, status, role)
);
INSERT INTO user_tallies (org_id, status, role, n)
    SELECT org_id, status, role, COUNT(*) FROM users GROUP BY org_id, status, role;
CREATE FUNCTION orgdesk_users_tallied() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO user_tallies AS t (org_id, status, role, n)
            SELECT org_id, status, role, COUNT(*) FROM added GROUP BY org_id, status, role
            ON CONFLICT (org_id, status, role) DO UPDATE SET n = t.n + excluded.n;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE user_tallies t SET n = t.n - r.n
            FROM (SELECT org_id, status, role, COUNT(*) AS n FROM removed
                  GROUP BY org_id, status, role) r
            WHERE t.org_id = r.org_id AND t.status = r.status AND t.role = r.role;
    ELSE
        -- Into each new status and role, out of each old one; what didn't move cancels out.
        INSERT INTO user_tallies AS t (org_id, status, role, n)
            SELECT org_id, status, role, SUM(moved) FROM (
                SELECT org_id, status, role, 1 AS moved FROM changed
                UNION ALL
                SELECT org_id, status, role, -1 AS moved FROM was
            ) m GROUP BY org_id, status, role HAVING SUM(moved) <> 0
            ON CONFLICT (org_id, status, role) DO UPDATE SET n = t.n + excluded.n;
    END IF;
    RETURN NULL;
END
$body$;
CREATE TRIGGER users_tally_after_insert AFTER INSERT ON users
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION orgdesk_users_tallied();
CREATE TRIGGER users_tally_after_delete AFTER DELETE ON users
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION orgdesk_users_tallied();
CREATE TRIGGER users_tally_after_update AFTER UPDATE ON users
    REFERENCING OLD TABLE AS was NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION orgdesk_users_tallied();
"#;

const POSTGRES_DOWN: &str = r#"
DROP TRIGGER IF EXISTS users_tally_after_update ON users;
DROP TRIGGER IF EXISTS users_tally_after_delete ON users;
DROP TRIGGER IF EXISTS users_tally_after_insert ON users;
DROP FUNCTION IF EXISTS orgdesk_users_tallied();
DROP TABLE IF EXISTS user_tallies;
"#;

sql_per_backend!(up: (SQLITE_UP, POSTGRES_UP), down: (SQLITE_DOWN, POSTGRES_DOWN));
