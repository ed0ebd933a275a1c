//! The automation API, `/api/v1`: JSON over HTTP(S) with `Authorization: Bearer odk_…` API
//! tokens (docs/api.md). Each route calls the same `Core` method the console does, as an
//! `Initiator::ApiToken`, so a reset through the API is the same transaction, email and
//! activity as one from the console.
//!
//! Every request passes, in order: [`authenticate`] (bearer token → [`Ctx`], a session cookie
//! counts for nothing; the per-token rate limit and its `RateLimit-*` headers), [`idempotent`]
//! (`Idempotency-Key` on a POST), and the route's scope check; errors are problem details
//! ([`problem`]). The routes are the table [`ENDPOINTS`], which also writes the OpenAPI
//! document (`openapi.rs`), so the document can't list a route that doesn't exist.

mod extract;
mod handlers;
pub mod openapi;
pub mod problem;
mod wire;

use std::net::SocketAddr;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::Router;
use orgdesk_core::types::ApiScope;
use orgdesk_core::{ApiCaller, Core, Idempotency};
use tower_http::limit::RequestBodyLimitLayer;

use self::problem::Problem;

/// Where the API is mounted.
pub const PREFIX: &str = "/api/v1";

/// Largest request body: a bulk reset of 100,000 ids fits.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Who is calling, from where: put into every authenticated request.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub caller: ApiCaller,
    pub ip: Option<String>,
}

/// A query parameter, for the OpenAPI document.
pub struct Param {
    pub name: &'static str,
    /// A JSON Schema type: "string", "integer".
    pub schema: &'static str,
    pub description: &'static str,
}

