//! The profile sidebar on the right: avatar, name, email, status, its Three Dots in the
//! upper right, and the tabs Details / Assets / Activity. Escape or ✕ closes it and returns
//! focus to the name that opened it.

use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use orgdesk_types::{ActivityView, Actor, Role, UserDetails, UserId};

use super::state::{PeopleAction, SidebarTab, UsersPageState};
use super::table::{row_menu_items, StatusBadge};
use crate::api::activity::fetch_user_activity;
use crate::api::codec::{json_resource, JsonResource};
use crate::api::users::fetch_user_details;
use crate::components::focus;
use crate::components::icons::{Icon, Svg};
use crate::components::menu::KebabMenu;
use crate::components::states::{EmptyState, ErrorState};
use crate::components::time::{exact, RelativeTime};
use crate::format::{calendar_date, initials, iso_timestamp};

#[component]
pub fn UserSidebar(user: UserId) -> impl IntoView {
    let state = expect_context::<UsersPageState>();
    let navigate = use_navigate();
    let details = json_resource(
        move || state.version.get(),
        move |_| fetch_user_details(user),
    );
    let activity = json_resource(
        move || (state.version.get(), state.tab.get() == SidebarTab::Activity),
        move |(_, wanted)| async move {
            if wanted {
                fetch_user_activity(user).await.map(Some)
            } else {
                Ok(None)
            }
        },
    );

    let close = {
        let navigate = navigate.clone();
        move || {
            navigate(
                &state.href(None, None),
                NavigateOptions {
                    scroll: false,
                    ..Default::default()
                },
            );
            // Back to the name that opened the sidebar.
            let selector = format!("[data-open-user='{user}']");
            request_animation_frame(move || focus::focus_selector(&selector));
        }
    };
    let close = StoredValue::new(close);

    // Escape closes the panel whenever focus is inside it, or nowhere at all: when the element
    // that had focus is re-rendered (the Three Dots button, after a reset refreshes the
    // panel), the browser drops focus to <body>. Menus and dialogs inside handle their own
    // Escape first and stop it there.
    let panel = NodeRef::<leptos::html::Aside>::new();
    let escape = window_event_listener(leptos::ev::keydown, move |ev: KeyboardEvent| {
        if ev.key() != "Escape" || ev.default_prevented() {
            return;
        }
        let dialog_open = state.confirm.try_with_untracked(Option::is_some) != Some(false)
            || state.result.try_with_untracked(Option::is_some) != Some(false);
        if dialog_open {
            return;
        }
        let focus_here = match (focus::active_element(), panel.try_get_untracked().flatten()) {
            (None, _) => true,
            (Some(active), Some(p)) => active.tag_name() == "BODY" || p.contains(Some(&active)),
            (Some(_), None) => false,
        };
        if focus_here {
            ev.prevent_default();
            close.try_with_value(|c| c());
        }
    });
    on_cleanup(move || escape.remove());

    // Move focus into the panel when it opens (or switches user).
    view! {
        <div class="drawer-backdrop" on:click=move |_| close.with_value(|c| c())></div>
        <aside
            class="drawer"
            role="dialog"
            aria-modal="false"
            aria-labelledby="drawer-title"
            tabindex="-1"
            node_ref=panel
        >
            <Transition fallback=|| view! { <div class="drawer__body"><span class="skeleton" style="width:60%"></span></div> }>
                {move || Suspend::new(async move {
                    match details.await {
                        Ok(d) => view! { <SidebarContent details=d activity=activity on_close=Callback::new(move |_| close.with_value(|c| c()))/> }.into_any(),
                        Err(e) => view! {
                            <div class="drawer__header">
                                <h2 class="drawer__title" id="drawer-title">"User"</h2>
                                <div class="drawer__actions">
                                    <button class="icon-btn" aria-label="Close" on:click=move |_| close.with_value(|c| c())><Svg icon=Icon::Close/></button>
                                </div>
                            </div>
                            <div class="drawer__body"><ErrorState message=e.to_string()/></div>
                        }.into_any(),
                    }
                })}
            </Transition>
        </aside>
    }
}

