//! The public pages' browser entry point (docs/decisions.md 43): hydrate a landing on
//! sign-in, forgot password, Reset Password or its cancel page with the public app, which has
//! no router and no console ([`orgdesk_app::public`]).

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    orgdesk_app::browser::start(async {
        orgdesk_app::browser::follow_redirects_with_page_loads();
        leptos::mount::hydrate_body(orgdesk_app::public::PublicApp);
    });
}
