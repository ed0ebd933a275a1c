//! Fixed-window rate limits kept in the database, so every server instance counts against
//! the same limit. Keys are hashed: the table never holds emails or addresses in clear.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use sha2::{Digest, Sha256};

use crate::config::RateLimit;
use crate::db::Sql;
use crate::{CoreError, CoreResult};

/// What is being limited, and by what.
pub(crate) fn key(action: &str, by: &str, value: &str) -> String {
    let digest = Sha256::digest(format!("{action}\u{1f}{by}\u{1f}{value}").as_bytes());
    format!("{action}:{by}:{}", hex::encode(digest))
}

/// Counts one attempt against `key`; `RateLimited` once more than `limit.max` happened in
/// the current window. One atomic upsert, so concurrent attempts all count.
pub(crate) async fn hit(
    db: &impl ConnectionTrait,
    key: &str,
    limit: RateLimit,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    hit_counted(db, key, limit, now).await.map(|_| ())
}

/// Where a key stands in its window after a permitted attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window ends and the count starts again.
    pub resets_in_secs: u64,
}

/// Like [`hit`], and says where the key stands (for `RateLimit-*` headers).
pub(crate) async fn hit_counted(
    db: &impl ConnectionTrait,
    key: &str,
    limit: RateLimit,
    now: DateTime<Utc>,
) -> CoreResult<Window> {
    let per = chrono::Duration::from_std(limit.per).unwrap_or(chrono::Duration::MAX);
    let window_expired_before = now
        .checked_sub_signed(per)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let mut sql = Sql::new("INSERT INTO rate_limits (\"key\", window_start, count) VALUES (");
    sql.bind(key.to_owned())
        .push(", ")
        .bind(now)
        .push(", 1) ON CONFLICT (\"key\") DO UPDATE SET ");
    sql.push("count = CASE WHEN rate_limits.window_start <= ")
        .bind(window_expired_before)
        .push(" THEN 1 ELSE rate_limits.count + 1 END, ");
    sql.push("window_start = CASE WHEN rate_limits.window_start <= ")
        .bind(window_expired_before)
        .push(" THEN excluded.window_start ELSE rate_limits.window_start END ");
    sql.push("RETURNING window_start, count");
    let row = sql
        .query_one(db)
        .await?
        .ok_or_else(|| CoreError::Internal("rate limit upsert returned nothing".into()))?;
    let window_start: DateTime<Utc> = row.try_get("", "window_start")?;
    let count: i32 = row.try_get("", "count")?;
    let resets_in_secs = (window_start + per - now).num_seconds().max(1) as u64;
    let count = count.max(0) as u32;
    if count > limit.max {
        return Err(CoreError::RateLimited {
            retry_after_secs: resets_in_secs,
        });
    }
    Ok(Window {
        limit: limit.max,
        remaining: limit.max - count,
        resets_in_secs,
    })
}

/// Gives back one attempt that `hit` reserved (a sign-in with the right password).
pub(crate) async fn refund(db: &impl ConnectionTrait, key: &str) -> CoreResult<()> {
    let mut sql = Sql::new("UPDATE rate_limits SET count = count - 1 WHERE \"key\" = ");
    sql.bind(key.to_owned()).push(" AND count > 0");
    sql.execute(db).await?;
    Ok(())
}

/// Forgets `keys` (an account's failures, once its owner signed in).
pub(crate) async fn clear(db: &impl ConnectionTrait, keys: &[&str]) -> CoreResult<()> {
    for key in keys {
        let mut sql = Sql::new("DELETE FROM rate_limits WHERE \"key\" = ");
        sql.bind((*key).to_owned());
        sql.execute(db).await?;
    }
    Ok(())
}

/// `RateLimited` while `key`'s "not before" time (kept in `window_start`) is in the future.
pub(crate) async fn check_not_before(
    db: &impl ConnectionTrait,
    key: &str,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    let mut sql = Sql::new("SELECT window_start FROM rate_limits WHERE \"key\" = ");
    sql.bind(key.to_owned());
    let Some(row) = sql.query_one(db).await? else {
        return Ok(());
    };
    let not_before: DateTime<Utc> = row.try_get("", "window_start")?;
    if now < not_before {
        return Err(CoreError::RateLimited {
            retry_after_secs: (not_before - now).num_seconds().max(1) as u64,
        });
    }
    Ok(())
}

/// Sets `key`'s "not before" time.
pub(crate) async fn set_not_before(
    db: &impl ConnectionTrait,
    key: &str,
    not_before: DateTime<Utc>,
) -> CoreResult<()> {
    let mut sql = Sql::new("INSERT INTO rate_limits (\"key\", window_start, count) VALUES (");
    sql.bind(key.to_owned())
        .push(", ")
        .bind(not_before)
        .push(", 0) ON CONFLICT (\"key\") DO UPDATE SET window_start = excluded.window_start");
    sql.execute(db).await?;
    Ok(())
}

/// The current count of `key` (0 if it has none).
pub(crate) async fn count(db: &impl ConnectionTrait, key: &str) -> CoreResult<u32> {
    let mut sql = Sql::new("SELECT count FROM rate_limits WHERE \"key\" = ");
    sql.bind(key.to_owned());
    Ok(match sql.query_one(db).await? {
        Some(row) => row.try_get::<i32>("", "count")?.max(0) as u32,
        None => 0,
    })
}
