//! Event webhooks: what an owner subscribes an HTTPS endpoint to, and what Settings shows of
//! endpoints and their deliveries. The signing secret crosses the wire once, at creation.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum WebhookEvent {
    /// An admin (or the command line, or an API token) reset a password.
    ResetRequested,
    /// A user set a new password from an emailed link.
    ResetCompleted,
    /// A user cancelled an unexpected reset from the email.
    ResetCancelled,
    /// A reset link expired unused.
    ResetLinkExpired,
    /// An email was given up on.
    EmailFailed,
    UserSuspended,
    /// A user was added and sent an invitation.
    UserInvited,
}

impl WebhookEvent {
    pub const ALL: [WebhookEvent; 7] = [
        WebhookEvent::ResetRequested,
        WebhookEvent::ResetCompleted,
        WebhookEvent::ResetCancelled,
        WebhookEvent::ResetLinkExpired,
        WebhookEvent::EmailFailed,
        WebhookEvent::UserSuspended,
        WebhookEvent::UserInvited,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEvent::ResetRequested => "reset.requested",
            WebhookEvent::ResetCompleted => "reset.completed",
            WebhookEvent::ResetCancelled => "reset.cancelled",
            WebhookEvent::ResetLinkExpired => "reset.link_expired",
            WebhookEvent::EmailFailed => "email.failed",
            WebhookEvent::UserSuspended => "user.suspended",
            WebhookEvent::UserInvited => "user.invited",
        }
    }
    pub fn parse(s: &str) -> Option<WebhookEvent> {
        WebhookEvent::ALL.into_iter().find(|e| e.as_str() == s)
    }
    pub fn description(self) -> &'static str {
        match self {
            WebhookEvent::ResetRequested => {
                "A password was reset by an admin, the command line or an API token"
            }
            WebhookEvent::ResetCompleted => "A user set a new password from an emailed link",
            WebhookEvent::ResetCancelled => "A user cancelled an unexpected reset from the email",
            WebhookEvent::ResetLinkExpired => "A reset link expired unused",
            WebhookEvent::EmailFailed => "An email could not be delivered (given up on)",
            WebhookEvent::UserSuspended => "A user was suspended",
            WebhookEvent::UserInvited => "A user was added and invited",
        }
    }
    /// Events as stored: sorted, space-separated.
    pub fn join(events: &[WebhookEvent]) -> String {
        let mut sorted = events.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        sorted
            .iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
    pub fn split(stored: &str) -> Vec<WebhookEvent> {
        stored
            .split_whitespace()
            .filter_map(WebhookEvent::parse)
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookView {
    pub id: i64,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Removed: nothing more is sent to it.
    pub disabled_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// `https://…`; plain `http://` only to a loopback address.
    pub url: String,
    pub events: Vec<WebhookEvent>,
}

/// An endpoint just registered: `secret` signs its deliveries, shown once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedWebhook {
    pub webhook: WebhookView,
    pub secret: String,
}

impl std::fmt::Debug for CreatedWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedWebhook")
            .field("webhook", &self.webhook)
            .field("secret", &"[redacted]")
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliveryStatus {
    /// Waiting for its first attempt, or to be tried again.
    Pending,
    /// Being sent right now.
    Sending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Given up on (a day of failures, or the endpoint was removed).
    Failed,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 4] = [
        DeliveryStatus::Pending,
        DeliveryStatus::Sending,
        DeliveryStatus::Delivered,
        DeliveryStatus::Failed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        DeliveryStatus::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// One event sent (or to be sent) to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub id: i64,
    pub webhook_id: i64,
    pub event_id: String,
    pub event: Option<WebhookEvent>,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub last_status_code: Option<u16>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub next_attempt_at: Option<DateTime<Utc>>,
}
