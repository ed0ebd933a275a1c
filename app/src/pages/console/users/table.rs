//! The Users Table: checkbox, name (opens the profile sidebar), email, role, status, last
//! sign-in, and the Three Dots row menu at the right of each row. Server-side sorting,
//! filtering and pagination: the browser only ever holds one page.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use orgdesk_types::{PageAt, Role, UserPage, UserSort, UserStatus, UserSummary};

use orgdesk_types::limits::{DEFAULT_PER_PAGE, PER_PAGE_CHOICES};

use super::state::{on_page, users_href, PeopleAction, UsersPageState};
use crate::api::codec::JsonResource;
use crate::components::icons::{Icon, Svg};
use crate::components::menu::{KebabMenu, MenuItem};
use crate::components::time::RelativeTime;
use crate::error::ApiError;
use crate::format::group_thousands;

type UsersResource = JsonResource<Result<UserPage, ApiError>>;
type TotalResource = JsonResource<Result<u64, ApiError>>;

/// Shows `q` from its first page. The history entry is replaced, so typing a search or
/// changing a filter doesn't pile up entries for Back.
fn show_first_page(navigate: &impl Fn(&str, NavigateOptions), q: orgdesk_types::UserQuery) {
    navigate(
        &users_href(&on_page(q, 1, None), None, None),
        NavigateOptions {
            replace: true,
            scroll: false,
            ..Default::default()
        },
    );
}

/// Search and filters. A plain GET form, so it works before the wasm arrives; once hydrated
/// it updates the URL as you type.
#[component]
pub fn UsersToolbar() -> impl IntoView {
    let state = expect_context::<UsersPageState>();
    let navigate = use_navigate();
    let apply = move |f: &dyn Fn(&mut orgdesk_types::UserQuery)| {
        let Some(mut q) = state.query.try_get_untracked() else {
            return;
        };
        f(&mut q);
        show_first_page(&navigate, q);
    };
    let apply = StoredValue::new(apply);
    let typed = RwSignal::new(0u64);

    let on_search = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        let generation = typed.get_untracked() + 1;
        typed.set(generation);
        // Debounce: only the last keystroke within 250 ms navigates. The timer may fire after
        // the toolbar is gone (navigated away mid-typing): then it does nothing.
        set_timeout(
            move || {
                if typed.try_get_untracked() == Some(generation) {
                    apply.try_with_value(|apply| {
                        apply(&|q| {
                            q.filter.search =
                                Some(value.trim().to_string()).filter(|s| !s.is_empty())
                        })
                    });
                }
            },
            std::time::Duration::from_millis(250),
        );
    };
    let on_status = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        apply.with_value(|apply| apply(&|q| q.filter.status = UserStatus::parse(&v)));
    };
    let on_role = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        apply.with_value(|apply| apply(&|q| q.filter.role = Role::parse(&v)));
    };
    let on_submit = move |ev: SubmitEvent| ev.prevent_default();

    let q = move || state.query.get();
    view! {
        <form class="toolbar" method="get" action="/users" role="search" on:submit=on_submit>
            <div class="search">
                <Svg icon=Icon::Search class="search__icon"/>
                <input
                    class="input"
                    type="search"
                    name="q"
                    placeholder="Search by name or email"
                    aria-label="Search users by name or email"
                    value=move || q().filter.search.unwrap_or_default()
                    on:input=on_search
                />
            </div>
            <select class="select" name="status" aria-label="Filter by status" on:change=on_status>
                <option value="" selected=move || q().filter.status.is_none()>"All statuses"</option>
                {UserStatus::ALL.into_iter().map(|s| view! {
                    <option value=s.as_str() selected=move || q().filter.status == Some(s)>{s.label()}</option>
                }).collect_view()}
            </select>
            <select class="select" name="role" aria-label="Filter by role" on:change=on_role>
                <option value="" selected=move || q().filter.role.is_none()>"All roles"</option>
                {Role::ALL.into_iter().map(|r| view! {
                    <option value=r.as_str() selected=move || q().filter.role == Some(r)>{r.label()}</option>
                }).collect_view()}
            </select>
            <noscript><button type="submit" class="btn">"Apply"</button></noscript>
        </form>
    }
}

