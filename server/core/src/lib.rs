//! Orgdesk's domain. Server functions authenticate the caller and call one function here;
//! each function here owns its transaction. No web types: this crate knows nothing of HTTP.
//!
//! Where things are:
//! - `resets` — admin resets (one user, a selection, everything matching a filter), Resend
//!   Email, Forgot your password?, completing or cancelling a reset; `links` — the reset
//!   links themselves;
//! - `auth` — sign-in (and the "reset pending" prompt) and sessions; `passwords` — argon2id
//!   off the async runtime; `tokens` — 256-bit secrets of which only SHA-256 is stored;
//! - `users` — the Users Table and the profile sidebar; `orgs` — organizations; `activity` —
//!   the activity log; `imports` — people in bulk from a CSV file (the command line);
//!   `settings` — link lifetimes; `authz` — who may do what, decided from the database;
//! - `outbox` — queued emails, claimed by delivery workers; `emails` — their templates;
//!   `outbox_admin` — the outbox's counts and retrying failures (the command line);
//! - `rate_limit`, `maintenance`, `seed` (demo data, provisioning), `db` (pool, write
//!   transactions, set-based SQL), `entities` (SeaORM), and `orgdesk-migration` for the schema.
//!
//! Every public method is declared below and delegates to its module.
// Unit tests may unwrap; the code they test may not.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod clock;
pub mod config;
pub mod emails;
pub mod entities;
pub mod error;
pub mod export;
pub mod imports;
pub mod outbox_admin;
pub mod proxies;
pub mod rate_limit;
pub mod redact;
pub mod resets;
pub mod seed;
pub mod settings;

pub mod account;
mod activity;
mod api_tokens;
mod auth;
mod authz;
mod background;
mod db;
pub mod jobs;
mod links;
mod maintenance;
pub mod net;
mod nodelay;
mod orgs;
mod outbox;
mod passwords;
mod people;
mod timing;
mod tokens;
mod users;
mod vacuum;
pub mod webhooks;

pub use api_tokens::{ApiCaller, Idempotency, SECRET_PREFIX as API_TOKEN_PREFIX};
pub use clock::{Clock, SystemClock, TestClock};
pub use config::CoreConfig;
pub use error::CoreError;
pub use orgdesk_migration::Migrator;
pub use orgdesk_types as types;
pub use people::Initiator;
pub use seed::NewUser;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use orgdesk_migration::MigratorTrait;
use orgdesk_types::*;
use sea_orm::DatabaseConnection;

use crate::passwords::Passwords;
use crate::users::WhenGone;

pub type CoreResult<T> = Result<T, CoreError>;

/// Everything a service call needs: the database pool, the clock and the configuration.
/// Cheap to clone; one per process.
#[derive(Clone)]
pub struct Core {
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    config: Arc<CoreConfig>,
    passwords: Arc<Passwords>,
    /// Signalled after a commit that queued email, so this process's idle outbox worker
    /// sends it now instead of at its next poll (other instances still poll).
    emails_queued: Arc<tokio::sync::Notify>,
    /// API calls this process has reserved against its tokens' shared limits.
    api_leases: Arc<rate_limit::Leases>,
    /// How long serving Forgot your password? or Resend Email for an account takes lately:
    /// an email with none waits as long (`resets::recovery`).
    public_request_work: Arc<timing::Typical>,
    /// Users changed in bulk since PostgreSQL's tables were last vacuumed for it (`vacuum`).
    bulk_changes: Arc<vacuum::BulkChanges>,
    /// On a SQLite file, the bulk lane's own connection, opened on first use (`background`).
    lane_db: Option<Arc<background::LaneDb>>,
    /// On SQLite, searches' totals, each kept while its organization's users stay the same.
    search_totals: Arc<users::SearchTotals>,
}

