//! The activity log by actor, newest first: an Activity search reads the events its people did
//! from this index and those done to them from `ix_activity_subject_created`, where it read
//! every event of the organization (docs/decisions.md 81).

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum Activity {
    Table,
    ActorId,
    CreatedAt,
}

const INDEX: &str = "ix_activity_actor_created";

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Activity::Table)
                    .col(Activity::ActorId)
                    .col(Activity::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Activity::Table).to_owned())
            .await
    }
}
