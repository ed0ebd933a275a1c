//! The shapes that cross the wire between server functions and the UI.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub type UserId = i64;
pub type OrgId = i64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Owner,
    Admin,
    Member,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Owner, Role::Admin, Role::Member];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Member => "Member",
        }
    }
    /// Owners and admins may use the Admin Console.
    pub fn is_admin(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UserStatus {
    Active,
    ResetPending,
    Suspended,
    /// Added and sent an invitation; has not set a password yet.
    Invited,
}

impl UserStatus {
    pub const ALL: [UserStatus; 4] = [
        UserStatus::Active,
        UserStatus::ResetPending,
        UserStatus::Suspended,
        UserStatus::Invited,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::ResetPending => "reset_pending",
            UserStatus::Suspended => "suspended",
            UserStatus::Invited => "invited",
        }
    }
    pub fn parse(s: &str) -> Option<UserStatus> {
        UserStatus::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            UserStatus::Active => "Active",
            UserStatus::ResetPending => "Reset pending",
            UserStatus::Suspended => "Suspended",
            UserStatus::Invited => "Invited",
        }
    }
}

/// Where a queued email is: waiting (or waiting to be retried), claimed by a delivery
/// worker, delivered, or given up on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EmailStatus {
    Queued,
    Sending,
    Sent,
    Failed,
}

impl EmailStatus {
    pub const ALL: [EmailStatus; 4] = [
        EmailStatus::Queued,
        EmailStatus::Sending,
        EmailStatus::Sent,
        EmailStatus::Failed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            EmailStatus::Queued => "queued",
            EmailStatus::Sending => "sending",
            EmailStatus::Sent => "sent",
            EmailStatus::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<EmailStatus> {
        EmailStatus::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A person to add to an organization (the console's Add user, a CSV row, the command line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMember {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub title: Option<String>,
    pub department: Option<String>,
}

/// A person's name, title and department as an admin sets them (the sidebar's Edit details,
/// the automation API). Blank title or department clears it; the email is not here: it is
/// where reset links go, and no admin edit moves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileChange {
    pub name: String,
    pub title: Option<String>,
    pub department: Option<String>,
}

/// An invitation just sent: its link goes out by email (the command line also prints it).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub user_id: UserId,
    pub email: String,
    pub link: String,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for Invitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invitation")
            .field("user_id", &self.user_id)
            .field("email", &self.email)
            .field("link", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// What an import did, or in a dry run would do: counts, and the rows it refused, by line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    pub dry_run: bool,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub invited: u64,
    pub bad: Vec<ImportProblem>,
}

/// A row an import refused: nothing was written for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportProblem {
    /// 1-based line number in the file (the header is line 1).
    pub line: u64,
    pub email: String,
    pub reason: String,
}

/// The signed-in person, as resolved from their session on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: UserId,
    pub org_id: OrgId,
    pub org_name: String,
    pub name: String,
    pub email: String,
    pub role: Role,
}

/// One place a person is signed in, as their account page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnSession {
    pub id: i64,
    /// The session of the browser asking.
    pub current: bool,
    /// "Chrome on Linux", read from the browser's `User-Agent` when it signed in.
    pub device: String,
    pub ip: Option<String>,
    // Times go as seconds: the account page's module then carries no date parser.
    #[serde(with = "chrono::serde::ts_seconds")]
    pub signed_in_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_seconds")]
    pub last_seen_at: DateTime<Utc>,
}

/// Where a person is signed in, the browser asking first, then the most recently used, with the
/// server's time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnSessions {
    #[serde(with = "chrono::serde::ts_seconds")]
    pub now: DateTime<Utc>,
    pub sessions: Vec<OwnSession>,
}

/// What the account page shows: who is signed in, and where. One answer, so the page's module
/// reads one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountOverview {
    pub actor: Actor,
    pub sessions: OwnSessions,
}

