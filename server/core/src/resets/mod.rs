//! Password resets, both ways in:
//! - the admin path (row menu, sidebar, bulk): the current password stops working at once,
//!   sessions are signed out, a link is emailed; set-based SQL, one transaction per call;
//! - the user's path: Resend Email (sign-in prompt or expired link), Forgot your password?
//!   (the current password keeps working), completing a reset with a new password, and
//!   "Didn't expect this? Cancel the request" from the email.
//!
//! This module holds the steps both paths share: issuing links and queueing their emails,
//! locking a user, signing sessions out.

mod admin;
mod recovery;

use crate::people::Checked;
use chrono::{DateTime, Utc};
use orgdesk_types::{LinkPurpose, LinkState};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect,
};

use crate::db::{id_batch, Sql};
use crate::emails::{About, Letter};
use crate::entities::{organization, user};
use crate::links::{self, FoundLink, RawState};
use crate::outbox::{self, Content, NewEmail};
use crate::{Core, CoreError, CoreResult};

/// The most users one reset call may name.
pub const MAX_RESET_TARGETS: usize = 100_000;

/// How long serving Forgot your password? or Resend Email for an account is taken to last
/// until it has been timed (a link issued and its email queued: a few milliseconds).
pub(crate) const TYPICAL_PUBLIC_REQUEST_WORK: std::time::Duration =
    std::time::Duration::from_millis(5);

/// Why a link is being issued, which decides the email and the activity recorded.
#[derive(Clone, Copy)]
pub(crate) enum Occasion<'a> {
    /// An admin (or the command line, or an API token) reset the password.
    AdminReset { by: &'a Checked },
    /// An admin (or …) pressed Resend Email.
    AdminResend { by: &'a Checked },
    /// The user asked for a new admin-reset link; `admin` reset the password originally.
    UserResend { admin_name: Option<&'a str> },
    /// Forgot your password? (or a new forgot link from an expired one).
    Forgot,
    /// An invitation to set a first password from `by` (`None`: the invited person asked for a
    /// new one from an expired link).
    Invitation { by: Option<&'a Checked> },
}

impl<'a> Occasion<'a> {
    fn purpose(self) -> LinkPurpose {
        match self {
            Occasion::Forgot => LinkPurpose::ForgotPassword,
            Occasion::Invitation { .. } => LinkPurpose::Invitation,
            _ => LinkPurpose::AdminReset,
        }
    }
    /// Who asked for it, when not the recipient.
    fn initiator(self) -> Option<&'a Checked> {
        match self {
            Occasion::AdminReset { by } | Occasion::AdminResend { by } => Some(by),
            Occasion::Invitation { by } => by,
            Occasion::UserResend { .. } | Occasion::Forgot => None,
        }
    }
}

/// Why a link can't be used, as the error the pages explain.
pub(super) async fn unusable(db: &impl ConnectionTrait, found: Option<FoundLink>) -> CoreError {
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

pub(super) fn minutes(m: i32) -> chrono::Duration {
    chrono::Duration::minutes(i64::from(m.max(1)))
}

impl Core {
    /// Revokes the users' open links, issues one new link each and queues its email. Returns
    /// the links (user id, URL, expiry), which only the command line ever shows.
    pub(crate) async fn issue_and_mail(
        &self,
        tx: &DatabaseTransaction,
        org: &organization::Model,
        targets: &[user::Model],
        occasion: Occasion<'_>,
        ip: Option<String>,
        now: DateTime<Utc>,
    ) -> CoreResult<Vec<(i64, String, DateTime<Utc>)>> {
        let purpose = occasion.purpose();
        let ttl = match purpose {
            LinkPurpose::AdminReset => minutes(org.admin_link_ttl_minutes),
            LinkPurpose::ForgotPassword => minutes(org.forgot_link_ttl_minutes),
            LinkPurpose::Invitation => minutes(org.invite_link_ttl_minutes),
        };
        let ids: Vec<i64> = targets.iter().map(|u| u.id).collect();
        links::revoke_open(tx, &ids, now).await?;
        let created_by = occasion.initiator().and_then(Checked::actor_id);
        let issued = links::issue(tx, org.id, purpose, created_by, &ids, ttl, now).await?;
        let admin_name = |by: &Checked| by.admin.as_ref().map(|a| a.name.clone());
        let about = match occasion {
            Occasion::AdminReset { by } | Occasion::AdminResend { by } => About::AdminReset {
                admin: admin_name(by),
            },
            Occasion::UserResend { admin_name } => About::ResentReset {
                admin: admin_name.map(str::to_owned),
            },
            Occasion::Forgot => About::ForgotPassword,
            Occasion::Invitation { by } => About::Invitation {
                admin: by.and_then(admin_name),
            },
        };
        let base = &self.config().public_base_url;
        let mut mails = Vec::with_capacity(targets.len());
        let mut sent = Vec::with_capacity(targets.len());
        for (target, token) in targets.iter().zip(&issued.tokens) {
            let letter = Letter {
                about: about.clone(),
                org_name: org.name.clone(),
                user_name: target.name.clone(),
                link: links::url(base, &token.plain),
                cancel_link: links::cancel_url(base, &token.plain),
                queued_at: now,
                expires_at: issued.expires_at,
            };
            sent.push((target.id, letter.link.clone(), issued.expires_at));
            mails.push(NewEmail {
                org_id: org.id,
                user_id: Some(target.id),
                // The admin (or the command line, or the API token) who asked; the recipient
                // when they asked themselves.
                actor_id: match occasion.initiator() {
                    Some(by) => by.actor_id(),
                    None => Some(target.id),
                },
                actor_label: occasion.initiator().and_then(|by| by.label.clone()),
                kind: letter.kind(),
                to: target.email.clone(),
                content: Content::Letter(letter),
                ip: ip.clone(),
            });
        }
        outbox::enqueue(tx, mails, now).await?;
        Ok(sent)
    }
}

/// The user's row, locked for this transaction on PostgreSQL (SQLite's immediate
/// transaction already excludes other writers).
pub(crate) async fn lock_user(
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

pub(crate) async fn revoke_sessions(
    db: &impl ConnectionTrait,
    user_ids: &[i64],
    now: DateTime<Utc>,
) -> CoreResult<()> {
    for chunk in user_ids.chunks(id_batch(db)) {
        let mut sql = Sql::new("UPDATE sessions SET revoked_at = ");
        sql.bind(now)
            .push(" WHERE revoked_at IS NULL AND ")
            .bind_among(db.get_database_backend(), "user_id", chunk);
        sql.execute(db).await?;
    }
    Ok(())
}
