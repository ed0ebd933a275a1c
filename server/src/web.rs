//! The HTTP surface: server-rendered pages, server functions, static files, and the
//! middleware every request passes (CSRF origin check, body limit, security headers, logs).

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use leptos_router::{Method, SsrMode};
use orgdesk_app::public::PublicPage;
use orgdesk_app::{shell, App, CspNonce};
use orgdesk_core::proxies::TrustedProxies;
use orgdesk_core::{Core, TestClock};
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;

use crate::config::ServerConfig;

/// Server-function payloads are small; 256 KiB leaves room for a 1,000-id bulk request.
const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Clone)]
struct WebState {
    leptos: LeptosOptions,
    core: Core,
    #[cfg_attr(not(feature = "test-clock"), allow(dead_code))]
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
    let origin = crate::origin::OriginPolicy::from_public_url(&config.core.public_base_url)?;
    // The console's routes, and the public pages, which are not in its router (app/src/public.rs).
    let mut routes = generate_route_list(App);
    routes.extend(PublicPage::ROUTES.iter().map(|&(path, waits)| {
        let mode = if waits {
            SsrMode::Async
        } else {
            SsrMode::OutOfOrder
        };
        AxumRouteListing::new(path.to_owned(), mode, [Method::Get], Vec::new())
    }));
    let state = WebState {
        leptos: leptos.clone(),
        core: core.clone(),
        test_clock,
    };

    let context = {
        let core = core.clone();
        move || provide_context(core.clone())
    };

    let app = Router::new()
        .route("/api/{*fn_name}", post(server_fn_handler))
        .route("/healthz", get(|| async { "ok" }))
        .leptos_routes_with_context(&state, routes, context, {
            let leptos = leptos.clone();
            move || shell(leptos.clone())
        })
        .merge(crate::export::routes(core.clone()))
        .merge(crate::dev_mailbox_page::routes(&config.mail))
        .merge(crate::panic_reports::routes(
            state.core.config().trusted_proxies.clone(),
        ))
        // The build's JS, wasm and CSS, brotli or gzip as it precompressed them when the
        // browser takes those.
        .nest_service(
            &format!("/{}", config.pkg_root),
            ServeDir::new(Path::new(&*leptos.site_root).join(&config.pkg_root))
                .precompressed_br()
                .precompressed_gzip(),
        );
    #[cfg(feature = "test-clock")]
    let app = if state.test_clock.is_some() {
        tracing::warn!("ORGDESK_TEST_CLOCK is on: POST /__test/clock moves time. Never use this in production.");
        app.route("/__test/clock", post(advance_test_clock))
    } else {
        app
    };
    Ok(app
        .fallback(leptos_axum::file_and_error_handler::<WebState, _>(shell))
        .layer(middleware::from_fn(reset_forms_return_to_their_page))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        // The automation API (bearer tokens), with its own body limit and problem answers.
        .nest_service(crate::api_v1::PREFIX, crate::api_v1::router(core.clone()))
        .layer(middleware::from_fn_with_state(
            origin,
            crate::origin::enforce,
        ))
        .layer(middleware::from_fn_with_state(
            config.core.public_base_url.starts_with("https://"),
            security_headers,
        ))
        // Pages and server-function answers, gzipped on the fly (the static files come
        // precompressed and are left alone).
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn(redirects_are_redirects))
        .layer(middleware::from_fn(access_log))
        .with_state(state))
}

async fn server_fn_handler(State(state): State<WebState>, req: Request<Body>) -> impl IntoResponse {
    let core = state.core.clone();
    leptos_axum::handle_server_fns_with_context(move || provide_context(core.clone()), req).await
}

