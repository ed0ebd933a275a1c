//! What users own (the sidebar's Assets tab) and the shared rate-limit counters (in the
//! database so several server instances count together).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::{Organizations, Users};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Assets {
    Table,
    Id,
    OrgId,
    OwnerId,
    Kind,
    Name,
    Identifier,
    AssignedAt,
}

#[derive(DeriveIden)]
enum RateLimits {
    Table,
    Id,
    Key,
    WindowStart,
    Count,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Assets::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Assets::Id))
                    .col(big_integer(Assets::OrgId))
                    .col(big_integer(Assets::OwnerId))
                    .col(string_len(Assets::Kind, 32))
                    .col(string(Assets::Name))
                    .col(string(Assets::Identifier))
                    .col(timestamp_with_time_zone(Assets::AssignedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_assets_org")
                            .from(Assets::Table, Assets::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_assets_owner")
                            .from(Assets::Table, Assets::OwnerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_assets_owner")
                    .table(Assets::Table)
                    .col(Assets::OwnerId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RateLimits::Table)
                    .if_not_exists()
                    .col(big_pk_auto(RateLimits::Id))
                    .col(string_uniq(RateLimits::Key))
                    .col(timestamp_with_time_zone(RateLimits::WindowStart))
                    .col(integer(RateLimits::Count))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(RateLimits::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Assets::Table).if_exists().to_owned())
            .await
    }
}
