//! Errors as RFC 9457 problem details (`application/problem+json`). Every error has a stable
//! `type` (`urn:orgdesk:problem:<slug>`) that scripts may match on; `title` is fixed per type,
//! `detail` says what happened this time. docs/api.md lists the types.

use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use orgdesk_core::types::{ApiScope, SkipReason};
use orgdesk_core::CoreError;
use serde_json::{json, Map, Value};

pub const CONTENT_TYPE: &str = "application/problem+json";

/// One kind of error: its slug (the end of its `type`), status and title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub slug: &'static str,
    pub status: StatusCode,
    pub title: &'static str,
}

macro_rules! kinds {
    ($($name:ident = $slug:literal, $status:ident, $title:literal;)*) => {
        $(pub const $name: Kind = Kind { slug: $slug, status: StatusCode::$status, title: $title };)*
        /// Every kind, for the documentation and its test.
        pub const ALL: &[Kind] = &[$($name),*];
    };
}

kinds! {
    UNAUTHENTICATED = "unauthenticated", UNAUTHORIZED, "Send a valid API token";
    INSUFFICIENT_SCOPE = "insufficient-scope", FORBIDDEN, "The token lacks a scope this needs";
    FORBIDDEN = "forbidden", FORBIDDEN, "Not allowed for the token's role";
    SELF_RESET = "own-account", FORBIDDEN, "A token can't act on its creator's own account";
    NOT_FOUND = "not-found", NOT_FOUND, "No such resource";
    METHOD_NOT_ALLOWED = "method-not-allowed", METHOD_NOT_ALLOWED, "Method not allowed here";
    MALFORMED = "malformed-request", BAD_REQUEST, "The request could not be read";
    UNSUPPORTED_MEDIA_TYPE = "unsupported-media-type", UNSUPPORTED_MEDIA_TYPE, "Send application/json";
    INVALID = "invalid-input", UNPROCESSABLE_ENTITY, "The request is not valid";
    CONFLICT = "conflict", CONFLICT, "The request conflicts with the current state";
    COUNT_CHANGED = "count-changed", CONFLICT, "The filter matches a different number of users";
    IDEMPOTENCY_MISMATCH = "idempotency-key-reused", UNPROCESSABLE_ENTITY, "This Idempotency-Key was used for a different request";
    IDEMPOTENCY_IN_PROGRESS = "idempotency-key-in-progress", CONFLICT, "The first request with this Idempotency-Key is still being answered";
    RATE_LIMITED = "rate-limited", TOO_MANY_REQUESTS, "Too many requests";
    BUSY = "busy", SERVICE_UNAVAILABLE, "The server is at capacity";
    TOO_LARGE = "too-large", PAYLOAD_TOO_LARGE, "The request body is too large";
    SERVER = "server-error", INTERNAL_SERVER_ERROR, "Something went wrong on our side";
}

/// A problem to answer with.
#[derive(Debug, Clone)]
pub struct Problem {
    kind: Kind,
    detail: String,
    extra: Map<String, Value>,
    headers: Vec<(HeaderName, String)>,
}

pub type ApiResult<T> = Result<T, Problem>;

impl Problem {
    pub fn new(kind: Kind, detail: impl Into<String>) -> Problem {
        Problem {
            kind,
            detail: detail.into(),
            extra: Map::new(),
            headers: Vec::new(),
        }
    }
    /// An extension member (RFC 9457 §3.2).
    pub fn with(mut self, member: &str, value: Value) -> Problem {
        self.extra.insert(member.into(), value);
        self
    }
    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> Problem {
        self.headers.push((name, value.into()));
        self
    }

