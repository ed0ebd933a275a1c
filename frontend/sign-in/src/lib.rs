//! The sign-in module's browser entry point (docs/decisions.md 43): hydrate a landing on
//! sign-in, forgot password or the cancel page with [`orgdesk_app::public::SignInApp`]: no
//! router, no console.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    orgdesk_app::browser::start(async {
        leptos::mount::hydrate_body(orgdesk_app::public::SignInApp);
    });
}
