use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    /// The API token that started it.
    pub token_id: i64,
    pub kind: String,
    /// `JobState::as_str`.
    pub state: String,
    /// The request, as JSON (`ResetTargets`).
    #[sea_orm(column_type = "Text")]
    pub request: String,
    pub total: i64,
    /// The outcome, as JSON (`ResetReport`), once it succeeded.
    #[sea_orm(column_type = "Text", nullable)]
    pub report: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    pub created_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
