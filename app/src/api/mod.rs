//! Server functions, thin: who is asking, may they, then one call into `orgdesk-core`.

pub mod account;
pub mod activity;
pub mod codec;
pub mod people;
pub mod recovery;
pub mod resets;
pub mod session;
pub mod settings;
pub mod tokens;
pub mod users;
pub mod webhooks;

#[cfg(feature = "ssr")]
pub mod ssr {
    //! Server-only helpers shared by the server functions.

    use std::net::SocketAddr;

    use axum::extract::ConnectInfo;
    use http::{header, HeaderMap, HeaderValue, StatusCode};
    use leptos::prelude::*;
    use leptos_axum::ResponseOptions;
    use orgdesk_core::{Core, CoreError};
    use orgdesk_types::Actor;

    use crate::error::ApiError;

    /// The session cookie's name over plain http (a loopback development instance).
    pub const SESSION_COOKIE: &str = "orgdesk_session";
    /// Its name behind an https public URL: the `__Host-` prefix makes the browser insist on
    /// `Secure`, `Path=/` and no `Domain`, so no sibling subdomain can set or shadow it.
    pub const SECURE_SESSION_COOKIE: &str = "__Host-orgdesk_session";

    pub(crate) fn served_over_https() -> bool {
        use_context::<Core>()
            .map(|c| c.config().public_base_url.starts_with("https://"))
            .unwrap_or(false)
    }

    /// The known-device cookie's name over plain http (decision 63).
    pub const DEVICE_COOKIE: &str = "orgdesk_device";
    /// Its name behind an https public URL.
    pub const SECURE_DEVICE_COOKIE: &str = "__Host-orgdesk_device";