/// A freshly created session: the token goes into an HttpOnly cookie, only its hash is stored.
#[derive(Clone)]
pub struct NewSession {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Stands in for a secret in `Debug` output: types that hold tokens, links, password hashes or
/// passwords print this instead, so a stray `?value` in a log line leaks nothing.
pub(crate) struct Redacted;

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::fmt::Debug for NewSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSession")
            .field("token", &Redacted)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// The cookie that makes a browser known to the email it signed in as (decision 63): an
/// account that failed many times lately makes every attempt wait, but not from a browser it
/// knows. `Debug` leaves the token out.
#[derive(Clone)]
pub struct KnownDevice {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for KnownDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnownDevice")
            .field("token", &Redacted)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// What a browser brings to a sign-in besides the email and password. No `Debug`: it holds
/// the browser's cookies.
#[derive(Clone, Copy, Default)]
pub struct FromBrowser<'a> {
    /// The client's address.
    pub ip: Option<&'a str>,
    /// The token of the session cookie it already holds: when the new session opens, that one
    /// is signed out in the same transaction, so switching accounts leaves no session behind
    /// that the browser no longer shows. A wrong password, a pending reset or a refusal leaves
    /// it signed in.
    pub session: Option<&'a str>,
    /// The token of its known-device cookie, if it has one.
    pub device: Option<&'a str>,
    /// Its `User-Agent`, kept with the session for the account page's list.
    pub user_agent: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub enum SignInOutcome {
    SignedIn {
        session: NewSession,
        actor: Actor,
        /// The browser's known-device cookie from now on (a new token each sign-in).
        device: KnownDevice,
    },
    /// The password given is the one an admin reset invalidated: the user is told an email
    /// with a link was sent and offered Resend Email. Given only to someone who knew the old
    /// password, so strangers learn nothing about which emails have accounts.
    ResetRequired { email: String },
}

/// An email claimed from the outbox by a delivery worker. Its bodies carry live links: `Debug`
/// leaves them (and the address) out.
#[derive(Clone)]
pub struct OutboundEmail {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Attempts made before this one.
    pub attempts: u32,
}

impl std::fmt::Debug for OutboundEmail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboundEmail")
            .field("id", &self.id)
            .field("to", &Redacted)
            .field("subject", &self.subject)
            .field("text", &Redacted)
            .field("html", &Redacted)
            .field("attempts", &self.attempts)
            .finish()
    }
}

/// What became of an email after a failed delivery attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailedAttempt {
    /// Queued again; due at this time.
    WillRetry { at: DateTime<Utc> },
    /// Marked failed (a permanent error, or it kept failing too long); recorded as activity.
    GaveUp,
    /// Already sent or failed (a worker whose lease ran out reported late): nothing changed.
    AlreadySettled,
}

/// The demo organization's sign-in, printed by the run command.
#[derive(Clone)]
pub struct DemoOrg {
    pub org_name: String,
    pub admin_email: String,
    pub admin_password: String,
    pub created: bool,
}

impl std::fmt::Debug for DemoOrg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoOrg")
            .field("org_name", &self.org_name)
            .field("admin_email", &self.admin_email)
            .field("admin_password", &Redacted)
            .field("created", &self.created)
            .finish()
    }
}

impl Core {
    /// Connects to `database_url` (sqlite://… or postgres://…) and runs every pending migration.
    pub async fn connect(
        database_url: &str,
        config: CoreConfig,
        clock: Arc<dyn Clock>,
    ) -> CoreResult<Core> {
        let db = db::open(database_url).await?;
        let mut core = Core::with_connection(db, config, clock).await?;
        core.lane_db = background::LaneDb::for_url(database_url);
        Ok(core)
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }
    pub fn config(&self) -> &CoreConfig {
        &self.config
    }

    /// Like `connect`, for a pool opened elsewhere; runs every pending migration too.
    pub async fn with_connection(
        db: DatabaseConnection,
        config: CoreConfig,
        clock: Arc<dyn Clock>,
    ) -> CoreResult<Core> {
        Migrator::up(&db, None).await?;
        let passwords = Arc::new(Passwords::new(
            config.hash_cost,
            config.max_concurrent_hashes,
            config.max_queued_hashes,
        )?);
        Ok(Core {
            db,
            clock,
            config: Arc::new(config),
            passwords,
            emails_queued: Arc::new(tokio::sync::Notify::new()),
            api_leases: Arc::default(),
            public_request_work: Arc::new(timing::Typical::new(
                resets::TYPICAL_PUBLIC_REQUEST_WORK,
            )),
            bulk_changes: Arc::default(),
            lane_db: None,
            search_totals: Arc::default(),
        })
    }

    /// The current time by the Core's clock, to the millisecond (as stored).
    pub fn now(&self) -> DateTime<Utc> {
        clock::truncate(self.clock.now())
    }

    pub(crate) fn passwords(&self) -> &Passwords {
        &self.passwords
    }

    /// How long Forgot your password? and Resend Email take lately to serve an account, which
    /// is how long they wait for an email that has none (for tests and diagnostics).
    pub fn typical_public_request_work(&self) -> std::time::Duration {
        self.public_request_work.get()
    }

    /// Notified after every operation that queued email has committed: the outbox worker
    /// waits on it between polls.
    pub fn emails_queued_signal(&self) -> Arc<tokio::sync::Notify> {
        Arc::clone(&self.emails_queued)
    }

    fn wake_outbox(&self) {
        self.emails_queued.notify_one();
    }