/// One row of the Users Table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub status: UserStatus,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum UserSort {
    #[default]
    Name,
    Email,
    Role,
    Status,
    LastSignIn,
}

impl UserSort {
    pub const ALL: [UserSort; 5] = [
        UserSort::Name,
        UserSort::Email,
        UserSort::Role,
        UserSort::Status,
        UserSort::LastSignIn,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            UserSort::Name => "name",
            UserSort::Email => "email",
            UserSort::Role => "role",
            UserSort::Status => "status",
            UserSort::LastSignIn => "last_sign_in",
        }
    }
    pub fn parse(s: &str) -> Option<UserSort> {
        UserSort::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Which users: the filter part of a Users Table query (also what "Select all N matching"
/// sends to the bulk reset, so the server re-evaluates it rather than trusting ids).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
// A misnamed field is a bad request, not "no filter" (which would mean everyone).
#[serde(deny_unknown_fields)]
pub struct UserFilter {
    /// Matches name or email, case-insensitive, substring; one or two characters match the
    /// start of a word instead ("jo" finds "Ada Jones"), which an index can answer.
    pub search: Option<String>,
    pub status: Option<UserStatus>,
    pub role: Option<Role>,
}

/// Where a page of the Users Table starts, when it is not counted from the first row: next to
/// a row of the page the admin came from (keyset paging: any page costs what the first does,
/// and rows added meanwhile never shift a page), or the final `rows` rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PageAt {
    /// The rows after the row this cursor names ([`UserPage::next`]).
    After(String),
    /// The rows before the row this cursor names ([`UserPage::prev`]).
    Before(String),
    /// The last page, which holds this many rows (1 to the page size).
    Last(u64),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserQuery {
    pub filter: UserFilter,
    pub sort: UserSort,
    pub descending: bool,
    /// 1-based. Without `at`, page `page` is counted from the first row (a typed or old link);
    /// with it, the number is only shown.
    pub page: u64,
    pub per_page: u64,
    pub at: Option<PageAt>,
}

impl Default for UserQuery {
    fn default() -> Self {
        UserQuery {
            filter: UserFilter::default(),
            sort: UserSort::Name,
            descending: false,
            page: 1,
            per_page: 25,
            at: None,
        }
    }
}

/// One page of the Users Table. How many users match the filter over all pages is a separate
/// question (`count_users`), asked once per filter rather than once per page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPage {
    pub users: Vec<UserSummary>,
    pub page: u64,
    pub per_page: u64,
    /// Cursor for the page after this one ([`PageAt::After`]), if there are more rows.
    pub next: Option<String>,
    /// Cursor for the page before this one ([`PageAt::Before`]), if there are earlier rows.
    pub prev: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetView {
    pub id: i64,
    /// e.g. "Laptop", "Phone", "License".
    pub kind: String,
    pub name: String,
    /// Serial number, licence key suffix, …
    pub identifier: String,
    pub assigned_at: DateTime<Utc>,
}

/// What the profile sidebar shows on its Details and Assets tabs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetails {
    pub user: UserSummary,
    pub title: Option<String>,
    pub department: Option<String>,
    /// The pending reset's newest link (its id names the reset in the automation API).
    pub reset_id: Option<i64>,
    /// When the pending reset link (if any) expires.
    pub reset_link_expires_at: Option<DateTime<Utc>>,
    /// When the user cancelled the pending reset's link from the email as unexpected (then no
    /// link works until an admin uses Resend Email).
    pub reset_link_cancelled_at: Option<DateTime<Utc>>,
    pub password_changed_at: Option<DateTime<Utc>>,
    pub assets: Vec<AssetView>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ActivityKind {
    SignedIn,
    SignInFailed,
    SignInBlockedResetPending,
    SignedOut,
    AdminResetPassword,
    ResetEmailResent,
    ForgotPasswordRequested,
    /// The user opened "Didn't expect this? Cancel the request" from a reset email.
    ResetCancelled,
    PasswordChanged,
    EmailQueued,
    EmailSent,
    EmailFailed,
    SettingsChanged,
    UserAdded,
    InvitationSent,
    UserSuspended,
    UserReactivated,
    RoleChanged,
    /// Name, title or department changed (a CSV import's update).
    ProfileUpdated,
    /// An owner created an API token (Settings, or the command line).
    ApiTokenCreated,
    ApiTokenRevoked,
    /// A reset link expired without being used (announced once, by the delivery worker).
    ResetLinkExpired,
    /// Resend Email or Forgot your password? asked for a link after the user reported the
    /// admin's reset as unexpected: none was sent (only an admin's Resend Email sends one).
    ResetLinkWithheld,
    /// An admin downloaded the Users Table (or part of it) as CSV.
    UsersExported,
    /// An admin downloaded the activity log (or part of it) as CSV.
    ActivityExported,
}

impl ActivityKind {
    /// The webhook event this activity announces, if any.
    pub fn webhook_event(self) -> Option<crate::WebhookEvent> {
        use crate::WebhookEvent as E;
        match self {
            ActivityKind::AdminResetPassword => Some(E::ResetRequested),
            ActivityKind::PasswordChanged => Some(E::ResetCompleted),
            ActivityKind::ResetCancelled => Some(E::ResetCancelled),
            ActivityKind::ResetLinkExpired => Some(E::ResetLinkExpired),
            ActivityKind::EmailFailed => Some(E::EmailFailed),
            ActivityKind::UserSuspended => Some(E::UserSuspended),
            ActivityKind::UserAdded => Some(E::UserInvited),
            _ => None,
        }
    }

    pub const ALL: [ActivityKind; 25] = [
        ActivityKind::SignedIn,
        ActivityKind::SignInFailed,
        ActivityKind::SignInBlockedResetPending,
        ActivityKind::SignedOut,
        ActivityKind::AdminResetPassword,
        ActivityKind::ResetEmailResent,
        ActivityKind::ForgotPasswordRequested,
        ActivityKind::ResetCancelled,
        ActivityKind::PasswordChanged,
        ActivityKind::EmailQueued,
        ActivityKind::EmailSent,
        ActivityKind::EmailFailed,
        ActivityKind::SettingsChanged,
        ActivityKind::UserAdded,
        ActivityKind::InvitationSent,
        ActivityKind::UserSuspended,
        ActivityKind::UserReactivated,
        ActivityKind::RoleChanged,
        ActivityKind::ProfileUpdated,
        ActivityKind::ApiTokenCreated,
        ActivityKind::ApiTokenRevoked,
        ActivityKind::ResetLinkExpired,
        ActivityKind::ResetLinkWithheld,
        ActivityKind::UsersExported,
        ActivityKind::ActivityExported,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::SignedIn => "signed_in",
            ActivityKind::SignInFailed => "sign_in_failed",
            ActivityKind::SignInBlockedResetPending => "sign_in_blocked_reset_pending",
            ActivityKind::SignedOut => "signed_out",
            ActivityKind::AdminResetPassword => "admin_reset_password",
            ActivityKind::ResetEmailResent => "reset_email_resent",
            ActivityKind::ForgotPasswordRequested => "forgot_password_requested",
            ActivityKind::ResetCancelled => "reset_cancelled",
            ActivityKind::PasswordChanged => "password_changed",
            ActivityKind::EmailQueued => "email_queued",
            ActivityKind::EmailSent => "email_sent",
            ActivityKind::EmailFailed => "email_failed",
            ActivityKind::SettingsChanged => "settings_changed",
            ActivityKind::UserAdded => "user_added",
            ActivityKind::InvitationSent => "invitation_sent",
            ActivityKind::UserSuspended => "user_suspended",
            ActivityKind::UserReactivated => "user_reactivated",
            ActivityKind::RoleChanged => "role_changed",
            ActivityKind::ProfileUpdated => "profile_updated",
            ActivityKind::ApiTokenCreated => "api_token_created",
            ActivityKind::ApiTokenRevoked => "api_token_revoked",
            ActivityKind::ResetLinkExpired => "reset_link_expired",
            ActivityKind::ResetLinkWithheld => "reset_link_withheld",
            ActivityKind::UsersExported => "users_exported",
            ActivityKind::ActivityExported => "activity_exported",
        }
    }
    pub fn parse(s: &str) -> Option<ActivityKind> {
        ActivityKind::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            ActivityKind::SignedIn => "Signed in",
            ActivityKind::SignInFailed => "Failed sign-in",
            ActivityKind::SignInBlockedResetPending => "Sign-in blocked: password reset pending",
            ActivityKind::SignedOut => "Signed out",
            ActivityKind::AdminResetPassword => "Password reset by admin",
            ActivityKind::ResetEmailResent => "Reset email resent",
            ActivityKind::ForgotPasswordRequested => "Forgot-password link requested",
            ActivityKind::ResetCancelled => "Reset cancelled by user",
            ActivityKind::PasswordChanged => "Password changed",
            ActivityKind::EmailQueued => "Email queued",
            ActivityKind::EmailSent => "Email sent",
            ActivityKind::EmailFailed => "Email failed",
            ActivityKind::SettingsChanged => "Settings changed",
            ActivityKind::UserAdded => "User added",
            ActivityKind::InvitationSent => "Invitation sent",
            ActivityKind::UserSuspended => "User suspended",
            ActivityKind::UserReactivated => "User reactivated",
            ActivityKind::RoleChanged => "Role changed",
            ActivityKind::ProfileUpdated => "Profile updated",
            ActivityKind::ApiTokenCreated => "API token created",
            ActivityKind::ApiTokenRevoked => "API token revoked",
            ActivityKind::ResetLinkExpired => "Reset link expired",
            ActivityKind::ResetLinkWithheld => "New link withheld after a cancelled reset",
            ActivityKind::UsersExported => "Users exported",
            ActivityKind::ActivityExported => "Activity exported",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityView {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub kind: ActivityKind,
    pub actor_name: Option<String>,
    pub subject_id: Option<UserId>,
    pub subject_name: Option<String>,
    /// A sentence for people, e.g. "Reset email to jane@… sent (attempt 2)".
    pub details: String,
    pub ip: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ActivityFilter {
    pub kind: Option<ActivityKind>,
    pub subject: Option<UserId>,
    /// Matches the actor's or subject's name or email.
    pub search: Option<String>,
    /// The first day whose events it keeps, in UTC (the time zone of the CSV export).
    pub since: Option<NaiveDate>,
    /// The last day whose events it keeps, in UTC.
    pub until: Option<NaiveDate>,
}

/// A day written as `YYYY-MM-DD` (what `<input type="date">` sends, and the API's `since`
/// and `until`); `None` for anything else. By hand rather than with chrono's parser, which the
/// console's module would otherwise carry for this alone.
pub fn parse_day(text: &str) -> Option<NaiveDate> {
    let mut parts = text.trim().splitn(3, '-');
    let mut number = |digits: usize| {
        parts
            .next()
            .filter(|p| p.len() == digits && p.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|p| p.parse::<u32>().ok())
    };
    let (year, month, day) = (number(4)?, number(2)?, number(2)?);
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityPage {
    pub events: Vec<ActivityView>,
    /// How many events the filter matches, up to [`crate::limits::ACTIVITY_COUNT_CAP`].
    pub total: u64,
    /// The filter matches more than `total` ([`crate::limits::ACTIVITY_COUNT_CAP`]) events.
    pub more: bool,
    /// Another page follows this one (read with the page, so it holds past the count's cap).
    pub next: bool,
    pub page: u64,
    pub per_page: u64,
}

/// Why a bulk reset left a user alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SkipReason {
    /// The admin path never resets the admin's own password.
    Yourself,
    /// Only owners reset admins and owners; admins reset members.
    NoPermission,
    AlreadySuspended,
    /// Not a user of this organization (or no such user at all).
    NotFound,
    /// Invited, with no password yet: there is nothing to reset.
    Invited,
    /// Their reset is pending and they were sent as many links lately as Resend Email allows
    /// (by admins' resets and resends, or their own Resend Email): another would only fill
    /// their inbox.
    TooManyLinks,
}

impl SkipReason {
    pub fn explain(self) -> &'static str {
        match self {
            SkipReason::Yourself => {
                "You can't reset your own password here; use Forgot your password? instead."
            }
            SkipReason::NoPermission => {
                "Only an owner can reset the password of an admin or an owner."
            }
            SkipReason::AlreadySuspended => "The account is suspended.",
            SkipReason::NotFound => "No such user in this organization.",
            SkipReason::Invited => {
                "They haven't set a password yet: resend their invitation instead."
            }
            SkipReason::TooManyLinks => {
                "Their reset is pending and they were sent several links in the last few minutes; try again later."
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedUser {
    pub user_id: UserId,
    /// Empty when the user was not found.
    pub name: String,
    pub reason: SkipReason,
}

/// The outcome of one admin reset call, for one or many users.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResetReport {
    pub reset: Vec<UserId>,
    pub skipped: Vec<SkippedUser>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkPurpose {
    AdminReset,
    ForgotPassword,
    /// Sets the first password of an invited user.
    Invitation,
}

/// What the Reset Password page learns when it opens a link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkState {
    Valid {
        org_name: String,
        name: String,
        email: String,
        purpose: LinkPurpose,
        /// In whole seconds on the wire: the page shows hours and minutes, and reading a number
        /// keeps chrono's date parser out of the browser's main module (decision 35).
        #[serde(with = "chrono::serde::ts_seconds")]
        expires_at: DateTime<Utc>,
    },
    /// Past its lifetime; the page offers a new one (a new invitation, for an invitation).
    Expired {
        purpose: LinkPurpose,
    },
    Used,
    /// A newer link replaced it, or the password was changed another way.
    Revoked,
    /// The user cancelled the request from the email ("Didn't expect this?"). An admin's reset
    /// still stands; a forgot-password request leaves the current password working.
    Cancelled {
        org_name: String,
        purpose: LinkPurpose,
    },
    /// Garbage, or never issued.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSettings {
    pub org_name: String,
    /// How long an admin-reset link stays valid (the seed's 15 minutes by default).
    pub admin_link_ttl_minutes: u32,
    /// How long a forgot-password link stays valid.
    pub forgot_link_ttl_minutes: u32,
    /// How long an invitation stays valid (7 days by default).
    pub invitation_ttl_minutes: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_activity_kind_reads_back_from_its_stored_name() {
        for kind in ActivityKind::ALL {
            assert_eq!(ActivityKind::parse(kind.as_str()), Some(kind));
            assert!(!kind.label().is_empty());
        }
        assert_eq!(
            ActivityKind::parse("reset_cancelled"),
            Some(ActivityKind::ResetCancelled)
        );
        assert_eq!(ActivityKind::parse("no_such_kind"), None);
    }

    #[test]
    fn a_day_reads_only_as_year_month_day() {
        assert_eq!(
            parse_day("2026-12-01"),
            NaiveDate::from_ymd_opt(2026, 12, 1)
        );
        assert_eq!(
            parse_day(" 2024-02-29 "),
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        for bad in [
            "",
            "2026-12",
            "2026-12-1",
            "26-12-01",
            "2026-13-01",
            "2025-02-29",
            "2026-12-01T00:00",
            "+2026-12-01",
            "2026/12/01",
            "yesterday",
        ] {
            assert_eq!(parse_day(bad), None, "{bad:?}");
        }
    }
}
