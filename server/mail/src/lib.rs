//! Outbound delivery for Orgdesk: drains the core's email outbox into an SMTP server (lettre's
//! async SMTP client on pooled `TCP_NODELAY` connections) or, when none is configured, into
//! the dev mailbox directory; and its event webhooks to their HTTPS endpoints
//! ([`WebhookWorker`], signed, retried).
//!
//! ```text
//! admin reset ──(one transaction)──▶ outbox row ──▶ OutboxWorker ──▶ Mailer ─┬─▶ SMTP server
//!                                        ▲              │                    └─▶ data/mailbox/*.json
//!                                        └── delivered / attempt failed (backoff, activity)
//! ```
//!
//! # Configuration (environment)
//!
//! | variable | meaning | default |
//! | --- | --- | --- |
//! | `ORGDESK_SMTP_HOST` | SMTP server host name. Unset → the dev mailbox. | unset |
//! | `ORGDESK_SMTP_PORT` | SMTP port. | 587 for `starttls`, 465 for `tls`, 25 for `none` |
//! | `ORGDESK_SMTP_TLS` | `none` (plain text), `starttls` (upgrade, required) or `tls` (TLS from the first byte). | `starttls` |
//! | `ORGDESK_SMTP_USERNAME` | Username for SMTP AUTH; set together with the password. | unset (no auth) |
//! | `ORGDESK_SMTP_PASSWORD` | Password for SMTP AUTH. Never logged. | unset |
//! | `ORGDESK_SMTP_MAX_CONNECTIONS` | Messages sent at once, each on its own pooled connection (1-1024). Keep it under the server's per-client limit (Postfix: 50). | 32 |
//! | `ORGDESK_SMTP_CA_FILE` | PEM file of CA certificates trusted besides the system's (an internal relay's own CA). Only with `starttls` or `tls`. | unset |
//! | `ORGDESK_MAIL_FROM` | Sender, `Name <address>` or `address`. | `Orgdesk <no-reply@orgdesk.local>` |
//! | `ORGDESK_DEV_MAILBOX_DIR` | Where the dev mailbox writes messages (only without an SMTP host). | `data/mailbox` |
//!
//! Invalid values make [`MailConfig::from_env`] return a [`MailError::InvalidSetting`] naming
//! the variable and what would be accepted.
//!
//! # Delivery guarantees
//!
//! Every message is sent at least once: a failed send is retried with the core's backoff for
//! as long as `CoreConfig::outbox_give_up_after` (a day), however long an outage lasts within
//! it; a crashed worker's claims come back after the lease. 5xx answers and invalid recipient
//! addresses fail the message at once; connection trouble, timeouts and 4xx answers are
//! retried. Log lines carry outbox ids, recipient domains and errors — never message bodies,
//! which hold reset links.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod config;
pub mod dev_mailbox;
pub mod error;
pub mod mailer;
pub mod smtp;
pub mod webhooks;
pub mod worker;

pub use config::{Delivery, MailConfig, SmtpSettings, TlsMode, WorkerSettings};
pub use dev_mailbox::{list_messages, read_message, DevMailbox, DevMessage};
pub use error::{MailError, SendFailure};
pub use mailer::Mailer;
pub use smtp::SmtpMailer;
pub use webhooks::{WebhookPass, WebhookWorker};
pub use worker::{DeliveryPass, OutboxWorker};
