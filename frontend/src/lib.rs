#![recursion_limit = "512"]
//! The browser entry point: hydrate the server-rendered page.

mod panic_report;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    panic_report::install();
    leptos::mount::hydrate_body(orgdesk_app::App);
    panic_report::expose_test_trigger();
    // A marker the end-to-end tests wait for before clicking.
    if let Some(window) = web_sys::window() {
        let _ = js_sys::Reflect::set(&window, &"__orgdesk_hydrated".into(), &true.into());
    }
}
