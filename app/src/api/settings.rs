//! The organization's audit trail and settings.

use leptos::prelude::*;
use orgdesk_types::{ActivityFilter, ActivityPage, OrgSettings};

use crate::error::ApiError;

#[server(prefix = "/api", endpoint = "org_activity", input = leptos::server_fn::codec::Json)]
pub async fn org_activity(filter: ActivityFilter, page: u64) -> Result<ActivityPage, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    Ok(core.org_activity(&actor, &filter, page.max(1), 50).await?)
}

#[server(prefix = "/api", endpoint = "org_settings")]
pub async fn fetch_org_settings() -> Result<OrgSettings, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    Ok(core.org_settings(&actor).await?)
}

#[server(prefix = "/api", endpoint = "update_link_lifetimes")]
pub async fn update_link_lifetimes(
    admin_minutes: u32,
    forgot_minutes: u32,
) -> Result<OrgSettings, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    let ip = super::ssr::client_ip().await;
    Ok(core
        .update_link_lifetimes(&actor, admin_minutes, forgot_minutes, ip.as_deref())
        .await?)
}
