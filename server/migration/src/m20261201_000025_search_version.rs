//! On SQLite, each organization counts the changes to what a search of its users can match
//! (`search_version`): a user added or removed, or a name or email changed (a user never moves
//! to another organization). A reset or a sign-in changes none of these. The server counts a
//! search's total once per version and keeps it (`users::SearchTotals`, decision 69), so the
//! Users Table's total and its pages share one count, and a page asked for by number near the
//! end of a search is read from the end. PostgreSQL keeps what it needs per letter instead
//! (migration 22), and is unchanged.
//!
//! The version moves in the same statements that keep `user_count` (migration 13), so an import
//! writes the organization's row no more often than it did.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &str = r#"
ALTER TABLE organizations ADD COLUMN search_version INTEGER NOT NULL DEFAULT 0;
-- Counted from anywhere but where a copy of the column taken back and added again would start,
-- so a server that kept totals through that never takes an old version for the new one.
UPDATE organizations SET search_version = random() >> 16;
DROP TRIGGER users_count_after_insert;
DROP TRIGGER users_count_after_delete;
CREATE TRIGGER users_count_after_insert AFTER INSERT ON users BEGIN
    UPDATE organizations SET user_count = user_count + 1, search_version = search_version + 1
        WHERE id = new.org_id;
END;
CREATE TRIGGER users_count_after_delete AFTER DELETE ON users BEGIN
    UPDATE organizations SET user_count = user_count - 1, search_version = search_version + 1
        WHERE id = old.org_id;
END;
CREATE TRIGGER users_search_version_after_update AFTER UPDATE OF name, email ON users
    WHEN old.name IS NOT new.name OR old.email IS NOT new.email
BEGIN
    UPDATE organizations SET search_version = search_version + 1 WHERE id = new.org_id;
END;
"#;

const SQLITE_DOWN: &str = r#"
DROP TRIGGER IF EXISTS users_search_version_after_update;
DROP TRIGGER IF EXISTS users_count_after_delete;
DROP TRIGGER IF EXISTS users_count_after_insert;
CREATE TRIGGER users_count_after_insert AFTER INSERT ON users BEGIN
    UPDATE organizations SET user_count = user_count + 1 WHERE id = new.org_id;
END;
CREATE TRIGGER users_count_after_delete AFTER DELETE ON users BEGIN
    UPDATE organizations SET user_count = user_count - 1 WHERE id = old.org_id;
END;
ALTER TABLE organizations DROP COLUMN search_version;
"#;

sql_per_backend!(up: (SQLITE_UP, ""), down: (SQLITE_DOWN, ""));
