//! The app's routes: the user-facing pages and the Admin Console.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::components::toast::{provide_toasts, ToastRegion};
use crate::pages::console::{
    activity::ActivityPage, api_tokens::ApiTokensPage, settings::SettingsPage, users::UsersPage,
    webhooks::WebhooksPage, ConsoleLayout,
};
use crate::pages::{
    account::AccountPage, cancel_reset::CancelResetPage, forgot_password::ForgotPasswordPage,
    not_found::NotFound, reset_password::ResetPasswordPage, sign_in::SignInPage,
};

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_toasts();
    view! {
        <Title formatter=|t: String| if t.is_empty() { "Orgdesk".to_string() } else { format!("{t} · Orgdesk") }/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=|| view! { <Redirect path="/users"/> }/>
                <Route path=path!("/sign-in") view=SignInPage/>
                <Route path=path!("/forgot-password") view=ForgotPasswordPage/>
                <Route path=path!("/reset-password/:token") view=ResetPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/reset-password/:token/cancel") view=CancelResetPage ssr=SsrMode::Async/>
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
