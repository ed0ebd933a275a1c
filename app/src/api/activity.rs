//! The activity log: the organization's (the Activity page) and one user's (the profile
//! sidebar's Activity tab).

use leptos::prelude::*;
use orgdesk_types::{ActivityFilter, ActivityPage, ActivityView, UserId};

use crate::error::ApiError;

#[server(endpoint = "org_activity", input = leptos::server_fn::codec::Json)]
pub async fn fetch_org_activity(
    filter: ActivityFilter,
    page: u64,
) -> Result<ActivityPage, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    Ok(core
        .org_activity(
            &actor,
            &filter,
            page.max(1),
            orgdesk_types::limits::ACTIVITY_PER_PAGE,
        )
        .await?)
}

#[server(endpoint = "user_activity")]
pub async fn fetch_user_activity(user: UserId) -> Result<Vec<ActivityView>, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    Ok(core
        .user_activity(&actor, user, orgdesk_types::limits::ACTIVITY_PER_PAGE)
        .await?)
}
