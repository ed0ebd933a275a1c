//! When the user cancelled a reset link from its email ("Didn't expect this?"). Kept apart from
//! `revoked_at` (which a cancelled link also gets) so the pages can say the request was
//! cancelled rather than replaced by a newer link.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ResetLinks {
    Table,
    CancelledAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ResetLinks::Table)
                    .add_column(timestamp_with_time_zone_null(ResetLinks::CancelledAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ResetLinks::Table)
                    .drop_column(ResetLinks::CancelledAt)
                    .to_owned(),
            )
            .await
    }
}
