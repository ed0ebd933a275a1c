//! Bringing people in and managing them: add a user (who becomes Invited and gets an
//! invitation to set a first password), resend an invitation, suspend and reactivate, change
//! a role. The console's admins and the command line both come through here, as an
//! [`Initiator`], so both are held to the same rules and leave the same activity.

use chrono::{DateTime, Utc};
use orgdesk_types::limits::{MAX_EMAIL_LEN, MAX_NAME_CHARS};
use orgdesk_types::{
    ActivityKind, Actor, Invitation, NewMember, OrgId, ProfileChange, Role, UserId, UserStatus,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
};

use crate::activity::{self, clean_ip, NewActivity};
use crate::api_tokens::ApiCaller;
use crate::auth::and_live_session;
use crate::authz;
use crate::db::{self, Sql};
use crate::entities::{organization, user};
use crate::links;
use crate::resets::{lock_user, revoke_sessions, Occasion};
use crate::{Core, CoreError, CoreResult};

/// Who asks for a change to the organization's people.
#[derive(Debug, Clone)]
pub enum Initiator {
    /// An owner or admin signed in to the console.
    Admin(Actor),
    /// Someone at the server's command line, who can read the database and so may do
    /// anything an owner may. `os_user` names them in the activity log.
    CommandLine { org_id: OrgId, os_user: String },
    /// A script calling the automation API with an organization's API token; it may do what
    /// its creator's current role allows (its scopes are the API routes' business).
    ApiToken(ApiCaller),
}

impl From<&ApiCaller> for Initiator {
    fn from(caller: &ApiCaller) -> Initiator {
        Initiator::ApiToken(caller.clone())
    }
}

impl From<&Actor> for Initiator {
    fn from(actor: &Actor) -> Initiator {
        Initiator::Admin(actor.clone())
    }
}

/// An initiator checked against the database, inside the change's transaction.
pub(crate) struct Checked {
    pub org: organization::Model,
    /// The admin's row; `None` at the command line.
    pub admin: Option<user::Model>,
    pub owner: bool,
    /// How the activity log names them when they are not a user.
    pub label: Option<String>,
    /// The user an API token acts for (its creator): held to the same "not yourself" rules.
    pub on_behalf_of: Option<i64>,
}

impl Checked {
    pub fn actor_id(&self) -> Option<i64> {
        self.admin.as_ref().map(|a| a.id)
    }

    /// Whether `user_id` is the one acting (the admin, or an API token's creator).
    pub fn is_self(&self, user_id: i64) -> bool {
        self.admin.as_ref().map(|a| a.id).or(self.on_behalf_of) == Some(user_id)
    }

    pub fn name(&self) -> String {
        match (&self.admin, &self.label) {
            (Some(admin), _) => admin.name.clone(),
            (None, Some(label)) => label.clone(),
            (None, None) => "Orgdesk".into(),
        }
    }

    /// An event about the organization itself (its settings, tokens, webhooks), by them.
    pub fn org_event(
        &self,
        kind: ActivityKind,
        details: String,
        ip: Option<String>,
    ) -> NewActivity {
        NewActivity {
            org_id: self.org.id,
            actor_id: self.actor_id(),
            actor_label: self.label.clone(),
            subject_id: None,
            kind,
            details,
            ip,
        }
    }

    /// An event about `subject`'s account, by them.
    pub fn event(
        &self,
        subject: i64,
        kind: ActivityKind,
        details: String,
        ip: Option<String>,
    ) -> NewActivity {
        NewActivity {
            subject_id: Some(subject),
            ..self.org_event(kind, details, ip)
        }
    }

    /// May they act on `target`'s account? Admins manage members; owners manage everyone;
    /// nobody suspends or demotes themselves.
    fn may_manage(&self, target: &user::Model) -> CoreResult<()> {
        if self.is_self(target.id) {
            return Err(CoreError::OwnAccount);
        }
        if target.role() != Some(Role::Member) && !self.owner {
            return Err(CoreError::Forbidden);
        }
        Ok(())
    }
}

/// `user_id` of `by`'s organization, locked for a change; another organization's user is as
/// unknown as a missing one.
async fn locked_user(
    tx: &DatabaseTransaction,
    by: &Checked,
    user_id: UserId,
) -> CoreResult<user::Model> {
    lock_user(tx, by.org.id, user_id)
        .await?
        .ok_or_else(|| CoreError::NotFound(authz::NO_SUCH_USER.into()))
}