    /// Notified when users have changed in bulk, thousands since the last time, on PostgreSQL:
    /// the server then vacuums them (`vacuum_users`) once the changes pause.
    pub fn vacuum_wanted_signal(&self) -> Arc<tokio::sync::Notify> {
        self.vacuum_wanted_signal_impl()
    }

    /// Vacuums `users` and its search copy on PostgreSQL, so typed pages read the sort index
    /// alone again; whether there was anything to do (false on SQLite).
    pub async fn vacuum_users(&self) -> CoreResult<bool> {
        self.vacuum_users_impl().await
    }

    // --- sign-in and sessions -------------------------------------------------------------

    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        ip: Option<&str>,
    ) -> CoreResult<SignInOutcome> {
        let from = FromBrowser {
            ip,
            ..FromBrowser::default()
        };
        self.sign_in_impl(email, password, from).await
    }
    /// [`Core::sign_in`] from a browser, with the cookies it holds.
    pub async fn sign_in_from_browser(
        &self,
        email: &str,
        password: &str,
        from: FromBrowser<'_>,
    ) -> CoreResult<SignInOutcome> {
        self.sign_in_impl(email, password, from).await
    }
    /// The signed-in person behind a session cookie; `None` when unknown, expired or revoked.
    pub async fn session_actor(&self, token: &str) -> CoreResult<Option<Actor>> {
        self.session_actor_impl(token).await
    }
    pub async fn sign_out(&self, token: &str, ip: Option<&str>) -> CoreResult<()> {
        self.sign_out_impl(token, ip).await
    }
    /// The person signed in with `session_token` changes their password: the current one must
    /// be right (each attempt counts against the sign-in limit), the new one must meet the
    /// policy and differ from it. Every open link of theirs dies, every other session is
    /// signed out (this one goes on), a "password changed" email goes out and Activity
    /// records it, in one transaction.
    pub async fn change_own_password(
        &self,
        session_token: &str,
        current: &str,
        new_password: &str,
        ip: Option<&str>,
    ) -> CoreResult<()> {
        self.change_own_password_impl(session_token, current, new_password, ip)
            .await
            .inspect(|_| self.wake_outbox())
    }
    /// Signs out every other session of the person signed in with `session_token`; how many
    /// there were.
    pub async fn sign_out_other_sessions(
        &self,
        session_token: &str,
        ip: Option<&str>,
    ) -> CoreResult<u64> {
        self.sign_out_other_sessions_impl(session_token, ip).await
    }
    /// Where the person signed in with `session_token` is signed in: their live sessions, this
    /// one first, then the most recently used.
    pub async fn own_sessions(&self, session_token: &str) -> CoreResult<types::OwnSessions> {
        self.own_sessions_impl(session_token).await
    }
    /// Signs out one other session of the person signed in with `session_token`, by its id in
    /// [`Core::own_sessions`]; `NotFound` for anyone else's, one that already ended, or this one.
    pub async fn sign_out_own_session(
        &self,
        session_token: &str,
        session_id: i64,
        ip: Option<&str>,
    ) -> CoreResult<()> {
        self.sign_out_own_session_impl(session_token, session_id, ip)
            .await
    }

    // --- admin resets ---------------------------------------------------------------------

    /// Resets every target the initiator (an admin's `&Actor`, or the command line) may
    /// reset, in one transaction; the rest are skipped with a reason. Unknown and
    /// other-organization ids are skipped as `NotFound`.
    pub async fn admin_reset_passwords(
        &self,
        by: impl Into<Initiator>,
        targets: &[UserId],
        ip: Option<&str>,
    ) -> CoreResult<ResetReport> {
        self.admin_reset_passwords_impl(&by.into(), targets, ip)
            .await
            .inspect(|_| self.wake_outbox())
    }
    /// "Select all N matching": the server re-evaluates the filter, and refuses (changing
    /// nothing) unless it still matches the `expected_count` users the admin confirmed.
    pub async fn admin_reset_matching(
        &self,
        by: impl Into<Initiator>,
        filter: &UserFilter,
        expected_count: u64,
        ip: Option<&str>,
    ) -> CoreResult<ResetReport> {
        self.admin_reset_matching_impl(&by.into(), filter, expected_count, ip)
            .await
            .inspect(|_| self.wake_outbox())
    }
    /// Resend Email from the row menu or the sidebar: a new link, the old one dead.
    pub async fn admin_resend_reset_email(
        &self,
        by: impl Into<Initiator>,
        user: UserId,
        ip: Option<&str>,
    ) -> CoreResult<()> {
        self.admin_resend_reset_email_impl(&by.into(), user, ip)
            .await
            .inspect(|_| self.wake_outbox())
    }

    // --- people: add, invite, suspend, roles --------------------------------------------------

    /// Adds a user to the initiator's organization: Invited, with an invitation emailed (the
    /// returned link is for the command line to print when no SMTP server is configured).
    pub async fn add_user(
        &self,
        by: impl Into<Initiator>,
        member: &NewMember,
        ip: Option<&str>,
    ) -> CoreResult<Invitation> {
        self.add_user_impl(&by.into(), member, ip)
            .await
            .inspect(|_| self.wake_outbox())
    }
    /// A new invitation for a user who has not set a password yet; the old link dies.
    pub async fn resend_invitation(
        &self,
        by: impl Into<Initiator>,
        user: UserId,
        ip: Option<&str>,
    ) -> CoreResult<Invitation> {
        self.resend_invitation_impl(&by.into(), user, ip)
            .await
            .inspect(|_| self.wake_outbox())
    }
    /// Suspends (signed out everywhere, links revoked, sign-in refused) or reactivates a user;
    /// returns their status afterwards.
    pub async fn set_suspended(
        &self,
        by: impl Into<Initiator>,
        user: UserId,
        suspended: bool,
        ip: Option<&str>,
    ) -> CoreResult<UserStatus> {
        self.set_suspended_impl(&by.into(), user, suspended, ip)
            .await
    }
    /// Signs a user out of every browser and device at once (a lost laptop, a shared computer),
    /// leaving their password and links as they are; answers how many sessions ended.
    pub async fn sign_out_user(
        &self,
        by: impl Into<Initiator>,
        user: UserId,
        ip: Option<&str>,
    ) -> CoreResult<u64> {
        self.sign_out_user_impl(&by.into(), user, ip).await
    }
    /// Sets a user's name, title and department (blank title or department: none); whether
    /// anything changed. Admins edit members and themselves, owners anyone.
    pub async fn update_profile(
        &self,
        by: impl Into<Initiator>,
        user: UserId,
        change: &types::ProfileChange,
        ip: Option<&str>,
    ) -> CoreResult<bool> {
        self.update_profile_impl(&by.into(), user, change, ip).await
    }
    /// Changes a user's role (owners and the command line only).
    pub async fn change_role(
        &self,
        by: impl Into<Initiator>,
        user: UserId,
        role: Role,
        ip: Option<&str>,
    ) -> CoreResult<()> {
        self.change_role_impl(&by.into(), user, role, ip).await
    }

    // --- API tokens and the automation API -------------------------------------------------

    /// Creates an API token (owners, or the command line); its secret is in the answer only.
    pub async fn create_api_token(
        &self,
        by: impl Into<Initiator>,
        new: &NewApiToken,
        ip: Option<&str>,
    ) -> CoreResult<CreatedApiToken> {
        self.create_api_token_impl(&by.into(), new, ip).await
    }
    /// The organization's API tokens, newest first (owners, or the command line).
    pub async fn list_api_tokens(&self, by: impl Into<Initiator>) -> CoreResult<Vec<ApiTokenView>> {
        self.list_api_tokens_impl(&by.into()).await
    }
    /// Revokes a token at once; revoking it again changes nothing.
    pub async fn revoke_api_token(
        &self,
        by: impl Into<Initiator>,
        token_id: i64,
        ip: Option<&str>,
    ) -> CoreResult<ApiTokenView> {
        self.revoke_api_token_impl(&by.into(), token_id, ip).await
    }
    /// The caller behind a bearer secret: `Unauthenticated` when unknown, revoked or expired.
    /// Notes the token's last use (time and address).
    pub async fn authenticate_api_token(
        &self,
        secret: &str,
        ip: Option<&str>,
    ) -> CoreResult<ApiCaller> {
        self.authenticate_api_token_impl(secret, ip).await
    }
    /// Counts one call against the token's rate limit (shared by every instance):
    /// `RateLimited` past it, else where the token stands.
    pub async fn api_rate_limit(&self, caller: &ApiCaller) -> CoreResult<rate_limit::Window> {
        self.api_rate_limit_impl(caller).await
    }
    /// Claims an `Idempotency-Key` for `request` (its method, path and body), or says what
    /// became of its first use within 24 hours.
    pub async fn idempotency_begin(
        &self,
        caller: &ApiCaller,
        key: &str,
        request: &[u8],
    ) -> CoreResult<Idempotency> {
        self.idempotency_begin_impl(caller, key, request).await
    }
    /// Keeps the answer to a claimed key, with its `Location` (`None` status: no answer to
    /// keep; the key is freed).
    pub async fn idempotency_finish(
        &self,
        caller: &ApiCaller,
        key: &str,
        status: Option<u16>,
        body: &str,
        location: Option<&str>,
    ) -> CoreResult<()> {
        self.idempotency_finish_impl(caller, key, status, body, location)
            .await
    }

    /// Starts a bulk reset as a job (the automation API, past `jobs::JOB_THRESHOLD` users):
    /// queued now, run in the background, polled with [`Core::job`].
    pub async fn start_reset_job(
        &self,
        caller: &ApiCaller,
        targets: jobs::ResetTargets,
        ip: Option<&str>,
    ) -> CoreResult<jobs::JobView> {
        self.start_reset_job_impl(caller, targets, ip).await
    }
    /// A job of the caller's organization.
    pub async fn job(&self, caller: &ApiCaller, id: i64) -> CoreResult<jobs::JobView> {
        self.job_impl(caller, id).await
    }

    // --- event webhooks --------------------------------------------------------------------

    /// Registers an HTTPS endpoint for some events (owners, or the command line); the signing
    /// secret is in the answer only.
    pub async fn create_webhook(
        &self,
        by: impl Into<Initiator>,
        new: &NewWebhook,
        ip: Option<&str>,
    ) -> CoreResult<CreatedWebhook> {
        self.create_webhook_impl(&by.into(), new, ip).await
    }
    pub async fn list_webhooks(&self, by: impl Into<Initiator>) -> CoreResult<Vec<WebhookView>> {
        self.list_webhooks_impl(&by.into()).await
    }
    /// Stops sending to an endpoint; deliveries waiting for it fail.
    pub async fn remove_webhook(
        &self,
        by: impl Into<Initiator>,
        id: i64,
        ip: Option<&str>,
    ) -> CoreResult<WebhookView> {
        self.remove_webhook_impl(&by.into(), id, ip).await
    }
    /// The newest deliveries (of one endpoint, or all), newest first.
    pub async fn webhook_deliveries(
        &self,
        by: impl Into<Initiator>,
        webhook: Option<i64>,
        limit: u64,
    ) -> CoreResult<Vec<DeliveryView>> {
        self.webhook_deliveries_impl(&by.into(), webhook, limit)
            .await
    }
    /// Claims up to `limit` due deliveries for `lease` (the delivery worker).
    pub async fn claim_webhooks(
        &self,
        worker: &str,
        limit: u64,
        lease: std::time::Duration,
    ) -> CoreResult<Vec<webhooks::OutboundWebhook>> {
        self.claim_webhooks_impl(worker, limit, lease).await
    }
    /// Records deliveries the endpoints took, with the status they answered.
    pub async fn webhooks_delivered(&self, done: &[(i64, u16)]) -> CoreResult<()> {
        self.webhooks_delivered_impl(done).await
    }
    /// Records a failed attempt: retried with backoff, or given up on after a day.
    pub async fn webhook_attempt_failed(
        &self,
        id: i64,
        status_code: Option<u16>,
        reason: &str,
    ) -> CoreResult<FailedAttempt> {
        self.webhook_attempt_failed_impl(id, status_code, reason)
            .await
    }
    /// Announces reset links that expired unused (`reset.link_expired`); returns how many.
    pub async fn announce_expired_links(&self) -> CoreResult<u64> {
        self.announce_expired_links_impl().await
    }

    // --- the user's way back in -------------------------------------------------------------

    /// Resend Email from the sign-in prompt. Always `Ok` (unless rate-limited), whether or not
    /// the email has an account or a pending reset.
    pub async fn resend_reset_email(&self, email: &str, ip: Option<&str>) -> CoreResult<()> {
        self.resend_reset_email_impl(email, ip)
            .await
            .inspect(|_| self.wake_outbox())
    }
    /// Resend Email from an expired link's page: a new link of the same purpose.
    pub async fn resend_from_link(&self, token: &str, ip: Option<&str>) -> CoreResult<()> {
        self.resend_from_link_impl(token, ip)
            .await
            .inspect(|_| self.wake_outbox())
    }
    /// Forgot your password?: the current password keeps working. Always `Ok` (unless
    /// rate-limited), whether or not the email exists.
    pub async fn request_forgot_password(&self, email: &str, ip: Option<&str>) -> CoreResult<()> {
        self.request_forgot_password_impl(email, ip)
            .await
            .inspect(|_| self.wake_outbox())
    }
    pub async fn inspect_link(&self, token: &str) -> CoreResult<LinkState> {
        self.inspect_link_impl(token).await
    }
    pub async fn complete_reset(
        &self,
        token: &str,
        new_password: &str,
        ip: Option<&str>,
    ) -> CoreResult<()> {
        self.complete_reset_impl(token, new_password, ip)
            .await
            .inspect(|_| self.wake_outbox())
    }
    /// "Didn't expect this? Cancel the request", from the email: the link (and any other open
    /// link of the user) stops working and the activity log tells the admins. Nothing else
    /// changes: an admin's reset stands, a forgot-password request leaves the current password
    /// working. An unknown, used or expired link is refused with why; cancelling twice is `Ok`.
    pub async fn cancel_reset_link(&self, token: &str, ip: Option<&str>) -> CoreResult<()> {
        self.cancel_reset_link_impl(token, ip).await
    }

    // --- the console's reads ------------------------------------------------------------------

    /// A page of the organization's users (for an admin's `&Actor`, or the command line):
    /// exactly the rows `query` names, none when its cursor or number is past the rows, so a
    /// client following `next` sees each user once.
    pub async fn list_users(
        &self,
        by: impl Into<Initiator>,
        query: &UserQuery,
    ) -> CoreResult<UserPage> {
        self.list_users_impl(&by.into(), query, WhenGone::Empty)
            .await
    }

    /// The Users Table's page: as [`Core::list_users`], but a page whose rows went away (a
    /// number past the end, or a link from before its rows were reset out of the filter)
    /// shows the nearest page that has rows, the last one, or the first for Previous.
    pub async fn users_table_page(
        &self,
        by: impl Into<Initiator>,
        query: &UserQuery,
    ) -> CoreResult<UserPage> {
        self.list_users_impl(&by.into(), query, WhenGone::Nearest)
            .await
    }
    /// The users `filter` matches, by name, as a CSV file for a spreadsheet; recorded in
    /// Activity before it is handed over.
    pub async fn export_users(
        &self,
        by: impl Into<Initiator>,
        filter: &UserFilter,
        ip: Option<&str>,
    ) -> CoreResult<export::UsersExport> {
        self.export_users_impl(&by.into(), filter, ip).await
    }
    /// The activity log's events `filter` matches, newest first, as a CSV file written in
    /// runs ([`export::ActivityExport::next_chunk`]); the export is recorded first.
    pub async fn export_activity(
        &self,
        by: impl Into<Initiator>,
        filter: &ActivityFilter,
        ip: Option<&str>,
    ) -> CoreResult<export::ActivityExport> {
        self.export_activity_impl(&by.into(), filter, ip).await
    }
    /// How many of the organization's users match `filter`, over all pages.
    pub async fn count_users(
        &self,
        by: impl Into<Initiator>,
        filter: &UserFilter,
    ) -> CoreResult<u64> {
        self.count_users_impl(&by.into(), filter).await
    }
    pub async fn user_details(
        &self,
        by: impl Into<Initiator>,
        user: UserId,
    ) -> CoreResult<UserDetails> {
        self.user_details_impl(&by.into(), user).await
    }
    /// Newest first.
    pub async fn user_activity(
        &self,
        by: impl Into<Initiator>,
        user: UserId,
        limit: u64,
    ) -> CoreResult<Vec<ActivityView>> {
        self.user_activity_impl(&by.into(), user, limit).await
    }
    /// The organization's activity newest first, `limit` events older than the event
    /// `before` (an id from an earlier call): the automation API's cursor.
    pub async fn activity_feed(
        &self,
        by: impl Into<Initiator>,
        filter: &ActivityFilter,
        before: Option<i64>,
        limit: u64,
    ) -> CoreResult<Vec<ActivityView>> {
        self.activity_feed_impl(&by.into(), filter, before, limit)
            .await
    }
    /// The emails sent (or being sent) to a user, newest first, with their delivery state.
    pub async fn user_emails(
        &self,
        by: impl Into<Initiator>,
        user: UserId,
        limit: u64,
    ) -> CoreResult<Vec<outbox_admin::EmailView>> {
        self.user_emails_impl(&by.into(), user, limit).await
    }
    pub async fn org_activity(
        &self,
        actor: &Actor,
        filter: &ActivityFilter,
        page: u64,
        per_page: u64,
    ) -> CoreResult<ActivityPage> {
        self.org_activity_impl(actor, filter, page, per_page).await
    }
    pub async fn org_settings(&self, actor: &Actor) -> CoreResult<OrgSettings> {
        self.org_settings_impl(actor).await
    }
    pub async fn update_link_lifetimes(
        &self,
        actor: &Actor,
        admin_minutes: u32,
        forgot_minutes: u32,
        ip: Option<&str>,
    ) -> CoreResult<OrgSettings> {
        self.update_link_lifetimes_impl(actor, admin_minutes, forgot_minutes, ip)
            .await
    }
    /// How long new invitations stay valid (sent ones keep their expiry).
    pub async fn update_invitation_lifetime(
        &self,
        actor: &Actor,
        minutes: u32,
        ip: Option<&str>,
    ) -> CoreResult<OrgSettings> {
        self.update_invitation_lifetime_impl(actor, minutes, ip)
            .await
    }

    // --- the email outbox (used by orgdesk-mail's OutboxWorker) -----------------------------

    /// Claims up to `limit` due messages for `lease`; safe with several workers (row locks,
    /// `SKIP LOCKED` on PostgreSQL).
    pub async fn claim_outbox(
        &self,
        worker: &str,
        limit: u64,
        lease: std::time::Duration,
    ) -> CoreResult<Vec<OutboundEmail>> {
        self.claim_outbox_impl(worker, limit, lease).await
    }
    /// Records `ids` as delivered, in one transaction; ids already sent, or no longer in the
    /// outbox, are passed over.
    pub async fn outbox_delivered(&self, ids: &[i64]) -> CoreResult<()> {
        self.outbox_delivered_impl(ids).await
    }
    /// Records a failed attempt: a transient one is retried later with backoff, a permanent
    /// one (or one still failing `outbox_give_up_after` after it was queued) is marked
    /// failed with the reason.
    pub async fn outbox_attempt_failed(
        &self,
        id: i64,
        reason: &str,
        permanent: bool,
    ) -> CoreResult<FailedAttempt> {
        self.outbox_attempt_failed_impl(id, reason, permanent).await
    }

    // --- housekeeping ----------------------------------------------------------------------

    /// Deletes rate-limit windows that ended and sessions dead for 30 days; returns how many
    /// rows went. Safe to run from every instance, any time.
    pub async fn purge_expired(&self) -> CoreResult<u64> {
        self.purge_expired_impl().await
    }

    // --- provisioning -------------------------------------------------------------------

    /// Creates an organization with the default link lifetimes from the configuration.
    pub async fn create_organization(&self, name: &str) -> CoreResult<OrgId> {
        self.create_organization_impl(name).await
    }

    /// Creates one user (email lower-cased; unique within the organization).
    pub async fn create_user(&self, org_id: OrgId, new_user: NewUser) -> CoreResult<UserId> {
        self.create_user_impl(org_id, new_user).await
    }

    /// Inserts `n` active members into `org_id` with multi-row inserts in one transaction
    /// (benchmarks and load tests). They all share one password hash, of "orgdesk-member".
    /// Returns how many were inserted.
    pub async fn seed_bulk_users(&self, org_id: OrgId, n: u64) -> CoreResult<u64> {
        self.seed_bulk_users_impl(org_id, n).await
    }

    // --- demo data ------------------------------------------------------------------------

    /// Creates the demo organization once (owner, admin, a few dozen members with assets and
    /// some activity); later calls change nothing. For tests and benchmarks: the admin signs
    /// in with `seed::DEMO_ADMIN_PASSWORD`, everyone else with `seed::DEMO_MEMBER_PASSWORD`.
    pub async fn seed_demo(&self) -> CoreResult<DemoOrg> {
        self.seed_demo_impl(seed::DEMO_ADMIN_PASSWORD, seed::DEMO_MEMBER_PASSWORD)
            .await
    }

    /// The demo organizations' admins and owners who still sign in with a password published
    /// in this source (a database seeded by an older version, or by a test): the server
    /// refuses to start on such a database in a deployment.
    pub async fn published_demo_passwords(&self) -> CoreResult<Vec<seed::PublishedDemoPassword>> {
        self.published_demo_passwords_impl().await
    }

    /// A fresh random password for the demo accounts (16 characters, 80 bits).
    pub fn new_demo_password() -> CoreResult<String> {
        tokens::new_demo_password()
    }

    /// The demo's second organization (Globex Inc), with `password` for everyone; idempotent.
    pub async fn seed_demo_neighbour(&self, password: &str) -> CoreResult<()> {
        self.seed_demo_neighbour_impl(password).await
    }

    /// Like [`Core::seed_demo`], with one `password` for every demo account: the server's
    /// demo mode, which picks it at random per database unless told otherwise.
    pub async fn seed_demo_with_password(&self, password: &str) -> CoreResult<DemoOrg> {
        self.seed_demo_impl(password, password).await
    }
}

