//! One- and two-character searches match the same users on both databases: the start of a
//! word of the name, or of the email before its `@` ("jo" finds "Jo Park", "Ada Jones" and
//! `jo.smith@…`). Not the domain: everyone in an organization may share it, so "a" would find
//! everyone at `acme.test`. Migration 8 indexed the whole email, which the two databases
//! split differently: SQLite into its words, domain included; PostgreSQL's parser kept most
//! of an email as one word.
//!
//! - SQLite: the FTS5 word index holds the name and the email's local part. It can no longer
//!   read them from `users` as they are (external content), so it keeps its own copy
//!   (contentless, with deletes, SQLite 3.43+), written by the same three triggers.
//! - PostgreSQL: the GIN index of the words is over the name and the local part, its dots,
//!   underscores, hyphens and plus signs read as spaces (the parser would otherwise keep
//!   `mary_jane.o` whole): [`POSTGRES_USER_WORDS`], which the search asked for until
//!   migration 15 moved the search beside `users`.

use sea_orm_migration::prelude::*;

use crate::m20261128_000008_index_user_word_prefixes as words_of_the_whole_email;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_DROP: &str = r#"
DROP TRIGGER IF EXISTS users_words_after_update;
DROP TRIGGER IF EXISTS users_words_after_delete;
DROP TRIGGER IF EXISTS users_words_after_insert;
DROP TABLE IF EXISTS users_words;
"#;

const SQLITE_UP: &str = r#"
CREATE VIRTUAL TABLE users_words USING fts5(
    name, email_local, content='', contentless_delete=1,
    tokenize='unicode61 remove_diacritics 2', prefix='1 2'
);
INSERT INTO users_words(rowid, name, email_local)
    SELECT id, name, substr(email, 1, instr(email || '@', '@') - 1) FROM users;
CREATE TRIGGER users_words_after_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_words(rowid, name, email_local)
        VALUES (new.id, new.name, substr(new.email, 1, instr(new.email || '@', '@') - 1));
END;
CREATE TRIGGER users_words_after_delete AFTER DELETE ON users BEGIN
    DELETE FROM users_words WHERE rowid = old.id;
END;
CREATE TRIGGER users_words_after_update AFTER UPDATE OF name, email ON users BEGIN
    DELETE FROM users_words WHERE rowid = old.id;
    INSERT INTO users_words(rowid, name, email_local)
        VALUES (new.id, new.name, substr(new.email, 1, instr(new.email || '@', '@') - 1));
END;
"#;

const POSTGRES_DROP: &str = r#"
DROP INDEX IF EXISTS users_words;
"#;

/// The words of a user on PostgreSQL: the name's and the email's before its `@`, its dots,
/// underscores, hyphens and plus signs read as spaces. The index `users_words` is over this
/// expression; until migration 15 moved the search beside `users`, the Users search asked for it
/// too.
pub(crate) const POSTGRES_USER_WORDS: &str = r#"to_tsvector('simple', "users"."name" || ' ' || translate(split_part("users"."email", '@', 1), '._-+', '    '))"#;

pub(crate) fn postgres_up() -> String {
    format!("CREATE INDEX users_words ON users USING gin ({POSTGRES_USER_WORDS});")
}

sql_per_backend!(
    up: (
        format!("{SQLITE_DROP}{SQLITE_UP}"),
        format!("{POSTGRES_DROP}{}", postgres_up()),
    ),
    down: (
        format!("{SQLITE_DROP}{}", words_of_the_whole_email::SQLITE_UP),
        format!("{POSTGRES_DROP}{}", words_of_the_whole_email::POSTGRES_UP),
    ),
);
