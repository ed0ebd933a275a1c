use orgdesk_types::{Role, UserStatus};
use sea_orm::entity::prelude::*;

/// `Debug` is written by hand below: it leaves the password hashes out.
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
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
    /// [`Role::as_str`]; read it with [`Model::role`].
    pub role: String,
    /// [`UserStatus::as_str`]; read it with [`Model::status`].
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

impl Model {
    /// The stored role, typed (`None` for a value no version of Orgdesk writes).
    pub fn role(&self) -> Option<Role> {
        Role::parse(&self.role)
    }
    /// The stored status, typed (`None` for a value no version of Orgdesk writes).
    pub fn status(&self) -> Option<UserStatus> {
        UserStatus::parse(&self.status)
    }
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hash = |h: &Option<String>| h.as_ref().map(|_| crate::Redacted);
        f.debug_struct("user::Model")
            .field("id", &self.id)
            .field("org_id", &self.org_id)
            .field("name", &self.name)
            .field("email", &self.email)
            .field("title", &self.title)
            .field("department", &self.department)
            .field("role", &self.role)
            .field("status", &self.status)
            .field("password_hash", &hash(&self.password_hash))
            .field(
                "previous_password_hash",
                &hash(&self.previous_password_hash),
            )
            .field("password_changed_at", &self.password_changed_at)
            .field("last_sign_in_at", &self.last_sign_in_at)
            .field("created_at", &self.created_at)
            .finish()
    }
}
