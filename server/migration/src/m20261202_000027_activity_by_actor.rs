//! The activity log by actor, newest first, on SQLite: an Activity search reads the events its
//! people did from this index and those done to them from `ix_activity_subject_created`, where
//! it read every event of the organization (docs/decisions.md 81). PostgreSQL's plan for that
//! search tests each event against the people instead and would not read it, so it has none.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

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
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
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
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        manager
            .drop_index(Index::drop().name(INDEX).table(Activity::Table).to_owned())
            .await
    }
}
