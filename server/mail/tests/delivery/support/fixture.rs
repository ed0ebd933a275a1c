//! A core on a fresh database, signed in as the demo organization's admin.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use orgdesk_core::config::{CoreConfig, HashCost};
use orgdesk_core::types::{Actor, Role, UserFilter, UserQuery, UserStatus, UserSummary};
use orgdesk_core::{Core, SignInOutcome, TestClock};
use orgdesk_mail::{MailConfig, OutboxWorker, SmtpSettings, WorkerSettings};
use sea_orm::{ConnectionTrait, Database, Statement};

pub const PUBLIC_BASE_URL: &str = "http://orgdesk.test";

/// The reset link in a message body: the base URL up to the next whitespace or quote.
pub fn reset_link(body: &str) -> String {
    let prefix = format!("{PUBLIC_BASE_URL}/reset-password/");
    let start = body
        .find(&prefix)
        .unwrap_or_else(|| panic!("no reset link in {body}"));
    body[start..]
        .split(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .next()
        .unwrap()
        .to_owned()
}

pub fn core_config() -> CoreConfig {
    CoreConfig {
        public_base_url: PUBLIC_BASE_URL.into(),
        // Cheap hashing: the tests are about email, not argon2.
        hash_cost: HashCost {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        },
        ..CoreConfig::default()
    }
}

pub struct TestCore {
    pub core: Core,
    pub clock: Arc<TestClock>,
    pub admin: Actor,
    _dir: Option<crate::support::tempdir::TempDir>,
}

impl TestCore {
    /// A fresh SQLite file with the demo organization.
    pub async fn sqlite() -> TestCore {
        Self::sqlite_with(core_config()).await
    }

    pub async fn sqlite_with(config: CoreConfig) -> TestCore {
        let dir = crate::support::tempdir::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("orgdesk.db").display());
        let mut core = Self::connect(&url, config).await;
        core._dir = Some(dir);
        core
    }

    /// Connects (running migrations), seeds the demo organization once, signs in its admin.
    pub async fn connect(url: &str, config: CoreConfig) -> TestCore {
        let clock = Arc::new(TestClock::new());
        let core = Core::connect(url, config, clock.clone()).await.unwrap();
        let demo = core.seed_demo().await.unwrap();
        let admin = match core
            .sign_in(&demo.admin_email, &demo.admin_password, None)
            .await
            .unwrap()
        {
            SignInOutcome::SignedIn { actor, .. } => actor,
            other => panic!("the demo admin could not sign in: {other:?}"),
        };
        TestCore {
            core,
            clock,
            admin,
            _dir: None,
        }
    }

    /// Active members of the demo organization, by name.
    pub async fn members(&self) -> Vec<UserSummary> {
        let query = UserQuery {
            filter: UserFilter {
                role: Some(Role::Member),
                status: Some(UserStatus::Active),
                ..UserFilter::default()
            },
            per_page: 100,
            ..UserQuery::default()
        };
        let page = self.core.list_users(&self.admin, &query).await.unwrap();
        assert!(
            !page.users.is_empty(),
            "the demo organization has active members"
        );
        page.users
    }

    /// The admin resets `users` (one transaction, one email each).
    pub async fn reset(&self, users: &[&UserSummary]) {
        let ids: Vec<_> = users.iter().map(|u| u.id).collect();
        let report = self
            .core
            .admin_reset_passwords(&self.admin, &ids, None)
            .await
            .unwrap();
        assert_eq!(
            report.reset.len(),
            ids.len(),
            "every user was reset: {report:?}"
        );
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(chrono::Duration::from_std(by).unwrap());
    }

    /// Every outbox row, as (id, recipient, status, attempts, last error), by id.
    pub async fn outbox(&self) -> Vec<OutboxRow> {
        let statement = Statement::from_string(
            self.core.db().get_database_backend(),
            "SELECT id, to_addr, status, attempts, last_error FROM email_outbox ORDER BY id",
        );
        self.core
            .db()
            .query_all_raw(statement)
            .await
            .unwrap()
            .into_iter()
            .map(|row| OutboxRow {
                id: row.try_get("", "id").unwrap(),
                to: row.try_get("", "to_addr").unwrap(),
                status: row.try_get("", "status").unwrap(),
                attempts: row.try_get("", "attempts").unwrap(),
                last_error: row.try_get("", "last_error").unwrap(),
            })
            .collect()
    }

    pub fn worker(&self, config: MailConfig, id: &str) -> OutboxWorker {
        OutboxWorker::new(self.core.clone(), config, id.to_owned()).unwrap()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    pub to: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
}

/// Plain SMTP to the sink on `port`, with short timeouts.
pub fn smtp_config(port: u16) -> MailConfig {
    let mut settings = SmtpSettings::plaintext("127.0.0.1", port);
    settings.timeout = Duration::from_secs(5);
    let mut config = MailConfig::smtp(settings);
    config.worker = WorkerSettings {
        idle_poll: Duration::from_millis(50),
        ..WorkerSettings::default()
    };
    config
}

/// A uniquely named PostgreSQL database, dropped by [`PgDatabase::drop_now`].
pub struct PgDatabase {
    pub url: String,
    admin_url: String,
    name: String,
}

pub const DEFAULT_PG_URL: &str = "postgres://orgdesk:orgdesk@127.0.0.1:5432/postgres";

impl PgDatabase {
    /// Creates it on the server named by `ORGDESK_TEST_PG_URL`; panics with instructions when
    /// PostgreSQL is unreachable (the test must not pass silently without it).
    pub async fn create() -> PgDatabase {
        let admin_url =
            std::env::var("ORGDESK_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned());
        let admin = match Database::connect(admin_url.as_str()).await {
            Ok(admin) => admin,
            Err(e) => panic!(
                "PostgreSQL is unreachable at {admin_url} ({e}).\n\
                 This test needs a real PostgreSQL server: start it (e.g. `pg_ctlcluster 15 main start`) \
                 and create the role (`CREATE ROLE orgdesk LOGIN SUPERUSER PASSWORD 'orgdesk'`), \
                 or point ORGDESK_TEST_PG_URL at one."
            ),
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let name = format!("orgdesk_mail_test_{}_{nanos}", std::process::id());
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        admin.close().await.unwrap();
        let (base, _) = admin_url
            .rsplit_once('/')
            .expect("ORGDESK_TEST_PG_URL ends in /<database>");
        let base = base.to_owned();
        PgDatabase {
            url: format!("{base}/{name}"),
            admin_url,
            name,
        }
    }

    pub async fn drop_now(self) {
        let admin = Database::connect(self.admin_url.as_str()).await.unwrap();
        admin
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .await
            .unwrap();
        admin.close().await.unwrap();
    }
}
