//! PostgreSQL only (migration 14): each user's status, indexed beside `users` so a status
//! change can update the user's row in place. Kept by triggers; `users.status` is the truth.

use sea_orm::entity::prelude::*;
use sea_orm::RelationDef;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_statuses")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub status: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// `user_statuses` joined to the `users` row it is about, the organization included, so the
/// query's `users.org_id = ?` also bounds the `(org_id, status, user_id)` range it reads.
pub(crate) fn of_user() -> RelationDef {
    Entity::belongs_to(super::user::Entity)
        .from((Column::UserId, Column::OrgId))
        .to((super::user::Column::Id, super::user::Column::OrgId))
        .into()
}
