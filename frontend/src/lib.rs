#![recursion_limit = "512"]
//! The browser entry point: hydrate the server-rendered page.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(orgdesk_app::App);
    // A marker the end-to-end tests wait for before clicking.
    if let Some(window) = web_sys::window() {
        let _ = js_sys::Reflect::set(&window, &"__orgdesk_hydrated".into(), &true.into());
    }
}
