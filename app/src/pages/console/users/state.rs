//! The Users page's state: what lives in the URL (filters, sort, page and its cursor, open user
//! and tab), so reload, back and sharing work, and what lives in memory (the selection, the
//! dialog, the bulk progress), shared by the table, the sidebar and the selection bar through
//! context.

use std::collections::BTreeSet;

use leptos::prelude::*;
use orgdesk_types::{
    PageAt, ResetReport, Role, UserFilter, UserId, UserQuery, UserSort, UserStatus, UserSummary,
};

use orgdesk_types::limits::{DEFAULT_PER_PAGE, PER_PAGE_CHOICES};

use crate::api::people::resend_invitation;
use crate::api::resets::admin_resend_reset_email;
use crate::components::toast::Toasts;
use crate::format::with_query;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SidebarTab {
    #[default]
    Details,
    Assets,
    Activity,
}

impl SidebarTab {
    pub const ALL: [SidebarTab; 3] = [
        SidebarTab::Details,
        SidebarTab::Assets,
        SidebarTab::Activity,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            SidebarTab::Details => "details",
            SidebarTab::Assets => "assets",
            SidebarTab::Activity => "activity",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SidebarTab::Details => "Details",
            SidebarTab::Assets => "Assets",
            SidebarTab::Activity => "Activity",
        }
    }
    pub fn parse(s: &str) -> Option<SidebarTab> {
        SidebarTab::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Reads the Users Table query from the URL's search parameters.
pub fn query_from_params(get: impl Fn(&str) -> Option<String>) -> UserQuery {
    let filter = UserFilter {
        search: get("q")
            .map(|q| q.trim().to_string())
            .filter(|q| !q.is_empty()),
        status: get("status").as_deref().and_then(UserStatus::parse),
        role: get("role").as_deref().and_then(Role::parse),
    };
    UserQuery {
        filter,
        sort: get("sort")
            .as_deref()
            .and_then(UserSort::parse)
            .unwrap_or_default(),
        descending: get("dir").as_deref() == Some("desc"),
        page: get("page")
            .and_then(|p| p.parse().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1),
        per_page: get("per_page")
            .and_then(|p| p.parse().ok())
            .filter(|p| PER_PAGE_CHOICES.contains(p))
            .unwrap_or(DEFAULT_PER_PAGE),
        at: get("after")
            .map(PageAt::After)
            .or_else(|| get("before").map(PageAt::Before))
            .or_else(|| get("last").and_then(|n| n.parse().ok()).map(PageAt::Last)),
    }
}

/// `q` at page `page`, read from the cursor `at`, or counted from the start without one.
pub fn on_page(mut q: UserQuery, page: u64, at: Option<PageAt>) -> UserQuery {
    q.page = page;
    q.at = at;
    q
}

/// A filter's part of the query string.
fn filter_parts(filter: &UserFilter) -> Vec<(String, String)> {
    let mut parts: Vec<(String, String)> = Vec::new();
    if let Some(s) = &filter.search {
        parts.push(("q".into(), s.clone()));
    }
    if let Some(s) = filter.status {
        parts.push(("status".into(), s.as_str().into()));
    }
    if let Some(r) = filter.role {
        parts.push(("role".into(), r.as_str().into()));
    }
    parts
}

/// Where Export CSV downloads the users `filter` matches.
pub fn export_href(filter: &UserFilter) -> String {
    with_query(crate::routes::USERS_EXPORT, &filter_parts(filter))
}

/// The URL for a query (plus the open user and tab, if any).
pub fn users_href(q: &UserQuery, user: Option<UserId>, tab: Option<SidebarTab>) -> String {
    let mut parts = filter_parts(&q.filter);
    if q.sort != UserSort::default() {
        parts.push(("sort".into(), q.sort.as_str().into()));
    }
    if q.descending {
        parts.push(("dir".into(), "desc".into()));
    }
    if q.page > 1 {
        parts.push(("page".into(), q.page.to_string()));
    }
    if q.per_page != DEFAULT_PER_PAGE {
        parts.push(("per_page".into(), q.per_page.to_string()));
    }
    match &q.at {
        Some(PageAt::After(c)) => parts.push(("after".into(), c.clone())),
        Some(PageAt::Before(c)) => parts.push(("before".into(), c.clone())),
        Some(PageAt::Last(n)) => parts.push(("last".into(), n.to_string())),
        None => {}
    }
    if let Some(u) = user {
        parts.push(("user".into(), u.to_string()));
        if let Some(t) = tab.filter(|t| *t != SidebarTab::Details) {
            parts.push(("tab".into(), t.as_str().into()));
        }
    }
    with_query("/users", &parts)
}

/// What the confirmation dialog is about to do.
#[derive(Debug, Clone, PartialEq)]
pub enum PendingReset {
    One(UserSummary),
    Selected(Vec<UserId>),
    Matching { filter: UserFilter, count: u64 },
}

impl PendingReset {
    pub fn count(&self) -> u64 {
        match self {
            PendingReset::One(_) => 1,
            PendingReset::Selected(ids) => ids.len() as u64,
            PendingReset::Matching { count, .. } => *count,
        }
    }
}

/// A change to one person the admin is about to confirm (the sidebar's Three Dots and its
/// Details tab).
#[derive(Debug, Clone, PartialEq)]
pub enum PeopleAction {
    Suspend(UserSummary),
    Reactivate(UserSummary),
    SignOut(UserSummary),
    ChangeRole(UserSummary),
    /// The Details tab's Edit details, with the title and department it shows.
    EditDetails {
        user: UserSummary,
        title: Option<String>,
        department: Option<String>,
    },
}

/// Shared by the table, the sidebar and the toolbar through context.
#[derive(Clone, Copy)]
pub struct UsersPageState {
    pub query: Memo<UserQuery>,
    pub open_user: Memo<Option<UserId>>,
    pub tab: Memo<SidebarTab>,
    pub selected: RwSignal<BTreeSet<UserId>>,
    pub all_matching: RwSignal<bool>,
    /// Bumped after every change, so every list and panel re-reads.
    pub version: RwSignal<u64>,
    pub confirm: RwSignal<Option<PendingReset>>,
    pub progress: RwSignal<Option<(u64, u64)>>,
    pub result: RwSignal<Option<ResetReport>>,
    /// The Add user dialog is open.
    pub adding: RwSignal<bool>,
    /// The Import users dialog is open.
    pub importing: RwSignal<bool>,
    pub people: RwSignal<Option<PeopleAction>>,
    /// Owners may add admins and change roles (the server decides; the UI only offers).
    pub i_am_owner: bool,
    /// Taken from context when the page is built: event handlers and async continuations run
    /// outside any reactive owner, where `use_context` finds nothing.
    pub toasts: Toasts,
}

impl UsersPageState {
    pub fn href(&self, user: Option<UserId>, tab: Option<SidebarTab>) -> String {
        users_href(&self.query.get(), user, tab)
    }
    pub fn ask_reset(&self, user: UserSummary) {
        self.confirm.set(Some(PendingReset::One(user)));
    }
    pub fn resend_invitation(&self, user: UserSummary) {
        let toasts = self.toasts;
        let version = self.version;
        leptos::task::spawn_local(async move {
            match resend_invitation(user.id).await {
                Ok(()) => {
                    toasts.success(format!(
                        "Sent a new invitation to {}. The previous link no longer works.",
                        user.email
                    ));
                    version.try_update(|v| *v += 1);
                }
                Err(e) => toasts.error(format!(
                    "Couldn't resend the invitation to {}: {e}",
                    user.name
                )),
            }
        });
    }
    pub fn resend(&self, user: UserSummary) {
        let toasts = self.toasts;
        let version = self.version;
        leptos::task::spawn_local(async move {
            match admin_resend_reset_email(user.id).await {
                Ok(()) => {
                    toasts.success(format!(
                        "Sent a new reset link to {}. The previous link no longer works.",
                        user.email
                    ));
                    // The answer can arrive after the admin left the page.
                    version.try_update(|v| *v += 1);
                }
                Err(e) => toasts.error(format!("Couldn't resend the email to {}: {e}", user.name)),
            }
        });
    }
}
