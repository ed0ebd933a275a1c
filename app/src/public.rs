//! The pages anyone may land on from an email or a bookmark (sign-in, forgot password, Reset
//! Password and its cancel page) as a small app of their own, without the router
//! (docs/decisions.md 43).
//!
//! The server renders a landing on one of these pages with [`PublicApp`], and the page loads
//! the public module (frontend/public/), which hydrates nothing else. That module has no router,
//! no console and no code to load the console: a person resetting their password downloads
//! the framework and their page. Moving on from a public page is a page load. Links are plain
//! links, and a server function's redirect (after signing in, say) goes through
//! [`crate::browser::follow_redirects_with_page_loads`].
//!
//! The console's module keeps the same pages in its router ([`crate::routes::App`]), for
//! moving between them without a page load once the console is open (signing out, say).

use leptos::prelude::*;
use leptos_meta::provide_meta_context;
use leptos_router::location::Url;

use crate::pages::{
    cancel_reset::CancelResetPage, forgot_password::ForgotPasswordPage, not_found::NotFound,
    reset_password::ResetPasswordPage, sign_in::SignInPage,
};

/// A page of the public app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicPage {
    SignIn,
    ForgotPassword,
    ResetPassword { token: String },
    CancelReset { token: String },
}

impl PublicPage {
    /// The public page at `path`, if it is one: the router's paths (app/src/routes.rs),
    /// `/reset-password/:token` and `/reset-password/:token/cancel` with a non-empty token.
    pub fn at(path: &str) -> Option<Self> {
        match path {
            "/sign-in" => return Some(Self::SignIn),
            "/forgot-password" => return Some(Self::ForgotPassword),
            _ => {}
        }
        let rest = path.strip_prefix("/reset-password/")?;
        let (token, cancel) = match rest.split_once('/') {
            None => (rest, false),
            Some((token, "cancel")) => (token, true),
            Some(_) => return None,
        };
        if token.is_empty() {
            return None;
        }
        let token = token.to_owned();
        Some(if cancel {
            Self::CancelReset { token }
        } else {
            Self::ResetPassword { token }
        })
    }
}

/// The public pages' app: the page at the request's path, which does not change for the life
/// of the page.
#[component]
pub fn PublicApp() -> impl IntoView {
    provide_meta_context();
    let url = page_url();
    // A form posted before the wasm arrived comes back with its server function's error in the
    // address (`?__err=…&__path=…`), for the page's action to show, as the router would do.
    url.provide_server_action_error();
    let query = Signal::stored(url.search_params().clone());
    let page = match PublicPage::at(url.path()) {
        Some(PublicPage::SignIn) => view! { <SignInPage query/> }.into_any(),
        Some(PublicPage::ForgotPassword) => view! { <ForgotPasswordPage query/> }.into_any(),
        Some(PublicPage::ResetPassword { token }) => {
            view! { <ResetPasswordPage token=Signal::stored(token)/> }.into_any()
        }
        Some(PublicPage::CancelReset { token }) => {
            view! { <CancelResetPage token=Signal::stored(token)/> }.into_any()
        }
        // The server only renders this app for a public page (app/src/lib.rs).
        None => view! { <NotFound/> }.into_any(),
    };
    view! {
        <crate::routes::PageTitles/>
        {page}
    }
}

/// The page's address: the request's on the server, the window's in the browser.
fn page_url() -> Url {
    #[cfg(feature = "ssr")]
    let url = use_context::<http::request::Parts>().and_then(|parts| {
        leptos_router::location::RequestUrl::new(&parts.uri.to_string())
            .parse()
            .ok()
    });
    #[cfg(not(feature = "ssr"))]
    let url = {
        use leptos_router::location::{BrowserUrl, LocationProvider};
        BrowserUrl::current().ok()
    };
    url.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::PublicPage;

    #[test]
    fn the_public_pages_are_found_by_their_paths() {
        assert_eq!(PublicPage::at("/sign-in"), Some(PublicPage::SignIn));
        assert_eq!(
            PublicPage::at("/forgot-password"),
            Some(PublicPage::ForgotPassword)
        );
        assert_eq!(
            PublicPage::at("/reset-password/abc"),
            Some(PublicPage::ResetPassword {
                token: "abc".into()
            })
        );
        assert_eq!(
            PublicPage::at("/reset-password/abc/cancel"),
            Some(PublicPage::CancelReset {
                token: "abc".into()
            })
        );
        for other in [
            "/",
            "/users",
            "/account",
            "/sign-in/",
            "/reset-password",
            "/reset-password/",
            "/reset-password//cancel",
            "/reset-password/abc/other",
            "/reset-password/abc/cancel/more",
        ] {
            assert_eq!(PublicPage::at(other), None, "{other}");
        }
    }
}