/// `user_id` of `by`'s organization, locked for a change, if `by` may manage them.
async fn managed_user(
    tx: &DatabaseTransaction,
    by: &Checked,
    user_id: UserId,
) -> CoreResult<user::Model> {
    let target = locked_user(tx, by, user_id).await?;
    by.may_manage(&target)?;
    Ok(target)
}

impl Core {
    /// Checks `initiator` against the database (through `tx`: the change's transaction, or
    /// the pool for a read).
    pub(crate) async fn check_initiator(
        &self,
        tx: &impl ConnectionTrait,
        initiator: &Initiator,
    ) -> CoreResult<Checked> {
        match initiator {
            Initiator::Admin(actor) => {
                let admin = authz::console_admin(tx, actor).await?;
                let org = self.organization(tx, admin.org_id).await?;
                Ok(Checked {
                    org,
                    owner: admin.role() == Some(Role::Owner),
                    admin: Some(admin),
                    label: None,
                    on_behalf_of: None,
                })
            }
            Initiator::CommandLine { org_id, os_user } => {
                let org = organization::Entity::find_by_id(*org_id)
                    .one(tx)
                    .await?
                    .ok_or_else(|| {
                        CoreError::NotFound(format!("There is no organization {org_id}."))
                    })?;
                let os_user: String = os_user.chars().take(100).collect();
                Ok(Checked {
                    org,
                    admin: None,
                    owner: true,
                    label: Some(format!("command line ({os_user})")),
                    on_behalf_of: None,
                })
            }
            Initiator::ApiToken(caller) => self.check_api_caller(tx, caller).await,
        }
    }

    /// For what only owners manage (API tokens, webhooks): an owner in the console or the
    /// command line; never an API token, whatever its creator's role.
    pub(crate) async fn check_owner_setting(
        &self,
        tx: &impl ConnectionTrait,
        initiator: &Initiator,
    ) -> CoreResult<Checked> {
        if matches!(initiator, Initiator::ApiToken(_)) {
            return Err(CoreError::Forbidden);
        }
        let by = self.check_initiator(tx, initiator).await?;
        if !by.owner {
            return Err(CoreError::Forbidden);
        }
        Ok(by)
    }

    pub(crate) async fn add_user_impl(
        &self,
        initiator: &Initiator,
        member: &NewMember,
        ip: Option<&str>,
    ) -> CoreResult<Invitation> {
        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        let by = self.check_initiator(&tx, initiator).await?;
        let invitation = self.add_in_tx(&tx, &by, member, ip, now).await?;
        tx.commit().await?;
        tracing::info!(
            org = by.org.id,
            user = invitation.user_id,
            "user added and invited"
        );
        Ok(invitation)
    }

    /// Adds `member` to `by`'s organization as Invited and sends the invitation, inside `tx`.
    pub(crate) async fn add_in_tx(
        &self,
        tx: &DatabaseTransaction,
        by: &Checked,
        member: &NewMember,
        ip: Option<&str>,
        now: DateTime<Utc>,
    ) -> CoreResult<Invitation> {
        // Only an owner adds admins and owners (the console offers them only to owners).
        if member.role != Role::Member && !by.owner {
            return Err(CoreError::Forbidden);
        }
        let member = checked_member(member)?;
        let taken = user::Entity::find()
            .filter(user::Column::OrgId.eq(by.org.id))
            .filter(user::Column::Email.eq(member.email.as_str()))
            .one(tx)
            .await?;
        if taken.is_some() {
            return Err(CoreError::Conflict(format!(
                "{} already has an account in {}.",
                member.email, by.org.name
            )));
        }
        let inserted = user::Entity::insert(new_row(by.org.id, &member, now))
            .exec(tx)
            .await?;
        let target = lock_user(tx, by.org.id, inserted.last_insert_id)
            .await?
            .ok_or_else(|| CoreError::Internal("the new user vanished".into()))?;
        let ip = clean_ip(ip);
        let invitation = self.invite_in_tx(tx, by, &target, ip.clone(), now).await?;
        activity::record(
            tx,
            vec![by.event(
                target.id,
                ActivityKind::UserAdded,
                format!(
                    "{} added {} ({}) as {}; invitation emailed",
                    by.name(),
                    target.name,
                    target.email,
                    member.role.label().to_lowercase()
                ),
                ip,
            )],
            now,
        )
        .await?;
        Ok(invitation)
    }

