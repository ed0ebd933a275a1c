//! Event webhooks: Settings → Webhooks (owners only; the core decides).

use leptos::prelude::*;
use orgdesk_types::{CreatedWebhook, DeliveryView, WebhookEvent, WebhookView};

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

/// One checkbox field per event (present when ticked, named by [`event_field`]), so the form
/// posts without JavaScript.
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
    let (core, actor) = super::ssr::require_admin().await?;
    let ip = super::ssr::client_ip().await;
    let input = CreateWebhook {
        url,
        reset_requested,
        reset_completed,
        reset_cancelled,
        reset_link_expired,
        email_failed,
        user_suspended,
        user_invited,
    };
    let new = orgdesk_types::NewWebhook {
        events: input.events(),
        url: input.url,
    };
    Ok(core.create_webhook(&actor, &new, ip.as_deref()).await?)
}

/// The name of the checkbox that ticks `event` in the form that adds an endpoint: the event's
/// name with `.` as `_`, which is also `create_webhook`'s parameter for it.
pub fn event_field(event: WebhookEvent) -> String {
    event.as_str().replace('.', "_")
}

impl CreateWebhook {
    /// The input of the submitted form: its URL, and each event's checkbox ([`event_field`])
    /// as `ticked` reads it.
    pub fn from_form(url: String, ticked: impl Fn(&str) -> Option<String>) -> Self {
        use WebhookEvent as E;
        let field = |event| ticked(&event_field(event));
        Self {
            url,
            reset_requested: field(E::ResetRequested),
            reset_completed: field(E::ResetCompleted),
            reset_cancelled: field(E::ResetCancelled),
            reset_link_expired: field(E::ResetLinkExpired),
            email_failed: field(E::EmailFailed),
            user_suspended: field(E::UserSuspended),
            user_invited: field(E::UserInvited),
        }
    }

    /// The events ticked.
    #[cfg(any(test, feature = "ssr"))]
    fn events(&self) -> Vec<WebhookEvent> {
        use WebhookEvent as E;
        [
            (&self.reset_requested, E::ResetRequested),
            (&self.reset_completed, E::ResetCompleted),
            (&self.reset_cancelled, E::ResetCancelled),
            (&self.reset_link_expired, E::ResetLinkExpired),
            (&self.email_failed, E::EmailFailed),
            (&self.user_suspended, E::UserSuspended),
            (&self.user_invited, E::UserInvited),
        ]
        .into_iter()
        .filter_map(|(ticked, event)| ticked.as_ref().map(|_| event))
        .collect()
    }
}

#[server(endpoint = "remove_webhook")]
pub async fn remove_webhook(id: i64) -> Result<WebhookView, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    let ip = super::ssr::client_ip().await;
    Ok(core.remove_webhook(&actor, id, ip.as_deref()).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each event's checkbox reaches the server as that event, whether the page reads the form
    /// (`from_form`) or the browser posts it without JavaScript (the server function reads the
    /// body with serde_qs).
    #[test]
    fn each_events_checkbox_names_that_event() {
        for event in WebhookEvent::ALL {
            let field = event_field(event);
            let read = CreateWebhook::from_form("https://x.test".into(), |name| {
                (name == field).then(|| "on".to_owned())
            });
            assert_eq!(read.events(), [event], "{field}");
            let posted: CreateWebhook =
                serde_qs::from_str(&format!("url=https%3A%2F%2Fx.test&{field}=on"))
                    .expect("a plain post's body");
            assert_eq!(posted.events(), [event], "{field}");
        }
        let none = CreateWebhook::from_form("https://x.test".into(), |_| None);
        assert!(none.events().is_empty());
    }
}
