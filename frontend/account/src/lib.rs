//! The account page's browser entry point (docs/decisions.md 73): hydrate a landing on
//! `/account` with [`orgdesk_app::public::AccountApp`]: no router, no console, and none of
//! the sign-in page's code.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // A form answered that the session ended: the sign-in page that says so.
    orgdesk_app::browser::on_session_ended(orgdesk_app::browser::back_to_sign_in);
    orgdesk_app::browser::start(async {
        leptos::mount::hydrate_body(orgdesk_app::public::AccountApp);
    });
}
