//! The Users Table and the profile sidebar's reads.

use leptos::prelude::*;
use orgdesk_types::{UserDetails, UserId, UserPage, UserQuery};

use crate::error::ApiError;

#[server(endpoint = "list_users", input = leptos::server_fn::codec::Json)]
pub async fn fetch_users(query: UserQuery) -> Result<UserPage, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    Ok(core.list_users(&actor, &query).await?)
}

#[server(endpoint = "user_details")]
pub async fn fetch_user_details(user: UserId) -> Result<UserDetails, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    Ok(core.user_details(&actor, user).await?)
}
