//! Admin Console → Users → the Users tab: the Users Table, its row menus, the profile sidebar
//! and the bulk toolbar — the seed's three ways to reset a password.
//!
//! All view state that matters lives in the URL (filters, sort, page, open user and tab), so
//! reload, back and sharing work; the selection lives in memory.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use orgdesk_types::{
    Actor, ResetReport, Role, UserFilter, UserId, UserQuery, UserSort, UserStatus, UserSummary,
};

use super::PageHeader;
use crate::api::resets::{
    admin_resend_reset_email, admin_reset_matching, admin_reset_passwords, MAX_IDS_PER_CALL,
};
use crate::api::users::list_users;
use crate::components::bulk_toolbar::{BulkResult, SelectionBar};
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::toast::{use_toasts, Toasts};
use crate::components::user_sidebar::{SidebarTab, UserSidebar};
use crate::components::users_table::{UsersTable, UsersToolbar};
use crate::error::ApiError;

pub const PER_PAGE_CHOICES: [u64; 4] = [25, 50, 100, 200];

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
            .unwrap_or(25),
    }
}

/// The URL for a query (plus the open user and tab, if any).
pub fn users_href(q: &UserQuery, user: Option<UserId>, tab: Option<SidebarTab>) -> String {
    let mut parts: Vec<(String, String)> = Vec::new();
    if let Some(s) = &q.filter.search {
        parts.push(("q".into(), s.clone()));
    }
    if let Some(s) = q.filter.status {
        parts.push(("status".into(), s.as_str().into()));
    }
    if let Some(r) = q.filter.role {
        parts.push(("role".into(), r.as_str().into()));
    }
    if q.sort != UserSort::default() {
        parts.push(("sort".into(), q.sort.as_str().into()));
    }
    if q.descending {
        parts.push(("dir".into(), "desc".into()));
    }
    if q.page > 1 {
        parts.push(("page".into(), q.page.to_string()));
    }
    if q.per_page != 25 {
        parts.push(("per_page".into(), q.per_page.to_string()));
    }
    if let Some(u) = user {
        parts.push(("user".into(), u.to_string()));
        if let Some(t) = tab.filter(|t| *t != SidebarTab::Details) {
            parts.push(("tab".into(), t.as_str().into()));
        }
    }
    if parts.is_empty() {
        return "/users".into();
    }
    let qs = parts
        .into_iter()
        .map(|(k, v)| format!("{k}={}", crate::query_string::encode_value(&v)))
        .collect::<Vec<_>>()
        .join("&");
    format!("/users?{qs}")
}

/// What the confirmation dialog is about to do.
#[derive(Debug, Clone, PartialEq)]
pub enum PendingReset {
    One(UserSummary),
    Selected(Vec<UserId>),
    Matching { filter: UserFilter, count: u64 },
}

impl PendingReset {
    fn count(&self) -> u64 {
        match self {
            PendingReset::One(_) => 1,
            PendingReset::Selected(ids) => ids.len() as u64,
            PendingReset::Matching { count, .. } => *count,
        }
    }
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

#[component]
pub fn UsersPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| {
        let p = params.read();
        query_from_params(|k| p.get(k))
    });
    let open_user = Memo::new(move |_| {
        params
            .read()
            .get("user")
            .and_then(|u| u.parse::<UserId>().ok())
    });
    let tab = Memo::new(move |_| {
        params
            .read()
            .get("tab")
            .as_deref()
            .and_then(SidebarTab::parse)
            .unwrap_or_default()
    });

    let state = UsersPageState {
        query,
        open_user,
        tab,
        selected: RwSignal::new(BTreeSet::new()),
        all_matching: RwSignal::new(false),
        version: RwSignal::new(0),
        confirm: RwSignal::new(None),
        progress: RwSignal::new(None),
        result: RwSignal::new(None),
        toasts: use_toasts(),
    };
    provide_context(state);

    // A new filter is a new selection.
    Effect::watch(
        move || query.get().filter,
        move |_, _, _| {
            state.selected.set(BTreeSet::new());
            state.all_matching.set(false);
        },
        false,
    );

    let users = Resource::new(
        move || (query.get(), state.version.get()),
        |(q, _)| list_users(q),
    );

    view! {
        <Title text="Users"/>
        <PageHeader eyebrow="Admin Console" title="User Management" tabs=vec![("Users", "/users", true)]/>
        <div class="page-body">
            <UsersToolbar/>
            <SelectionBar users=users/>
            <UsersTable users=users/>
        </div>
        {move || open_user.get().map(|id| view! { <UserSidebar user=id/> })}
        <ResetConfirmation/>
        {move || state.result.get().map(|report| view! { <BulkResult report=report/> })}
    }
}

