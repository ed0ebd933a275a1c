//! The admin path: the row menu, the profile sidebar and the bulk toolbar (by ids or by
//! filter), and the admin's Resend Email. The current password stops working at once,
//! sessions are signed out, a link is emailed; set-based SQL, one transaction per call.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use orgdesk_types::{
    ActivityKind, LinkPurpose, ResetReport, Role, SkipReason, SkippedUser, UserFilter, UserId,
    UserStatus,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{lock_user, revoke_sessions, Occasion, MAX_RESET_TARGETS};
use crate::activity::{self, clean_ip};
use crate::authz;
use crate::background;
use crate::config::RateLimit;
use crate::db::{self, id_batch, Sql};
use crate::entities::{reset_link, user};
use crate::people::{Checked, Initiator};
use crate::users::filter_condition;
use crate::{links, rate_limit, Core, CoreError, CoreResult};

impl Core {
    pub(crate) async fn admin_reset_passwords_impl(
        &self,
        initiator: &Initiator,
        targets: &[UserId],
        ip: Option<&str>,
    ) -> CoreResult<ResetReport> {
        if self.on_bulk_lane(targets.len()) {
            let (core, by) = (self.clone(), initiator.clone());
            let (targets, ip) = (targets.to_vec(), ip.map(str::to_owned));
            return background::run(async move {
                core.reset_by_ids(&by, &targets, ip.as_deref()).await
            })
            .await;
        }
        self.reset_by_ids(initiator, targets, ip).await
    }

    async fn reset_by_ids(
        &self,
        initiator: &Initiator,
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
        let tx = db::begin_write(self.writer().await?).await?;
        let by = self.check_initiator(&tx, initiator).await?;
        self.count_admin_reset(&tx, &by, now).await?;
        let backend = tx.get_database_backend();
        // Lock the targets (PostgreSQL), in id order so two bulk resets never deadlock.
        let mut found: HashMap<i64, user::Model> = HashMap::with_capacity(ids.len());
        for chunk in sorted.chunks(id_batch(&tx)) {
            // Probed by primary key: with `org_id = ?` in the WHERE, planners without fresh
            // statistics walk the organization's index (every user) instead of probing the ids.
            // `org_id + 0` is no index's column, so it only filters what the ids found, before
            // anything is locked: another organization's row is neither locked nor waited for.
            let rows = user::Entity::find()
                .filter(db::among(backend, (user::Entity, user::Column::Id), chunk))
                .filter(
                    Expr::col((user::Entity, user::Column::OrgId))
                        .add(0)
                        .eq(by.org.id),
                )
                .order_by_asc(user::Column::Id)
                .lock_exclusive()
                .all(&tx)
                .await?;
            found.extend(rows.into_iter().map(|u| (u.id, u)));
        }
        let candidates = ids.into_iter().map(|id| {
            found.remove(&id).ok_or(SkippedUser {
                user_id: id,
                name: String::new(),
                reason: SkipReason::NotFound,
            })
        });
        self.reset_permitted(tx, &by, candidates, ip, now).await
    }

    pub(crate) async fn admin_reset_matching_impl(
        &self,
        initiator: &Initiator,
        filter: &UserFilter,
        expected_count: u64,
        ip: Option<&str>,
    ) -> CoreResult<ResetReport> {
        if self.on_bulk_lane(usize::try_from(expected_count).unwrap_or(usize::MAX)) {
            let (core, by, filter) = (self.clone(), initiator.clone(), filter.clone());
            let ip = ip.map(str::to_owned);
            return background::run(async move {
                core.reset_matching(&by, &filter, expected_count, ip.as_deref())
                    .await
            })
            .await;
        }
        self.reset_matching(initiator, filter, expected_count, ip)
            .await
    }

