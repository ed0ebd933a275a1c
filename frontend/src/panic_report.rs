//! A panic in the browser build must not leave a silently dead page. The hook logs the panic to
//! the console (readable, with a stack), puts a "Something went wrong — reload" banner at the
//! top of the page, and reports the panic once to the server log.
//!
//! It works with the DOM directly: after a panic the reactive system can't be trusted, and with
//! `panic = "abort"` the module traps as soon as the hook returns.

use std::panic::PanicHookInfo;
use std::sync::atomic::{AtomicBool, Ordering};

use orgdesk_types::panic_report;

static SEEN: AtomicBool = AtomicBool::new(false);

pub fn install() {
    std::panic::set_hook(Box::new(on_panic));
}

fn on_panic(info: &PanicHookInfo<'_>) {
    console_error_panic_hook::hook(info);
    // One banner and one report per page: a panic inside the hook's own work, or a second one,
    // adds nothing.
    if SEEN.swap(true, Ordering::Relaxed) {
        return;
    }
    show_banner();
    report(info);
}

fn show_banner() -> Option<()> {
    let window = web_sys::window()?;
    let document = window.document()?;
    let body = document.body()?;
    let banner = document.create_element("div").ok()?;
    banner.set_id("panic-banner");
    banner.set_class_name("panic-banner");
    banner.set_attribute("role", "alert").ok()?;
    let text = document.create_element("span").ok()?;
    text.set_text_content(Some(
        "Something went wrong — reload the page to carry on. Changes you already saved are kept.",
    ));
    // A link to this very page: reloading needs no script, so it works with the module dead.
    // `rel="external"` keeps the (dead) router from intercepting the click.
    let reload = document.create_element("a").ok()?;
    reload.set_class_name("btn btn--primary");
    reload.set_attribute("rel", "external").ok()?;
    reload
        .set_attribute("href", &window.location().href().ok()?)
        .ok()?;
    reload.set_text_content(Some("Reload"));
    banner.append_child(&text).ok()?;
    banner.append_child(&reload).ok()?;
    body.insert_before(&banner, body.first_child().as_ref())
        .ok()?;
    Some(())
}

/// Posts "message, location, page" to the server as plain text. `sendBeacon` queues the request
/// with the browser itself, so it leaves even though the module is about to trap.
fn report(info: &PanicHookInfo<'_>) -> Option<()> {
    let window = web_sys::window()?;
    let path = window.location().pathname().ok()?;
    // Reset and cancel links carry their token in the path: never send it.
    let page = if path.starts_with("/reset-password/") {
        "/reset-password/[token]"
    } else {
        path.as_str()
    };
    let text = format!("{info}\npage: {page}");
    window
        .navigator()
        .send_beacon_with_opt_str(panic_report::PATH, Some(panic_report::truncate(&text)))
        .ok()?;
    Some(())
}

/// A deliberate panic, for the end-to-end test that proves the banner and the report work in
/// the release build. It only breaks the tab that calls it.
pub fn expose_test_trigger() {
    use wasm_bindgen::prelude::*;
    let Some(window) = web_sys::window() else {
        return;
    };
    let trigger = Closure::<dyn Fn()>::new(|| panic!("deliberate panic (window.__orgdesk_panic)"));
    let _ = js_sys::Reflect::set(&window, &"__orgdesk_panic".into(), trigger.as_ref());
    trigger.forget();
}
