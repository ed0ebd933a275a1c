//! The test kit every Rust test shares: a `Core` on a fresh database — a temporary SQLite
//! file, or a PostgreSQL database created for the test and dropped after it — migrated by the
//! real migrations, on a `TestClock`, with a cheap argon2 cost; plus readers for what tests
//! check (users, links, sessions, activity, queued emails), a temporary directory, a real SMTP
//! server on loopback (`smtp_sink`, with a test CA in `fixtures/`) and a MIME reader (`mime`).
//!
//! Dev-only (`publish = false`): nothing in a shipped binary depends on it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod http;
pub mod mime;
pub mod smtp_sink;
mod tempdir;
pub mod webhook_sink;

pub use tempdir::{tempdir, TempDir};

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use orgdesk_core::config::HashCost;
use orgdesk_core::emails::EmailKind;
use orgdesk_core::entities::{activity, email_outbox, reset_link, session, user};
use orgdesk_core::types::{Actor, NewMember, Role, UserId, UserStatus};
use orgdesk_core::{Core, CoreConfig, TestClock};
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, DbBackend, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Statement,
};

/// The PostgreSQL server the tests create their databases on, unless `ORGDESK_TEST_PG_URL`
/// names another (scripts/postgres.sh starts this one).
pub const PG_DEFAULT_URL: &str = "postgres://orgdesk:orgdesk@127.0.0.1:5432/postgres";

/// The URL of the PostgreSQL server the tests use: `ORGDESK_TEST_PG_URL`, or [`PG_DEFAULT_URL`].
pub fn pg_server_url() -> String {
    std::env::var("ORGDESK_TEST_PG_URL").unwrap_or_else(|_| PG_DEFAULT_URL.to_owned())
}

/// The base URL links in test emails point at.
pub const PUBLIC_BASE_URL: &str = "http://orgdesk.test";
pub const MEMBER_PASSWORD: &str = "orgdesk-member";
pub const ADMIN_PASSWORD: &str = "orgdesk-admin";

/// Runs one scenario on SQLite and on PostgreSQL: `scenario::sqlite` and `scenario::postgres`.
/// `on_both_databases!(with config: scenario, …)` runs them with the configuration that the
/// function `config` (beside the scenarios) returns, instead of [`test_config`].
#[macro_export]
macro_rules! on_both_databases {
    (@config $config:expr; $($scenario:ident),*) => {
        $(
            mod $scenario {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    super::$scenario($crate::Harness::sqlite_with($config).await).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    super::$scenario($crate::Harness::postgres_with($config).await).await
                }
            }
        )*
    };
    (with $config:ident: $($scenario:ident),* $(,)?) => {
        $crate::on_both_databases!(@config super::$config(); $($scenario),*);
    };
    ($($scenario:ident),* $(,)?) => {
        $crate::on_both_databases!(@config $crate::test_config(); $($scenario),*);
    };
}

/// The default configuration with test links, cheap hashing and a hashing queue that bursts
/// of test sign-ins never fill, whatever the machine's cores (the tests are about limits and
/// flows, not argon2's cost or the server's capacity, which `passwords` tests on its own).
pub fn test_config() -> CoreConfig {
    CoreConfig {
        public_base_url: PUBLIC_BASE_URL.into(),
        hash_cost: HashCost {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        },
        max_concurrent_hashes: 4,
        max_queued_hashes: 256,
        ..CoreConfig::default()
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

enum Cleanup {
    Keep,
    SqliteFile(PathBuf),
    PostgresDatabase { server_url: String, name: String },
}

/// A member to add, with nothing but a name and an email.
pub fn new_member(name: &str, email: &str) -> NewMember {
    NewMember {
        name: name.into(),
        email: email.into(),
        role: Role::Member,
        title: None,
        department: None,
    }
}

/// A fresh, empty database for one test, removed when dropped (even after a panic).
pub struct TestDatabase {
    /// What `Core::connect` takes.
    pub url: String,
    pub backend: DbBackend,
    cleanup: Cleanup,
}

impl TestDatabase {
    /// A temporary SQLite file.
    pub fn sqlite() -> TestDatabase {
        let path = std::env::temp_dir().join(format!("{}.db", unique_name("orgdesk_test")));
        TestDatabase {
            url: format!("sqlite://{}?mode=rwc", path.display()),
            backend: DbBackend::Sqlite,
            cleanup: Cleanup::SqliteFile(path),
        }
    }

    /// A database created on the PostgreSQL server named by `ORGDESK_TEST_PG_URL` (or
    /// [`PG_DEFAULT_URL`]). Panics with instructions when the server is unreachable: a test
    /// must not pass silently without it.
    pub async fn postgres() -> TestDatabase {
        let server_url = pg_server_url();
        let name = unique_name("orgdesk_test");
        let admin = Database::connect(&server_url).await.unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is not reachable at {server_url} ({e}). The PostgreSQL half of this suite needs it: \
                 run `bash scripts/postgres.sh` (it installs, starts and creates the role) or point \
                 ORGDESK_TEST_PG_URL at a server where the user may CREATE DATABASE."
            )
        });
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name} on {server_url}: {e}"));
        admin.close().await.ok();
        TestDatabase {
            url: database_url(&server_url, &name),
            backend: DbBackend::Postgres,
            cleanup: Cleanup::PostgresDatabase { server_url, name },
        }
    }
}

