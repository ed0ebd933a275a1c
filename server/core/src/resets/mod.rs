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
use crate::emails::{self, EmailKind, RenderedEmail, RequestedBy};
use crate::entities::{organization, user};
use crate::links::{self, FoundLink, RawState};
use crate::outbox::{self, NewEmail};
use crate::{Core, CoreError, CoreResult};

/// The most users one reset call may name.
pub const MAX_RESET_TARGETS: usize = 100_000;

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

/// What one call's emails say besides each recipient's own details; owned, so that they can be
/// written on a blocking thread.
enum Letter {
    AdminReset(Requester),
    Forgot,
    Invitation { invited_by: Option<String> },
}

/// Who asked for an admin-reset link ([`RequestedBy`], owned).
enum Requester {
    Admin(String),
    UserResend(Option<String>),
    Unnamed,
}

/// One recipient's part of an email.
struct Recipient {
    name: String,
    link: String,
    cancel_link: String,
}

impl Letter {
    fn of(occasion: Occasion<'_>) -> Letter {
        let admin_name = |by: &Checked| by.admin.as_ref().map(|a| a.name.clone());
        match occasion {
            Occasion::Invitation { by } => Letter::Invitation {
                invited_by: by.and_then(admin_name),
            },
            Occasion::Forgot => Letter::Forgot,
            Occasion::AdminReset { by } | Occasion::AdminResend { by } => {
                Letter::AdminReset(admin_name(by).map_or(Requester::Unnamed, Requester::Admin))
            }
            Occasion::UserResend { admin_name } => {
                Letter::AdminReset(Requester::UserResend(admin_name.map(str::to_owned)))
            }
        }
    }

    fn kind(&self) -> EmailKind {
        match self {
            Letter::AdminReset(_) => EmailKind::AdminReset,
            Letter::Forgot => EmailKind::ForgotPassword,
            Letter::Invitation { .. } => EmailKind::Invitation,
        }
    }

    fn write(
        &self,
        org_name: &str,
        to: &Recipient,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> RenderedEmail {
        match self {
            Letter::Invitation { invited_by } => emails::invitation(&emails::InvitationEmail {
                org_name,
                user_name: &to.name,
                invited_by: invited_by.as_deref(),
                link: &to.link,
                now,
                expires_at,
            }),
            Letter::Forgot => emails::forgot_password(&emails::ForgotPasswordEmail {
                org_name,
                user_name: &to.name,
                link: &to.link,
                cancel_link: &to.cancel_link,
                now,
                expires_at,
            }),
            Letter::AdminReset(requester) => emails::admin_reset(&emails::AdminResetEmail {
                org_name,
                user_name: &to.name,
                requested_by: match requester {
                    Requester::Admin(name) => RequestedBy::Admin(name),
                    Requester::UserResend(admin) => RequestedBy::UserResend {
                        admin: admin.as_deref(),
                    },
                    Requester::Unnamed => RequestedBy::Unnamed,
                },
                link: &to.link,
                cancel_link: &to.cancel_link,
                now,
                expires_at,
            }),
        }
    }
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
        let minted = links::mint(targets.len(), ttl, now)?;
        let expires_at = minted.expires_at;
        let base = &self.config().public_base_url;
        let recipients: Vec<Recipient> = targets
            .iter()
            .zip(&minted.tokens)
            .map(|(target, token)| Recipient {
                name: target.name.clone(),
                link: links::url(base, &token.plain),
                cancel_link: links::cancel_url(base, &token.plain),
            })
            .collect();
        let letter = Letter::of(occasion);
        let kind = letter.kind();
        let org_name = org.name.clone();
        // Writing the emails of a bulk reset keeps a core busy for half a second per 10,000: on
        // a blocking thread, while the database revokes and stores the links, and off the async
        // workers that serve everyone else's requests meanwhile.
        let writing = tokio::task::spawn_blocking(move || {
            let emails: Vec<RenderedEmail> = recipients
                .iter()
                .map(|to| letter.write(&org_name, to, now, expires_at))
                .collect();
            (recipients, emails)
        });
        links::revoke_open(tx, &ids, now).await?;
        let created_by = occasion.initiator().and_then(Checked::actor_id);
        links::store(tx, org.id, purpose, created_by, &ids, &minted, now).await?;
        let (recipients, emails) = writing
            .await
            .map_err(|e| CoreError::Internal(format!("writing the emails failed: {e}")))?;
        let mut mails = Vec::with_capacity(targets.len());
        let mut sent = Vec::with_capacity(targets.len());
        for ((target, to), email) in targets.iter().zip(recipients).zip(emails) {
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
                kind,
                to: target.email.clone(),
                email,
                ip: ip.clone(),
            });
            sent.push((target.id, to.link, expires_at));
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
            .push(" WHERE revoked_at IS NULL AND user_id IN (")
            .bind_list(chunk.iter().copied())
            .push(")");
        sql.execute(db).await?;
    }
    Ok(())
}
