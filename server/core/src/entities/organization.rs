use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub admin_link_ttl_minutes: i32,
    pub forgot_link_ttl_minutes: i32,
    pub invite_link_ttl_minutes: i32,
    pub created_at: DateTimeUtc,
    /// How many users it has, kept by triggers on `users` (migration 13); never written here.
    pub user_count: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
