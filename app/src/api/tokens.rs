//! API tokens for the automation API: Settings → API tokens (owners only; the core decides).

use leptos::prelude::*;
use orgdesk_types::{ApiTokenView, CreatedApiToken};

use crate::error::ApiError;

#[server(endpoint = "api_tokens")]
pub async fn fetch_api_tokens() -> Result<Vec<ApiTokenView>, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    Ok(core.list_api_tokens(&actor).await?)
}

/// The form's checkboxes are one field per scope (present when ticked), so it also posts
/// without JavaScript.
#[server(endpoint = "create_api_token")]
pub async fn create_api_token(
    name: String,
    days: u32,
    users_read: Option<String>,
    users_write: Option<String>,
    resets_write: Option<String>,
    activity_read: Option<String>,
) -> Result<CreatedApiToken, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    let ip = super::ssr::client_ip().await;
    use orgdesk_types::ApiScope;
    let scopes = [
        (users_read, ApiScope::UsersRead),
        (users_write, ApiScope::UsersWrite),
        (resets_write, ApiScope::ResetsWrite),
        (activity_read, ApiScope::ActivityRead),
    ]
    .into_iter()
    .filter_map(|(ticked, scope)| ticked.map(|_| scope))
    .collect();
    let new = orgdesk_types::NewApiToken {
        name,
        scopes,
        expires_in_days: days,
    };
    Ok(core.create_api_token(&actor, &new, ip.as_deref()).await?)
}

#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: i64) -> Result<ApiTokenView, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    let ip = super::ssr::client_ip().await;
    Ok(core.revoke_api_token(&actor, id, ip.as_deref()).await?)
}
