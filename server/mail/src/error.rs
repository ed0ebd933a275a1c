//! The mail layer's one error type, and the outcome of one failed send.

use orgdesk_core::CoreError;

/// What can go wrong while configuring delivery, reading the dev mailbox or talking to the
/// outbox. Messages are written for the operator reading the log.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// An environment variable holds something we can't use.
    #[error("{var}: {problem}")]
    InvalidSetting { var: &'static str, problem: String },
    /// The SMTP transport could not be built (e.g. no usable TLS root certificates).
    #[error("could not set up SMTP delivery to {server}: {reason}")]
    Transport { server: String, reason: String },
    #[error("the email outbox is unavailable: {0}")]
    Outbox(#[from] CoreError),
    #[error("dev mailbox {path}: {source}")]
    DevMailbox {
        path: String,
        source: std::io::Error,
    },
    #[error("dev mailbox message {id} is unreadable: {reason}")]
    DevMailboxMessage { id: String, reason: String },
}

/// Why one message was not delivered, and whether trying again could help.
///
/// `reason` is stored with the outbox row and shown in the Activity tab: it never contains
/// the message body (which holds the reset link).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendFailure {
    pub reason: String,
    /// `true` when retrying cannot succeed: the server answered 5xx (e.g. recipient rejected)
    /// or the message itself is unsendable (e.g. an invalid recipient address).
    pub permanent: bool,
}

impl SendFailure {
    pub fn permanent(reason: impl Into<String>) -> Self {
        SendFailure {
            reason: reason.into(),
            permanent: true,
        }
    }
    pub fn transient(reason: impl Into<String>) -> Self {
        SendFailure {
            reason: reason.into(),
            permanent: false,
        }
    }
}

impl std::fmt::Display for SendFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if self.permanent {
            "permanent"
        } else {
            "transient"
        };
        write!(f, "{kind} failure: {}", self.reason)
    }
}
