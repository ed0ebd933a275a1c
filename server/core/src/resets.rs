//! Password resets, both ways in:
//! - the admin path (row menu, sidebar, bulk): the current password stops working at once,
//!   sessions are signed out, a link is emailed; set-based SQL, one transaction per call;
//! - the user's path: Resend Email (sign-in prompt or expired link), Forgot your password?
//!   (the current password keeps working), completing a reset with a new password, and
//!   "Didn't expect this? Cancel the request" from the email.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use orgdesk_types::password_policy::{self, PasswordContext};
use orgdesk_types::{
    ActivityKind, Actor, LinkPurpose, LinkState, ResetReport, Role, SkipReason, SkippedUser,
    UserFilter, UserId, UserStatus,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::activity::{self, clean_ip, NewActivity};
use crate::authz::{self, normalize_email, MAX_EMAIL_LEN};
use crate::db::{self, id_batch, Sql};
use crate::emails::{self, EmailKind, RequestedBy};
use crate::entities::{organization, reset_link, user};
use crate::links::{self, FoundLink, RawState};
use crate::outbox::{self, NewEmail};
use crate::users::filter_condition;
use crate::{rate_limit, Core, CoreError, CoreResult};

/// The most users one reset call may name.
pub const MAX_RESET_TARGETS: usize = 100_000;

/// Why a link is being issued, which decides the email and the activity recorded.
#[derive(Clone, Copy)]
enum Occasion<'a> {
    /// An admin reset the password (`admin` is who).
    AdminReset { admin: &'a user::Model },
    /// An admin pressed Resend Email.
    AdminResend { admin: &'a user::Model },
    /// The user asked for a new admin-reset link; `admin` reset the password originally.
    UserResend { admin_name: Option<&'a str> },
    /// Forgot your password? (or a new forgot link from an expired one).
    Forgot,
}

impl Occasion<'_> {
    fn purpose(self) -> LinkPurpose {
        match self {
            Occasion::Forgot => LinkPurpose::ForgotPassword,
            _ => LinkPurpose::AdminReset,
        }
    }
    fn actor_id(self) -> Option<i64> {
        match self {
            Occasion::AdminReset { admin } | Occasion::AdminResend { admin } => Some(admin.id),
            _ => None,
        }
    }
}

/// Why a link can't be used, as the error the pages explain.
async fn unusable(db: &impl ConnectionTrait, found: Option<FoundLink>) -> CoreError {
    match found {
        None => CoreError::LinkUnusable(LinkState::Unknown),
        // Live but refused (e.g. the account vanished): say nothing more than "unknown".
        Some(found) if found.state == RawState::Live => CoreError::LinkUnusable(LinkState::Unknown),
        Some(found) => match links::describe(db, found).await {
            Ok(state) => CoreError::LinkUnusable(state),
            Err(e) => e,
        },
    }
}

fn minutes(m: i32) -> chrono::Duration {
    chrono::Duration::minutes(i64::from(m.max(1)))
}

impl Core {
    // --- the admin path -------------------------------------------------------------------

    pub(crate) async fn admin_reset_passwords_impl(
        &self,
        actor: &Actor,
        targets: &[UserId],
        ip: Option<&str>,
    ) -> CoreResult<ResetReport> {
        if targets.is_empty() {
            return Err(CoreError::InvalidInput(
                "Choose at least one user to reset.".into(),
            ));
        }
        if targets.len() > MAX_RESET_TARGETS {
            return Err(CoreError::InvalidInput(format!(
                "At most {MAX_RESET_TARGETS} users can be reset at once; narrow the selection."
            )));
        }
        let mut seen = HashSet::with_capacity(targets.len());
        let ids: Vec<i64> = targets
            .iter()
            .copied()
            .filter(|id| seen.insert(*id))
            .collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();

        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        let admin = authz::console_admin(&tx, actor).await?;
        self.count_admin_reset(&tx, &admin, now).await?;
        let org = self.organization(&tx, admin.org_id).await?;
        // Lock the targets (PostgreSQL), in id order so two bulk resets never deadlock.
        let mut found: HashMap<i64, user::Model> = HashMap::with_capacity(ids.len());
        for chunk in sorted.chunks(id_batch(&tx)) {
            // By primary key only, the organization checked here: with `org_id = ?` in the
            // WHERE, planners without fresh statistics walk the organization's index (every
            // user) instead of probing the ids.
            let rows = user::Entity::find()
                .filter(user::Column::Id.is_in(chunk.iter().copied()))
                .order_by_asc(user::Column::Id)
                .lock_exclusive()
                .all(&tx)
                .await?;
            found.extend(
                rows.into_iter()
                    .filter(|u| u.org_id == admin.org_id)
                    .map(|u| (u.id, u)),
            );
        }
        let mut report = ResetReport::default();
        let mut permitted = Vec::with_capacity(found.len());
        for id in ids {
            match found.remove(&id) {
                None => report.skipped.push(SkippedUser {
                    user_id: id,
                    name: String::new(),
                    reason: SkipReason::NotFound,
                }),
                Some(target) => match skip_reason(&admin, &target) {
                    Some(reason) => report.skipped.push(SkippedUser {
                        user_id: id,
                        name: target.name,
                        reason,
                    }),
                    None => permitted.push(target),
                },
            }
        }
        self.reset_in_tx(&tx, &org, &admin, &permitted, clean_ip(ip), now)
            .await?;
        tx.commit().await?;
        report.reset = permitted.iter().map(|u| u.id).collect();
        tracing::info!(
            admin = admin.id,
            org = admin.org_id,
            reset = report.reset.len(),
            skipped = report.skipped.len(),
            "admin reset passwords"
        );
        Ok(report)
    }

    pub(crate) async fn admin_reset_matching_impl(
        &self,
        actor: &Actor,
        filter: &UserFilter,
        expected_count: u64,
        ip: Option<&str>,
    ) -> CoreResult<ResetReport> {
        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        let admin = authz::console_admin(&tx, actor).await?;
        self.count_admin_reset(&tx, &admin, now).await?;
        let org = self.organization(&tx, admin.org_id).await?;
        let matching = user::Entity::find()
            .filter(filter_condition(
                tx.get_database_backend(),
                admin.org_id,
                filter,
            )?)
            .order_by_asc(user::Column::Id)
            .limit(MAX_RESET_TARGETS as u64 + 1)
            .lock_exclusive()
            .all(&tx)
            .await?;
        if matching.is_empty() {
            return Err(CoreError::InvalidInput(
                "No users match this filter.".into(),
            ));
        }
        if matching.len() > MAX_RESET_TARGETS {
            return Err(CoreError::InvalidInput(format!(
                "More than {MAX_RESET_TARGETS} users match; narrow the filter."
            )));
        }
        // The admin confirmed a number: if the filter matches another one now (users added,
        // or a stale or forged request), they did not agree to this.
        if matching.len() as u64 != expected_count {
            return Err(CoreError::InvalidInput(format!(
                "The filter now matches {} users, not the {expected_count} you confirmed. Nothing was reset: review the list and try again.",
                matching.len()
            )));
        }
        let mut report = ResetReport::default();
        let mut permitted = Vec::with_capacity(matching.len());
        for target in matching {
            match skip_reason(&admin, &target) {
                Some(reason) => report.skipped.push(SkippedUser {
                    user_id: target.id,
                    name: target.name,
                    reason,
                }),
                None => permitted.push(target),
            }
        }
        self.reset_in_tx(&tx, &org, &admin, &permitted, clean_ip(ip), now)
            .await?;
        tx.commit().await?;
        report.reset = permitted.iter().map(|u| u.id).collect();
        tracing::info!(
            admin = admin.id,
            org = admin.org_id,
            reset = report.reset.len(),
            skipped = report.skipped.len(),
            "admin reset passwords"
        );
        Ok(report)
    }

    /// The reset itself, for users already locked and permitted: a dozen statements or so per
    /// 10,000 users.
    async fn reset_in_tx(
        &self,
        tx: &DatabaseTransaction,
        org: &organization::Model,
        admin: &user::Model,
        targets: &[user::Model],
        ip: Option<String>,
        now: DateTime<Utc>,
    ) -> CoreResult<()> {
        if targets.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = targets.iter().map(|u| u.id).collect();
        for chunk in ids.chunks(id_batch(tx)) {
            // The current password stops working now; its hash is kept aside only to
            // recognise it at sign-in and explain that a reset is pending. A second reset
            // keeps the hash from before the first one.
            // (By id alone: the targets are this organization's rows, locked above.)
            let mut invalidate = Sql::new(
                "UPDATE users SET previous_password_hash = COALESCE(password_hash, previous_password_hash), \
                 password_hash = NULL, status = 'reset_pending' WHERE id IN (",
            );
            invalidate.bind_list(chunk.iter().copied()).push(")");
            invalidate.execute(tx).await?;
            revoke_sessions(tx, chunk, now).await?;
        }
        self.issue_and_mail(
            tx,
            org,
            targets,
            Occasion::AdminReset { admin },
            ip.clone(),
            now,
        )
        .await?;
        let ttl = org.admin_link_ttl_minutes;
        let events = targets
            .iter()
            .map(|u| NewActivity {
                org_id: org.id,
                actor_id: Some(admin.id),
                subject_id: Some(u.id),
                kind: ActivityKind::AdminResetPassword,
                details: format!(
                    "Password reset by {}: current password invalidated, sessions signed out, \
                     link valid {ttl} minutes emailed to {}",
                    admin.name, u.email
                ),
                ip: ip.clone(),
            })
            .collect();
        activity::record(tx, events, now).await?;
        Ok(())
    }

    pub(crate) async fn admin_resend_reset_email_impl(
        &self,
        actor: &Actor,
        user_id: UserId,
        ip: Option<&str>,
    ) -> CoreResult<()> {
        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        let admin = authz::console_admin(&tx, actor).await?;
        self.count_admin_reset(&tx, &admin, now).await?;
        let org = self.organization(&tx, admin.org_id).await?;
        let target = lock_user(&tx, admin.org_id, user_id)
            .await?
            .ok_or_else(|| CoreError::NotFound(authz::NO_SUCH_USER.into()))?;
        match skip_reason(&admin, &target) {
            Some(SkipReason::NoPermission | SkipReason::Yourself) => {
                return Err(CoreError::Forbidden)
            }
            Some(SkipReason::NotFound) => {
                return Err(CoreError::NotFound(authz::NO_SUCH_USER.into()))
            }
            _ => {}
        }
        if target.status != UserStatus::ResetPending.as_str() {
            return Err(CoreError::InvalidInput(format!(
                "{} has no pending reset.",
                target.name
            )));
        }
        let ip = clean_ip(ip);
        self.issue_and_mail(
            &tx,
            &org,
            std::slice::from_ref(&target),
            Occasion::AdminResend { admin: &admin },
            ip.clone(),
            now,
        )
        .await?;
        activity::record_one(
            &tx,
            NewActivity {
                org_id: org.id,
                actor_id: Some(admin.id),
                subject_id: Some(target.id),
                kind: ActivityKind::ResetEmailResent,
                details: format!(
                    "{} sent a new reset link to {}; the previous link no longer works",
                    admin.name, target.email
                ),
                ip,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // --- the user's path -------------------------------------------------------------------

    pub(crate) async fn resend_reset_email_impl(
        &self,
        email: &str,
        ip: Option<&str>,
    ) -> CoreResult<()> {
        let now = self.now();
        let ip = clean_ip(ip);
        let pending = user::Column::Status.eq(UserStatus::ResetPending.as_str());
        for candidate in self
            .accounts_for_public_request("resend", email, ip.as_deref(), pending, now)
            .await?
        {
            self.user_resend(
                candidate.org_id,
                candidate.id,
                "the sign-in page",
                ip.clone(),
                now,
            )
            .await?;
        }
        Ok(())
    }

    /// The accounts (one per organization) behind an email typed into a public page, once
    /// the rate limits allow the request. Anything unusable finds none: the page answers the
    /// same either way, so it never tells which emails have accounts.
    async fn accounts_for_public_request(
        &self,
        action: &str,
        email: &str,
        ip: Option<&str>,
        condition: impl sea_orm::sea_query::IntoCondition,
        now: DateTime<Utc>,
    ) -> CoreResult<Vec<user::Model>> {
        let email = normalize_email(email);
        self.limit_email_and_ip(action, &email, ip, now).await?;
        if email.is_empty() || email.len() > MAX_EMAIL_LEN {
            return Ok(Vec::new());
        }
        Ok(user::Entity::find()
            .filter(user::Column::Email.eq(email.as_str()))
            .filter(condition)
            .all(self.db())
            .await?)
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
        if target.status != UserStatus::ResetPending.as_str() {
            return Ok(());
        }
        let org = self.organization(&tx, org_id).await?;
        // Name the admin who reset the password, as the first email did.
        let last_admin_link = reset_link::Entity::find()
            .filter(reset_link::Column::UserId.eq(target.id))
            .filter(reset_link::Column::Purpose.eq(links::purpose_str(LinkPurpose::AdminReset)))
            .order_by_desc(reset_link::Column::Id)
            .one(&tx)
            .await?;
        let admin = match last_admin_link.and_then(|l| l.created_by) {
            Some(admin_id) => user::Entity::find_by_id(admin_id).one(&tx).await?,
            None => None,
        };
        let occasion = Occasion::UserResend {
            admin_name: admin.as_ref().map(|a| a.name.as_str()),
        };
        self.issue_and_mail(
            &tx,
            &org,
            std::slice::from_ref(&target),
            occasion,
            ip.clone(),
            now,
        )
        .await?;
        activity::record_one(
            &tx,
            NewActivity {
                org_id,
                actor_id: Some(target.id),
                subject_id: Some(target.id),
                kind: ActivityKind::ResetEmailResent,
                details: format!(
                    "New reset link requested from {from}; the previous link no longer works"
                ),
                ip,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
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
                &rate_limit::key("resend_link", "ip", ip),
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
            None => Ok(()),
        }
    }

    pub(crate) async fn request_forgot_password_impl(
        &self,
        email: &str,
        ip: Option<&str>,
    ) -> CoreResult<()> {
        let now = self.now();
        let ip = clean_ip(ip);
        let not_suspended = user::Column::Status.ne(UserStatus::Suspended.as_str());
        for candidate in self
            .accounts_for_public_request("forgot", email, ip.as_deref(), not_suspended, now)
            .await?
        {
            self.forgot_link(
                candidate.org_id,
                candidate.id,
                "Forgot your password?",
                ip.clone(),
                now,
            )
            .await?;
        }
        Ok(())
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
        if target.status == UserStatus::Suspended.as_str() {
            return Ok(());
        }
        if target.status == UserStatus::ResetPending.as_str() {
            // An admin already reset this password: "your current password keeps working"
            // would be false. Send a fresh admin-reset link instead.
            tx.rollback().await?;
            return self.user_resend(org_id, user_id, from, ip, now).await;
        }
        let org = self.organization(&tx, org_id).await?;
        self.issue_and_mail(
            &tx,
            &org,
            std::slice::from_ref(&target),
            Occasion::Forgot,
            ip.clone(),
            now,
        )
        .await?;
        activity::record_one(
            &tx,
            NewActivity {
                org_id,
                actor_id: Some(target.id),
                subject_id: Some(target.id),
                kind: ActivityKind::ForgotPasswordRequested,
                details: format!(
                    "Reset link requested from {from}; the current password keeps working"
                ),
                ip,
            },
            now,
        )
        .await?;
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
        // Every other outstanding link dies with this one; every session is signed out.
        links::revoke_open(&tx, &[target.id], now).await?;
        revoke_sessions(&tx, &[target.id], now).await?;

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
                kind: EmailKind::PasswordChanged,
                to: target.email.clone(),
                email,
                ip: ip.clone(),
            }],
            now,
        )
        .await?;
        let how = match links::parse_purpose(&link.purpose) {
            Some(LinkPurpose::ForgotPassword) => "a forgot-password link",
            _ => "the link from an admin reset",
        };
        activity::record_one(
            &tx,
            NewActivity {
                org_id: org.id,
                actor_id: Some(target.id),
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

    // --- shared steps -----------------------------------------------------------------------

    /// Revokes the users' open links, issues one new link each and queues its email.
    async fn issue_and_mail(
        &self,
        tx: &DatabaseTransaction,
        org: &organization::Model,
        targets: &[user::Model],
        occasion: Occasion<'_>,
        ip: Option<String>,
        now: DateTime<Utc>,
    ) -> CoreResult<()> {
        let purpose = occasion.purpose();
        let ttl = match purpose {
            LinkPurpose::AdminReset => minutes(org.admin_link_ttl_minutes),
            LinkPurpose::ForgotPassword => minutes(org.forgot_link_ttl_minutes),
        };
        let ids: Vec<i64> = targets.iter().map(|u| u.id).collect();
        links::revoke_open(tx, &ids, now).await?;
        let created_by = match occasion {
            Occasion::AdminReset { admin } | Occasion::AdminResend { admin } => Some(admin.id),
            _ => None,
        };
        let issued = links::issue(tx, org.id, purpose, created_by, &ids, ttl, now).await?;
        let base = &self.config().public_base_url;
        let mut mails = Vec::with_capacity(targets.len());
        for (target, link) in targets.iter().zip(issued) {
            let url = links::url(base, &link.token);
            let cancel_url = links::cancel_url(base, &link.token);
            let (kind, email) = match occasion {
                Occasion::Forgot => (
                    EmailKind::ForgotPassword,
                    emails::forgot_password(&emails::ForgotPasswordEmail {
                        org_name: &org.name,
                        user_name: &target.name,
                        link: &url,
                        cancel_link: &cancel_url,
                        now,
                        expires_at: link.expires_at,
                    }),
                ),
                _ => {
                    let requested_by = match occasion {
                        Occasion::AdminReset { admin } | Occasion::AdminResend { admin } => {
                            RequestedBy::Admin(&admin.name)
                        }
                        Occasion::UserResend { admin_name } => {
                            RequestedBy::UserResend { admin: admin_name }
                        }
                        Occasion::Forgot => RequestedBy::UserResend { admin: None },
                    };
                    (
                        EmailKind::AdminReset,
                        emails::admin_reset(&emails::AdminResetEmail {
                            org_name: &org.name,
                            user_name: &target.name,
                            requested_by,
                            link: &url,
                            cancel_link: &cancel_url,
                            now,
                            expires_at: link.expires_at,
                        }),
                    )
                }
            };
            mails.push(NewEmail {
                org_id: org.id,
                user_id: Some(target.id),
                actor_id: occasion.actor_id().or(Some(target.id)),
                kind,
                to: target.email.clone(),
                email,
                ip: ip.clone(),
            });
        }
        outbox::enqueue(tx, mails, now).await?;
        Ok(())
    }

    pub(crate) async fn organization(
        &self,
        db: &impl ConnectionTrait,
        org_id: i64,
    ) -> CoreResult<organization::Model> {
        organization::Entity::find_by_id(org_id)
            .one(db)
            .await?
            .ok_or_else(|| CoreError::Internal(format!("organization {org_id} is missing")))
    }

    /// One hit against the per-email and the per-address limit of `action`.
    async fn limit_email_and_ip(
        &self,
        action: &str,
        email: &str,
        ip: Option<&str>,
        now: DateTime<Utc>,
    ) -> CoreResult<()> {
        let limit = match action {
            "forgot" => self.config().forgot_limit,
            _ => self.config().resend_limit,
        };
        rate_limit::hit(
            self.db(),
            &rate_limit::key(action, "email", email),
            limit,
            now,
        )
        .await?;
        if let Some(ip) = ip {
            rate_limit::hit(self.db(), &rate_limit::key(action, "ip", ip), limit, now).await?;
        }
        Ok(())
    }
}

/// Why `admin` may not reset `target`, if they may not.
fn skip_reason(admin: &user::Model, target: &user::Model) -> Option<SkipReason> {
    if target.org_id != admin.org_id {
        return Some(SkipReason::NotFound);
    }
    if target.id == admin.id {
        return Some(SkipReason::Yourself);
    }
    // Owners reset admins and owners; admins reset members (Google Workspace and Okta draw the
    // same line), so one compromised admin can't lock every other admin out.
    let admin_is_owner = admin.role == Role::Owner.as_str();
    let target_is_privileged =
        target.role == Role::Owner.as_str() || target.role == Role::Admin.as_str();
    if target_is_privileged && !admin_is_owner {
        return Some(SkipReason::NoPermission);
    }
    if target.status == UserStatus::Suspended.as_str() {
        return Some(SkipReason::AlreadySuspended);
    }
    None
}

impl Core {
    /// Counts one admin reset or resend call against the admin's limit, in the call's own
    /// transaction: a call that fails changes nothing, its count included.
    async fn count_admin_reset(
        &self,
        tx: &DatabaseTransaction,
        admin: &user::Model,
        now: DateTime<Utc>,
    ) -> CoreResult<()> {
        rate_limit::hit(
            tx,
            &rate_limit::key("admin_reset", "admin", &admin.id.to_string()),
            self.config().admin_reset_limit,
            now,
        )
        .await
    }
}

/// The user's row, locked for this transaction on PostgreSQL (SQLite's immediate
/// transaction already excludes other writers).
async fn lock_user(
    tx: &DatabaseTransaction,
    org_id: i64,
    user_id: i64,
) -> CoreResult<Option<user::Model>> {
    Ok(user::Entity::find_by_id(user_id)
        .filter(user::Column::OrgId.eq(org_id))
        .lock_exclusive()
        .one(tx)
        .await?)
}

async fn revoke_sessions(
    db: &impl ConnectionTrait,
    user_ids: &[i64],
    now: DateTime<Utc>,
) -> CoreResult<()> {
    for chunk in user_ids.chunks(id_batch(db)) {
        let mut sql = Sql::new("UPDATE sessions SET revoked_at = ");
        sql.bind(now)
            .push(" WHERE revoked_at IS NULL AND user_id IN (")
            .bind_list(chunk.iter().copied())
            .push(")");
        sql.execute(db).await?;
    }
    Ok(())
}
