//! The sign-in page's "Update your password to continue" prompt, shown after an admin reset.
//! The address it names comes from a short-lived cookie that only a sign-in with the old
//! password sets, never from the page's URL, where a crafted link could put any text beside
//! "We emailed a link to". The cookie holds nothing the page doesn't show (the user's own email,
//! percent-encoded), so it is readable by the page's script: the browser draws the same prompt
//! the server rendered.

/// The page a sign-in with the old password is sent to.
pub const PROMPT_PAGE: &str = "/sign-in?prompt=reset";

/// How long the prompt keeps its address after the sign-in that set it.
pub const PROMPT_MINUTES: i64 = 15;

/// The cookie's name over plain http (a loopback development instance).
pub const PROMPT_COOKIE: &str = "orgdesk_reset_prompt";
/// Its name behind https: `__Host-` makes the browser insist on `Secure`, `Path=/` and no
/// `Domain`, so no sibling subdomain can set it.
pub const SECURE_PROMPT_COOKIE: &str = "__Host-orgdesk_reset_prompt";

/// The email the prompt names, if this browser was just told to update its password.
pub fn prompt_email() -> Option<String> {
    let (cookies, https) = request_cookies()?;
    let name = if https {
        SECURE_PROMPT_COOKIE
    } else {
        PROMPT_COOKIE
    };
    crate::format::cookie_value(&cookies, name).and_then(crate::format::decode_value)
}

/// The request's cookies on the server, the document's in the browser; and whether the page is
/// served over https.
#[cfg(feature = "ssr")]
fn request_cookies() -> Option<(String, bool)> {
    use leptos::prelude::use_context;
    let parts = use_context::<http::request::Parts>()?;
    let https = crate::api::ssr::served_over_https();
    let cookies = parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join("; ");
    Some((cookies, https))
}

#[cfg(not(feature = "ssr"))]
fn request_cookies() -> Option<(String, bool)> {
    let window = web_sys::window()?;
    let https = window.location().protocol().ok()? == "https:";
    let document = window.document()?;
    let cookies = js_sys::Reflect::get(&document, &"cookie".into())
        .ok()?
        .as_string()?;
    Some((cookies, https))
}