impl Core {
    // --- the command line ------------------------------------------------------------------

    /// The organization `name_or_id` names (its id, or its name in any case); two of the
    /// same name are refused with their ids.
    pub async fn find_organization(
        &self,
        name_or_id: &str,
    ) -> CoreResult<entities::organization::Model> {
        self.find_organization_impl(name_or_id).await
    }
    /// Creates an organization and its first owner (Invited, `owner.role` ignored) in one
    /// transaction, and queues the owner's invitation; `os_user` names who did it in the
    /// activity log. Refused if an organization of that name exists.
    pub async fn create_organization_with_owner(
        &self,
        name: &str,
        owner: &NewMember,
        os_user: &str,
    ) -> CoreResult<(entities::organization::Model, Invitation)> {
        self.create_organization_with_owner_impl(name, owner, os_user)
            .await
            .inspect(|_| self.wake_outbox())
    }
    /// Imports people (an upsert by email), in one transaction: new users become Invited
    /// (and are invited with `options.invite`), existing ones get the file's name, role,
    /// title and department. Bad rows are reported by line and nothing is written for them.
    /// `progress` hears how many rows are done.
    pub async fn import_users(
        &self,
        by: impl Into<Initiator>,
        rows: &[imports::ImportRow],
        options: imports::ImportOptions,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> CoreResult<imports::ImportReport> {
        self.import_users_impl(&by.into(), rows, options, progress)
            .await
            .inspect(|r| {
                if r.invited > 0 {
                    self.wake_outbox()
                }
            })
    }
    /// The ids of `emails` in the initiator's organization, in order (`None`: no such user).
    pub async fn user_ids_by_email(
        &self,
        by: impl Into<Initiator>,
        emails: &[String],
    ) -> CoreResult<Vec<Option<UserId>>> {
        self.user_ids_by_email_impl(&by.into(), emails).await
    }
    /// Every user `filter` matches in the initiator's organization, by id, ascending.
    pub async fn matching_user_ids(
        &self,
        by: impl Into<Initiator>,
        filter: &UserFilter,
    ) -> CoreResult<Vec<UserId>> {
        self.matching_user_ids_impl(&by.into(), filter).await
    }
    /// The organization's emails by state, and the newest failures.
    pub async fn outbox_status(
        &self,
        by: impl Into<Initiator>,
    ) -> CoreResult<outbox_admin::OutboxStatus> {
        self.outbox_status_impl(&by.into()).await
    }
    /// Sends failed invitation and reset emails again, as new emails with fresh links, to the
    /// users who still wait for them; counts what nothing can replace (see `outbox_admin`).
    pub async fn outbox_retry_failed(
        &self,
        by: impl Into<Initiator>,
    ) -> CoreResult<outbox_admin::RetryReport> {
        self.outbox_retry_failed_impl(&by.into())
            .await
            .inspect(|r| {
                if r.requeued + r.resent > 0 {
                    self.wake_outbox()
                }
            })
    }
}

#[cfg(test)]
mod debug_redaction {
    use super::*;

