//! The activity log by actor, newest first, on PostgreSQL too: an Activity search now binds
//! its people's ids as one array there, and the planner reads the events they did from this
//! index and those done to them from `ix_activity_subject_created` (a BitmapOr), where it
//! tested every event of the organization against them (docs/decisions.md 82). Migration 27
//! made the same index on SQLite.

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
        if manager.get_database_backend() != DbBackend::Postgres {
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
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager
            .drop_index(Index::drop().name(INDEX).table(Activity::Table).to_owned())
            .await
    }
}
