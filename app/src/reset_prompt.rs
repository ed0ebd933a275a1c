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
    cookie_value(&cookies, name).and_then(crate::format::decode_value)
}

/// The value of cookie `name` in a `Cookie` header (or `document.cookie`): `a=1; b=2`.
pub fn cookie_value<'a>(cookies: &'a str, name: &str) -> Option<&'a str> {
    cookies
        .split(';')
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// The request's cookies on the server, the document's in the browser; and whether the page is
/// served over https.
#[cfg(feature = "ssr")]
fn request_cookies() -> Option<(String, bool)> {
    use leptos::prelude::use_context;
    let parts = use_context::<http::request::Parts>()?;
    let https = use_context::<orgdesk_core::Core>()
        .is_some_and(|core| core.config().public_base_url.starts_with("https://"));
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

#[cfg(test)]
mod tests {
    use super::cookie_value;

    #[test]
    fn finds_the_named_cookie_only() {
        let cookies = "orgdesk_session=abc; orgdesk_reset_prompt=jane%40acme.test; x=";
        assert_eq!(
            cookie_value(cookies, "orgdesk_reset_prompt"),
            Some("jane%40acme.test")
        );
        assert_eq!(cookie_value(cookies, "reset_prompt"), None);
        assert_eq!(cookie_value(cookies, "x"), None);
        assert_eq!(cookie_value("", "x"), None);
    }
}
