//! What `/api/v1` reads and writes: its own JSON shapes, snake_case values, kept apart from
//! the console's server-function types so those can change without breaking scripts.

use chrono::{DateTime, Utc};
use orgdesk_core::jobs::JobView;
use orgdesk_core::outbox_admin::EmailView;
use orgdesk_core::types::{
    ActivityView, AssetView, ResetReport, Role, SkipReason, UserDetails, UserFilter, UserStatus,
    UserSummary,
};
use serde::{Deserialize, Serialize};

use super::problem::{ApiResult, Problem};

#[derive(Debug, Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub status: &'static str,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<UserSummary> for User {
    fn from(u: UserSummary) -> User {
        User {
            id: u.id,
            name: u.name,
            email: u.email,
            role: u.role.as_str(),
            status: u.status.as_str(),
            last_sign_in_at: u.last_sign_in_at,
            created_at: u.created_at,
        }
    }
}

/// A page of a list, and the cursor of the next one (`null` on the last page).
#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Count {
    pub count: u64,
}

/// How many of a user's sessions a sign-out ended (0 when they were signed in nowhere).
#[derive(Debug, Serialize)]
pub struct SignedOut {
    pub sessions_ended: u64,
}

/// A whole list (no pages).
#[derive(Debug, Serialize)]
pub struct List<T> {
    pub data: Vec<T>,
}

#[derive(Debug, Serialize)]
pub struct UserDetail {
    #[serde(flatten)]
    pub user: User,
    pub title: Option<String>,
    pub department: Option<String>,
    pub password_changed_at: Option<DateTime<Utc>>,
    /// The pending reset, while there is one.
    pub reset: Option<Reset>,
    pub assets: Vec<Asset>,
}

