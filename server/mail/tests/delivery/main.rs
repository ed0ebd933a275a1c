//! Delivery tests against a real SMTP server on loopback (support/smtp_sink.rs) and a real
//! core on SQLite — PostgreSQL for the race between workers (`ORGDESK_TEST_PG_URL`).
mod support;

mod dev_mailbox;
mod outbox_worker;
mod postgres_race;
mod smtp_transport;
mod webhooks;
