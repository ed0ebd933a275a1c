use orgdesk_types::EmailStatus;
use sea_orm::entity::prelude::*;

/// `Debug` is written by hand below: it leaves out the address and the bodies, which hold live
/// reset and invitation links until the email is sent.
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
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

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = |body: &Option<String>| body.as_ref().map(|_| crate::Redacted);
        f.debug_struct("email_outbox::Model")
            .field("id", &self.id)
            .field("org_id", &self.org_id)
            .field("user_id", &self.user_id)
            .field("kind", &self.kind)
            .field("to_addr", &crate::Redacted)
            .field("subject", &self.subject)
            .field("body_text", &secret(&self.body_text))
            .field("body_html", &secret(&self.body_html))
            .field("letter", &secret(&self.letter))
            .field("status", &self.status)
            .field("attempts", &self.attempts)
            .field("next_attempt_at", &self.next_attempt_at)
            .field("locked_by", &self.locked_by)
            .field("locked_until", &self.locked_until)
            .field("last_error", &self.last_error)
            .field("created_at", &self.created_at)
            .field("sent_at", &self.sent_at)
            .finish()
    }
}

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
