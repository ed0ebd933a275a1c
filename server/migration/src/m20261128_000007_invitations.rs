//! Bringing people in: how long an organization's invitations stay valid, and who did
//! something when it was not a user of the organization (the command line), for the activity
//! log. Invited users are a new `users.status` value and invitations a new
//! `reset_links.purpose` value: both columns are plain strings, so they need no change here.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::Organizations;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Activity {
    Table,
    ActorLabel,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Organizations::Table)
                    .add_column(integer(Organizations::InviteLinkTtlMinutes).default(7 * 24 * 60))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Activity::Table)
                    .add_column(string_len_null(Activity::ActorLabel, 200))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Activity::Table)
                    .drop_column(Activity::ActorLabel)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Organizations::Table)
                    .drop_column(Organizations::InviteLinkTtlMinutes)
                    .to_owned(),
            )
            .await
    }
}
