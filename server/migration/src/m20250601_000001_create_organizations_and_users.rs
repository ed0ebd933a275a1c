//! Organizations and their users. The indexes serve the Users Table at 100,000 users: every
//! filter and sort starts with `org_id`, and ends with `id` for a stable page order.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::{Organizations, Users};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organizations::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Organizations::Id))
                    .col(string(Organizations::Name))
                    .col(integer(Organizations::AdminLinkTtlMinutes).default(15))
                    .col(integer(Organizations::ForgotLinkTtlMinutes).default(30))
                    .col(timestamp_with_time_zone(Organizations::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Users::Id))
                    .col(big_integer(Users::OrgId))
                    .col(string(Users::Name))
                    // Stored lower-cased, so equality and substring search need no LOWER().
                    .col(string(Users::Email))
                    .col(string_null(Users::Title))
                    .col(string_null(Users::Department))
                    .col(string_len(Users::Role, 16))
                    .col(string_len(Users::Status, 16))
                    .col(string_null(Users::PasswordHash))
                    // The hash an admin reset invalidated: only used to recognise the old
                    // password at sign-in and show the "reset pending" prompt.
                    .col(string_null(Users::PreviousPasswordHash))
                    .col(timestamp_with_time_zone_null(Users::PasswordChangedAt))
                    .col(timestamp_with_time_zone_null(Users::LastSignInAt))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_users_org")
                            .from(Users::Table, Users::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_index(
                Index::create()
                    .name("ux_users_org_email")
                    .table(Users::Table)
                    .col(Users::OrgId)
                    .col(Users::Email)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Sign-in looks a user up by email alone.
        manager
            .create_index(
                Index::create()
                    .name("ix_users_email")
                    .table(Users::Table)
                    .col(Users::Email)
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("ix_users_org_name", Users::Name),
            ("ix_users_org_status", Users::Status),
            ("ix_users_org_role", Users::Role),
            ("ix_users_org_last_sign_in", Users::LastSignInAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Users::Table)
                        .col(Users::OrgId)
                        .col(column)
                        .col(Users::Id)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Users::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(Organizations::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