    #[test]
    fn debug_output_never_carries_secrets() {
        let session = NewSession {
            token: "SECRET-token".into(),
            expires_at: Utc::now(),
        };
        let email = OutboundEmail {
            id: 1,
            to: "jane@example.com".into(),
            subject: "Reset your password".into(),
            text: "https://x/reset-password/SECRET-link".into(),
            html: "<a href=https://x/reset-password/SECRET-link>".into(),
            attempts: 0,
        };
        let user = NewUser::member("Jane", "jane@example.com", "SECRET-password");
        let row = entities::user::Model {
            id: 1,
            org_id: 1,
            name: "Jane".into(),
            email: "jane@example.com".into(),
            title: None,
            department: None,
            role: "member".into(),
            status: "active".into(),
            password_hash: Some("$argon2id$SECRET-hash".into()),
            previous_password_hash: Some("$argon2id$SECRET-old".into()),
            password_changed_at: None,
            last_sign_in_at: None,
            created_at: Utc::now(),
        };
        let queued = entities::email_outbox::Model {
            id: 1,
            org_id: 1,
            user_id: Some(1),
            kind: "admin_reset".into(),
            to_addr: "SECRET-jane@example.com".into(),
            subject: "Reset your password".into(),
            body_text: Some("https://x/reset-password/SECRET-link".into()),
            body_html: Some("<a href=https://x/reset-password/SECRET-link>".into()),
            letter: Some(r#"{"link":"https://x/reset-password/SECRET-link"}"#.into()),
            status: "queued".into(),
            attempts: 0,
            next_attempt_at: Utc::now(),
            locked_by: None,
            locked_until: None,
            last_error: None,
            created_at: Utc::now(),
            sent_at: None,
        };
        for printed in [
            format!("{session:?}"),
            format!("{email:?}"),
            format!("{user:?}"),
            format!("{row:?}"),
            format!("{queued:?}"),
            format!(
                "{:?}",
                SignInOutcome::SignedIn {
                    device: KnownDevice {
                        token: "SECRET-device".into(),
                        expires_at: Utc::now(),
                    },
                    session: session.clone(),
                    actor: Actor {
                        user_id: 1,
                        org_id: 1,
                        org_name: "Acme".into(),
                        name: "Jane".into(),
                        email: "jane@example.com".into(),
                        role: Role::Member,
                    },
                }
            ),
        ] {
            assert!(!printed.contains("SECRET"), "{printed}");
            assert!(printed.contains("[redacted]"), "{printed}");
        }
    }
}