    async fn reset_matching(
        &self,
        initiator: &Initiator,
        filter: &UserFilter,
        expected_count: u64,
        ip: Option<&str>,
    ) -> CoreResult<ResetReport> {
        let now = self.now();
        let tx = db::begin_write(self.writer().await?).await?;
        let by = self.check_initiator(&tx, initiator).await?;
        self.count_admin_reset(&tx, &by, now).await?;
        let matching = user::Entity::find()
            .filter(filter_condition(
                tx.get_database_backend(),
                by.org.id,
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
            return Err(CoreError::CountChanged {
                matching: matching.len() as u64,
                expected: expected_count,
            });
        }
        self.reset_permitted(tx, &by, matching.into_iter().map(Ok), ip, now)
            .await
    }

    /// The end both entry points share: skips the users `admin` may not reset (with the
    /// reason; a candidate that is already an `Err` was skipped earlier), resets the rest,
    /// commits, and reports both, in the candidates' order.
    async fn reset_permitted(
        &self,
        tx: DatabaseTransaction,
        by: &Checked,
        candidates: impl Iterator<Item = Result<user::Model, SkippedUser>>,
        ip: Option<&str>,
        now: DateTime<Utc>,
    ) -> CoreResult<ResetReport> {
        let candidates: Vec<_> = candidates.collect();
        // A pending reset done again only mails a new link (the password and sessions went
        // with the first): no more of them than Resend Email allows a person.
        let pending: Vec<i64> = candidates
            .iter()
            .filter_map(|candidate| candidate.as_ref().ok())
            .filter(|target| target.status() == Some(UserStatus::ResetPending))
            .map(|target| target.id)
            .collect();
        let mailed_enough = sent_many_links(&tx, &pending, self.config().resend_limit, now).await?;
        let mut report = ResetReport::default();
        let mut permitted = Vec::new();
        for candidate in candidates {
            match candidate {
                Err(skipped) => report.skipped.push(skipped),
                Ok(target) => {
                    let reason = skip_reason(by, &target).or_else(|| {
                        mailed_enough
                            .contains(&target.id)
                            .then_some(SkipReason::TooManyLinks)
                    });
                    match reason {
                        Some(reason) => report.skipped.push(SkippedUser {
                            user_id: target.id,
                            name: target.name,
                            reason,
                        }),
                        None => permitted.push(target),
                    }
                }
            }
        }
        self.reset_in_tx(&tx, by, &permitted, clean_ip(ip), now)
            .await?;
        tx.commit().await?;
        self.note_bulk_change(permitted.len() as u64);
        report.reset = permitted.iter().map(|u| u.id).collect();
        tracing::info!(
            admin = by.actor_id(),
            org = by.org.id,
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
        by: &Checked,
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
                 password_hash = NULL, status = 'reset_pending' WHERE ",
            );
            invalidate.bind_among(tx.get_database_backend(), "id", chunk);
            invalidate.execute(tx).await?;
            revoke_sessions(tx, chunk, now).await?;
        }
        let org = &by.org;
        self.issue_and_mail(
            tx,
            org,
            targets,
            Occasion::AdminReset { by },
            ip.clone(),
            now,
        )
        .await?;
        let ttl = org.admin_link_ttl_minutes;
        let events = targets
            .iter()
            .map(|u| {
                by.event(
                    u.id,
                    ActivityKind::AdminResetPassword,
                    format!(
                        "Password reset by {}: current password invalidated, sessions signed out, \
                         link valid {ttl} minutes emailed to {}",
                        by.name(),
                        u.email
                    ),
                    ip.clone(),
                )
            })
            .collect();
        activity::record(tx, events, now).await?;
        Ok(())
    }

