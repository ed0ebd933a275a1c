//! Sign-in and sessions. A session is a 256-bit token in an HttpOnly cookie; the database
//! keeps its SHA-256, its expiry, when it was last used (it ends after
//! `CoreConfig::session_idle` unused) and when it was revoked (sign-out, password reset).

use std::time::Duration;

use chrono::{DateTime, Utc};
use orgdesk_types::limits::MAX_EMAIL_LEN;
use orgdesk_types::{ActivityKind, Actor, Role, UserStatus};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::activity::{self, clean_ip, NewActivity};
use crate::config::RateLimit;
use crate::db::{self, Sql};
use crate::entities::{known_device, organization, session, user};
use crate::people::normalize_email;
use crate::{
    rate_limit, tokens, Core, CoreError, CoreResult, FromBrowser, KnownDevice, NewSession,
    SignInOutcome,
};

/// A browser stays known to an email this long after it last signed in as it.
const KNOWN_DEVICE_DAYS: i64 = 90;
/// Browsers remembered per account, the newest first.
pub const KNOWN_DEVICES_PER_ACCOUNT: i64 = 10;
/// How stale a session's `last_seen_at` may get before a request writes it again: the idle
/// timeout is kept to within this.
pub(crate) const SEEN_EVERY: chrono::Duration = chrono::Duration::minutes(1);

/// The rate-limit keys of one sign-in attempt.
struct SignInLimits {
    /// (email, address): the classic guessing limit.
    pair: String,
    /// The address, whatever the email (IPv6 by its /64: one host owns a whole /64).
    address: Option<String>,
    /// The account's failures from anywhere, and the time its next attempt may come.
    account: String,
    account_wait: String,
    /// A browser the account knows, which doesn't wait for the account: its own attempts,
    /// from any address, so its cookie alone is no way past the account's delay.
    device: Option<String>,
}

impl SignInLimits {
    fn new(email: &str, ip: Option<&str>, device: Option<&known_device::Model>) -> SignInLimits {
        let bucket = ip.map(rate_limit::address_bucket);
        SignInLimits {
            device: device.map(|d| rate_limit::key("sign_in", "device", &d.id.to_string())),
            pair: rate_limit::key(
                "sign_in",
                "email_ip",
                &format!("{email}|{}", bucket.as_deref().unwrap_or("-")),
            ),
            address: ip.map(|ip| rate_limit::address_key("sign_in", ip)),
            account: rate_limit::key("sign_in", "account", email),
            account_wait: rate_limit::key("sign_in", "account_wait", email),
        }
    }

    /// Takes back the attempt `sign_in` reserved.
    async fn refund_attempt(&self, db: &impl ConnectionTrait) -> CoreResult<()> {
        let mut keys = vec![self.pair.as_str()];
        keys.extend(self.address.as_deref());
        keys.extend(self.device.as_deref());
        rate_limit::refund(db, &keys).await
    }

    /// After a right password: the attempt was no guess, and the account's failures are
    /// forgotten.
    async fn give_back(&self, db: &impl ConnectionTrait) -> CoreResult<()> {
        self.refund_attempt(db).await?;
        rate_limit::clear(db, &[&self.account, &self.account_wait]).await
    }
}

/// What checking a password against one account found.
enum Verdict {
    SignedIn,
    /// The password is the one an admin reset invalidated.
    ResetRequired,
    /// Right password, suspended account.
    Suspended,
    Wrong,
}

/// The browser's own cookies, as far as they are still good: its session, to end when the
/// new one opens, and its known-device row for this email.
#[derive(Clone, Copy)]
struct Known<'a> {
    session: Option<&'a str>,
    device: Option<i64>,
    user_agent: Option<&'a str>,
}

