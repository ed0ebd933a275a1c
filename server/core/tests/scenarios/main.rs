//! Orgdesk's domain, scenario by scenario, on SQLite and on PostgreSQL. Every scenario runs
//! twice (`…::sqlite`, `…::postgres`) against a fresh database built by the real migrations.
//! The databases, the clock and the readers come from the test kit (`orgdesk-testkit`).
//! PostgreSQL comes from `ORGDESK_TEST_PG_URL` (default
//! `postgres://orgdesk:orgdesk@127.0.0.1:5432/postgres`); when it can't be reached the
//! PostgreSQL tests fail and say so.

mod admin_resets;
mod api_limits;
mod bad_input;
mod cancelling_a_reset;
mod console;
mod exports;
mod imports;
mod outbox;
mod own_account;
mod people;
mod reset_links;
mod sign_in;