impl TestDatabase {
    /// Keeps the database after all (to look at it later); returns its URL.
    pub fn keep(mut self) -> String {
        self.cleanup = Cleanup::Keep;
        self.url.clone()
    }
}

/// A `Core` on its own fresh database, and the clock it reads.
pub struct Harness {
    pub core: Core,
    pub clock: Arc<TestClock>,
    pub backend: DbBackend,
    // Dropped after `core`, so the pool is gone before the database is.
    database: TestDatabase,
}

impl Harness {
    pub async fn sqlite() -> Harness {
        Harness::sqlite_with(test_config()).await
    }

    pub async fn sqlite_with(config: CoreConfig) -> Harness {
        Harness::on(TestDatabase::sqlite(), config).await
    }

    pub async fn postgres() -> Harness {
        Harness::postgres_with(test_config()).await
    }

    pub async fn postgres_with(config: CoreConfig) -> Harness {
        Harness::on(TestDatabase::postgres().await, config).await
    }

    /// Connects to `database`, running the migrations.
    pub async fn on(database: TestDatabase, config: CoreConfig) -> Harness {
        let clock = Arc::new(TestClock::new());
        let core = Core::connect(&database.url, config, clock.clone())
            .await
            .unwrap_or_else(|e| panic!("{}: {e:?}", database.url));
        Harness {
            core,
            clock,
            backend: database.backend,
            database,
        }
    }

    /// The URL of this harness's database, for a second `Core` on it.
    pub fn database_url(&self) -> &str {
        &self.database.url
    }

    /// Moves the test clock on.
    pub fn advance(&self, by: Duration) {
        self.clock
            .advance(chrono::Duration::from_std(by).expect("a duration that fits"));
    }

    /// Counts of everything a reset touches: equal before and after a call that must change
    /// nothing.
    pub async fn snapshot(&self) -> Vec<i64> {
        let reset_pending = UserStatus::ResetPending.as_str();
        vec![
            self.scalar(&format!(
                "SELECT COUNT(*) AS n FROM users WHERE status = '{reset_pending}'"
            ))
            .await,
            self.scalar("SELECT COUNT(*) AS n FROM users WHERE password_hash IS NULL")
                .await,
            self.scalar("SELECT COUNT(*) AS n FROM users WHERE previous_password_hash IS NOT NULL")
                .await,
            self.scalar("SELECT COUNT(*) AS n FROM reset_links").await,
            self.scalar("SELECT COUNT(*) AS n FROM reset_links WHERE revoked_at IS NOT NULL")
                .await,
            self.scalar("SELECT COUNT(*) AS n FROM email_outbox").await,
            self.scalar("SELECT COUNT(*) AS n FROM activity").await,
            self.scalar("SELECT COUNT(*) AS n FROM sessions WHERE revoked_at IS NOT NULL")
                .await,
            self.scalar("SELECT COUNT(*) AS n FROM sessions").await,
            self.scalar("SELECT COUNT(*) AS n FROM organizations").await,
        ]
    }

    pub fn db(&self) -> &sea_orm::DatabaseConnection {
        self.core.db()
    }

    pub fn is_postgres(&self) -> bool {
        self.backend == DbBackend::Postgres
    }

    /// Seeds the demo organization and returns its people.
    pub async fn demo(&self) -> Demo {
        self.core.seed_demo().await.expect("seed_demo");
        let admin = self.actor("admin@acme.test").await;
        let owner = self.actor("owner@acme.test").await;
        let members = user::Entity::find()
            .filter(user::Column::OrgId.eq(admin.org_id))
            .filter(user::Column::Role.eq(Role::Member.as_str()))
            .filter(user::Column::Status.eq(UserStatus::Active.as_str()))
            .order_by_asc(user::Column::Id)
            .all(self.db())
            .await
            .expect("members");
        let suspended = user::Entity::find()
            .filter(user::Column::OrgId.eq(admin.org_id))
            .filter(user::Column::Status.eq(UserStatus::Suspended.as_str()))
            .order_by_asc(user::Column::Id)
            .all(self.db())
            .await
            .expect("suspended");
        Demo {
            admin,
            owner,
            members,
            suspended,
        }
    }

    /// The Actor a session of `email` would resolve to.
    pub async fn actor(&self, email: &str) -> Actor {
        let u = self.user_by_email(email).await;
        let org = orgdesk_core::entities::organization::Entity::find_by_id(u.org_id)
            .one(self.db())
            .await
            .expect("org")
            .expect("org exists");
        Actor {
            user_id: u.id,
            org_id: u.org_id,
            org_name: org.name,
            name: u.name,
            email: u.email,
            role: Role::parse(&u.role).expect("role"),
        }
    }

    pub async fn user_by_email(&self, email: &str) -> user::Model {
        user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .one(self.db())
            .await
            .expect("query")
            .unwrap_or_else(|| panic!("no user {email}"))
    }

