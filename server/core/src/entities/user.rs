use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    /// Lower-cased.
    pub email: String,
    pub title: Option<String>,
    pub department: Option<String>,
    /// `Role::as_str`.
    pub role: String,
    /// `UserStatus::as_str`.
    pub status: String,
    pub password_hash: Option<String>,
    /// The hash an admin reset invalidated; only used to show the reset prompt at sign-in.
    pub previous_password_hash: Option<String>,
    pub password_changed_at: Option<DateTimeUtc>,
    pub last_sign_in_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
