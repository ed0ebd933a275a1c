//! Orgdesk's UI: rendered on the server and hydrated in the browser. Pages render, server
//! functions (in `api`) authenticate, authorize and call one `orgdesk-core` function.
#![recursion_limit = "512"]

pub mod api;
pub mod assets;
pub mod components;
pub mod error;
pub mod format;
pub mod pages;
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
    if let Some(nonce) = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned())
    {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="stylesheet" id="leptos" href=assets::stylesheet_href(&options)/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}
