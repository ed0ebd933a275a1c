//! The user's path: Resend Email (from the sign-in prompt or an expired link), Forgot your
//! password? (the current password keeps working), completing a reset with a new password,
//! and "Didn't expect this? Cancel the request" from the email.

use std::time::Instant;

use chrono::{DateTime, Utc};
use orgdesk_types::limits::MAX_EMAIL_LEN;
use orgdesk_types::password_policy::{self, PasswordContext};
use orgdesk_types::{ActivityKind, LinkPurpose, LinkState, UserStatus};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder};

use super::{lock_user, revoke_sessions, unusable, Occasion};
use crate::activity::{self, clean_ip, NewActivity};
use crate::db::{self, Sql};
use crate::emails::{self, EmailKind};
use crate::entities::{reset_link, user};
use crate::links::{self, RawState};
use crate::outbox::{self, Content, NewEmail};
use crate::people::normalize_email;
use crate::{rate_limit, Core, CoreError, CoreResult};

/// What an email typed into a public page asks for; each has its own rate limits.
#[derive(Clone, Copy)]
enum PublicRequest {
    /// Resend Email, for a reset an admin started.
    Resend,
    /// Forgot your password?
    Forgot,
}

impl PublicRequest {
    /// The accounts it can serve: a pending reset's, or any but a suspended one's.
    fn serves(self) -> sea_orm::sea_query::SimpleExpr {
        match self {
            Self::Resend => user::Column::Status.eq(UserStatus::ResetPending.as_str()),
            Self::Forgot => user::Column::Status.ne(UserStatus::Suspended.as_str()),
        }
    }
}

impl Core {
    pub(crate) async fn resend_reset_email_impl(
        &self,
        email: &str,
        ip: Option<&str>,
    ) -> CoreResult<()> {
        self.public_request(PublicRequest::Resend, email, ip).await
    }

    pub(crate) async fn request_forgot_password_impl(
        &self,
        email: &str,
        ip: Option<&str>,
    ) -> CoreResult<()> {
        self.public_request(PublicRequest::Forgot, email, ip).await
    }

    /// An email typed into a public page: once the rate limits allow it, a link for each
    /// account (one per organization) the request can serve. The page answers the same
    /// whatever happens, so it never tells which emails have accounts; and with no account
    /// to serve, the answer waits as long as serving one typically takes, so it also comes
    /// as late (security review F8).
    async fn public_request(
        &self,
        request: PublicRequest,
        email: &str,
        ip: Option<&str>,
    ) -> CoreResult<()> {
        let now = self.now();
        let ip = clean_ip(ip);
        let email = normalize_email(email);
        self.limit_email_and_ip(request, &email, ip.as_deref(), now)
            .await?;
        let accounts = if email.is_empty() || email.len() > MAX_EMAIL_LEN {
            Vec::new()
        } else {
            user::Entity::find()
                .filter(user::Column::Email.eq(email.as_str()))
                .filter(request.serves())
                .all(self.db())
                .await?
        };
        if accounts.is_empty() {
            self.public_request_work.wait().await;
            return Ok(());
        }
        let started = Instant::now();
        for account in accounts {
            let (org_id, user_id, ip) = (account.org_id, account.id, ip.clone());
            match request {
                PublicRequest::Resend => {
                    self.user_resend(org_id, user_id, "the sign-in page", ip, now)
                        .await?
                }
                PublicRequest::Forgot => {
                    self.forgot_link(org_id, user_id, "Forgot your password?", ip, now)
                        .await?
                }
            }
        }
        self.public_request_work.record(started.elapsed());
        Ok(())
    }

    /// A new admin-reset link for a user whose reset is (still) pending.
    async fn user_resend(
        &self,
        org_id: i64,
        user_id: i64,
        from: &'static str,
        ip: Option<String>,
        now: DateTime<Utc>,
    ) -> CoreResult<()> {
        let tx = db::begin_write(self.db()).await?;
        let Some(target) = lock_user(&tx, org_id, user_id).await? else {
            return Ok(());
        };
        if target.status() != Some(UserStatus::ResetPending) {
            return Ok(());
        }
        // Name the admin who reset the password, as the first email did.
        let last_admin_link = reset_link::Entity::find()
            .filter(reset_link::Column::UserId.eq(target.id))
            .filter(reset_link::Column::Purpose.eq(links::purpose_str(LinkPurpose::AdminReset)))
            .order_by_desc(reset_link::Column::Id)
            .one(&tx)
            .await?;
        if last_admin_link
            .as_ref()
            .is_some_and(|l| l.cancelled_at.is_some())
        {
            // The user said they didn't expect this reset. Whoever asks on a public page may
            // be the one who caused it (and may read the inbox), so no link goes out until an
            // admin has checked with the user and sent one from the console. The page answers
            // as always; the admins see the attempt.
            return self.withhold_link(tx, &target, from, ip, now).await;
        }
        let admin = match last_admin_link.and_then(|l| l.created_by) {
            Some(admin_id) => user::Entity::find_by_id(admin_id).one(&tx).await?,
            None => None,
        };
        let occasion = Occasion::UserResend {
            admin_name: admin.as_ref().map(|a| a.name.as_str()),
        };
        let event = (
            ActivityKind::ResetEmailResent,
            format!("New reset link requested from {from}; the previous link no longer works"),
        );
        self.mail_own_link(tx, &target, occasion, event, ip, now)
            .await
    }

