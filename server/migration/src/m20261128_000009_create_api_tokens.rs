//! The automation API (`/api/v1`): an organization's API tokens, of which only the SHA-256
//! is stored; the answers kept for `Idempotency-Key` replays; bulk resets run as jobs; and an
//! index for a user's emails (`GET /users/{id}/emails`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::{Organizations, Users};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    OrgId,
    Name,
    TokenHash,
    Scopes,
    CreatedBy,
    CreatedByLabel,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    LastUsedAt,
    LastUsedIp,
}

#[derive(DeriveIden)]
enum ApiIdempotency {
    Table,
    Id,
    TokenId,
    Key,
    RequestHash,
    Status,
    Response,
    Location,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiJobs {
    Table,
    Id,
    OrgId,
    TokenId,
    Kind,
    State,
    Request,
    Total,
    Report,
    Error,
    CreatedAt,
    StartedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum EmailOutbox {
    Table,
    UserId,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ApiTokens::Id))
                    .col(big_integer(ApiTokens::OrgId))
                    .col(string_len(ApiTokens::Name, 100))
                    .col(string_len_uniq(ApiTokens::TokenHash, 64))
                    .col(string_len(ApiTokens::Scopes, 200))
                    .col(big_integer_null(ApiTokens::CreatedBy))
                    .col(string_len_null(ApiTokens::CreatedByLabel, 200))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone(ApiTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                    .col(string_len_null(ApiTokens::LastUsedIp, 64))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_tokens_org")
                            .from(ApiTokens::Table, ApiTokens::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_tokens_creator")
                            .from(ApiTokens::Table, ApiTokens::CreatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_api_tokens_org")
                    .table(ApiTokens::Table)
                    .col(ApiTokens::OrgId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiIdempotency::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ApiIdempotency::Id))
                    .col(big_integer(ApiIdempotency::TokenId))
                    .col(string_len(ApiIdempotency::Key, 255))
                    .col(string_len(ApiIdempotency::RequestHash, 64))
                    .col(integer_null(ApiIdempotency::Status))
                    .col(text_null(ApiIdempotency::Response))
                    .col(string_len_null(ApiIdempotency::Location, 255))
                    .col(timestamp_with_time_zone(ApiIdempotency::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_idempotency_token")
                            .from(ApiIdempotency::Table, ApiIdempotency::TokenId)
                            .to(ApiTokens::Table, ApiTokens::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_api_idempotency_token_key")
                    .table(ApiIdempotency::Table)
                    .col(ApiIdempotency::TokenId)
                    .col(ApiIdempotency::Key)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_api_idempotency_created")
                    .table(ApiIdempotency::Table)
                    .col(ApiIdempotency::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiJobs::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ApiJobs::Id))
                    .col(big_integer(ApiJobs::OrgId))
                    .col(big_integer(ApiJobs::TokenId))
                    .col(string_len(ApiJobs::Kind, 32))
                    .col(string_len(ApiJobs::State, 16))
                    .col(text(ApiJobs::Request))
                    .col(big_integer(ApiJobs::Total))
                    .col(text_null(ApiJobs::Report))
                    .col(text_null(ApiJobs::Error))
                    .col(timestamp_with_time_zone(ApiJobs::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiJobs::StartedAt))
                    .col(timestamp_with_time_zone_null(ApiJobs::FinishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_jobs_org")
                            .from(ApiJobs::Table, ApiJobs::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_jobs_token")
                            .from(ApiJobs::Table, ApiJobs::TokenId)
                            .to(ApiTokens::Table, ApiTokens::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_api_jobs_state")
                    .table(ApiJobs::Table)
                    .col(ApiJobs::State)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_email_outbox_user")
                    .table(EmailOutbox::Table)
                    .col(EmailOutbox::UserId)
                    .col(EmailOutbox::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_email_outbox_user")
                    .table(EmailOutbox::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ApiJobs::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ApiIdempotency::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ApiTokens::Table).to_owned())
            .await?;
        Ok(())
    }
}