/// Narrows a query on `sessions` (its columns under `prefix`: `"s."`, or `""`) to the sessions
/// still usable at `now`: not revoked, not expired, and used within `idle`. It follows a
/// condition, so it starts with `AND`.
pub(crate) fn and_live_session(
    sql: &mut Sql,
    prefix: &str,
    now: DateTime<Utc>,
    idle: chrono::Duration,
) {
    sql.push(&format!(
        " AND {prefix}revoked_at IS NULL AND {prefix}expires_at > "
    ))
    .bind(now)
    .push(&format!(
        " AND COALESCE({prefix}last_seen_at, {prefix}created_at) > "
    ))
    .bind(now - idle);
}

/// The most of a `User-Agent` a session keeps: enough for any browser's, not a place to store
/// a payload.
const MAX_USER_AGENT_CHARS: usize = 512;

/// A `User-Agent` as a session keeps it: trimmed, without control characters, at most
/// [`MAX_USER_AGENT_CHARS`]; `None` when nothing is left.
fn clean_user_agent(user_agent: Option<&str>) -> Option<String> {
    let kept: String = user_agent?
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_USER_AGENT_CHARS)
        .collect();
    (!kept.is_empty()).then_some(kept)
}

/// The browser behind `token`, if it signed in as `email` before and is still known.
async fn known_device(
    db: &impl ConnectionTrait,
    email: &str,
    token: &str,
    now: DateTime<Utc>,
) -> CoreResult<Option<known_device::Model>> {
    if !tokens::is_well_formed(token) {
        return Ok(None);
    }
    Ok(known_device::Entity::find()
        .filter(known_device::Column::TokenHash.eq(tokens::hash_token(token)))
        .filter(known_device::Column::Email.eq(email))
        .filter(known_device::Column::ExpiresAt.gt(now))
        .one(db)
        .await?)
}

impl Core {
    pub(crate) async fn sign_in_impl(
        &self,
        email: &str,
        password: &str,
        from: FromBrowser<'_>,
    ) -> CoreResult<SignInOutcome> {
        // A full hashing queue refuses at once, for every email alike, before any database
        // work: under a flood they are a good part of the answers (docs/performance.md).
        if self.passwords().saturated() {
            return Err(self.passwords().busy());
        }
        let now = self.now();
        let email = normalize_email(email);
        let ip = clean_ip(from.ip);
        let device = match from.device {
            Some(token) => known_device(self.db(), &email, token, now).await?,
            None => None,
        };
        let limits = SignInLimits::new(&email, ip.as_deref(), device.as_ref());
        let config = self.config();

        // An account that failed many times lately makes every attempt wait a little longer,
        // from anywhere but a browser that signed in as it before (decision 63: otherwise a
        // stranger failing once per delay keeps its owner out): checked first, counting nothing.
        if device.is_none() {
            rate_limit::check_not_before(self.db(), &limits.account_wait, now).await?;
        }
        // Reserve the attempt before any password work, atomically (one transaction for both
        // keys: past either limit, neither counts), so a burst of parallel guesses can't slip
        // past the limit; a right password gives it back below.
        let tx = db::begin_write(self.db()).await?;
        rate_limit::hit(&tx, &limits.pair, config.sign_in_limit, now).await?;
        if let Some(address) = &limits.address {
            rate_limit::hit(&tx, address, config.sign_in_address_limit, now).await?;
        }
        if let Some(device) = &limits.device {
            rate_limit::hit(&tx, device, config.sign_in_limit, now).await?;
        }
        tx.commit().await?;

        let known = Known {
            session: from.session,
            device: device.map(|d| d.id),
            user_agent: from.user_agent,
        };
        match self
            .check_password(&email, password, &limits, ip.clone(), known, now)
            .await
        {
            // Right password: the attempt was given back in the session's own transaction.
            Ok(outcome @ SignInOutcome::SignedIn { .. }) => Ok(outcome),
            Ok(outcome) => {
                // The password an admin reset: not a guess either.
                limits.give_back(self.db()).await?;
                Ok(outcome)
            }
            Err(CoreError::InvalidCredentials) => {
                let tx = db::begin_write(self.db()).await?;
                self.account_failed(&tx, &limits, now).await?;
                tx.commit().await?;
                Err(CoreError::InvalidCredentials)
            }
            Err(other) => {
                // Refused before the password was judged (a full hashing queue): not a guess.
                limits.refund_attempt(self.db()).await?;
                Err(other)
            }
        }
    }

