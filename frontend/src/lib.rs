#![recursion_limit = "512"]
//! The console's browser entry point: hydrate the server-rendered page with the console's app.
//! (A landing on a public page loads frontend/sign-in/, frontend/reset-password/ or
//! frontend/account/ instead;
//! with the `public-pages` feature, for `cargo leptos watch`, this module hydrates those too.)

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    orgdesk_app::browser::on_session_ended(orgdesk_app::browser::back_to_sign_in);
    orgdesk_app::browser::start(async {
        #[cfg(feature = "public-pages")]
        {
            let path = web_sys::window()
                .and_then(|w| w.location().pathname().ok())
                .unwrap_or_default();
            if orgdesk_app::public::PublicPage::at(&path).is_some() {
                leptos::mount::hydrate_body(orgdesk_app::public::PublicApp);
                return;
            }
        }
        leptos::mount::hydrate_body(orgdesk_app::App);
    });
}