/// One operation of the API.
pub struct Endpoint {
    pub method: Method,
    /// In axum's and OpenAPI's shared syntax: `/users/{id}`.
    pub path: &'static str,
    pub scope: ApiScope,
    pub operation_id: &'static str,
    pub summary: &'static str,
    pub query: &'static [Param],
    /// The request body's schema (a name under `components.schemas`).
    pub body: Option<&'static str>,
    /// The success status and its body's schema.
    pub ok: (u16, &'static str),
    /// Other successes (a bulk reset that became a job: 202).
    pub also: Option<(u16, &'static str)>,
    handler: fn() -> MethodRouter<Core>,
}

const PAGE: &[Param] = &[
    Param {
        name: "limit",
        schema: "integer",
        description: "Rows per page, 1 to 200 (default 50).",
    },
    Param {
        name: "cursor",
        schema: "string",
        description: "`next_cursor` of the previous page; pass the same filters and sort.",
    },
];

/// Every operation, in the order docs/api.md and the OpenAPI document list them.
pub static ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: Method::GET,
        path: "/users",
        scope: ApiScope::UsersRead,
        operation_id: "listUsers",
        summary: "List users: filter, sort, cursor pages (stable under inserts)",
        query: &[
            Param { name: "status", schema: "string", description: "active, reset_pending, suspended or invited." },
            Param { name: "role", schema: "string", description: "owner, admin or member." },
            Param { name: "search", schema: "string", description: "Name or email; one or two characters match the start of a word." },
            Param { name: "sort", schema: "string", description: "name (default), email, role, status or last_sign_in." },
            Param { name: "order", schema: "string", description: "asc (default) or desc." },
            Param { name: "limit", schema: "integer", description: "Rows per page, 1 to 200 (default 50)." },
            Param { name: "cursor", schema: "string", description: "`next_cursor` of the previous page; pass the same filters and sort." },
        ],
        body: None,
        ok: (200, "UserPage"),
        also: None,
        handler: || get(handlers::list_users),
    },
    Endpoint {
        method: Method::GET,
        path: "/users/count",
        scope: ApiScope::UsersRead,
        operation_id: "countUsers",
        summary: "How many users a filter matches (the expected_count of a bulk reset by filter)",
        query: &[
            Param { name: "status", schema: "string", description: "active, reset_pending, suspended or invited." },
            Param { name: "role", schema: "string", description: "owner, admin or member." },
            Param { name: "search", schema: "string", description: "Name or email, as in listUsers." },
        ],
        body: None,
        ok: (200, "Count"),
        also: None,
        handler: || get(handlers::count_users),
    },
    Endpoint {
        method: Method::POST,
        path: "/users",
        scope: ApiScope::UsersWrite,
        operation_id: "createUser",
        summary: "Add a user: Invited, with an invitation emailed",
        query: &[],
        body: Some("NewUser"),
        ok: (201, "UserDetail"),
        also: None,
        handler: || axum::routing::post(handlers::create_user),
    },
    Endpoint {
        method: Method::GET,
        path: "/users/{id}",
        scope: ApiScope::UsersRead,
        operation_id: "getUser",
        summary: "A user, with their pending reset and assets",
        query: &[],
        body: None,
        ok: (200, "UserDetail"),
        also: None,
        handler: || get(handlers::get_user),
    },
    Endpoint {
        method: Method::PATCH,
        path: "/users/{id}",
        scope: ApiScope::UsersWrite,
        operation_id: "updateUser",
        summary: "Suspend or reactivate a user, or change their role (one change per request)",
        query: &[],
        body: Some("UserChange"),
        ok: (200, "UserDetail"),
        also: None,
        handler: || axum::routing::patch(handlers::update_user),
    },
    Endpoint {
        method: Method::POST,
        path: "/users/{id}/sign-out",
        scope: ApiScope::UsersWrite,
        operation_id: "signOutUser",
        summary: "Sign a user out of every browser and device; their password stays",
        query: &[],
        body: None,
        ok: (200, "SignedOut"),
        also: None,
        handler: || axum::routing::post(handlers::sign_out_user),
    },
    Endpoint {
        method: Method::POST,
        path: "/users/{id}/reset-password",
        scope: ApiScope::ResetsWrite,
        operation_id: "resetPassword",
        summary: "Reset a user's password: signed out, old password dead, a link emailed",
        query: &[],
        body: None,
        ok: (201, "Reset"),
        also: None,
        handler: || axum::routing::post(handlers::reset_one),
    },
    Endpoint {
        method: Method::POST,
        path: "/users/{id}/reset-password/resend",
        scope: ApiScope::ResetsWrite,
        operation_id: "resendResetEmail",
        summary: "Email a pending reset's link again (a new link; the old one dies)",
        query: &[],
        body: None,
        ok: (200, "Reset"),
        also: None,
        handler: || axum::routing::post(handlers::resend),
    },
    Endpoint {
        method: Method::POST,
        path: "/users/reset-password",
        scope: ApiScope::ResetsWrite,
        operation_id: "resetPasswords",
        summary: "Reset many users, by ids or by a filter and the count you expect; past 1,000 users, a job",
        query: &[],
        body: Some("BulkReset"),
        ok: (200, "ResetReport"),
        also: Some((202, "Job")),
        handler: || axum::routing::post(handlers::reset_many),
    },
    Endpoint {
        method: Method::GET,
        path: "/jobs/{id}",
        scope: ApiScope::ResetsWrite,
        operation_id: "getJob",
        summary: "A bulk reset job: its state and, when done, the per-user report",
        query: &[],
        body: None,
        ok: (200, "Job"),
        also: None,
        handler: || get(handlers::get_job),
    },
    Endpoint {
        method: Method::GET,
        path: "/users/{id}/emails",
        scope: ApiScope::UsersRead,
        operation_id: "listUserEmails",
        summary: "The emails sent to a user, newest first: queued, sending, retrying, sent or failed (with the reason)",
        query: &[Param { name: "limit", schema: "integer", description: "At most this many (1 to 200, default 50)." }],
        body: None,
        ok: (200, "EmailList"),
        also: None,
        handler: || get(handlers::user_emails),
    },
    Endpoint {
        method: Method::GET,
        path: "/users/{id}/activity",
        scope: ApiScope::ActivityRead,
        operation_id: "listUserActivity",
        summary: "A user's activity, newest first",
        query: PAGE,
        body: None,
        ok: (200, "ActivityPage"),
        also: None,
        handler: || get(handlers::user_activity),
    },
    Endpoint {
        method: Method::GET,
        path: "/activity",
        scope: ApiScope::ActivityRead,
        operation_id: "listActivity",
        summary: "The organization's activity, newest first (an export walks the cursor to the end)",
        query: &[
            Param { name: "kind", schema: "string", description: "One kind of event, e.g. admin_reset_password, password_changed, email_failed." },
            Param { name: "user_id", schema: "integer", description: "Only events about this user." },
            Param { name: "since", schema: "string", description: "The first day whose events to list, YYYY-MM-DD, in UTC." },
            Param { name: "until", schema: "string", description: "The last day whose events to list, YYYY-MM-DD, in UTC." },
            Param { name: "limit", schema: "integer", description: "Rows per page, 1 to 200 (default 50)." },
            Param { name: "cursor", schema: "string", description: "`next_cursor` of the previous page." },
        ],
        body: None,
        ok: (200, "ActivityPage"),
        also: None,
        handler: || get(handlers::activity),
    },
];

