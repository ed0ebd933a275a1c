//! The reset-password module's browser entry point (docs/decisions.md 43): hydrate a landing on
//! the Reset Password page, where every reset email leads, with
//! [`orgdesk_app::public::ResetPasswordApp`]: that page alone, no router, no console.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    orgdesk_app::browser::start(async {
        leptos::mount::hydrate_body(orgdesk_app::public::ResetPasswordApp);
    });
}
