#![recursion_limit = "512"]
//! The browser entry point: hydrate the server-rendered page.

mod panic_report;

use any_spawner::Executor;
use leptos::task::spawn_local;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    panic_report::install();
    let _ = Executor::init_wasm_bindgen();
    spawn_local(async {
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
        panic_report::expose_test_trigger();
        // A marker the end-to-end tests wait for before clicking.
        if let Some(window) = web_sys::window() {
            let _ = js_sys::Reflect::set(&window, &"__orgdesk_hydrated".into(), &true.into());
        }
    });
}
