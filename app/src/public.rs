//! The pages anyone may land on from an email or a bookmark (sign-in, forgot password, Reset
//! Password and its cancel page), and the account page a member lands on after signing in, as
//! small apps of their own, without the router (docs/decisions.md 43, 73).
//!
//! The server renders a landing on one of these pages with [`PublicApp`], and the page loads
//! the module of its [`PublicModule`]: the Reset Password page, where every reset and
//! invitation email leads, has one to itself (frontend/reset-password/); sign-in, forgot
//! password and the cancel page share another (frontend/sign-in/); the account page has the
//! third (frontend/account/). Neither has the router,
//! the console or the code to load it: a person resetting their password downloads the
//! framework and their page. Moving on from a public page is a page load. Links
//! are plain links, and a server function's redirect (after signing in, say) goes through
//! `crate::browser::start`.
//!
//! The console's router ([`crate::routes::App`]) does not have these pages: leaving the console
//! for one of them (signing out) is a page load too, and the server routes them itself
//! ([`PublicPage::ROUTES`]).

use leptos::prelude::*;
use leptos_meta::provide_meta_context;
use leptos_router::location::Url;
use leptos_router::params::ParamsMap;

use crate::pages::{
    account::AccountPage, cancel_reset::CancelResetPage, forgot_password::ForgotPasswordPage,
    not_found::NotFound, reset_password::ResetPasswordPage, sign_in::SignInPage,
};

/// A page of the public apps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicPage {
    SignIn,
    ForgotPassword,
    ResetPassword {
        token: String,
    },
    CancelReset {
        token: String,
    },
    /// Your account, where a member lands after signing in: the module the sign-in page has
    /// just loaded draws it (docs/decisions.md 73).
    Account,
}

