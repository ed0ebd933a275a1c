//! The app's routes: the user-facing pages and the Admin Console.
//!
//! A landing on a page anyone may reach from an email or a bookmark (sign-in, forgot password,
//! Reset Password and its cancel page) is served by smaller apps without the router, in modules
//! of their own ([`crate::public`], docs/decisions.md 43). Every other page is this app's.
//!
//! This app's module comes in two parts (docs/decisions.md 32). The main module has the router,
//! the reactive system and the public pages, for moving to them without a page load. The Admin
//! Console (its layout, every console page and the account page) is one lazily loaded chunk.
//! When the server renders a console page it tells the browser to preload the chunk beside the
//! main module, and the browser loads it before it hydrates the page ([`needs_console`],
//! frontend/src/lib.rs).

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::{path, Lazy, LazyRoute, SsrMode};

use crate::components::toast::{provide_toasts, ToastRegion};
use crate::pages::{
    cancel_reset::CancelResetPage, forgot_password::ForgotPasswordPage, not_found::NotFound,
    reset_password::ResetPasswordPage, sign_in::SignInPage,
};
use crate::public::PublicPage;

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_toasts();
    view! {
        <PageTitles/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=|| view! { <Redirect path="/users"/> }/>
                <Route path=path!("/sign-in") view=|| view! { <SignInPage query=use_query_map()/> }/>
                <Route path=path!("/forgot-password") view=|| view! { <ForgotPasswordPage query=use_query_map()/> }/>
                <Route path=path!("/reset-password/:token") view=|| view! { <ResetPasswordPage token=token_param()/> } ssr=SsrMode::Async/>
                <Route path=path!("/reset-password/:token/cancel") view=|| view! { <CancelResetPage token=token_param()/> } ssr=SsrMode::Async/>
                <Route path=path!("/account") view={Lazy::<Account>::new()} ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view={Lazy::<Layout>::new()} ssr=SsrMode::Async>
                    <Route path=path!("/users") view={Lazy::<Users>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/activity") view={Lazy::<Activity>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings") view={Lazy::<Settings>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/api-tokens") view={Lazy::<ApiTokens>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/webhooks") view={Lazy::<Webhooks>::new()} ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
        <ToastRegion/>
    }
}

/// Every page's `<title>`: "<page> · Orgdesk".
#[component]
pub fn PageTitles() -> impl IntoView {
    view! {
        <Title formatter=|t: String| if t.is_empty() { "Orgdesk".to_string() } else { format!("{t} · Orgdesk") }/>
    }
}

/// The `:token` of a reset link's route.
fn token_param() -> Signal<String> {
    let params = use_params_map();
    Signal::derive(move || params.read().get("token").unwrap_or_default())
}

/// Whether the page at `path` needs the console's chunk: every page but the ones anyone may land
/// on (they are in the main module, and a landing on them is the public app's anyway). Erring
/// towards loading is safe, only slower: a console page hydrated without its chunk would not
/// hydrate at all, so any path not known to be public (a console page added later, a page that
/// is not found) loads it.
pub fn needs_console(path: &str) -> bool {
    PublicPage::at(path).is_none()
}

/// Loads the console's chunk, once; later calls return at once. The browser calls it before
/// it hydrates a console page, so the router finds the page's code in place.
#[cfg(feature = "hydrate")]
pub async fn load_console() {
    #[cfg(feature = "console-chunk")]
    __preload_console_view().await;
}

/// The parts of the app that live in the console chunk.
enum ConsolePart {
    Layout,
    Users,
    Activity,
    Settings,
    ApiTokens,
    Webhooks,
    Account,
}

/// The one split point of the console: everything reachable only from here is in its chunk.
/// Only the console's module has it (the `console-chunk` feature): the public pages' modules
/// never call it, so without the split point the console is dead code there and goes.
#[cfg_attr(feature = "console-chunk", lazy)]
async fn console_view(part: ConsolePart) -> AnyView {
    use crate::pages::account::AccountPage;
    use crate::pages::console::{
        activity::ActivityPage, api_tokens::ApiTokensPage, settings::SettingsPage,
        users::UsersPage, webhooks::WebhooksPage, ConsoleLayout,
    };
    match part {
        ConsolePart::Layout => view! { <ConsoleLayout/> }.into_any(),
        ConsolePart::Users => view! { <UsersPage/> }.into_any(),
        ConsolePart::Activity => view! { <ActivityPage/> }.into_any(),
        ConsolePart::Settings => view! { <SettingsPage/> }.into_any(),
        ConsolePart::ApiTokens => view! { <ApiTokensPage/> }.into_any(),
        ConsolePart::Webhooks => view! { <WebhooksPage/> }.into_any(),
        ConsolePart::Account => view! { <AccountPage/> }.into_any(),
    }
}

/// A route whose view is a part of the console chunk. The pages load their own data (resources
/// inside the components), so a route has none to start early.
macro_rules! console_routes {
    ($($route:ident),*) => {$(
        struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_: Self) -> AnyView {
                console_view(ConsolePart::$route).await
            }

            async fn preload() {
                #[cfg(feature = "hydrate")]
                load_console().await;
            }
        }
    )*};
}

console_routes!(Layout, Users, Activity, Settings, ApiTokens, Webhooks, Account);

#[cfg(test)]
mod tests {
    use super::needs_console;

    #[test]
    fn only_the_pages_anyone_lands_on_go_without_the_console() {
        for public in [
            "/sign-in",
            "/forgot-password",
            "/reset-password/abc",
            "/reset-password/abc/cancel",
        ] {
            assert!(!needs_console(public), "{public}");
        }
        for console in [
            "/",
            "/users",
            "/activity",
            "/settings",
            "/settings/api-tokens",
            "/account",
            "/reset-password/",
            "/no-such-page",
        ] {
            assert!(needs_console(console), "{console}");
        }
    }
}
