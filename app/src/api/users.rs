//! The Users Table and the profile sidebar's reads.

use leptos::prelude::*;
use orgdesk_types::{ActivityView, UserDetails, UserId, UserPage, UserQuery};

use crate::error::ApiError;

#[server(prefix = "/api", endpoint = "list_users", input = leptos::server_fn::codec::Json)]
pub async fn list_users(query: UserQuery) -> Result<UserPage, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    Ok(core.list_users(&actor, &query).await?)
}

#[server(prefix = "/api", endpoint = "user_details")]
pub async fn fetch_user_details(user: UserId) -> Result<UserDetails, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    Ok(core.user_details(&actor, user).await?)
}

#[server(prefix = "/api", endpoint = "user_activity")]
pub async fn user_activity(user: UserId) -> Result<Vec<ActivityView>, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    Ok(core.user_activity(&actor, user, 50).await?)
}
