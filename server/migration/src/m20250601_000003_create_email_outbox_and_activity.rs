//! The email outbox (emails are queued in the same transaction as the change that causes
//! them, and delivered by a worker) and the activity log the console shows.
//!
//! Both reference users by id without a foreign key (organizations keep theirs): they are
//! append-only records written a row or two per user by bulk resets, where per-row key
//! checks dominated the cost on PostgreSQL; users are suspended, never deleted; and a log
//! should outlive what it talks about.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::Organizations;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EmailOutbox {
    Table,
    Id,
    OrgId,
    UserId,
    Kind,
    ToAddr,
    Subject,
    BodyText,
    BodyHtml,
    Status,
    Attempts,
    NextAttemptAt,
    LockedBy,
    LockedUntil,
    LastError,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum Activity {
    Table,
    Id,
    OrgId,
    ActorId,
    SubjectId,
    Kind,
    Details,
    Ip,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EmailOutbox::Table)
                    .if_not_exists()
                    .col(big_pk_auto(EmailOutbox::Id))
                    .col(big_integer(EmailOutbox::OrgId))
                    .col(big_integer_null(EmailOutbox::UserId))
                    .col(string_len(EmailOutbox::Kind, 32))
                    .col(string(EmailOutbox::ToAddr))
                    .col(string(EmailOutbox::Subject))
                    // Nullable: cleared once sent, because they carry the reset link.
                    .col(text_null(EmailOutbox::BodyText))
                    .col(text_null(EmailOutbox::BodyHtml))
                    .col(string_len(EmailOutbox::Status, 16))
                    .col(integer(EmailOutbox::Attempts).default(0))
                    .col(timestamp_with_time_zone(EmailOutbox::NextAttemptAt))
                    .col(string_null(EmailOutbox::LockedBy))
                    .col(timestamp_with_time_zone_null(EmailOutbox::LockedUntil))
                    .col(text_null(EmailOutbox::LastError))
                    .col(timestamp_with_time_zone(EmailOutbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(EmailOutbox::SentAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_email_outbox_org")
                            .from(EmailOutbox::Table, EmailOutbox::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == sea_orm::DbBackend::Postgres {
            // A queued email (text + HTML, ~2.5 kB) would cross PostgreSQL's 2 kB TOAST
            // threshold and be compressed row by row; keeping rows up to 8 kB inline and
            // uncompressed makes a bulk reset's 10,000 emails much cheaper to write.
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE email_outbox SET (toast_tuple_target = 8160)")
                .await?;
        }
        // The worker's claim: due messages by status and time.
        manager
            .create_index(
                Index::create()
                    .name("ix_email_outbox_due")
                    .table(EmailOutbox::Table)
                    .col(EmailOutbox::Status)
                    .col(EmailOutbox::NextAttemptAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Activity::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Activity::Id))
                    .col(big_integer(Activity::OrgId))
                    .col(big_integer_null(Activity::ActorId))
                    .col(big_integer_null(Activity::SubjectId))
                    .col(string_len(Activity::Kind, 48))
                    .col(text(Activity::Details))
                    .col(string_len_null(Activity::Ip, 64))
                    .col(timestamp_with_time_zone(Activity::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activity_org")
                            .from(Activity::Table, Activity::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_activity_org_created")
                    .table(Activity::Table)
                    .col(Activity::OrgId)
                    .col(Activity::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_activity_subject_created")
                    .table(Activity::Table)
                    .col(Activity::SubjectId)
                    .col(Activity::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_activity_org_kind_created")
                    .table(Activity::Table)
                    .col(Activity::OrgId)
                    .col(Activity::Kind)
                    .col(Activity::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Activity::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(EmailOutbox::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
