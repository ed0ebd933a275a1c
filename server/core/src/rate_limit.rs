//! Fixed-window rate limits kept in the database, so every server instance counts against
//! the same limit. Keys are hashed: the table never holds emails or addresses in clear.

use std::collections::HashMap;

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

/// The key of `action`'s limit per client address, the address counted as [`address_bucket`]
/// counts it.
pub(crate) fn address_key(action: &str, ip: &str) -> String {
    key(action, "ip", &address_bucket(ip))
}

/// Counts one attempt against `key`; `RateLimited` once more than `limit.max` happened in
/// the current window. One atomic upsert, so concurrent attempts all count.
pub(crate) async fn hit(
    db: &impl ConnectionTrait,
    key: &str,
    limit: RateLimit,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    let reserved = reserve(db, key, limit, now, 1).await?;
    if reserved.count > limit.max {
        return Err(CoreError::RateLimited {
            retry_after_secs: reserved.resets_in_secs(now),
        });
    }
    Ok(())
}

/// Where a key stands in its window after a permitted attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window ends and the count starts again.
    pub resets_in_secs: u64,
}

/// The key's window after adding to its count.
struct Reserved {
    ends: DateTime<Utc>,
    /// The count, with what was just added.
    count: u32,
}

impl Reserved {
    fn resets_in_secs(&self, now: DateTime<Utc>) -> u64 {
        (self.ends - now).num_seconds().max(1) as u64
    }
}

/// Adds `n` to `key`'s count in one atomic upsert, starting a new window when the last one
/// has ended.
async fn reserve(
    db: &impl ConnectionTrait,
    key: &str,
    limit: RateLimit,
    now: DateTime<Utc>,
    n: u32,
) -> CoreResult<Reserved> {
    let per = chrono::Duration::from_std(limit.per).unwrap_or(chrono::Duration::MAX);
    let window_expired_before = now
        .checked_sub_signed(per)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let n = i32::try_from(n).unwrap_or(i32::MAX);
    let mut sql = Sql::new("INSERT INTO rate_limits (\"key\", window_start, count) VALUES (");
    sql.bind(key.to_owned())
        .push(", ")
        .bind(now)
        .push(", ")
        .bind(n)
        .push(") ON CONFLICT (\"key\") DO UPDATE SET ");
    sql.push("count = CASE WHEN rate_limits.window_start <= ")
        .bind(window_expired_before)
        .push(" THEN excluded.count ELSE rate_limits.count + excluded.count END, ");
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
    Ok(Reserved {
        ends: window_start
            .checked_add_signed(per)
            .unwrap_or(DateTime::<Utc>::MAX_UTC),
        count: count.max(0) as u32,
    })
}

/// Calls this process may still make against shared limits without asking the database:
/// a busy API client would otherwise write its token's count on every call, which costs a
/// commit on PostgreSQL and, on SQLite, empties every other connection's page cache (the
/// next search reads cold: 2.7 → 5.2 ms). So a process reserves a block of calls in one
/// upsert ([`block_of`]) and counts them down in memory.
///
/// The shared count still never lets more than the limit through across all instances; it
/// may let fewer, since a block one instance holds is lost to the others when the window
/// ends (at most `block - 1` calls per other instance). On one instance every call is counted
/// exactly, and `remaining` is exact; with several, it is what this instance can vouch for.
#[derive(Default)]
pub(crate) struct Leases {
    held: std::sync::Mutex<HashMap<String, Lease>>,
}

#[derive(Debug, Clone, Copy)]
struct Lease {
    ends: DateTime<Utc>,
    /// The shared count up to the lease's last call.
    last: u32,
    /// Calls of the lease not made yet.
    left: u32,
}

/// How many calls one reservation takes: a twentieth of the limit, from 1 to 50.
pub fn block_of(limit: RateLimit) -> u32 {
    (limit.max / 20).clamp(1, 50)
}