#[component]
fn SidebarContent(
    details: UserDetails,
    activity: JsonResource<Result<Option<Vec<ActivityView>>, crate::error::ApiError>>,
    on_close: Callback<()>,
) -> impl IntoView {
    let state = expect_context::<UsersPageState>();
    let navigate = use_navigate();
    let user = details.user.clone();
    let items = {
        let user = user.clone();
        let navigate = navigate.clone();
        Signal::derive(move || row_menu_items(&user, state, navigate.clone(), true))
    };
    let id = user.id;
    // As the server decides: your own details, members', and for an owner anyone's.
    let me = use_context::<Actor>().map(|a| a.user_id);
    let may_edit = state.i_am_owner || user.role == Role::Member || me == Some(id);
    let now = chrono::Utc::now();
    // This content is rebuilt whenever the user's details are re-read (after a reset, say). If
    // focus was on something in the old content, the browser dropped it to <body>: put it on
    // the panel's Three Dots, where a keyboard user left off.
    Effect::new(move || focus::focus_id_when_present("sidebar-actions".into()));
    view! {
        <div class="drawer__header">
            <span class="avatar avatar--lg" aria-hidden="true">{initials(&user.name)}</span>
            <div class="drawer__heading">
                <h2 class="drawer__title" id="drawer-title">{user.name.clone()}</h2>
                <div class="drawer__subtitle">{user.email.clone()}</div>
                <StatusBadge status=user.status/>
            </div>
            <div class="drawer__actions">
                <KebabMenu label=format!("More actions for {}", user.name) items=items button_id="sidebar-actions"/>
                <button class="icon-btn" aria-label="Close profile" on:click=move |_| on_close.run(())>
                    <Svg icon=Icon::Close/>
                </button>
            </div>
        </div>
        {details.reset_link_expires_at.map(|at| view! {
            <div class="callout" role="note">
                <Svg icon=Icon::Mail/>
                <span>
                    {if at > now { "Reset pending — the emailed link expires " } else { "Reset pending — the emailed link expired " }}
                    <RelativeTime at=at now=now/>
                    {if at > now { ". " } else { ". Use Resend Email to send a new one." }}
                </span>
            </div>
        })}
        {details.reset_link_cancelled_at.map(|at| view! {
            <div class="callout" role="note" data-testid="reset-cancelled-callout">
                <Svg icon=Icon::Warning/>
                <span>
                    "Reset pending — " {user.name.clone()} " cancelled the emailed link as unexpected "
                    <RelativeTime at=at now=now past=true/>
                    ". Check with them, then use Resend Email to send a new link."
                </span>
            </div>
        })}
        <nav class="tabs" role="tablist" aria-label="Profile sections">
            {SidebarTab::ALL.into_iter().map(|t| {
                let selected = move || state.tab.get() == t;
                view! {
                    <a
                        class="tab"
                        role="tab"
                        id=format!("tab-{}", t.as_str())
                        aria-controls="drawer-panel"
                        aria-selected=move || selected().to_string()
                        href=move || state.href(Some(id), Some(t))
                    >
                        {t.label()}
                    </a>
                }
            }).collect_view()}
        </nav>
        <div class="drawer__body" id="drawer-panel" role="tabpanel" aria-labelledby=move || format!("tab-{}", state.tab.get().as_str())>
            {move || match state.tab.get() {
                SidebarTab::Details => view! { <DetailsTab details=details.clone() state=state may_edit=may_edit/> }.into_any(),
                SidebarTab::Assets => view! { <AssetsTab details=details.clone()/> }.into_any(),
                SidebarTab::Activity => view! { <ActivityTab activity=activity/> }.into_any(),
            }}
        </div>
    }
}

