//! Who may do what, decided here on the server from the database, never from what the
//! browser sent: the `Actor` names a user, the user's current row says what they may do.

use orgdesk_types::{Actor, Role, UserId, UserStatus};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entities::user;
use crate::{CoreError, CoreResult};

pub(crate) const NO_SUCH_USER: &str = "No such user in this organization.";

/// The actor's current row, if they are an owner or admin of their organization and not
/// suspended; `Forbidden` otherwise (also when their role changed since they signed in).
pub(crate) async fn console_admin(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> CoreResult<user::Model> {
    let me = user::Entity::find_by_id(actor.user_id)
        .filter(user::Column::OrgId.eq(actor.org_id))
        .one(db)
        .await?
        .ok_or(CoreError::Forbidden)?;
    let role = Role::parse(&me.role).ok_or(CoreError::Forbidden)?;
    if !role.is_admin() || me.status() == Some(UserStatus::Suspended) {
        return Err(CoreError::Forbidden);
    }
    Ok(me)
}

/// A user of `org_id`; another organization's user is as unknown as a missing one.
pub(crate) async fn user_in_org(
    db: &impl ConnectionTrait,
    org_id: i64,
    user_id: UserId,
) -> CoreResult<user::Model> {
    user::Entity::find_by_id(user_id)
        .filter(user::Column::OrgId.eq(org_id))
        .one(db)
        .await?
        .ok_or_else(|| CoreError::NotFound(NO_SUCH_USER.into()))
}
