//! What a signed-in person does to their own account: change their password (with the current
//! one), see where they are signed in, and sign out one other session or every other one. Each
//! acts on the session's own person only.

use orgdesk_types::password_policy::{self, PasswordContext};
use orgdesk_types::{ActivityKind, OwnSession, OwnSessions, UserStatus};
use sea_orm::{DatabaseTransaction, EntityTrait};

use crate::activity::{self, clean_ip, NewActivity};
use crate::auth::and_live_session;
use crate::db::{self, Sql};
use crate::emails::{self, EmailKind};
use crate::entities::user;
use crate::links;
use crate::outbox::{self, Content, NewEmail};
use crate::resets::lock_user;
use crate::{rate_limit, tokens, Core, CoreError, CoreResult};

/// The answer to a current password that isn't the account's.
pub const WRONG_CURRENT_PASSWORD: &str = "That isn't your current password.";

impl Core {
    pub(crate) async fn change_own_password_impl(
        &self,
        session_token: &str,
        current: &str,
        new_password: &str,
        ip: Option<&str>,
    ) -> CoreResult<()> {
        let me = self.session_person(session_token).await?;
        // Each attempt counts, right or wrong: a stolen session gets no more guesses at the
        // password than a sign-in does.
        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        let key = rate_limit::key("change_password", "user", &me.id.to_string());
        rate_limit::hit(&tx, &key, self.config().sign_in_limit, now).await?;
        tx.commit().await?;

        let Some(stored) = me.password_hash.clone() else {
            return Err(CoreError::InvalidInput(WRONG_CURRENT_PASSWORD.into()));
        };
        if !self.passwords().verify(current, &stored).await? {
            return Err(CoreError::InvalidInput(WRONG_CURRENT_PASSWORD.into()));
        }
        let assessment = password_policy::assess(
            new_password,
            &PasswordContext {
                email: me.email.clone(),
                name: me.name.clone(),
            },
        );
        if !assessment.is_acceptable() {
            return Err(CoreError::WeakPassword(assessment.violations()));
        }
        if self.passwords().verify(new_password, &stored).await? {
            return Err(CoreError::InvalidInput(
                "Choose a password different from your current one.".into(),
            ));
        }
        let hash = self.passwords().hash(new_password).await?;
        // Hashing took a while: what follows happens now.
        let now = self.now().max(now);

        let tx = db::begin_write(self.db()).await?;
        let Some(locked) = lock_user(&tx, me.org_id, me.id).await? else {
            return Err(CoreError::Unauthenticated);
        };
        // An admin may have reset the password (or suspended the account) while the hashes
        // ran: their change stands, and this one is refused.
        if locked.password_hash.as_deref() != Some(stored.as_str())
            || locked.status() != Some(UserStatus::Active)
        {
            tx.rollback().await?;
            return Err(CoreError::Conflict(
                "Your password was changed by someone else a moment ago. Sign in again.".into(),
            ));
        }
        let mut set_password = Sql::new("UPDATE users SET password_hash = ");
        set_password
            .bind(hash)
            .push(", previous_password_hash = NULL, password_changed_at = ")
            .bind(now)
            .push(" WHERE id = ")
            .bind(me.id);
        set_password.execute(&tx).await?;
        // As after a reset: every open link dies and no other browser stays signed in or
        // known to the account (decision 63); this browser's session goes on.
        links::revoke_open(&tx, &[me.id], now).await?;
        let others = revoke_other_sessions(&tx, me.id, session_token, now).await?;
        let mut forget_devices = Sql::new("DELETE FROM known_devices WHERE email = ");
        forget_devices.bind(me.email.as_str());
        forget_devices.execute(&tx).await?;

        let org = self.organization(&tx, me.org_id).await?;
        let ip = clean_ip(ip);
        let sign_in_url = format!(
            "{}/sign-in",
            self.config().public_base_url.trim_end_matches('/')
        );
        let email = emails::password_changed(&emails::PasswordChangedEmail {
            org_name: &org.name,
            user_name: &me.name,
            changed_at: now,
            sign_in_url: &sign_in_url,
        });
        outbox::enqueue(
            &tx,
            vec![NewEmail {
                org_id: org.id,
                user_id: Some(me.id),
                actor_id: Some(me.id),
                actor_label: None,
                kind: EmailKind::PasswordChanged,
                to: me.email.clone(),
                content: Content::Written(email),
                ip: ip.clone(),
            }],
            now,
        )
        .await?;
        activity::record_one(
            &tx,
            NewActivity {
                org_id: org.id,
                actor_id: Some(me.id),
                actor_label: None,
                subject_id: Some(me.id),
                kind: ActivityKind::PasswordChanged,
                details: format!(
                    "Password changed from their account, with the current password; open links and {} revoked",
                    other_sessions(others)
                ),
                ip,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Signs out every session of the session's person but this one; how many ended.
    pub(crate) async fn sign_out_other_sessions_impl(
        &self,
        session_token: &str,
        ip: Option<&str>,
    ) -> CoreResult<u64> {
        let me = self.session_person(session_token).await?;
        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        let ended = revoke_other_sessions(&tx, me.id, session_token, now).await?;
        if ended > 0 {
            let details = format!("Signed out of {} from their account", other_sessions(ended));
            activity::record_one(
                &tx,
                own_event(&me, ActivityKind::SignedOut, details, ip),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(ended)
    }

    /// Where the session's person is signed in: their live sessions, this one first, then the
    /// most recently used first.
    pub(crate) async fn own_sessions_impl(&self, session_token: &str) -> CoreResult<OwnSessions> {
        let me = self.session_person(session_token).await?;
        let now = self.now();
        let idle = self.session_idle()?;
        let current = tokens::hash_token(session_token);
        let mut live = Sql::new(
            "SELECT id, token_hash, user_agent, ip, created_at, \
             COALESCE(last_seen_at, created_at) AS seen FROM sessions WHERE user_id = ",
        );
        live.bind(me.id);
        and_live_session(&mut live, "", now, idle);
        live.push(" ORDER BY seen DESC, id DESC");
        let mut sessions = Vec::new();
        for row in live.query_all(self.db()).await? {
            let user_agent: Option<String> = row.try_get("", "user_agent")?;
            sessions.push(OwnSession {
                id: row.try_get("", "id")?,
                current: row.try_get::<String>("", "token_hash")? == current,
                device: describe_device(user_agent.as_deref()),
                ip: row.try_get("", "ip")?,
                signed_in_at: row.try_get("", "created_at")?,
                last_seen_at: row.try_get("", "seen")?,
            });
        }
        // This one first, then the rest as they were last used (a stable sort keeps that order).
        sessions.sort_by_key(|s: &OwnSession| !s.current);
        Ok(OwnSessions { now, sessions })
    }

    /// Signs out one other session of the session's person, by its id in [`Self::own_sessions_impl`]'s
    /// list. This browser's own session is ended by signing out; anyone else's, or one that
    /// already ended, is `NotFound`.
    pub(crate) async fn sign_out_own_session_impl(
        &self,
        session_token: &str,
        session_id: i64,
        ip: Option<&str>,
    ) -> CoreResult<()> {
        let me = self.session_person(session_token).await?;
        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        let mut revoke = Sql::new("UPDATE sessions SET revoked_at = ");
        revoke
            .bind(now)
            .push(" WHERE id = ")
            .bind(session_id)
            .push(" AND user_id = ")
            .bind(me.id)
            .push(" AND revoked_at IS NULL AND expires_at > ")
            .bind(now)
            .push(" AND token_hash <> ")
            .bind(tokens::hash_token(session_token))
            .push(" RETURNING user_agent");
        let Some(ended) = revoke.query_one(&tx).await? else {
            tx.rollback().await?;
            return Err(CoreError::NotFound(
                "That browser or device is no longer signed in.".into(),
            ));
        };
        let user_agent: Option<String> = ended.try_get("", "user_agent")?;
        let details = format!(
            "Signed out of another session ({}) from their account",
            describe_device(user_agent.as_deref())
        );
        activity::record_one(
            &tx,
            own_event(&me, ActivityKind::SignedOut, details, ip),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The person of a live session, or `Unauthenticated`.
    async fn session_person(&self, session_token: &str) -> CoreResult<user::Model> {
        let actor = self
            .session_actor_impl(session_token)
            .await?
            .ok_or(CoreError::Unauthenticated)?;
        user::Entity::find_by_id(actor.user_id)
            .one(self.db())
            .await?
            .ok_or(CoreError::Unauthenticated)
    }
}

/// A browser and its system in words, from a `User-Agent`: "Chrome on Linux", "Safari on iOS".
/// The common browsers and systems only; anything else is "A browser" or "an unknown system".
pub fn describe_device(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent.filter(|ua| !ua.trim().is_empty()) else {
        return "An unknown browser".into();
    };
    // Order matters: Edge and Opera also say Chrome, Chrome also says Safari, Android also
    // says Linux, and an iPhone's browsers all say Safari's engine.
    let browser = [
        ("Edg/", "Edge"),
        ("EdgiOS/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("FxiOS/", "Firefox"),
        ("CriOS/", "Chrome"),
        ("Chrome/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .iter()
    .find(|(mark, _)| ua.contains(mark))
    .map(|(_, name)| *name)
    .unwrap_or("A browser");
    let system = [
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Android", "Android"),
        ("CrOS", "ChromeOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Macintosh", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(mark, _)| ua.contains(mark))
    .map(|(_, name)| *name);
    match system {
        Some(system) => format!("{browser} on {system}"),
        None => browser.to_string(),
    }
}

/// Something a person did to their own account.
fn own_event(
    me: &user::Model,
    kind: ActivityKind,
    details: String,
    ip: Option<&str>,
) -> NewActivity {
    NewActivity {
        org_id: me.org_id,
        actor_id: Some(me.id),
        actor_label: None,
        subject_id: Some(me.id),
        kind,
        details,
        ip: clean_ip(ip),
    }
}

/// "1 other session", "3 other sessions".
fn other_sessions(n: u64) -> String {
    match n {
        1 => "1 other session".into(),
        n => format!("{n} other sessions"),
    }
}

/// Revokes the user's live sessions but the one of `keep`; how many.
async fn revoke_other_sessions(
    tx: &DatabaseTransaction,
    user_id: i64,
    keep: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> CoreResult<u64> {
    let mut revoke = Sql::new("UPDATE sessions SET revoked_at = ");
    revoke
        .bind(now)
        .push(" WHERE revoked_at IS NULL AND expires_at > ")
        .bind(now)
        .push(" AND user_id = ")
        .bind(user_id)
        .push(" AND token_hash <> ")
        .bind(tokens::hash_token(keep));
    Ok(revoke.execute(tx).await?)
}

#[cfg(test)]
mod tests {
    use super::describe_device;

    #[test]
    fn devices_are_named_by_browser_and_system() {
        let cases = [
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome on Linux"),
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36", "Chrome on Linux"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge on Windows"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", "Safari on macOS"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0 Mobile/15E148 Safari/604.1", "Chrome on iOS"),
            ("Mozilla/5.0 (Android 14; Mobile; rv:127.0) Gecko/127.0 Firefox/127.0", "Firefox on Android"),
            ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36", "Chrome on Android"),
            ("curl/8.5.0", "curl"),
            ("something else", "A browser"),
        ];
        for (ua, expected) in cases {
            assert_eq!(describe_device(Some(ua)), expected, "{ua}");
        }
        assert_eq!(describe_device(None), "An unknown browser");
        assert_eq!(describe_device(Some("  ")), "An unknown browser");
    }
}
