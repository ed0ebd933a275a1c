//! Reset links: the emailed URL carries a 256-bit token, the database only its SHA-256.
//! A link is single use, lives for the organization's configured minutes, and a new link
//! for a user revokes every older one, so each user has at most one live link. The user can
//! cancel a live link from its email ("Didn't expect this?"); it is then revoked and marked
//! cancelled, so the pages can say so.

use chrono::{DateTime, Utc};
use orgdesk_types::{LinkPurpose, LinkState};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter,
};
use serde::Serialize;

use crate::db::{id_batch, insert_json_rows, rows_per_insert, Sql, JSON_ROWS};
use crate::entities::{organization, reset_link, user};
use crate::tokens::{self, Token};
use crate::{Core, CoreResult};

pub(crate) fn purpose_str(purpose: LinkPurpose) -> &'static str {
    match purpose {
        LinkPurpose::AdminReset => "admin_reset",
        LinkPurpose::ForgotPassword => "forgot_password",
        LinkPurpose::Invitation => "invitation",
    }
}

pub(crate) fn parse_purpose(s: &str) -> Option<LinkPurpose> {
    match s {
        "admin_reset" => Some(LinkPurpose::AdminReset),
        "forgot_password" => Some(LinkPurpose::ForgotPassword),
        "invitation" => Some(LinkPurpose::Invitation),
        _ => None,
    }
}

/// The URL that goes into the email.
pub(crate) fn url(base: &str, token: &str) -> String {
    format!("{}/reset-password/{token}", base.trim_end_matches('/'))
}

/// The email's "Didn't expect this? Cancel the request" URL. It opens a page that asks
/// before anything changes: mail scanners fetch every link in a message.
pub(crate) fn cancel_url(base: &str, token: &str) -> String {
    format!("{}/cancel", url(base, token))
}

/// Revokes every unused, unrevoked link of `user_ids` (one statement per batch).
pub(crate) async fn revoke_open(
    db: &impl ConnectionTrait,
    user_ids: &[i64],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for chunk in user_ids.chunks(id_batch(db)) {
        let mut sql = Sql::new("UPDATE reset_links SET revoked_at = ");
        sql.bind(now)
            .push(" WHERE used_at IS NULL AND revoked_at IS NULL AND ")
            .bind_among(db.get_database_backend(), "user_id", chunk);
        sql.execute(db).await?;
    }
    Ok(())
}

/// Links just issued: their plain tokens go only into the emails, their hashes into the
/// database.
pub(crate) struct Issued {
    pub tokens: Vec<Token>,
    pub expires_at: DateTime<Utc>,
}

/// Issues one new link for each of `user_ids`, expiring `ttl` after `now` (in the same order;
/// multi-row inserts, on PostgreSQL rows sent as JSON). Callers revoke older links first.
pub(crate) async fn issue(
    db: &impl ConnectionTrait,
    org_id: i64,
    purpose: LinkPurpose,
    created_by: Option<i64>,
    user_ids: &[i64],
    ttl: chrono::Duration,
    now: DateTime<Utc>,
) -> CoreResult<Issued> {
    let issued = Issued {
        tokens: user_ids
            .iter()
            .map(|_| tokens::new_token())
            .collect::<CoreResult<_>>()?,
        expires_at: now + ttl,
    };
    store(db, org_id, purpose, created_by, user_ids, &issued, now).await?;
    Ok(issued)
}

