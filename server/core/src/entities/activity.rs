use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activity")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub actor_id: Option<i64>,
    pub subject_id: Option<i64>,
    /// `ActivityKind::as_str`.
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub details: String,
    pub ip: Option<String>,
    /// Who acted when it was not a user of the organization: "command line (<os user>)".
    pub actor_label: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
