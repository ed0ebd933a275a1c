//! Event webhooks (the Okta Event Hooks / Auth0 log streams of Orgdesk): owners register an
//! HTTPS endpoint and the events it wants; every event is POSTed to it as JSON, signed.
//!
//! Events are the activity the change recorded: [`enqueue_for`] runs inside
//! `activity::record`, in the change's own transaction, and writes one delivery row per
//! subscribed endpoint (a transactional outbox), so an event goes out only if its change
//! committed, and at least once. A delivery worker (`orgdesk-mail`'s `WebhookWorker`, in every
//! instance) claims due rows with a lease (`SKIP LOCKED` on PostgreSQL), sends them, and
//! reports back; failures are retried with backoff for a day. Delivery never blocks a change:
//! the change only writes rows.
//!
//! Each request carries `Orgdesk-Event-Id` (the same for every endpoint and every retry, for
//! de-duplication), `Orgdesk-Event-Type`, and `Orgdesk-Signature: t=<unix seconds>,v1=<hex>`,
//! the HMAC-SHA256 of `"<t>.<body>"` under the endpoint's secret, so receivers can check it
//! and refuse old timestamps (replays). See docs/api.md.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use orgdesk_types::{
    ActivityKind, CreatedWebhook, DeliveryStatus, DeliveryView, NewWebhook, OrgId, WebhookEvent,
    WebhookView,
};
use sea_orm::{ConnectionTrait, DbBackend, DbErr};
use sha2::Sha256;

use crate::activity::{self, clean_ip, NewActivity};
use crate::db::{self, rows_per_insert, Sql};
use crate::people::Initiator;
use crate::{tokens, Core, CoreError, CoreResult, FailedAttempt};

/// What every signing secret starts with.
pub const SECRET_PREFIX: &str = "whsec_";
/// Endpoints an organization may register.
pub const MAX_WEBHOOKS_PER_ORG: i64 = 10;
const MAX_URL_LEN: usize = 2048;

/// A delivery claimed by a worker: where, what, and the secret to sign it with.
#[derive(Clone)]
pub struct OutboundWebhook {
    pub id: i64,
    pub url: String,
    pub secret: String,
    pub event_id: String,
    pub event_type: String,
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: u32,
}

impl std::fmt::Debug for OutboundWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboundWebhook")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("secret", &crate::Redacted)
            .field("event_id", &self.event_id)
            .field("event_type", &self.event_type)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// The `Orgdesk-Signature` header's value for `body` sent at `timestamp` (Unix seconds).
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    // HMAC takes keys of any length; this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// Checks a signature header as a receiver would: the HMAC matches (compared in constant
/// time) and the timestamp is within `tolerance` of `now`.
pub fn verify(secret: &str, header: &str, body: &str, now: i64, tolerance: i64) -> bool {
    let mut timestamp = None;
    let mut given = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => given = hex::decode(v).ok(),
            _ => {}
        }
    }
    let (Some(timestamp), Some(given)) = (timestamp, given) else {
        return false;
    };
    if (now - timestamp).abs() > tolerance {
        return false;
    }
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    mac.verify_slice(&given).is_ok()
}

/// `https://…`, or `http://` to a loopback host (a receiver on the same machine, tests).
fn check_url(url: &str) -> CoreResult<String> {
    let url = url.trim();
    let bad = |why: &str| CoreError::InvalidInput(format!("The endpoint URL {why}."));
    if url.len() > MAX_URL_LEN {
        return Err(bad(&format!(
            "is too long (at most {MAX_URL_LEN} characters)"
        )));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("has spaces or control characters"));
    }
    let (https, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(bad("must start with https://"));
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err(bad("needs a host (and no user name or password)"));
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    if !https && !crate::net::is_loopback_host(host) {
        return Err(bad(
            "must use https:// (plain http:// only to this machine)",
        ));
    }
    Ok(url.to_owned())
}