    pub(crate) async fn resend_from_link_impl(
        &self,
        token: &str,
        ip: Option<&str>,
    ) -> CoreResult<()> {
        let now = self.now();
        let ip = clean_ip(ip);
        if let Some(ip) = &ip {
            rate_limit::hit(
                self.db(),
                &rate_limit::address_key("resend_link", ip),
                self.config().resend_limit,
                now,
            )
            .await?;
        }
        // Only an expired link earns a new one; anything else (garbage, unknown, used,
        // revoked, still valid) is answered Ok without doing anything, so the page can't
        // be used to probe tokens.
        let Some(found) = links::find(self.db(), token, now).await? else {
            return Ok(());
        };
        if found.state != RawState::Expired {
            return Ok(());
        }
        let link = found.link;
        rate_limit::hit(
            self.db(),
            &rate_limit::key("resend_link", "user", &link.user_id.to_string()),
            self.config().resend_limit,
            now,
        )
        .await?;
        match links::parse_purpose(&link.purpose) {
            Some(LinkPurpose::AdminReset) => {
                self.user_resend(link.org_id, link.user_id, "an expired link", ip, now)
                    .await
            }
            Some(LinkPurpose::ForgotPassword) => {
                self.forgot_link(link.org_id, link.user_id, "an expired link", ip, now)
                    .await
            }
            Some(LinkPurpose::Invitation) => {
                self.reinvite(link.org_id, link.user_id, ip, now).await
            }
            None => Ok(()),
        }
    }

    /// A new invitation for a user who is still invited, asked for from an expired one.
    async fn reinvite(
        &self,
        org_id: i64,
        user_id: i64,
        ip: Option<String>,
        now: DateTime<Utc>,
    ) -> CoreResult<()> {
        let tx = db::begin_write(self.db()).await?;
        let Some(target) = lock_user(&tx, org_id, user_id).await? else {
            return Ok(());
        };
        if target.status() != Some(UserStatus::Invited) {
            return Ok(());
        }
        let event = (
            ActivityKind::InvitationSent,
            "New invitation requested from an expired one; the previous link no longer works"
                .to_owned(),
        );
        self.mail_own_link(
            tx,
            &target,
            Occasion::Invitation { by: None },
            event,
            ip,
            now,
        )
        .await
    }

    /// A forgot-password link: the current password keeps working until a new one is set.
    async fn forgot_link(
        &self,
        org_id: i64,
        user_id: i64,
        from: &'static str,
        ip: Option<String>,
        now: DateTime<Utc>,
    ) -> CoreResult<()> {
        let tx = db::begin_write(self.db()).await?;
        let Some(target) = lock_user(&tx, org_id, user_id).await? else {
            return Ok(());
        };
        if target.status() == Some(UserStatus::Suspended) {
            return Ok(());
        }
        if target.status() == Some(UserStatus::ResetPending) {
            // An admin already reset this password: "your current password keeps working"
            // would be false. Send a fresh admin-reset link instead.
            tx.rollback().await?;
            return self.user_resend(org_id, user_id, from, ip, now).await;
        }
        let event = (
            ActivityKind::ForgotPasswordRequested,
            format!("Reset link requested from {from}; the current password keeps working"),
        );
        self.mail_own_link(tx, &target, Occasion::Forgot, event, ip, now)
            .await
    }

