//! The HTTP surface: server-rendered pages, server functions, static files, and the
//! middleware every request passes (CSRF origin check, body limit, security headers, logs).

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use orgdesk_app::{shell, App};
use orgdesk_core::{Core, TestClock};
use tower_http::limit::RequestBodyLimitLayer;

use crate::config::ServerConfig;

/// Server-function payloads are small; 256 KiB leaves room for a 1,000-id bulk request.
const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Clone)]
struct WebState {
    leptos: LeptosOptions,
    core: Core,
    mail: orgdesk_mail::MailConfig,
    test_clock: Option<Arc<TestClock>>,
}

impl axum::extract::FromRef<WebState> for LeptosOptions {
    fn from_ref(s: &WebState) -> Self {
        s.leptos.clone()
    }
}

pub async fn router(
    core: Core,
    config: &ServerConfig,
    test_clock: Option<Arc<TestClock>>,
) -> Result<Router, String> {
    let leptos = config.leptos.clone();
    let routes = generate_route_list(App);
    let state = WebState {
        leptos: leptos.clone(),
        core: core.clone(),
        mail: config.mail.clone(),
        test_clock,
    };

    let context = {
        let core = core.clone();
        let mail = config.mail.clone();
        move || {
            provide_context(core.clone());
            provide_context(mail.clone());
        }
    };

    let mut app = Router::new()
        .route("/api/{*fn_name}", post(server_fn_handler))
        .route("/healthz", get(|| async { "ok" }))
        .leptos_routes_with_context(&state, routes, context, {
            let leptos = leptos.clone();
            move || shell(leptos.clone())
        })
        .merge(crate::dev_mailbox::routes(&config.mail));
    if state.test_clock.is_some() {
        tracing::warn!("ORGDESK_TEST_CLOCK is on: POST /__test/clock moves time. Never use this in production.");
        app = app.route("/__test/clock", post(advance_test_clock));
    }
    Ok(app
        .fallback(leptos_axum::file_and_error_handler::<WebState, _>(shell))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(middleware::from_fn(same_origin_writes))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn(redirects_are_redirects))
        .layer(middleware::from_fn(access_log))
        .with_state(state))
}

async fn server_fn_handler(State(state): State<WebState>, req: Request<Body>) -> impl IntoResponse {
    let core = state.core.clone();
    let mail = state.mail.clone();
    leptos_axum::handle_server_fns_with_context(
        move || {
            provide_context(core.clone());
            provide_context(mail.clone());
        },
        req,
    )
    .await
}

/// CSRF defence in depth beside SameSite cookies: a state-changing request that says where it
/// came from must come from here.
async fn same_origin_writes(req: Request<Body>, next: Next) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_owned);
        let origin = req
            .headers()
            .get(header::ORIGIN)
            .and_then(|h| h.to_str().ok());
        if let (Some(origin), Some(host)) = (origin, host) {
            let origin_host = origin.split("://").nth(1).unwrap_or_default();
            if origin != "null" && origin_host != host {
                return (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response();
            }
        }
    }
    next.run(req).await
}

/// A response that names a `Location` for a browser navigation (not a `fetch` from the
/// hydrated app) must be a redirect. Two cases leave with another status otherwise:
/// leptos_router's `<Redirect>` during a streamed server render (200), and a server function
/// posted by a plain HTML form that failed (its error status, e.g. 401), whose `Location`
/// carries the error back to the form's page for display.
async fn redirects_are_redirects(req: Request<Body>, next: Next) -> Response {
    let wants_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    let mut res = next.run(req).await;
    if wants_html && !res.status().is_redirection() && res.headers().contains_key(header::LOCATION)
    {
        *res.status_mut() = StatusCode::SEE_OTHER;
    }
    res
}

async fn security_headers(req: Request<Body>, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    res
}

/// One line per request; reset-link paths (the Reset Password and the cancel page) are
/// redacted so tokens never reach the logs.
async fn access_log(req: Request<Body>, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = redact(req.uri().path());
    let res = next.run(req).await;
    tracing::info!(%method, %path, status = res.status().as_u16(), ms = started.elapsed().as_millis() as u64, "request");
    res
}

fn redact(path: &str) -> String {
    match path.strip_prefix("/reset-password/") {
        Some(_) => "/reset-password/[token]".to_string(),
        None => path.to_string(),
    }
}

#[derive(serde::Deserialize)]
struct AdvanceBy {
    minutes: i64,
}

async fn advance_test_clock(
    State(state): State<WebState>,
    axum::extract::Query(by): axum::extract::Query<AdvanceBy>,
) -> Response {
    match &state.test_clock {
        Some(clock) if (0..=100_000).contains(&by.minutes) => {
            clock.advance(chrono::Duration::minutes(by.minutes));
            (StatusCode::OK, state.core.clock().now().to_rfc3339()).into_response()
        }
        Some(_) => (
            StatusCode::BAD_REQUEST,
            "minutes must be between 0 and 100000",
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn reset_tokens_never_reach_the_log() {
        assert_eq!(
            redact("/reset-password/abcDEF123"),
            "/reset-password/[token]"
        );
        assert_eq!(
            redact("/reset-password/abcDEF123/cancel"),
            "/reset-password/[token]"
        );
        assert_eq!(redact("/users"), "/users");
    }
}
