//! Server functions, thin: who is asking, may they, then one call into `orgdesk-core`.

pub mod recovery;
pub mod resets;
pub mod session;
pub mod settings;
pub mod users;

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

    pub const SESSION_COOKIE: &str = "orgdesk_session";

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
                CoreError::RateLimited { retry_after_secs } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    ApiError::RateLimited { retry_after_secs },
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
            api
        }
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

    /// The caller's address, for activity records and rate limits.
    pub async fn client_ip() -> Option<String> {
        leptos_axum::extract::<ConnectInfo<SocketAddr>>()
            .await
            .ok()
            .map(|ConnectInfo(addr)| addr.ip().to_string())
    }

    pub async fn session_token() -> Option<String> {
        let headers: HeaderMap = leptos_axum::extract().await.ok()?;
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == SESSION_COOKIE)
            .map(|(_, v)| v.to_string())
            .filter(|v| !v.is_empty() && v.len() <= 128)
    }

    /// The signed-in person, if any.
    pub async fn current_actor() -> Result<Option<Actor>, ApiError> {
        let Some(token) = session_token().await else {
            return Ok(None);
        };
        Ok(core()?.session_actor(&token).await?)
    }

    /// The signed-in admin or owner; everyone else is refused here, on the server.
    pub async fn require_admin() -> Result<(Core, Actor), ApiError> {
        let core = core()?;
        let actor = match current_actor().await? {
            Some(actor) => actor,
            None => {
                set_status(StatusCode::UNAUTHORIZED);
                return Err(ApiError::Unauthenticated);
            }
        };
        if !actor.role.is_admin() {
            set_status(StatusCode::FORBIDDEN);
            return Err(ApiError::Forbidden);
        }
        Ok((core, actor))
    }

    pub fn set_session_cookie(token: &str, max_age_secs: i64) {
        let secure = use_context::<Core>()
            .map(|c| c.config().public_base_url.starts_with("https://"))
            .unwrap_or(false);
        let cookie = format!(
            "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
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