    /// A public request for a link, refused while the user's latest admin reset stands
    /// cancelled: recorded for the admins, nothing sent.
    async fn withhold_link(
        &self,
        tx: DatabaseTransaction,
        target: &user::Model,
        from: &'static str,
        ip: Option<String>,
        now: DateTime<Utc>,
    ) -> CoreResult<()> {
        activity::record_one(
            &tx,
            NewActivity {
                org_id: target.org_id,
                actor_id: None,
                actor_label: Some("A visitor".into()),
                subject_id: Some(target.id),
                kind: ActivityKind::ResetLinkWithheld,
                details: format!(
                    "A new reset link was requested from {from} and not sent: the user reported \
                     the reset as unexpected. Check with the user, then Resend Email"
                ),
                ip,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        tracing::warn!(
            user = target.id,
            from,
            "reset link withheld: the user cancelled the admin's reset"
        );
        Ok(())
    }

    /// The end of every request a user makes for a link of their own: the link issued and
    /// mailed (older ones stop working), the request recorded with the user as its actor, the
    /// transaction committed.
    async fn mail_own_link(
        &self,
        tx: DatabaseTransaction,
        target: &user::Model,
        occasion: Occasion<'_>,
        (kind, details): (ActivityKind, String),
        ip: Option<String>,
        now: DateTime<Utc>,
    ) -> CoreResult<()> {
        let org = self.organization(&tx, target.org_id).await?;
        self.issue_and_mail(
            &tx,
            &org,
            std::slice::from_ref(target),
            occasion,
            ip.clone(),
            now,
        )
        .await?;
        let event = NewActivity {
            org_id: target.org_id,
            actor_id: Some(target.id),
            actor_label: None,
            subject_id: Some(target.id),
            kind,
            details,
            ip,
        };
        activity::record_one(&tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn complete_reset_impl(
        &self,
        token: &str,
        new_password: &str,
        ip: Option<&str>,
    ) -> CoreResult<()> {
        let now = self.now();
        let Some(found) = links::find(self.db(), token, now).await? else {
            return Err(CoreError::LinkUnusable(LinkState::Unknown));
        };
        if found.state != RawState::Live {
            return Err(unusable(self.db(), Some(found)).await);
        }
        let link = found.link;
        let target = user::Entity::find_by_id(link.user_id)
            .one(self.db())
            .await?
            .ok_or(CoreError::LinkUnusable(LinkState::Unknown))?;
        let assessment = password_policy::assess(
            new_password,
            &PasswordContext {
                email: target.email.clone(),
                name: target.name.clone(),
            },
        );
        if !assessment.is_acceptable() {
            return Err(CoreError::WeakPassword(assessment.violations()));
        }
        let hash = self.passwords().hash(new_password).await?;
        // Hashing took a while: the link must still be valid at the moment it is used.
        let now = self.now().max(now);

        let tx = db::begin_write(self.db()).await?;
        let Some(target) = lock_user(&tx, link.org_id, link.user_id).await? else {
            return Err(CoreError::LinkUnusable(LinkState::Unknown));
        };
        // Conditional: of two submissions racing with the same link, exactly one marks it used.
        let mut use_link = Sql::new("UPDATE reset_links SET used_at = ");
        use_link
            .bind(now)
            .push(" WHERE id = ")
            .bind(link.id)
            .push(" AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ")
            .bind(now);
        if use_link.execute(&tx).await? != 1 {
            tx.rollback().await?;
            let found = links::find(self.db(), token, now).await?;
            return Err(unusable(self.db(), found).await);
        }
        let mut set_password = Sql::new("UPDATE users SET password_hash = ");
        set_password
            .bind(hash)
            .push(", previous_password_hash = NULL, status = CASE WHEN status = 'suspended' THEN status ELSE 'active' END")
            .push(", password_changed_at = ")
            .bind(now)
            .push(" WHERE id = ")
            .bind(target.id);
        set_password.execute(&tx).await?;
        // Every other outstanding link dies with this one; every session is signed out, and
        // no browser is known to the account any more (decision 63).
        links::revoke_open(&tx, &[target.id], now).await?;
        revoke_sessions(&tx, &[target.id], now).await?;
        let mut forget_devices = Sql::new("DELETE FROM known_devices WHERE email = ");
        forget_devices.bind(target.email.as_str());
        forget_devices.execute(&tx).await?;

        let org = self.organization(&tx, target.org_id).await?;
        let ip = clean_ip(ip);
        let sign_in_url = format!(
            "{}/sign-in",
            self.config().public_base_url.trim_end_matches('/')
        );
        let email = emails::password_changed(&emails::PasswordChangedEmail {
            org_name: &org.name,
            user_name: &target.name,
            changed_at: now,
            sign_in_url: &sign_in_url,
        });
        outbox::enqueue(
            &tx,
            vec![NewEmail {
                org_id: org.id,
                user_id: Some(target.id),
                actor_id: Some(target.id),
                actor_label: None,
                kind: EmailKind::PasswordChanged,
                to: target.email.clone(),
                content: Content::Written(email),
                ip: ip.clone(),
            }],
            now,
        )
        .await?;
        let how = match links::parse_purpose(&link.purpose) {
            Some(LinkPurpose::ForgotPassword) => "a forgot-password link",
            Some(LinkPurpose::Invitation) => "the invitation link (first password)",
            _ => "the link from an admin reset",
        };
        activity::record_one(
            &tx,
            NewActivity {
                org_id: org.id,
                actor_id: Some(target.id),
                actor_label: None,
                subject_id: Some(target.id),
                kind: ActivityKind::PasswordChanged,
                details: format!(
                    "Password changed with {how}; other links and all sessions revoked"
                ),
                ip,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn cancel_reset_link_impl(
        &self,
        token: &str,
        ip: Option<&str>,
    ) -> CoreResult<()> {
        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        let Some(found) = links::find(&tx, token, now).await? else {
            return Err(CoreError::LinkUnusable(LinkState::Unknown));
        };
        match found.state {
            RawState::Live => {}
            // Cancelled already (a second tab, a form sent twice): what the user asked for holds.
            RawState::Cancelled => return Ok(()),
            _ => return Err(unusable(&tx, Some(found)).await),
        }
        let link = found.link;
        let Some(target) = lock_user(&tx, link.org_id, link.user_id).await? else {
            return Err(CoreError::LinkUnusable(LinkState::Unknown));
        };
        // Conditional, as when completing a reset: a link used or replaced since it was read
        // (PostgreSQL reads it before the user's row lock) is not cancelled.
        let mut cancel = Sql::new("UPDATE reset_links SET revoked_at = ");
        cancel
            .bind(now)
            .push(", cancelled_at = ")
            .bind(now)
            .push(" WHERE id = ")
            .bind(link.id)
            .push(" AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ")
            .bind(now);
        if cancel.execute(&tx).await? != 1 {
            tx.rollback().await?;
            let found = links::find(self.db(), token, now).await?;
            if found.as_ref().map(|f| f.state) == Some(RawState::Cancelled) {
                return Ok(());
            }
            return Err(unusable(self.db(), found).await);
        }
        // Each user has at most one open link, but make sure: nothing emailed before works.
        links::revoke_open(&tx, &[target.id], now).await?;
        // Nothing else changes. An admin's reset is a security decision the person holding
        // the email can't undo: the password stays invalid and the status "Reset pending", so
        // an admin can check with the user and Resend Email. After Forgot your password? the
        // current password never stopped working.
        let details = match links::parse_purpose(&link.purpose) {
            Some(LinkPurpose::ForgotPassword) => {
                "Reported the forgot-password request as unexpected and \
                 cancelled the emailed link; the current password keeps working"
                    .to_owned()
            }
            _ => {
                let admin = match link.created_by {
                    Some(admin_id) => user::Entity::find_by_id(admin_id).one(&tx).await?,
                    None => None,
                };
                let by = admin.map(|a| format!(" by {}", a.name)).unwrap_or_default();
                format!(
                    "Reported the password reset as unexpected and cancelled the emailed link; the \
                     reset{by} stands and the password stays invalid. Check with the user, then \
                     Resend Email"
                )
            }
        };
        activity::record_one(
            &tx,
            NewActivity {
                org_id: target.org_id,
                actor_id: Some(target.id),
                actor_label: None,
                subject_id: Some(target.id),
                kind: ActivityKind::ResetCancelled,
                details,
                ip: clean_ip(ip),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(
            user = target.id,
            org = target.org_id,
            "reset link cancelled as unexpected"
        );
        Ok(())
    }

    /// One hit against the per-email and the per-address limit of `action`.
    async fn limit_email_and_ip(
        &self,
        action: PublicRequest,
        email: &str,
        ip: Option<&str>,
        now: DateTime<Utc>,
    ) -> CoreResult<()> {
        let (name, limit) = match action {
            PublicRequest::Forgot => ("forgot", self.config().forgot_limit),
            PublicRequest::Resend => ("resend", self.config().resend_limit),
        };
        rate_limit::hit(
            self.db(),
            &rate_limit::key(name, "email", email),
            limit,
            now,
        )
        .await?;
        if let Some(ip) = ip {
            rate_limit::hit(self.db(), &rate_limit::address_key(name, ip), limit, now).await?;
        }
        Ok(())
    }
}
