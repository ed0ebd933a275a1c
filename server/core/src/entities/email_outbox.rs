use orgdesk_types::EmailStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub user_id: Option<i64>,
    /// `EmailKind::as_str`.
    pub kind: String,
    pub to_addr: String,
    pub subject: String,
    /// Cleared once sent (they hold the reset link).
    #[sea_orm(column_type = "Text", nullable)]
    pub body_text: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub body_html: Option<String>,
    /// An email with a link as queued, instead of the bodies: `emails::Letter` as JSON, written
    /// out when sent (decision 37). Cleared once sent, like the bodies.
    #[sea_orm(column_type = "Text", nullable)]
    pub letter: Option<String>,
    /// [`EmailStatus::as_str`]; read it with [`Model::status`].
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub locked_by: Option<String>,
    pub locked_until: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The stored status, typed (`None` for a value no version of Orgdesk writes).
    pub fn status(&self) -> Option<EmailStatus> {
        EmailStatus::parse(&self.status)
    }

    /// The text and HTML this email is sent with ([`crate::emails::bodies`]).
    pub fn bodies(&self) -> Option<(String, String)> {
        crate::emails::bodies(
            self.body_text.clone(),
            self.body_html.clone(),
            self.letter.as_deref(),
        )
    }

    /// Whether the outbox still holds what the email says, link included: dropped once it is
    /// sent or given up.
    pub fn holds_content(&self) -> bool {
        self.body_text.is_some() || self.body_html.is_some() || self.letter.is_some()
    }
}