/// The "Yes, Reset Password" dialog for all three paths, and what happens after it.
#[component]
fn ResetConfirmation() -> impl IntoView {
    let state = expect_context::<UsersPageState>();
    let toasts = use_toasts();
    let pending = RwSignal::new(false);
    let i_am_owner = use_context::<Actor>().is_some_and(|a| a.role == Role::Owner);

    let run = move |what: PendingReset| {
        pending.set(true);
        leptos::task::spawn_local(async move {
            let outcome = perform_reset(&what, state.progress).await;
            // The reset is done on the server whatever happens here; if the admin navigated
            // away meanwhile, the page's state is gone and only the toast is left to say so.
            if state.version.try_update(|v| *v += 1).is_none() {
                match &outcome {
                    Ok(r) => toasts.success(format!(
                        "Password reset finished: {} reset, {} skipped.",
                        group_thousands(r.reset.len() as u64),
                        group_thousands(r.skipped.len() as u64)
                    )),
                    Err((_, e)) => toasts.error(format!("The password reset stopped: {e}")),
                }
                return;
            }
            pending.try_set(false);
            state.progress.try_set(None);
            state.confirm.try_set(None);
            match (what, outcome) {
                (PendingReset::One(user), Ok(report)) => match report.skipped.first() {
                    None => toasts.success(format!(
                        "Password reset for {}. We emailed {} a link to set a new one.",
                        user.name, user.email
                    )),
                    Some(skip) => toasts.error(format!(
                        "{} wasn't reset: {}",
                        user.name,
                        skip.reason.explain()
                    )),
                },
                (_, Ok(report)) => {
                    state.selected.try_set(BTreeSet::new());
                    state.all_matching.try_set(false);
                    state.result.try_set(Some(report));
                    // The selection bar that had focus is gone; the summary is where it goes.
                    crate::components::focus::focus_id_when_present("bulk-result-done".into());
                }
                (_, Err((partial, e))) if partial.reset.is_empty() => {
                    toasts.error(format!("Nothing was reset: {e}"))
                }
                (_, Err((partial, e))) => {
                    toasts.error(format!("Stopped part-way: {e}"));
                    state.result.try_set(Some(partial));
                }
            }
        });
    };

    move || {
        state.confirm.get().map(|what| {
            let count = what.count();
            let (title, intro) = match &what {
                PendingReset::One(u) => (
                    format!("Reset password for {}?", u.name),
                    format!("{} will have to choose a new password before signing in again.", u.email),
                ),
                _ => (
                    format!("Reset passwords for {} users?", group_thousands(count)),
                    "Each of them will have to choose a new password before signing in again.".to_string(),
                ),
            };
            let them = if count == 1 { "their" } else { "each user's" };
            let mut consequences = vec![
                format!("The current password stops working immediately for {them} account."),
                "They're signed out of every session.".to_string(),
                "They get an email with a secure link to set a new password, valid for the organization's link lifetime (15 minutes by default).".to_string(),
            ];
            // Only owners reset admins and owners; the server enforces it, the dialog says it.
            if !i_am_owner {
                match &what {
                    PendingReset::One(u) if u.role != Role::Member => consequences.push(format!(
                        "Only an owner can reset an {}'s password: ask an owner of the organization.",
                        u.role.label().to_lowercase()
                    )),
                    PendingReset::One(_) => {}
                    _ => consequences.push(
                        "Admins and owners among them are skipped: only an owner can reset their passwords."
                            .to_string(),
                    ),
                }
            }
            let what_for_run = what.clone();
            view! {
                <ConfirmDialog
                    title=title
                    intro=intro
                    consequences=consequences
                    confirm_label="Yes, Reset Password"
                    pending_label="Resetting…"
                    pending=pending.into()
                    on_confirm=Callback::new(move |_| run(what_for_run.clone()))
                    on_cancel=Callback::new(move |_| state.confirm.set(None))
                />
                {move || state.progress.get().map(|(done, total)| view! {
                    <div class="dialog-progress" role="status" aria-live="polite">
                        <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax=total.to_string() aria-valuenow=done.to_string()>
                            <div class="progress__bar" style=format!("width: {}%", (done * 100).checked_div(total).unwrap_or(0))></div>
                        </div>
                        <span class="muted">{format!("{} of {} users", group_thousands(done), group_thousands(total))}</span>
                    </div>
                })}
            }
        })
    }
}

/// Sends a reset to the server: explicit selections go in chunks (each its own transaction)
/// so the dialog can show progress; "all matching" is one call the server batches itself.
/// On an error part-way, what was already done comes back with it.
async fn perform_reset(
    what: &PendingReset,
    progress: RwSignal<Option<(u64, u64)>>,
) -> Result<ResetReport, (ResetReport, ApiError)> {
    let none_done = |e| (ResetReport::default(), e);
    match what {
        PendingReset::One(user) => admin_reset_passwords(vec![user.id])
            .await
            .map_err(none_done),
        PendingReset::Matching { filter, count } => {
            progress.try_set(Some((0, *count)));
            admin_reset_matching(filter.clone(), *count)
                .await
                .map_err(none_done)
        }
        PendingReset::Selected(ids) => {
            let total = ids.len() as u64;
            let mut all = ResetReport::default();
            progress.try_set(Some((0, total)));
            for chunk in ids.chunks(MAX_IDS_PER_CALL) {
                let report = match admin_reset_passwords(chunk.to_vec()).await {
                    Ok(report) => report,
                    Err(e) => return Err((all, e)),
                };
                all.reset.extend(report.reset);
                all.skipped.extend(report.skipped);
                progress.try_set(Some(((all.reset.len() + all.skipped.len()) as u64, total)));
            }
            Ok(all)
        }
    }
}

/// 12345 → "12,345".
pub fn group_thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