impl UserDetail {
    pub fn new(d: UserDetails, now: DateTime<Utc>) -> UserDetail {
        let reset = Reset::of(&d, now);
        UserDetail {
            user: d.user.into(),
            title: d.title,
            department: d.department,
            password_changed_at: d.password_changed_at,
            reset,
            assets: d.assets.into_iter().map(Asset::from).collect(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Asset {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub identifier: String,
    pub assigned_at: DateTime<Utc>,
}

impl From<AssetView> for Asset {
    fn from(a: AssetView) -> Asset {
        Asset {
            id: a.id,
            kind: a.kind,
            name: a.name,
            identifier: a.identifier,
            assigned_at: a.assigned_at,
        }
    }
}

/// An admin reset in progress: its id (the newest link's), and where it stands.
#[derive(Debug, Serialize)]
pub struct Reset {
    pub id: i64,
    pub user_id: i64,
    /// `pending` (the link works), `link_expired` (Resend makes a new one), or `cancelled`
    /// (the user said they did not expect it).
    pub state: &'static str,
    pub link_expires_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

impl Reset {
    pub fn of(d: &UserDetails, now: DateTime<Utc>) -> Option<Reset> {
        if d.user.status != UserStatus::ResetPending {
            return None;
        }
        let state = match (d.reset_link_expires_at, d.reset_link_cancelled_at) {
            (Some(at), _) if at > now => "pending",
            (Some(_), _) => "link_expired",
            (None, Some(_)) => "cancelled",
            (None, None) => "link_expired",
        };
        Some(Reset {
            id: d.reset_id?,
            user_id: d.user.id,
            state,
            link_expires_at: d.reset_link_expires_at,
            cancelled_at: d.reset_link_cancelled_at,
        })
    }
}

pub fn skip_reason(reason: SkipReason) -> &'static str {
    match reason {
        SkipReason::Yourself => "yourself",
        SkipReason::NoPermission => "no_permission",
        SkipReason::AlreadySuspended => "suspended",
        SkipReason::NotFound => "not_found",
        SkipReason::Invited => "invited",
        SkipReason::TooManyLinks => "too_many_links",
    }
}

#[derive(Debug, Serialize)]
pub struct Skipped {
    pub user_id: i64,
    pub reason: &'static str,
    pub detail: &'static str,
}

/// Who a bulk reset reset, and who it skipped and why.
#[derive(Debug, Serialize)]
pub struct Report {
    pub reset: Vec<i64>,
    pub skipped: Vec<Skipped>,
}

impl From<ResetReport> for Report {
    fn from(r: ResetReport) -> Report {
        Report {
            reset: r.reset,
            skipped: r
                .skipped
                .into_iter()
                .map(|s| Skipped {
                    user_id: s.user_id,
                    reason: skip_reason(s.reason),
                    detail: s.reason.explain(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    /// `queued`, `running`, `succeeded` or `failed`.
    pub state: &'static str,
    pub total: u64,
    pub done: u64,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    pub report: Option<Report>,
}

impl From<JobView> for Job {
    fn from(j: JobView) -> Job {
        Job {
            id: j.id,
            kind: j.kind,
            state: j.state.as_str(),
            total: j.total,
            done: j.done,
            created_at: j.created_at,
            started_at: j.started_at,
            finished_at: j.finished_at,
            error: j.error,
            report: j.report.map(Report::from),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Activity {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub kind: &'static str,
    pub actor: Option<String>,
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    pub details: String,
    pub ip: Option<String>,
}

impl From<ActivityView> for Activity {
    fn from(a: ActivityView) -> Activity {
        Activity {
            id: a.id,
            at: a.at,
            kind: a.kind.as_str(),
            actor: a.actor_name,
            user_id: a.subject_id,
            user_name: a.subject_name,
            details: a.details,
            ip: a.ip,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Email {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    /// `queued`, `sending`, `retrying`, `sent` or `failed`.
    pub state: &'static str,
    pub attempts: u32,
    pub queued_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

impl From<EmailView> for Email {
    fn from(e: EmailView) -> Email {
        Email {
            id: e.id,
            kind: e.kind,
            subject: e.subject,
            state: e.delivery.as_str(),
            attempts: e.attempts,
            queued_at: e.queued_at,
            sent_at: e.sent_at,
            next_attempt_at: e.next_attempt_at,
            last_error: e.last_error,
        }
    }
}

// --- what comes in ------------------------------------------------------------------------

/// Which users, as query parameters or inside a bulk request.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    pub status: Option<String>,
    pub role: Option<String>,
    pub search: Option<String>,
}

pub fn status(s: &str) -> ApiResult<UserStatus> {
    UserStatus::parse(s).ok_or_else(|| {
        Problem::invalid(format!(
            "Unknown status {s:?}: use active, reset_pending, suspended or invited."
        ))
    })
}

pub fn role(s: &str) -> ApiResult<Role> {
    Role::parse(s)
        .ok_or_else(|| Problem::invalid(format!("Unknown role {s:?}: use owner, admin or member.")))
}

impl Filter {
    pub fn to_core(&self) -> ApiResult<UserFilter> {
        Ok(UserFilter {
            search: self.search.clone().filter(|s| !s.trim().is_empty()),
            status: self.status.as_deref().map(status).transpose()?,
            role: self.role.as_deref().map(role).transpose()?,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListUsers {
    pub status: Option<String>,
    pub role: Option<String>,
    pub search: Option<String>,
    /// name, email, role, status or last_sign_in.
    pub sort: Option<String>,
    /// asc or desc.
    pub order: Option<String>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub name: String,
    pub email: String,
    pub role: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
}

/// One change per request: a status, a role, or the profile (any of name, title and
/// department; an absent field stays, an empty title or department is cleared).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    /// `suspended` or `active`.
    pub status: Option<String>,
    pub role: Option<String>,
    pub name: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
}

impl UserChange {
    /// Whether it changes the profile (name, title or department).
    pub fn profile(&self) -> bool {
        self.name.is_some() || self.title.is_some() || self.department.is_some()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkReset {
    pub ids: Option<Vec<i64>>,
    pub filter: Option<Filter>,
    pub expected_count: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListActivity {
    pub kind: Option<String>,
    pub user_id: Option<i64>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    pub limit: Option<u64>,
}
