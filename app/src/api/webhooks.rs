//! Event webhooks: Settings → Webhooks (owners only; the core decides).

use leptos::prelude::*;
use orgdesk_types::{CreatedWebhook, DeliveryView, WebhookView};

use crate::error::ApiError;

#[server(endpoint = "webhooks")]
pub async fn fetch_webhooks() -> Result<Vec<WebhookView>, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    Ok(core.list_webhooks(&actor).await?)
}

#[server(endpoint = "webhook_deliveries")]
pub async fn fetch_webhook_deliveries() -> Result<Vec<DeliveryView>, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    Ok(core.webhook_deliveries(&actor, None, 50).await?)
}

/// One checkbox field per event (present when ticked), so the form posts without JavaScript;
/// the field names are the events' names with `.` as `_`.
#[server(endpoint = "create_webhook")]
#[allow(clippy::too_many_arguments)]
pub async fn create_webhook(
    url: String,
    reset_requested: Option<String>,
    reset_completed: Option<String>,
    reset_cancelled: Option<String>,
    reset_link_expired: Option<String>,
    email_failed: Option<String>,
    user_suspended: Option<String>,
    user_invited: Option<String>,
) -> Result<CreatedWebhook, ApiError> {
    use orgdesk_types::WebhookEvent as E;
    let (core, actor) = super::ssr::require_admin().await?;
    let ip = super::ssr::client_ip().await;
    let events = [
        (reset_requested, E::ResetRequested),
        (reset_completed, E::ResetCompleted),
        (reset_cancelled, E::ResetCancelled),
        (reset_link_expired, E::ResetLinkExpired),
        (email_failed, E::EmailFailed),
        (user_suspended, E::UserSuspended),
        (user_invited, E::UserInvited),
    ]
    .into_iter()
    .filter_map(|(ticked, event)| ticked.map(|_| event))
    .collect();
    let new = orgdesk_types::NewWebhook { url, events };
    Ok(core.create_webhook(&actor, &new, ip.as_deref()).await?)
}

#[server(endpoint = "remove_webhook")]
pub async fn remove_webhook(id: i64) -> Result<WebhookView, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    let ip = super::ssr::client_ip().await;
    Ok(core.remove_webhook(&actor, id, ip.as_deref()).await?)
}
