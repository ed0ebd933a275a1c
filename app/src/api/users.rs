//! The Users Table and the profile sidebar's reads.

use leptos::prelude::*;
use orgdesk_types::{UserDetails, UserFilter, UserId, UserPage, UserQuery};

use crate::error::ApiError;

#[server(endpoint = "list_users", input = leptos::server_fn::codec::Json)]
pub async fn fetch_users(query: UserQuery) -> Result<UserPage, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    Ok(core.users_table_page(&actor, &query).await?)
}

/// How many users match `filter` over all pages: asked once per filter, not once per page.
#[server(endpoint = "count_users", input = leptos::server_fn::codec::Json)]
pub async fn count_users(filter: UserFilter) -> Result<u64, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    Ok(core.count_users(&actor, &filter).await?)
}

#[server(endpoint = "user_details")]
pub async fn fetch_user_details(user: UserId) -> Result<UserDetails, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    Ok(core.user_details(&actor, user).await?)
}
