//! Sign-in and sessions. A session is a 256-bit token in an HttpOnly cookie; the database
//! keeps its SHA-256, its expiry, and when it was revoked (sign-out, password reset).

use orgdesk_types::{ActivityKind, Actor, Role, UserStatus};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::activity::{self, clean_ip, NewActivity};
use crate::authz::{normalize_email, MAX_EMAIL_LEN};
use crate::db::{self, Sql};
use crate::entities::{organization, session, user};
use crate::{rate_limit, tokens, Core, CoreError, CoreResult, NewSession, SignInOutcome};

/// What checking a password against one account found.
enum Verdict {
    SignedIn,
    /// The password is the one an admin reset invalidated.
    ResetRequired,
    /// Right password, suspended account.
    Suspended,
    Wrong,
}

impl Core {
    pub(crate) async fn sign_in_impl(
        &self,
        email: &str,
        password: &str,
        ip: Option<&str>,
    ) -> CoreResult<SignInOutcome> {
        let now = self.now();
        let email = normalize_email(email);
        let ip = clean_ip(ip);
        let limit_key = rate_limit::key(
            "sign_in",
            "email_ip",
            &format!("{email}|{}", ip.as_deref().unwrap_or("-")),
        );
        // Failed attempts count against the limit (checked before any work); successful
        // ones don't, so people who sign in often are never locked out.
        let limit = self.config().sign_in_limit;
        rate_limit::check(self.db(), &limit_key, limit, now).await?;

        let candidates = if email.len() <= MAX_EMAIL_LEN && !email.is_empty() {
            // Emails are unique per organization; the same person may exist in several.
            user::Entity::find()
                .filter(user::Column::Email.eq(email.as_str()))
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
            rate_limit::hit(self.db(), &limit_key, limit, now).await?;
            return Err(CoreError::InvalidCredentials);
        }

        let mut failures = Vec::new();
        for candidate in candidates {
            match self.verdict(&candidate, password).await? {
                Verdict::SignedIn => return self.open_session(candidate, ip).await,
                Verdict::ResetRequired => {
                    activity::record_one(
                        self.db(),
                        NewActivity {
                            org_id: candidate.org_id,
                            actor_id: Some(candidate.id),
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
                subject_id: Some(user.id),
                kind: ActivityKind::SignInFailed,
                details: format!("Sign-in failed: {why}"),
                ip: ip.clone(),
            })
            .collect();
        activity::record(self.db(), events, now).await?;
        rate_limit::hit(self.db(), &limit_key, limit, now).await?;
        Err(CoreError::InvalidCredentials)
    }

    async fn verdict(&self, user: &user::Model, password: &str) -> CoreResult<Verdict> {
        if let Some(hash) = &user.password_hash {
            if !self.passwords().verify(password, hash).await? {
                return Ok(Verdict::Wrong);
            }
            return Ok(if user.status == UserStatus::Suspended.as_str() {
                Verdict::Suspended
            } else {
                Verdict::SignedIn
            });
        }
        match &user.previous_password_hash {
            Some(previous) if user.status == UserStatus::ResetPending.as_str() => {
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

    async fn open_session(
        &self,
        user: user::Model,
        ip: Option<String>,
    ) -> CoreResult<SignInOutcome> {
        let now = self.now();
        let ttl = chrono::Duration::from_std(self.config().session_ttl)
            .map_err(|e| CoreError::Internal(format!("session ttl: {e}")))?;
        let token = tokens::new_token()?;
        let expires_at = now + ttl;
        let org = organization::Entity::find_by_id(user.org_id)
            .one(self.db())
            .await?
            .ok_or_else(|| CoreError::Internal("user without organization".into()))?;
        let role =
            Role::parse(&user.role).ok_or_else(|| CoreError::Internal("unknown role".into()))?;

        let tx = db::begin_write(self.db()).await?;
        session::Entity::insert(session::ActiveModel {
            token_hash: Set(token.hash),
            user_id: Set(user.id),
            created_at: Set(now),
            expires_at: Set(expires_at),
            revoked_at: Set(None),
            ..Default::default()
        })
        .exec_without_returning(&tx)
        .await?;
        let mut touch = Sql::new("UPDATE users SET last_sign_in_at = ");
        touch.bind(now).push(" WHERE id = ").bind(user.id);
        touch.execute(&tx).await?;
        activity::record_one(
            &tx,
            NewActivity {
                org_id: user.org_id,
                actor_id: Some(user.id),
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

    pub(crate) async fn session_actor_impl(&self, token: &str) -> CoreResult<Option<Actor>> {
        if !tokens::is_well_formed(token) {
            return Ok(None);
        }
        let now = self.now();
        let Some(session) = session::Entity::find()
            .filter(session::Column::TokenHash.eq(tokens::hash_token(token)))
            .filter(session::Column::RevokedAt.is_null())
            .filter(session::Column::ExpiresAt.gt(now))
            .one(self.db())
            .await?
        else {
            return Ok(None);
        };
        let Some(user) = user::Entity::find_by_id(session.user_id)
            .one(self.db())
            .await?
        else {
            return Ok(None);
        };
        if user.status == UserStatus::Suspended.as_str() {
            return Ok(None);
        }
        let Some(role) = Role::parse(&user.role) else {
            return Ok(None);
        };
        let Some(org) = organization::Entity::find_by_id(user.org_id)
            .one(self.db())
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(Actor {
            user_id: user.id,
            org_id: user.org_id,
            org_name: org.name,
            name: user.name,
            email: user.email,
            role,
        }))
    }

    pub(crate) async fn sign_out_impl(&self, token: &str, ip: Option<&str>) -> CoreResult<()> {
        if !tokens::is_well_formed(token) {
            return Ok(());
        }
        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        let Some(session) = session::Entity::find()
            .filter(session::Column::TokenHash.eq(tokens::hash_token(token)))
            .filter(session::Column::RevokedAt.is_null())
            .one(&tx)
            .await?
        else {
            return Ok(());
        };
        let mut revoke = Sql::new("UPDATE sessions SET revoked_at = ");
        revoke.bind(now).push(" WHERE id = ").bind(session.id);
        revoke.execute(&tx).await?;
        if let Some(user) = user::Entity::find_by_id(session.user_id).one(&tx).await? {
            activity::record_one(
                &tx,
                NewActivity {
                    org_id: user.org_id,
                    actor_id: Some(user.id),
                    subject_id: Some(user.id),
                    kind: ActivityKind::SignedOut,
                    details: "Signed out".into(),
                    ip: clean_ip(ip),
                },
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