/// The API's router, mounted at [`PREFIX`].
pub fn router(core: Core) -> Router {
    let mut routes = Router::new();
    for endpoint in ENDPOINTS {
        let scope = endpoint.scope;
        routes = routes.route(
            endpoint.path,
            (endpoint.handler)().layer(middleware::from_fn(move |req: Request, next: Next| {
                require_scope(scope, req, next)
            })),
        );
    }
    let routes = routes
        .layer(middleware::from_fn_with_state(core.clone(), idempotent))
        .layer(middleware::from_fn_with_state(core.clone(), authenticate))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(middleware::from_fn(too_large_as_problem));
    Router::new()
        .route("/openapi.json", get(openapi::serve))
        .merge(routes)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(core)
}

/// The body limit's own 413 (a `Content-Length` past it) as a problem too.
async fn too_large_as_problem(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|t| t.as_bytes() != problem::CONTENT_TYPE.as_bytes());
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && plain {
        return Problem::new(
            problem::TOO_LARGE,
            format!("Send at most {} MiB.", MAX_BODY_BYTES / (1024 * 1024)),
        )
        .into_response();
    }
    response
}

async fn not_found() -> Problem {
    Problem::new(
        problem::NOT_FOUND,
        "There is no such API route (see /api/v1/openapi.json).",
    )
}

async fn method_not_allowed() -> Problem {
    Problem::new(
        problem::METHOD_NOT_ALLOWED,
        "The route does not take this method.",
    )
}