    pub fn unauthenticated(detail: &str) -> Problem {
        Problem::new(UNAUTHENTICATED, detail)
            .header(header::WWW_AUTHENTICATE, "Bearer realm=\"orgdesk\"")
    }
    pub fn missing_scope(scope: ApiScope) -> Problem {
        Problem::new(
            INSUFFICIENT_SCOPE,
            format!("This needs a token with the {} scope.", scope.as_str()),
        )
        .with("scope", json!(scope.as_str()))
        .header(
            header::WWW_AUTHENTICATE,
            format!(
                "Bearer realm=\"orgdesk\", error=\"insufficient_scope\", scope=\"{}\"",
                scope.as_str()
            ),
        )
    }
    pub fn invalid(detail: impl Into<String>) -> Problem {
        Problem::new(INVALID, detail)
    }
    pub fn rate_limited(retry_after_secs: u64) -> Problem {
        Problem::new(
            RATE_LIMITED,
            format!("Too many requests with this token; retry in {retry_after_secs} s."),
        )
        .with("retry_after", json!(retry_after_secs))
        .header(header::RETRY_AFTER, retry_after_secs.to_string())
    }
    /// Why one user could not be reset.
    pub fn skipped(reason: SkipReason) -> Problem {
        let kind = match reason {
            SkipReason::Yourself => SELF_RESET,
            SkipReason::NoPermission => FORBIDDEN,
            SkipReason::NotFound => NOT_FOUND,
            SkipReason::AlreadySuspended | SkipReason::Invited => CONFLICT,
            SkipReason::TooManyLinks => RATE_LIMITED,
        };
        Problem::new(kind, reason.explain())
    }

    pub fn body(&self) -> Value {
        let mut body = Map::new();
        body.insert(
            "type".into(),
            json!(format!("urn:orgdesk:problem:{}", self.kind.slug)),
        );
        body.insert("title".into(), json!(self.kind.title));
        body.insert("status".into(), json!(self.kind.status.as_u16()));
        body.insert("detail".into(), json!(self.detail));
        body.extend(self.extra.clone());
        Value::Object(body)
    }
}

impl From<CoreError> for Problem {
    fn from(e: CoreError) -> Problem {
        match e {
            CoreError::InvalidCredentials | CoreError::Unauthenticated => {
                Problem::unauthenticated("The API token is unknown, expired or revoked.")
            }
            CoreError::Forbidden => Problem::new(
                FORBIDDEN,
                "The token's creator may not do this (their role, or the target's).",
            ),
            CoreError::NotFound(m) => Problem::new(NOT_FOUND, m),
            CoreError::InvalidInput(m) => Problem::invalid(m),
            CoreError::Conflict(m) => Problem::new(CONFLICT, m),
            CoreError::OwnAccount => Problem::new(SELF_RESET, e.to_string()),
            CoreError::WeakPassword(_) | CoreError::LinkUnusable(_) => {
                Problem::invalid(e.to_string())
            }
            CoreError::CountChanged { matching, expected } => {
                Problem::new(COUNT_CHANGED, e.to_string())
                    .with("matching", json!(matching))
                    .with("expected_count", json!(expected))
            }
            CoreError::RateLimited { retry_after_secs } => Problem::rate_limited(retry_after_secs),
            CoreError::Busy { retry_after_ms } => {
                // HTTP's `Retry-After` is in whole seconds; `retry_after_ms` says it closer.
                let secs = orgdesk_types::busy::retry_after_header_secs(retry_after_ms);
                Problem::new(
                    BUSY,
                    format!("The server is at capacity; nothing was done. Retry in {secs} s."),
                )
                .with("retry_after", json!(secs))
                .with("retry_after_ms", json!(retry_after_ms))
                .header(header::RETRY_AFTER, secs.to_string())
            }
            CoreError::Database(_) | CoreError::Internal(_) => {
                tracing::error!(error = %e, "automation API call failed");
                Problem::new(SERVER, "The server failed to answer; nothing was changed.")
            }
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = self.body().to_string();
        let mut response = (self.kind.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_slug_and_an_error_status() {
        let mut slugs: Vec<_> = ALL.iter().map(|k| k.slug).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), ALL.len());
        assert!(ALL
            .iter()
            .all(|k| k.status.is_client_error() || k.status.is_server_error()));
    }

    #[test]
    fn a_problem_reads_as_rfc_9457() {
        let body = Problem::from(CoreError::CountChanged {
            matching: 3,
            expected: 2,
        })
        .body();
        assert_eq!(body["type"], "urn:orgdesk:problem:count-changed");
        assert_eq!(body["status"], 409);
        assert_eq!(body["matching"], 3);
        assert_eq!(body["expected_count"], 2);
        assert!(body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("Nothing was reset")));
    }
}