/// Writes the deliveries for `events` (just recorded as activity, in `db`'s transaction): one
/// per event and live endpoint of its organization subscribed to its type.
pub(crate) async fn enqueue_for(
    db: &impl ConnectionTrait,
    events: &[NewActivity],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let announced: Vec<(&NewActivity, WebhookEvent)> = events
        .iter()
        .filter_map(|e| e.kind.webhook_event().map(|w| (e, w)))
        .collect();
    if announced.is_empty() {
        return Ok(());
    }
    let mut subscribers: HashMap<OrgId, Vec<(i64, Vec<WebhookEvent>)>> = HashMap::new();
    let mut rows = Vec::new();
    for (event, kind) in announced {
        let hooks = match subscribers.entry(event.org_id) {
            Entry::Occupied(found) => found.into_mut(),
            Entry::Vacant(slot) => {
                let mut sql = Sql::new(
                    "SELECT id, event_types FROM webhooks WHERE disabled_at IS NULL AND org_id = ",
                );
                sql.bind(event.org_id);
                let mut hooks = Vec::new();
                for row in sql.query_all(db).await? {
                    let types: String = row.try_get("", "event_types")?;
                    hooks.push((row.try_get::<i64>("", "id")?, WebhookEvent::split(&types)));
                }
                slot.insert(hooks)
            }
        };
        let wanted: Vec<i64> = hooks
            .iter()
            .filter(|(_, types)| types.contains(&kind))
            .map(|(id, _)| *id)
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let event_id = format!(
            "evt_{}",
            tokens::new_token()
                .map_err(|e| DbErr::Custom(e.to_string()))?
                .hash
                .get(..32)
                .unwrap_or_default()
        );
        let payload = serde_json::json!({
            "id": event_id,
            "type": kind.as_str(),
            "created_at": now,
            "organization_id": event.org_id,
            "data": {
                "user_id": event.subject_id,
                "actor_user_id": event.actor_id,
                "actor": event.actor_label,
                "activity": event.kind.as_str(),
                "details": event.details,
            },
        })
        .to_string();
        for webhook_id in wanted {
            rows.push((
                webhook_id,
                event.org_id,
                event_id.clone(),
                kind,
                payload.clone(),
            ));
        }
    }
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut sql = Sql::new(
            "INSERT INTO webhook_deliveries (webhook_id, org_id, event_id, event_type, payload, \
             status, attempts, next_attempt_at, created_at) VALUES ",
        );
        for (i, (webhook_id, org_id, event_id, kind, payload)) in
            rows.by_ref().take(rows_per_insert(db, 9)).enumerate()
        {
            if i > 0 {
                sql.push(", ");
            }
            sql.push("(")
                .bind(webhook_id)
                .push(", ")
                .bind(org_id)
                .push(", ")
                .bind(event_id)
                .push(", ")
                .bind(kind.as_str())
                .push(", ")
                .bind(payload)
                .push(", ")
                .bind(DeliveryStatus::Pending.as_str())
                .push(", 0, ")
                .bind(now)
                .push(", ")
                .bind(now)
                .push(")");
        }
        sql.execute(db).await?;
    }
    Ok(())
}

/// Seconds to wait after `attempts` failed attempts: 10 s, 30 s, 1 min, 5 min, 15 min, then
/// hourly.
fn backoff(attempts: u32) -> chrono::Duration {
    let secs = match attempts {
        0 | 1 => 10,
        2 => 30,
        3 => 60,
        4 => 300,
        5 => 900,
        _ => 3600,
    };
    chrono::Duration::seconds(secs)
}

fn view(row: &sea_orm::QueryResult) -> Result<WebhookView, DbErr> {
    let events: String = row.try_get("", "event_types")?;
    Ok(WebhookView {
        id: row.try_get("", "id")?,
        url: row.try_get("", "url")?,
        events: WebhookEvent::split(&events),
        created_by: row
            .try_get::<Option<String>>("", "created_by")?
            .unwrap_or_else(|| "Orgdesk".into()),
        created_at: row.try_get("", "created_at")?,
        disabled_at: row.try_get("", "disabled_at")?,
    })
}

const SELECT_WEBHOOK: &str =
    "SELECT id, url, event_types, created_by, created_at, disabled_at FROM webhooks ";

