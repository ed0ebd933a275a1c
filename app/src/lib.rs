//! Orgdesk's UI: rendered on the server and hydrated in the browser. Pages render, server
//! functions (in `api`) authenticate, authorize and call one `orgdesk-core` function.
#![recursion_limit = "512"]

pub mod api;
pub mod assets;
#[cfg(feature = "hydrate")]
pub mod browser;
pub mod components;
pub mod error;
pub mod format;
pub mod pages;
pub mod public;
pub mod reset_prompt;
pub mod routes;

pub use routes::App;

use leptos::prelude::*;
use leptos_meta::MetaTags;

/// The per-response nonce of the Content-Security-Policy, put into the request's extensions
/// by the server's header middleware, which also writes the policy itself.
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct CspNonce(pub String);

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The hydration script and the streamed resource scripts carry the response's nonce, the
    // only inline scripts the policy allows.
    #[cfg(feature = "ssr")]
    let parts = use_context::<http::request::Parts>();
    #[cfg(feature = "ssr")]
    if let Some(nonce) = parts
        .as_ref()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned())
    {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
    // A landing on a public page is a public app's (app/src/public.rs), with its page's module
    // when the build has the public modules, else with the console's (`cargo leptos watch`).
    #[cfg(feature = "ssr")]
    let public = parts
        .as_ref()
        .and_then(|parts| public::PublicPage::at(parts.uri.path()))
        .map(|page| page.module());
    #[cfg(not(feature = "ssr"))]
    let public: Option<public::PublicModule> = None;
    let (scripts, stylesheet) = match public {
        #[cfg(feature = "ssr")]
        Some(module) if assets::has_public_modules(&options) => (
            assets::public_module_options(&options, module),
            assets::public_stylesheet_href(&options),
        ),
        _ => (options.clone(), assets::stylesheet_href(&options)),
    };
    #[cfg(feature = "ssr")]
    let crash_report = Some(
        view! { <script nonce=leptos::nonce::use_nonce() inner_html=crash_report_js()></script> },
    );
    #[cfg(not(feature = "ssr"))]
    let crash_report: Option<()> = None;
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                {crash_report}
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="stylesheet" id="leptos" href=stylesheet/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options=scripts/>
                <MetaTags/>
            </head>
            <body>
                {if public.is_some() { view! { <public::PublicApp/> }.into_any() } else { view! { <App/> }.into_any() }}
            </body>
        </html>
    }
}

/// The page's crash report (crash_report.js), with the server's report path and size filled in
/// and its comment lines and indentation left out. The size is in UTF-16 units, at most three
/// UTF-8 bytes each, so a report always fits.
#[cfg(feature = "ssr")]
fn crash_report_js() -> &'static str {
    use orgdesk_types::panic_report::{MAX_BYTES, PATH};
    static JS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        include_str!("crash_report.js")
            .lines()
            .map(str::trim)
            .filter(|line| !line.starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n")
            .replace("__PATH__", PATH)
            .replace("__MAX_CHARS__", &(MAX_BYTES / 3).to_string())
    });
    &JS
}
