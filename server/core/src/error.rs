//! The domain's one error type. Messages are written for the person who will read them;
//! the web layer maps each variant to a status once.

use orgdesk_types::password_policy::Rule;
use orgdesk_types::LinkState;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// Wrong email or password — the same words whichever it was.
    #[error("That email and password don't match an account.")]
    InvalidCredentials,
    #[error("Please sign in.")]
    Unauthenticated,
    #[error("You don't have permission to do that.")]
    Forbidden,
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error("The new password doesn't meet the rules.")]
    WeakPassword(Vec<Rule>),
    /// The reset link can't be used: expired, used, revoked or unknown.
    #[error("This link can't be used.")]
    LinkUnusable(LinkState),
    #[error("Too many attempts. Please wait {retry_after_secs} seconds and try again.")]
    RateLimited { retry_after_secs: u64 },
    #[error("Something went wrong on our side. Please try again.")]
    Database(#[from] sea_orm::DbErr),
    #[error("Something went wrong on our side. Please try again.")]
    Internal(String),
}