    fn session_cookie_name() -> &'static str {
        session_cookie_for(served_over_https())
    }

    /// The session cookie's name when the public URL is `https` or not; for the server's
    /// own routes, which have no server function context to ask.
    pub fn session_cookie_for(https: bool) -> &'static str {
        if https {
            SECURE_SESSION_COOKIE
        } else {
            SESSION_COOKIE
        }
    }

    fn device_cookie_name() -> &'static str {
        by_scheme(DEVICE_COOKIE, SECURE_DEVICE_COOKIE)
    }

    /// A cookie's name for how the public URL is served: `secure` behind https.
    fn by_scheme(plain: &'static str, secure: &'static str) -> &'static str {
        if served_over_https() {
            secure
        } else {
            plain
        }
    }

    /// The one place a domain error becomes a web error (and an HTTP status).
    impl From<CoreError> for ApiError {
        fn from(e: CoreError) -> Self {
            let (status, api) = match e {
                CoreError::InvalidCredentials => {
                    (StatusCode::UNAUTHORIZED, ApiError::InvalidCredentials)
                }
                CoreError::Unauthenticated => (StatusCode::UNAUTHORIZED, ApiError::Unauthenticated),
                CoreError::Forbidden => (StatusCode::FORBIDDEN, ApiError::Forbidden),
                CoreError::NotFound(m) => (StatusCode::NOT_FOUND, ApiError::NotFound(m)),
                CoreError::InvalidInput(m) => {
                    (StatusCode::UNPROCESSABLE_ENTITY, ApiError::Invalid(m))
                }
                CoreError::WeakPassword(rules) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ApiError::WeakPassword(rules),
                ),
                CoreError::LinkUnusable(state) => (StatusCode::GONE, ApiError::LinkUnusable(state)),
                CoreError::Conflict(m) => (StatusCode::UNPROCESSABLE_ENTITY, ApiError::Invalid(m)),
                CoreError::OwnAccount => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ApiError::Invalid(e.to_string()),
                ),
                CoreError::CountChanged { .. } => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ApiError::Invalid(e.to_string()),
                ),
                CoreError::RateLimited { retry_after_secs } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    ApiError::RateLimited { retry_after_secs },
                ),
                CoreError::Busy { retry_after_ms } => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    ApiError::Busy { retry_after_ms },
                ),
                CoreError::Database(err) => {
                    tracing::error!(error = %err, "database error");
                    (StatusCode::INTERNAL_SERVER_ERROR, ApiError::Server)
                }
                CoreError::Internal(err) => {
                    tracing::error!(error = %err, "internal error");
                    (StatusCode::INTERNAL_SERVER_ERROR, ApiError::Server)
                }
            };
            set_status(status);
            match &api {
                ApiError::RateLimited { retry_after_secs } => set_retry_after(*retry_after_secs),
                // HTTP says it in whole seconds; the body has the milliseconds.
                ApiError::Busy { retry_after_ms } => set_retry_after(
                    orgdesk_types::busy::retry_after_header_secs(*retry_after_ms),
                ),
                _ => {}
            }
            api
        }
    }

    fn set_retry_after(secs: u64) {
        if let (Some(opts), Ok(value)) = (
            use_context::<ResponseOptions>(),
            HeaderValue::from_str(&secs.to_string()),
        ) {
            opts.insert_header(header::RETRY_AFTER, value);
        }
    }

    /// The status of an error a server function answers without going through the core
    /// (checks at the door: an empty selection, mismatched passwords, an absurd token).
    fn status_of(e: &ApiError) -> StatusCode {
        match e {
            ApiError::Unauthenticated | ApiError::SessionEnded | ApiError::InvalidCredentials => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Invalid(_) | ApiError::WeakPassword(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::LinkUnusable(_) => StatusCode::GONE,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Server | ApiError::Network(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Answers `e` with its status.
    pub fn refuse(e: ApiError) -> ApiError {
        set_status(status_of(&e));
        e
    }

    pub fn set_status(status: StatusCode) {
        if let Some(opts) = use_context::<ResponseOptions>() {
            opts.set_status(status);
        }
    }

    pub fn core() -> Result<Core, ApiError> {
        use_context::<Core>().ok_or_else(|| {
            tracing::error!("Core missing from the server function context");
            ApiError::Server
        })
    }

    /// The caller's address, for activity records and rate limits: the connection's peer, or
    /// behind a trusted proxy (`ORGDESK_TRUSTED_PROXIES`) the client it forwarded for.
    pub async fn client_ip() -> Option<String> {
        let ConnectInfo(peer) = leptos_axum::extract::<ConnectInfo<SocketAddr>>()
            .await
            .ok()?;
        let proxies = use_context::<Core>()?.config().trusted_proxies.clone();
        if proxies.is_empty() {
            return Some(peer.ip().to_string());
        }
        let headers: HeaderMap = leptos_axum::extract().await.ok()?;
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok());
        Some(proxies.client_ip(peer.ip(), forwarded).to_string())
    }

    pub async fn session_token() -> Option<String> {
        cookie(session_cookie_name()).await
    }

    /// The browser's `User-Agent`, if it sent one.
    pub async fn user_agent() -> Option<String> {
        let headers: HeaderMap = leptos_axum::extract().await.ok()?;
        headers
            .get(header::USER_AGENT)?
            .to_str()
            .ok()
            .map(str::to_owned)
    }

    /// The token of the browser's known-device cookie, if it has one.
    pub async fn device_token() -> Option<String> {
        cookie(device_cookie_name()).await
    }

    async fn cookie(name: &str) -> Option<String> {
        let headers: HeaderMap = leptos_axum::extract().await.ok()?;
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|cookies| crate::format::cookie_value(cookies, name))
            .map(str::to_owned)
            .filter(|v| v.len() <= 128)
    }

    /// The signed-in person; `None` for a visitor. A browser whose session has ended (left
    /// idle, expired, signed out elsewhere, revoked by a reset) is answered `SessionEnded`,
    /// sent to the sign-in page that says so, and its cookie is cleared.
    pub async fn current_actor() -> Result<Option<Actor>, ApiError> {
        let Some(token) = session_token().await else {
            return Ok(None);
        };
        match core()?.session_actor(&token).await? {
            Some(actor) => Ok(Some(actor)),
            None => {
                clear_session_cookie();
                let refused = refuse(ApiError::SessionEnded);
                // After the status: a plain form post is answered 302, not 401.
                leptos_axum::redirect(&session_ended_location().await);
                Err(refused)
            }
        }
    }

    /// Where a browser whose session ended goes: the sign-in page that says so, and back after
    /// signing in to the console page a form posted without JavaScript was on (its `Referer`,
    /// when that is this site's). A page load's own address is set by `ConsoleLayout`'s
    /// redirect, which comes after this one and replaces it.
    async fn session_ended_location() -> String {
        match referring_page().await {
            Some(here) => crate::routes::session_ended_at(&here),
            None => crate::routes::SESSION_ENDED.to_owned(),
        }
    }

    /// The path and query of the page of this site (its public URL) that made the request.
    async fn referring_page() -> Option<String> {
        let headers: HeaderMap = leptos_axum::extract().await.ok()?;
        let referer = headers.get(header::REFERER)?.to_str().ok()?;
        let core = use_context::<Core>()?;
        let site = core.config().public_base_url.trim_end_matches('/');
        referer
            .strip_prefix(site)
            .filter(|page| page.starts_with('/'))
            .map(str::to_owned)
    }

    /// The signed-in admin or owner; everyone else is refused here, on the server.
    /// The core and the browser's session token, for a call any signed-in person may make;
    /// an ended session is answered as [`current_actor`] answers it.
    pub async fn require_session() -> Result<(Core, String), ApiError> {
        let core = core()?;
        if current_actor().await?.is_none() {
            return Err(refuse(ApiError::Unauthenticated));
        }
        let token = session_token()
            .await
            .ok_or_else(|| refuse(ApiError::Unauthenticated))?;
        Ok((core, token))
    }

    pub async fn require_admin() -> Result<(Core, Actor), ApiError> {
        let core = core()?;
        let actor = match current_actor().await? {
            Some(actor) => actor,
            None => return Err(refuse(ApiError::Unauthenticated)),
        };
        if !actor.role.is_admin() {
            return Err(refuse(ApiError::Forbidden));
        }
        Ok((core, actor))
    }

    pub fn set_session_cookie(token: &str, max_age_secs: i64) {
        set_cookie(session_cookie_name(), token, max_age_secs);
    }

    /// The browser's known-device cookie (decision 63); kept across sign-outs.
    pub fn set_device_cookie(token: &str, max_age_secs: i64) {
        set_cookie(device_cookie_name(), token, max_age_secs);
    }

    /// The sign-in page's reset prompt names `email` for the next minutes (`None`: no longer),
    /// in a cookie the page's script reads too (`crate::reset_prompt`).
    pub fn set_reset_prompt_cookie(email: Option<&str>) {
        use crate::reset_prompt::{PROMPT_COOKIE, PROMPT_MINUTES, SECURE_PROMPT_COOKIE};
        let name = by_scheme(PROMPT_COOKIE, SECURE_PROMPT_COOKIE);
        match email {
            Some(email) => append_cookie(
                name,
                &crate::format::encode_value(email),
                PROMPT_MINUTES * 60,
                "",
            ),
            None => append_cookie(name, "", 0, ""),
        }
    }

    fn set_cookie(name: &str, token: &str, max_age_secs: i64) {
        append_cookie(name, token, max_age_secs, "; HttpOnly");
    }

    fn append_cookie(name: &str, value: &str, max_age_secs: i64, http_only: &str) {
        let secure = served_over_https();
        let cookie = format!(
            "{name}={value}; Path=/{http_only}; SameSite=Lax; Max-Age={max_age_secs}{}",
            if secure { "; Secure" } else { "" }
        );
        if let (Some(opts), Ok(value)) = (
            use_context::<ResponseOptions>(),
            HeaderValue::from_str(&cookie),
        ) {
            opts.append_header(header::SET_COOKIE, value);
        }
    }

    pub fn clear_session_cookie() {
        set_session_cookie("", 0);
    }
}