    /// Issues an invitation link to `target` and queues its email (older links die).
    pub(crate) async fn invite_in_tx(
        &self,
        tx: &DatabaseTransaction,
        by: &Checked,
        target: &user::Model,
        ip: Option<String>,
        now: DateTime<Utc>,
    ) -> CoreResult<Invitation> {
        let sent = self
            .issue_and_mail(
                tx,
                &by.org,
                std::slice::from_ref(target),
                Occasion::Invitation { by: Some(by) },
                ip,
                now,
            )
            .await?;
        let (_, link, expires_at) = sent
            .into_iter()
            .next()
            .ok_or_else(|| CoreError::Internal("no invitation link was issued".into()))?;
        Ok(Invitation {
            user_id: target.id,
            email: target.email.clone(),
            link,
            expires_at,
        })
    }

    pub(crate) async fn resend_invitation_impl(
        &self,
        initiator: &Initiator,
        user_id: UserId,
        ip: Option<&str>,
    ) -> CoreResult<Invitation> {
        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        let by = self.check_initiator(&tx, initiator).await?;
        let target = locked_user(&tx, &by, user_id).await?;
        if target.status() != Some(UserStatus::Invited) {
            return Err(CoreError::Conflict(format!(
                "{} has already set a password: there is no invitation to resend.",
                target.name
            )));
        }
        if target.role() != Some(Role::Member) && !by.owner {
            return Err(CoreError::Forbidden);
        }
        let ip = clean_ip(ip);
        let invitation = self
            .invite_in_tx(&tx, &by, &target, ip.clone(), now)
            .await?;
        activity::record(
            &tx,
            vec![by.event(
                target.id,
                ActivityKind::InvitationSent,
                format!(
                    "{} sent a new invitation to {}; the previous link no longer works",
                    by.name(),
                    target.email
                ),
                ip,
            )],
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(invitation)
    }

    /// Suspends `user_id` (signed out everywhere, every live link revoked, sign-in refused) or
    /// reactivates them (back to where they were: active, invited, or reset pending).
    pub(crate) async fn set_suspended_impl(
        &self,
        initiator: &Initiator,
        user_id: UserId,
        suspended: bool,
        ip: Option<&str>,
    ) -> CoreResult<UserStatus> {
        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        let by = self.check_initiator(&tx, initiator).await?;
        let target = managed_user(&tx, &by, user_id).await?;
        let is_suspended = target.status() == Some(UserStatus::Suspended);
        if is_suspended == suspended {
            return Err(CoreError::Conflict(format!(
                "{} is already {}.",
                target.name,
                if suspended { "suspended" } else { "active" }
            )));
        }
        if suspended
            && target.role() == Some(Role::Owner)
            && self.owners_left(&tx, &by, &target).await? == 0
        {
            return Err(CoreError::Conflict(
                "An organization keeps at least one active owner.".into(),
            ));
        }
        let status = if suspended {
            UserStatus::Suspended
        } else if target.password_hash.is_some() {
            UserStatus::Active
        } else if target.password_changed_at.is_none() {
            UserStatus::Invited
        } else {
            UserStatus::ResetPending
        };
        let mut update = Sql::new("UPDATE users SET status = ");
        update
            .bind(status.as_str())
            .push(" WHERE id = ")
            .bind(target.id);
        update.execute(&tx).await?;
        let (kind, details) = if suspended {
            revoke_sessions(&tx, &[target.id], now).await?;
            links::revoke_open(&tx, &[target.id], now).await?;
            (
                ActivityKind::UserSuspended,
                format!(
                    "{} suspended {}: signed out everywhere, live links revoked, sign-in refused",
                    by.name(),
                    target.name
                ),
            )
        } else {
            (
                ActivityKind::UserReactivated,
                format!(
                    "{} reactivated {} (now {})",
                    by.name(),
                    target.name,
                    status.label().to_lowercase()
                ),
            )
        };
        activity::record(
            &tx,
            vec![by.event(target.id, kind, details, clean_ip(ip))],
            now,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(
            org = by.org.id,
            user = target.id,
            suspended,
            "user status changed"
        );
        Ok(status)
    }

    /// Signs `user_id` out of every live session: the rules of Suspend (admins sign out
    /// members, owners anyone, nobody themselves), without touching their password, links or
    /// status. Activity records it when a session ended.
    pub(crate) async fn sign_out_user_impl(
        &self,
        initiator: &Initiator,
        user_id: UserId,
        ip: Option<&str>,
    ) -> CoreResult<u64> {
        let now = self.now();
        let idle = self.session_idle()?;
        let tx = db::begin_write(self.db()).await?;
        let by = self.check_initiator(&tx, initiator).await?;
        let target = managed_user(&tx, &by, user_id).await?;
        // Only sessions that could still be used count; the rest end with them all the same.
        let mut live = Sql::new("SELECT COUNT(*) AS n FROM sessions WHERE user_id = ");
        live.bind(target.id);
        and_live_session(&mut live, "", now, idle);
        let ended = match live.query_one(&tx).await? {
            Some(row) => u64::try_from(row.try_get::<i64>("", "n")?).unwrap_or(0),
            None => 0,
        };
        revoke_sessions(&tx, &[target.id], now).await?;
        if ended > 0 {
            let sessions = match ended {
                1 => "1 session".to_string(),
                n => format!("{n} sessions"),
            };
            let details = format!(
                "{} signed {} out everywhere ({sessions}); their password stays",
                by.name(),
                target.name
            );
            activity::record(
                &tx,
                vec![by.event(target.id, ActivityKind::SignedOut, details, clean_ip(ip))],
                now,
            )
            .await?;
        }
        tx.commit().await?;
        tracing::info!(
            org = by.org.id,
            user = target.id,
            ended,
            "user signed out everywhere"
        );
        Ok(ended)
    }

    pub(crate) async fn update_profile_impl(
        &self,
        initiator: &Initiator,
        user_id: UserId,
        change: &ProfileChange,
        ip: Option<&str>,
    ) -> CoreResult<bool> {
        let name = checked_name(&change.name)?;
        let title = checked_field(&change.title, "title")?;
        let department = checked_field(&change.department, "department")?;
        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        let by = self.check_initiator(&tx, initiator).await?;
        // Your own details are yours to correct; someone else's follow Suspend's rules.
        let target = locked_user(&tx, &by, user_id).await?;
        if !by.is_self(target.id) {
            by.may_manage(&target)?;
        }
        let changes = profile_changes(
            &Profile {
                name: &target.name,
                title: target.title.as_deref(),
                department: target.department.as_deref(),
            },
            &Profile {
                name,
                title: title.as_deref(),
                department: department.as_deref(),
            },
        );
        if changes.is_empty() {
            return Ok(false);
        }
        let mut row: user::ActiveModel = target.clone().into();
        row.name = Set(name.to_owned());
        row.title = Set(title);
        row.department = Set(department);
        user::Entity::update(row).exec(&tx).await?;
        let details = format!("{} updated {}'s {}", by.name(), name, changes.join(", "));
        activity::record(
            &tx,
            vec![by.event(
                target.id,
                ActivityKind::ProfileUpdated,
                details,
                clean_ip(ip),
            )],
            now,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(org = by.org.id, user = target.id, "profile updated");
        Ok(true)
    }

    /// Changes `user_id`'s role. Owners only; an organization keeps at least one active owner.
    pub(crate) async fn change_role_impl(
        &self,
        initiator: &Initiator,
        user_id: UserId,
        role: Role,
        ip: Option<&str>,
    ) -> CoreResult<()> {
        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        let by = self.check_initiator(&tx, initiator).await?;
        if !by.owner {
            return Err(CoreError::Forbidden);
        }
        let target = managed_user(&tx, &by, user_id).await?;
        let before = target
            .role()
            .ok_or_else(|| CoreError::Internal("unknown role".into()))?;
        if before == role {
            return Err(CoreError::Conflict(format!(
                "{} is already {}.",
                target.name,
                role.label().to_lowercase()
            )));
        }
        if before == Role::Owner && self.owners_left(&tx, &by, &target).await? == 0 {
            return Err(CoreError::Conflict(
                "An organization keeps at least one active owner.".into(),
            ));
        }
        let mut update = Sql::new("UPDATE users SET role = ");
        update
            .bind(role.as_str())
            .push(" WHERE id = ")
            .bind(target.id);
        update.execute(&tx).await?;
        // Console sessions were granted for the old role: sign them out.
        revoke_sessions(&tx, &[target.id], now).await?;
        activity::record(
            &tx,
            vec![by.event(
                target.id,
                ActivityKind::RoleChanged,
                format!(
                    "{} changed {}'s role: {} → {}",
                    by.name(),
                    target.name,
                    before.label().to_lowercase(),
                    role.label().to_lowercase()
                ),
                clean_ip(ip),
            )],
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Active owners of the organization other than `target`.
    async fn owners_left(
        &self,
        tx: &DatabaseTransaction,
        by: &Checked,
        target: &user::Model,
    ) -> CoreResult<u64> {
        use sea_orm::PaginatorTrait;
        Ok(user::Entity::find()
            .filter(user::Column::OrgId.eq(by.org.id))
            .filter(user::Column::Role.eq(Role::Owner.as_str()))
            .filter(user::Column::Status.ne(UserStatus::Suspended.as_str()))
            .filter(user::Column::Id.ne(target.id))
            .count(tx)
            .await?)
    }
}

/// Lower-cased and trimmed, as emails are stored and looked up.
pub(crate) fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// `member`, trimmed and checked: a name, a plausible email (lower-cased), short fields.
/// A name as kept: trimmed, not blank, not too long.
fn checked_name(name: &str) -> CoreResult<&str> {
    let name = name.trim();
    if name.is_empty() {
        return Err(CoreError::InvalidInput("A user needs a name.".into()));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(CoreError::InvalidInput(format!(
            "A name can be at most {MAX_NAME_CHARS} characters."
        )));
    }
    Ok(name)
}

/// A title or department as kept: trimmed, `None` when blank, not too long.
fn checked_field(value: &Option<String>, what: &str) -> CoreResult<Option<String>> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) if v.chars().count() > MAX_NAME_CHARS => Err(CoreError::InvalidInput(format!(
            "A {what} can be at most {MAX_NAME_CHARS} characters."
        ))),
        v => Ok(v.map(str::to_owned)),
    }
}

/// A person's name, title and department, as they were or will be.
pub(crate) struct Profile<'a> {
    pub name: &'a str,
    pub title: Option<&'a str>,
    pub department: Option<&'a str>,
}

/// What a change of profile changes, for the activity log: "name (Ann → Anna), title (— →
/// Analyst)"; empty when nothing does.
pub(crate) fn profile_changes(before: &Profile, after: &Profile) -> Vec<String> {
    fn shown(value: Option<&str>) -> &str {
        value.filter(|v| !v.is_empty()).unwrap_or("—")
    }
    let mut changes = Vec::new();
    if before.name != after.name {
        changes.push(format!("name ({} → {})", before.name, after.name));
    }
    for (what, old, new) in [
        ("title", before.title, after.title),
        ("department", before.department, after.department),
    ] {
        if old != new {
            changes.push(format!("{what} ({} → {})", shown(old), shown(new)));
        }
    }
    changes
}

pub(crate) fn checked_member(member: &NewMember) -> CoreResult<NewMember> {
    let name = checked_name(&member.name)?;
    let email = normalize_email(&member.email);
    let plausible = email.len() <= MAX_EMAIL_LEN
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.ends_with('.')
        })
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c == ',' || c == ';' || c == '<' || c == '>');
    if !plausible {
        return Err(CoreError::InvalidInput(format!(
            "\"{}\" is not an email address.",
            member.email.trim()
        )));
    }
    Ok(NewMember {
        name: name.to_owned(),
        email,
        role: member.role,
        title: checked_field(&member.title, "title")?,
        department: checked_field(&member.department, "department")?,
    })
}

/// The row of a new, invited user (no password yet).
pub(crate) fn new_row(org_id: i64, member: &NewMember, now: DateTime<Utc>) -> user::ActiveModel {
    user::ActiveModel {
        org_id: Set(org_id),
        name: Set(member.name.clone()),
        email: Set(member.email.clone()),
        title: Set(member.title.clone()),
        department: Set(member.department.clone()),
        role: Set(member.role.as_str().to_owned()),
        status: Set(UserStatus::Invited.as_str().to_owned()),
        password_hash: Set(None),
        previous_password_hash: Set(None),
        password_changed_at: Set(None),
        last_sign_in_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
}
