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
use crate::pages::console::{
    activity::ActivityPage, api_tokens::ApiTokensPage, settings::SettingsPage, users::UsersPage,
    webhooks::WebhooksPage, ConsoleLayout,
};
use crate::pages::not_found::NotFound;

/// Where a browser whose session has ended is sent (the sign-in page says so).
pub const SESSION_ENDED: &str = "/sign-in?session=ended";

/// The Users Table as a CSV file, for the filter in its query (`q`, `status`, `role`); served
/// by the server's own route, outside the console's router.
pub const USERS_EXPORT: &str = "/users/export.csv";

/// The activity log as a CSV file, for the filter in its query (`kind`, `q`).
pub const ACTIVITY_EXPORT: &str = "/activity/export.csv";

/// [`SESSION_ENDED`], coming back to the console page `here` (path and query) after signing in.
pub fn session_ended_at(here: &str) -> String {
    match console_return_path(here) {
        Some(here) => format!("{SESSION_ENDED}&next={}", crate::format::encode_value(here)),
        None => SESSION_ENDED.to_owned(),
    }
}

/// `next` if it is a page of this console to come back to after signing in; anything else (an
/// address elsewhere, `//host`, a public page) is not followed, so the sign-in page can't be
/// made to send anyone off-site.
pub fn console_return_path(next: &str) -> Option<&str> {
    let path = next.split(['?', '#']).next().unwrap_or_default();
    let in_console = ["/users", "/activity", "/settings"].iter().any(|page| {
        path.strip_prefix(page)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    });
    let plain = !next.contains("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
        && next.len() <= 2048;
    (in_console && plain).then_some(next)
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_toasts();
    view! {
        <PageTitles/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=|| view! { <Redirect path="/users"/> }/>
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

#[cfg(test)]
mod tests {
    use super::{console_return_path, session_ended_at};

    #[test]
    fn only_console_pages_are_returned_to() {
        for ok in [
            "/users",
            "/users?q=smith&page=3",
            "/users?user=12&tab=activity",
            "/activity",
            "/settings/api-tokens",
        ] {
            assert_eq!(console_return_path(ok), Some(ok), "{ok}");
        }
        for refused in [
            "",
            "https://evil.example/users",
            "//evil.example/users",
            "/users//evil",
            "/\\evil.example",
            "/usersx",
            "/sign-in",
            "/reset-password/abc",
            "users",
            "/users\n",
        ] {
            assert_eq!(console_return_path(refused), None, "{refused:?}");
        }
        assert_eq!(
            session_ended_at("/users?q=smith"),
            "/sign-in?session=ended&next=%2Fusers%3Fq%3Dsmith"
        );
        assert_eq!(session_ended_at("//evil"), "/sign-in?session=ended");
    }
}
