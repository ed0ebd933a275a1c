//! Sign-in, sign-out and who is signed in.

use leptos::prelude::*;
use orgdesk_types::Actor;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignInResult {
    SignedIn {
        console: bool,
    },
    /// An admin reset this account's password: the user is told a link was emailed.
    ResetRequired {
        email: String,
    },
}

/// Signs in with email and password. On success the session cookie is set and the browser
/// is sent on (a redirect for a plain form post, a client-side navigation once hydrated): an
/// admin to `next` if it is a console page (where their ended session left them), else to the
/// Users table.
#[server(endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    #[server(default)] next: Option<String>,
) -> Result<SignInResult, ApiError> {
    use orgdesk_core::{FromBrowser, SignInOutcome};

    let core = super::ssr::core()?;
    let ip = super::ssr::client_ip().await;
    if email.len() > orgdesk_types::limits::MAX_EMAIL_LEN
        || password.len() > orgdesk_types::limits::MAX_PASSWORD_BYTES
    {
        return Err(super::ssr::refuse(ApiError::InvalidCredentials));
    }
    // A session this browser already had ends with the new one: switching accounts leaves
    // nothing signed in that the browser no longer shows.
    let previous = super::ssr::session_token().await;
    // A browser that signed in as this email before doesn't wait out the account's delay
    // after others' failures (decision 63).
    let device = super::ssr::device_token().await;
    // Kept with the session: the account page names each place someone is signed in.
    let user_agent = super::ssr::user_agent().await;
    let from = FromBrowser {
        ip: ip.as_deref(),
        session: previous.as_deref(),
        device: device.as_deref(),
        user_agent: user_agent.as_deref(),
    };
    match core.sign_in_from_browser(&email, &password, from).await? {
        SignInOutcome::SignedIn {
            session,
            actor,
            device,
        } => {
            let now = core.clock().now();
            let max_age = (session.expires_at - now).num_seconds().max(0);
            super::ssr::set_session_cookie(&session.token, max_age);
            let remembered = (device.expires_at - now).num_seconds().max(0);
            super::ssr::set_device_cookie(&device.token, remembered);
            super::ssr::set_reset_prompt_cookie(None);
            let console = actor.role.is_admin();
            let to = if console {
                next.as_deref()
                    .and_then(crate::routes::console_return_path)
                    .unwrap_or("/users")
            } else {
                "/account"
            };
            leptos_axum::redirect(to);
            Ok(SignInResult::SignedIn { console })
        }
        SignInOutcome::ResetRequired { email } => {
            // A page of its own, so it also shows after a plain form post; the address it names
            // comes from this cookie, not from the URL (`crate::reset_prompt`).
            super::ssr::set_reset_prompt_cookie(Some(&email));
            leptos_axum::redirect(crate::reset_prompt::PROMPT_PAGE);
            Ok(SignInResult::ResetRequired { email })
        }
    }
}

#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), ApiError> {
    let core = super::ssr::core()?;
    if let Some(token) = super::ssr::session_token().await {
        let ip = super::ssr::client_ip().await;
        core.sign_out(&token, ip.as_deref()).await?;
    }
    super::ssr::clear_session_cookie();
    leptos_axum::redirect("/sign-in?signed_out=1");
    Ok(())
}

/// Who is signed in (None for visitors).
#[server(endpoint = "whoami")]
pub async fn fetch_actor() -> Result<Option<Actor>, ApiError> {
    super::ssr::current_actor().await
}
