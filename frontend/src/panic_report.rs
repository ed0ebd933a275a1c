//! A panic in the browser build must not leave a silently dead page. The release build is
//! compiled with `-Cpanic=immediate-abort` (docs/decisions.md 35): a panic runs no Rust code at
//! all and traps at once, which saves the module its panic machinery (about a tenth of its
//! size). The page's own crash report (app/src/crash_report.js, inline in every page) sees the
//! trap, shows the "Something went wrong — reload" banner and reports it to the server.
//!
//! Debug builds (the `cargo leptos watch` loop) keep the standard panic strategy and a hook
//! that logs the panic's message to the console before the trap.

/// Logs panics' messages to the browser console, in debug builds.
pub fn install() {
    #[cfg(debug_assertions)]
    std::panic::set_hook(Box::new(console_error_panic_hook::hook));
}

/// A deliberate panic, for the end-to-end test that proves the banner and the report work in
/// the release build. It only breaks the tab that calls it.
pub fn expose_test_trigger() {
    use wasm_bindgen::prelude::*;
    let Some(window) = web_sys::window() else {
        return;
    };
    let trigger = Closure::<dyn Fn()>::new(|| panic!("deliberate panic (window.__orgdesk_panic)"));
    let _ = js_sys::Reflect::set(&window, &"__orgdesk_panic".into(), trigger.as_ref());
    trigger.forget();
}
