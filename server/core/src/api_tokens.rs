//! API tokens for the automation API: created, listed and revoked by owners (Settings or the
//! command line); presented as `Authorization: Bearer odk_…`. Only the secret's SHA-256 is
//! stored. A token acts as an [`Initiator`] held to its scopes (checked by the API's routes)
//! and to its creator's current role (checked here, in every call's transaction): demote or
//! suspend the owner who made it and the token loses what they lost.
//!
//! Also here: the answers kept for `Idempotency-Key` replays, and the per-token rate limit.

use chrono::{DateTime, Duration, Utc};
use orgdesk_types::limits::{
    API_TOKEN_LIFETIME_DAYS, MAX_API_TOKENS_PER_ORG, MAX_API_TOKEN_NAME_CHARS,
};
use orgdesk_types::{
    ActivityKind, ApiScope, ApiTokenView, CreatedApiToken, NewApiToken, OrgId, Role, UserStatus,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use sha2::{Digest, Sha256};

use crate::activity::{self, clean_ip};
use crate::db::{self, Sql};
use crate::entities::{api_token, user};
use crate::people::{Checked, Initiator};
use crate::rate_limit::{self, Window};
use crate::{tokens, Core, CoreError, CoreResult};

/// What every secret starts with, so a leaked one is recognisable (secret scanners, logs).
pub const SECRET_PREFIX: &str = "odk_";

/// How long an `Idempotency-Key`'s first answer is kept.
pub const IDEMPOTENCY_WINDOW: Duration = Duration::hours(24);

/// A caller of the automation API, as its bearer token authenticated it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiCaller {
    pub token_id: i64,
    pub org_id: OrgId,
    pub name: String,
    pub scopes: Vec<ApiScope>,
}

impl ApiCaller {
    pub fn may(&self, scope: ApiScope) -> bool {
        self.scopes.contains(&scope)
    }
    /// How the activity log names it.
    pub fn label(&self) -> String {
        format!("API token {}", self.name)
    }
}

/// What became of an `Idempotency-Key` on arrival.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Idempotency {
    /// New: go ahead, then `idempotency_finish` with the answer.
    Proceed,
    /// Seen with the same request: this was the first answer (and its `Location`).
    Replay {
        status: u16,
        body: String,
        location: Option<String>,
    },
    /// Seen with a different request.
    Mismatch,
    /// The first request with this key is still being answered.
    InProgress,
}

fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn well_formed(secret: &str) -> bool {
    secret
        .strip_prefix(SECRET_PREFIX)
        .is_some_and(tokens::is_well_formed)
}

impl Core {
    /// The initiator of an API call, checked inside the call's transaction: the token is still
    /// live, and its creator (if a user) still an owner or admin who is not suspended.
    pub(crate) async fn check_api_caller(
        &self,
        tx: &impl ConnectionTrait,
        caller: &ApiCaller,
    ) -> CoreResult<Checked> {
        let now = self.now();
        let token = api_token::Entity::find_by_id(caller.token_id)
            .filter(api_token::Column::OrgId.eq(caller.org_id))
            .one(tx)
            .await?
            .filter(|t| t.revoked_at.is_none() && now < t.expires_at)
            .ok_or(CoreError::Unauthenticated)?;
        let org = self.organization(tx, token.org_id).await?;
        let (owner, on_behalf_of) = match token.created_by {
            None => (true, None),
            Some(creator) => {
                let creator = user::Entity::find_by_id(creator)
                    .filter(user::Column::OrgId.eq(token.org_id))
                    .one(tx)
                    .await?
                    .ok_or(CoreError::Forbidden)?;
                let role = creator.role().ok_or(CoreError::Forbidden)?;
                if !role.is_admin() || creator.status() == Some(UserStatus::Suspended) {
                    return Err(CoreError::Forbidden);
                }
                (role == Role::Owner, Some(creator.id))
            }
        };
        Ok(Checked {
            org,
            admin: None,
            owner,
            label: Some(caller.label()),
            on_behalf_of,
        })
    }

