//! Bringing people in and managing them: the Add user dialog (from the page header), the
//! sidebar's Suspend / Reactivate, Sign out everywhere and Change role confirmations, and its
//! Details tab's Edit details.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use orgdesk_types::{NewMember, ProfileChange, Role, UserSummary};

use super::state::{PeopleAction, UsersPageState};
use crate::api::people::{add_user, change_role, set_suspended, sign_out_user, update_profile};
use crate::components::alert::ErrorAlert;
use crate::components::dialog::{ConfirmDialog, Modal};
use crate::components::icons::{Icon, Svg};
use crate::components::text_field::TextField;
use crate::format::counted;

/// Name, email, role (admins and owners only for owners), title and department. The new user
/// is Invited and gets an invitation email.
#[component]
pub fn AddUserDialog() -> impl IntoView {
    let state = expect_context::<UsersPageState>();
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Member);
    let title = RwSignal::new(String::new());
    let department = RwSignal::new(String::new());
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let close = Callback::new(move |_| state.adding.set(false));
    let roles: Vec<Role> = if state.i_am_owner {
        vec![Role::Member, Role::Admin, Role::Owner]
    } else {
        vec![Role::Member]
    };

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let optional = |s: String| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let member = NewMember {
            name: name.get_untracked(),
            email: email.get_untracked(),
            role: role.get_untracked(),
            title: optional(title.get_untracked()),
            department: optional(department.get_untracked()),
        };
        pending.set(true);
        error.set(None);
        let toasts = state.toasts;
        leptos::task::spawn_local(async move {
            match add_user(member.clone()).await {
                Ok(_) => {
                    toasts.success(format!(
                        "Invited {}. We emailed {} a link to set a password.",
                        member.name.trim(),
                        member.email.trim().to_lowercase()
                    ));
                    state.version.try_update(|v| *v += 1);
                    state.adding.try_set(false);
                }
                Err(e) => {
                    error.try_set(Some(e.to_string()));
                    pending.try_set(false);
                }
            }
        });
    };

    view! {
        <Modal title_id="add-user-title" on_close=close busy=pending.into()>
            <div class="dialog__icon dialog__icon--info"><Svg icon=Icon::Users/></div>
            <h2 class="dialog__title" id="add-user-title">"Add user"</h2>
            <p class="dialog__body">
                "They'll get an email inviting them to set a password, and show as Invited until they do."
            </p>
            <form class="form" on:submit=submit on:input=move |_| error.set(None) novalidate>
                <TextField id="add-user-name" name="name" label="Name" value=name autofocus=true/>
                <TextField id="add-user-email" name="email" label="Email" value=email input_type="email"/>
                <div class="field">
                    <label class="field__label" for="add-user-role">"Role"</label>
                    <select class="select" id="add-user-role" name="role"
                        on:change=move |ev| role.set(Role::parse(&event_target_value(&ev)).unwrap_or(Role::Member))>
                        {roles.into_iter().map(|r| view! {
                            <option value=r.as_str() selected=move || role.get() == r>{r.label()}</option>
                        }).collect_view()}
                    </select>
                    {(!state.i_am_owner).then(|| view! {
                        <p class="field__hint">"Only an owner can add admins and owners."</p>
                    })}
                </div>
                <div class="field-row">
                    <TextField id="add-user-title-field" name="title" label="Title" value=title optional=true/>
                    <TextField id="add-user-department" name="department" label="Department" value=department optional=true/>
                </div>
                {move || error.get().map(|e| view! {
                    <ErrorAlert message=e/>
                })}
                <div class="dialog__actions">
                    <button type="button" class="btn" disabled=move || pending.get() on:click=move |_| close.run(())>
                        "Cancel"
                    </button>
                    <button type="submit" class="btn btn--primary" aria-busy=move || pending.get().to_string() disabled=move || pending.get()>
                        <Show when=move || pending.get()>
                            <span class="spinner" aria-hidden="true"></span>
                        </Show>
                        {move || if pending.get() { "Inviting…" } else { "Add and invite" }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}

/// Confirms Suspend / Reactivate or Sign out everywhere, or picks the new role, for the user in
/// `state.people`.
#[component]
pub fn PeopleActionDialog(action: PeopleAction) -> impl IntoView {
    match action {
        PeopleAction::Suspend(user) => view! { <SuspendDialog user=user suspend=true/> }.into_any(),
        PeopleAction::Reactivate(user) => {
            view! { <SuspendDialog user=user suspend=false/> }.into_any()
        }
        PeopleAction::SignOut(user) => view! { <SignOutDialog user=user/> }.into_any(),
        PeopleAction::ChangeRole(user) => view! { <ChangeRoleDialog user=user/> }.into_any(),
        PeopleAction::EditDetails {
            user,
            title,
            department,
        } => view! { <EditDetailsDialog user=user title=title department=department/> }.into_any(),
    }
}

/// Name, title and department. The email stays: it is where reset links go.
#[component]
fn EditDetailsDialog(
    user: UserSummary,
    title: Option<String>,
    department: Option<String>,
) -> impl IntoView {
    let state = expect_context::<UsersPageState>();
    let name = RwSignal::new(user.name.clone());
    let title = RwSignal::new(title.unwrap_or_default());
    let department = RwSignal::new(department.unwrap_or_default());
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let close = Callback::new(move |_| state.people.set(None));
    let id = user.id;
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let change = ProfileChange {
            name: name.get_untracked(),
            title: Some(title.get_untracked()),
            department: Some(department.get_untracked()),
        };
        pending.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match update_profile(id, change.clone()).await {
                Ok(changed) => finish(
                    state,
                    pending,
                    Ok(if changed {
                        format!("Saved {}'s details.", change.name.trim())
                    } else {
                        "Nothing changed.".to_string()
                    }),
                ),
                Err(e) => {
                    error.try_set(Some(e.to_string()));
                    pending.try_set(false);
                }
            }
        });
    };
    view! {
        <Modal title_id="edit-details-title" on_close=close busy=pending.into()>
            <div class="dialog__icon dialog__icon--info"><Svg icon=Icon::Users/></div>
            <h2 class="dialog__title" id="edit-details-title">"Edit details"</h2>
            <p class="dialog__body">{format!("The email, {}, stays: it is where password reset links go.", user.email)}</p>
            <form class="form" on:submit=submit on:input=move |_| error.set(None) novalidate>
                <TextField id="edit-details-name" name="name" label="Name" value=name autofocus=true/>
                <div class="field-row">
                    <TextField id="edit-details-job" name="title" label="Title" value=title optional=true/>
                    <TextField id="edit-details-department" name="department" label="Department" value=department optional=true/>
                </div>
                {move || error.get().map(|e| view! { <ErrorAlert message=e/> })}
                <div class="dialog__actions">
                    <button type="button" class="btn" disabled=move || pending.get() on:click=move |_| close.run(())>
                        "Cancel"
                    </button>
                    <button type="submit" class="btn btn--primary" aria-busy=move || pending.get().to_string() disabled=move || pending.get()>
                        {move || if pending.get() { "Saving…" } else { "Save" }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}

/// Closes the dialog and says how it went; the table and the sidebar re-read.
fn finish(state: UsersPageState, pending: RwSignal<bool>, result: Result<String, String>) {
    match result {
        Ok(done) => {
            state.toasts.success(done);
            state.version.try_update(|v| *v += 1);
        }
        Err(e) => state.toasts.error(e),
    }
    pending.try_set(false);
    state.people.try_set(None);
}

#[component]
fn SuspendDialog(user: UserSummary, suspend: bool) -> impl IntoView {
    let state = expect_context::<UsersPageState>();
    let pending = RwSignal::new(false);
    let (title, intro, consequences, label, busy) = if suspend {
        (
            format!("Suspend {}?", user.name),
            format!(
                "{} won't be able to sign in until an admin reactivates the account.",
                user.email
            ),
            vec![
                "They're signed out of every session right away.".to_string(),
                "Any password reset or invitation link they hold stops working.".to_string(),
                "Their account and its activity stay; reactivating brings them back.".to_string(),
            ],
            "Yes, Suspend",
            "Suspending…",
        )
    } else {
        (
            format!("Reactivate {}?", user.name),
            format!(
                "{} can sign in again, as before the suspension.",
                user.email
            ),
            vec![
                "Links revoked by the suspension stay dead: send a new one if they need it."
                    .to_string(),
            ],
            "Reactivate",
            "Reactivating…",
        )
    };
    let run = move |_| {
        pending.set(true);
        let user = user.clone();
        leptos::task::spawn_local(async move {
            let result = match set_suspended(user.id, suspend).await {
                Ok(_) if suspend => Ok(format!(
                    "Suspended {}. They're signed out everywhere.",
                    user.name
                )),
                Ok(status) => Ok(format!(
                    "Reactivated {} ({}).",
                    user.name,
                    status.label().to_lowercase()
                )),
                Err(e) => Err(format!("Couldn't change {}'s account: {e}", user.name)),
            };
            finish(state, pending, result);
        });
    };
    view! {
        <ConfirmDialog
            title=title
            intro=intro
            consequences=consequences
            confirm_label=label
            pending_label=busy
            pending=pending.into()
            on_confirm=Callback::new(run)
            on_cancel=Callback::new(move |_| state.people.set(None))
        />
    }
}

/// Signs someone out of every browser and device (a lost laptop, a shared computer) without
/// changing their password: the lighter step before Reset Password or Suspend.
#[component]
fn SignOutDialog(user: UserSummary) -> impl IntoView {
    let state = expect_context::<UsersPageState>();
    let pending = RwSignal::new(false);
    let title = format!("Sign {} out everywhere?", user.name);
    let intro = format!(
        "{} is signed out of every browser and device right away.",
        user.email
    );
    let consequences = vec![
        "Their password stays the same: they can sign in again with it.".to_string(),
        "If someone else may know it, reset the password or suspend the account instead."
            .to_string(),
    ];
    let run = move |_| {
        pending.set(true);
        let user = user.clone();
        leptos::task::spawn_local(async move {
            let result = match sign_out_user(user.id).await {
                Ok(0) => Ok(format!("{} wasn't signed in anywhere.", user.name)),
                Ok(n) => Ok(format!(
                    "Signed {} out of {}.",
                    user.name,
                    counted(n, "browser or device", "browsers or devices")
                )),
                Err(e) => Err(format!("Couldn't sign {} out: {e}", user.name)),
            };
            finish(state, pending, result);
        });
    };
    view! {
        <ConfirmDialog
            title=title
            intro=intro
            consequences=consequences
            confirm_label="Yes, Sign Out"
            pending_label="Signing out…"
            pending=pending.into()
            on_confirm=Callback::new(run)
            on_cancel=Callback::new(move |_| state.people.set(None))
        />
    }
}

#[component]
fn ChangeRoleDialog(user: UserSummary) -> impl IntoView {
    let state = expect_context::<UsersPageState>();
    let pending = RwSignal::new(false);
    let current = user.role;
    let role = RwSignal::new(current);
    let close = Callback::new(move |_| state.people.set(None));
    let name = user.name.clone();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let new_role = role.get_untracked();
        pending.set(true);
        let user = user.clone();
        leptos::task::spawn_local(async move {
            let result = match change_role(user.id, new_role).await {
                Ok(()) => Ok(format!(
                    "{} is now {}. They were signed out, to sign in again with the new role.",
                    user.name,
                    new_role.label().to_lowercase()
                )),
                Err(e) => Err(format!("Couldn't change {}'s role: {e}", user.name)),
            };
            finish(state, pending, result);
        });
    };
    view! {
        <Modal title_id="role-title" on_close=close busy=pending.into()>
            <div class="dialog__icon dialog__icon--info"><Svg icon=Icon::Users/></div>
            <h2 class="dialog__title" id="role-title">{format!("Change {name}'s role")}</h2>
            <form class="form" on:submit=submit>
                <div class="field">
                    <label class="field__label" for="role-select">"Role"</label>
                    <select class="select" id="role-select" data-autofocus
                        on:change=move |ev| role.set(Role::parse(&event_target_value(&ev)).unwrap_or(current))>
                        {Role::ALL.into_iter().map(|r| view! {
                            <option value=r.as_str() selected=r == current>{r.label()}</option>
                        }).collect_view()}
                    </select>
                    <p class="field__hint">"Owners manage everyone; admins manage members; members only use their own account."</p>
                </div>
                <div class="dialog__actions">
                    <button type="button" class="btn" disabled=move || pending.get() on:click=move |_| close.run(())>"Cancel"</button>
                    <button type="submit" class="btn btn--primary" disabled=move || pending.get() || role.get() == current>
                        "Change role"
                    </button>
                </div>
            </form>
        </Modal>
    }
}
