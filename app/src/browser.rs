//! Starting a page in the browser, shared by the modules' entry points: the console's
//! (frontend/) and the public pages' (frontend/sign-in/, frontend/reset-password/,
//! frontend/account/, docs/decisions.md 43).
//!
//! A panic in the browser build must not leave a silently dead page. The release build is
//! compiled with `-Cpanic=immediate-abort` (docs/decisions.md 35): a panic runs no Rust code at
//! all and traps at once, which saves the module its panic machinery (about a tenth of its
//! size). The page's own crash report (app/src/crash_report.js, inline in every page) sees the
//! trap, shows the "Something went wrong — reload" banner and reports it to the server.
//! Debug builds (the `cargo leptos watch` loop) keep the standard panic strategy and a hook
//! that logs the panic's message to the console before the trap.

use std::future::Future;

use any_spawner::Executor;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;

/// Runs `hydrate` (which hydrates the page), then tells the end-to-end tests the page is live.
/// In every module, a server function's redirect is a page load
/// ([`follow_redirects_with_page_loads`]).
pub fn start(hydrate: impl Future<Output = ()> + 'static) {
    #[cfg(debug_assertions)]
    std::panic::set_hook(Box::new(console_error_panic_hook::hook));
    follow_redirects_with_page_loads();
    let _ = Executor::init_wasm_bindgen();
    spawn_local(async move {
        hydrate.await;
        expose_test_trigger();
        // A marker the end-to-end tests wait for before clicking.
        if let Some(window) = web_sys::window() {
            let _ = js_sys::Reflect::set(&window, &"__orgdesk_hydrated".into(), &true.into());
        }
    });
}

/// A server function's redirect (`leptos_axum::redirect`) becomes a page load. Each leads to
/// another module's page: the public pages have no router, and the console's router has no
/// public pages (signing out). Set before hydrating, so the router's own hook (a navigation
/// within the app) is not installed: the first hook set is the one kept.
fn follow_redirects_with_page_loads() {
    let _ = leptos::server_fn::redirect::set_redirect_hook(go_to);
}

/// A page load of `location` (another module's page, such as the sign-in page).
pub fn go_to(location: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(location);
    }
}

/// What this module does when a server function answers `SessionEnded`; the console's entry
/// point sets it ([`back_to_sign_in`]). The public pages have no session to end, and so don't
/// carry the code.
static ON_SESSION_ENDED: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Sets what [`session_ended`] does, once, before the page starts.
pub fn on_session_ended(then: fn()) {
    let _ = ON_SESSION_ENDED.set(then);
}

/// A server function answered that this browser's session has ended.
pub(crate) fn session_ended() {
    if let Some(then) = ON_SESSION_ENDED.get() {
        then();
    }
}

/// The console's answer to an ended session: the sign-in page, to come back here afterwards.
pub fn back_to_sign_in() {
    go_to(&crate::routes::session_ended_at(&here()));
}

/// The page's path and query, e.g. `/users?q=smith`.
fn here() -> String {
    web_sys::window()
        .map(|window| window.location())
        .and_then(|location| Some(location.pathname().ok()? + &location.search().ok()?))
        .unwrap_or_default()
}

/// A deliberate panic, for the end-to-end test that proves the banner and the report work in
/// the release build. It only breaks the tab that calls it.
fn expose_test_trigger() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let trigger = Closure::<dyn Fn()>::new(|| panic!("deliberate panic (window.__orgdesk_panic)"));
    let _ = js_sys::Reflect::set(&window, &"__orgdesk_panic".into(), trigger.as_ref());
    trigger.forget();
}