    pub(crate) async fn admin_resend_reset_email_impl(
        &self,
        initiator: &Initiator,
        user_id: UserId,
        ip: Option<&str>,
    ) -> CoreResult<()> {
        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        let by = self.check_initiator(&tx, initiator).await?;
        self.count_admin_reset(&tx, &by, now).await?;
        let target = lock_user(&tx, by.org.id, user_id)
            .await?
            .ok_or_else(|| CoreError::NotFound(authz::NO_SUCH_USER.into()))?;
        match skip_reason(&by, &target) {
            Some(SkipReason::NoPermission | SkipReason::Yourself) => {
                return Err(CoreError::Forbidden)
            }
            Some(SkipReason::NotFound) => {
                return Err(CoreError::NotFound(authz::NO_SUCH_USER.into()))
            }
            _ => {}
        }
        if target.status() != Some(UserStatus::ResetPending) {
            return Err(CoreError::Conflict(format!(
                "{} has no pending reset.",
                target.name
            )));
        }
        // However many admins press it, one person's inbox gets at most a few links a
        // quarter of an hour (the limit a user's own Resend Email has).
        rate_limit::hit(
            &tx,
            &rate_limit::key("admin_resend", "user", &target.id.to_string()),
            self.config().resend_limit,
            now,
        )
        .await?;
        let ip = clean_ip(ip);
        self.issue_and_mail(
            &tx,
            &by.org,
            std::slice::from_ref(&target),
            Occasion::AdminResend { by: &by },
            ip.clone(),
            now,
        )
        .await?;
        activity::record_one(
            &tx,
            by.event(
                target.id,
                ActivityKind::ResetEmailResent,
                format!(
                    "{} sent a new reset link to {}; the previous link no longer works",
                    by.name(),
                    target.email
                ),
                ip,
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Counts one admin reset or resend call against the admin's limit, in the call's own
    /// transaction: a call that fails changes nothing, its count included.
    async fn count_admin_reset(
        &self,
        tx: &DatabaseTransaction,
        by: &Checked,
        now: DateTime<Utc>,
    ) -> CoreResult<()> {
        // The command line is not limited: whoever runs it can read the database anyway.
        let Some(admin) = &by.admin else {
            return Ok(());
        };
        rate_limit::hit(
            tx,
            &rate_limit::key("admin_reset", "admin", &admin.id.to_string()),
            self.config().admin_reset_limit,
            now,
        )
        .await
    }
}

/// Why `by` may not reset `target`, if they may not.
fn skip_reason(by: &Checked, target: &user::Model) -> Option<SkipReason> {
    if target.org_id != by.org.id {
        return Some(SkipReason::NotFound);
    }
    if by.is_self(target.id) {
        return Some(SkipReason::Yourself);
    }
    // Owners reset admins and owners; admins reset members (Google Workspace and Okta draw the
    // same line), so one compromised admin can't lock every other admin out.
    if target.role() != Some(Role::Member) && !by.owner {
        return Some(SkipReason::NoPermission);
    }
    match target.status() {
        Some(UserStatus::Suspended) => Some(SkipReason::AlreadySuspended),
        Some(UserStatus::Invited) => Some(SkipReason::Invited),
        _ => None,
    }
}

/// Of `pending` (users whose reset is pending), those sent `limit.max` links or more to reset
/// their password within `limit.per` of `now`: by admins' resets and resends, and by their own
/// Resend Email. Read from the links themselves, in one statement per batch of ids (a bulk
/// reset of 10,000 pending users reads their links, and writes no counters).
async fn sent_many_links(
    tx: &DatabaseTransaction,
    pending: &[i64],
    limit: RateLimit,
    now: DateTime<Utc>,
) -> CoreResult<HashSet<i64>> {
    use sea_orm::{ColumnTrait, QueryTrait};
    let per = chrono::Duration::from_std(limit.per).unwrap_or(chrono::Duration::MAX);
    let since = now
        .checked_sub_signed(per)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let backend = tx.get_database_backend();
    let mut many = HashSet::new();
    for chunk in pending.chunks(id_batch(tx)) {
        let query = reset_link::Entity::find()
            .select_only()
            .column(reset_link::Column::UserId)
            .filter(db::among(
                backend,
                (reset_link::Entity, reset_link::Column::UserId),
                chunk,
            ))
            .filter(reset_link::Column::Purpose.eq(links::purpose_str(LinkPurpose::AdminReset)))
            .filter(reset_link::Column::CreatedAt.gte(since))
            .group_by(reset_link::Column::UserId)
            .having(
                Expr::col(reset_link::Column::Id)
                    .count()
                    .gte(i64::from(limit.max)),
            )
            .build(backend);
        for row in tx.query_all_raw(query).await? {
            many.insert(row.try_get_by_index::<i64>(0)?);
        }
    }
    Ok(many)
}
