//! Admin Console → Users → the Users tab: the seed's three ways to reset a password, one
//! module each — the Users Table and its row menus (`table`), the profile sidebar
//! (`sidebar`) and the selection bar (`selection`) — around the page's state (`state`) and
//! the confirmation all three share (here).

mod import;
mod people;
mod selection;
mod sidebar;
mod state;
mod table;

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use orgdesk_types::{Actor, ResetReport, Role, UserId};

use orgdesk_types::limits::MAX_IDS_PER_CALL;

use crate::api::codec::json_resource;
use crate::api::resets::{admin_reset_matching, admin_reset_passwords};
use crate::api::users::{count_users, fetch_users};
use crate::components::dialog::ConfirmDialog;
use crate::components::focus::focus_id_when_present;
use crate::components::icons::{Icon, Svg};
use crate::components::page_header::PageHeader;
use crate::components::toast::use_toasts;
use crate::error::ApiError;
use crate::format::{counted, group_thousands};
use import::ImportUsersDialog;
use people::{AddUserDialog, PeopleActionDialog};
use selection::{BulkResult, SelectionBar};
use sidebar::UserSidebar;
pub use state::{
    export_href, query_from_params, users_href, PendingReset, SidebarTab, UsersPageState,
};
use table::{UsersTable, UsersToolbar};

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
        adding: RwSignal::new(false),
        importing: RwSignal::new(false),
        people: RwSignal::new(None),
        i_am_owner: use_context::<Actor>().is_some_and(|a| a.role == Role::Owner),
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

    let users = json_resource(
        move || (query.get(), state.version.get()),
        |(q, _)| fetch_users(q),
    );
    // Counted again when the filter changes or something was done to users, not per page.
    let total = json_resource(
        move || (query.get().filter, state.version.get()),
        |(filter, _)| count_users(filter),
    );

    view! {
        <Title text="Users"/>
        <PageHeader eyebrow="Admin Console" title="User Management" tabs=vec![("Users", "/users", true)]>
            // A download, past the router (`rel=external`): the browser saves the file and stays
            // here (decision 76).
            <a
                class="btn"
                id="export-users"
                rel="external"
                href=move || export_href(&query.get().filter)
                title="Download the users this filter shows as a CSV file"
            >
                "Export CSV"
            </a>
            <button type="button" class="btn" id="import-users" on:click=move |_| state.importing.set(true)>
                "Import users"
            </button>
            <button type="button" class="btn btn--primary" id="add-user" on:click=move |_| state.adding.set(true)>
                <Svg icon=Icon::Users/>"Add user"
            </button>
        </PageHeader>
        <div class="page-body">
            <UsersToolbar/>
            <SelectionBar users=users total=total/>
            <UsersTable users=users total=total/>
        </div>
        {move || open_user.get().map(|id| view! { <UserSidebar user=id/> })}
        <ResetConfirmation/>
        <Show when=move || state.adding.get()>
            <AddUserDialog/>
        </Show>
        <Show when=move || state.importing.get()>
            <ImportUsersDialog/>
        </Show>
        {move || state.people.get().map(|action| view! { <PeopleActionDialog action=action/> })}
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
                    focus_id_when_present("bulk-result-done".into());
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
                _ if count == 1 => (
                    "Reset the password of 1 user?".to_string(),
                    "They will have to choose a new password before signing in again.".to_string(),
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
                        <span class="muted">{format!("{} of {}", group_thousands(done), counted(total, "user", "users"))}</span>
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