impl Core {
    pub(crate) async fn create_webhook_impl(
        &self,
        initiator: &Initiator,
        new: &NewWebhook,
        ip: Option<&str>,
    ) -> CoreResult<CreatedWebhook> {
        let url = check_url(&new.url)?;
        if new.events.is_empty() {
            return Err(CoreError::InvalidInput(
                "Choose at least one event to send.".into(),
            ));
        }
        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        let by = self.check_owner_setting(&tx, initiator).await?;
        let mut count =
            Sql::new("SELECT COUNT(*) AS n FROM webhooks WHERE disabled_at IS NULL AND org_id = ");
        count.bind(by.org.id);
        let live: i64 = match count.query_one(&tx).await? {
            Some(row) => row.try_get("", "n")?,
            None => 0,
        };
        if live >= MAX_WEBHOOKS_PER_ORG {
            return Err(CoreError::Conflict(format!(
                "{} already has {MAX_WEBHOOKS_PER_ORG} webhook endpoints; remove one first.",
                by.org.name
            )));
        }
        let secret = format!("{SECRET_PREFIX}{}", tokens::new_token()?.plain);
        let events = WebhookEvent::join(&new.events);
        let mut insert = Sql::new(
            "INSERT INTO webhooks (org_id, url, secret, event_types, created_by, created_at) VALUES (",
        );
        insert
            .bind(by.org.id)
            .push(", ")
            .bind(url.clone())
            .push(", ")
            .bind(secret.clone())
            .push(", ")
            .bind(events.clone())
            .push(", ")
            .bind(by.name())
            .push(", ")
            .bind(now)
            .push(") RETURNING id");
        let id: i64 = insert
            .query_one(&tx)
            .await?
            .ok_or_else(|| CoreError::Internal("the new webhook has no id".into()))?
            .try_get("", "id")?;
        activity::record_one(
            &tx,
            by.org_event(
                ActivityKind::SettingsChanged,
                format!("{} added the webhook endpoint {url} ({events})", by.name()),
                clean_ip(ip),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        let webhook = self
            .webhook_views(by.org.id, Some(id))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| CoreError::Internal("the new webhook vanished".into()))?;
        Ok(CreatedWebhook { webhook, secret })
    }

    pub(crate) async fn list_webhooks_impl(
        &self,
        initiator: &Initiator,
    ) -> CoreResult<Vec<WebhookView>> {
        let by = self.check_owner_setting(self.db(), initiator).await?;
        self.webhook_views(by.org.id, None).await
    }

    async fn webhook_views(
        &self,
        org_id: OrgId,
        only: Option<i64>,
    ) -> CoreResult<Vec<WebhookView>> {
        let mut sql = Sql::new(SELECT_WEBHOOK);
        sql.push("WHERE org_id = ").bind(org_id);
        if let Some(id) = only {
            sql.push(" AND id = ").bind(id);
        }
        sql.push(" ORDER BY id DESC");
        let mut out = Vec::new();
        for row in sql.query_all(self.db()).await? {
            out.push(view(&row)?);
        }
        Ok(out)
    }

    /// Removes an endpoint: nothing more is sent to it; what waited for it fails.
    pub(crate) async fn remove_webhook_impl(
        &self,
        initiator: &Initiator,
        id: i64,
        ip: Option<&str>,
    ) -> CoreResult<WebhookView> {
        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        let by = self.check_owner_setting(&tx, initiator).await?;
        let mut find = Sql::new(SELECT_WEBHOOK);
        find.push("WHERE org_id = ")
            .bind(by.org.id)
            .push(" AND id = ")
            .bind(id);
        let found = find.query_one(&tx).await?.ok_or_else(|| {
            CoreError::NotFound("No such webhook endpoint in this organization.".into())
        })?;
        let webhook = view(&found)?;
        if webhook.disabled_at.is_none() {
            let mut disable = Sql::new("UPDATE webhooks SET disabled_at = ");
            disable.bind(now).push(" WHERE id = ").bind(id);
            disable.execute(&tx).await?;
            let mut fail = Sql::new("UPDATE webhook_deliveries SET status = ");
            fail.bind(DeliveryStatus::Failed.as_str())
                .push(", last_error = 'The endpoint was removed.', locked_by = NULL, locked_until = NULL WHERE webhook_id = ")
                .bind(id)
                .push(" AND status IN ('pending', 'sending')");
            fail.execute(&tx).await?;
            activity::record_one(
                &tx,
                by.org_event(
                    ActivityKind::SettingsChanged,
                    format!("{} removed the webhook endpoint {}", by.name(), webhook.url),
                    clean_ip(ip),
                ),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.webhook_views(by.org.id, Some(id))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| CoreError::Internal("the webhook vanished".into()))
    }

    /// The organization's newest deliveries (of one endpoint, or all), newest first.
    pub(crate) async fn webhook_deliveries_impl(
        &self,
        initiator: &Initiator,
        webhook: Option<i64>,
        limit: u64,
    ) -> CoreResult<Vec<DeliveryView>> {
        let by = self.check_owner_setting(self.db(), initiator).await?;
        let mut sql = Sql::new(
            "SELECT id, webhook_id, event_id, event_type, status, attempts, last_status_code, \
             last_error, created_at, delivered_at, next_attempt_at FROM webhook_deliveries WHERE org_id = ",
        );
        sql.bind(by.org.id);
        if let Some(webhook) = webhook {
            sql.push(" AND webhook_id = ").bind(webhook);
        }
        sql.push(" ORDER BY id DESC LIMIT ")
            .bind(limit.clamp(1, 200) as i64);
        let mut out = Vec::new();
        for row in sql.query_all(self.db()).await? {
            let status: String = row.try_get("", "status")?;
            let status = DeliveryStatus::parse(&status).unwrap_or(DeliveryStatus::Failed);
            let event_type: String = row.try_get("", "event_type")?;
            out.push(DeliveryView {
                id: row.try_get("", "id")?,
                webhook_id: row.try_get("", "webhook_id")?,
                event_id: row.try_get("", "event_id")?,
                event: WebhookEvent::parse(&event_type),
                status,
                attempts: row.try_get::<i32>("", "attempts")?.max(0) as u32,
                last_status_code: row
                    .try_get::<Option<i32>>("", "last_status_code")?
                    .and_then(|c| u16::try_from(c).ok()),
                last_error: row.try_get("", "last_error")?,
                created_at: row.try_get("", "created_at")?,
                delivered_at: row.try_get("", "delivered_at")?,
                next_attempt_at: (status == DeliveryStatus::Pending)
                    .then(|| row.try_get("", "next_attempt_at"))
                    .transpose()?,
            });
        }
        Ok(out)
    }

    // --- the delivery worker's side -----------------------------------------------------------

    pub(crate) async fn claim_webhooks_impl(
        &self,
        worker: &str,
        limit: u64,
        lease: Duration,
    ) -> CoreResult<Vec<OutboundWebhook>> {
        let now = self.now();
        let lease = chrono::Duration::from_std(lease)
            .map_err(|_| CoreError::InvalidInput("The lease is too long.".into()))?;
        let worker: String = worker.chars().take(100).collect();
        // Most of the time nothing is due (most organizations have no endpoint): a read says
        // so without taking SQLite's write lock every poll.
        let mut due = Sql::new(
            "SELECT id FROM webhook_deliveries WHERE (status = 'pending' AND next_attempt_at <= ",
        );
        due.bind(now)
            .push(") OR (status = 'sending' AND locked_until <= ")
            .bind(now)
            .push(") LIMIT 1");
        if due.query_one(self.db()).await?.is_none() {
            return Ok(Vec::new());
        }
        let tx = db::begin_write(self.db()).await?;
        let mut sql = Sql::new("UPDATE webhook_deliveries SET status = 'sending', locked_by = ");
        sql.bind(worker).push(", locked_until = ").bind(now + lease);
        sql.push(
            " WHERE id IN (SELECT id FROM webhook_deliveries \
             WHERE (status = 'pending' AND next_attempt_at <= ",
        )
        .bind(now)
        .push(") OR (status = 'sending' AND locked_until <= ")
        .bind(now)
        .push(") ORDER BY next_attempt_at, id LIMIT ")
        .bind(limit.clamp(1, 1000) as i64);
        if tx.get_database_backend() == DbBackend::Postgres {
            sql.push(" FOR UPDATE SKIP LOCKED");
        }
        sql.push(") RETURNING id, webhook_id, event_id, event_type, payload, attempts");
        let rows = sql.query_all(&tx).await?;
        let mut claimed = Vec::with_capacity(rows.len());
        let mut endpoints: HashMap<i64, Option<(String, String)>> = HashMap::new();
        for row in rows {
            let webhook_id: i64 = row.try_get("", "webhook_id")?;
            let endpoint = match endpoints.entry(webhook_id) {
                Entry::Occupied(found) => found.get().clone(),
                Entry::Vacant(slot) => {
                    let mut find = Sql::new("SELECT url, secret FROM webhooks WHERE id = ");
                    find.bind(webhook_id);
                    let hook = match find.query_one(&tx).await? {
                        Some(hook) => Some((
                            hook.try_get::<String>("", "url")?,
                            hook.try_get::<String>("", "secret")?,
                        )),
                        None => None,
                    };
                    slot.insert(hook).clone()
                }
            };
            let Some((url, secret)) = endpoint else {
                continue;
            };
            claimed.push(OutboundWebhook {
                id: row.try_get("", "id")?,
                url,
                secret,
                event_id: row.try_get("", "event_id")?,
                event_type: row.try_get("", "event_type")?,
                payload: row.try_get("", "payload")?,
                attempts: row.try_get::<i32>("", "attempts")?.max(0) as u32,
            });
        }
        tx.commit().await?;
        claimed.sort_by_key(|d| d.id);
        Ok(claimed)
    }

    /// Marks deliveries the endpoints took (2xx) as delivered, in one statement.
    pub(crate) async fn webhooks_delivered_impl(&self, done: &[(i64, u16)]) -> CoreResult<()> {
        if done.is_empty() {
            return Ok(());
        }
        let now = self.now();
        for chunk in done.chunks(500) {
            let mut sql =
                Sql::new("UPDATE webhook_deliveries SET status = 'delivered', delivered_at = ");
            sql.bind(now)
                .push(", attempts = attempts + 1, locked_by = NULL, locked_until = NULL, last_error = NULL, last_status_code = ")
                .bind(i32::from(chunk[0].1))
                .push(" WHERE status = 'sending' AND id IN (")
                .bind_list(chunk.iter().map(|(id, _)| *id))
                .push(")");
            sql.execute(self.db()).await?;
        }
        Ok(())
    }

    pub(crate) async fn webhook_attempt_failed_impl(
        &self,
        id: i64,
        status_code: Option<u16>,
        reason: &str,
    ) -> CoreResult<FailedAttempt> {
        let now = self.now();
        let reason: String = reason.chars().take(500).collect();
        let tx = db::begin_write(self.db()).await?;
        let mut find =
            Sql::new("SELECT status, attempts, created_at FROM webhook_deliveries WHERE id = ");
        find.bind(id);
        let row = find
            .query_one(&tx)
            .await?
            .ok_or_else(|| CoreError::NotFound("No such webhook delivery.".into()))?;
        let status: String = row.try_get("", "status")?;
        if status != DeliveryStatus::Sending.as_str() {
            return Ok(FailedAttempt::AlreadySettled);
        }
        let attempts = row.try_get::<i32>("", "attempts")?.max(0) as u32 + 1;
        let created_at: DateTime<Utc> = row.try_get("", "created_at")?;
        let give_up_after = chrono::Duration::from_std(self.config().outbox_give_up_after)
            .unwrap_or(chrono::Duration::days(1));
        let next = now + backoff(attempts);
        let outcome = if next - created_at > give_up_after {
            FailedAttempt::GaveUp
        } else {
            FailedAttempt::WillRetry { at: next }
        };
        let mut sql = Sql::new("UPDATE webhook_deliveries SET attempts = ");
        sql.bind(attempts as i32)
            .push(", locked_by = NULL, locked_until = NULL, last_error = ")
            .bind(reason)
            .push(", last_status_code = ")
            .bind(status_code.map(i32::from))
            .push(", status = ");
        match outcome {
            FailedAttempt::WillRetry { at } => {
                sql.bind(DeliveryStatus::Pending.as_str())
                    .push(", next_attempt_at = ")
                    .bind(at);
            }
            _ => {
                sql.bind(DeliveryStatus::Failed.as_str());
            }
        }
        sql.push(" WHERE id = ").bind(id);
        sql.execute(&tx).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Announces reset links that expired unused since the last call (`reset.link_expired`,
    /// recorded as activity); returns how many. Safe from every instance at once.
    pub(crate) async fn announce_expired_links_impl(&self) -> CoreResult<u64> {
        let now = self.now();
        // A read first (served by the partial index of unannounced links): usually none.
        let mut any = Sql::new(
            "SELECT id FROM reset_links WHERE expired_event_at IS NULL AND used_at IS NULL \
             AND revoked_at IS NULL AND expires_at <= ",
        );
        any.bind(now).push(" LIMIT 1");
        if any.query_one(self.db()).await?.is_none() {
            return Ok(0);
        }
        let tx = db::begin_write(self.db()).await?;
        let mut sql = Sql::new(
            "SELECT l.id, l.org_id, l.user_id, l.purpose, u.email FROM reset_links l \
             JOIN users u ON u.id = l.user_id \
             WHERE l.expired_event_at IS NULL AND l.used_at IS NULL AND l.revoked_at IS NULL \
             AND l.purpose IN ('admin_reset', 'forgot_password') AND l.expires_at <= ",
        );
        sql.bind(now).push(" ORDER BY l.id LIMIT 1000");
        if tx.get_database_backend() == DbBackend::Postgres {
            sql.push(" FOR UPDATE OF l SKIP LOCKED");
        }
        let rows = sql.query_all(&tx).await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let mut ids = Vec::with_capacity(rows.len());
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            ids.push(row.try_get::<i64>("", "id")?);
            let purpose: String = row.try_get("", "purpose")?;
            let email: String = row.try_get("", "email")?;
            events.push(NewActivity {
                org_id: row.try_get("", "org_id")?,
                actor_id: None,
                actor_label: None,
                subject_id: Some(row.try_get("", "user_id")?),
                kind: ActivityKind::ResetLinkExpired,
                details: format!(
                    "The {} link emailed to {email} expired unused",
                    if purpose == "forgot_password" {
                        "forgot-password"
                    } else {
                        "reset"
                    }
                ),
                ip: None,
            });
        }
        for chunk in ids.chunks(500) {
            let mut mark = Sql::new("UPDATE reset_links SET expired_event_at = ");
            mark.bind(now)
                .push(" WHERE id IN (")
                .bind_list(chunk.iter().copied())
                .push(")");
            mark.execute(&tx).await?;
        }
        let n = events.len() as u64;
        activity::record(&tx, events, now).await?;
        tx.commit().await?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_check_and_refuse_tampering_and_old_timestamps() {
        let header = signature("whsec_test", 1_700_000_000, "{\"a\":1}");
        assert!(header.starts_with("t=1700000000,v1="));
        assert!(verify(
            "whsec_test",
            &header,
            "{\"a\":1}",
            1_700_000_100,
            300
        ));
        assert!(!verify(
            "whsec_test",
            &header,
            "{\"a\":2}",
            1_700_000_100,
            300
        ));
        assert!(!verify(
            "whsec_other",
            &header,
            "{\"a\":1}",
            1_700_000_100,
            300
        ));
        assert!(!verify(
            "whsec_test",
            &header,
            "{\"a\":1}",
            1_700_001_000,
            300
        ));
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn endpoints_are_https_or_loopback() {
        assert!(check_url("https://hooks.example.com/orgdesk").is_ok());
        assert!(check_url("http://127.0.0.1:9000/hook").is_ok());
        assert!(check_url("http://localhost/hook").is_ok());
        assert!(check_url("http://[::1]:8080/").is_ok());
        assert!(check_url("http://hooks.example.com/").is_err());
        assert!(check_url("ftp://x").is_err());
        assert!(check_url("https://user:pw@x.example/").is_err());
        assert!(check_url("https:///nohost").is_err());
    }
}