#[component]
pub fn UsersTable(users: UsersResource, total: TotalResource) -> impl IntoView {
    let state = expect_context::<UsersPageState>();
    let page_ids = move || {
        users
            .get()
            .and_then(|r| r.ok())
            .map(|p| p.users.iter().map(|u| u.id).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let all_on_page = move || {
        let ids = page_ids();
        !ids.is_empty() && state.selected.with(|s| ids.iter().all(|id| s.contains(id)))
    };
    let some_on_page = move || {
        state
            .selected
            .with(|s| page_ids().iter().any(|id| s.contains(id)))
    };
    let toggle_page = move |_| {
        let ids = page_ids();
        let select = !all_on_page();
        state.all_matching.set(false);
        state.selected.update(|s| {
            for id in ids {
                if select {
                    s.insert(id);
                } else {
                    s.remove(&id);
                }
            }
        });
    };

    view! {
        <div class="table-wrap">
            <table class="table users-table" aria-label="Users">
                <thead>
                    <tr>
                        <th class="cell-check" scope="col">
                            <input
                                type="checkbox"
                                aria-label="Select all users on this page"
                                prop:checked=all_on_page
                                prop:indeterminate=move || some_on_page() && !all_on_page()
                                on:change=toggle_page
                            />
                        </th>
                        <SortHeader label="Name" sort=UserSort::Name class="cell-name"/>
                        <SortHeader label="Role" sort=UserSort::Role class="cell-secondary"/>
                        <SortHeader label="Status" sort=UserSort::Status class="cell-status"/>
                        <SortHeader label="Last sign-in" sort=UserSort::LastSignIn class="cell-secondary"/>
                        <th class="cell-actions" scope="col"><span class="sr-only">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    <Transition fallback=SkeletonRows>
                        {move || Suspend::new(async move {
                            match users.await {
                                Ok(page) if page.users.is_empty() => view! { <EmptyRow/> }.into_any(),
                                Ok(page) => {
                                    let now = chrono::Utc::now();
                                    page.users.into_iter().map(|u| view! { <UserRow user=u now=now/> }).collect_view().into_any()
                                }
                                Err(e) => view! {
                                    <tr><td colspan="6">
                                        <div class="error-state" role="alert">
                                            <Svg icon=Icon::Warning/>
                                            <p class="error-state__title">"Couldn't load users"</p>
                                            <p class="muted">{e.to_string()}</p>
                                            <div class="error-state__actions">
                                                // A page link that no longer reads back fails the same way every time.
                                                {e.worth_retrying().then(|| view! {
                                                    <button class="btn" on:click=move |_| state.version.update(|v| *v += 1)>"Try again"</button>
                                                })}
                                                <a class="btn" href=move || users_href(&on_page(state.query.get(), 1, None), None, None)>
                                                    "First page"
                                                </a>
                                            </div>
                                        </div>
                                    </td></tr>
                                }.into_any(),
                            }
                        })}
                    </Transition>
                </tbody>
            </table>
        </div>
        <Pagination users=users total=total/>
    }
}

/// A column's header, its label a link to the table sorted by it. `class` names the column's
/// cells on a phone, where the rows become cards (style/main.css, "Responsive").
#[component]
fn SortHeader(label: &'static str, sort: UserSort, class: &'static str) -> impl IntoView {
    let state = expect_context::<UsersPageState>();
    let aria_sort = move || {
        let q = state.query.get();
        if q.sort != sort {
            "none"
        } else if q.descending {
            "descending"
        } else {
            "ascending"
        }
    };
    let href = move || {
        let mut q = state.query.get();
        q.descending = q.sort == sort && !q.descending;
        q.sort = sort;
        users_href(&on_page(q, 1, None), state.open_user.get(), None)
    };
    view! {
        <th class=class scope="col" aria-sort=aria_sort>
            <a class="sort" href=href>{label}</a>
        </th>
    }
}

#[component]
fn UserRow(user: UserSummary, now: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    let state = expect_context::<UsersPageState>();
    let id = user.id;
    let checked = move || state.all_matching.get() || state.selected.with(|s| s.contains(&id));
    let toggle = move |_| {
        state.all_matching.set(false);
        state.selected.update(|s| {
            if !s.remove(&id) {
                s.insert(id);
            }
        });
    };
    let navigate = use_navigate();
    let items = {
        let user = user.clone();
        Signal::derive(move || row_menu_items(&user, state, navigate.clone(), false))
    };
    let name_href = move || state.href(Some(id), None);
    view! {
        <tr aria-selected=move || checked().to_string() data-user-id=id.to_string()>
            <td class="cell-check">
                <input type="checkbox" aria-label=format!("Select {}", user.name) prop:checked=checked on:change=toggle/>
            </td>
            <td class="cell-name">
                <div class="user-cell">
                    <a class="user-cell__name" href=name_href data-open-user=id.to_string()>{user.name.clone()}</a>
                    <span class="user-cell__email">{user.email.clone()}</span>
                </div>
            </td>
            <td class="cell-secondary"><span class="badge badge--role">{user.role.label()}</span></td>
            <td class="cell-status"><StatusBadge status=user.status/></td>
            <td class="cell-secondary muted">
                {match user.last_sign_in_at {
                    Some(at) => view! { <RelativeTime at=at now=now past=true/> }.into_any(),
                    None => view! { <span>"Never"</span> }.into_any(),
                }}
            </td>
            <td class="cell-actions">
                <KebabMenu label=format!("More actions for {}", user.name) items=items/>
            </td>
        </tr>
    }
}

/// The row's Three Dots menu. The sidebar's (`in_sidebar`) has no View profile, and adds what
/// concerns the account itself: Change role for owners, Sign out everywhere, and Suspend or
/// Reactivate.
pub fn row_menu_items(
    user: &UserSummary,
    state: UsersPageState,
    navigate: impl Fn(&str, NavigateOptions) + Clone + Send + Sync + 'static,
    in_sidebar: bool,
) -> Vec<MenuItem> {
    let mut items = Vec::new();
    let id = user.id;
    // In the sidebar, the profile is where we are.
    if !in_sidebar {
        items.push(MenuItem::new("View profile", Icon::Users, move || {
            navigate(
                &state.href(Some(id), None),
                NavigateOptions {
                    scroll: false,
                    ..Default::default()
                },
            )
        }));
    }
    if user.status == UserStatus::ResetPending {
        let u = user.clone();
        items.push(MenuItem::new("Resend Email", Icon::Mail, move || {
            state.resend(u.clone())
        }));
    }
    if user.status == UserStatus::Invited {
        let u = user.clone();
        items.push(MenuItem::new("Resend invitation", Icon::Mail, move || {
            state.resend_invitation(u.clone())
        }));
    } else {
        let u = user.clone();
        items.push(
            MenuItem::new("Reset Password", Icon::Key, move || {
                state.ask_reset(u.clone())
            })
            .danger(),
        );
    }
    if in_sidebar {
        if state.i_am_owner {
            let u = user.clone();
            items.push(MenuItem::new("Change role", Icon::Users, move || {
                state.people.set(Some(PeopleAction::ChangeRole(u.clone())))
            }));
        }
        if user.status != UserStatus::Suspended {
            let u = user.clone();
            items.push(MenuItem::new(
                "Sign out everywhere",
                Icon::SignOut,
                move || state.people.set(Some(PeopleAction::SignOut(u.clone()))),
            ));
        }
        let u = user.clone();
        items.push(if user.status == UserStatus::Suspended {
            MenuItem::new("Reactivate", Icon::Check, move || {
                state.people.set(Some(PeopleAction::Reactivate(u.clone())))
            })
        } else {
            MenuItem::new("Suspend", Icon::Warning, move || {
                state.people.set(Some(PeopleAction::Suspend(u.clone())))
            })
            .danger()
        });
    }
    items
}

#[component]
pub fn StatusBadge(status: UserStatus) -> impl IntoView {
    view! { <span class=format!("badge badge--{}", status.as_str())>{status.label()}</span> }
}

#[component]
fn SkeletonRows() -> impl IntoView {
    (0..8)
        .map(|_| {
            view! {
                <tr class="skeleton-row" aria-hidden="true">
                    <td class="cell-check"><span class="skeleton" style="width:16px"></span></td>
                    <td class="cell-name"><span class="skeleton" style="width:180px"></span></td>
                    <td class="cell-secondary"><span class="skeleton" style="width:60px"></span></td>
                    <td class="cell-status"><span class="skeleton" style="width:80px"></span></td>
                    <td class="cell-secondary"><span class="skeleton" style="width:90px"></span></td>
                    <td class="cell-actions"></td>
                </tr>
            }
        })
        .collect_view()
}

#[component]
fn EmptyRow() -> impl IntoView {
    view! {
        <tr><td colspan="6">
            <div class="empty-state">
                <Svg icon=Icon::Search/>
                <p class="empty-state__title">"No users match"</p>
                <p class="muted">"Try another search, or clear the filters."</p>
                <a class="btn" href="/users">"Clear filters"</a>
            </div>
        </td></tr>
    }
}

/// "1–25 of 100,000", rows per page, and First / Previous / Next / Last. The page links carry
/// a cursor (the row next to them), so every page is read from the index like the first; the
/// total comes from its own, per-filter answer.
#[component]
fn Pagination(users: UsersResource, total: TotalResource) -> impl IntoView {
    let state = expect_context::<UsersPageState>();
    let navigate = use_navigate();
    let on_per_page = move |ev: leptos::ev::Event| {
        let mut q = state.query.get_untracked();
        q.per_page = event_target_value(&ev).parse().unwrap_or(DEFAULT_PER_PAGE);
        show_first_page(&navigate, q);
    };
    view! {
        <Transition fallback=|| ()>
            {move || { let on_per_page = on_per_page.clone(); Suspend::new(async move {
                let (Ok(page), Ok(total)) = (users.await, total.await) else { return ().into_any() };
                let q = state.query.get_untracked();
                let pages = total.div_ceil(page.per_page.max(1)).max(1);
                // A page number past the end (rows went away since) shows as the last page.
                let number = page.page.min(pages);
                let first = if page.users.is_empty() { 0 } else { (number - 1) * page.per_page + 1 };
                let last = (first + page.users.len() as u64).saturating_sub(1).min(total);
                let href_for = move |number: u64, at: Option<PageAt>| {
                    users_href(&on_page(state.query.get_untracked(), number, at), None, None)
                };
                let on_first = number <= 1 && page.prev.is_none();
                let first_href = (!on_first).then(|| href_for(1, None));
                let prev_href = page.prev.clone().map(|c| {
                    if number <= 2 { href_for(1, None) } else { href_for(number - 1, Some(PageAt::Before(c))) }
                });
                let next_href = page.next.clone().map(|c| href_for(number + 1, Some(PageAt::After(c))));
                let last_rows = total - (pages - 1) * page.per_page;
                let last_href = (page.next.is_some() && pages > 1)
                    .then(|| href_for(pages, Some(PageAt::Last(last_rows.max(1)))));
                view! {
                    <nav class="pagination" aria-label="Pagination">
                        <span class="muted">
                            {format!("{}–{} of {}", group_thousands(first), group_thousands(last), group_thousands(total))}
                        </span>
                        <span class="toolbar__spacer"></span>
                        <label class="muted">
                            "Rows per page "
                            <select class="select" aria-label="Rows per page" on:change=on_per_page.clone()>
                                {PER_PAGE_CHOICES.into_iter().map(|n| view! {
                                    <option value=n.to_string() selected=q.per_page == n>{n.to_string()}</option>
                                }).collect_view()}
                            </select>
                        </label>
                        <span class="muted">{format!("Page {} of {}", group_thousands(number), group_thousands(pages))}</span>
                        <PageLink label="First" rel="first" href=first_href/>
                        <PageLink label="Previous" rel="prev" href=prev_href before=Icon::ChevronLeft/>
                        <PageLink label="Next" rel="next" href=next_href after=Icon::ChevronRight/>
                        <PageLink label="Last" rel="last" href=last_href/>
                    </nav>
                }.into_any()
            })}}
        </Transition>
    }
}

/// A pagination button: a link while there is a page to go to, disabled otherwise.
#[component]
fn PageLink(
    label: &'static str,
    rel: &'static str,
    href: Option<String>,
    #[prop(optional)] before: Option<Icon>,
    #[prop(optional)] after: Option<Icon>,
) -> impl IntoView {
    let content = move || {
        view! {
            {before.map(|icon| view! { <Svg icon=icon/> })}
            {label}
            {after.map(|icon| view! { <Svg icon=icon/> })}
        }
    };
    match href {
        Some(href) => view! { <a class="btn btn--sm" href=href rel=rel>{content()}</a> }.into_any(),
        None => view! { <button class="btn btn--sm" disabled>{content()}</button> }.into_any(),
    }
}
