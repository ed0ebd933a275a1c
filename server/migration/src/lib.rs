//! Orgdesk's schema, as an ordered list of migrations. `orgdesk_core::Core::connect` runs
//! `Migrator::up` on start; the same files build SQLite and PostgreSQL databases.

pub use sea_orm_migration::prelude::*;

/// The `MigrationTrait` of a migration written as SQL for each database: `up` and `down`, each
/// `(SQLite, PostgreSQL)` (an empty string for a step one database doesn't take), run by
/// [`execute_per_backend`]. Defined before the migrations' modules, which use it.
macro_rules! sql_per_backend {
    (up: ($sqlite_up:expr, $postgres_up:expr $(,)?), down: ($sqlite_down:expr, $postgres_down:expr $(,)?) $(,)?) => {
        #[async_trait::async_trait]
        impl MigrationTrait for Migration {
            async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
                crate::execute_per_backend(manager, &$sqlite_up, &$postgres_up).await
            }

            async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
                crate::execute_per_backend(manager, &$sqlite_down, &$postgres_down).await
            }
        }
    };
}

mod m20250601_000001_create_organizations_and_users;
mod m20250601_000002_create_sessions_and_reset_links;
mod m20250601_000003_create_email_outbox_and_activity;
mod m20250601_000004_create_assets_and_rate_limits;
mod m20261128_000005_add_cancelled_at_to_reset_links;
mod m20261128_000006_index_user_search;
mod m20261128_000007_invitations;
mod m20261128_000008_index_user_word_prefixes;
mod m20261128_000009_create_api_tokens;
mod m20261128_000010_create_webhooks;
mod m20261129_000011_outbox_letters;
mod m20261129_000012_outbox_due_in_order;
mod m20261129_000013_count_users_per_org;
mod m20261129_000014_words_of_the_local_part;
mod m20261130_000015_search_beside_users;
mod m20261130_000016_org_cascade_by_statement;
mod m20261130_000017_filters_in_sort_indexes;
mod m20261130_000018_tally_users_by_status_and_role;
mod m20261130_000019_word_initials_beside_search;
mod m20261130_000020_word_initials_by_email;
mod m20261130_000021_word_initials_in_sort_indexes;
mod m20261130_000022_tally_users_by_initial;
mod m20261130_000023_known_devices;
mod m20261201_000024_session_last_seen;
mod m20261201_000025_search_version;
mod m20261201_000026_session_device;
mod m20261202_000027_activity_by_actor;
mod m20261202_000028_activity_by_actor_on_postgres;

pub use m20261130_000015_search_beside_users::{POSTGRES_SEARCH_TABLE, POSTGRES_USER_WORDS};

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20250601_000001_create_organizations_and_users::Migration),
            Box::new(m20250601_000002_create_sessions_and_reset_links::Migration),
            Box::new(m20250601_000003_create_email_outbox_and_activity::Migration),
            Box::new(m20250601_000004_create_assets_and_rate_limits::Migration),
            Box::new(m20261128_000005_add_cancelled_at_to_reset_links::Migration),
            Box::new(m20261128_000006_index_user_search::Migration),
            Box::new(m20261128_000007_invitations::Migration),
            Box::new(m20261128_000008_index_user_word_prefixes::Migration),
            Box::new(m20261128_000009_create_api_tokens::Migration),
            Box::new(m20261128_000010_create_webhooks::Migration),
            Box::new(m20261129_000011_outbox_letters::Migration),
            Box::new(m20261129_000012_outbox_due_in_order::Migration),
            Box::new(m20261129_000013_count_users_per_org::Migration),
            Box::new(m20261129_000014_words_of_the_local_part::Migration),
            Box::new(m20261130_000015_search_beside_users::Migration),
            Box::new(m20261130_000016_org_cascade_by_statement::Migration),
            Box::new(m20261130_000017_filters_in_sort_indexes::Migration),
            Box::new(m20261130_000018_tally_users_by_status_and_role::Migration),
            Box::new(m20261130_000019_word_initials_beside_search::Migration),
            Box::new(m20261130_000020_word_initials_by_email::Migration),
            Box::new(m20261130_000021_word_initials_in_sort_indexes::Migration),
            Box::new(m20261130_000022_tally_users_by_initial::Migration),
            Box::new(m20261130_000023_known_devices::Migration),
            Box::new(m20261201_000024_session_last_seen::Migration),
            Box::new(m20261201_000025_search_version::Migration),
            Box::new(m20261201_000026_session_device::Migration),
            Box::new(m20261202_000027_activity_by_actor::Migration),
            Box::new(m20261202_000028_activity_by_actor_on_postgres::Migration),
        ]
    }
}

/// Runs the SQL written for the connection's database: for what SeaQuery can't say (FTS5
/// tables, triggers, extensions, expression indexes).
pub(crate) async fn execute_per_backend(
    manager: &SchemaManager<'_>,
    sqlite: &str,
    postgres: &str,
) -> Result<(), DbErr> {
    let sql = match manager.get_database_backend() {
        sea_orm_migration::sea_orm::DbBackend::Sqlite => sqlite,
        sea_orm_migration::sea_orm::DbBackend::Postgres => postgres,
        other => return Err(DbErr::Migration(format!("{other:?} is not supported"))),
    };
    if sql.trim().is_empty() {
        // A step for the other database only.
        return Ok(());
    }
    if manager.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::Sqlite {
        // A pooled connection may still hold the schema as it was before another connection's
        // migration changed it, and SQLite checks some DDL (`ADD COLUMN`: "duplicate column
        // name") against that copy when it prepares it, without retrying. Reading the schema
        // table first makes the connection load the current one; the statements after it are
        // prepared one by one on the same connection.
        let fresh = format!("SELECT COUNT(*) FROM sqlite_schema;\n{sql}");
        manager.get_connection().execute_unprepared(&fresh).await?;
        return Ok(());
    }
    manager.get_connection().execute_unprepared(sql).await?;
    Ok(())
}

/// Identifiers shared by several migrations.
#[derive(DeriveIden)]
pub(crate) enum Organizations {
    Table,
    Id,
    Name,
    AdminLinkTtlMinutes,
    ForgotLinkTtlMinutes,
    InviteLinkTtlMinutes,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum Users {
    Table,
    Id,
    OrgId,
    Name,
    Email,
    Title,
    Department,
    Role,
    Status,
    PasswordHash,
    PreviousPasswordHash,
    PasswordChangedAt,
    LastSignInAt,
    CreatedAt,
}