    /// One more failure for the account; past the threshold, the next attempt must wait
    /// 1 s, 2 s, 4 s… up to `sign_in_max_delay`.
    async fn account_failed(
        &self,
        db: &impl ConnectionTrait,
        limits: &SignInLimits,
        now: DateTime<Utc>,
    ) -> CoreResult<()> {
        let config = self.config();
        let counting = RateLimit {
            max: u32::MAX,
            per: config.sign_in_limit.per,
        };
        rate_limit::hit(db, &limits.account, counting, now).await?;
        let failures = rate_limit::count(db, &limits.account).await?;
        let over = failures.saturating_sub(config.sign_in_failures_before_delay);
        if over > 0 {
            let delay =
                Duration::from_secs(1u64 << (over - 1).min(20)).min(config.sign_in_max_delay);
            let delay = chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::seconds(30));
            rate_limit::set_not_before(db, &limits.account_wait, now + delay).await?;
        }
        Ok(())
    }

    /// The password check itself: `InvalidCredentials` when it is wrong for every account with
    /// this email (or there is none).
    async fn check_password(
        &self,
        email: &str,
        password: &str,
        limits: &SignInLimits,
        ip: Option<String>,
        known: Known<'_>,
        now: DateTime<Utc>,
    ) -> CoreResult<SignInOutcome> {
        let candidates = if email.len() <= MAX_EMAIL_LEN && !email.is_empty() {
            // Emails are unique per organization; the same person may exist in several.
            user::Entity::find()
                .filter(user::Column::Email.eq(email))
                .order_by_asc(user::Column::Id)
                .limit(5)
                .all(self.db())
                .await?
        } else {
            Vec::new()
        };
        if candidates.is_empty() {
            // As slow as a wrong password, so timing doesn't tell which emails have accounts.
            self.passwords().verify_decoy(password).await?;
            return Err(CoreError::InvalidCredentials);
        }

        let mut failures = Vec::new();
        for candidate in candidates {
            match self.verdict(&candidate, password).await? {
                Verdict::SignedIn => return self.open_session(candidate, limits, ip, known).await,
                Verdict::ResetRequired => {
                    activity::record_one(
                        self.db(),
                        NewActivity {
                            org_id: candidate.org_id,
                            actor_id: Some(candidate.id),
                            actor_label: None,
                            subject_id: Some(candidate.id),
                            kind: ActivityKind::SignInBlockedResetPending,
                            details:
                                "Signed in with the password an admin reset; asked to set a new one"
                                    .into(),
                            ip: ip.clone(),
                        },
                        now,
                    )
                    .await?;
                    return Ok(SignInOutcome::ResetRequired {
                        email: candidate.email,
                    });
                }
                Verdict::Suspended => failures.push((candidate, "account suspended")),
                Verdict::Wrong => failures.push((candidate, "wrong password")),
            }
        }
        let events = failures
            .into_iter()
            .map(|(user, why)| NewActivity {
                org_id: user.org_id,
                actor_id: Some(user.id),
                actor_label: None,
                subject_id: Some(user.id),
                kind: ActivityKind::SignInFailed,
                details: format!("Sign-in failed: {why}"),
                ip: ip.clone(),
            })
            .collect();
        activity::record(self.db(), events, now).await?;
        Err(CoreError::InvalidCredentials)
    }

    async fn verdict(&self, user: &user::Model, password: &str) -> CoreResult<Verdict> {
        if let Some(hash) = &user.password_hash {
            if !self.passwords().verify(password, hash).await? {
                return Ok(Verdict::Wrong);
            }
            return Ok(if user.status() == Some(UserStatus::Suspended) {
                Verdict::Suspended
            } else {
                Verdict::SignedIn
            });
        }
        match &user.previous_password_hash {
            Some(previous) if user.status() == Some(UserStatus::ResetPending) => {
                Ok(if self.passwords().verify(password, previous).await? {
                    Verdict::ResetRequired
                } else {
                    Verdict::Wrong
                })
            }
            _ => {
                self.passwords().verify_decoy(password).await?;
                Ok(Verdict::Wrong)
            }
        }
    }

    /// The session of a right password, in one transaction with giving the attempt back and
    /// signing out the session it replaces (one commit for everything a sign-in writes after
    /// the hash).
    async fn open_session(
        &self,
        user: user::Model,
        limits: &SignInLimits,
        ip: Option<String>,
        known: Known<'_>,
    ) -> CoreResult<SignInOutcome> {
        let now = self.now();
        let ttl = chrono::Duration::from_std(self.config().session_ttl)
            .map_err(|e| CoreError::Internal(format!("session ttl: {e}")))?;
        let token = tokens::new_token()?;
        let expires_at = now + ttl;
        let device = tokens::new_token()?;
        let device_expires_at = now + chrono::Duration::days(KNOWN_DEVICE_DAYS);
        let org = organization::Entity::find_by_id(user.org_id)
            .one(self.db())
            .await?
            .ok_or_else(|| CoreError::Internal("user without organization".into()))?;
        let role =
            Role::parse(&user.role).ok_or_else(|| CoreError::Internal("unknown role".into()))?;

        let tx = db::begin_write(self.db()).await?;
        limits.give_back(&tx).await?;
        session::Entity::insert(session::ActiveModel {
            token_hash: Set(token.hash),
            user_id: Set(user.id),
            created_at: Set(now),
            expires_at: Set(expires_at),
            last_seen_at: Set(Some(now)),
            revoked_at: Set(None),
            user_agent: Set(clean_user_agent(known.user_agent)),
            ip: Set(ip.clone()),
            ..Default::default()
        })
        .exec_without_returning(&tx)
        .await?;
        if let Some(previous) = known.session {
            end_session(&tx, previous, ip.clone(), now).await?;
        }
        // The browser is known from now on by a new token; the one it showed is done.
        if let Some(id) = known.device {
            known_device::Entity::delete_by_id(id).exec(&tx).await?;
        }
        known_device::Entity::insert(known_device::ActiveModel {
            email: Set(user.email.clone()),
            token_hash: Set(device.hash),
            created_at: Set(now),
            expires_at: Set(device_expires_at),
            ..Default::default()
        })
        .exec_without_returning(&tx)
        .await?;
        // A client that keeps no cookies (a script) would add a browser at every sign-in: an
        // account keeps its newest few.
        let mut forget = Sql::new("DELETE FROM known_devices WHERE email = ");
        forget
            .bind(user.email.clone())
            .push(" AND id NOT IN (SELECT id FROM known_devices WHERE email = ")
            .bind(user.email.clone())
            .push(" ORDER BY id DESC LIMIT ")
            .bind(KNOWN_DEVICES_PER_ACCOUNT)
            .push(")");
        forget.execute(&tx).await?;
        let mut touch = Sql::new("UPDATE users SET last_sign_in_at = ");
        touch.bind(now).push(" WHERE id = ").bind(user.id);
        touch.execute(&tx).await?;
        activity::record_one(
            &tx,
            NewActivity {
                org_id: user.org_id,
                actor_id: Some(user.id),
                actor_label: None,
                subject_id: Some(user.id),
                kind: ActivityKind::SignedIn,
                details: "Signed in".into(),
                ip,
            },
            now,
        )
        .await?;
        tx.commit().await?;

        Ok(SignInOutcome::SignedIn {
            session: NewSession {
                token: token.plain,
                expires_at,
            },
            device: KnownDevice {
                token: device.plain,
                expires_at: device_expires_at,
            },
            actor: Actor {
                user_id: user.id,
                org_id: user.org_id,
                org_name: org.name,
                name: user.name,
                email: user.email,
                role,
            },
        })
    }

    /// How long a session lasts without a request (`CoreConfig::session_idle`).
    pub(crate) fn session_idle(&self) -> CoreResult<chrono::Duration> {
        chrono::Duration::from_std(self.config().session_idle)
            .map_err(|e| CoreError::Internal(format!("session idle: {e}")))
    }

    pub(crate) async fn session_actor_impl(&self, token: &str) -> CoreResult<Option<Actor>> {
        if !tokens::is_well_formed(token) {
            return Ok(None);
        }
        // One statement for the session, its person and their organization: every console
        // request asks this first, so it is one round trip to the database, not three.
        let now = self.now();
        let idle = self.session_idle()?;
        let mut find = Sql::new(
            "SELECT s.id AS session_id, COALESCE(s.last_seen_at, s.created_at) AS seen, \
             u.id, u.org_id, o.name AS org_name, u.name, u.email, u.role, u.status \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             JOIN organizations o ON o.id = u.org_id WHERE s.token_hash = ",
        );
        find.bind(tokens::hash_token(token));
        and_live_session(&mut find, "s.", now, idle);
        let Some(row) = find.query_one(self.db()).await? else {
            return Ok(None);
        };

        let status: String = row.try_get("", "status")?;
        if UserStatus::parse(&status) == Some(UserStatus::Suspended) {
            return Ok(None);
        }
        let Some(role) = Role::parse(&row.try_get::<String>("", "role")?) else {
            return Ok(None);
        };
        // Kept to the minute, so a busy console writes once a minute, not once a request.
        let seen: DateTime<Utc> = row.try_get("", "seen")?;
        if now - seen >= SEEN_EVERY {
            let mut touch = Sql::new("UPDATE sessions SET last_seen_at = ");
            touch
                .bind(now)
                .push(" WHERE id = ")
                .bind(row.try_get::<i64>("", "session_id")?);
            touch.execute(self.db()).await?;
        }
        Ok(Some(Actor {
            user_id: row.try_get("", "id")?,
            org_id: row.try_get("", "org_id")?,
            org_name: row.try_get("", "org_name")?,
            name: row.try_get("", "name")?,
            email: row.try_get("", "email")?,
            role,
        }))
    }

    pub(crate) async fn sign_out_impl(&self, token: &str, ip: Option<&str>) -> CoreResult<()> {
        // No write transaction (SQLite's is the database's one writer) for a cookie that
        // can't be a session's.
        if !tokens::is_well_formed(token) {
            return Ok(());
        }
        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        end_session(&tx, token, clean_ip(ip), now).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Revokes the live session of `token`, if there is one, and records that its user signed
/// out. An unknown, malformed, expired-and-gone or already revoked token changes nothing.
async fn end_session(
    tx: &DatabaseTransaction,
    token: &str,
    ip: Option<String>,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    if !tokens::is_well_formed(token) {
        return Ok(());
    }
    let mut revoke = Sql::new("UPDATE sessions SET revoked_at = ");
    revoke
        .bind(now)
        .push(" WHERE revoked_at IS NULL AND token_hash = ")
        .bind(tokens::hash_token(token))
        .push(" RETURNING user_id");
    let Some(revoked) = revoke.query_one(tx).await? else {
        return Ok(());
    };
    let user_id: i64 = revoked.try_get("", "user_id")?;
    if let Some(user) = user::Entity::find_by_id(user_id).one(tx).await? {
        activity::record_one(
            tx,
            NewActivity {
                org_id: user.org_id,
                actor_id: Some(user.id),
                actor_label: None,
                subject_id: Some(user.id),
                kind: ActivityKind::SignedOut,
                details: "Signed out".into(),
                ip,
            },
            now,
        )
        .await?;
    }
    Ok(())
}