    pub async fn user(&self, id: UserId) -> user::Model {
        user::Entity::find_by_id(id)
            .one(self.db())
            .await
            .expect("query")
            .expect("user exists")
    }

    /// The demo admin resets `user` (one user, from the row menu or the sidebar); returns the
    /// token of the link emailed to them.
    pub async fn admin_reset(&self, demo: &Demo, user_id: UserId) -> String {
        self.core
            .admin_reset_passwords(&demo.admin, &[user_id], None)
            .await
            .expect("the admin reset");
        self.emailed_token(user_id).await
    }

    /// The token of the newest link emailed to `user` (read from the queued email's body).
    pub async fn emailed_token(&self, user_id: UserId) -> String {
        let email = email_outbox::Entity::find()
            .filter(email_outbox::Column::UserId.eq(user_id))
            .filter(email_outbox::Column::Kind.is_in([
                EmailKind::AdminReset.as_str(),
                EmailKind::ForgotPassword.as_str(),
                EmailKind::Invitation.as_str(),
            ]))
            .order_by_desc(email_outbox::Column::Id)
            .one(self.db())
            .await
            .expect("query")
            .expect("an email with a link was queued");
        let (text, _) = email.bodies().expect("body still there");
        token_in(&text).expect("a /reset-password/ link in the email")
    }

    pub async fn live_links(&self, user_id: UserId) -> Vec<reset_link::Model> {
        let now = self.core.now();
        reset_link::Entity::find()
            .filter(reset_link::Column::UserId.eq(user_id))
            .filter(reset_link::Column::UsedAt.is_null())
            .filter(reset_link::Column::RevokedAt.is_null())
            .filter(reset_link::Column::ExpiresAt.gt(now))
            .all(self.db())
            .await
            .expect("query")
    }

    pub async fn activity_kinds(&self, subject: UserId) -> Vec<String> {
        activity::Entity::find()
            .filter(activity::Column::SubjectId.eq(subject))
            .order_by_asc(activity::Column::Id)
            .all(self.db())
            .await
            .expect("query")
            .into_iter()
            .map(|a| a.kind)
            .collect()
    }

    /// Whether `token` (a session cookie's value) still signs someone in.
    pub async fn session_is_live(&self, token: &str) -> bool {
        self.core
            .session_actor(token)
            .await
            .unwrap_or_else(|e| panic!("session_actor: {e}"))
            .is_some()
    }

    pub async fn live_sessions(&self, user_id: UserId) -> u64 {
        session::Entity::find()
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::RevokedAt.is_null())
            .count(self.db())
            .await
            .expect("query")
    }

    /// Runs the migrations down, newest first, until `first` (a migration's name, such as
    /// `m20261129_000012_outbox_due_in_order`) is undone too, as rolling back a release would.
    pub async fn migrate_down_through(&self, first: &str) {
        use orgdesk_migration::MigratorTrait;
        let all = orgdesk_core::Migrator::migrations();
        let at = all
            .iter()
            .position(|m| m.name() == first)
            .unwrap_or_else(|| panic!("no migration is named {first}"));
        let steps = u32::try_from(all.len() - at).expect("a few migrations");
        orgdesk_core::Migrator::down(self.db(), Some(steps))
            .await
            .unwrap_or_else(|e| panic!("down through {first}: {e}"));
    }

    /// A number from SQL, e.g. `SELECT COUNT(*) AS n FROM …`.
    pub async fn scalar(&self, sql: &str) -> i64 {
        let row = self
            .db()
            .query_one_raw(Statement::from_string(self.backend, sql.to_owned()))
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .expect("one row");
        row.try_get_by_index::<i64>(0).expect("a number")
    }

    pub async fn exec(&self, sql: &str) {
        self.db()
            .execute_unprepared(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Keep => {}
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    std::fs::remove_file(p).ok();
                }
            }
            Cleanup::PostgresDatabase { server_url, name } => {
                // Drop runs outside the test's runtime (even after a panic): use a thread of
                // our own with its own runtime.
                let (server_url, db_name) = (server_url.clone(), name.clone());
                let dropped = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .ok()?;
                    rt.block_on(async {
                        let admin = Database::connect(&server_url).await.ok()?;
                        admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"
                            ))
                            .await
                            .ok()?;
                        admin.close().await.ok()
                    })
                })
                .join();
                if !matches!(dropped, Ok(Some(()))) {
                    eprintln!("warning: could not drop test database {name}");
                }
            }
        }
    }
}

/// The server URL with its database name replaced.
pub fn database_url(server_url: &str, name: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (server_url, None),
    };
    let authority_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

pub fn token_in(text: &str) -> Option<String> {
    let start = text.find("/reset-password/")? + "/reset-password/".len();
    Some(
        text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect(),
    )
}

pub struct Demo {
    pub admin: Actor,
    pub owner: Actor,
    /// Active members, by id.
    pub members: Vec<user::Model>,
    pub suspended: Vec<user::Model>,
}

/// The outbox lease the scenarios claim emails with.
pub const LEASE: Duration = Duration::from_secs(60);