impl PublicPage {
    /// The server's routes to the public pages, in axum's path syntax, each with whether its
    /// page waits for its data before it is sent (`SsrMode::Async`): the Reset Password page
    /// and its cancel page show the link's state in their first HTML.
    pub const ROUTES: [(&'static str, bool); 5] = [
        ("/sign-in", false),
        ("/forgot-password", false),
        ("/reset-password/{token}", true),
        ("/reset-password/{token}/cancel", true),
        ("/account", true),
    ];

    /// The public page at `path`, if it is one: [`Self::ROUTES`], with a non-empty token.
    pub fn at(path: &str) -> Option<Self> {
        match path {
            "/sign-in" => return Some(Self::SignIn),
            "/forgot-password" => return Some(Self::ForgotPassword),
            "/account" => return Some(Self::Account),
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

    /// The module that hydrates the page.
    pub fn module(&self) -> PublicModule {
        match self {
            Self::SignIn | Self::ForgotPassword | Self::CancelReset { .. } => PublicModule::SignIn,
            Self::ResetPassword { .. } => PublicModule::ResetPassword,
            Self::Account => PublicModule::Account,
        }
    }
}

/// The public pages' browser modules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PublicModule {
    /// Sign-in, forgot password and the cancel page ([`SignInApp`], frontend/sign-in/).
    SignIn,
    /// The Reset Password page alone ([`ResetPasswordApp`], frontend/reset-password/): the page
    /// every reset email leads to, often opened on a phone.
    ResetPassword,
    /// The account page ([`AccountApp`], frontend/account/): where a member lands after signing
    /// in, and where anyone changes their password.
    Account,
}

impl PublicModule {
    pub const ALL: [Self; 3] = [Self::SignIn, Self::ResetPassword, Self::Account];

    /// The module's file names in the build's folder: `<name>.js`, `<name>.wasm`.
    pub fn name(self) -> &'static str {
        match self {
            Self::SignIn => "sign-in",
            Self::ResetPassword => "reset-password",
            Self::Account => "account",
        }
    }
}

/// Every public page, each as its module draws it: what the server renders.
#[component]
pub fn PublicApp() -> impl IntoView {
    public_app(|page, query| match page.module() {
        PublicModule::SignIn => sign_in_pages(page, query),
        PublicModule::ResetPassword => reset_password_pages(page, query),
        PublicModule::Account => account_pages(page, query),
    })
}

/// What the sign-in module hydrates.
#[component]
pub fn SignInApp() -> impl IntoView {
    public_app(sign_in_pages)
}

/// What the reset-password module hydrates.
#[component]
pub fn ResetPasswordApp() -> impl IntoView {
    public_app(reset_password_pages)
}

/// What the account module hydrates.
#[component]
pub fn AccountApp() -> impl IntoView {
    public_app(account_pages)
}

fn sign_in_pages(page: PublicPage, query: Signal<ParamsMap>) -> AnyView {
    match page {
        PublicPage::SignIn => view! { <SignInPage query/> }.into_any(),
        PublicPage::ForgotPassword => view! { <ForgotPasswordPage query/> }.into_any(),
        PublicPage::CancelReset { token } => {
            view! { <CancelResetPage token=Signal::stored(token)/> }.into_any()
        }
        // Another module's page: the server never sends it here.
        PublicPage::ResetPassword { .. } | PublicPage::Account => view! { <NotFound/> }.into_any(),
    }
}

fn reset_password_pages(page: PublicPage, _query: Signal<ParamsMap>) -> AnyView {
    match page {
        PublicPage::ResetPassword { token } => {
            view! { <ResetPasswordPage token=Signal::stored(token)/> }.into_any()
        }
        _ => view! { <NotFound/> }.into_any(),
    }
}

fn account_pages(page: PublicPage, query: Signal<ParamsMap>) -> AnyView {
    match page {
        PublicPage::Account => view! { <AccountPage query/> }.into_any(),
        _ => view! { <NotFound/> }.into_any(),
    }
}

/// A public app: the page at the address, which does not change for the life of the page,
/// drawn by `pages` (the pages of one module, or all of them on the server).
fn public_app(pages: fn(PublicPage, Signal<ParamsMap>) -> AnyView) -> impl IntoView {
    provide_meta_context();
    let url = page_url();
    // A form posted before the wasm arrived comes back with its server function's error in the
    // address (`?__err=…&__path=…`), for the page's action to show, as the router would do.
    url.provide_server_action_error();
    let query = Signal::stored(url.search_params().clone());
    let page = match PublicPage::at(url.path()) {
        Some(page) => pages(page, query),
        // The server only renders a public app for a public page (app/src/lib.rs).
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
    fn the_reset_password_page_has_a_module_to_itself() {
        use super::PublicModule;
        let token = || "abc".to_owned();
        assert_eq!(PublicPage::SignIn.module(), PublicModule::SignIn);
        assert_eq!(PublicPage::ForgotPassword.module(), PublicModule::SignIn);
        let cancel = PublicPage::CancelReset { token: token() };
        assert_eq!(cancel.module(), PublicModule::SignIn);
        assert_eq!(PublicPage::Account.module(), PublicModule::Account);
        let reset = PublicPage::ResetPassword { token: token() };
        assert_eq!(reset.module(), PublicModule::ResetPassword);
        let names: std::collections::HashSet<_> =
            PublicModule::ALL.iter().map(|m| m.name()).collect();
        assert_eq!(names.len(), PublicModule::ALL.len(), "a file name each");
    }

    #[test]
    fn every_route_of_the_server_leads_to_its_public_page() {
        let pages: Vec<_> = PublicPage::ROUTES
            .iter()
            .map(|(route, _)| PublicPage::at(&route.replace("{token}", "abc")))
            .collect();
        assert_eq!(
            pages,
            [
                Some(PublicPage::SignIn),
                Some(PublicPage::ForgotPassword),
                Some(PublicPage::ResetPassword {
                    token: "abc".into()
                }),
                Some(PublicPage::CancelReset {
                    token: "abc".into()
                }),
                Some(PublicPage::Account),
            ]
        );
    }

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
            "/account/",
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