/// The client's address: the peer, or who `X-Forwarded-For` names behind a trusted proxy.
fn client_ip(core: &Core, peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<String> {
    let peer = peer?.ip();
    Some(crate::web::client_addr(&core.config().trusted_proxies, peer, headers).to_string())
}

/// Bearer token → [`Ctx`]; then one call counted against the token's rate limit.
async fn authenticate(State(core): State<Core>, mut req: Request, next: Next) -> Response {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .map(str::to_owned);
    let Some(secret) = bearer else {
        let detail = if req.headers().contains_key(header::COOKIE) {
            "Session cookies do not open the API: send an API token (Settings → API tokens) as Authorization: Bearer."
        } else {
            "Send an API token (Settings → API tokens) as Authorization: Bearer."
        };
        return Problem::unauthenticated(detail).into_response();
    };
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let ip = client_ip(&core, peer, req.headers());
    let caller = match core.authenticate_api_token(&secret, ip.as_deref()).await {
        Ok(caller) => caller,
        Err(e) => return Problem::from(e).into_response(),
    };
    let window = match core.api_rate_limit(&caller).await {
        Ok(window) => window,
        Err(e) => {
            let reset = match &e {
                orgdesk_core::CoreError::RateLimited { retry_after_secs } => {
                    Some(*retry_after_secs)
                }
                _ => None,
            };
            let mut response = Problem::from(e).into_response();
            set_rate_headers(
                response.headers_mut(),
                core.config().api_limit.max,
                0,
                reset,
            );
            return response;
        }
    };
    req.extensions_mut().insert(Ctx { caller, ip });
    let mut response = next.run(req).await;
    set_rate_headers(
        response.headers_mut(),
        window.limit,
        window.remaining,
        Some(window.resets_in_secs),
    );
    response
}

fn set_rate_headers(headers: &mut HeaderMap, limit: u32, remaining: u32, reset: Option<u64>) {
    headers.insert("ratelimit-limit", HeaderValue::from(limit));
    headers.insert("ratelimit-remaining", HeaderValue::from(remaining));
    if let Some(reset) = reset {
        headers.insert("ratelimit-reset", HeaderValue::from(reset));
    }
}

async fn require_scope(scope: ApiScope, req: Request, next: Next) -> Response {
    match req.extensions().get::<Ctx>() {
        Some(ctx) if ctx.caller.may(scope) => next.run(req).await,
        Some(_) => Problem::missing_scope(scope).into_response(),
        None => Problem::unauthenticated("Send an API token.").into_response(),
    }
}

/// `Idempotency-Key` on a POST: the first answer (2xx or 4xx) is kept for 24 hours and given
/// again to a retry of the same request, which changes nothing; the same key with another
/// request is refused. Server errors and rate limits are not kept: a retry runs again.
async fn idempotent(State(core): State<Core>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(key) = req
        .headers()
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::to_owned))
    else {
        return next.run(req).await;
    };
    let Ok(key) = key else {
        return Problem::invalid("Idempotency-Key must be visible ASCII.").into_response();
    };
    let Some(ctx) = req.extensions().get::<Ctx>().cloned() else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(_) => {
            return Problem::new(
                problem::TOO_LARGE,
                format!(
                    "The body could not be read whole (at most {} MiB).",
                    MAX_BODY_BYTES / (1024 * 1024)
                ),
            )
            .into_response()
        }
    };
    let mut fingerprint = format!("{} {}\n", parts.method, parts.uri).into_bytes();
    fingerprint.extend_from_slice(&body);
    match core
        .idempotency_begin(&ctx.caller, &key, &fingerprint)
        .await
    {
        Err(e) => Problem::from(e).into_response(),
        Ok(Idempotency::Mismatch) => Problem::new(
            problem::IDEMPOTENCY_MISMATCH,
            "This Idempotency-Key was already used with a different request; use a new key.",
        )
        .into_response(),
        Ok(Idempotency::InProgress) => Problem::new(
            problem::IDEMPOTENCY_IN_PROGRESS,
            "The first request with this Idempotency-Key has not been answered yet; retry shortly.",
        )
        .header(header::RETRY_AFTER, "1")
        .into_response(),
        Ok(Idempotency::Replay {
            status,
            body,
            location,
        }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let content_type = if status.is_success() {
                "application/json"
            } else {
                problem::CONTENT_TYPE
            };
            let mut response = (status, body).into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            if let Some(location) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
                response.headers_mut().insert(header::LOCATION, location);
            }
            response
        }
        Ok(Idempotency::Proceed) => {
            let response = next.run(Request::from_parts(parts, Body::from(body))).await;
            let (parts, body) = response.into_parts();
            let body: Bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let keep =
                !(parts.status.is_server_error() || parts.status == StatusCode::TOO_MANY_REQUESTS);
            let text = String::from_utf8_lossy(&body);
            let status = keep.then_some(parts.status.as_u16());
            let location = parts
                .headers
                .get(header::LOCATION)
                .and_then(|l| l.to_str().ok());
            if let Err(e) = core
                .idempotency_finish(&ctx.caller, &key, status, &text, location)
                .await
            {
                tracing::error!(error = %e, "could not keep an idempotent answer");
            }
            Response::from_parts(parts, Body::from(body))
        }
    }
}
