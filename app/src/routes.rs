//! The Admin Console's routes: the app of the console's module (frontend/).
//!
//! A page anyone may reach from an email or a bookmark (sign-in, forgot password, Reset
//! Password and its cancel page) is not here: it is served by a smaller app without the router,
//! in a module of its own ([`crate::public`], docs/decisions.md 43). Moving from the console to
//! one of them (signing out) is a page load. The console is one module, not split
//! (docs/decisions.md 45): moving between console pages loads nothing more.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::components::toast::{provide_toasts, ToastRegion};
use crate::pages::account::AccountPage;
use crate::pages::console::{
    activity::ActivityPage, api_tokens::ApiTokensPage, settings::SettingsPage, users::UsersPage,
    webhooks::WebhooksPage, ConsoleLayout,
};
use crate::pages::not_found::NotFound;

/// Where a browser whose session has ended is sent (the sign-in page says so).
pub const SESSION_ENDED: &str = "/sign-in?session=ended";

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_toasts();
    view! {
        <PageTitles/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=|| view! { <Redirect path="/users"/> }/>
                <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=ConsoleLayout ssr=SsrMode::Async>
                    <Route path=path!("/users") view=UsersPage ssr=SsrMode::Async/>
                    <Route path=path!("/activity") view=ActivityPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings") view=SettingsPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings/api-tokens") view=ApiTokensPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings/webhooks") view=WebhooksPage ssr=SsrMode::Async/>
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