/// The rows of [`issue`]'s links, for `user_ids` in order.
async fn store(
    db: &impl ConnectionTrait,
    org_id: i64,
    purpose: LinkPurpose,
    created_by: Option<i64>,
    user_ids: &[i64],
    issued: &Issued,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    if db.get_database_backend() == DbBackend::Postgres {
        #[derive(Serialize)]
        struct Row<'a> {
            user_id: i64,
            token_hash: &'a str,
        }
        for (ids, tokens) in user_ids
            .chunks(JSON_ROWS)
            .zip(issued.tokens.chunks(JSON_ROWS))
        {
            let rows: Vec<Row<'_>> = ids
                .iter()
                .zip(tokens)
                .map(|(&user_id, token)| Row {
                    user_id,
                    token_hash: &token.hash,
                })
                .collect();
            insert_json_rows(
                db,
                "reset_links",
                &[("user_id", "bigint"), ("token_hash", "text")],
                &[
                    ("org_id", org_id.into()),
                    ("purpose", purpose_str(purpose).into()),
                    ("created_by", created_by.into()),
                    ("created_at", now.into()),
                    ("expires_at", issued.expires_at.into()),
                ],
                &rows,
            )
            .await?;
        }
        return Ok(());
    }
    let per_insert = rows_per_insert(db, 9);
    for (ids, tokens) in user_ids
        .chunks(per_insert)
        .zip(issued.tokens.chunks(per_insert))
    {
        let rows = ids
            .iter()
            .zip(tokens)
            .map(|(&user_id, token)| reset_link::ActiveModel {
                token_hash: Set(token.hash.clone()),
                user_id: Set(user_id),
                org_id: Set(org_id),
                purpose: Set(purpose_str(purpose).to_owned()),
                created_by: Set(created_by),
                created_at: Set(now),
                expires_at: Set(issued.expires_at),
                used_at: Set(None),
                revoked_at: Set(None),
                ..Default::default()
            });
        reset_link::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// A link found by its token, and what state it is in at `now`.
pub(crate) struct FoundLink {
    pub link: reset_link::Model,
    pub state: RawState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RawState {
    Live,
    Expired,
    Used,
    Cancelled,
    Revoked,
}

pub(crate) async fn find(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> CoreResult<Option<FoundLink>> {
    if !tokens::is_well_formed(token) {
        return Ok(None);
    }
    let Some(link) = reset_link::Entity::find()
        .filter(reset_link::Column::TokenHash.eq(tokens::hash_token(token)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    // Used wins over revoked (a completed reset revokes the others, not this one), cancelled
    // is the one kind of revoked the user did themselves, and all win over expired: the page
    // explains the most useful fact.
    let state = if link.used_at.is_some() {
        RawState::Used
    } else if link.cancelled_at.is_some() {
        RawState::Cancelled
    } else if link.revoked_at.is_some() {
        RawState::Revoked
    } else if now >= link.expires_at {
        RawState::Expired
    } else {
        RawState::Live
    };
    Ok(Some(FoundLink { link, state }))
}

/// What the pages may learn about a link found in `state`: who and where for a live link,
/// the organization and purpose for a cancelled one (so the page can name whom to contact).
pub(crate) async fn describe(db: &impl ConnectionTrait, found: FoundLink) -> CoreResult<LinkState> {
    let link = found.link;
    Ok(match found.state {
        RawState::Used => LinkState::Used,
        RawState::Revoked => LinkState::Revoked,
        RawState::Expired => LinkState::Expired {
            purpose: parse_purpose(&link.purpose).unwrap_or(LinkPurpose::AdminReset),
        },
        RawState::Cancelled => {
            let org = organization::Entity::find_by_id(link.org_id)
                .one(db)
                .await?;
            match (org, parse_purpose(&link.purpose)) {
                (Some(org), Some(purpose)) => LinkState::Cancelled {
                    org_name: org.name,
                    purpose,
                },
                _ => LinkState::Unknown,
            }
        }
        RawState::Live => {
            let user = user::Entity::find_by_id(link.user_id).one(db).await?;
            let org = organization::Entity::find_by_id(link.org_id)
                .one(db)
                .await?;
            match (user, org, parse_purpose(&link.purpose)) {
                (Some(user), Some(org), Some(purpose)) => LinkState::Valid {
                    org_name: org.name,
                    name: user.name,
                    email: user.email,
                    purpose,
                    expires_at: link.expires_at,
                },
                _ => LinkState::Unknown,
            }
        }
    })
}

impl Core {
    pub(crate) async fn inspect_link_impl(&self, token: &str) -> CoreResult<LinkState> {
        let now = self.now();
        match find(self.db(), token, now).await? {
            Some(found) => describe(self.db(), found).await,
            None => Ok(LinkState::Unknown),
        }
    }
}
