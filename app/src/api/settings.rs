//! The organization's settings: how long reset links stay valid.

use leptos::prelude::*;
use orgdesk_types::OrgSettings;

use crate::error::ApiError;

#[server(endpoint = "org_settings")]
pub async fn fetch_org_settings() -> Result<OrgSettings, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    Ok(core.org_settings(&actor).await?)
}

#[server(endpoint = "update_link_lifetimes")]
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

/// How long new invitations stay valid, in days.
#[server(endpoint = "update_invitation_lifetime")]
pub async fn update_invitation_lifetime(days: u32) -> Result<OrgSettings, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    let ip = super::ssr::client_ip().await;
    Ok(core
        .update_invitation_lifetime(
            &actor,
            days.saturating_mul(orgdesk_types::limits::MINUTES_PER_DAY),
            ip.as_deref(),
        )
        .await?)
}
