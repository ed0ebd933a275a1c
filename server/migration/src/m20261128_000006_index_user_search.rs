//! Substring search over names and emails that stays fast at 100,000 users: a trigram index.
//!
//! - SQLite: an external-content FTS5 table with the trigram tokenizer, kept in step with
//!   `users` by triggers; the Users search asks it for ids (`MATCH`) instead of scanning.
//! - PostgreSQL: `pg_trgm` GIN indexes on `lower(name)` and `email`, which the planner uses
//!   for the same `LIKE '%…%'` the query already runs. `pg_trgm` is a trusted extension (any
//!   role that may create objects in the database can add it); where it can't be added the
//!   migration still succeeds and search keeps scanning, with a notice in the server log.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &str = r#"
CREATE VIRTUAL TABLE users_search USING fts5(
    name, email, content='users', content_rowid='id', tokenize='trigram'
);
INSERT INTO users_search(users_search) VALUES ('rebuild');
CREATE TRIGGER users_search_after_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_search(rowid, name, email) VALUES (new.id, new.name, new.email);
END;
CREATE TRIGGER users_search_after_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_search(users_search, rowid, name, email)
        VALUES ('delete', old.id, old.name, old.email);
END;
CREATE TRIGGER users_search_after_update AFTER UPDATE OF name, email ON users BEGIN
    INSERT INTO users_search(users_search, rowid, name, email)
        VALUES ('delete', old.id, old.name, old.email);
    INSERT INTO users_search(rowid, name, email) VALUES (new.id, new.name, new.email);
END;
"#;

const SQLITE_DOWN: &str = r#"
DROP TRIGGER IF EXISTS users_search_after_update;
DROP TRIGGER IF EXISTS users_search_after_delete;
DROP TRIGGER IF EXISTS users_search_after_insert;
DROP TABLE IF EXISTS users_search;
"#;

pub(crate) const POSTGRES_UP: &str = r#"
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm is not available (%): user search will scan', SQLERRM;
END $$;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX IF NOT EXISTS users_name_trigrams ON users USING gin (lower(name) gin_trgm_ops);
        CREATE INDEX IF NOT EXISTS users_email_trigrams ON users USING gin (email gin_trgm_ops);
    END IF;
END $$;
"#;

const POSTGRES_DOWN: &str = r#"
DROP INDEX IF EXISTS users_email_trigrams;
DROP INDEX IF EXISTS users_name_trigrams;
"#;

sql_per_backend!(up: (SQLITE_UP, POSTGRES_UP), down: (SQLITE_DOWN, POSTGRES_DOWN));
