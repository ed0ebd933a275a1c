//! The domain's one error type. Its `Display` is operator text — for logs and the command
//! line — not what a person in the browser reads: each front end words the variants itself
//! (the web app in `orgdesk-app`'s `ApiError`). `NotFound` and `InvalidInput` carry a sentence
//! about the caller's input, the one text every front end passes on as it is.

use orgdesk_types::password_policy::Rule;
use orgdesk_types::LinkState;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// Wrong email or password — the same whichever it was.
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("not signed in (no session, or it expired or was revoked)")]
    Unauthenticated,
    #[error("not allowed for this account's role")]
    Forbidden,
    /// What was not found, as a sentence the caller may be shown.
    #[error("{0}")]
    NotFound(String),
    /// What is wrong with the input, as a sentence the caller may be shown.
    #[error("{0}")]
    InvalidInput(String),
    /// The request conflicts with the target's current state (already suspended, no pending
    /// reset, the last owner, an email already taken), as a sentence the caller may be shown.
    #[error("{0}")]
    Conflict(String),
    /// The initiator asked to do this to their own account (or an API token to its creator's).
    #[error("You can't do that to your own account.")]
    OwnAccount,
    #[error("the new password breaks {} of the password rules", .0.len())]
    WeakPassword(Vec<Rule>),
    /// The reset link can't be used: expired, used, revoked or unknown.
    #[error("the link can't be used ({0:?})")]
    LinkUnusable(LinkState),
    /// A bulk reset by filter whose filter no longer matches the count the caller confirmed:
    /// nothing was reset.
    #[error("The filter now matches {matching} users, not the {expected} you confirmed. Nothing was reset: review the list and try again.")]
    CountChanged { matching: u64, expected: u64 },
    #[error("rate limited: retry after {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// The server is at capacity (every password-hashing slot is taken): nothing was judged and
    /// nothing counted against the caller, who may simply try again, in about one hash's
    /// time (`retry_after_ms`), when a slot has likely come free.
    #[error("busy: every password-hashing slot is taken; retry after {retry_after_ms} ms")]
    Busy { retry_after_ms: u64 },
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("internal: {0}")]
    Internal(String),
}
