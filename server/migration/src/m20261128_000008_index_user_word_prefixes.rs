//! Searches of one or two characters, which no trigram can answer, served from an index too:
//! they match users with a word of the name or email that starts with them ("jo" finds
//! "Jo Park" and "Ada Jones"; "zq" finds nobody, at once). Three characters and more keep
//! matching anywhere (migration 6).
//!
//! - SQLite: an external-content FTS5 table with the `unicode61` tokenizer and prefix indexes
//!   of one and two characters, kept in step with `users` by triggers like `users_search`.
//! - PostgreSQL: a GIN index on the `simple` text-search vector of name and email, which
//!   `to_tsquery('simple', 'jo:*')` uses.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

pub(crate) const SQLITE_UP: &str = r#"
CREATE VIRTUAL TABLE users_words USING fts5(
    name, email, content='users', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', prefix='1 2'
);
INSERT INTO users_words(users_words) VALUES ('rebuild');
CREATE TRIGGER users_words_after_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_words(rowid, name, email) VALUES (new.id, new.name, new.email);
END;
CREATE TRIGGER users_words_after_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_words(users_words, rowid, name, email)
        VALUES ('delete', old.id, old.name, old.email);
END;
CREATE TRIGGER users_words_after_update AFTER UPDATE OF name, email ON users BEGIN
    INSERT INTO users_words(users_words, rowid, name, email)
        VALUES ('delete', old.id, old.name, old.email);
    INSERT INTO users_words(rowid, name, email) VALUES (new.id, new.name, new.email);
END;
"#;

const SQLITE_DOWN: &str = r#"
DROP TRIGGER IF EXISTS users_words_after_update;
DROP TRIGGER IF EXISTS users_words_after_delete;
DROP TRIGGER IF EXISTS users_words_after_insert;
DROP TABLE IF EXISTS users_words;
"#;

pub(crate) const POSTGRES_UP: &str = r#"
CREATE INDEX IF NOT EXISTS users_words ON users
    USING gin (to_tsvector('simple', name || ' ' || email));
"#;

const POSTGRES_DOWN: &str = r#"
DROP INDEX IF EXISTS users_words;
"#;

sql_per_backend!(up: (SQLITE_UP, POSTGRES_UP), down: (SQLITE_DOWN, POSTGRES_DOWN));
