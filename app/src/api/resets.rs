//! The admin's three ways to reset (row menu, profile sidebar, bulk toolbar) and Resend Email.

use leptos::prelude::*;
use orgdesk_types::{ResetReport, UserFilter, UserId};

use crate::error::ApiError;

/// Resets the passwords of `users` (one from the row menu or sidebar, many from the bulk
/// toolbar). Users the admin may not reset come back as skipped, with the reason.
#[server(endpoint = "admin_reset_passwords", input = leptos::server_fn::codec::Json)]
pub async fn admin_reset_passwords(users: Vec<UserId>) -> Result<ResetReport, ApiError> {
    if users.is_empty() {
        return Err(super::ssr::refuse(ApiError::Invalid(
            "Select at least one user.".into(),
        )));
    }
    let most = orgdesk_types::limits::MAX_IDS_PER_CALL;
    if users.len() > most {
        return Err(super::ssr::refuse(ApiError::Invalid(format!(
            "Send at most {most} users at a time."
        ))));
    }
    let (core, actor) = super::ssr::require_admin().await?;
    let ip = super::ssr::client_ip().await;
    Ok(core
        .admin_reset_passwords(&actor, &users, ip.as_deref())
        .await?)
}

/// "Select all N matching": the server re-evaluates the filter instead of trusting ids.
#[server(endpoint = "admin_reset_matching", input = leptos::server_fn::codec::Json)]
pub async fn admin_reset_matching(
    filter: UserFilter,
    expected_count: u64,
) -> Result<ResetReport, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    let ip = super::ssr::client_ip().await;
    Ok(core
        .admin_reset_matching(&actor, &filter, expected_count, ip.as_deref())
        .await?)
}

/// Resend Email for a user whose reset is pending: a new link; the previous one stops working.
#[server(endpoint = "admin_resend_reset_email")]
pub async fn admin_resend_reset_email(user: UserId) -> Result<(), ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    let ip = super::ssr::client_ip().await;
    Ok(core
        .admin_resend_reset_email(&actor, user, ip.as_deref())
        .await?)
}
