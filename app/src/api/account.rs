//! What a signed-in person does to their own account, from the account page: change their
//! password, see where they are signed in, and sign out one other session or all of them.

use leptos::prelude::*;
use orgdesk_types::AccountOverview;

use crate::error::ApiError;

/// Where the account page says a password was changed: a page load, after a plain form post
/// as after a hydrated one (the console's redirects are page loads, `browser::start`).
pub const PASSWORD_CHANGED: &str = "/account?password=changed";

/// Changes the signed-in person's password: the current one, then the new one twice.
#[server(endpoint = "change_password")]
pub async fn change_password(
    current: String,
    password: String,
    confirm: String,
) -> Result<(), ApiError> {
    use orgdesk_types::limits::MAX_PASSWORD_BYTES;

    if current.len() > MAX_PASSWORD_BYTES || password.len() > MAX_PASSWORD_BYTES {
        return Err(super::ssr::refuse(ApiError::Invalid(
            "That password is too long.".into(),
        )));
    }
    if password != confirm {
        return Err(super::ssr::refuse(ApiError::Invalid(
            "The two passwords don't match.".into(),
        )));
    }
    let (core, token) = super::ssr::require_session().await?;
    let ip = super::ssr::client_ip().await;
    core.change_own_password(&token, &current, &password, ip.as_deref())
        .await?;
    leptos_axum::redirect(PASSWORD_CHANGED);
    Ok(())
}

/// Signs out every other session of the signed-in person; how many there were.
#[server(endpoint = "sign_out_other_sessions")]
pub async fn sign_out_other_sessions() -> Result<u64, ApiError> {
    let (core, token) = super::ssr::require_session().await?;
    let ip = super::ssr::client_ip().await;
    let ended = core.sign_out_other_sessions(&token, ip.as_deref()).await?;
    // The account page says how many (`?signed_out=2`).
    leptos_axum::redirect(&format!("/account?signed_out={ended}"));
    Ok(ended)
}

/// Who is signed in and where, for the account page (None for visitors).
#[server(endpoint = "account")]
pub async fn fetch_account() -> Result<Option<AccountOverview>, ApiError> {
    let Some(actor) = super::ssr::current_actor().await? else {
        return Ok(None);
    };
    let token = super::ssr::session_token()
        .await
        .ok_or_else(|| super::ssr::refuse(ApiError::Unauthenticated))?;
    let sessions = super::ssr::core()?.own_sessions(&token).await?;
    Ok(Some(AccountOverview { actor, sessions }))
}

/// Signs out one other browser or device of the signed-in person (`id` from
/// [`fetch_account`]).
#[server(endpoint = "sign_out_session")]
pub async fn sign_out_session(id: i64) -> Result<(), ApiError> {
    let (core, token) = super::ssr::require_session().await?;
    let ip = super::ssr::client_ip().await;
    core.sign_out_own_session(&token, id, ip.as_deref()).await?;
    leptos_axum::redirect("/account?signed_out=1");
    Ok(())
}
