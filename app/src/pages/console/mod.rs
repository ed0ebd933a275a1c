//! The Admin Console: the menu on the left side of the screen, and the pages beside it.
//! Who may see it is decided on the server (`require_admin`); this layout only follows.

pub mod activity;
pub mod api_tokens;
pub mod settings;
pub mod users;
pub mod webhooks;

use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::use_location;
use orgdesk_types::Actor;

use crate::api::codec::json_resource;
use crate::api::session::{fetch_actor, SignOut};
use crate::components::icons::{Icon, Svg};
use crate::components::post_form::PostForm;
use crate::error::ApiError;
use crate::format::initials;

#[component]
pub fn ConsoleLayout() -> impl IntoView {
    let me = json_resource(|| (), |_| fetch_actor());
    let location = use_location();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(actor)) if actor.role.is_admin() => view! { <Shell actor=actor/> }.into_any(),
                    Ok(Some(_)) => view! { <Redirect path="/account"/> }.into_any(),
                    Err(ApiError::SessionEnded) => {
                        let (path, query) = (location.pathname.get_untracked(), location.search.get_untracked());
                        let here = if query.is_empty() { path } else { format!("{path}?{query}") };
                        view! { <Redirect path=crate::routes::session_ended_at(&here)/> }.into_any()
                    }
                    _ => view! { <Redirect path="/sign-in"/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Shell(actor: Actor) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    let location = use_location();
    let current = move |prefix: &'static str| {
        move || {
            location
                .pathname
                .get()
                .starts_with(prefix)
                .then_some("page")
        }
    };
    let org_name = actor.org_name.clone();
    provide_context(actor.clone());
    view! {
        <div class="shell">
            <nav class="nav" aria-label="Admin Console">
                <div class="nav__org">
                    <span class="nav__logo" aria-hidden="true">{org_name.chars().next().unwrap_or('O').to_string()}</span>
                    <span class="nav__label">{org_name}</span>
                </div>
                <ul class="nav__links">
                    <li><A href="/users" attr:class="nav__link" attr:aria-current=current("/users")>
                        <Svg icon=Icon::Users class="nav__icon"/><span class="nav__label">"Users"</span>
                    </A></li>
                    <li><A href="/activity" attr:class="nav__link" attr:aria-current=current("/activity")>
                        <Svg icon=Icon::Activity class="nav__icon"/><span class="nav__label">"Activity"</span>
                    </A></li>
                    <li><A href="/settings" attr:class="nav__link" attr:aria-current=current("/settings")>
                        <Svg icon=Icon::Settings class="nav__icon"/><span class="nav__label">"Settings"</span>
                    </A></li>
                </ul>
                <div class="nav__footer">
                    // Another module's page: a page load, not the router's navigation.
                    <a class="nav__me" href="/account" rel="external" title="Your account: change your password">
                        <span class="avatar" aria-hidden="true">{initials(&actor.name)}</span>
                        <div class="nav__label">
                            <div class="nav__me-name">{actor.name.clone()}</div>
                            <div class="nav__me-email">{actor.email.clone()}</div>
                        </div>
                    </a>
                    <PostForm action=sign_out input=|_| Some(SignOut {})>
                        <button type="submit" class="btn btn--ghost btn--sm">
                            <Svg icon=Icon::SignOut class="nav__icon"/><span class="nav__label">"Sign out"</span>
                        </button>
                    </PostForm>
                </div>
            </nav>
            <main class="main">
                <Outlet/>
            </main>
        </div>
    }
}