/// The Details tab. It takes the page's state and whether its Edit details shows, rather than
/// looking them up: closing the sidebar from another tab switches to this one (the URL loses its
/// `tab`) while the sidebar is being taken down, when there is no context left to ask.
#[component]
fn DetailsTab(details: UserDetails, state: UsersPageState, may_edit: bool) -> impl IntoView {
    let edit = PeopleAction::EditDetails {
        user: details.user.clone(),
        title: details.title.clone(),
        department: details.department.clone(),
    };
    let u = details.user;
    let now = chrono::Utc::now();
    let or_dash = |s: Option<String>| s.filter(|s| !s.is_empty()).unwrap_or_else(|| "—".into());
    view! {
        {may_edit.then(|| view! {
            <div class="details__actions">
                <button type="button" class="btn btn--sm" id="edit-details"
                    on:click=move |_| state.people.set(Some(edit.clone()))>
                    "Edit details"
                </button>
            </div>
        })}
        <dl class="details">
            <dt>"Email"</dt><dd>{u.email}</dd>
            <dt>"Role"</dt><dd>{u.role.label()}</dd>
            <dt>"Status"</dt><dd><StatusBadge status=u.status/></dd>
            <dt>"Title"</dt><dd>{or_dash(details.title)}</dd>
            <dt>"Department"</dt><dd>{or_dash(details.department)}</dd>
            <dt>"Last sign-in"</dt>
            <dd>{match u.last_sign_in_at { Some(at) => view! { <RelativeTime at=at now=now past=true/> }.into_any(), None => "Never".into_any() }}</dd>
            <dt>"Password changed"</dt>
            <dd>{match details.password_changed_at { Some(at) => view! { <RelativeTime at=at now=now past=true/> }.into_any(), None => "Never".into_any() }}</dd>
            <dt>"Member since"</dt><dd><time datetime=iso_timestamp(u.created_at) title=exact(u.created_at)>{calendar_date(u.created_at)}</time></dd>
        </dl>
    }
}

#[component]
fn AssetsTab(details: UserDetails) -> impl IntoView {
    if details.assets.is_empty() {
        return view! {
            <div class="empty-state"><Svg icon=Icon::Laptop/><p class="empty-state__title">"No assets"</p><p class="muted">"Nothing in the organization is assigned to this user."</p></div>
        }
        .into_any();
    }
    view! {
        <ul class="asset-list">
            {details.assets.into_iter().map(|a| view! {
                <li class="asset">
                    <span class="asset__kind"><Svg icon=Icon::Laptop/>{a.kind}</span>
                    <span class="asset__name">{a.name}</span>
                    <span class="asset__id">{a.identifier}</span>
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn ActivityTab(
    activity: JsonResource<Result<Option<Vec<ActivityView>>, crate::error::ApiError>>,
) -> impl IntoView {
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading activity…"</p> }>
            {move || Suspend::new(async move {
                match activity.await {
                    Ok(Some(events)) if events.is_empty() => view! {
                        <EmptyState icon=Icon::Activity title="No activity yet"/>
                    }.into_any(),
                    Ok(Some(events)) => view! { <Timeline events=events/> }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(e) => view! { <ErrorState message=e.to_string()/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Newest first: sign-ins, failed sign-ins, resets, emails queued / sent / failed, …
#[component]
pub fn Timeline(events: Vec<ActivityView>) -> impl IntoView {
    let now = chrono::Utc::now();
    view! {
        <ol class="timeline" aria-label="Recent activity">
            {events.into_iter().map(|e| view! {
                <li class="timeline__item" data-kind=e.kind.as_str()>
                    <span class="timeline__dot" aria-hidden="true"></span>
                    <div>
                        <div class="timeline__title">{e.kind.label()}</div>
                        {(e.details != e.kind.label()).then(|| view! { <div class="timeline__details">{e.details.clone()}</div> })}
                        <div class="timeline__meta">
                            <RelativeTime at=e.at now=now past=true/>
                            {e.actor_name.map(|a| format!(" · by {a}"))}
                            {e.ip.map(|ip| format!(" · {ip}"))}
                        </div>
                    </div>
                </li>
            }).collect_view()}
        </ol>
    }
}
