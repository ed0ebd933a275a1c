#![recursion_limit = "512"]
//! The console's browser entry point: hydrate the server-rendered page with the whole app.
//! (A landing on a public page loads frontend/sign-in/ or frontend/reset-password/ instead.)

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    orgdesk_app::browser::start(async {
        // A console page's code is in the console's chunk (app/src/routes.rs), which the page
        // already asked the browser to preload: have it in place before hydrating, so the page
        // hydrates in one pass, like a page of the main module.
        let path = web_sys::window()
            .and_then(|w| w.location().pathname().ok())
            .unwrap_or_default();
        if orgdesk_app::routes::needs_console(&path) {
            orgdesk_app::routes::load_console().await;
        }
        leptos::mount::hydrate_body(orgdesk_app::App);
    });
}