/// The reset and cancel pages send no `Referer` (their `Referrer-Policy: no-referrer` keeps the
/// token in their address out of other requests). Their no-JavaScript forms post to these
/// server functions, which send the browser back to the page the form came from, with any error
/// in its query: name that page explicitly, from the token the form carries.
async fn reset_forms_return_to_their_page(req: Request<Body>, next: Next) -> Response {
    let page_suffix = match req.uri().path() {
        "/api/complete_reset" | "/api/resend_from_link" => "",
        "/api/cancel_reset_link" => "/cancel",
        _ => return next.run(req).await,
    };
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|c| c.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if !is_form || req.headers().contains_key(header::REFERER) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "The request is too large.").into_response();
    };
    if let Some(token) = form_token(&bytes) {
        if let Ok(page) = HeaderValue::from_str(&format!("/reset-password/{token}{page_suffix}")) {
            parts.headers.insert(header::REFERER, page);
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The client a request comes from: the peer, or whom `X-Forwarded-For` names behind a trusted
/// proxy (`ORGDESK_TRUSTED_PROXIES`). The server functions' twin is `orgdesk_app::api::ssr::client_ip`.
pub(crate) fn client_addr(
    proxies: &TrustedProxies,
    peer: std::net::IpAddr,
    headers: &axum::http::HeaderMap,
) -> std::net::IpAddr {
    if proxies.is_empty() {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok());
    proxies.client_ip(peer, forwarded)
}

/// The form's `token` field, if it looks like one of ours (base64url, not absurdly long).
fn form_token(body: &[u8]) -> Option<&str> {
    std::str::from_utf8(body)
        .ok()?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "token")
        .map(|(_, v)| v)
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 256
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
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

/// Headers for every answer: a Content-Security-Policy with a fresh nonce on every page (only
/// the scripts Leptos writes carry it), HSTS behind https, and no caching of anything but the
/// static files, because pages carry names, emails and reset tokens.
async fn security_headers(
    State(https): State<bool>,
    mut req: Request<Body>,
    next: Next,
) -> Response {
    let nonce = new_nonce();
    if let Some(n) = &nonce {
        req.extensions_mut().insert(CspNonce(n.clone()));
    }
    let static_file = is_static_file(req.uri().path());
    let named_by_content = is_named_by_content(req.uri().path());
    // Reset and cancel pages carry the token in their address: it must not travel on.
    let referrer_policy = if req.uri().path().starts_with("/reset-password/") {
        "no-referrer"
    } else {
        "same-origin"
    };
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let is_html = h
        .get(header::CONTENT_TYPE)
        .and_then(|c| c.to_str().ok())
        .is_some_and(|c| c.starts_with("text/html"));
    if is_html {
        let csp = match &nonce {
            Some(n) => {
                format!("{CSP_BASE}; script-src 'nonce-{n}' 'strict-dynamic' 'wasm-unsafe-eval'")
            }
            // No randomness, no scripts: the page still works without JavaScript.
            None => format!("{CSP_BASE}; script-src 'none'"),
        };
        if let Ok(v) = HeaderValue::from_str(&csp) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    let cache = match (static_file, named_by_content) {
        // Pages and answers carry names, emails and tokens: never stored.
        (false, _) => "no-store",
        // A new build has new names: a repeat visit fetches nothing.
        (true, true) => "public, max-age=31536000, immutable",
        // Same names across builds (and the favicon): ask each time (ETag, Last-Modified).
        (true, false) => "no-cache",
    };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000"),
        );
    }
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static(referrer_policy),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    res
}

/// Everything but `script-src`, which carries the nonce.
const CSP_BASE: &str =
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

fn new_nonce() -> Option<String> {
    use base64::Engine;
    use rand::TryRngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.try_fill_bytes(&mut bytes).ok()?;
    Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// A file of a build folder, `/pkg/<16 hex digits>/orgdesk.wasm` (see scripts/build-site.sh):
/// the folder is named after its contents, so what is behind the name never changes.
fn is_named_by_content(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/pkg/") else {
        return false;
    };
    let Some((folder, file)) = rest.split_once('/') else {
        return false;
    };
    folder.len() == 16
        && folder.bytes().all(|b| b.is_ascii_hexdigit())
        && !file.is_empty()
        && !file.contains('/')
}

/// The build's static files (wasm, JS, CSS, favicon): the same for everyone, cacheable.
fn is_static_file(path: &str) -> bool {
    path.starts_with("/pkg/") || path == "/favicon.svg" || path == "/favicon.ico"
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

pub(crate) fn redact(path: &str) -> String {
    match path.strip_prefix("/reset-password/") {
        Some(_) => "/reset-password/[token]".to_string(),
        None => path.to_string(),
    }
}

#[cfg(feature = "test-clock")]
#[derive(serde::Deserialize)]
struct AdvanceBy {
    minutes: i64,
}

#[cfg(feature = "test-clock")]
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
    use super::{is_named_by_content, redact};

    #[test]
    fn only_content_named_build_files_are_immutable() {
        assert!(is_named_by_content("/pkg/0123456789abcdef/orgdesk.wasm"));
        assert!(is_named_by_content(
            "/pkg/0123456789abcdef/reset-password.wasm"
        ));
        assert!(!is_named_by_content("/pkg/orgdesk.css"));
        assert!(!is_named_by_content("/pkg/orgdesk.0123456789abcdef.wasm"));
        assert!(!is_named_by_content("/pkg/0123456789abcdeg/orgdesk.css"));
        assert!(!is_named_by_content("/pkg/0123456789abcdef/"));
        assert!(!is_named_by_content("/pkg/0123456789abcdef/a/b.js"));
        assert!(!is_named_by_content("/users/0123456789abcdef/orgdesk.css"));
    }

    #[test]
    fn the_reset_forms_token_names_their_page() {
        assert_eq!(
            super::form_token(b"token=abc-DEF_123&password=x%26y&confirm=x%26y"),
            Some("abc-DEF_123")
        );
        assert_eq!(super::form_token(b"password=x&token=a%2Fb"), None);
        assert_eq!(super::form_token(b"password=x"), None);
        assert_eq!(super::form_token(b"token="), None);
    }

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
