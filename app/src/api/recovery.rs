//! The user's way back in: the emailed link, the Reset Password page, Resend Email,
//! Forgot your password? and cancelling an unexpected reset. None of these need a session.

use leptos::prelude::*;
use orgdesk_types::LinkState;

use crate::error::ApiError;

/// Tokens are 43 characters of base64url; anything far longer is garbage, refused early.
#[cfg(feature = "ssr")]
const MAX_TOKEN_LEN: usize = 256;

#[server(endpoint = "inspect_link")]
pub async fn fetch_link_state(token: String) -> Result<LinkState, ApiError> {
    if token.len() > MAX_TOKEN_LEN {
        return Ok(LinkState::Unknown);
    }
    Ok(super::ssr::core()?.inspect_link(&token).await?)
}

#[server(endpoint = "complete_reset")]
pub async fn complete_reset(
    token: String,
    password: String,
    confirm: String,
) -> Result<(), ApiError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(super::ssr::refuse(ApiError::LinkUnusable(
            LinkState::Unknown,
        )));
    }
    if password != confirm {
        return Err(super::ssr::refuse(ApiError::Invalid(
            "The two passwords don't match.".into(),
        )));
    }
    let core = super::ssr::core()?;
    let ip = super::ssr::client_ip().await;
    core.complete_reset(&token, &password, ip.as_deref())
        .await?;
    leptos_axum::redirect("/sign-in?reset=done");
    Ok(())
}

/// "Didn't expect this? Cancel the request", posted by the cancel page's form (hydrated or
/// not); the browser comes back to that page, which then shows what changed.
#[server(endpoint = "cancel_reset_link")]
pub async fn cancel_reset_link(token: String) -> Result<(), ApiError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(super::ssr::refuse(ApiError::LinkUnusable(
            LinkState::Unknown,
        )));
    }
    let core = super::ssr::core()?;
    let ip = super::ssr::client_ip().await;
    core.cancel_reset_link(&token, ip.as_deref()).await?;
    // Core only says Ok for a link it found, so the token is base64url: safe in a header.
    leptos_axum::redirect(&format!("/reset-password/{token}/cancel"));
    Ok(())
}

/// Resend Email from an expired link's page.
#[server(endpoint = "resend_from_link")]
pub async fn resend_from_link(token: String) -> Result<(), ApiError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(super::ssr::refuse(ApiError::LinkUnusable(
            LinkState::Unknown,
        )));
    }
    let core = super::ssr::core()?;
    let ip = super::ssr::client_ip().await;
    Ok(core.resend_from_link(&token, ip.as_deref()).await?)
}

/// Resend Email from the sign-in prompt after an admin reset. Answers the same whether or
/// not the email has an account.
#[server(endpoint = "resend_reset_email")]
pub async fn resend_reset_email(email: String) -> Result<(), ApiError> {
    if email.len() > orgdesk_types::limits::MAX_EMAIL_LEN || !email.contains('@') {
        return Err(super::ssr::refuse(ApiError::Invalid(
            "That doesn't look like an email address.".into(),
        )));
    }
    let core = super::ssr::core()?;
    let ip = super::ssr::client_ip().await;
    Ok(core.resend_reset_email(&email, ip.as_deref()).await?)
}

/// Forgot your password?: the current password keeps working; the answer is the same
/// whether or not the email exists.
#[server(endpoint = "forgot_password")]
pub async fn forgot_password(email: String) -> Result<(), ApiError> {
    let email = email.trim().to_string();
    if email.is_empty()
        || email.len() > orgdesk_types::limits::MAX_EMAIL_LEN
        || !email.contains('@')
    {
        return Err(super::ssr::refuse(ApiError::Invalid(
            "Enter the email address you sign in with.".into(),
        )));
    }
    let core = super::ssr::core()?;
    let ip = super::ssr::client_ip().await;
    core.request_forgot_password(&email, ip.as_deref()).await?;
    leptos_axum::redirect("/forgot-password?sent=1");
    Ok(())
}