    pub(crate) async fn authenticate_api_token_impl(
        &self,
        secret: &str,
        ip: Option<&str>,
    ) -> CoreResult<ApiCaller> {
        if !well_formed(secret) {
            return Err(CoreError::Unauthenticated);
        }
        let now = self.now();
        let token = api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(secret_hash(secret)))
            .one(self.db())
            .await?
            .filter(|t| t.revoked_at.is_none() && now < t.expires_at)
            .ok_or(CoreError::Unauthenticated)?;
        // Last use, for Settings: written at most once a minute per token and address, so a
        // busy script does not turn every read into a write.
        let ip = clean_ip(ip);
        let stale = token
            .last_used_at
            .is_none_or(|at| now - at >= Duration::minutes(1));
        if stale || token.last_used_ip != ip {
            let mut sql = Sql::new("UPDATE api_tokens SET last_used_at = ");
            sql.bind(now).push(", last_used_ip = ").bind(ip);
            sql.push(" WHERE id = ").bind(token.id);
            sql.execute(self.db()).await?;
        }
        Ok(ApiCaller {
            token_id: token.id,
            org_id: token.org_id,
            scopes: ApiScope::split(&token.scopes),
            name: token.name,
        })
    }

    /// Counts one call against the token's limit, shared by every instance, from a block of
    /// calls this process reserved when it holds one (`rate_limit::Leases`).
    pub(crate) async fn api_rate_limit_impl(&self, caller: &ApiCaller) -> CoreResult<Window> {
        rate_limit::hit_leased(
            self.db(),
            &self.api_leases,
            &rate_limit::key("api", "token", &caller.token_id.to_string()),
            self.config().api_limit,
            self.now(),
        )
        .await
    }

    pub(crate) async fn create_api_token_impl(
        &self,
        initiator: &Initiator,
        new: &NewApiToken,
        ip: Option<&str>,
    ) -> CoreResult<CreatedApiToken> {
        let name = new.name.trim();
        if name.is_empty() {
            return Err(CoreError::InvalidInput("Give the token a name.".into()));
        }
        if name.chars().count() > MAX_API_TOKEN_NAME_CHARS {
            return Err(CoreError::InvalidInput(format!(
                "The name is too long (at most {MAX_API_TOKEN_NAME_CHARS} characters)."
            )));
        }
        if new.scopes.is_empty() {
            return Err(CoreError::InvalidInput(
                "Choose at least one scope for the token.".into(),
            ));
        }
        if !API_TOKEN_LIFETIME_DAYS.contains(&new.expires_in_days) {
            return Err(CoreError::InvalidInput(format!(
                "A token lives from {} to {} days.",
                API_TOKEN_LIFETIME_DAYS.start(),
                API_TOKEN_LIFETIME_DAYS.end()
            )));
        }
        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        let by = self.check_owner_setting(&tx, initiator).await?;
        let live = api_token::Entity::find()
            .filter(api_token::Column::OrgId.eq(by.org.id))
            .filter(api_token::Column::RevokedAt.is_null())
            .filter(api_token::Column::ExpiresAt.gt(now))
            .count(&tx)
            .await?;
        let same_name = api_token::Entity::find()
            .filter(api_token::Column::OrgId.eq(by.org.id))
            .filter(api_token::Column::Name.eq(name))
            .filter(api_token::Column::RevokedAt.is_null())
            .filter(api_token::Column::ExpiresAt.gt(now))
            .count(&tx)
            .await?;
        if same_name > 0 {
            // The activity log names tokens by name: two live ones must not share it.
            return Err(CoreError::Conflict(format!(
                "A live API token is already named \"{name}\"; choose another name or revoke it first."
            )));
        }
        if live >= MAX_API_TOKENS_PER_ORG {
            return Err(CoreError::InvalidInput(format!(
                "{} already has {MAX_API_TOKENS_PER_ORG} live API tokens; revoke one first.",
                by.org.name
            )));
        }
        let secret = tokens::new_token()?;
        let secret = format!("{SECRET_PREFIX}{}", secret.plain);
        let scopes = ApiScope::join(&new.scopes);
        let expires_at = now + Duration::days(i64::from(new.expires_in_days));
        let inserted = api_token::Entity::insert(api_token::ActiveModel {
            org_id: Set(by.org.id),
            name: Set(name.to_owned()),
            token_hash: Set(secret_hash(&secret)),
            scopes: Set(scopes.clone()),
            created_by: Set(by.actor_id()),
            created_by_label: Set(by.label.clone()),
            created_at: Set(now),
            expires_at: Set(expires_at),
            ..Default::default()
        })
        .exec(&tx)
        .await?;
        activity::record_one(
            &tx,
            by.org_event(
                ActivityKind::ApiTokenCreated,
                format!(
                    "{} created the API token \"{name}\" ({scopes}), expiring {}",
                    by.name(),
                    expires_at.format("%Y-%m-%d")
                ),
                clean_ip(ip),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(
            org = by.org.id,
            token = inserted.last_insert_id,
            "API token created"
        );
        let token = self
            .token_views(self.db(), by.org.id, Some(inserted.last_insert_id))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| CoreError::Internal("the new API token vanished".into()))?;
        Ok(CreatedApiToken { token, secret })
    }

    pub(crate) async fn list_api_tokens_impl(
        &self,
        initiator: &Initiator,
    ) -> CoreResult<Vec<ApiTokenView>> {
        let by = self.check_owner_setting(self.db(), initiator).await?;
        self.token_views(self.db(), by.org.id, None).await
    }

    pub(crate) async fn revoke_api_token_impl(
        &self,
        initiator: &Initiator,
        token_id: i64,
        ip: Option<&str>,
    ) -> CoreResult<ApiTokenView> {
        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        let by = self.check_owner_setting(&tx, initiator).await?;
        let token = api_token::Entity::find_by_id(token_id)
            .filter(api_token::Column::OrgId.eq(by.org.id))
            .one(&tx)
            .await?
            .ok_or_else(|| CoreError::NotFound("No such API token in this organization.".into()))?;
        if token.revoked_at.is_none() {
            let mut sql = Sql::new("UPDATE api_tokens SET revoked_at = ");
            sql.bind(now).push(" WHERE id = ").bind(token.id);
            sql.execute(&tx).await?;
            activity::record_one(
                &tx,
                by.org_event(
                    ActivityKind::ApiTokenRevoked,
                    format!("{} revoked the API token \"{}\"", by.name(), token.name),
                    clean_ip(ip),
                ),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.token_views(self.db(), by.org.id, Some(token.id))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| CoreError::Internal("the API token vanished".into()))
    }

    /// The organization's tokens (or the one `only`), newest first.
    async fn token_views(
        &self,
        db: &impl ConnectionTrait,
        org_id: OrgId,
        only: Option<i64>,
    ) -> CoreResult<Vec<ApiTokenView>> {
        let mut find = api_token::Entity::find().filter(api_token::Column::OrgId.eq(org_id));
        if let Some(id) = only {
            find = find.filter(api_token::Column::Id.eq(id));
        }
        let rows = find
            .order_by_desc(api_token::Column::CreatedAt)
            .order_by_desc(api_token::Column::Id)
            .all(db)
            .await?;
        let creators: Vec<i64> = rows.iter().filter_map(|t| t.created_by).collect();
        let names: std::collections::HashMap<i64, String> = if creators.is_empty() {
            Default::default()
        } else {
            user::Entity::find()
                .filter(user::Column::Id.is_in(creators))
                .all(db)
                .await?
                .into_iter()
                .map(|u| (u.id, u.name))
                .collect()
        };
        Ok(rows
            .into_iter()
            .map(|t| ApiTokenView {
                id: t.id,
                scopes: ApiScope::split(&t.scopes),
                created_by: t
                    .created_by
                    .and_then(|id| names.get(&id).cloned())
                    .or(t.created_by_label)
                    .unwrap_or_else(|| "Orgdesk".into()),
                name: t.name,
                created_at: t.created_at,
                expires_at: t.expires_at,
                revoked_at: t.revoked_at,
                last_used_at: t.last_used_at,
                last_used_ip: t.last_used_ip,
            })
            .collect())
    }

    // --- Idempotency-Key ---------------------------------------------------------------------

    pub(crate) async fn idempotency_begin_impl(
        &self,
        caller: &ApiCaller,
        key: &str,
        request: &[u8],
    ) -> CoreResult<Idempotency> {
        if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(CoreError::InvalidInput(
                "Idempotency-Key must be 1 to 255 visible ASCII characters.".into(),
            ));
        }
        let now = self.now();
        let request_hash = hex::encode(Sha256::digest(request));
        let mut insert = Sql::new(
            "INSERT INTO api_idempotency (token_id, \"key\", request_hash, created_at) VALUES (",
        );
        insert
            .bind(caller.token_id)
            .push(", ")
            .bind(key.to_owned())
            .push(", ")
            .bind(request_hash.clone())
            .push(", ")
            .bind(now)
            .push(") ON CONFLICT (token_id, \"key\") DO NOTHING");
        if insert.execute(self.db()).await? == 1 {
            return Ok(Idempotency::Proceed);
        }
        let mut find = Sql::new(
            "SELECT request_hash, status, response, location, created_at FROM api_idempotency WHERE token_id = ",
        );
        find.bind(caller.token_id)
            .push(" AND \"key\" = ")
            .bind(key.to_owned());
        let Some(row) = find.query_one(self.db()).await? else {
            return Ok(Idempotency::InProgress);
        };
        let created_at: DateTime<Utc> = row.try_get("", "created_at")?;
        if now - created_at >= IDEMPOTENCY_WINDOW {
            // Older than the window: forget it and take this request as new.
            let mut renew = Sql::new("UPDATE api_idempotency SET request_hash = ");
            renew
                .bind(request_hash)
                .push(", status = NULL, response = NULL, created_at = ")
                .bind(now)
                .push(" WHERE token_id = ")
                .bind(caller.token_id)
                .push(" AND \"key\" = ")
                .bind(key.to_owned())
                .push(" AND created_at = ")
                .bind(created_at);
            return Ok(if renew.execute(self.db()).await? == 1 {
                Idempotency::Proceed
            } else {
                Idempotency::InProgress
            });
        }
        let stored_hash: String = row.try_get("", "request_hash")?;
        if stored_hash != request_hash {
            return Ok(Idempotency::Mismatch);
        }
        let status: Option<i32> = row.try_get("", "status")?;
        let body: Option<String> = row.try_get("", "response")?;
        let location: Option<String> = row.try_get("", "location")?;
        Ok(match (status, body) {
            (Some(status), Some(body)) => Idempotency::Replay {
                status: u16::try_from(status).unwrap_or(500),
                body,
                location,
            },
            _ => Idempotency::InProgress,
        })
    }

    pub(crate) async fn idempotency_finish_impl(
        &self,
        caller: &ApiCaller,
        key: &str,
        status: Option<u16>,
        body: &str,
        location: Option<&str>,
    ) -> CoreResult<()> {
        let mut sql = match status {
            Some(status) => {
                let mut sql = Sql::new("UPDATE api_idempotency SET status = ");
                sql.bind(i32::from(status))
                    .push(", response = ")
                    .bind(body.to_owned())
                    .push(", location = ")
                    .bind(location.map(|l| l.chars().take(255).collect::<String>()));
                sql
            }
            // Nothing to keep (the server failed before answering): the key may be used again.
            None => Sql::new("DELETE FROM api_idempotency"),
        };
        sql.push(" WHERE token_id = ")
            .bind(caller.token_id)
            .push(" AND \"key\" = ")
            .bind(key.to_owned());
        sql.execute(self.db()).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_prefixed_well_formed_secrets_are_looked_up() {
        let plain = "A".repeat(tokens::TOKEN_LEN);
        assert!(well_formed(&format!("odk_{plain}")));
        assert!(!well_formed(&plain));
        assert!(!well_formed("odk_short"));
        assert!(!well_formed(&format!("odk_{}", "A/".repeat(22))));
    }
}
