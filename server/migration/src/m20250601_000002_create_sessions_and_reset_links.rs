//! Sessions and reset links. Both keep only the SHA-256 of their token: a copy of the
//! database is not a key to anyone's account.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::{Organizations, Users};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    UserId,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum ResetLinks {
    Table,
    Id,
    TokenHash,
    UserId,
    OrgId,
    Purpose,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Sessions::Id))
                    .col(string_len_uniq(Sessions::TokenHash, 64))
                    .col(big_integer(Sessions::UserId))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Sessions::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sessions_user")
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sessions_user")
                    .table(Sessions::Table)
                    .col(Sessions::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ResetLinks::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ResetLinks::Id))
                    .col(string_len_uniq(ResetLinks::TokenHash, 64))
                    .col(big_integer(ResetLinks::UserId))
                    .col(big_integer(ResetLinks::OrgId))
                    .col(string_len(ResetLinks::Purpose, 32))
                    // The admin who reset the password; a plain id, like the activity log's.
                    .col(big_integer_null(ResetLinks::CreatedBy))
                    .col(timestamp_with_time_zone(ResetLinks::CreatedAt))
                    .col(timestamp_with_time_zone(ResetLinks::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ResetLinks::UsedAt))
                    .col(timestamp_with_time_zone_null(ResetLinks::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_reset_links_user")
                            .from(ResetLinks::Table, ResetLinks::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_reset_links_org")
                            .from(ResetLinks::Table, ResetLinks::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_reset_links_user")
                    .table(ResetLinks::Table)
                    .col(ResetLinks::UserId)
                    .col(ResetLinks::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(ResetLinks::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Sessions::Table).if_exists().to_owned())
            .await
    }
}
