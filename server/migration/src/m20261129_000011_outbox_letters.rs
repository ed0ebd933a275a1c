//! Emails with a link are queued as a letter, what the email says in a few hundred bytes of
//! JSON, and written out when they are sent: a bulk reset of 10,000 users no longer writes
//! 30 MB of text and HTML in its transaction (decision 37). Rows queued before keep their
//! bodies and are sent as they are.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EmailOutbox {
    Table,
    Letter,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(EmailOutbox::Table)
                    .add_column(text_null(EmailOutbox::Letter))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(EmailOutbox::Table)
                    .drop_column(EmailOutbox::Letter)
                    .to_owned(),
            )
            .await
    }
}
