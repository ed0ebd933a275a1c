//! Orgdesk's UI: rendered on the server and hydrated in the browser. Pages render, server
//! functions (in `api`) authenticate, authorize and call one `orgdesk-core` function.
#![recursion_limit = "512"]

pub mod api;
pub mod components;
pub mod error;
pub mod pages;
pub mod query_string;
pub mod routes;

pub use routes::App;

use leptos::prelude::*;
use leptos_meta::MetaTags;

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <meta name="referrer" content="same-origin"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
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