impl Leases {
    fn held(&self) -> std::sync::MutexGuard<'_, HashMap<String, Lease>> {
        // The map is left consistent at every step, so a panic elsewhere spoils nothing.
        self.held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// One call out of a lease on `key`, if one is held for the current window.
    fn take(&self, key: &str, limit: RateLimit, now: DateTime<Utc>) -> Option<Window> {
        let mut held = self.held();
        let lease = held.get_mut(key).filter(|l| now < l.ends && l.left > 0)?;
        lease.left -= 1;
        Some(Window {
            limit: limit.max,
            remaining: limit.max.saturating_sub(lease.last - lease.left),
            resets_in_secs: (lease.ends - now).num_seconds().max(1) as u64,
        })
    }

    fn keep(&self, key: &str, lease: Lease, now: DateTime<Utc>) {
        let mut held = self.held();
        held.retain(|_, l| now < l.ends && l.left > 0);
        held.entry(key.to_owned())
            .and_modify(|l| {
                // Two calls reserved at once: both blocks are this process's to use.
                if l.ends == lease.ends {
                    l.left += lease.left;
                    l.last = l.last.max(lease.last);
                } else {
                    *l = lease;
                }
            })
            .or_insert(lease);
    }
}

/// Counts one call against `key`, from this process's lease when it holds one ([`Leases`]),
/// else by reserving the next block; `RateLimited` once the limit's calls are all taken.
pub(crate) async fn hit_leased(
    db: &impl ConnectionTrait,
    leases: &Leases,
    key: &str,
    limit: RateLimit,
    now: DateTime<Utc>,
) -> CoreResult<Window> {
    if let Some(window) = leases.take(key, limit, now) {
        return Ok(window);
    }
    let block = block_of(limit);
    let reserved = reserve(db, key, limit, now, block).await?;
    // This block is the calls numbered `first ..= reserved.count`; past the limit, only those
    // up to it may be made.
    let first = reserved.count.saturating_sub(block) + 1;
    let last = reserved.count.min(limit.max);
    if first > last {
        return Err(CoreError::RateLimited {
            retry_after_secs: reserved.resets_in_secs(now),
        });
    }
    leases.keep(
        key,
        Lease {
            ends: reserved.ends,
            last,
            left: last - first,
        },
        now,
    );
    Ok(Window {
        limit: limit.max,
        remaining: limit.max - first,
        resets_in_secs: reserved.resets_in_secs(now),
    })
}

/// Gives back the attempt that `hit` reserved on each of `keys` (a sign-in with the right
/// password, or one refused before it was judged).
pub(crate) async fn refund(db: &impl ConnectionTrait, keys: &[&str]) -> CoreResult<()> {
    let mut sql = Sql::new("UPDATE rate_limits SET count = count - 1 WHERE count > 0 AND ");
    sql.bind_among(db.get_database_backend(), "\"key\"", &owned(keys));
    sql.execute(db).await?;
    Ok(())
}

/// Forgets `keys` (an account's failures, once its owner signed in).
pub(crate) async fn clear(db: &impl ConnectionTrait, keys: &[&str]) -> CoreResult<()> {
    let mut sql = Sql::new("DELETE FROM rate_limits WHERE ");
    sql.bind_among(db.get_database_backend(), "\"key\"", &owned(keys));
    sql.execute(db).await?;
    Ok(())
}

fn owned(keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| (*k).to_owned()).collect()
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

/// A client's address as its per-address limits count it: IPv4 addresses as they are, IPv6 by
/// their /64 prefix (one host is given a whole /64, and can pick any address in it).
pub fn address_bucket(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(std::net::IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map(|v4| v4.to_string())
            .unwrap_or_default(),
        _ => ip.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::address_bucket;

    #[test]
    fn ipv6_addresses_are_limited_by_their_slash_64() {
        assert_eq!(address_bucket("192.0.2.1"), "192.0.2.1");
        assert_eq!(address_bucket("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(address_bucket("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::/64");
        assert_eq!(address_bucket("::ffff:192.0.2.1"), "192.0.2.1");
        assert_eq!(address_bucket("not an address"), "not an address");
    }
}
