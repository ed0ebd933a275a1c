//! A core on a fresh database (from the test kit), with the demo organization, signed in as
//! its admin; and an outbox worker pointed at the SMTP sink.

use std::sync::Arc;
use std::time::Duration;

use orgdesk_core::config::CoreConfig;
use orgdesk_core::types::{
    Actor, EmailStatus, Role, UserFilter, UserQuery, UserStatus, UserSummary,
};
use orgdesk_core::{Core, SignInOutcome, TestClock};
use orgdesk_mail::{MailConfig, OutboxWorker, SmtpSettings, WorkerSettings};
use orgdesk_testkit::{Harness, PUBLIC_BASE_URL};
use sea_orm::{ConnectionTrait, Statement};

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

pub use orgdesk_testkit::test_config as core_config;

pub struct TestCore {
    pub core: Core,
    pub clock: Arc<TestClock>,
    pub admin: Actor,
    /// Owns the database when this core created it.
    _harness: Option<Harness>,
}

impl TestCore {
    /// A fresh SQLite file with the demo organization.
    pub async fn sqlite() -> TestCore {
        Self::sqlite_with(core_config()).await
    }

    pub async fn sqlite_with(config: CoreConfig) -> TestCore {
        let harness = Harness::sqlite_with(config.clone()).await;
        let mut core = Self::connect(harness.database_url(), config).await;
        core._harness = Some(harness);
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
            _harness: None,
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
                status: EmailStatus::parse(&row.try_get::<String>("", "status").unwrap())
                    .expect("a status Orgdesk writes"),
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
    pub status: EmailStatus,
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
