//! Browsers that signed in to an account before: each holds a long-lived cookie whose token's
//! SHA-256 is kept here, with the email it signed in as. An account that failed many times
//! lately makes every attempt wait (decision 63); a browser it knows does not wait, so a
//! stranger who keeps the account failing can't keep its owner out.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum KnownDevices {
    Table,
    Id,
    Email,
    TokenHash,
    CreatedAt,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(KnownDevices::Table)
                    .if_not_exists()
                    .col(big_pk_auto(KnownDevices::Id))
                    .col(string_len(KnownDevices::Email, 320))
                    .col(string_len_uniq(KnownDevices::TokenHash, 64))
                    .col(timestamp_with_time_zone(KnownDevices::CreatedAt))
                    .col(timestamp_with_time_zone(KnownDevices::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        // Forgotten by email when its password is set anew.
        manager
            .create_index(
                Index::create()
                    .name("ix_known_devices_email")
                    .table(KnownDevices::Table)
                    .col(KnownDevices::Email)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(KnownDevices::Table).to_owned())
            .await
    }
}
